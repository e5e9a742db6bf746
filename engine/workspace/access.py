"""Who sees what in the workspace, with the bot's rule (``engine.bot.links.authorize``).

A contact of an agency sees and acts on what its agency owes. A contact of a plan's
owner sees every agency of that plan, records work done, and decides on extension
requests. Anything else is refused and recorded as a ``refused`` audit event (channel
``web``, the contact as actor, what was attempted and why), as the bot records a chat
that tries what it may not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from engine.bot import links
from engine.store.models import Agency, AuditEvent, Contact, Obligation, Plan
from notifiers.registry import mail_channels

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class Viewer:
    """The signed-in contact, with what decides what it sees."""

    contact_id: int
    contact_key: str
    name: str
    email: str | None
    agency_id: int
    agency_key: str
    agency_name: str
    owned_plans: frozenset[int]  # the plans whose owner this contact works for
    language: str = "vi"  # the contact's: its pages' unless the switch says otherwise

    def owns(self, plan_id: int) -> bool:
        return plan_id in self.owned_plans

    def visible(self) -> ColumnElement[bool]:
        """SQL: the obligations this viewer may see."""
        mine = Obligation.agency_id == self.agency_id
        if not self.owned_plans:
            return mine
        return or_(mine, Obligation.plan_id.in_(sorted(self.owned_plans)))

    def sees(self, agency_key: str, plan_id: int) -> bool:
        return agency_key == self.agency_key or self.owns(plan_id)


def viewer_of(session: Session, contact: Contact) -> Viewer:
    agency = session.get(Agency, contact.agency_id)
    assert agency is not None  # a foreign key
    owned = session.scalars(select(Plan.id).where(Plan.owner_agency_id == contact.agency_id))
    return Viewer(
        contact.id,
        contact.key,
        contact.name,
        contact.addresses.get(mail_channels()[0]),  # the address sign-in links go to
        agency.id,
        agency.key,
        agency.name,
        frozenset(owned),
        contact.language,
    )


def visible_plans(session: Session, viewer: Viewer) -> list[Plan]:
    """Plans the viewer owns or owes something in, by key."""
    owes = select(Obligation.plan_id).where(Obligation.agency_id == viewer.agency_id)
    query = select(Plan).where(or_(Plan.id.in_(owes), Plan.id.in_(sorted(viewer.owned_plans))))
    return list(session.scalars(query.order_by(Plan.key)))


def may_act(session: Session, contact: Contact, obligation: Obligation) -> str | None:
    """``agency`` or ``owner`` (the bot's ``authorize``), or None when not allowed."""
    owner = links.plan_owner(session, obligation)
    found = links.authorize([contact], obligation, owner)
    if found is None:
        return None
    return "agency" if contact.agency_id == obligation.agency_id else "owner"


def record_refusal(
    session: Session,
    contact: Contact,
    *,
    attempted: str,
    reason: str,
    now: datetime,
    obligation_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The audit event of a refused page or action (who tried what, and why not)."""
    event = AuditEvent(
        obligation_id=obligation_id,
        at=now,
        event="refused",
        actor=contact.name,
        channel="web",
        data={"contact": contact.key, "attempted": attempted, "reason": reason, **(data or {})},
    )
    session.add(event)
    session.flush()
    return event
