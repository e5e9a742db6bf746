"""Extension requests (xin gia hạn) and snoozes: the rules, and what each step stores.

Extension requests::

    (agency) request ──► pending ──approve──► approved   due_on moves, reminders follow
                             └─────refuse───► refused    nothing else changes

- An agency asks for a new due date with a reason (Telegram, the web page behind the
  email link, ``nhacviec extend``). The new date must be after the current due date; the
  obligation must be open or acknowledged and still follow from its plan. **One pending
  request per obligation**: a second one is refused, naming the pending one, until the
  owner has decided (a request changing under the owner's eyes would be decided blind).
- The plan owner's coordinators are told at once, through the outbox (kind
  ``extension``: Telegram with "Đồng ý"/"Từ chối" buttons, email saying how to decide).
  Which chats may decide is the caller's business (``may_decide``: contacts of the plan
  owner); the CLI is the operator's.
- Approval sets ``Obligation.due_on`` to the new date (``original_due_on`` never moves:
  ``engine.categories`` reads an extension from ``due_on > original_due_on``) and
  reschedules the obligation's reminders in the same transaction
  (``engine.workflow.sync.reschedule``: the reminders counted from the due date start a
  new round for the new date; pending ones of the old round are cancelled; nothing
  already sent is touched). Refusal changes the request and the history only. Either
  way the agency's coordinators are told (kind ``extension`` again).
- Every step is an ``AuditEvent`` on the obligation: ``extension_requested``,
  ``extension_approved``, ``extension_refused`` (data: the request's id and dates).

Snoozes ("Nhắc lại sau 1 ngày / 1 tuần"): ``snooze`` pauses one obligation's reminders
for one contact until an instant (one ``Snooze`` row per obligation and contact; a new
snooze replaces the old). ``until`` is ``[time] send_at`` on the first working day at
least N days after today, and never later than the sending time of the last working day
on or before the due date: a snooze does not reach past the deadline (an extension
does that). While it lasts, delivery holds that contact's reminders of the obligation
(``engine.delivery.verdict``: "snoozed", the row waits until ``until``); escalations
are never held. At ``until`` the reminder comes back: a row of kind ``snooze`` (stage
``nhac-lai@…``) on each channel the contact's reminders of that obligation use, copying
the template, stop condition and stage options (``ack_link``, ``any_time``:
``engine.workflow.options``) of the last reminder sent to them; the reminders held
meanwhile are overtaken by it (one message, not a burst).

Everything here works in the caller's session and transaction; ``ExtensionError`` (a
``NhacviecError``: exit status 2 in the CLI) says why a step is refused, and nothing is
written then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from engine import labels
from engine.errors import ExtensionError, InputError
from engine.i18n import _
from engine.ids import parse_id
from engine.store.models import (
    AuditEvent,
    Contact,
    ExtensionRequest,
    Notification,
    Obligation,
    Plan,
    Snooze,
)
from engine.workflow.options import StageOptions
from notifiers.registry import reachable

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.workflow.calendar import WorkCalendar
    from engine.workflow.sync import SyncReport

EXTENDABLE = ("open", "acknowledged")
KIND = "extension"  # outbox rows about a request (to the owner, then to the agency)
SNOOZE_KIND = "snooze"  # the reminder that comes back when a snooze ends
SNOOZE_STAGE = "nhac-lai"
_DURATION = re.compile(r"^\s*(\d{1,3})\s*(d|day|days|ngày|w|week|weeks|tuần)?\s*$", re.I)
_WEEKS = ("w", "week", "weeks", "tuần")


# ---------------------------------------------------------------------------- checks


def check_extendable(obligation: Obligation) -> None:
    """Raise ``ExtensionError`` unless ``obligation`` may still get a new due date."""
    ref = f"#{obligation.id}"
    if obligation.cancelled_at is not None:
        raise ExtensionError(
            _("{ref} no longer follows from its plan: nothing to extend").format(ref=ref),
            "closed",
            status="cancelled",
        )
    if obligation.status not in EXTENDABLE:
        raise ExtensionError(
            _("{ref} is {status}: nothing to extend").format(ref=ref, status=obligation.status),
            "closed",
            status=obligation.status,
        )
    if not obligation.tracked:
        raise ExtensionError(
            _(
                "{ref} is not tracked (due before the plan's tracking start): nothing to extend"
            ).format(ref=ref),
            "closed",
            status="untracked",
        )


def check_request(
    obligation: Obligation, pending: ExtensionRequest | None, new_due_on: date, reason: str
) -> None:
    """The rules of a new request (module docstring); ``ExtensionError`` if one fails."""
    check_extendable(obligation)
    if pending is not None:
        raise ExtensionError(
            _(
                "#{id} already has a pending extension request (GH{id2}, to "
                "{new_due_on:%d/%m/%Y}): the plan owner decides it first"
            ).format(id=obligation.id, id2=pending.id, new_due_on=pending.new_due_on),
            "pending",
            pending=pending,
        )
    if new_due_on <= obligation.due_on:
        raise ExtensionError(
            _(
                "the new due date {new_due_on:%d/%m/%Y} must be after the current "
                "one, {due_on:%d/%m/%Y}"
            ).format(new_due_on=new_due_on, due_on=obligation.due_on),
            "not_later",
            due_on=obligation.due_on,
        )
    if not reason.strip():
        raise ExtensionError(_("an extension request needs a reason"), "no_reason")


def check_decision(request: ExtensionRequest, obligation: Obligation, *, approve: bool) -> None:
    """A request is decided once; approval also needs the obligation still extendable."""
    if request.state != "pending":
        message = _("extension request GH{id} was already {state}").format(
            id=request.id, state=labels.said(request.state)
        )
        if request.decided_by:
            message += _(" by {who}").format(who=request.decided_by)
        if request.decided_at:
            message += _(" on {date}").format(date=f"{request.decided_at:%d/%m/%Y}")
        raise ExtensionError(message, "decided", request=request)
    if not approve:
        return
    check_extendable(obligation)
    if request.new_due_on <= obligation.due_on:
        raise ExtensionError(
            _(
                "extension request GH{id} asks for {new_due_on:%d/%m/%Y}, but #{id2} "
                "is already due {due_on:%d/%m/%Y}: refuse it instead"
            ).format(
                id=request.id,
                new_due_on=request.new_due_on,
                id2=obligation.id,
                due_on=obligation.due_on,
            ),
            "not_later",
            due_on=obligation.due_on,
        )


def may_decide(contact: Contact, owner_agency_id: int | None) -> bool:
    """Only a contact of the agency that owns the plan decides on its extensions."""
    return owner_agency_id is not None and contact.agency_id == owner_agency_id and contact.active


# ---------------------------------------------------------------------------- requests


def pending_request(session: Session, obligation_id: int) -> ExtensionRequest | None:
    return session.scalars(
        select(ExtensionRequest).where(
            ExtensionRequest.obligation_id == obligation_id, ExtensionRequest.state == "pending"
        )
    ).first()


def request_by_ref(session: Session, ref: str | int) -> ExtensionRequest | None:
    """The request ``ref`` names: ``7``, ``#7`` or ``GH7``."""
    number = parse_id(ref, prefixes=("#", "GH"))
    return None if number is None else session.get(ExtensionRequest, number)


