"""The Telegram bot as a service of ``nhacviec run``: PTB ``Application``, long polling.

``run_bot(settings, store, stop_event)`` builds an ``Application`` with the token from
``[telegram] token_env`` and the API at ``[telegram] base_url``, sets the command menu
(Vietnamese, and English for English-speaking users), starts long polling and, until
``stop_event`` is set, keeps the buttons of sent reminders in step with the obligations'
status (``notifiers.telegram.buttons.sync_buttons``: every ``sweep_every`` seconds, and at once
after the bot changed a status). Then it stops polling and shuts down cleanly. Without
a token it logs why and returns: the rest of ``run`` goes on. With several workers on
one PostgreSQL store, the holder of the ``telegram-bot`` lease runs the bot
(``engine.bot.lease``); a failed start is retried with backoff.

Handlers are thin: they pass what arrived to the chat service (``engine.bot.service``'s
``BotService`` on the channel ``TelegramNotifier.channel``, in a worker thread, so the
database never blocks the event loop the scheduler shares) and carry its ``Reply`` back:
a new message (split at Telegram's limit; a question the person answers by replying is
sent with ``ForceReply``), the answer to a button press, an edit of the pressed message
or of its buttons. A text that replies to one of the bot's own messages goes to
``BotService.answer``. A group that became a supergroup is followed to its new chat id
(``migrate``). PTB handles one update at a time, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.bot import links
from engine.bot.lease import Lease
from engine.bot.service import BotService, Reply, Sender, utcnow
from engine.errors import NhacviecError
from engine.i18n import _
from notifiers.telegram.buttons import sync_buttons
from notifiers.telegram.notifier import TelegramNotifier, keyboard, redact_in_logs, split_text

if TYPE_CHECKING:
    from telegram import Update
    from telegram.ext import Application, ContextTypes

    from engine.config import Settings
    from engine.scheduler import Engine
    from engine.store.db import Store

log = logging.getLogger("nhacviec.bot")
Handler = Callable[["Update", "ContextTypes.DEFAULT_TYPE"], Coroutine[Any, Any, None]]
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_RETRY_DELAY = 300.0


@dataclass
class TelegramBot:
    """The bot as a ``Service`` of ``nhacviec run`` (the registry's ``services`` of Telegram)."""

    settings: Settings
    store: Store
    worker_id: str
    clock: Callable[[], datetime] = utcnow
    name: str = TelegramNotifier.channel

    async def serve(self, stopping: asyncio.Event) -> None:
        lease = Lease(self.store, owner=self.worker_id)
        await run_bot(
            self.settings, self.store, stopping, now=self.clock, lease=lease,
            on_link=resync_after_link(self.settings, self.store, self.clock),
        )  # fmt: skip


def bot_services(engine: Engine) -> list[TelegramBot]:
    """The ``nhacviec run`` extension: the bot when its token is set, else nothing."""
    settings = engine.settings
    if not settings.secret(settings.telegram.token_env):
        log.warning(_("$%s is not set: the Telegram bot does not run"), settings.telegram.token_env)
        return []
    return [TelegramBot(settings, engine.store, engine.worker_id, engine.clock)]


def resync_after_link(
    settings: Settings, store: Store, clock: Callable[[], datetime]
) -> Callable[[], Awaitable[None]]:
    """What ``nhacviec run`` does when a chat is linked: re-sync, so that the contact's
    Telegram reminders are scheduled (generation gives Telegram rows only to contacts
    with a chat). One at a time; a sync that fails says why and changes nothing."""
    running = asyncio.Lock()

    async def resync() -> None:
        from engine.workflow.sync import run_sync

        async with running:
            try:
                report = await asyncio.to_thread(run_sync, store, settings, now=clock())
            except NhacviecError as error:
                log.error(_("re-sync after linking a chat failed: %s"), error)
                return
            log.info(
                _("re-sync after linking a chat: %d reminders added, %d updated"),
                report.notifications_added, report.notifications_updated,
            )  # fmt: skip

    return resync


async def run_bot(
    settings: Settings,
    store: Store,
    stop_event: asyncio.Event,
    *,
    now: Callable[[], datetime] = utcnow,
    poll_timeout: float = 10.0,
    sweep_every: float = 5.0,
    retry_delay: float = 5.0,
    lease: Lease | None = None,
    notifier: TelegramNotifier | None = None,
    on_link: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run the bot until ``stop_event`` is set (see the module docstring).

    Only the worker holding the ``telegram-bot`` lease runs the bot (Telegram allows one
    long poll per bot); the others wait for it. When the bot cannot start (Telegram
    unreachable, the token refused) it says why and tries again, ``retry_delay`` seconds
    later and doubling up to 5 minutes, rather than ending: the rest of ``nhacviec run``
    goes on meanwhile. ``on_link`` is awaited after a chat was linked (``nhacviec run``
    re-syncs then).
    """
    from telegram.error import TelegramError

    token = settings.secret(settings.telegram.token_env)
    if not token:
        log.warning(_("Telegram bot not started: $%s is not set"), settings.telegram.token_env)
        return
    redact_in_logs(token)
    if settings.telegram.webhook_url:
        log.warning(_("[telegram] webhook_url is not supported yet: the bot uses long polling"))
    service = BotService(settings, store, now, channel=TelegramNotifier.channel)
    lease = lease or Lease(store)
    delay = retry_delay
    while not stop_event.is_set():
        if not await asyncio.to_thread(lease.take):
            log.debug("another worker runs the Telegram bot; waiting")
            await _first(stop_event, timeout=retry_delay)
            continue
        try:
            serving = _Serving(settings, token, service, lease, poll_timeout, sweep_every, on_link)
            await serving.run(stop_event, notifier)
            delay = retry_delay
        except TelegramError as error:
            reason = str(error).replace(token, "<token>")
            log.error(_("the Telegram bot cannot start: %s; trying again in %gs"), reason, delay)
            await _first(stop_event, timeout=delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)
        finally:
            await asyncio.to_thread(lease.release)


@dataclass
class _Serving:
    """One run of the bot while this worker holds the lease."""

    settings: Settings
    token: str
    service: BotService
    lease: Lease
    poll_timeout: float
    sweep_every: float
    on_link: Callable[[], Awaitable[None]] | None = None

    async def run(self, stop_event: asyncio.Event, notifier: TelegramNotifier | None) -> None:
        """Until ``stop_event``, or until the lease is lost (then the caller waits)."""
        wake = asyncio.Event()
        application = build_application(self.settings, self.token, self.service, wake, self.on_link)
        async with notifier or TelegramNotifier(self.settings) as sender:
            try:
                await application.initialize()
                await set_commands(application, self.service)
                assert application.updater is not None
                await application.updater.start_polling(
                    timeout=timedelta(seconds=self.poll_timeout), allowed_updates=ALLOWED_UPDATES
                )
                await application.start()
                log.info(_("Telegram bot started (long polling)"))
                await self._sweep(stop_event, wake, sender)
            finally:
                await _stop(application)

    async def _sweep(
        self, stop_event: asyncio.Event, wake: asyncio.Event, notifier: TelegramNotifier
    ) -> None:
        """Keep sent buttons in step and the lease renewed, until stopped or lease lost."""
        while not stop_event.is_set():
            wake.clear()
            if not await asyncio.to_thread(self.lease.take):
                log.warning(_("another worker took over the Telegram bot"))
                return
            try:
                store, replies = self.service.store, self.service.replies
                await sync_buttons(store, replies, notifier, self.service.now())
            except Exception:  # a failed sweep must not stop the bot; the next one retries
                log.exception(_("updating the buttons of sent reminders failed"))
            await _first(stop_event, wake, timeout=self.sweep_every)


def build_application(
    settings: Settings,
    token: str,
    service: BotService,
    wake: asyncio.Event,
    on_link: Callable[[], Awaitable[None]] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The PTB application with every command, button and service-message handler."""
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        CommandHandler,
        MessageHandler,
        filters,
    )

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .job_queue(None)  # the scheduler is nhacviec's own; PTB's would be a second one
        .build()
    )

    def on(call: Callable[[Sender, list[str]], Reply]) -> Handler:
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            sender = _sender(update)
            if sender is None:
                return
            reply = await asyncio.to_thread(call, sender, list(context.args or []))
            await deliver(update, context, reply, wake)
            if reply.linked and on_link is not None:
                await on_link()

        return handle

    commands: dict[str, Callable[[Sender, list[str]], Reply]] = {
        "start": service.start,
        "help": lambda sender, _: service.help(sender),
        "status": lambda sender, _: service.listing(sender, overdue_only=False),
        "overdue": lambda sender, _: service.listing(sender, overdue_only=True),
        "ack": lambda sender, args: service.command(sender, "ack", args),
        "done": lambda sender, args: service.command(sender, "done", args),
        "extend": service.extend_command,
    }
    for name, call in commands.items():
        application.add_handler(CommandHandler(name, on(call)))

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, query = _sender(update), update.callback_query
        if sender is None or query is None:
            return
        reply = await asyncio.to_thread(service.press, sender, query.data or "")
        await deliver(update, context, reply, wake)

    async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or message.reply_to_message is None:
            return
        question = message.reply_to_message
        if question.from_user is None or question.from_user.id != context.bot.id:
            return  # people replying to each other
        reply = await asyncio.to_thread(
            service.answer, sender, message.text or "", question.text or ""
        )
        await deliver(update, context, reply, wake)

    async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id is not None:
            moved = await asyncio.to_thread(
                migrate, service.store, message.chat_id, message.migrate_to_chat_id
            )
            log.info(
                _("chat %s became %s (%d contacts)"),
                message.chat_id,
                message.migrate_to_chat_id,
                moved,
            )

    application.add_handler(CallbackQueryHandler(on_press))
    answers = filters.REPLY & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(answers, on_reply))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    application.add_error_handler(_on_error)
    return application


