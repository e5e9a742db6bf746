"""Tick cost against work due: 100 notifications due among 10k, 100k and 1M pending ones.

For each backend and size, a fresh store is filled (``bench.data.fill_outbox``: the
pending rows are scheduled over the next year, 10 per obligation, on 1,000 contacts; the
due rows have an obligation and a contact each, so none overtakes another). A tick then
delivers the 100 due rows to a channel that accepts at once (``NullChannel``: what is
measured is the engine, claiming, loading, rendering and recording, not a server); the
rows are put back to ``pending`` between samples. The baseline, measured in the same
run, is the bare indexed SELECT of the due rows (the columns the tick reads, ``state =
'pending' AND due_at <= now ORDER BY due_at, id LIMIT 200`` on the ``(state, due_at)``
index, through SQLAlchemy Core). Goals: a flat curve (the 1M tick within 1.5× of the 10k
tick) and a tick within 5× of that SELECT.

The honest baseline is the hand-written tick (``bench.tick_script``: the same work on one
driver connection, byte-identical messages), run alternately with the engine's tick on
the same rows in the same loop; goal: the engine's tick within 1.5× of it.

Also reported, to explain the ratio: the same steps the tick runs, timed one by one in
one thread (claim, load the batch, render, record), at each size.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import TYPE_CHECKING, Any

from bench.data import NOW, NullChannel, analyze, backends, fill_outbox, reset_due, scratch_store
from bench.harness import ROOT, BenchContext
from bench.tick_script import HandTick
from notifiers.base import Message, Receipt

if TYPE_CHECKING:
    from engine.store.db import Store

NAME = "tick_scaling"
DUE = 100
FLAT = 1.5
GOAL = 5.0
HAND_GOAL = 1.5


def run(ctx: BenchContext) -> dict[str, Any]:
    sizes = [10_000, 50_000] if ctx.quick else [10_000, 100_000, 1_000_000]
    repeat = 3 if ctx.quick else 11
    result: dict[str, Any] = {
        "method": (
            f"{DUE} rows due among N pending (rows written with sqlite3 executemany / "
            "PostgreSQL COPY; PostgreSQL ANALYZEd after loading, as autovacuum would, "
            f"SQLite never); median of {repeat} ticks after one warm-up, the due rows put "
            "back to pending between ticks, delivered to a channel that accepts at once; "
            f"baseline: median of {repeat * 3} runs of the bare indexed SELECT of the due "
            f"rows in the same store. Goals: 1M tick ≤ {FLAT}× the 10k tick (flat), tick ≤ "
            f"{GOAL}× the SELECT; the hand-written tick (bench/tick_script.py: one UPDATE … "
            "RETURNING claim, one join, the same three templates, one UPDATE and the attempt "
            "rows, two commits; byte-identical messages, checked on the warm-up round) "
            f"alternated with the engine's tick in the same loop, median of {repeat} each: "
            f"goal tick ≤ {HAND_GOAL}× the hand-written tick"
        ),
        "due": DUE,
        "flat_goal": FLAT,
        "select_goal": GOAL,
        "hand_goal": HAND_GOAL,
    }
    for backend in backends(ctx):
        curve: dict[str, Any] = {}
        for size in sizes:
            with scratch_store(ctx, backend, f"tick{size}") as store:
                started = time.perf_counter()
                outbox = fill_outbox(store, pending=size, due=DUE)
                analyze(store)
                filled = time.perf_counter() - started
                curve[str(size)] = _measure(store, outbox.due_ids, repeat) | {
                    "fill_seconds": round(filled, 1)
                }
            point = curve[str(size)]
            ctx.log(
                f"  {backend} {size:>9,} pending: tick {point['tick_ms']:.1f} ms, "
                f"hand-written {point['hand_tick_ms']:.1f} ms, ratio "
                f"{point['ratio_to_hand']:.2f}× (goal ≤ {HAND_GOAL}×); SELECT "
                f"{point['select_ms']:.2f} ms, ratio {point['ratio_to_select']:.0f}× "
                f"(filled in {filled:.0f} s); steps {point['steps_ms']}"
            )
        first, last = curve[str(sizes[0])], curve[str(sizes[-1])]
        flatness = last["tick_ms"] / first["tick_ms"]
        ctx.log(f"  {backend}: tick at {sizes[-1]:,} / at {sizes[0]:,} = {flatness:.2f}")
        result[backend] = {
            "curve": curve,
            "largest_over_smallest": round(flatness, 2),
            "flat": flatness <= FLAT,
            "within_select_goal": all(p["ratio_to_select"] <= GOAL for p in curve.values()),
            "within_hand_goal": all(p["ratio_to_hand"] <= HAND_GOAL for p in curve.values()),
        }
    return result


def _measure(store: Store, due_ids: list[int], repeat: int) -> dict[str, Any]:
    """The engine's tick and the hand-written one (``bench.tick_script``), alternated:
    engine, hand, engine, hand, … on the same rows, put back to pending before each."""
    from engine.config import PathsSettings, Settings
    from engine.delivery import tick

    settings = Settings(paths=PathsSettings(templates=ROOT / "templates"))
    raw = store.engine.raw_connection()
    hand = HandTick(raw.driver_connection, ROOT / "templates", settings.time.zone)
    samples: list[float] = []
    hand_samples: list[float] = []
    try:
        for n in range(repeat + 1):
            # The first round warms the caches (templates, compiled statements) and
            # checks that both send the same messages, byte for byte.
            engine_sink = _Keeping() if n == 0 else NullChannel()
            reset_due(store, due_ids)
            started = time.perf_counter()
            report = asyncio.run(
                tick(
                    store,
                    settings,
                    now=NOW,
                    worker_id="bench",
                    notifiers={NullChannel.channel: engine_sink},
                )
            )
            engine_s = time.perf_counter() - started
            assert len(report.sent) == len(due_ids), report.counts()
            hand_sink = _Keeping() if n == 0 else NullChannel()
            reset_due(store, due_ids)
            started = time.perf_counter()
            sent = asyncio.run(hand.tick(NOW, "bench", hand_sink))
            hand_s = time.perf_counter() - started
            assert len(sent) == len(due_ids)
            if n == 0:
                assert isinstance(engine_sink, _Keeping) and isinstance(hand_sink, _Keeping)
                assert engine_sink.messages == hand_sink.messages, "the messages differ"
                continue
            samples.append(engine_s)
            hand_samples.append(hand_s)
    finally:
        raw.close()
    reset_due(store, due_ids)
    tick_s = statistics.median(samples)
    hand_s = statistics.median(hand_samples)
    select_s = _bare_select(store, len(due_ids), repeat * 3)
    return {
        "tick_ms": round(tick_s * 1000, 2),
        "hand_tick_ms": round(hand_s * 1000, 2),
        "ratio_to_hand": round(tick_s / hand_s, 2),
        "select_ms": round(select_s * 1000, 3),
        "ratio_to_select": round(tick_s / select_s, 1),
        "tick_samples_ms": [round(s * 1000, 1) for s in samples],
        "hand_samples_ms": [round(s * 1000, 1) for s in hand_samples],
        "steps_ms": _steps(store, settings, due_ids, repeat),
    }


class _Keeping(NullChannel):
    """``NullChannel``, keeping the messages (the comparison of the first round)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def send(self, message: Message) -> Receipt:
        self.messages.append(message)
        return await super().send(message)