def find_request(session: Session, ref: str | int) -> ExtensionRequest:
    """The request ``ref`` names; ``InputError`` if there is none."""
    request = request_by_ref(session, ref)
    if request is None:
        raise InputError(
            _(
                "no extension request {value!r} (see `nhacviec extension list` for the numbers)"
            ).format(value=str(ref))
        )
    return request


def request_extension(
    session: Session,
    obligation: Obligation,
    *,
    new_due_on: date,
    reason: str,
    by: str,
    via: str,
    now: datetime,
    origin: dict[str, Any] | None = None,
) -> ExtensionRequest:
    """Record a pending request, its audit event, and the owner's notifications."""
    check_request(obligation, pending_request(session, obligation.id), new_due_on, reason)
    request = ExtensionRequest(
        obligation_id=obligation.id,
        requested_by=by,
        requested_via=via,
        requested_at=now,
        new_due_on=new_due_on,
        reason=reason.strip(),
        state="pending",
    )
    session.add(request)
    session.flush()
    data = {"request": request.id, "due_on": obligation.due_on.isoformat(),
            "new_due_on": new_due_on.isoformat(), **(origin or {})}  # fmt: skip
    _event(session, obligation, "extension_requested", now, by, via, request.reason, data)
    owner = session.scalar(select(Plan.owner_agency_id).where(Plan.id == obligation.plan_id))
    _notify(session, request, obligation, "requested", _coordinators(session, owner), now)
    return request


