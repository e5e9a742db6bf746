"""Who a chat is: invitations, linking, authorization, refusals (any linked channel).

A bot cannot message a person first, so a coordinator hands out a one-time code
(``nhacviec contacts invite CONTACT``) and the person sends ``/start CODE`` to the bot.
Only a hash of the code is stored, with an expiry; redeeming it links the chat to the
contact (its ``ContactAddress`` on the channel) and spends it, by compare-and-set so that a code
links one chat once even with two bots racing. Inviting again replaces the code.

The same code links a Zalo follower (``link_by_text``: the OA webhook's handler of a
follower's text); ``redeem`` takes the channel and the address, so any channel the
registry marks ``linked`` links this way.

A chat may be linked to several contacts (a group shared by an agency's coordinator and
head). It may act on an obligation when one of its active contacts belongs to the
obligation's agency or to the agency that owns the obligation's plan; ``authorize``
returns that contact (the obligation's own agency first). Everything refused is recorded
as an ``AuditEvent`` (event ``refused``, the channel it came through: Telegram's bot, or
Zalo for a follower's text, ``engine.bot.texts``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.errors import NhacviecError
from engine.i18n import _
from engine.ids import parse_id
from engine.store.models import Agency, AuditEvent, Contact, ContactAddress, Obligation, Plan

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes get read aloud
CODE_LENGTH = 10  # 50 bits: guessing through a rate-limited bot is hopeless
INVITE_DAYS = 7


def normalise_code(code: str) -> str:
    """Codes are case-insensitive and may be typed with spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def find_contact(session: Session, ref: str) -> Contact:
    """A contact by key, or by numeric id; ``NhacviecError`` naming ``ref`` otherwise."""
    contact = session.scalars(select(Contact).where(Contact.key == ref)).one_or_none()
    number = parse_id(ref, prefixes=())
    if contact is None and number is not None:
        contact = session.get(Contact, number)
    if contact is None:
        raise NhacviecError(
            _("no contact {ref!r} (give a contact key or id; see `contacts list`)").format(ref=ref)
        )
    return contact


def new_invite(session: Session, contact: Contact, now: datetime, days: int = INVITE_DAYS) -> str:
    """Give ``contact`` a fresh one-time code valid ``days`` days; return the code.

    Only its hash is stored; a previous code stops working.
    """
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    contact.invite_code_hash = hash_code(code)
    contact.invite_expires_at = now + timedelta(days=days)
    session.flush()
    return code


