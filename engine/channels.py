"""Which notifier carries each channel, built from the settings and opened once per pass.

Email goes to the ``[email]`` SMTP server, or to the outbox folder when there is no
``[email]`` section; Telegram to the bot, if its token is set. ``[delivery] mode =
"outbox"`` sends every channel to the outbox folder. Notifiers come from the registry
``notifiers.NOTIFIERS`` (imported lazily) and are built with ``cls.from_settings(settings)``
(or ``cls(settings)`` when the class has no such constructor).

Two optional attributes tune how the tick drives a notifier, beyond the contract of
``notifiers.base``: ``max_in_flight`` (how many ``send`` calls may run at once; 1 for a
single SMTP connection; ``[delivery] concurrency`` when absent) and ``prepare(message)``
(CPU work the tick may do ahead, while earlier messages are on the wire).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from engine.errors import NhacviecError
from engine.i18n import _
from notifiers import NOTIFIERS
from notifiers.base import DeliveryError, Notifier

if TYPE_CHECKING:
    from engine.config import Settings

log = logging.getLogger("nhacviec.delivery")


def notifier_name(settings: Settings, channel: str) -> str:
    """The notifier that carries ``channel``: the outbox folder in outbox mode or for
    email without an ``[email]`` section, else the channel's own."""
    if settings.delivery.mode == "outbox":
        return "outbox"
    if channel == "email" and settings.email is None:
        return "outbox"
    return channel


def load_notifier(name: str, settings: Settings) -> Notifier:
    """Import and build a notifier by registry name (``cls.from_settings(settings)``).

    Raises ``NhacviecError`` saying what is missing when it cannot be used.
    """
    if name == "telegram" and not settings.secret(settings.telegram.token_env):
        raise NhacviecError(
            _("Telegram is not configured: ${token_env} is not set").format(
                token_env=settings.telegram.token_env
            )
        )
    path = NOTIFIERS.get(name)
    if path is None:
        raise NhacviecError(_("no notifier for channel {name!r}").format(name=name))
    module_name, _sep, attribute = path.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise NhacviecError(
            _("the {name} notifier is not installed ({exc})").format(name=name, exc=exc)
        ) from exc
    factory = getattr(cls, "from_settings", None)
    notifier: Notifier = factory(settings) if factory is not None else cls(settings)
    return notifier


class Channels:
    """The notifiers of one pass, built and opened on first use, closed at the end.

    ``given`` (tests, embedding) maps a channel to a ready notifier; other channels are
    built from the settings. A channel that cannot be built maps to the reason.
    """

    def __init__(self, settings: Settings, given: Mapping[str, Notifier] | None = None) -> None:
        self._settings = settings
        self._given = dict(given or {})
        self._ready: dict[str, Notifier | str] = {}
        self._by_name: dict[str, Notifier] = {}
        self._stack = AsyncExitStack()

    async def get(self, channel: str) -> Notifier | str:
        """The open notifier for ``channel``, or why there is none."""
        if channel not in self._ready:
            self._ready[channel] = await self._open(channel)
        return self._ready[channel]

    async def _open(self, channel: str) -> Notifier | str:
        if channel in self._given:
            notifier = self._given[channel]
        else:
            name = notifier_name(self._settings, channel)
            if name in self._by_name:
                return self._by_name[name]
            try:
                notifier = load_notifier(name, self._settings)
            except NhacviecError as exc:
                log.warning(_("channel %s unavailable: %s"), channel, exc)
                return str(exc)
            self._by_name[name] = notifier
        try:
            await self._stack.enter_async_context(notifier)
        except DeliveryError as exc:
            return f"the {channel} channel cannot be opened: {exc.message}"
        return notifier

    async def aclose(self) -> None:
        await self._stack.aclose()
