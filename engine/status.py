"""The obligation status machine.

    open ──ack──► acknowledged ──done──► done
      │               │
      ├────done───────┼──────────────────►
      └──waive────────┴──waive──► waived
    done / waived / acknowledged ──reopen──► open

*Overdue* is never stored: it is derived from the due date (``effective_status``). An
obligation that is not tracked (due before its plan's tracking start, ``engine.tracking``)
is never overdue: it shows as ``untracked`` while open, gets no reminders
(``reminder_status``), and cannot be acknowledged until someone brings it in.
``decide`` is pure: it says what an action does to a status (or why it is refused).
``apply_action`` persists the decision as an ``AuditEvent`` row, updates the cached
status on the obligation and cancels the pending notifications whose ``stop_on`` now
holds. Repeating an action that is already in effect (a second "Đã nhận" from another
channel) is recorded as an event but changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from engine import labels
from engine.errors import StatusError
from engine.i18n import N_, _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.store.models import AuditEvent, Obligation

Status = Literal["open", "acknowledged", "done", "waived"]
Action = Literal["ack", "done", "waive", "reopen"]
STATUSES: tuple[Status, ...] = ("open", "acknowledged", "done", "waived")
UNTRACKED = "untracked"  # what reminders and users see of an obligation not tracked
EVENT_OF: dict[Action, str] = {
    "ack": "acknowledged",
    "done": "done",
    "waive": "waived",
    "reopen": "reopened",
}


@dataclass(frozen=True)
class Decision:
    """What an action does: the new status, and whether anything changed."""

    action: Action
    before: Status
    after: Status

    @property
    def changed(self) -> bool:
        return self.before != self.after


_ALLOWED: dict[Action, dict[Status, Status]] = {
    "ack": {"open": "acknowledged", "acknowledged": "acknowledged"},
    "done": {"open": "done", "acknowledged": "done", "done": "done"},
    "waive": {"open": "waived", "acknowledged": "waived", "waived": "waived"},
    "reopen": {"acknowledged": "open", "done": "open", "waived": "open", "open": "open"},
}

_REFUSAL = {
    ("ack", "done"): N_("it is already done"),
    ("ack", "waived"): N_("it has been waived"),
    ("done", "waived"): N_("it has been waived; reopen it first"),
    ("waive", "done"): N_("it is already done; reopen it first"),
}
# The actions as a refusal names them.
_ACTION = {"ack": N_("ack"), "done": N_("record as done"), "waive": N_("waive"),
           "reopen": N_("reopen")}  # fmt: skip


def decide(action: Action, current: str) -> Decision:
    """The effect of ``action`` on an obligation in status ``current`` (pure)."""
    if current not in STATUSES:
        raise StatusError(_("unknown status {current!r}").format(current=current))
    before: Status = current
    after = _ALLOWED[action].get(before)
    if after is None:
        if (action, before) in _REFUSAL:
            reason = _(_REFUSAL[action, before])
        else:
            reason = _("it is {status}").format(status=labels.said(before))
        raise StatusError(
            _("cannot {action}: {reason}").format(action=_(_ACTION[action]), reason=reason)
        )
    return Decision(action, before, after)


def effective_status(status: str, due_on: date, today: date, tracked: bool = True) -> str:
    """The status a user sees: open or acknowledged past the due date is *overdue*;
    open or acknowledged and not tracked is *untracked* (never overdue)."""
    if status in ("open", "acknowledged"):
        if not tracked:
            return UNTRACKED
        if today > due_on:
            return "overdue"
    return status


def reminder_status(status: str, tracked: bool) -> str:
    """The status reminders are judged by: ``untracked`` stops every reminder of an
    obligation that is not tracked, whatever its stage's ``stop_on``."""
    return status if tracked else UNTRACKED


def stops(status: str, stop_on: list[str] | tuple[str, ...]) -> bool:
    """Whether a reminder with ``stop_on`` is stopped by ``status`` (a ``reminder_status``)."""
    return status == UNTRACKED or status in stop_on


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def apply_action(
    session: Session,
    obligation: Obligation,
    action: Action,
    *,
    now: datetime,
    zone: ZoneInfo,
    actor: str | None,
    channel: str,
    note: str | None = None,
    data: Mapping[str, object] | None = None,
) -> tuple[Decision, AuditEvent]:
    """Decide, persist the audit event, update the obligation, cancel stopped reminders.

    ``data`` adds facts to the event's data (the report number of a "done").

    Raises ``StatusError`` (nothing written) when the action is not allowed, or when the
    obligation no longer follows from the plans (cancelled by sync).
    """
    from engine.store.models import AuditEvent

    if obligation.cancelled_at is not None:
        raise StatusError(
            _("obligation {id} no longer follows from its plan (cancelled by sync)").format(
                id=obligation.id
            )
        )
    if action == "ack" and not obligation.tracked:
        raise StatusError(
            _(
                "cannot ack: it is not tracked (due before the plan's tracking "
                "start); track it first, or record it as done"
            )
        )
    decision = decide(action, obligation.status)
    event = AuditEvent(
        obligation_id=obligation.id,
        at=now,
        event=EVENT_OF[action],
        actor=actor,
        channel=channel,
        note=note,
        data={**(data or {}), "from": decision.before, "to": decision.after,
              "changed": decision.changed},
    )  # fmt: skip
    session.add(event)
    if decision.changed:
        _update_obligation(obligation, decision, now, zone)
        cancel_stopped_notifications(session, obligation, now)
    session.flush()
    return decision, event


def _update_obligation(
    obligation: Obligation, decision: Decision, now: datetime, zone: ZoneInfo
) -> None:
    obligation.status = decision.after
    obligation.updated_at = now
    if decision.after == "acknowledged":
        obligation.acknowledged_at = now
    elif decision.after == "done":
        obligation.done_at = now
        # Done before it was tracked: recorded, not judged (it is outside the statistics).
        late = local_date(now, zone) > obligation.original_due_on
        obligation.done_late = late if obligation.tracked else None
    elif decision.after == "open":
        obligation.acknowledged_at = None
        obligation.done_at = None
        obligation.done_late = None


def cancel_stopped_notifications(session: Session, obligation: Obligation, now: datetime) -> int:
    """Cancel pending reminders of ``obligation`` whose stop condition holds; return how many."""
    from sqlalchemy import select

    from engine.store.models import Notification

    rows = session.scalars(
        select(Notification).where(
            Notification.obligation_id == obligation.id, Notification.state == "pending"
        )
    ).all()
    cancelled = 0
    status = reminder_status(obligation.status, obligation.tracked)
    for row in rows:
        if stops(status, row.stop_on or []):
            row.state = "cancelled"
            row.last_error = f"stopped: obligation {status}"
            row.updated_at = now
            cancelled += 1
    return cancelled