def migrate(store: Store, old_chat_id: int, new_chat_id: int) -> int:
    """A linked group became a supergroup: follow it to its new chat id; how many
    contacts moved."""
    with store.session() as session:
        return links.migrate_chat(
            session, TelegramNotifier.channel, str(old_chat_id), str(new_chat_id)
        )


async def deliver(
    update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply, wake: asyncio.Event
) -> None:
    """Carry ``reply`` to Telegram: answer the press, edit it, send the new message."""
    from telegram import ForceReply
    from telegram.constants import ParseMode
    from telegram.error import BadRequest

    chat = update.effective_chat
    query = update.callback_query
    if chat is None:
        return
    if reply.changed:
        wake.set()
    if query is not None:
        await query.answer(reply.toast or None, show_alert=reply.alert)
        if reply.edit is not None and query.message is not None:
            text, rows = reply.edit
            try:
                await context.bot.edit_message_text(
                    text,
                    chat.id,
                    query.message.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(rows),
                )
            except BadRequest as error:  # deleted meanwhile, or pressed twice
                log.info(_("could not edit message %s: %s"), query.message.message_id, error)
        if reply.keyboard is not None and query.message is not None:
            try:
                await context.bot.edit_message_reply_markup(
                    chat.id, query.message.message_id, reply_markup=keyboard(reply.keyboard)
                )
            except BadRequest as error:
                log.info(_("could not edit buttons of %s: %s"), query.message.message_id, error)
    if reply.text:
        parts = split_text(reply.text)
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            markup = ForceReply() if reply.force_reply else keyboard(reply.buttons)
            await context.bot.send_message(
                chat.id,
                part,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
                disable_web_page_preview=True,
            )


