"""A stage timed from the acknowledgement ("3 ngày làm việc sau khi nhận"): the shipped
workflow reminds once when an acknowledged task has had no news for three working days,
and only then; and an opening reminder sent after a day off says since when."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.config import load_settings
from engine.store.db import Store
from engine.store.models import Notification, Obligation
from engine.workflow.options import StageOptions
from engine.workflow.phrases import parse_offset
from engine.workflow.schema import load_workflow_text
from tests import factories as f
from tests.adoption.helpers import HB_PLAN, Cli, mail_texts, write_config
from tests.helpers import run_tick

ADOPTED = "2026-03-02T09:00"
THURSDAY = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội: ack + 3 working days


def test_the_phrase_in_both_languages() -> None:
    for text in ("3 ngày làm việc sau khi nhận", "3 working days after acknowledged"):
        offset = parse_offset(text)
        assert (offset.anchor, offset.days, offset.working) == ("acknowledged", 3, True)
        assert offset.describe() == "3 working days after acknowledged"
        assert not offset.escalation
    with pytest.raises(ValueError, match="at least 1 day"):
        parse_offset("0 days after acknowledged")


def test_a_stage_after_acknowledgement_cannot_stop_on_acknowledgement() -> None:
    text = """
version: 1
reminders:
  p:
    - {name: nhan, at: 3 working days after acknowledged, to: [agency.coordinator],
       stop_on: [acknowledged, done]}
rules:
  - {name: r, each: task lead, reminders: p}
"""
    with pytest.raises(Exception, match="cannot stop on 'acknowledged'"):
        load_workflow_text(text)


def after_ack_rows(store: Store) -> dict[int, str]:
    with store.session() as s:
        rows = s.execute(
            sa.select(Notification.obligation_id, Notification.state)
            .where(Notification.stage == "sau-khi-nhan")
        )  # fmt: skip
        return {oid: state for oid, state in rows if oid is not None}


def test_it_fires_only_for_the_task_acknowledged_and_then_silent(
    store: Store, tmp_path: Path
) -> None:
    cli = Cli(store, write_config(tmp_path, digest=False))
    cli("plan", "load", str(HB_PLAN), "--now", ADOPTED)
    cli("sync", "--now", ADOPTED)
    with store.session() as s:
        silent, finished, reopened, ignored = s.scalars(
            sa.select(Obligation.id)
            .where(Obligation.rule == "chu-tri", Obligation.tracked.is_(True),
                   Obligation.due_on == date(2026, 12, 31))
            .order_by(Obligation.id).limit(4)
        ).all()  # fmt: skip
    assert after_ack_rows(store) == {}  # nothing is acknowledged yet
    for n in (silent, finished, reopened):
        cli("ack", str(n), "--now", "2026-03-02T15:00")
    assert after_ack_rows(store) == dict.fromkeys((silent, finished, reopened), "pending")
    cli("done", str(finished), "--note", "15/BC-SCT", "--now", "2026-03-04T10:00")
    cli("reopen", str(reopened), "--now", "2026-03-04T11:00")
    cli("sync", "--now", "2026-03-04T12:00")  # a sync in between changes none of it

    settings = load_settings(tmp_path / "nhacviec.toml", str(store.engine.url))
    report = run_tick(store, settings, THURSDAY)
    sent = {(o.row.obligation_id, o.row.stage) for o in report.sent}
    assert {(n, "sau-khi-nhan") for n in (silent,)} == {p for p in sent if p[1] == "sau-khi-nhan"}
    assert not {n for n, _ in sent} & {finished, reopened, ignored}
    assert after_ack_rows(store) == {silent: "sent", finished: "cancelled", reopened: "cancelled"}
    texts = mail_texts(tmp_path / "outbox")
    assert any("đã xác nhận đã nhận nhiệm vụ sau nhưng chưa báo hoàn thành" in t
               and f"#{silent}" in t for t in texts)  # fmt: skip


def test_an_opening_reminder_sent_after_a_day_off_says_since_when(
    store: Store, tmp_path: Path
) -> None:
    settings = f.settings(tmp_path)
    with store.session() as s:
        sct = f.agency(s)
        person = f.contact(s, sct)
        plan = f.plan(s)
        sunday = f.obligation(s, plan, sct, title="Tuyên truyền", opens_on=date(2026, 3, 1),
                              due_on=date(2026, 12, 31), period_label="năm 2026")  # fmt: skip
        monday = f.obligation(s, plan, sct, title="Khảo sát", opens_on=date(2026, 3, 2),
                              due_on=date(2026, 12, 31), period_label="năm 2026")  # fmt: skip
        for about in (sunday, monday):
            f.notification(s, about, person, when=f.at(date(2026, 3, 2)), stage="bat-dau",
                           payload={"when": "opens", "ack": True})  # fmt: skip
    run_tick(store, settings, f.at(date(2026, 3, 2)))
    texts = {("Tuyên truyền" in t): t for t in mail_texts(settings.paths.outbox)}
    assert "Nhiệm vụ sau bắt đầu từ 01/03/2026:" in texts[True]
    assert "hôm nay" not in texts[True]
    assert "Nhiệm vụ sau bắt đầu từ hôm nay (02/03/2026):" in texts[False]


def test_it_is_dropped_past_the_due_date_and_gives_way_to_a_date_reminder() -> None:
    from datetime import time as clock

    from engine.workflow.calendar import WorkCalendar
    from engine.workflow.generate import NotificationSpec, _once_a_day, timeline
    from engine.workflow.schema import load_workflows

    [scp] = load_workflows(f.ROOT / "workflows")
    stages = scp.rules[0].stages
    calendar = WorkCalendar(zone=f.HANOI, send_at=clock(8, 0))
    due = date(2026, 6, 30)

    def after_ack(acked: date | None) -> list[datetime]:
        return [at for stage, at, _ in timeline(stages, date(2026, 1, 1), due, calendar, acked)
                if stage.name == "sau-khi-nhan"]  # fmt: skip

    assert after_ack(None) == []
    assert after_ack(date(2026, 3, 2)) == [calendar.send_instant(date(2026, 3, 5))]
    assert after_ack(date(2026, 6, 29)) == []  # three working days later is past the due date

    def note(stage: str, when: str, order: int) -> NotificationSpec:
        instant = calendar.send_instant(date(2026, 6, 25))
        return NotificationSpec("o", stage, order, False, "c", "email", "reminder", ("done",),
                                instant, when, StageOptions())  # fmt: skip

    same_day = [note("nhac-3-ngay-lam-viec", "before", 2), note("sau-khi-nhan", "acknowledged", 6)]
    assert [n.stage for n in _once_a_day(same_day)] == ["nhac-3-ngay-lam-viec"]
