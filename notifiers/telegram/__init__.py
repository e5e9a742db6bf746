"""The Telegram channel: its notifier, its bot, and the buttons the bot keeps up to date.

- ``notifier``: ``TelegramNotifier``, python-telegram-bot's ``Bot`` behind the notifier
  contract (pacing, splitting at 4096 characters, errors mapped to retryable and
  permanent, the token kept out of the logs);
- ``bot``: the bot as a service of ``nhacviec run`` (the registry's ``services``): PTB's
  ``Application``, long polling, the command menu, a group's move to a supergroup (its
  new chat id), carrying the replies of the chat service (``engine.bot.service``) back
  to Telegram;
- ``buttons``: the keyboards of sent reminders edited to follow the obligation's status.

Importing the package loads no python-telegram-bot: the notifier and the bot import it
when used.
"""

from __future__ import annotations

from notifiers.telegram.notifier import (
    MAX_MESSAGE,
    Pacer,
    RedactSecrets,
    TelegramNotifier,
    check_token,
    keyboard,
    redact_in_logs,
    retry_after_seconds,
    split_text,
)

__all__ = [
    "MAX_MESSAGE",
    "Pacer",
    "RedactSecrets",
    "TelegramNotifier",
    "check_token",
    "keyboard",
    "redact_in_logs",
    "retry_after_seconds",
    "split_text",
]
