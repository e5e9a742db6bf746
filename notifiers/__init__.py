"""Delivery channels, each a package behind the one interface in ``notifiers.base``.

``notifiers.registry`` names them: ``CHANNELS`` maps a channel name to its entry (its
notifier, settings section, address, templates), ``NOTIFIERS`` every notifier name
(the channels' and ``outbox``) to the dotted path of its class; classes are imported
lazily so that a channel's library (python-telegram-bot, aiosmtplib) loads only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notifiers.registry import CHANNELS as CHANNELS
    from notifiers.registry import NOTIFIERS as NOTIFIERS


def __getattr__(name: str) -> Any:
    """``CHANNELS`` and ``NOTIFIERS`` from ``notifiers.registry`` when first asked for: a
    module that imports ``notifiers.base`` alone (``engine.errors``, which every command
    imports) does not load the registry."""
    if name in ("CHANNELS", "NOTIFIERS"):
        from notifiers import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
