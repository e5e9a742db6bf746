"""Adopting a plan part-way through its period: what is due before the tracking start is
not tracked ("chưa theo dõi"): no reminders, not overdue, not in digests, letters,
status or report; listed with ``agenda --untracked``; brought in with ``track``."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.config import load_settings
from engine.delivery import tick
from engine.store.db import Store
from engine.store.models import AuditEvent, Notification, Obligation, Plan
from tests.adoption.helpers import HB, HB_PLAN, Cli, mail_texts, write_config

ADOPTED = "2026-03-02T09:00"  # a Monday, 09:00 in Hà Nội: "today" for the coordinator
TODAY = date(2026, 3, 2)


@pytest.fixture
def cli(store: Store, tmp_path: Path) -> Cli:
    cli = Cli(store, write_config(tmp_path))
    _, out, _ = cli("plan", "load", str(HB_PLAN), "--now", ADOPTED)
    assert "Theo dõi từ 02/03/2026: những gì đến hạn trước ngày đó không được theo dõi." in out
    cli("sync", "--now", ADOPTED)
    return cli


def untracked_ids(store: Store) -> set[int]:
    with store.session() as s:
        return set(s.scalars(sa.select(Obligation.id).where(Obligation.tracked.is_(False))))


def test_the_plan_adopted_today_has_nothing_overdue_and_lists_what_it_does_not_track(
    cli: Cli, store: Store
) -> None:
    status = cli.json("status", "--plan", HB, "--as-of", "2026-03-02")
    assert status["totals"]["not_done_overdue"] == 0
    assert status["totals"]["total"] > 0  # this year's work is there, in time
    _, out, _ = cli("overdue", "--as-of", "2026-03-02", "--plan", HB)
    assert "Không có nghĩa vụ quá hạn tính đến 02/03/2026." in out

    listed = cli.json("agenda", "--untracked", "--plan", HB, "--as-of", "2026-03-02")
    with store.session() as s:
        before = s.scalars(sa.select(Obligation.id).where(Obligation.original_due_on < TODAY)).all()
    assert len(before) > 100  # five years of a ten-year plan
    assert {item["id"] for item in listed} == set(before) == untracked_ids(store)
    assert {item["status"] for item in listed} == {"untracked"}
    assert max(item["due"] for item in listed) < "2026-03-02"
    _, table, _ = cli("agenda", "--untracked", "--plan", HB, "--as-of", "2026-03-02")
    assert f"Chưa theo dõi (đến hạn trước khi kế hoạch được theo dõi): {len(before)}" in table
    assert "chưa theo dõi" in table

    plans = cli.json("plan", "list")
    assert plans[0]["track_from"] == "2026-03-02"


def test_nothing_untracked_is_reminded_digested_or_reported(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    hidden = untracked_ids(store)
    with store.session() as s:
        pending = s.scalar(
            sa.select(sa.func.count()).where(
                Notification.obligation_id.in_(hidden), Notification.state == "pending"
            )
        )
    assert pending == 0
    settings = load_settings(tmp_path / "nhacviec.toml", str(store.engine.url))
    monday = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00: reminders and weekly digests
    report = asyncio.run(tick(store, settings, now=monday, worker_id="t"))
    assert report.sent == []  # five years of "overdue" work would fill the digests
    _, out, _ = cli("report", "--plan", HB, "--period", "2025", "-o", str(tmp_path / "r.csv"))
    assert ": 0 nghĩa vụ" in out
    # Tracked from the plan's start instead, the next Monday's digests chase all of it.
    cli("plan", "track-from", HB, "2021-01-01", "--now", ADOPTED)
    later = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    report = asyncio.run(tick(store, settings, now=later, worker_id="t"))
    assert {o.row.kind for o in report.sent} == {"digest"}
    texts = mail_texts(tmp_path / "outbox")
    assert any(f"#{n}" in t for t in texts for n in hidden)


def test_track_brings_one_in_and_done_records_one_with_its_report_number(
    cli: Cli, store: Store
) -> None:
    first, second = sorted(untracked_ids(store))[:2]
    _, out, _ = cli("done", str(first), "--note", "112/BC-SCT", "--now", ADOPTED)
    assert "done by" in out
    _, out, _ = cli("track", str(second), "--now", ADOPTED)
    assert f"#{second}" in out and "tracked by" in out
    with store.session() as s:
        done, tracked = s.get(Obligation, first), s.get(Obligation, second)
        assert done is not None and tracked is not None
        assert (done.status, done.tracked) == ("done", False)  # recorded, still outside
        assert tracked.tracked is True
        events = s.scalars(sa.select(AuditEvent.event).where(AuditEvent.obligation_id == second))
        assert "tracked" in list(events)
    overdue = cli.json("overdue", "--as-of", "2026-03-02", "--plan", HB)
    assert [item["id"] for item in overdue] == [second]
    status = cli.json("status", "--plan", HB, "--as-of", "2026-03-02")
    assert status["totals"]["not_done_overdue"] == 1
    assert status["totals"]["done_late"] == 0  # done before tracking: not counted
    code, _, err = cli("ack", str(first + 2), "--now", ADOPTED, ok=False)
    assert code == 2 and "nghĩa vụ chưa được theo dõi" in err


def test_moving_the_tracking_start_keeps_what_was_brought_in_by_hand(
    cli: Cli, store: Store
) -> None:
    hidden = sorted(untracked_ids(store))
    cli("track", str(hidden[0]), "--now", ADOPTED)
    _, out, _ = cli("plan", "track-from", HB, "01/01/2021", "--now", ADOPTED)
    assert f"{len(hidden) - 1} nghĩa vụ nay được theo dõi, 0 thôi theo dõi" in out
    assert untracked_ids(store) == set()
    assert cli.json("status", "--plan", HB, "--as-of", "2026-03-02")["totals"][
        "not_done_overdue"
    ] == len(hidden)
    _, out, _ = cli("plan", "load", str(HB_PLAN), "--track-from", "2026-03-02", "--now", ADOPTED)
    assert f"0 nghĩa vụ nay được theo dõi, {len(hidden) - 1} thôi theo dõi" in out
    assert untracked_ids(store) == set(hidden[1:])
    with store.session() as s:
        plan = s.scalars(sa.select(Plan)).one()
        assert plan.track_from == TODAY