@dataclass(frozen=True)
class Approval:
    """What approving did: the due date before and after, and the rescheduling."""

    request: ExtensionRequest
    before: date
    after: date
    reminders: SyncReport


def approve_extension(
    session: Session,
    request: ExtensionRequest,
    *,
    by: str,
    via: str,
    now: datetime,
    settings: Settings,
    note: str | None = None,
    origin: dict[str, Any] | None = None,
) -> Approval:
    """Approve: move ``due_on``, reschedule the reminders, record and tell the agency."""
    from engine.workflow.calendar import WorkCalendar
    from engine.workflow.schema import load_workflows
    from engine.workflow.sync import reschedule

    obligation = _obligation(session, request)
    check_decision(request, obligation, approve=True)
    workflows = load_workflows(settings.paths.workflows)  # bad workflows: nothing written
    before = obligation.due_on
    _decide(request, "approved", by, now, note)
    obligation.due_on = request.new_due_on
    obligation.updated_at = now
    data = {"request": request.id, "from": before.isoformat(),
            "to": request.new_due_on.isoformat(), **(origin or {})}  # fmt: skip
    _event(session, obligation, "extension_approved", now, by, via, note, data)
    _close_notices(session, request, now)
    _notify(session, request, obligation, "approved", _agency_contacts(session, obligation), now)
    calendar = WorkCalendar.from_settings(settings)
    report = reschedule(session, [obligation.id], workflows, calendar, now=now)
    return Approval(request, before, request.new_due_on, report)


def refuse_extension(
    session: Session,
    request: ExtensionRequest,
    *,
    by: str,
    via: str,
    now: datetime,
    reason: str | None,
    origin: dict[str, Any] | None = None,
) -> ExtensionRequest:
    """Refuse: the request and the history change, nothing else; the agency is told."""
    obligation = _obligation(session, request)
    check_decision(request, obligation, approve=False)
    _decide(request, "refused", by, now, (reason or "").strip() or None)
    data = {"request": request.id, **(origin or {})}
    _event(session, obligation, "extension_refused", now, by, via, request.decision_note, data)
    _close_notices(session, request, now)
    _notify(session, request, obligation, "refused", _agency_contacts(session, obligation), now)
    return request


def list_requests(
    session: Session, *, pending_only: bool = False, plan_id: int | None = None
) -> list[tuple[ExtensionRequest, Obligation]]:
    """Requests with their obligations, newest first."""
    query = select(ExtensionRequest, Obligation).join(
        Obligation, Obligation.id == ExtensionRequest.obligation_id
    )
    if pending_only:
        query = query.where(ExtensionRequest.state == "pending")
    if plan_id is not None:
        query = query.where(Obligation.plan_id == plan_id)
    query = query.order_by(ExtensionRequest.requested_at.desc(), ExtensionRequest.id.desc())
    return [(request, obligation) for request, obligation in session.execute(query).all()]


def _obligation(session: Session, request: ExtensionRequest) -> Obligation:
    obligation = session.get(Obligation, request.obligation_id, with_for_update=True)
    assert obligation is not None  # a foreign key
    return obligation


