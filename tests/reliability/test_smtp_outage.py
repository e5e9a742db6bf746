"""The SMTP server goes down in the middle of a pass, stays down for a stretch, comes back.

The server (aiosmtpd on loopback) accepts ``CUT_AFTER`` messages and dies while the next
one is on the wire. Ticks at injected instants then find it down: every row waits
according to the backoff (exponential from ``backoff_seconds``, capped at
``backoff_max_seconds``, 50–100 % of that), and a tick before the earliest retry touches
nothing. The server comes back on the same port: everything arrives, each message once
(the one on the wire when the server died may arrive twice, with one Message-ID), and
every try is recorded.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine.config import Settings
from engine.delivery import TickReport
from engine.store.db import Store
from engine.store.models import Notification
from notifiers.email import message_id
from tests import factories as f
from tests.fakes.smtp import RecordingHandler, SmtpServer
from tests.helpers import run_tick
from tests.reliability.helpers import NOW, attempt_outcomes, fill_outbox, notification_keys

CUT_AFTER = 37
BACKOFF = 60.0
CAP = 300.0
DOWN_TICKS = 5  # ticks while the server is down, after the one it died in


class DiesMidPass(RecordingHandler):
    """Accepts ``limit`` messages; at the next DATA the server goes down (from another
    thread, as a crash looks to a client) while that message waits for its reply."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.server: SmtpServer | None = None
        self.stopping: threading.Thread | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if len(self.received) >= self.limit and self.server is not None:
            dying, self.server = self.server, None
            self.stopping = threading.Thread(target=dying.stop)
            self.stopping.start()
            await asyncio.Event().wait()  # cancelled as the server stops
        return await super().handle_DATA(server, session, envelope)


def run(store: Store, settings: Settings, now: datetime) -> TickReport:
    return run_tick(store, settings, now, worker="w1")


def waiting(store: Store) -> list[Notification]:
    with store.session() as s:
        return list(s.scalars(sa.select(Notification).where(Notification.state == "pending")))


def expected_wait(attempts: int) -> float:
    """The un-jittered backoff after the ``attempts``-th failed try."""
    return min(BACKOFF * 2 ** (attempts - 1), CAP)


def test_an_smtp_outage_is_waited_out_with_backoff_and_nothing_is_lost(
    store: Store, tmp_path: Path
) -> None:
    total = fill_outbox(store, 6, 20)
    server = SmtpServer()
    handler = DiesMidPass(CUT_AFTER)
    handler.server = server
    server.handler = handler
    server.start()
    settings = f.settings(
        tmp_path,
        smtp=(server.host, server.port),
        delivery={"batch_size": 50, "backoff_seconds": BACKOFF, "backoff_max_seconds": CAP,
                  "max_attempts": 12},
    )  # fmt: skip

    first = run(store, settings, NOW)
    assert len(first.sent) == CUT_AFTER
    assert len(first.retried) == total - CUT_AFTER
    assert all(f"SMTP server 127.0.0.1:{server.port}" in (o.detail or "") for o in first.retried)

    now = NOW
    for attempt in range(1, DOWN_TICKS + 2):
        rows = waiting(store)
        assert len(rows) == total - CUT_AFTER
        assert {r.attempts for r in rows} == {attempt}
        low, high = 0.5 * expected_wait(attempt), expected_wait(attempt)
        for r in rows:
            assert low <= (r.due_at - now).total_seconds() < high, (attempt, r.due_at - now)
        earliest = min(r.due_at for r in rows)
        assert run(store, settings, earliest - timedelta(seconds=1)).outcomes == []
        now = max(r.due_at for r in rows)
        if attempt <= DOWN_TICKS:
            assert [o.result for o in run(store, settings, now).outcomes] == ["retried"] * len(rows)

    assert handler.stopping is not None
    handler.stopping.join()
    server.start()  # back, on the same port
    last = run(store, settings, now)
    assert len(last.sent) == total - CUT_AFTER
    server.stop()

    arrivals = Counter(m.message_id for m in server.received)
    keys = notification_keys(store)
    assert set(arrivals) == {message_id(k) for k in keys}
    assert sum(n - 1 for n in arrivals.values()) <= 1  # the one on the wire when it died
    with store.session() as s:
        rows = list(s.scalars(sa.select(Notification)))
    assert {r.state for r in rows} == {"sent"}
    outcomes = attempt_outcomes(store)
    for r in rows:
        assert outcomes[r.id] == ["retry"] * (r.attempts - 1) + ["sent"]
    assert Counter(r.attempts for r in rows) == {1: CUT_AFTER, DOWN_TICKS + 2: total - CUT_AFTER}
    assert run(store, settings, now + timedelta(days=1)).outcomes == []
