"""Office hours at send time: ``[time] send_window`` (default ``"07:30-17:00"``).

Reminders are scheduled at ``send_at`` on working days, but a tick runs when it runs: late
(cron, an engine that was down), at night, on a weekend. A message is only sent while the
window is open, on a working day of the calendar (``engine.workflow.calendar``), from the
window's start (inclusive) to its end (exclusive); outside it every kind of message
(reminders, escalations, digests, extension notices) is *held*: it stays pending and is
due again when the window next opens, when the tick's rules decide it afresh. A stage
with ``any_time: true`` (its rows carry ``"any_time": true`` in their payload) is never
held. ``"00:00-24:00"`` opens the window all day, on working days; ``"off"`` sends
whenever a message is due, any day (an engine watched round the clock, tests on the real
clock).

Everything here is pure: the instant is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from engine.workflow.options import StageOptions

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.workflow.calendar import WorkCalendar

OFF = "off"
WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$")
DAY = 24 * 60


def parse_window(text: str) -> tuple[int, int]:
    """``"07:30-17:00"`` → minutes after midnight (450, 1020); ``ValueError`` otherwise."""
    match = WINDOW.match(text.strip())
    if not match:
        raise ValueError('expected office hours as "HH:MM-HH:MM", e.g. "07:30-17:00", or "off"')
    h1, m1, h2, m2, h24, _ = match.groups()
    start = int(h1) * 60 + int(m1)
    end = DAY if h24 else int(h2) * 60 + int(m2)
    if end <= start:
        raise ValueError(f"the window {text!r} ends before it starts")
    return start, end


@dataclass(frozen=True)
class SendWindow:
    """When messages may go out: working days of ``calendar``, ``start``–``end`` local
    minutes after midnight."""

    calendar: WorkCalendar
    start: int
    end: int

    @classmethod
    def from_settings(cls, settings: Settings) -> SendWindow | None:
        """The window of ``[time]`` (one per distinct ``[time]``, shared by every batch);
        None when it is ``"off"``."""
        t = settings.time
        if t.send_window == OFF:
            return None
        return _window(t.send_window, t.timezone, t.send_at, t.holidays, tuple(t.extra_days_off))

    def is_open(self, instant: datetime) -> bool:
        local = instant.astimezone(self.calendar.zone)
        minute = local.hour * 60 + local.minute
        return self.calendar.is_working_day(local.date()) and self.start <= minute < self.end

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` if the window is open then, else when it next opens (aware UTC)."""
        if self.is_open(instant):
            return instant
        local = instant.astimezone(self.calendar.zone)
        day = local.date()
        if local.hour * 60 + local.minute >= self.start or not self.calendar.is_working_day(day):
            day = self.calendar.next_working_day(day + timedelta(days=1))
        opening = time(self.start // 60, self.start % 60)
        return datetime.combine(day, opening, tzinfo=self.calendar.zone).astimezone(UTC)


@lru_cache(maxsize=8)
def _window(
    window: str, zone: str, send_at: str, country: str, days_off: tuple[date, ...]
) -> SendWindow:
    from engine.config import TimeSettings
    from engine.workflow.calendar import WorkCalendar

    t = TimeSettings(timezone=zone, send_at=send_at, send_window=window, holidays=country,
                     extra_days_off=list(days_off))  # fmt: skip
    calendar = WorkCalendar(country=country, extra_days_off=days_off, zone=t.zone,
                            send_at=t.send_time)  # fmt: skip
    start, end = parse_window(window)
    return SendWindow(calendar, start, end)


def any_time(payload: dict[str, Any] | None) -> bool:
    """Whether a row's stage opted out of the window (``any_time: true``)."""
    return StageOptions.of(payload).any_time


def held_until(
    window: SendWindow | None, payload: dict[str, Any] | None, now: datetime
) -> datetime | None:
    """When a row that would be sent at ``now`` may go out instead, or None to send it."""
    if window is None or any_time(payload) or window.is_open(now):
        return None
    return window.next_open(now)
