"""What the signed email links let a contact do, behind ``engine.web``'s pages.

One token (``engine.acklinks``: this contact, this obligation) opens one page that shows
the obligation and what this contact may do about it; GET never changes anything (mail
scanners open links), each form POSTs:

- a contact of the agency that owes it: acknowledge (``/ack``, while open), record it
  done with an optional report number and note (``/done``), ask for more time (the
  ``/extend`` page);
- a contact of the plan's owner (the escalation emails reach them): record it done
  (``/done``), approve the extension request waiting for a decision (``/approve``).

Anyone else is refused (``not_allowed``). Every change goes through the same functions
as the CLI and the bot (``engine.status.apply_action``, ``engine.extensions``), channel
``web``, actor the contact's name, so it is an audit event like any other; acknowledging
reschedules what is timed from the acknowledgement (``engine.bulk.follow_up``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from engine.errors import ExtensionError, Refused
from engine.i18n import _
from engine.messages.types import LANGUAGES, AgencyView, ObligationView, PlanView
from engine.sources import load_subjects

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.acklinks import AckClaim
    from engine.config import Settings
    from engine.store.db import Store
    from engine.store.models import Contact, ExtensionRequest, Obligation

log = logging.getLogger("nhacviec.web")
Act = Literal["ack", "done", "approve"]
REPORT_LIMIT = 120  # a report number ("245/BC-SCT") is short; a longer one is a mistake
NOTE_LIMIT = 1000


@dataclass(frozen=True)
class PageView:
    """What the obligation page shows: ``state`` says which heading (``confirm``,
    ``acknowledged``, ``already``, ``untracked``, ``completed``, ``done``, ``waived``,
    ``withdrawn``, ``approved``), the flags which forms."""

    state: str
    language: str
    contact_name: str
    obligation: ObligationView
    agency: AgencyView
    plan: PlanView
    at: datetime | None
    role: str = "agency"  # agency | owner
    can_ack: bool = False
    can_done: bool = False
    can_extend: bool = False
    request: dict[str, Any] | None = None  # the pending extension request (owner)
    recorded: dict[str, str] | None = None  # the report number and note just recorded
    error: str | None = None  # report_too_long, note_too_long
    values: dict[str, str] | None = None
    status: int = 200


def parties(session: Session, claim: AckClaim, *, lock: bool) -> tuple[Obligation, Contact, str]:
    """The obligation, the contact and its role (``agency`` or ``owner``) a token names;
    ``Refused`` if either is gone or the contact may not act on it."""
    from engine.store.models import Contact, Obligation, Plan

    obligation = session.get(Obligation, claim.obligation_id, with_for_update=lock)
    contact = session.get(Contact, claim.contact_id)
    if obligation is None or contact is None:
        raise Refused("unknown", 404)
    if contact.active and contact.agency_id == obligation.agency_id:
        return obligation, contact, "agency"
    plan = session.get(Plan, obligation.plan_id)
    if contact.active and plan is not None and contact.agency_id == plan.owner_agency_id:
        return obligation, contact, "owner"
    raise Refused("not_allowed", 403)


def obligation_page(
    store: Store,
    settings: Settings,
    claim: AckClaim,
    *,
    now: datetime,
    act: Act | None,
    form: dict[str, str] | None = None,
) -> PageView:
    """Show the page of ``claim``, after doing ``act`` when it is allowed and still
    pending (a replayed POST finds it done and changes nothing)."""
    with store.session() as session:
        obligation, contact, role = parties(session, claim, lock=act is not None)
        state, recorded, error = _state(obligation), None, None
        if act == "ack" and role == "agency" and state == "confirm":
            _ack(session, settings, obligation, contact, now)
            state = "acknowledged"
        elif act == "done" and _can_done(obligation):
            error = _form_error(form or {})
            if error is None:
                recorded = _done(session, settings, obligation, contact, now, form or {})
                state = "completed"
        elif act == "approve" and role == "owner":
            state = _approve(session, settings, obligation, contact, now) or state
        return _view(session, obligation, contact, role, state, recorded, error, form)


def _state(obligation: Obligation) -> str:
    if obligation.cancelled_at is not None:
        return "withdrawn"
    if obligation.status in ("open", "acknowledged") and not obligation.tracked:
        return "untracked"
    return {"open": "confirm", "acknowledged": "already"}.get(obligation.status, obligation.status)


def _can_done(obligation: Obligation) -> bool:
    return obligation.cancelled_at is None and obligation.status in ("open", "acknowledged")


def _form_error(form: dict[str, str]) -> str | None:
    if len(form.get("report", "").strip()) > REPORT_LIMIT:
        return "report_too_long"
    if len(form.get("note", "").strip()) > NOTE_LIMIT:
        return "note_too_long"
    return None


def _ack(
    session: Session, settings: Settings, obligation: Obligation, contact: Contact, now: datetime
) -> None:
    from engine.bulk import follow_up
    from engine.status import apply_action

    note = "nhận qua đường dẫn trong email"
    apply_action(session, obligation, "ack", now=now, zone=settings.time.zone,
                 actor=contact.name, channel="web", note=note)  # fmt: skip
    follow_up(session, settings, "ack", [obligation.id], now=now)
    log.info(_("obligation %s acknowledged by contact %s (web)"), obligation.id, contact.id)


def _done(
    session: Session,
    settings: Settings,
    obligation: Obligation,
    contact: Contact,
    now: datetime,
    form: dict[str, str],
) -> dict[str, str]:
    from engine.status import apply_action

    report, note = form.get("report", "").strip(), form.get("note", "").strip()
    text = " – ".join(part for part in (report, note) if part) or None
    data = {"report_number": report or None, "contact": contact.key}
    apply_action(session, obligation, "done", now=now, zone=settings.time.zone,
                 actor=contact.name, channel="web", note=text, data=data)  # fmt: skip
    log.info(_("obligation %s recorded done by contact %s (web)"), obligation.id, contact.id)
    return {"report": report, "note": note}


def _approve(
    session: Session, settings: Settings, obligation: Obligation, contact: Contact, now: datetime
) -> str | None:
    """Approve the pending request, if there is one and this contact decides for the
    plan owner; the page's state after it, or None when nothing was decided."""
    from engine import extensions as ext

    request = ext.pending_request(session, obligation.id)
    if request is None:
        return None
    try:
        ext.approve_extension(session, request, by=contact.name, via="web", now=now,
                              settings=settings, origin={"contact": contact.key})  # fmt: skip
    except ExtensionError:
        return None
    log.info(_("extension GH%s approved by contact %s (web)"), request.id, contact.id)
    return "approved"


def _view(
    session: Session,
    obligation: Obligation,
    contact: Contact,
    role: str,
    state: str,
    recorded: dict[str, str] | None,
    error: str | None,
    form: dict[str, str] | None,
) -> PageView:
    from engine import extensions as ext

    subject = load_subjects(session, {obligation.id})[obligation.id]
    language = contact.language if contact.language in LANGUAGES else "vi"
    pending = ext.pending_request(session, obligation.id) if role == "owner" else None
    live = _can_done(obligation)
    return PageView(
        state, language, contact.name, subject.obligation, subject.agency, subject.plan,
        obligation.acknowledged_at, role=role,
        can_ack=role == "agency" and live and obligation.tracked and obligation.status == "open",
        can_done=live, can_extend=role == "agency" and live and obligation.tracked,
        request=_request(pending) if pending is not None else None, recorded=recorded,
        error=error, values=form if error else None, status=400 if error else 200,
    )  # fmt: skip


def _request(request: ExtensionRequest) -> dict[str, Any]:
    return {"id": request.id, "new_due_on": request.new_due_on, "reason": request.reason,
            "requested_by": request.requested_by}  # fmt: skip
