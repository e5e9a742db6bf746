"""The contract every channel implements.

A notifier is an async context manager: ``async with notifier:`` opens what the channel
reuses for a batch (one SMTP connection, one HTTP client) and closes it afterwards.
Inside, ``await notifier.send(message)`` delivers one message and returns a ``Receipt``,
or raises:

- ``TransientError`` when trying again later may work: connection refused or reset, a
  timeout, an SMTP 4xx reply, an HTTP 5xx, a Telegram 429 (``retry_after`` says how many
  seconds the server asked us to wait). The outbox retries with backoff.
- ``PermanentError`` when it never will: an SMTP 5xx reply or unknown mailbox, a Telegram
  "bot was blocked by the user", "chat not found" or deactivated user. The row fails at
  once; ``flag`` (if set) is recorded on the contact so ``nhacviec status`` shows that the
  address or chat needs fixing. ``migrate_to_chat_id`` is set when a Telegram group became
  a supergroup: the contact's chat id must be updated and the message sent again.

``send`` must never log or include secrets (passwords, tokens) in error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self


@dataclass(frozen=True)
class Button:
    """An inline button: ``data`` is sent back to the bot when pressed (Telegram only)."""

    text: str
    data: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Message:
    """One rendered message for one recipient on one channel.

    ``key`` is the outbox row's unique key; channels derive stable identifiers from it
    (the email Message-ID), so a receiver can drop the rare duplicate after a crash.
    ``to`` is an email address or a Telegram chat id (as text).
    """

    key: str
    channel: str
    to: str
    subject: str
    text: str
    html: str | None = None
    to_name: str | None = None
    language: str = "vi"
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """What the channel said when it accepted the message (ids to find it again)."""

    channel: str
    detail: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """A send failed. ``permanent`` decides between retrying and failing the row."""

    permanent: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        flag: str | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.flag = flag
        self.migrate_to_chat_id = migrate_to_chat_id


class TransientError(DeliveryError):
    """Worth another try later."""

    permanent = False


class PermanentError(DeliveryError):
    """Never worth another try; the contact's address or chat may need fixing."""

    permanent = True


class Notifier(Protocol):
    """One channel. See the module docstring for the contract."""

    channel: ClassVar[str]

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def send(self, message: Message) -> Receipt: ...
