"""``/lien-he``: the contacts a coordinator looks after, and their Telegram invitations.

A contact sees its own agency's contacts; the contacts of a plan's owner also see those
of every agency that owes something in that plan. Each row says the contact's email,
whether a Telegram chat is linked (or an invitation waits, until when) and the flags
delivery set on a broken address. **Tạo mã mời** makes a one-time code
(``engine.bot.links.new_invite``, as ``nhacviec contacts invite``; only its hash is
stored, so the page shows it once) that the person sends to the bot as ``/start CODE``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from engine.store.models import Agency, Contact, Obligation
from engine.workspace.access import Viewer, record_refusal
from engine.workspace.web import Call, Site

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

INVITE_DAYS = 7


def agency_ids(session: Session, viewer: Viewer) -> set[int]:
    """The agencies whose contacts the viewer looks after."""
    owed = select(Obligation.agency_id).where(Obligation.plan_id.in_(sorted(viewer.owned_plans)))
    found = set(session.scalars(select(Agency.id).where(or_(Agency.id == viewer.agency_id,
                                                             Agency.id.in_(owed)))))  # fmt: skip
    return found | {viewer.agency_id}


def contacts_of(session: Session, viewer: Viewer) -> list[tuple[Contact, Agency]]:
    query = (
        select(Contact, Agency)
        .join(Agency, Agency.id == Contact.agency_id)
        .where(Contact.agency_id.in_(sorted(agency_ids(session, viewer))), Contact.active)
        .order_by(Agency.id != viewer.agency_id, Agency.name, Contact.name, Contact.id)
    )
    return [(contact, agency) for contact, agency in session.execute(query)]


async def contacts_page(site: Site, call: Call, made: dict[str, Any] | None = None) -> Response:
    def load() -> list[tuple[Contact, Agency]]:
        with site.store.session() as session:
            return contacts_of(session, call.viewer)

    rows = await run_in_threadpool(load)
    return site.view(call, "contacts", section="contacts", rows=rows, made=made, now=call.now)


async def invite(site: Site, call: Call) -> Response:
    from engine.bot.links import new_invite

    text = str(call.request.path_params.get("id", ""))

    def run() -> dict[str, Any] | None:
        with site.store.session() as session:
            contact = session.get(Contact, int(text)) if text.isdigit() else None
            me = session.get(Contact, call.viewer.contact_id)
            assert me is not None
            if (
                contact is None
                or not contact.active
                or (contact.agency_id not in agency_ids(session, call.viewer))
            ):
                record_refusal(session, me, attempted=f"POST {call.request.url.path}",
                               reason="a contact this viewer does not look after",
                               now=call.now)  # fmt: skip
                return None
            code = new_invite(session, contact, call.now, INVITE_DAYS)
            return {"name": contact.name, "code": code, "until": contact.invite_expires_at}

    made = await run_in_threadpool(run)
    if made is None:
        return site.refused(call)
    return await contacts_page(site, call, made)
