"""The buttons under sent reminders: what they are in each status of the obligation.

A reminder goes out with "Đã nhận" / "Đã hoàn thành", "Nhắc lại sau 1 ngày / 1 tuần"
(not on escalations) and "Xin gia hạn". Once someone acts, through a button, a command,
the email link or the CLI, every chat message already sent for that obligation shows
who did what and when::

    open          [Đã nhận] [Đã hoàn thành]
                  [Nhắc lại sau 1 ngày] [Nhắc lại sau 1 tuần]
                  [Xin gia hạn]
    acknowledged  [✅ Đã nhận – Sở Công Thương, 12/06 09:30]
                  [Đã hoàn thành]
    done          [✅ Đã hoàn thành – Sở Công Thương, 15/06 16:05]
    waived        [➖ Không phải thực hiện – Văn phòng UBND]

``status_buttons`` is that keyboard (the renderer puts it under a reminder, the chat
service answers "info" with it), ``decision_buttons`` those under an extension request,
``last_changes`` who changed each status last. Editing messages already sent is the
channel's own: Telegram's bot does it (``notifiers.telegram.buttons.sync_buttons``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.status import EVENT_OF
from engine.store.models import AuditEvent
from notifiers.base import Button

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.bot.replies import Replies

Rows = tuple[tuple[Button, ...], ...]
STATUS_EVENTS = tuple(EVENT_OF.values())


def status_buttons(
    replies: Replies,
    language: str,
    obligation_id: int,
    status: str,
    change: AuditEvent | None,
    *,
    escalation: bool = False,
) -> Rows:
    """The keyboard a message about ``obligation_id`` shows in ``status`` (``cancelled``
    for an obligation that sync cancelled: no buttons). Labels are ``strings.j2``'s.

    ``change`` is the event that brought the obligation to ``status`` (who and when).
    While it is open, a reminder also offers snoozing (not an escalation: those are
    never snoozed) and asking for an extension.
    """

    def label(macro: str, *args: Any) -> str:
        return replies.label(language, macro, *args)

    who = (change.actor or "?") if change else "?"
    when = replies.when(change.at) if change else ""
    info = f"info:{obligation_id}"
    done = Button(label("done_button"), f"done?:{obligation_id}")
    if status == "acknowledged":
        return ((Button(label("acknowledged", who, when), info),), (done,))
    if status == "done":
        return ((Button(label("completed", who, when), info),),)
    if status == "waived":
        return ((Button(label("waived", who), info),),)
    if status == "cancelled":
        return ()  # no longer follows from the plan: nothing left to press
    rows: list[tuple[Button, ...]] = [(Button(label("ack_button"), f"ack:{obligation_id}"), done)]
    if not escalation:
        rows.append(tuple(Button(label(f"snooze_{d}"), f"snooze:{obligation_id}:{d}")
                          for d in ("1d", "7d")))  # fmt: skip
    rows.append((Button(label("extend_button"), f"extend?:{obligation_id}"),))
    return tuple(rows)


def decision_buttons(replies: Replies, language: str, request_id: int) -> Rows:
    """The "Đồng ý" / "Từ chối" buttons under an extension request sent to the plan owner."""
    approve = Button(replies.label(language, "approve_button"), f"extapprove:{request_id}")
    refuse = Button(replies.label(language, "refuse_button"), f"extrefuse:{request_id}")
    return ((approve, refuse),)


def last_changes(session: Session, obligation_ids: Iterable[int]) -> dict[int, AuditEvent]:
    """For each obligation, the latest audit event that changed its status."""
    ids = sorted(set(obligation_ids))
    latest: dict[int, AuditEvent] = {}
    if not ids:
        return latest
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.obligation_id.in_(ids), AuditEvent.event.in_(STATUS_EVENTS))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    for event in events:
        if event.obligation_id is not None and (event.data or {}).get("changed"):
            latest[event.obligation_id] = event
    return latest
