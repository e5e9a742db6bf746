"""The registry of channels: one entry per channel, the one place that names them.

A channel is a package of ``notifiers`` (``notifiers.email``, ``notifiers.telegram``,
``notifiers.webhook``, ``notifiers.zalo``)
holding its notifier (a ``notifiers.base.Notifier``, whose class attributes declare what
it can carry: maximum length, rate, buttons, attachments, concurrency) and its quirks.
``CHANNELS`` maps each channel's name to its ``ChannelEntry``: what the engine needs to
know about it without importing the channel's library:

- ``notifier``: the dotted path of its class, imported lazily (``load_class``), so that
  python-telegram-bot or aiosmtplib load only when used;
- ``section``: its ``Settings`` section (``[email]``, ``[telegram]``);
- ``directory_key`` and ``directory_type``: the key of a contact's address on it in the
  agency directory (``email:``, ``telegram_chat_id:``) and what the key's value is (a
  function returning the pydantic annotation: pydantic loads with the directory);
  ``address_name`` is what the address is called in messages; ``check_address`` says
  whether a value is written as the channel expects, ``normalise`` writes it as the text
  stored (a contact's addresses are rows, ``engine.store.models.ContactAddress``: one per
  channel, with the problem delivery found on it, its flag, which ``nhacviec status``
  shows);
- ``linked``: the address is not written in the directory but linked by the contact
  (a Telegram chat sends ``/start CODE`` with a one-time code, ``engine.bot.links``), so a
  directory without it keeps the one linked; such a channel is a chat whose people may
  act through the chat service (``engine.bot.service.BotService``) and be sent a
  sign-in link (``engine.workspace.signin``);
- ``sender``: how the audit trail names who sent a command on the channel
  (``engine.bot.links.where_from``): ``{"address": "…"}``, or Telegram's
  ``{"chat_id": -100…}``;
- ``text`` and ``html``: the template parts of a message (``T.<part>.j2``): a mail
  channel renders a plain text and an HTML alternative (and carries attachments), a
  chat channel (``html`` None) one text, with buttons;
- ``outbox_fallback``: without its settings section, its messages are written to the
  outbox folder instead (email; a channel without it is unavailable then);
- ``services``: the dotted path ``"module:factory"`` of what ``nhacviec run`` runs for
  the channel beside the ticks (``engine.scheduler``: Telegram's bot,
  ``notifiers.telegram.bot``, which receives button presses and commands), or None;
- ``webhook``: the dotted path of ``factory(settings, on_text, *, path)`` making the
  Starlette app that receives the channel's messages, served by ``nhacviec run`` at
  ``/<name>/webhook`` (``engine.web``: Zalo's OA webhook), or None.

``"outbox"`` is a notifier (``NOTIFIERS``), not a channel: it writes any channel's
messages as files. The order of ``CHANNELS`` is the order channels are listed and
tried in (email first).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from engine.i18n import N_

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


def _chat_text(value: object) -> str:
    return str(int(str(value)))


def _by_chat_id(address: int | str) -> dict[str, Any]:
    """A Telegram sender in the audit trail: ``{"chat_id": -100…}``, the chat id a number."""
    return {"chat_id": address}


def _by_address(address: int | str) -> dict[str, Any]:
    """A sender in the audit trail: ``{"address": "…"}``, as text (a Zalo user id has 19
    digits, more than a JSON number keeps exactly everywhere)."""
    return {"address": str(address)}


def _webhook_url(value: object) -> bool:
    """An http(s) URL (``notifiers.webhook.check_url``, imported when first asked)."""
    from notifiers.webhook import check_url

    return check_url(value)


def _zalo_user_id(value: object) -> bool:
    """A Zalo follower's user id: digits, as a number or text."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, str) and re.fullmatch(r"\d{1,30}", value) is not None


def _email_type() -> Any:
    from pydantic import Field

    return Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=320)]


def _str_type() -> Any:
    return str


def _int_type() -> Any:
    return int


def _checked(check: Callable[[object], bool], what: str) -> Callable[[], Any]:
    """The type of a directory value checked by ``check`` (``ValueError`` saying ``what``
    it must be), built when the directory model is."""

    def annotation() -> Any:
        from pydantic import AfterValidator

        from engine.i18n import _

        def validate(value: object) -> object:
            if not check(value):
                raise ValueError(_("expected {what}").format(what=_(what)))
            return value

        return Annotated[Any, AfterValidator(validate)]

    return annotation


@dataclass(frozen=True)
class ChannelEntry:
    """One channel as the engine sees it (module docstring)."""

    name: str
    notifier: str
    section: str
    directory_key: str
    address_name: str
    check_address: Callable[[object], bool]
    text: str
    html: str | None = None
    outbox_fallback: bool = False
    linked: bool = False
    directory_type: Callable[[], Any] = _str_type
    normalise: Callable[[object], str] = str
    services: str | None = None
    webhook: str | None = None
    sender: Callable[[int | str], dict[str, Any]] = _by_address

    def has(self, value: object) -> bool:
        """Whether ``value`` (a contact's address on this channel) is an address at all."""
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
        directory_key="email",
        directory_type=_email_type,
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
        directory_key="telegram_chat_id",
        directory_type=_int_type,
        address_name="linked Telegram chat",
        check_address=_chat_id,
        normalise=_chat_text,
        text="telegram",
        linked=True,
        sender=_by_chat_id,
        services="notifiers.telegram.bot:bot_services",
    ),
    "webhook": ChannelEntry(
        name="webhook",
        notifier="notifiers.webhook:WebhookNotifier",
        section="webhook",
        directory_key="webhook_url",
        directory_type=_checked(_webhook_url, N_("an http:// or https:// URL")),
        address_name="webhook URL",
        check_address=_webhook_url,
        text="txt",  # the plain text of the email: no templates of its own
    ),
    "zalo": ChannelEntry(
        name="zalo",
        notifier="notifiers.zalo:ZaloNotifier",
        section="zalo",
        directory_key="zalo_user_id",
        directory_type=_checked(_zalo_user_id, N_("a Zalo user id (digits)")),
        address_name="linked Zalo follower",
        check_address=_zalo_user_id,
        text="txt",  # plain text, with the buttons Telegram has
        linked=True,
        webhook="notifiers.zalo:webhook_from_settings",
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


def reachable(addresses: Mapping[str, object]) -> tuple[str, ...]:
    """The channels ``addresses`` (a contact's ``{channel: address}``: ``Contact.addresses``,
    ``Recipient.addresses``, a directory entry's) has an address on, in order."""
    return tuple(name for name, known in CHANNELS.items() if known.has(addresses.get(name)))


def mail_channels() -> tuple[str, ...]:
    """The channels whose messages are mails (text, HTML and attachments: letters)."""
    return tuple(name for name, known in CHANNELS.items() if not known.chat)


def load_class(path: str) -> type[Notifier]:
    """Import ``module:Class``."""
    module_name, _sep, attribute = path.partition(":")
    cls: type[Notifier] = getattr(importlib.import_module(module_name), attribute)
    return cls