def _decide(
    request: ExtensionRequest, state: str, by: str, now: datetime, note: str | None
) -> None:
    request.state = state
    request.decided_by = by
    request.decided_at = now
    request.decision_note = note


def _event(
    session: Session,
    obligation: Obligation,
    event: str,
    now: datetime,
    by: str,
    via: str,
    note: str | None,
    data: dict[str, Any],
) -> None:
    session.add(AuditEvent(obligation_id=obligation.id, at=now, event=event, actor=by,
                           channel=via, note=note, data=data))  # fmt: skip
    session.flush()


# ---------------------------------------------------------------------------- notices


def notice_stage(request_id: int, event: str) -> str:
    """``gia-han-7`` (to the owner), ``gia-han-7-approved`` / ``-refused`` (to the agency)."""
    return f"gia-han-{request_id}" if event == "requested" else f"gia-han-{request_id}-{event}"


def _coordinators(session: Session, agency_id: int | None) -> list[Contact]:
    if agency_id is None:
        return []
    return list(
        session.scalars(
            select(Contact)
            .where(Contact.agency_id == agency_id, Contact.active, Contact.role == "coordinator")
            .order_by(Contact.id)
        )
    )


def _agency_contacts(session: Session, obligation: Obligation) -> list[Contact]:
    return _coordinators(session, obligation.agency_id)


def _notify(
    session: Session,
    request: ExtensionRequest,
    obligation: Obligation,
    event: str,
    contacts: Sequence[Contact],
    now: datetime,
) -> int:
    """Outbox rows telling ``contacts`` about ``event`` on every channel they have."""
    stage = notice_stage(request.id, event)
    count = 0
    for contact in contacts:
        for channel in reachable(contact.addresses):
            session.add(
                Notification(
                    key=f"o{obligation.id}:{stage}:c{contact.id}:{channel}", kind=KIND,
                    obligation_id=obligation.id, stage=stage, stage_order=0, escalation=False,
                    contact_id=contact.id, channel=channel, template="extension", stop_on=[],
                    scheduled_at=now, due_at=now, state="pending", attempts=0,
                    payload={"request": request.id, "event": event},
                    created_at=now, updated_at=now,
                )
            )  # fmt: skip
            count += 1
    session.flush()
    return count


def _close_notices(session: Session, request: ExtensionRequest, now: datetime) -> None:
    """The owner's notices not sent yet are moot once the request is decided."""
    session.execute(
        update(Notification)
        .where(
            Notification.obligation_id == request.obligation_id,
            Notification.stage == notice_stage(request.id, "requested"),
            Notification.state == "pending",
        )
        .values(state="cancelled", last_error=f"stopped: request {request.state}", updated_at=now)
        .execution_options(synchronize_session=False)
    )


def parse_day(text: str, today: date) -> date | None:
    """A date as people type it: ``30/07/2026``, ``30/7`` (``today``'s year) or
    ``2026-07-30``; None if it is not one."""
    from engine.dates import read_date

    try:
        return read_date(text, year=today.year).day
    except ValueError:
        return None


# ---------------------------------------------------------------------------- snoozes


def parse_snooze(text: str) -> int:
    """``1d``, ``7d``, ``2w``, ``3`` (days), ``1 tuần`` → a number of days (1–90)."""
    match = _DURATION.match(text)
    days = 0
    if match:
        days = int(match.group(1)) * (7 if (match.group(2) or "").lower() in _WEEKS else 1)
    if not 1 <= days <= 90:
        raise InputError(_(
"--for {text!r}: expected a duration such as 1d, 7d or 2w (at most "
"90 days)"
).format(text=text))  # fmt: skip
    return days


def snooze_until(now: datetime, days: int, due_on: date, calendar: WorkCalendar) -> datetime | None:
    """When a snooze of ``days`` days taken at ``now`` ends (module docstring), or None
    when it would end before ``now`` (the due date's last reminder has gone out)."""
    today = calendar.local_date(now)
    wanted = calendar.send_instant(calendar.next_working_day(today + timedelta(days=days)))
    last = calendar.send_instant(calendar.previous_working_day(due_on))
    until = min(wanted, last)
    return until if until > now else None


