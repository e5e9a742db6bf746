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
from typing import TYPE_CHECKING, Any, ClassVar, Self

if TYPE_CHECKING:
    from engine.config import Settings  # only named: this module imports nothing of engine


@dataclass(frozen=True)
class Button:
    """An inline button: ``data`` is sent back to the bot when pressed (Telegram only)."""

    text: str
    data: str


@dataclass(frozen=True)
class Answer:
    """The answer to a text a person sent to a channel's webhook: a text and the buttons
    under it (a channel whose buttons send their ``data`` back as the person's text)."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


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
    # What the message is about, for a channel that carries data rather than text (the
    # webhook's ``due_on``); the others ignore it.
    facts: dict[str, str] = field(default_factory=dict)


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


class Notifier:
    """One channel. See the module docstring for the contract of ``send``.

    A channel declares what it can carry and how the tick may drive it as class
    attributes; the defaults below are those of a plain channel, so the engine reads
    them directly (never with ``getattr``):

    - ``max_length``: the longest text one message may have (None: no limit); a
      longer one is split by the channel (Telegram: 4096 characters);
    - ``rate``: the most messages per second the service accepts from us across all
      recipients (None: no published limit); the channel paces itself;
    - ``buttons``: inline buttons reach the recipient (``Message.buttons``);
    - ``attachments``: files reach the recipient (``Message.attachments``);
    - ``html_text``: ``Message.text`` is read as HTML (Telegram's subset), so what is
      put in it must be escaped (a plain channel shows the text as it is);
    - ``max_in_flight``: how many ``send`` calls may run at once (None: ``[delivery]
      concurrency``); an instance may set its own from its settings;
    - ``gated``: ``send`` takes ``before_accept`` (a coroutine awaited just before the
      server accepts the message; email, after DATA's go-ahead, before the message).

    ``prepare(message)`` is CPU work the tick may do ahead, while earlier messages are
    on the wire (the default does nothing). Entering the context opens what a batch
    reuses; the defaults open and close nothing.
    """

    channel: ClassVar[str]
    max_length: ClassVar[int | None] = None
    rate: ClassVar[float | None] = None
    buttons: ClassVar[bool] = False
    attachments: ClassVar[bool] = False
    html_text: ClassVar[bool] = False
    gated: ClassVar[bool] = False
    max_in_flight: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The notifier the settings describe; ``NhacviecError`` saying what they lack
        when it cannot be built (each channel defines it)."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close what entering opened (the default opened nothing)."""
        return None

    def prepare(self, message: Message) -> None:
        """Work on ``message`` ahead of ``send`` (optional; errors surface in ``send``)."""
        return None

    async def send(self, message: Message) -> Receipt:
        raise NotImplementedError
