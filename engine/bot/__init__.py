"""The Telegram bot: linking chats, commands, buttons, and the buttons' follow-up.

- ``links``: invitation codes, chat → contacts, authorization, refusals (no PTB);
- ``replies``: the bot's words, ``templates/{vi,en}/bot/*.j2``;
- ``service``: what each command or press does (``BotService``, no PTB);
- ``buttons``: the keyboard under sent reminders follows the obligation's status;
- ``lease``: one bot per database when several workers share it;
- ``app``: python-telegram-bot wiring and ``run_bot`` for ``nhacviec run``.

``run_bot`` is importable from here without loading python-telegram-bot until called.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.store.db import Store


async def run_bot(
    settings: Settings, store: Store, stop_event: asyncio.Event, **options: Any
) -> None:
    """Run the bot until ``stop_event`` is set; see ``engine.bot.app.run_bot``."""
    from engine.bot.app import run_bot as run

    await run(settings, store, stop_event, **options)
