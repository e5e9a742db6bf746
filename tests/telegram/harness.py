"""Run the real bot (``run_bot``: PTB long polling) against the fake Bot API in a test."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from types import TracebackType

from engine.bot.buttons import status_buttons
from engine.bot.replies import replies_for
from engine.config import Settings
from engine.store.db import Store
from notifiers.base import Message
from notifiers.telegram import TelegramNotifier
from notifiers.telegram.bot import run_bot
from tests.fakes.botapi import FakeBotApi, Request, StoredMessage
from tests.telegram.conftest import VirtualClock
from tests.telegram.world import NOW, notification

SENT_AT = NOW - timedelta(hours=1)  # reminders go out at 08:00 local time


class RunningBot:
    """``async with RunningBot(...) as bot:`` — the bot polls until the block ends.

    ``bot.now`` is the bot's clock (an aware datetime a test may move).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        api: FakeBotApi,
        clock: VirtualClock,
        *,
        sweep_every: float = 0.05,
    ) -> None:
        self.settings, self.store, self.api, self.clock = settings, store, api, clock
        self.sweep_every = sweep_every
        self.now: datetime = NOW
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> RunningBot:
        # Replies answer people one at a time; the per-chat flood limit concerns bulk
        # sending and is covered by the notifier tests on the same virtual clock.
        self.api.per_chat_interval = 0.0
        notifier = TelegramNotifier(self.settings, clock=self.clock, sleep=self.clock.sleep)
        self._task = asyncio.create_task(
            run_bot(
                self.settings,
                self.store,
                self._stop,
                now=lambda: self.now,
                poll_timeout=5,
                sweep_every=self.sweep_every,
                notifier=notifier,
            )
        )
        await self.api.wait_for_call("getUpdates")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        assert self._task is not None
        await self._task

    async def say(self, chat_id: int, text: str, *, reply_to: int | None = None) -> StoredMessage:
        """Send ``text`` from ``chat_id`` (replying to the bot's message ``reply_to``);
        return the bot's (first) reply."""
        before = {m.message_id for m in self.api.sent(chat_id)}
        self.api.send_text(chat_id, text, reply_to=reply_to)

        def reply() -> StoredMessage | None:
            new = [m for m in self.api.sent(chat_id) if m.message_id not in before]
            return new[0] if new else None

        message: StoredMessage = await self.api.wait_until(reply, what=f"a reply to {text!r}")
        return message

    async def press(self, chat_id: int, message_id: int, label: str) -> Request:
        """Press a button; return the bot's answerCallbackQuery."""
        query_id = self.api.press(chat_id, message_id, label)
        return await self._answer(query_id)

    async def forge(self, chat_id: int, data: str) -> Request:
        """A callback with arbitrary data from ``chat_id`` (a modified client)."""
        query_id = self.api.enqueue_callback(chat_id, data)
        return await self._answer(query_id)

    async def _answer(self, query_id: str) -> Request:
        def answered() -> Request | None:
            for call in self.api.calls("answerCallbackQuery"):
                if call.params.get("callback_query_id") == query_id:
                    return call
            return None

        answer: Request = await self.api.wait_until(answered, what=f"answer to {query_id}")
        return answer


async def send_reminder(
    settings: Settings,
    store: Store,
    clock: VirtualClock,
    obligation_id: int,
    contact_id: int,
    chat_id: int,
    *,
    language: str = "vi",
    stage: str = "t-7",
) -> int:
    """Send a reminder with the open buttons as the delivery tick does; return its row id."""
    replies = replies_for(settings.paths.templates, settings.time.timezone)
    buttons = status_buttons(replies, language, obligation_id, "open", None)
    message = Message(
        key=f"o{obligation_id}:{stage}:c{contact_id}:telegram",
        channel="telegram",
        to=str(chat_id),
        subject="",
        text=f"📌 <b>Còn 9 ngày đến hạn</b>\n#{obligation_id}",
        buttons=buttons,
    )
    async with TelegramNotifier(settings, clock=clock, sleep=clock.sleep) as notifier:
        receipt = await notifier.send(message)
    with store.session() as s:
        row = notification(
            obligation_id,
            contact_id,
            stage,
            scheduled_at=SENT_AT,
            state="sent",
            receipt=receipt.detail,
        )
        s.add(row)
        s.flush()
        return row.id
