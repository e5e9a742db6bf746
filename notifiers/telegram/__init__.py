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
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Self

from engine.i18n import _
from notifiers.base import Button, Message, Notifier, PermanentError, Receipt, TransientError

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
log = logging.getLogger(__name__)
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
    """Split ``text`` into parts of at most ``limit`` UTF-16 units that read on their own.

    Parts end at paragraph boundaries (blank lines) where they can: a paragraph that
    does not fit in what is left of a part starts the next one, unless the part is still
    less than a quarter full (a header line alone is no message). A paragraph longer
    than a part is split between lines, and a heading line (short, bold or italic, or
    ending in ":") is never left at the end of a part: it moves down with what it heads.
    A single line longer than ``limit`` fills what is left of the part and goes on in the
    next, cut at its last space within the limit, or at the last place within it that is
    outside every HTML element and entity, so that every part stays valid HTML (tags must
    close on the line that opens them, as the templates do).
    """
    if _units(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []  # the lines of the part being filled ("" between paragraphs)

    def room(separator: int) -> int:
        return limit - _units("\n".join(current)) - (separator if current else 0)

    def flush(*, carry_heading: bool) -> None:
        carried: list[str] = []
        while current and not current[-1].strip():
            current.pop()
        while carry_heading and len(current) > 1 and _is_heading(current[-1]):
            carried.insert(0, current.pop())
            while current and not current[-1].strip():
                current.pop()
        if current:
            parts.append("\n".join(current))
        current[:] = carried

    for paragraph in text.split("\n\n"):
        lines = paragraph.split("\n")
        separator = 2  # "\n\n" before the paragraph's first line
        if _units(paragraph) <= room(separator):
            current.extend(["", *lines] if current else lines)
            continue
        if _units(paragraph) <= limit and room(0) < limit * 3 // 4:
            flush(carry_heading=True)  # the paragraph starts the next part, whole
            if _units(paragraph) <= room(separator):  # (after a heading carried down)
                current.extend(["", *lines] if current else lines)
                continue
        for line in lines:
            _place(line, separator, current, parts, limit, room, flush)
            separator = 1
    flush(carry_heading=False)
    return [part for part in parts if part.strip()] or [text]


def _place(
    line: str,
    separator: int,
    current: list[str],
    parts: list[str],
    limit: int,
    room: Callable[[int], int],
    flush: Callable[..., None],
) -> None:
    """Put one line of a paragraph too long for a part into the parts (``split_text``)."""
    flushed = False
    while True:
        prefix = [""] if separator == 2 and current else []
        left = room(separator)
        if _units(line) <= left:
            current.extend([*prefix, line])
            return
        if _units(line) <= limit and not flushed and left < limit * 3 // 4:
            flush(carry_heading=True)  # the part is full enough: the line starts the next
            flushed = True
            continue
        if not current:  # longer than a part: cut it
            pieces = _cut_line(line, limit)
            parts.extend(pieces[:-1])
            current.append(pieces[-1])
            return
        cut = _last_space(line, _fit(line, left)) if left >= limit // 4 else 0
        if cut:  # fill what is left of this part with its beginning, up to a space
            current.extend([*prefix, line[:cut]])
            line = line[cut:].lstrip(" ")
        flush(carry_heading=True)
        flushed = True


_HEADING = re.compile(r"[^<\w]*<([biu])>[^<]*</\1>[^<\w]*:?\s*")


def _is_heading(line: str) -> bool:
    """A line that heads what follows it: short, and all bold/italic, or ending in ":"."""
    stripped = line.strip()
    if not stripped or _units(stripped) > 120:
        return False
    return stripped.endswith(":") or _HEADING.fullmatch(stripped) is not None


def _cut_line(line: str, limit: int) -> list[str]:
    pieces = []
    while _units(line) > limit:
        cut = _safe_cut(line, _fit(line, limit))
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces


def _fit(line: str, limit: int) -> int:
    """The longest prefix length of ``line`` within ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(line):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(line)


def _safe_cut(line: str, cut: int) -> int:
    """Where to cut ``line`` at or before ``cut``: outside elements, at a space if one is
    in the second half, else as late as possible (``cut`` itself if nothing is safe)."""
    safe = space = 0
    depth = index = 0
    while index < cut:
        if line[index] == " " and depth == 0:
            space = index
        step = _token_end(line, index)
        if line.startswith("<", index) and step > index + 1:
            depth += -1 if line.startswith("</", index) else 1
        index = step
        if depth == 0 and index <= cut:
            safe = index
    if safe == cut and line[cut : cut + 1] == " ":
        return cut
    if space > cut // 2:
        return space
    return safe or cut


def _last_space(line: str, cut: int) -> int:
    """The last space of ``line`` before ``cut`` outside every element (0 if none)."""
    space = depth = index = 0
    while index < cut:
        if line[index] == " " and depth == 0:
            space = index
        step = _token_end(line, index)
        if line.startswith("<", index) and step > index + 1:
            depth += -1 if line.startswith("</", index) else 1
        index = step
    return space


def _token_end(line: str, index: int) -> int:
    """The end of the tag, entity or character that starts at ``index``."""
    closer = {"<": ">", "&": ";"}.get(line[index])
    end = line.find(closer, index) if closer else -1
    return end + 1 if end != -1 else index + 1


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


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