def _bare_select(store: Store, expected: int, repeat: int) -> float:
    import sqlalchemy as sa

    from engine.outbox import row_columns, table
    from engine.store.models import Notification

    n = table(Notification).c
    query = (
        sa.select(*row_columns())
        .where(n.state == "pending", n.due_at <= NOW)
        .order_by(n.due_at, n.id)
        .limit(200)
    )
    samples = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        with store.engine.connect() as conn:
            rows = conn.execute(query).all()
        samples.append(time.perf_counter() - started)
        assert len(rows) == expected
    return statistics.median(samples[1:])


def _steps(store: Store, settings: Any, due_ids: list[int], repeat: int) -> dict[str, float]:
    """The tick's steps one after the other in this thread (no overlap), medians in ms."""
    from engine.delivery import load_batch
    from engine.outbox import Outcome, claim, record
    from engine.sources import render_env

    env = render_env(settings, NOW)
    timings: dict[str, list[float]] = {"claim": [], "load": [], "render": [], "record": []}
    for _ in range(repeat):
        reset_due(store, due_ids)
        t0 = time.perf_counter()
        with store.session() as session:
            rows = claim(session, now=NOW, worker_id="bench", lease_seconds=300, limit=200)
        t1 = time.perf_counter()
        with store.session() as session:
            batch = load_batch(session, rows, env)
        t2 = time.perf_counter()
        for row in rows:
            batch.render(row)
        t3 = time.perf_counter()
        outcomes = [Outcome(r, "sent", attempted=True, counts=True) for r in rows]
        with store.session() as session:
            record(session, outcomes, worker_id="bench", now=NOW)
        t4 = time.perf_counter()
        for name, seconds in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            timings[name].append(seconds * 1000)
    reset_due(store, due_ids)
    return {name: round(statistics.median(values), 2) for name, values in timings.items()}
