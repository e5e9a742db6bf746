"""``nhacviec contacts invite|list``: the contacts of the directory and their Telegram links.

A bot cannot write to a person first. ``contacts invite CONTACT`` prints a one-time code
(valid ``--days``, 7 by default; only its hash is stored; inviting again replaces it);
the person sends ``/start CODE`` to the bot, which links their chat to the contact.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from engine import labels
from engine.cli.app import console, print_json, state, sub_app
from engine.i18n import N_, _
from notifiers.registry import CHANNELS

if TYPE_CHECKING:
    from engine.store.models import Contact

contacts_app = sub_app("contacts", "Agency contacts and their Telegram links.")


@contacts_app.command("invite")
def invite(
    ctx: typer.Context,
    contact_ref: str = typer.Argument(..., metavar="CONTACT", help="Contact key or id."),
    days: int = typer.Option(7, "--days", min=1, max=90, help="Days the code stays valid."),
    now: str | None = typer.Option(None, "--now", help="The instant of issue, ISO 8601."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print a one-time code that links a Telegram chat to CONTACT (/start CODE)."""
    from engine.bot.links import find_contact, new_invite
    from engine.cli.actions import parse_now
    from engine.errors import NhacviecError

    appctx = state(ctx)
    zone = appctx.settings.time.zone
    instant = parse_now(now, zone)
    with appctx.store().session() as session:
        contact = find_contact(session, contact_ref)
        if not contact.active:
            raise NhacviecError(
                _("contact {key!r} is inactive; it cannot be invited").format(key=contact.key)
            )
        code = new_invite(session, contact, instant, days)
        name, key, expires = contact.name, contact.key, contact.invite_expires_at
    assert expires is not None
    if as_json:
        print_json(
            {
                "contact": key,
                "code": code,
                "start": f"/start {code}",
                "expires": expires.astimezone(zone).isoformat(),
            }
        )
        return
    until = expires.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    out = console()
    out.print(
        _("Invitation for {name} ({key}), valid until {until}:").format(
            name=name, key=key, until=until
        ),
        markup=False,
        soft_wrap=True,
    )
    out.print(f"  /start {code}", markup=False, soft_wrap=True)
    out.print(
        _(
            "They send this line to the bot in Telegram, in a private chat or in their group. "
            "The code works once; inviting again replaces it."
        ),
        markup=False,
        soft_wrap=True,
    )


@contacts_app.command("list")
def list_contacts(
    ctx: typer.Context,
    agency: str | None = typer.Option(None, "--agency", help="Only this agency (key)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    now: str | None = typer.Option(None, "--now", help="Judge invitations as of this instant."),
) -> None:
    """List contacts: agency, role, email, Telegram link and flags."""
    from sqlalchemy import select

    from engine.cli.actions import parse_now
    from engine.store.models import Agency, Contact

    appctx = state(ctx)
    instant = parse_now(now, appctx.settings.time.zone)
    with appctx.store().session() as session:
        query = select(Contact, Agency).join(Agency).order_by(Agency.key, Contact.key)
        if agency:
            query = query.where(Agency.key == agency)
        rows = [_row(contact, ag.key, ag.name, instant) for contact, ag in session.execute(query)]
    if as_json:
        print_json(rows)
    else:
        _print_table(rows)


def _row(contact: Contact, agency_key: str, agency_name: str, now: datetime) -> dict[str, Any]:
    invited = contact.invite_expires_at is not None and contact.invite_expires_at > now
    return {
        "key": contact.key,
        "id": contact.id,
        "agency": agency_key,
        "agency_name": agency_name,
        "name": contact.name,
        "role": contact.role,
        "language": contact.language,
        "active": contact.active,
        "addresses": contact.addresses,  # {channel: address}, a chat id as text
        "linked": {
            name: name in contact.addresses for name, known in CHANNELS.items() if known.linked
        },
        "invited_until": contact.invite_expires_at.isoformat()
        if invited and contact.invite_expires_at
        else None,
        "flags": contact.flags,  # {channel: the problem delivery found}
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    title = _(N_("{n} contact") if len(rows) == 1 else N_("{n} contacts")).format(n=len(rows))
    table = Table(title=title, title_justify="left")
    for column in (N_("agency"), N_("contact"), N_("name"), N_("role")):
        table.add_column(_(column), overflow="fold")  # keys and addresses whole, never "…"
    for channel in CHANNELS:  # one column per channel: its address, or the link's state
        table.add_column(_(channel), overflow="fold")
    table.add_column(_("flags"), overflow="fold")
    for row in rows:
        shown = []
        for channel, known in CHANNELS.items():
            address = row["addresses"].get(channel)
            if not known.linked:
                shown.append(address or "")
            elif address is not None:
                shown.append(_("linked ({chat})").format(chat=address))
            else:
                shown.append(_("invited") if row["invited_until"] else "—")
        flags = "; ".join(
            f"{channel}: {flag}" for channel in CHANNELS if (flag := row["flags"].get(channel))
        )
        if not row["active"]:
            flags = "; ".join(filter(None, [_("inactive"), flags]))
        cells = (
            row["agency"],
            row["key"],
            row["name"],
            labels.said(row["role"]),
            *shown,
            flags,
        )
        table.add_row(*(Text(str(cell)) for cell in cells))
    console().print(table)
