"""The hand-written tick of the benchmarks (``bench/tick_script.py``), the baseline of
``bench.tick_scaling``, sends the engine's messages byte for byte and leaves the rows
as the engine's tick leaves them: the baseline cannot drift from what it stands for."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import sqlalchemy as sa

from bench.data import EMAIL, NOW, fill_outbox, reset_due
from bench.harness import ROOT
from bench.tick_script import HandTick
from engine.config import PathsSettings, Settings
from engine.delivery import tick
from engine.store.db import Store
from notifiers.base import Message, Notifier, Receipt


class Sink(Notifier):
    """The email channel, keeping what it is given."""

    channel: ClassVar[str] = EMAIL
    max_in_flight: ClassVar[int] = 1

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def send(self, message: Message) -> Receipt:
        self.messages.append(message)
        return Receipt(self.channel, {"to": message.to})


def _rows(store: Store) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        notifications = conn.execute(
            sa.text(
                "SELECT id, state, attempts, receipt, sent_at, lease_owner, lease_until, "
                "last_error, updated_at FROM notifications ORDER BY id"
            )
        ).all()
        attempts = conn.execute(
            sa.text(
                "SELECT notification_id, at, worker, outcome, error FROM delivery_attempts "
                "ORDER BY notification_id"
            )
        ).all()
    return [tuple(r) for r in notifications] + [tuple(r) for r in attempts]


def _clear_attempts(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM delivery_attempts"))


def test_the_hand_written_tick_sends_the_engines_messages_and_records_alike(
    store: Store,
) -> None:
    outbox = fill_outbox(store, pending=40, due=7)
    settings = Settings(paths=PathsSettings(templates=ROOT / "templates"))
    engine_sink = Sink()
    report = asyncio.run(
        tick(store, settings, now=NOW, worker_id="w", notifiers={EMAIL: engine_sink})
    )
    assert len(report.sent) == 7
    after_engine = _rows(store)

    reset_due(store, outbox.due_ids)
    _clear_attempts(store)
    hand_sink = Sink()
    raw = store.engine.raw_connection()
    try:
        hand = HandTick(raw.driver_connection, ROOT / "templates", settings.time.zone)
        sent = asyncio.run(hand.tick(NOW, "w", hand_sink))
    finally:
        raw.close()

    assert sent == hand_sink.messages
    assert hand_sink.messages == engine_sink.messages  # every field, byte for byte
    assert {m.key for m in sent} == {f"o{4 + d + 1}:due:c{d + 1}:{EMAIL}" for d in range(7)}
    assert "Nhiệm vụ số 5" in sent[0].text and sent[0].html is not None
    assert _rows(store) == after_engine
