"""Delivery channels, each a package behind the one interface in ``notifiers.base``.

``notifiers.registry`` names them: ``CHANNELS`` maps a channel name to its entry (its
notifier, settings section, address, templates), ``NOTIFIERS`` every notifier name
(the channels' and ``outbox``) to the dotted path of its class; classes are imported
lazily so that a channel's library (python-telegram-bot, aiosmtplib) loads only when used.
"""

from __future__ import annotations

from notifiers.registry import CHANNELS as CHANNELS
from notifiers.registry import NOTIFIERS as NOTIFIERS
