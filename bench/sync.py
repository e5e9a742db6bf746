"""Sync: generating and storing 100,000 obligations against a bulk INSERT of the same rows.

The synthetic world (``bench.synthetic``: 50 ten-year plans of 98 yearly tasks over 200
agencies, with reports and plan drafting) gives 100,450 obligations and about 600,000
reminders with the shipped ``scp`` workflow; the directory and plans are loaded first
(not measured). Measured, on each backend: ``run_sync`` on a store without obligations
(the first sync: generation, the reminder schedule on the working-day calendar, and
writing obligations, reminders and audit events), ``run_sync`` again with nothing
changed, and, as the baseline, a bulk INSERT of exactly the rows the first sync wrote
(read back from the store; SQLAlchemy Core ``insert()`` executemany in chunks of 5,000,
one transaction: the way sync itself writes). Between samples the synced rows are
deleted. Goal: the re-sync under a fifth of the first sync.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bench.data import backends, scratch_store
from bench.harness import BenchContext
from bench.synthetic import World

if TYPE_CHECKING:
    from engine.store.db import Store

NAME = "sync"
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
GOAL = 0.2
SYNCED = ("notifications", "audit_events", "obligations")  # children first


def run(ctx: BenchContext) -> dict[str, Any]:
    world = World(plans=2, tasks=48) if ctx.quick else World(plans=50, tasks=98)
    repeat = 1 if ctx.quick else 3
    result: dict[str, Any] = {
        "method": (
            f"synthetic world of {world.obligations:,} obligations ({world.plans} ten-year "
            f"plans × {world.tasks} yearly tasks, {world.agencies} agencies, shipped scp "
            f"workflow); median of {repeat} first syncs (synced rows deleted between "
            "samples) and of the re-syncs that follow them; baseline: Core bulk INSERT "
            "(executemany, chunks of 5,000, one transaction) of exactly the rows the "
            f"first sync wrote. Goal: re-sync ≤ {GOAL}× the first sync"
        ),
        "obligations": world.obligations,
        "goal": GOAL,
    }
    for backend in backends(ctx):
        with scratch_store(ctx, backend, "sync") as store:
            result[backend] = _measure(ctx, store, world, repeat, backend)
    return result


def _measure(
    ctx: BenchContext, store: Store, world: World, repeat: int, backend: str
) -> dict[str, Any]:
    from engine.workflow.sync import run_sync

    settings = world.settings(ctx.workdir / "world", _url(store))
    world.load(store, settings, NOW)
    first, again, reminders = [], [], 0
    for n in range(repeat):
        if n:
            _clear(store)
        started = time.perf_counter()
        report = run_sync(store, settings, now=NOW)
        first.append(time.perf_counter() - started)
        reminders = report.notifications_added
        assert len(report.added) == world.obligations, len(report.added)
        started = time.perf_counter()
        report = run_sync(store, settings, now=NOW)
        again.append(time.perf_counter() - started)
        assert not report.changed_anything
        ctx.log(f"  {backend}: first sync {first[-1]:.1f} s, re-sync {again[-1]:.2f} s")
    bulk, rows = _bulk_insert(store, repeat)
    out: dict[str, Any] = {
        "reminders": reminders,
        "rows_written": rows,
        "first_sync_seconds": round(statistics.median(first), 2),
        "resync_seconds": round(statistics.median(again), 2),
        "bulk_insert_seconds": round(bulk, 2),
        "first_sync_over_bulk_insert": round(statistics.median(first) / bulk, 2),
        "resync_over_first": round(statistics.median(again) / statistics.median(first), 3),
        "samples": {"first": _rounded(first), "resync": _rounded(again)},
    }
    out["met"] = out["resync_over_first"] <= GOAL
    ctx.log(
        f"  {backend}: {rows:,} rows; first sync {out['first_sync_seconds']} s = "
        f"{out['first_sync_over_bulk_insert']}× the bulk INSERT ({out['bulk_insert_seconds']}"
        f" s); re-sync {out['resync_over_first']}× the first (goal ≤ {GOAL})"
    )
    return out


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _bulk_insert(store: Store, repeat: int) -> tuple[float, int]:
    """Median seconds to INSERT the synced rows again, and how many rows that is."""
    from engine.store.models import Base

    tables = [Base.metadata.tables[name] for name in reversed(SYNCED)]  # parents first
    with store.engine.connect() as conn:
        dumped = {t.name: conn.execute(t.select()).all() for t in tables}
    count = sum(len(rows) for rows in dumped.values())
    samples = []
    for _ in range(repeat):
        _clear(store)
        started = time.perf_counter()
        with store.engine.begin() as conn:
            for table in tables:
                rows = dumped[table.name]
                for start in range(0, len(rows), 5000):
                    chunk = [r._asdict() for r in rows[start : start + 5000]]
                    conn.execute(table.insert(), chunk)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), count


def _clear(store: Store) -> None:
    import sqlalchemy as sa

    with store.engine.begin() as conn:
        for name in SYNCED:
            conn.execute(sa.text(f"DELETE FROM {name}"))


def _rounded(values: list[float]) -> list[float]:
    return [round(v, 2) for v in values]
