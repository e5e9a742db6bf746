"""The Telegram channel: python-telegram-bot's ``Bot`` behind the notifier contract.

``TelegramNotifier(settings)`` sends with the token held by the environment variable named
by ``[telegram] token_env`` to the API at ``[telegram] base_url``. Texts are Telegram HTML
(the templates escape them); a text longer than Telegram's 4096-character limit is split
at paragraph boundaries into parts that read on their own (``split_text``), the buttons
go on the last part, and the parts of one message reach the chat before anything else
this notifier sends there.

Pacing: at least ``per_chat_interval`` (1 s) between two messages to one chat and at most
``[telegram] global_rate`` messages a second overall. Slots are reserved before awaiting,
so concurrent sends share the limits correctly. The clock and the sleep are parameters:
tests pass a virtual clock and never really wait.

Errors, mapped to the contract in ``notifiers.base``:

- 429 (``RetryAfter``): wait ``retry_after`` and try again, ``max_retries`` times; then
  ``TransientError(retry_after=…)``;
- 403 (blocked by the user, user deactivated, kicked from the group) and 400 "chat not
  found": ``PermanentError(flag=…)``, the flag being Telegram's description without its
  "Forbidden: " / "Bad Request: " prefix, e.g. "bot was blocked by the user";
- group upgraded to a supergroup (``ChatMigrated``): ``PermanentError`` carrying
  ``migrate_to_chat_id``: the sender must update the contact's chat and send again;
- any other 400 (the message itself is wrong): ``PermanentError`` without a flag;
- timeouts, network errors, 5xx, a missing or refused token: ``TransientError``.

The token never appears in logs or error messages: it is scrubbed from every message and
httpx's request log (which prints URLs, hence the token) is kept at WARNING.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Self

from engine.i18n import _
from notifiers.base import Button, Message, Notifier, PermanentError, Receipt, TransientError
from notifiers.text import split_text as _split

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup
    from telegram import Message as TgMessage

    from engine.config import Settings

MAX_MESSAGE = 4096
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# PTB reports ``RetryAfter.retry_after`` as a timedelta from its next major version and
# warns on every 429 until one opts in; we handle both forms (``retry_after_seconds``).
os.environ.setdefault("PTB_TIMEDELTA", "true")
log = logging.getLogger("notifiers.telegram")
# Loggers that print Bot API URLs, which contain the token (httpx at INFO, PTB at DEBUG).
URL_LOGGERS = ("httpx", "telegram.Bot", "telegram.ext.ExtBot")


class RedactSecrets(logging.Filter):
    """Replaces registered secrets in log records with ``<token>``."""

    secrets: ClassVar[set[str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<token>")
            record.msg, record.args = message, ()
        return True


def redact_in_logs(token: str) -> None:
    """Keep ``token`` out of the logs of the libraries that print request URLs."""
    if not token:
        return
    RedactSecrets.secrets.add(token)
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())


class Pacer:
    """Per-chat and global spacing of messages, on an injectable clock.

    Messages to one chat go one at a time (a lock per chat), and the next may start
    ``per_chat_interval`` after the previous one *finished*, so that a slow request never
    brings two messages closer together at Telegram's end. Across chats, starts are
    spaced ``1 / global_rate`` apart; a start is reserved before sleeping, so concurrent
    sends share the rate correctly.
    """

    def __init__(
        self,
        *,
        per_chat_interval: float = 1.0,
        global_rate: float = 25.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.per_chat_interval = per_chat_interval
        self.global_interval = 1.0 / global_rate if global_rate > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._chat_next: dict[int, float] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._global_next = 0.0

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for ``chat_id``'s turn and the global rate; hold the chat while inside."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            now = self.clock()
            at = max(now, self._chat_next.get(chat_id, now), self._global_next)
            self._global_next = at + self.global_interval
            if at > now:
                await self.sleep(at - now)
            try:
                yield
            finally:
                self._after(chat_id, self.per_chat_interval)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram asked us to wait: no message to ``chat_id`` for ``seconds``."""
        self._after(chat_id, seconds)

    def _after(self, chat_id: int, seconds: float) -> None:
        next_at = self.clock() + seconds
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, next_at), next_at)


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Telegram's HTML text in parts that read on their own (``notifiers.text``)."""
    return _split(text, limit, html=True)


