"""The registry of channels: one entry per channel, the one place that names them.

A channel is a package of ``notifiers`` (``notifiers.email``, ``notifiers.telegram``)
holding its notifier (a ``notifiers.base.Notifier``, whose class attributes declare what
it can carry: maximum length, rate, buttons, attachments, concurrency) and its quirks.
``CHANNELS`` maps each channel's name to its ``ChannelEntry``: what the engine needs to
know about it without importing the channel's library:

- ``notifier``: the dotted path of its class, imported lazily (``load_class``), so that
  python-telegram-bot or aiosmtplib load only when used;
- ``section``: its ``Settings`` section (``[email]``, ``[telegram]``);
- ``address`` and ``flag``: the contact's attributes that hold its address and the
  problem recorded on it (``nhacviec status`` shows it), and ``address_name`` what the
  address is called in messages; ``check_address`` says whether a value is written as
  the channel expects;
- ``text`` and ``html``: the template parts of a message (``T.<part>.j2``): a mail
  channel renders a plain text and an HTML alternative (and carries attachments), a
  chat channel (``html`` None) one text, with buttons;
- ``outbox_fallback``: without its settings section, its messages are written to the
  outbox folder instead (email; a channel without it is unavailable then);
- ``services``: the dotted path ``"module:factory"`` of what ``nhacviec run`` runs for
  the channel beside the ticks (``engine.scheduler``: Telegram's bot, which receives
  button presses and commands), or None.

``"outbox"`` is a notifier (``NOTIFIERS``), not a channel: it writes any channel's
messages as files. The order of ``CHANNELS`` is the order channels are listed and
tried in (email first).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifiers.base import Notifier

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


def _email_address(value: object) -> bool:
    return isinstance(value, str) and _EMAIL.match(value) is not None


def _chat_id(value: object) -> bool:
    """A Telegram chat id: a whole number (negative for groups), as a number or text."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"-?\d{1,20}", value) is not None


@dataclass(frozen=True)
class ChannelEntry:
    """One channel as the engine sees it (module docstring)."""

    name: str
    notifier: str
    section: str
    address: str
    flag: str
    address_name: str
    check_address: Callable[[object], bool]
    text: str
    html: str | None = None
    outbox_fallback: bool = False
    services: str | None = None

    def has(self, value: object) -> bool:
        """Whether ``value`` (the contact's ``address`` attribute) is an address at all."""
        return value is not None and value != ""

    @property
    def template_parts(self) -> tuple[str, ...]:
        """The template files a message of this channel reads: ``T.<part>.j2``."""
        return ("subject", self.text) if self.html is None else ("subject", self.text, self.html)

    @property
    def chat(self) -> bool:
        """A chat channel: one text with buttons (else a mail: text, HTML, attachments)."""
        return self.html is None

    def load_class(self) -> type[Notifier]:
        """The notifier class, imported now (``ImportError``/``AttributeError`` if not)."""
        return load_class(self.notifier)


CHANNELS: dict[str, ChannelEntry] = {
    "email": ChannelEntry(
        name="email",
        notifier="notifiers.email:EmailNotifier",
        section="email",
        address="email",
        flag="email_flag",
        address_name="email address",
        check_address=_email_address,
        text="txt",
        html="html",
        outbox_fallback=True,
    ),
    "telegram": ChannelEntry(
        name="telegram",
        notifier="notifiers.telegram:TelegramNotifier",
        section="telegram",
        address="telegram_chat_id",
        flag="telegram_flag",
        address_name="linked Telegram chat",
        check_address=_chat_id,
        text="telegram",
        services="engine.bot.app:bot_services",
    ),
}

# Every notifier by name: the channels' own, and the outbox folder that takes any.
NOTIFIERS: dict[str, str] = {
    **{name: entry.notifier for name, entry in CHANNELS.items()},
    "outbox": "notifiers.outbox:OutboxNotifier",
}


def names() -> tuple[str, ...]:
    """The channels' names, in order."""
    return tuple(CHANNELS)


def entry(name: str) -> ChannelEntry:
    """The channel called ``name`` (``KeyError`` if there is none)."""
    return CHANNELS[name]


def reachable(contact: object) -> tuple[str, ...]:
    """The channels ``contact`` (anything with the entries' ``address`` attributes: a
    ``Contact``, a directory entry, a query row) has an address on, in order."""
    return tuple(
        name for name, known in CHANNELS.items() if known.has(getattr(contact, known.address))
    )


def mail_channels() -> tuple[str, ...]:
    """The channels whose messages are mails (text, HTML and attachments: letters)."""
    return tuple(name for name, known in CHANNELS.items() if not known.chat)


def load_class(path: str) -> type[Notifier]:
    """Import ``module:Class``."""
    module_name, _sep, attribute = path.partition(":")
    cls: type[Notifier] = getattr(importlib.import_module(module_name), attribute)
    return cls
