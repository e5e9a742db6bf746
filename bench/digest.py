"""Weekly digests on the five example plans: making a week's digests, the cost the digest
step adds to every other tick (a marker read), and sending them (rendered at send time);
and ``nhacviec digest``'s work (the week's digests and what the outbox did with each)
with the outbox filled to two sizes, which should cost the same (goal: the larger within
``FLAT_GOAL``× the smaller), beside the ``LIKE`` scan it used to run.

The plans in ``plans/`` are loaded with the shipped directory and synced on 05/01/2026;
the digests are those of Monday 22/06/2026 (2026-W26), written to the outbox folder, so
what is measured is the engine (queries, rendering, recording), not a mail server.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import ROOT, BenchContext, median_seconds

NAME = "digest"
SYNCED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
MONDAY = datetime(2026, 6, 22, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
FLAT_GOAL = 1.2


def run(ctx: BenchContext) -> dict[str, Any]:
    from bench.data import backends, scratch_store

    result: dict[str, Any] = {
        "method": "five example plans synced on 2026-01-05; the digests of 2026-W26 made "
        "once, then sent to the outbox folder by one tick; the idle cost is prepare_digests "
        "once the week is made (median of 200 calls); the listing: nhacviec digest's queries "
        "on two such stores, their outboxes filled with reminder rows to each size, timed "
        "in 15 alternating rounds after a warm-up (medians)",
        "flat_goal": FLAT_GOAL,
    }
    for backend in backends(ctx):
        with scratch_store(ctx, backend, "digest") as store:
            result[backend] = _measure(ctx, store, backend)
    return result


def _measure(ctx: BenchContext, store: Any, backend: str) -> dict[str, Any]:
    from sqlalchemy import func, select

    from engine.delivery import tick
    from engine.digest.schedule import prepare_digests
    from engine.store.models import Obligation
    from engine.workflow.sync import run_sync

    settings = _settings(ctx.workdir / f"outbox-{backend}")
    _load(store, settings)
    run_sync(store, settings, now=SYNCED)
    with store.session() as session:
        obligations = session.scalar(select(func.count()).select_from(Obligation))
    _skip_reminders(store)
    started = time.perf_counter()
    prepared = prepare_digests(store, settings, now=MONDAY, worker_id="bench")
    made = time.perf_counter() - started
    assert prepared is not None
    started = time.perf_counter()
    report = asyncio.run(tick(store, settings, now=MONDAY, worker_id="bench"))
    sending = time.perf_counter() - started
    idle, _ = median_seconds(
        lambda: prepare_digests(store, settings, now=MONDAY + timedelta(minutes=1),
                                worker_id="bench"), 200)  # fmt: skip
    listing = _listing_by_size(ctx, store, settings, backend)
    return {
        "listing": listing,
        "obligations": obligations,
        "digests": len(prepared.rows),
        "make_week_s": round(made, 4),
        "send_all_s": round(sending, 4),
        "sent": len([o for o in report.sent if o.row.kind == "digest"]),
        "idle_prepare_ms": round(idle * 1000, 3),
    }


def _settings(outbox: Path) -> Any:
    from engine.config import DeliverySettings, DigestSettings, PathsSettings, Settings

    return Settings(
        paths=PathsSettings(
            workflows=ROOT / "workflows", templates=ROOT / "templates",
            agencies=ROOT / "config" / "agencies.yaml", plans=ROOT / "plans", outbox=outbox,
        ),
        delivery=DeliverySettings(mode="outbox"),
        digest=DigestSettings(enabled=True),
    )  # fmt: skip


def _load(store: Any, settings: Any) -> None:
    from engine.agencies import load_directory
    from engine.plans.load import load_plan, sync_directory
    from engine.plans.model import PlanFile
    from engine.yamlpos import load_yaml, read_text, validate

    directory = load_directory(settings.paths.agencies)
    with store.session() as session:
        sync_directory(session, directory, SYNCED)
        for path in sorted((ROOT / "plans").glob("*.yaml")):
            data, positions = load_yaml(read_text(path), str(path))
            plan = validate(PlanFile, data, positions, str(path))
            # Tracked from each plan's start, as when these figures were first measured.
            start = date(plan.period.start, 1, 1)
            load_plan(session, plan, directory, SYNCED, track_from=start)


def _skip_reminders(store: Any) -> None:
    """The reminders due before the Monday went out in their time."""
    from sqlalchemy import update

    from engine.store.models import Notification

    with store.session() as session:
        session.execute(
            update(Notification)
            .where(Notification.state == "pending", Notification.due_at <= MONDAY)
            .values(state="sent", sent_at=Notification.due_at)
        )


def _listing_by_size(ctx: BenchContext, store: Any, settings: Any, backend: str) -> dict[str, Any]:
    """``nhacviec digest``'s queries with the outbox at each size, and the old LIKE scan:
    ``store`` filled to the smaller size and a second store, made the same way, to the
    larger, timed in alternating rounds (the machine's load then weighs on both alike)."""
    from bench.data import scratch_store

    sizes = [6_000, 60_000] if ctx.quick else [60_000, 1_200_000]
    repeat = 7 if ctx.quick else 15
    with scratch_store(ctx, backend, "digestbig") as big:
        big_settings = _settings(ctx.workdir / f"outbox-{backend}-big")
        _prepared(big, big_settings)
        stores = [(store, settings), (big, big_settings)]
        for (each, _), size in zip(stores, sizes, strict=True):
            _fill_to(each, size)
        listing: list[list[float]] = [[], []]
        like: list[list[float]] = [[], []]
        for round_ in range(repeat + 1):  # the first round warms up
            for n, (each, each_settings) in enumerate(stores):
                started = time.perf_counter()
                _list_week(each, each_settings)
                middle = time.perf_counter()
                _like_scan(each)
                if round_:
                    listing[n].append(middle - started)
                    like[n].append(time.perf_counter() - middle)
    by_size: dict[str, Any] = {}
    for n, size in enumerate(sizes):
        list_ms, like_ms = statistics.median(listing[n]) * 1000, statistics.median(like[n]) * 1000
        by_size[str(size)] = {"listing_ms": round(list_ms, 2), "like_scan_ms": round(like_ms, 2)}
        ctx.log(f"  {backend} outbox {size:>9,}: digest listing {list_ms:.1f} ms "
                f"(the old LIKE scan alone {like_ms:.1f} ms)")  # fmt: skip
    small, large = by_size[str(sizes[0])], by_size[str(sizes[-1])]
    ratio = round(large["listing_ms"] / small["listing_ms"], 2)
    return {"by_size": by_size, "largest_over_smallest": ratio, "met": ratio <= FLAT_GOAL,
            "rounds": repeat}  # fmt: skip


def _prepared(store: Any, settings: Any) -> None:
    """The plans loaded and synced, the week's digests made and sent (as in ``_measure``)."""
    from engine.delivery import tick
    from engine.digest.schedule import prepare_digests
    from engine.workflow.sync import run_sync

    _load(store, settings)
    run_sync(store, settings, now=SYNCED)
    _skip_reminders(store)
    prepare_digests(store, settings, now=MONDAY, worker_id="bench")
    asyncio.run(tick(store, settings, now=MONDAY, worker_id="bench"))


def _list_week(store: Any, settings: Any) -> None:
    from engine.cli.digest import _entries, _outbox_states
    from engine.digest.weeks import IsoWeek

    week = IsoWeek.of(MONDAY.date())
    with store.session() as session:
        entries = _entries(session, settings, week, MONDAY.date(), None, False, None)
        states = _outbox_states(session, week, entries, settings.time.zone)
    assert entries and states


def _like_scan(store: Any) -> None:
    """The query the listing ran before: every digest key of the week by ``LIKE``."""
    from sqlalchemy import select

    from engine.store.models import Notification as n

    with store.session() as session:
        query = select(n.stage, n.contact_id, n.channel, n.state, n.sent_at).where(
            n.kind == "digest", n.key.like("digest:2026-W26:%")
        )
        session.execute(query).all()


def _fill_to(store: Any, size: int) -> None:
    """Reminder rows (sent, as a year of them would be) up to ``size`` in the outbox,
    written through the driver (``bench.data``'s writers)."""
    from sqlalchemy import func, select

    from bench.data import _NOTIFICATION_COLUMNS, EMAIL, _Copy, _Many, analyze
    from engine.store.models import Contact, Notification, Obligation

    with store.session() as session:
        have = session.scalar(select(func.count()).select_from(Notification)) or 0
        start = session.scalar(select(func.max(Notification.id))) or 0
        obligations = session.scalars(select(Obligation.id)).all()
        contacts = session.scalars(select(Contact.id)).all()
    if have >= size:
        return
    with store.engine.begin() as conn:
        raw = conn.connection.driver_connection
        writer = _Copy(raw) if store.dialect == "postgresql" else _Many(raw)
        stamp = writer.instant(SYNCED)
        rows = (
            (n, f"fill:{n}", "obligation", obligations[n % len(obligations)], f"f{n}", 0,
             False, contacts[n % len(contacts)], EMAIL, "reminder", '["done"]', stamp, stamp,
             "sent", 1, "{}", stamp, stamp)
            for n in range(start + 1, start + size - have + 1)
        )  # fmt: skip
        writer.write("notifications", _NOTIFICATION_COLUMNS, rows)
        writer.finish()
    analyze(store)