async def set_commands(
    application: Application[Any, Any, Any, Any, Any, Any], service: BotService
) -> None:
    """The command menu: Vietnamese by default, English for English-speaking users."""
    from telegram import BotCommand

    for language, code in (("vi", None), ("en", "en")):
        lines = service.replies.render(language, "commands", {}).splitlines()
        commands = [
            BotCommand(*(part.strip() for part in line.split("–", 1)))
            for line in lines
            if "–" in line
        ]
        await application.bot.set_my_commands(commands, language_code=code)


async def _first(*events: asyncio.Event, timeout: float) -> None:
    """Wait until one of ``events`` is set, or ``timeout`` seconds."""
    tasks = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    with contextlib.suppress(RuntimeError):  # not running: it never got that far
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
    await application.shutdown()
    # A failed start leaves the bot's HTTP clients open (Application.shutdown then does
    # nothing); Bot.shutdown closes them and is a no-op when they are closed already.
    await application.bot.shutdown()
    log.info(_("Telegram bot stopped"))


def _sender(update: Update) -> Sender | None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return None
    name = None
    if user is not None:
        name = user.full_name + (f" (@{user.username})" if user.username else "")
    return Sender(chat.id, name)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error(_("the bot failed on an update: %r"), context.error, exc_info=context.error)