def keyboard(buttons: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for ``Message.buttons`` rows (None when there are none)."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    rows = [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def retry_after_seconds(value: int | float | timedelta) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def check_token(settings: Settings) -> None:
    """``NhacviecError`` unless the variable ``[telegram] token_env`` names is set."""
    from engine.errors import NhacviecError

    if not settings.secret(settings.telegram.token_env):
        raise NhacviecError(
            _("Telegram is not configured: ${token_env} is not set").format(
                token_env=settings.telegram.token_env
            )
        )


class TelegramNotifier(Notifier):
    """Sends ``Message``s to Telegram chats. See the module docstring for the contract.

    Receipt detail: ``{"chat_id": int, "message_id": int, "message_ids": [int, …]}``;
    ``message_id`` is the part that carries the buttons (the last one), ``message_ids``
    every part in order.
    """

    channel: ClassVar[str] = "telegram"
    max_length: ClassVar[int | None] = MAX_MESSAGE  # longer texts are split
    rate: ClassVar[float | None] = 30.0  # the Bot API's ceiling; [telegram] global_rate paces
    buttons: ClassVar[bool] = True
    html_text: ClassVar[bool] = True  # parse_mode HTML: the templates escape

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        max_retries: int = 3,
        per_chat_interval: float = 1.0,
        pacer: Pacer | None = None,
        pool_size: int = 8,
    ) -> None:
        self.settings = settings.telegram
        self._token = settings.secret(self.settings.token_env) or ""
        self.sleep = sleep
        self.max_retries = max_retries
        self.pool_size = pool_size
        self.pacer = pacer or Pacer(
            per_chat_interval=per_chat_interval,
            global_rate=self.settings.global_rate,
            clock=clock,
            sleep=sleep,
        )
        # The tick may have this many sends waiting here at once: enough that the global
        # rate, not one chat's one-a-second pacing, bounds the throughput.
        self.max_in_flight = max(8, math.ceil(self.settings.global_rate * 2))
        self._bot: Bot | None = None
        self._started = False
        self._opening = asyncio.Lock()
        self._chats: dict[int, asyncio.Lock] = {}  # one message at a time per chat

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The notifier of ``[telegram]``; ``NhacviecError`` when its token is not set."""
        check_token(settings)
        return cls(settings)

    async def aclose(self) -> None:
        if self._bot is not None and self._started:
            try:
                await self._bot.shutdown()
            except Exception as error:  # closing must not hide what happened before
                log.warning(_("closing the Telegram client failed: %s"), self._scrub(str(error)))
        self._bot, self._started = None, False

    async def send(self, message: Message) -> Receipt:
        """Send ``message.text`` (split if long) to chat ``message.to``; buttons go last."""
        chat_id = _chat_id(message.to)
        bot = await self._open()
        parts = split_text(message.text)
        markup = keyboard(message.buttons)
        # The parts of one message go to the chat before anything else does: another
        # message (a retried reminder) waits here, not between the parts.
        async with self._chats.setdefault(chat_id, asyncio.Lock()):
            ids = await self._send_parts(bot, chat_id, parts, markup)
        return Receipt(
            self.channel, {"chat_id": chat_id, "message_id": ids[-1], "message_ids": ids}
        )

    async def _send_parts(
        self, bot: Bot, chat_id: int, parts: list[str], markup: InlineKeyboardMarkup | None
    ) -> list[int]:
        from telegram.constants import ParseMode

        ids: list[int] = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1

            async def send_part(part: str = part, last: bool = last) -> TgMessage:
                return await bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    disable_web_page_preview=True,
                )

            sent = await self._call(chat_id, send_part)
            ids.append(sent.message_id)
        return ids

    async def edit_buttons(
        self,
        chat_id: int,
        message_id: int,
        text: str | None,
        buttons: Sequence[Sequence[Button]],
    ) -> bool:
        """Replace a sent message's buttons (and its text, when ``text`` is given).

        Returns False when the message already looked like that (Telegram's "message is
        not modified"), True when it changed. Errors as for ``send``; an edit of a message
        that no longer exists is a ``PermanentError``.
        """
        from telegram.constants import ParseMode

        bot = await self._open()
        markup = keyboard(buttons)

        async def edit() -> Any:
            if text is None:
                return await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup)
            return await bot.edit_message_text(
                text,
                chat_id,
                message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )

        try:
            await self._call(chat_id, edit)
        except PermanentError as error:
            if "message is not modified" in error.message.lower():
                return False
            raise
        return True

    async def _open(self) -> Bot:
        """The initialised client, created on first use (so a bad token fails one send).

        Concurrent first sends wait for one client rather than each making their own.
        """
        async with self._opening:
            return await self._open_once()

    async def _open_once(self) -> Bot:
        if self._bot is not None and self._started:
            return self._bot
        if not self._token:
            raise TransientError(
                f"no Telegram bot token: the environment variable ${self.settings.token_env} "
                "is not set"
            )
        from telegram import Bot
        from telegram.error import TelegramError
        from telegram.request import HTTPXRequest

        redact_in_logs(self._token)
        # Sends mostly wait in the pacer, not for a connection; a long pool timeout keeps
        # a burst from failing with "pool timeout" while connections are busy.
        request = HTTPXRequest(connection_pool_size=self.pool_size, pool_timeout=30.0)
        bot = Bot(self._token, base_url=self.settings.base_url, request=request)
        try:
            await bot.initialize()
        except TelegramError as error:
            await bot.shutdown()  # its HTTP clients are open even when getMe failed
            raise TransientError(
                f"cannot reach the Telegram bot: {self._describe(error)}"
            ) from None
        self._bot, self._started = bot, True
        return bot

    async def _call(self, chat_id: int, action: Callable[[], Awaitable[Any]]) -> Any:
        """Run one API call for ``chat_id``, paced, waiting out 429s, mapping errors."""
        from telegram.error import RetryAfter

        for attempt in range(self.max_retries + 1):
            try:
                async with self.pacer.slot(chat_id):
                    return await action()
            except RetryAfter as error:
                wait = retry_after_seconds(error.retry_after)
                if attempt == self.max_retries:
                    raise TransientError(
                        f"Telegram flood limit: retry after {wait:g} s", retry_after=wait
                    ) from None
                log.info(_("Telegram asked to wait %gs before writing to chat %s"), wait, chat_id)
                self.pacer.hold(chat_id, wait)
            except Exception as error:
                raise self._map_error(error) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _map_error(self, error: Exception) -> Exception:
        from telegram.error import (
            BadRequest,
            ChatMigrated,
            Forbidden,
            InvalidToken,
            TelegramError,
        )

        text = self._describe(error)
        if isinstance(error, ChatMigrated):
            return PermanentError(
                f"the group became a supergroup with chat id {error.new_chat_id}",
                migrate_to_chat_id=error.new_chat_id,
            )
        if isinstance(error, Forbidden):
            return PermanentError(f"Telegram refused: {text}", flag=_flag(text))
        if isinstance(error, BadRequest):
            flag = _flag(text) if "chat not found" in text.lower() else None
            return PermanentError(f"Telegram refused the message: {text}", flag=flag)
        if isinstance(error, InvalidToken):
            return TransientError(f"Telegram refused the bot token ({text})")
        if isinstance(error, TelegramError):
            return TransientError(f"Telegram error: {text}")
        return error

    def _describe(self, error: BaseException) -> str:
        return self._scrub(getattr(error, "message", None) or str(error))

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text


def _flag(description: str) -> str:
    """Telegram's reason, as stored on the contact: "bot was blocked by the user"."""
    for prefix in ("Forbidden: ", "Bad Request: "):
        description = description.removeprefix(prefix)
    return description[:1].lower() + description[1:]


def _chat_id(to: str) -> int:
    try:
        return int(to)
    except ValueError:
        raise PermanentError(
            f"{to!r} is not a Telegram chat id (a number)", flag="not a chat id"
        ) from None