def redeem(
    session: Session, code: str, channel: str, address: str, now: datetime
) -> Contact | None:
    """Link ``address`` on ``channel`` (a chat id as text) to the contact whose live code
    this is and spend the code.

    Returns None (nothing changed) for a wrong, spent or expired code. The link replaces
    the contact's previous address on ``channel`` and clears its flag: the new chat has
    not blocked the bot. Recorded as the audit event ``{channel}_linked``
    (``telegram_linked``) with the contact's key and the address.
    """
    digest = hash_code(code)
    contact = session.scalars(
        select(Contact).where(Contact.invite_code_hash == digest, Contact.active.is_(True))
    ).one_or_none()
    if contact is None or contact.invite_expires_at is None or contact.invite_expires_at <= now:
        return None
    spent = session.execute(
        update(Contact)
        .where(Contact.id == contact.id, Contact.invite_code_hash == digest)
        .values(invite_code_hash=None, invite_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        return None  # another bot redeemed it a moment ago
    session.refresh(contact)
    contact.set_address(channel, address)
    row = contact.address_row(channel)
    assert row is not None
    row.flag, row.linked_at = None, now
    session.add(
        AuditEvent(
            at=now,
            event=f"{channel}_linked",
            actor=contact.name,
            channel=channel,
            data={"contact": contact.key, "address": address},
        )
    )
    session.flush()
    return contact


def linked_contacts(session: Session, channel: str, address: str) -> list[Contact]:
    """The active contacts whose address on ``channel`` is ``address``, oldest first."""
    return list(
        session.scalars(
            select(Contact)
            .join(ContactAddress, ContactAddress.contact_id == Contact.id)
            .where(
                ContactAddress.channel == channel,
                ContactAddress.address == address,
                Contact.active.is_(True),
            )
            .order_by(Contact.id)
        )
    )


def authorize(
    contacts: Sequence[Contact], obligation: Obligation, owner_id: int | None
) -> Contact | None:
    """The contact through whom the chat may act on ``obligation``, or None.

    ``owner_id`` is the agency that owns the obligation's plan (or None).
    """
    for contact in contacts:
        if contact.agency_id == obligation.agency_id:
            return contact
    for contact in contacts:
        if owner_id is not None and contact.agency_id == owner_id:
            return contact
    return None


def plan_owner(session: Session, obligation: Obligation) -> int | None:
    return session.scalar(select(Plan.owner_agency_id).where(Plan.id == obligation.plan_id))


def where_from(channel: str, address: int | str) -> dict[str, Any]:
    """Who sent a command, as the audit trail keeps it: the registry's ``sender`` of
    ``channel`` (``{"chat_id": -100…}``, a number, for Telegram; ``{"address": "…"}``,
    text, for another channel)."""
    from notifiers.registry import entry

    return entry(channel).sender(address)


def record_refusal(
    session: Session,
    *,
    chat_id: int | str,
    channel: str,
    attempted: str,
    reason: str,
    now: datetime,
    obligation: Obligation | None = None,
    contact: Contact | None = None,
    user: str | None = None,
) -> AuditEvent:
    """Record a refused command or button press (the audit trail of who tried what);
    ``chat_id`` is the sender's address on ``channel`` (``where_from``), ``user`` the
    sender's name there if the channel tells it (kept as ``{channel}_user``)."""
    data: dict[str, Any] = {
        **where_from(channel, chat_id),
        "attempted": attempted,
        "reason": reason,
    }
    if user:
        data[f"{channel}_user"] = user
    event = AuditEvent(
        obligation_id=obligation.id if obligation is not None else None,
        at=now,
        event="refused",
        actor=contact.name if contact is not None else None,
        channel=channel,
        data=data,
    )
    session.add(event)
    session.flush()
    return event


def migrate_chat(session: Session, channel: str, old: str, new: str) -> int:
    """A chat moved (a Telegram group became a supergroup): move every contact's address
    ``old`` on ``channel`` to ``new``; return how many."""
    moved = session.execute(
        update(ContactAddress)
        .where(ContactAddress.channel == channel, ContactAddress.address == old)
        .values(address=new)
        .execution_options(synchronize_session=False)
    )
    count: int = moved.rowcount  # type: ignore[attr-defined]
    return count


def flag_chat(session: Session, channel: str, address: str, flag: str) -> int:
    """The chat can never receive (blocked, deactivated, not found): flag the contacts'
    address ``address`` on ``channel``; return how many."""
    flagged = session.execute(
        update(ContactAddress)
        .where(ContactAddress.channel == channel, ContactAddress.address == address)
        .values(flag=flag)
        .execution_options(synchronize_session=False)
    )
    count: int = flagged.rowcount  # type: ignore[attr-defined]
    return count


# -- linking by a text message (a channel whose inbound messages are plain texts) -------

LINK_WORDS = ("/start", "#link", "#lienket")  # what may precede the code in a message


def code_in(text: str) -> str | None:
    """The invitation code of a message, or None: ``/start CODE``, ``#link CODE`` or the
    code alone (spaces and dashes allowed, as it is read aloud)."""
    words = text.strip().split()
    if words and words[0].lower() in LINK_WORDS:
        rest = " ".join(words[1:])
    elif len(normalise_code(text)) == CODE_LENGTH and len(words) <= 3:
        rest = text
    else:
        return None
    code = normalise_code(rest)
    return code or None


def link_by_text(
    sessions: Callable[[], AbstractContextManager[Session]],
    channel: str,
    now: Callable[[], datetime],
) -> Callable[[str, str], str | None]:
    """The ``on_text`` of a channel whose followers link themselves by sending their
    one-time code (Zalo's OA webhook, ``notifiers.zalo.webhook_from_settings``): a
    message holding a code links the sender's address (``redeem``) and is answered; any
    other message is left to the channel (None)."""

    def on_text(address: str, text: str) -> str | None:
        code = code_in(text)
        if code is None:
            return None
        with sessions() as session:
            contact = redeem(session, code, channel, address, now())
            if contact is None:
                return _(
                    "This invitation code is wrong, already used or expired; please ask "
                    "your plan coordinator for a new one."
                )
            agency = session.scalar(select(Agency.name).where(Agency.id == contact.agency_id))
            return _(
                "Linked to {name} ({agency}). The agency's reminders will come here from now on."
            ).format(name=contact.name, agency=agency)

    return on_text