def snooze(
    session: Session,
    obligation: Obligation,
    contact: Contact,
    *,
    days: int,
    now: datetime,
    calendar: WorkCalendar,
    by: str,
    via: str,
    origin: dict[str, Any] | None = None,
) -> Snooze:
    """Pause ``contact``'s reminders of ``obligation`` (module docstring)."""
    check_extendable(obligation)
    until = snooze_until(now, days, obligation.due_on, calendar)
    if until is None:
        raise ExtensionError(
            _(
                "#{id} is due {due_on:%d/%m/%Y}: its reminders are over, only "
                "escalations are left (ask for an extension to move the date)"
            ).format(id=obligation.id, due_on=obligation.due_on),
            "too_late",
            due_on=obligation.due_on,
        )
    if not contact.active:
        raise ExtensionError(
            _("contact {key} is inactive").format(key=contact.key), "closed", status="inactive"
        )
    row = session.scalars(
        select(Snooze).where(Snooze.obligation_id == obligation.id, Snooze.contact_id == contact.id)
    ).first()
    if row is None:
        row = Snooze(obligation_id=obligation.id, contact_id=contact.id, until=until,
                     created_at=now)  # fmt: skip
        session.add(row)
    row.until, row.created_at = until, now
    data = {"contact": contact.key, "days": days, "until": until.isoformat(), **(origin or {})}
    _event(session, obligation, "snoozed", now, by, via, None, data)
    _remind_again(session, obligation, contact, until, now)
    return row


def _remind_again(
    session: Session, obligation: Obligation, contact: Contact, until: datetime, now: datetime
) -> None:
    """The reminder that comes back at ``until`` (module docstring)."""
    mine = (Notification.obligation_id == obligation.id, Notification.contact_id == contact.id)
    session.execute(
        update(Notification)
        .where(*mine, Notification.kind == SNOOZE_KIND, Notification.state == "pending")
        .values(state="cancelled", last_error="replaced by a later snooze", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    reminders = session.scalars(
        select(Notification)
        .where(*mine, Notification.kind == "obligation", Notification.escalation.is_(False))
        .order_by(Notification.scheduled_at, Notification.id)
    ).all()
    if not reminders:
        return
    sent = [r for r in reminders if r.state == "sent"]
    model = sent[-1] if sent else reminders[-1]
    stage = f"{SNOOZE_STAGE}@{until.astimezone(UTC):%Y%m%dT%H%MZ}"
    # The reminder's own stage options, its ``when`` derived again at ``until``.
    payload = StageOptions.of(model.payload).payload(snooze=True)
    for channel in sorted({r.channel for r in reminders}):
        key = f"o{obligation.id}:{stage}:c{contact.id}:{channel}"
        row = session.scalars(select(Notification).where(Notification.key == key)).first()
        if row is None:
            row = Notification(key=key, kind=SNOOZE_KIND, obligation_id=obligation.id,
                               stage=stage, contact_id=contact.id, channel=channel,
                               attempts=0, created_at=now)  # fmt: skip
            session.add(row)
        row.stage_order, row.escalation = -1, False  # a real stage at the same instant wins
        row.template, row.stop_on, row.payload = model.template, list(model.stop_on), payload
        row.scheduled_at = row.due_at = until
        row.state, row.last_error, row.updated_at = "pending", None, now
    session.flush()


def snoozes_of(session: Session, obligation_id: int) -> list[tuple[Snooze, Contact]]:
    rows = session.execute(
        select(Snooze, Contact)
        .join(Contact, Contact.id == Snooze.contact_id)
        .where(Snooze.obligation_id == obligation_id)
        .order_by(Snooze.until)
    )
    return [(s, c) for s, c in rows.all()]
