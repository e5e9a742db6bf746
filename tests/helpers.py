"""Helpers shared by every test folder: the instant in Hà Nội, one delivery tick, the
``--db`` URL of a test's store.

``at``, ``run_tick`` and ``cli_url`` were written again in several folders; they live
here once. Folders whose scenarios start at another hour make their ``at`` with
``at_hour`` (``at = at_hour(time(9, 0))``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine.config import Settings
from engine.delivery import TickReport, tick
from engine.store.db import Store
from notifiers.base import Notifier

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date, clock: time = time(8, 0)) -> datetime:
    """An instant in Hà Nội: ``at(date(2026, 6, 12))`` is 08:00 that day (when
    reminders go out)."""
    return datetime.combine(day, clock, tzinfo=HANOI)


class At(Protocol):
    def __call__(self, day: date, clock: time = ...) -> datetime: ...


def at_hour(default: time) -> At:
    """``at`` with another default hour: ``at_hour(time(9, 0))(day)`` is 09:00 that day."""

    def at_default(day: date, clock: time = default) -> datetime:
        return at(day, clock)

    at_default.__doc__ = f"An instant in Hà Nội: {default:%H:%M} on ``day`` unless ``clock``."
    return at_default


def cli_url(store: Store) -> str:
    """A ``--db`` URL (or a settings file's ``[database] url``) reaching ``store`` itself:
    on PostgreSQL, the test's own schema goes in the connection's options."""
    url = store.engine.url
    if store.dialect == "postgresql":
        with store.engine.connect() as conn:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


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
