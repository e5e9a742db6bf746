"""Weekly digests on the five example plans: making a week's digests, the cost the digest
step adds to every other tick (a marker read), and sending them (rendered at send time).

The plans in ``plans/`` are loaded with the shipped directory and synced on 05/01/2026;
the digests are those of Monday 22/06/2026 (2026-W26), written to the outbox folder, so
what is measured is the engine (queries, rendering, recording), not a mail server.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import ROOT, BenchContext, median_seconds

NAME = "digest"
SYNCED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
MONDAY = datetime(2026, 6, 22, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


def run(ctx: BenchContext) -> dict[str, Any]:
    from bench.data import backends, scratch_store

    result: dict[str, Any] = {
        "method": "five example plans synced on 2026-01-05; the digests of 2026-W26 made "
        "once, then sent to the outbox folder by one tick; the idle cost is prepare_digests "
        "once the week is made (median of 200 calls)",
    }
    for backend in backends(ctx):
        with scratch_store(ctx, backend, "digest") as store:
            result[backend] = _measure(ctx, store, backend)
    return result


def _measure(ctx: BenchContext, store: Any, backend: str) -> dict[str, Any]:
    from sqlalchemy import func, select

    from engine.delivery import tick
    from engine.digest import prepare_digests
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
    return {
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
