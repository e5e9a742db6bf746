"""Which notifier carries each channel, built from the settings and opened once per pass.

Each channel goes to its own notifier (``notifiers.registry``); a channel whose entry
has ``outbox_fallback`` (email) goes to the outbox folder when its settings section is
absent; a notifier that cannot be built (Telegram without its token) says why.
``[delivery] mode = "outbox"`` sends every channel to the outbox folder. Notifiers come
from ``notifiers.registry.NOTIFIERS`` (imported lazily) and are built with
``cls.from_settings(settings)``. How the tick drives one (``max_in_flight``,
``prepare``, ``gated``) is declared on its class (``notifiers.base.Notifier``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from engine.errors import NhacviecError
from engine.i18n import _
from notifiers.base import DeliveryError, Notifier
from notifiers.registry import CHANNELS, NOTIFIERS, load_class

if TYPE_CHECKING:
    from engine.config import Settings

log = logging.getLogger("nhacviec.delivery")


def notifier_name(settings: Settings, channel: str) -> str:
    """The notifier that carries ``channel``: the outbox folder in outbox mode or for
    email without an ``[email]`` section, else the channel's own."""
    if settings.delivery.mode == "outbox":
        return "outbox"
    found = CHANNELS.get(channel)
    if found is not None and found.outbox_fallback and getattr(settings, found.section) is None:
        return "outbox"
    return channel


def load_notifier(name: str, settings: Settings) -> Notifier:
    """Import and build a notifier by registry name (``cls.from_settings(settings)``).

    Raises ``NhacviecError`` saying what is missing when it cannot be used (the
    notifier's ``from_settings`` says what its settings lack).
    """
    path = NOTIFIERS.get(name)
    if path is None:
        raise NhacviecError(_("no notifier for channel {name!r}").format(name=name))
    try:
        cls = load_class(path)
    except (ImportError, AttributeError) as exc:
        raise NhacviecError(
            _("the {name} notifier is not installed ({exc})").format(name=name, exc=exc)
        ) from exc
    return cls.from_settings(settings)


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
