"""The Telegram Bot API answering 5xx and 429 for a stretch: everything arrives, once.

python-telegram-bot talks over real HTTP to the local Bot API server, which is scripted
to fail: every chat first gets a 502 (the server is in trouble), then one chat is asked
twice to wait 7 s (the notifier waits it out within the send), one is asked four times
to wait 11 s (more than the notifier waits in one send: the row itself waits 11 s,
without using up a try), and one gets a second 502 (a second try with backoff). Time
is virtual: the notifier and the server share one clock, so the test never waits.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.config import DeliverySettings, PathsSettings, Settings, TelegramSettings
from engine.delivery import TickReport, tick
from engine.store.db import Store
from engine.store.models import ContactAddress, Notification
from notifiers.telegram import TelegramNotifier
from tests.conftest import ROOT
from tests.fakes.botapi import TOKEN, FakeBotApi, Request, server_error, too_many_requests
from tests.reliability.helpers import NOW, attempt_outcomes, fill_outbox
from tests.telegram.conftest import VirtualClock

TOKEN_ENV = "NHACVIEC_TEST_TELEGRAM_TOKEN"
PATIENT, IMPATIENT = 7, 11  # retry_after asked of two chats
BACKOFF = 60.0


def chats(store: Store) -> dict[int, int]:
    """Notification id → the chat it goes to."""
    with store.session() as s:
        a = ContactAddress
        query = sa.select(Notification.id, a.address).join(
            a, (a.contact_id == Notification.contact_id) & (a.channel == "telegram")
        )
        return {nid: int(chat) for nid, chat in s.execute(query)}


def due(store: Store, nid: int) -> tuple[str, int, datetime]:
    with store.session() as s:
        row = s.get(Notification, nid)
        assert row is not None
        return row.state, row.attempts, row.due_at


def gaps_after_429(requests: list[Request], chat: int) -> list[float]:
    """The time from each 429 answered to ``chat`` to its next request (server's clock)."""
    calls = [r for r in requests if r.chat_id == chat]
    return [b.at - a.at for a, b in itertools.pairwise(calls) if a.status == 429]


def test_telegram_5xx_and_429_are_waited_out_and_every_message_arrives_once(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = VirtualClock()
    total = fill_outbox(store, 4, 5, channel="telegram")
    to = chats(store)
    patient, impatient, failing = sorted(to)[:3]
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with FakeBotApi(clock=clock) as api:
        settings = Settings(
            telegram=TelegramSettings(token_env=TOKEN_ENV, base_url=api.base_url, global_rate=30),
            paths=PathsSettings(templates=ROOT / "templates", outbox=tmp_path / "outbox"),
            delivery=DeliverySettings(backoff_seconds=BACKOFF, backoff_max_seconds=3600),
        )

        def run(now: datetime) -> tuple[TickReport, list[Request]]:
            already = len(api.requests)
            notifier = TelegramNotifier(settings, clock=clock, sleep=clock.sleep)
            report = asyncio.run(
                tick(store, settings, now=now, worker_id="w1", notifiers={"telegram": notifier})
            )
            return report, [r for r in api.requests[already:] if r.method == "sendMessage"]

        for chat in to.values():
            api.fail(chat, server_error())
        api.fail(to[patient], too_many_requests(PATIENT), times=2)
        api.fail(to[impatient], too_many_requests(IMPATIENT), times=4)
        api.fail(to[failing], server_error())

        first, _ = run(NOW)
        assert Counter(o.result for o in first.outcomes) == {"retried": total}
        assert all(o.detail == "Telegram error: Bad Gateway" for o in first.outcomes)
        for nid in to:
            state, attempts, next_try = due(store, nid)
            assert (state, attempts) == ("pending", 1)
            assert 0.5 * BACKOFF <= (next_try - NOW).total_seconds() < BACKOFF

        second_at = max(due(store, nid)[2] for nid in to)
        second, calls = run(second_at)
        assert {o.row.id for o in second.sent} == set(to) - {impatient, failing}
        assert [r.status for r in calls if r.chat_id == to[patient]] == [429, 429, 200]
        assert [r.status for r in calls if r.chat_id == to[impatient]] == [429] * 4
        # other chats' waits run concurrently on the shared clock: never sooner, maybe later
        assert [g >= PATIENT for g in gaps_after_429(calls, to[patient])] == [True] * 2
        assert [g >= IMPATIENT for g in gaps_after_429(calls, to[impatient])] == [True] * 3
        assert Counter(clock.sleeps)[PATIENT] == 2  # the waits asked for, exactly
        assert Counter(clock.sleeps)[IMPATIENT] == 3
        state, attempts, next_try = due(store, impatient)
        assert (state, attempts, next_try) == ("pending", 1, second_at + timedelta(seconds=11))
        state, attempts, retry_at = due(store, failing)
        assert (state, attempts) == ("pending", 2)
        assert BACKOFF <= (retry_at - second_at).total_seconds() < 2 * BACKOFF

        assert run(second_at + timedelta(seconds=IMPATIENT - 1))[0].outcomes == []
        third, _ = run(second_at + timedelta(seconds=IMPATIENT))
        assert [o.row.id for o in third.sent] == [impatient]
        fourth, _ = run(retry_at)
        assert [o.row.id for o in fourth.sent] == [failing]

        delivered = Counter(m.chat_id for m in api.sent())
    assert delivered == {chat: 1 for chat in to.values()}
    outcomes = attempt_outcomes(store)
    assert outcomes[impatient] == ["retry", "retry", "sent"]
    assert outcomes[failing] == ["retry", "retry", "sent"]
    assert all(outcomes[n] == ["retry", "sent"] for n in to if n not in (impatient, failing))
    with store.session() as s:
        rows = {n.id: (n.state, n.attempts) for n in s.scalars(sa.select(Notification))}
    assert rows[impatient] == ("sent", 2)  # the 429 did not use up a try
    assert rows[failing] == ("sent", 3)
    assert {state for state, _ in rows.values()} == {"sent"}
