"""Helpers shared by every test folder: the instant in Hà Nội, one delivery tick.

``at`` and ``run_tick`` were written again in several folders; they live here once.
Folders whose scenarios start at another hour keep a one-line ``at`` with that default.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from engine.config import Settings
from engine.delivery import TickReport, tick
from engine.store.db import Store
from notifiers.base import Notifier

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date, clock: time = time(8, 0)) -> datetime:
    """An instant in Hà Nội: ``at(date(2026, 6, 12))`` is 08:00 that day (when
    reminders go out)."""
    return datetime.combine(day, clock, tzinfo=HANOI)


def run_tick(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    worker: str = "worker-1",
    notifiers: Mapping[str, Notifier] | None = None,
) -> TickReport:
    """One delivery tick at ``now`` (``notifiers``: channels to use instead of the
    configured ones)."""
    return asyncio.run(tick(store, settings, now=now, worker_id=worker, notifiers=notifiers))
