"""Helpers shared by every test folder: the instant in Hà Nội, one delivery tick, the
``--db`` URL of a test's store, the web app's settable clock and the app served by
uvicorn for a test.

``at``, ``run_tick`` and ``cli_url`` were written again in several folders; they live
here once. Folders whose scenarios start at another hour make their ``at`` with
``at_hour`` (``at = at_hour(time(9, 0))``).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine.config import Settings
from engine.delivery import TickReport, tick
from engine.store.db import Store
from notifiers.base import Notifier

if TYPE_CHECKING:
    from starlette.applications import Starlette

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


@dataclass
class WebClock:
    """The web app's clock (``create_app(..., clock=)``): a test sets ``now``."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def served(app: Starlette, sock: socket.socket) -> Iterator[None]:
    """``app`` served by uvicorn on ``sock`` (``engine.web.serve``, as ``nhacviec run``
    serves it) in a thread, until the block ends."""
    from engine.web import serve

    stopping = asyncio.Event()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(app, sock, stopping),))
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=30)
        loop.close()
