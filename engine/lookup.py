"""Finding the agency or the plan a user names on the command line.

One set of rules for every command: an agency is named by its key, its name or one of its
aliases, ignoring case, diacritics and dashes; a plan by its key, its printed number or
its id. ``*_matching`` return every match; ``find_*`` insist on exactly one and list the
candidates otherwise. Every command that takes an agency (``agenda --agency``, bulk
actions, ``letter``, ``digest``) goes through ``find_agency``: "Sở Công Thương" is the
department of Hà Nội and of Hòa Bình, and a filter that silently merged them would show
one agency's work as the other's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from engine.errors import InputError
from engine.i18n import _
from engine.ids import parse_id
from engine.periods import normalise
from engine.store.models import Agency, Plan

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def agencies_matching(session: Session, text: str) -> list[Agency]:
    """Agencies whose key, name or alias is ``text``; if none, those it is part of.

    Raises ``InputError`` when nothing matches.
    """
    wanted = normalise(text)
    agencies = session.scalars(select(Agency).order_by(Agency.key)).all()
    names = {a.id: [normalise(n) for n in (a.key, a.name, *(a.aliases or []))] for a in agencies}
    exact = [a for a in agencies if wanted in names[a.id]]
    found = exact or [a for a in agencies if wanted and any(wanted in n for n in names[a.id])]
    if not found:
        raise InputError(
            _(
                "no agency has the key, name or alias {text!r} (keys look like "
                "hn.so-cong-thuong; `nhacviec contacts list` shows them)"
            ).format(text=text)
        )
    return found


def find_agency(session: Session, text: str) -> Agency:
    """The one agency ``text`` names; several matches raise ``InputError`` listing them."""
    found = agencies_matching(session, text)
    if len(found) == 1:
        return found[0]
    shown = "; ".join(describe_agency(a) for a in found[:20])
    more = _("; and {count} more").format(count=len(found) - 20) if len(found) > 20 else ""
    raise InputError(
        _("{text!r} matches {count} agencies: {shown}{more}; give one key").format(
            text=text, count=len(found), shown=shown, more=more
        )
    )


def describe_agency(agency: Agency) -> str:
    where = f", {agency.jurisdiction}" if agency.jurisdiction else ""
    return f"{agency.key} ({agency.name}{where})"


def plans_matching(session: Session, ref: str) -> list[Plan]:
    """Plans whose key or printed number is ``ref``, else whose id it is."""
    found = list(
        session.scalars(
            select(Plan).where(or_(Plan.key == ref, Plan.number == ref)).order_by(Plan.key)
        )
    )
    number = parse_id(ref, prefixes=())
    if not found and number is not None:
        plan = session.get(Plan, number)
        found = [plan] if plan is not None else []
    if not found:
        keys = session.scalars(select(Plan.key).order_by(Plan.key)).all()
        known = ", ".join(keys) if keys else "none (load one with `nhacviec plan load`)"
        raise InputError(
            _("no plan has the key, number or id {ref!r}; plans: {known}").format(
                ref=ref, known=known
            )
        )
    return found


def find_plan(session: Session, ref: str) -> Plan:
    """The one plan ``ref`` names (a key is unique; a number may be shared by two years)."""
    found = plans_matching(session, ref)
    if len(found) == 1:
        return found[0]
    keys = ", ".join(p.key for p in found)
    raise InputError(
        _("{ref!r} matches {count} plans ({keys}); give its key").format(
            ref=ref, count=len(found), keys=keys
        )
    )
