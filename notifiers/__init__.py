"""Delivery channels, each behind the one interface in ``notifiers.base``.

``NOTIFIERS`` maps a channel name to the dotted path of its class; it is imported lazily
so that a channel's library (python-telegram-bot, aiosmtplib) loads only when used.
"""

from __future__ import annotations

NOTIFIERS: dict[str, str] = {
    "email": "notifiers.email:EmailNotifier",
    "outbox": "notifiers.outbox:OutboxNotifier",
    "telegram": "notifiers.telegram:TelegramNotifier",
}
