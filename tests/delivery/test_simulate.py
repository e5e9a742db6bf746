"""``simulate`` lists what ticks will send, instant by instant, and writes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.config import Settings
from engine.simulate import simulate
from engine.store.db import Store
from engine.store.models import AuditEvent, DeliveryAttempt, Notification
from tests import factories as f
from tests.fakes.smtp import SmtpServer
from tests.helpers import run_tick

START = datetime.combine(date(2026, 6, 15), time(), f.HANOI)
END = datetime.combine(date(2026, 7, 1), time(), f.HANOI)


def scenario(store: Store) -> None:
    """Three obligations, two agencies, email and Telegram, a backlog, a finished one."""
    with store.session() as s:
        plan = f.plan(s)
        sct = f.agency(s)
        stnmt = f.agency(s, "hn.so-tai-nguyen", "Sở Tài nguyên và Môi trường")
        kh = f.contact(s, sct, chat=1001)
        head = f.contact(s, sct, name="Giám đốc SCT", email="gd@sct.example.org", role="head")
        vp = f.contact(s, stnmt, name="Văn phòng STNMT", email="vp@stnmt.example.org",
                       language="en")  # fmt: skip
        report = f.obligation(s, plan, sct)
        f.reminder_schedule(s, report, kh)  # 12/06 (backlog), 18/06, 19/06, 22/06
        f.notification(s, report, kh, when=f.at(date(2026, 6, 18)), stage="before-1",
                       order=2, channel="telegram")  # fmt: skip
        f.notification(s, report, head, when=f.at(date(2026, 6, 22)), stage="late-3", order=4,
                       template="escalation", stop_on=f.STOP_ON_DONE, escalation=True)  # fmt: skip
        task = f.obligation(s, plan, stnmt, title="Tuyên truyền sản xuất bền vững",
                            period_label="Năm 2026", due_on=date(2026, 6, 26))  # fmt: skip
        f.reminder_schedule(s, task, vp)
        done = f.obligation(s, plan, stnmt, title="Báo cáo quý II", period_label="Quý II/2026",
                            due_on=date(2026, 6, 30), status="done")  # fmt: skip
        f.reminder_schedule(s, done, vp)


def snapshot(store: Store) -> tuple[object, ...]:
    with store.session() as s:
        rows = s.execute(
            sa.select(Notification.id, Notification.state, Notification.due_at,
                      Notification.attempts).order_by(Notification.id)
        ).all()  # fmt: skip
        counts = [s.scalar(sa.select(sa.func.count()).select_from(t))
                  for t in (DeliveryAttempt, AuditEvent)]  # fmt: skip
    return tuple(map(tuple, rows)), tuple(counts)


@pytest.fixture
def settings(tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("NHACVIEC_TELEGRAM_TOKEN", raising=False)
    return f.settings(tmp_path, smtp=(smtp.host, smtp.port))


def test_a_tick_at_each_listed_instant_sends_exactly_what_was_listed_for_it(
    store: Store, settings: Settings, smtp: SmtpServer
) -> None:
    scenario(store)
    result = simulate(store, settings, start=START, end=END)
    listed: dict[datetime, set[tuple[object, ...]]] = {}
    for p in result.planned:
        listed.setdefault(p.at, set()).add((p.row.obligation_id, p.row.stage, p.row.channel,
                                            p.to, p.subject))  # fmt: skip
    assert list(listed) == sorted(listed)
    for at, expected in listed.items():
        report = run_tick(store, settings, at)
        sent = {(o.row.obligation_id, o.row.stage, o.row.channel, o.to, o.subject)
                for o in report.sent}  # fmt: skip
        assert sent == expected, at
    assert len(smtp.wait_for(len(result.planned))) == len(result.planned)
    assert run_tick(store, settings, END).sent == []


def test_the_list_is_in_time_order_with_backlog_overtaking_and_stops_applied(
    store: Store, settings: Settings
) -> None:
    scenario(store)
    result = simulate(store, settings, start=START, end=END)
    at = [(p.at.astimezone(f.HANOI).strftime("%d/%m %H:%M"), p.row.obligation_id, p.row.stage,
           p.to) for p in result.planned]  # fmt: skip
    assert at == [
        # backlog: due before the span, sent when office hours begin
        ("15/06 07:30", 1, "before-7", "sct@example.org"),
        ("18/06 08:00", 1, "before-1", "sct@example.org"),
        ("19/06 08:00", 1, "on-due", "sct@example.org"),
        ("19/06 08:00", 2, "before-7", "vp@stnmt.example.org"),
        ("22/06 08:00", 1, "late-3", "sct@example.org"),
        ("22/06 08:00", 1, "late-3", "gd@sct.example.org"),
        ("25/06 08:00", 2, "before-1", "vp@stnmt.example.org"),
        ("26/06 08:00", 2, "on-due", "vp@stnmt.example.org"),
        ("29/06 08:00", 2, "late-3", "vp@stnmt.example.org"),
    ]
    assert result.cancelled == 3  # the finished obligation's reminders
    assert [(row.channel, reason) for row, reason in result.held] == [
        ("telegram", "Telegram is not configured: $NHACVIEC_TELEGRAM_TOKEN is not set")
    ]
    english = [p.subject for p in result.planned if p.to == "vp@stnmt.example.org"]
    assert english[0] == (
        "[Reminder] Sở Tài nguyên và Môi trường – due 26/06/2026: Tuyên truyền sản xuất bền vững"
    )


def test_stages_that_fall_due_together_are_collapsed_to_the_latest(
    store: Store, settings: Settings
) -> None:
    scenario(store)
    late_start = datetime.combine(date(2026, 6, 19), time(7, 30), f.HANOI)
    result = simulate(store, settings, start=late_start, end=late_start + timedelta(minutes=15))
    assert [(p.row.obligation_id, p.row.stage) for p in result.planned] == [(1, "before-1")]
    assert result.skipped == 1  # before-7, overtaken by before-1


def test_simulate_writes_nothing(store: Store, settings: Settings, smtp: SmtpServer) -> None:
    scenario(store)
    before = snapshot(store)
    simulate(store, settings, start=START, end=END)
    assert snapshot(store) == before
    assert smtp.received == []
    assert not (settings.paths.outbox).exists()
