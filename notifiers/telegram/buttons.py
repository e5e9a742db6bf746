"""The buttons under sent Telegram reminders follow the obligation's status, whatever changed it.

A reminder goes out with the keyboard of ``engine.bot.buttons.status_buttons``. Once
someone acts, through a button, a command, the email link or the CLI, every Telegram
message already sent for that obligation shows who did what and when::

    open          [Đã nhận] [Đã hoàn thành]
                  [Nhắc lại sau 1 ngày] [Nhắc lại sau 1 tuần]
                  [Xin gia hạn]
    acknowledged  [✅ Đã nhận – Sở Công Thương, 12/06 09:30]
                  [Đã hoàn thành]
    done          [✅ Đã hoàn thành – Sở Công Thương, 15/06 16:05]
    waived        [➖ Không phải thực hiện – Văn phòng UBND]

Design (durable without a queue of its own): ``apply_action`` moves
``Obligation.updated_at`` forward; a sent Telegram notification whose ``updated_at`` is
not later than its obligation's may show stale buttons. ``sync_buttons`` finds those
rows with one query, edits each message's keyboard through
``TelegramNotifier.edit_buttons``, and then sets the row's ``updated_at`` to one
microsecond after the obligation's ``updated_at`` it rendered (never to the sweep's own
time: a change made during the sweep stays visible to the next one; and an action at the
very instant of sending, as with a frozen clock, is not missed).
The rendered state is kept in ``receipt["buttons"]``, so a row whose obligation was
touched without a status change (a re-sync) is settled without calling Telegram. The bot
service runs the sweep every few seconds and at once after its own actions, so a press
in Telegram, a click on the email link and ``nhacviec ack`` all end the same way, and a
restart loses nothing. A transient failure leaves the row for the next sweep; a
permanent one (the message was deleted) settles it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from engine.bot.buttons import Rows, last_changes, status_buttons
from engine.i18n import _
from engine.store.models import AuditEvent, Contact, Notification, Obligation
from notifiers.base import PermanentError, TransientError
from notifiers.telegram.notifier import TelegramNotifier

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.bot.replies import Replies
    from engine.store.db import Store

log = logging.getLogger("nhacviec.bot")
HORIZON = timedelta(days=90)  # older messages keep the buttons they had
BATCH = 200
SETTLED = timedelta(microseconds=1)  # a settled row is just later than what it reflects
REMINDER_KINDS = ("obligation", "snooze")  # messages with these buttons (not extension notices)


@dataclass(frozen=True)
class ButtonEdit:
    """One message whose keyboard must become ``buttons``."""

    notification_id: int
    chat_id: int
    message_id: int
    buttons: Rows
    signature: str
    version: datetime  # the obligation's updated_at that ``buttons`` reflect
    shown: str | None  # the signature the message shows now (None: as first sent)

    @property
    def needed(self) -> bool:
        return bool(self.message_id) and self.shown != self.signature


def stale_messages(session: Session, replies: Replies, now: datetime) -> list[ButtonEdit]:
    """Sent Telegram messages whose obligation changed after they were last updated."""
    rows = session.execute(
        select(Notification, Obligation, Contact.language)
        .join(Obligation, Notification.obligation_id == Obligation.id)
        .join(Contact, Notification.contact_id == Contact.id)
        .where(
            Notification.kind.in_(REMINDER_KINDS),
            Notification.channel == TelegramNotifier.channel,
            Notification.state == "sent",
            Notification.sent_at >= now - HORIZON,
            Obligation.updated_at >= Notification.updated_at,
        )
        .order_by(Notification.id)
        .limit(BATCH)
    ).all()
    changes = last_changes(session, (obligation.id for _, obligation, _ in rows))
    edits = []
    for notification, obligation, language in rows:
        change = changes.get(obligation.id)
        status = "cancelled" if obligation.cancelled_at else obligation.status
        edit = _edit_for(notification, obligation, status, change, replies, language)
        edits.append(edit)
    return edits


def _edit_for(
    notification: Notification,
    obligation: Obligation,
    status: str,
    change: AuditEvent | None,
    replies: Replies,
    language: str,
) -> ButtonEdit:
    receipt: dict[str, Any] = notification.receipt or {}
    signature = f"{status}:{change.id if change else 0}:{language}"
    return ButtonEdit(
        notification_id=notification.id,
        chat_id=int(receipt.get("chat_id") or 0),
        message_id=int(receipt.get("message_id") or 0),
        buttons=status_buttons(
            replies, language, obligation.id, status, change, escalation=notification.escalation
        ),
        signature=signature,
        version=obligation.updated_at,
        shown=receipt.get("buttons"),
    )


async def sync_buttons(
    store: Store, replies: Replies, notifier: TelegramNotifier, now: datetime
) -> int:
    """Bring the buttons of stale messages up to date; return how many were edited.

    The database work runs in a worker thread: the event loop is shared with the bot
    and the delivery tick.
    """

    def load() -> list[ButtonEdit]:
        with store.session() as session:
            return stale_messages(session, replies, now)

    def settle(edits: Sequence[ButtonEdit]) -> None:
        with store.session() as session:
            _settle(session, edits)

    edits = await asyncio.to_thread(load)
    settled: list[ButtonEdit] = []
    edited = 0
    for edit in edits:
        if not edit.needed:
            settled.append(edit)
            continue
        try:
            edited += await notifier.edit_buttons(edit.chat_id, edit.message_id, None, edit.buttons)
        except TransientError as error:
            log.info(_("buttons of message %s not updated yet: %s"), edit.message_id, error)
            continue
        except PermanentError as error:
            log.warning(_("buttons of message %s cannot be updated: %s"), edit.message_id, error)
        settled.append(edit)
    if settled:
        await asyncio.to_thread(settle, settled)
    return edited


def _settle(session: Session, edits: Sequence[ButtonEdit]) -> None:
    for edit in edits:
        notification = session.get(Notification, edit.notification_id)
        if notification is None:
            continue
        receipt = dict(notification.receipt or {})
        receipt["buttons"] = edit.signature
        session.execute(
            update(Notification)
            .where(
                Notification.id == edit.notification_id,
                Notification.updated_at <= edit.version,
            )
            .values(receipt=receipt, updated_at=edit.version + SETTLED)
            .execution_options(synchronize_session=False)
        )
