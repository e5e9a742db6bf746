"""The local outbox: messages written as files instead of sent (the demo's default).

An email becomes ``<outbox>/<YYYY-MM-DD>/<safe key>.eml``: the same RFC 5322 bytes the
SMTP path would send (``notifiers.email.mime_bytes``), so any mail client opens it. A
Telegram message becomes ``<safe key>.json`` beside it (chat id, HTML text, buttons), and
so does a message of any other channel without an HTML part (Zalo, webhook: the channel,
the address, the text and the buttons).
The date folder is the local date of the message's ``Date`` header (the tick's instant).

Writing is idempotent per key: a row sent twice (a worker crashed after writing, before
recording) finds its file and leaves it as it is. Files are written to a temporary name
and renamed, so a reader never sees half a message.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from notifiers.base import Message, Notifier, Receipt, TransientError
from notifiers.email import DEFAULT_SENDER, message_id, mime_bytes

if TYPE_CHECKING:
    from engine.config import Settings


def safe_name(key: str) -> str:
    """A file name for an outbox key: anything but letters, digits, ``.-`` becomes ``_``."""
    return re.sub(r"[^A-Za-z0-9.\-]", "_", key)


class OutboxNotifier(Notifier):
    """Writes each message to the outbox folder; see the module docstring."""

    channel: ClassVar[str] = "outbox"
    buttons: ClassVar[bool] = True  # written into the .json file
    attachments: ClassVar[bool] = True  # written into the .eml file
    max_in_flight = 1  # file writes do not wait on anything

    def __init__(self, folder: Path, *, sender: str = DEFAULT_SENDER) -> None:
        self.folder = folder
        self.sender = sender

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        sender = settings.email.sender if settings.email is not None else DEFAULT_SENDER
        return cls(settings.paths.outbox, sender=sender)

    async def send(self, message: Message) -> Receipt:
        from notifiers.registry import CHANNELS

        entry = CHANNELS.get(message.channel)
        mail = entry is None or not entry.chat
        if message.channel == "telegram":
            path, data = self._telegram(message)
        elif mail:
            path, data = self._email(message)
        else:
            path, data = self._chat(message)
        existed = path.exists()
        if not existed:
            _write_atomically(path, data)
        detail: dict[str, Any] = {"path": str(path), "existed": existed}
        if mail:
            detail["message_id"] = message_id(message.key)
        return Receipt(self.channel, detail)

    def _email(self, message: Message) -> tuple[Path, bytes]:
        return self._path(message, ".eml"), mime_bytes(message, self.sender)

    def _telegram(self, message: Message) -> tuple[Path, bytes]:
        record = {
            "key": message.key,
            "chat_id": message.to,
            "to_name": message.to_name,
            "parse_mode": "HTML",
            "text": message.text,
            "buttons": [[{"text": b.text, "data": b.data} for b in row] for row in message.buttons],
        }
        data = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        return self._path(message, ".json"), data

    def _chat(self, message: Message) -> tuple[Path, bytes]:
        record = {
            "key": message.key,
            "channel": message.channel,
            "to": message.to,
            "to_name": message.to_name,
            "text": message.text,
            "buttons": [[{"text": b.text, "data": b.data} for b in row] for row in message.buttons],
        }
        data = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        return self._path(message, ".json"), data

    def _path(self, message: Message, suffix: str) -> Path:
        return self.folder / _day(message).isoformat() / (safe_name(message.key) + suffix)


def _day(message: Message) -> date:
    header = message.headers.get("Date")
    if header:
        try:
            return parsedate_to_datetime(header).date()
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC).date()


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:  # a full disk or a wrong permission can be fixed: try again later
        raise TransientError(f"cannot write the outbox file {path}: {exc.strerror}") from exc
