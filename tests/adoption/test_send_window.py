"""Office hours at send time: a tick at 23:30 or on a Saturday sends nothing; what it held
goes out at 07:30 of the next working day, whatever kind of message it is."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.config import DigestSettings, Settings, TimeSettings
from engine.extensions import request_extension
from engine.sendwindow import SendWindow, parse_window
from engine.simulate import simulate
from engine.store.db import Store
from engine.store.models import Notification, Obligation
from tests import factories as f
from tests.helpers import run_tick

FRIDAY = date(2026, 6, 12)
MONDAY = date(2026, 6, 15)


def window(text: str = "07:30-17:00") -> SendWindow:
    return SendWindow.from_settings(Settings(time=TimeSettings(send_window=text)))


@pytest.mark.parametrize(
    ("local", "opens"),
    [
        (datetime.combine(FRIDAY, time(23, 30)), datetime.combine(MONDAY, time(7, 30))),
        (datetime(2026, 6, 13, 10, 0), datetime.combine(MONDAY, time(7, 30))),  # Saturday
        (datetime.combine(MONDAY, time(6, 0)), datetime.combine(MONDAY, time(7, 30))),
        (datetime.combine(FRIDAY, time(17, 0)), datetime.combine(MONDAY, time(7, 30))),
        (datetime(2026, 4, 29, 18, 0), datetime(2026, 5, 4, 7, 30)),  # 30/4, 1/5 off
        (datetime.combine(FRIDAY, time(16, 59)), datetime.combine(FRIDAY, time(16, 59))),
    ],
)
def test_the_window_opens_at_0730_on_the_next_working_day(local: datetime, opens: datetime) -> None:
    at = local.replace(tzinfo=f.HANOI)
    assert window().next_open(at) == opens.replace(tzinfo=f.HANOI).astimezone(UTC)
    assert window().is_open(at) == (at == opens.replace(tzinfo=f.HANOI))


def test_a_bad_window_is_refused_with_what_was_expected() -> None:
    with pytest.raises(ValueError, match='expected office hours as "HH:MM-HH:MM"'):
        parse_window("7h30-17h")
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_window("17:00-07:30")
    with pytest.raises(ValueError, match="send_at '18:00' is outside send_window"):
        TimeSettings(send_at="18:00")
    assert parse_window("00:00-24:00") == (0, 24 * 60)


def late_world(store: Store) -> int:
    """A reminder of Friday 08:00 not sent yet; an escalation allowed at any time."""
    with store.session() as s:
        owner = f.agency(s, "hn.ubnd", "UBND thành phố Hà Nội")
        f.contact(s, owner, name="Văn phòng UBND", email="vp@ubnd.example.org")
        sct = f.agency(s)
        person = f.contact(s, sct)
        about = f.obligation(s, f.plan(s, owner=owner), sct, due_on=date(2026, 6, 19))
        f.notification(s, about, person, when=f.at(FRIDAY), stage="nhac-7-ngay")
        urgent = f.obligation(s, f.plan(s, key="p2", owner=owner), sct, due_on=FRIDAY,
                              title="Báo cáo khẩn")  # fmt: skip
        f.notification(s, urgent, person, when=f.at(FRIDAY), stage="khan", escalation=True,
                       template="escalation", stop_on=f.STOP_ON_DONE,
                       payload={"when": "after", "any_time": True})  # fmt: skip
        return about.id


def test_a_late_tick_and_a_saturday_tick_send_nothing_and_monday_0730_sends_it(
    store: Store, tmp_path: Path
) -> None:
    settings = f.settings(tmp_path)
    about = late_world(store)
    night = datetime.combine(FRIDAY, time(23, 30), f.HANOI)
    with store.session() as s:  # an extension request at night: the owner's notice waits
        obligation = s.get(Obligation, about)
        assert obligation is not None
        request_extension(s, obligation, new_due_on=date(2026, 7, 31), reason="Chờ số liệu",
                          by="Phòng Kế hoạch - SCT", via="cli", now=night)  # fmt: skip

    report = run_tick(store, settings, night)
    assert [o.row.stage for o in report.sent] == ["khan"]  # any_time: true
    held = sorted((o.row.kind, o.row.stage) for o in report.of("held"))
    assert held == [("extension", "gia-han-1"), ("obligation", "nhac-7-ngay")]
    opening = datetime.combine(MONDAY, time(7, 30), f.HANOI)
    assert {o.next_try for o in report.of("held")} == {opening}

    saturday = datetime.combine(date(2026, 6, 13), time(10, 0), f.HANOI)
    assert run_tick(store, settings, saturday).outcomes == []
    assert run_tick(store, settings, opening - timedelta(minutes=1)).outcomes == []
    monday = run_tick(store, settings, opening)
    assert sorted(o.row.stage for o in monday.sent) == ["gia-han-1", "nhac-7-ngay"]
    with store.session() as s:
        attempts = s.scalars(sa.select(Notification.attempts).where(
            Notification.stage == "nhac-7-ngay")).one()  # fmt: skip
    assert attempts == 1  # holding used no attempt


def test_digests_made_after_hours_wait_for_the_next_morning(store: Store, tmp_path: Path) -> None:
    settings = f.settings(tmp_path).model_copy(update={"digest": DigestSettings(enabled=True)})
    with store.session() as s:
        sct = f.agency(s)
        f.contact(s, sct)
        f.obligation(s, f.plan(s), sct, due_on=date(2026, 6, 10))  # overdue: worth a digest
    evening = datetime.combine(MONDAY, time(18, 19), f.HANOI)
    report = run_tick(store, settings, evening)
    assert [(o.row.kind, o.result) for o in report.outcomes] == [("digest", "held")]
    tuesday = run_tick(store, settings, datetime.combine(MONDAY + timedelta(days=1),
                                                         time(7, 30), f.HANOI))  # fmt: skip
    assert [(o.row.kind, o.result) for o in tuesday.outcomes] == [("digest", "sent")]


def test_simulate_shows_the_held_messages_when_the_window_opens(
    store: Store, tmp_path: Path
) -> None:
    settings = f.settings(tmp_path)
    late_world(store)
    start = datetime.combine(FRIDAY, time(23, 0), f.HANOI)
    result = simulate(store, settings, start=start, end=start + timedelta(days=3))
    listed = [(p.at.astimezone(f.HANOI).strftime("%a %d/%m %H:%M"), p.row.stage)
              for p in result.planned]  # fmt: skip
    assert listed == [("Fri 12/06 23:00", "khan"), ("Mon 15/06 07:30", "nhac-7-ngay")]


def test_off_sends_whenever_due(store: Store, tmp_path: Path) -> None:
    settings = f.settings(tmp_path).model_copy(
        update={"time": TimeSettings(send_window="off", send_at="08:00")}
    )
    late_world(store)
    report = run_tick(store, settings, datetime.combine(date(2026, 6, 13), time(23, 30), f.HANOI))
    assert sorted(o.row.stage for o in report.sent) == ["khan", "nhac-7-ngay"]
