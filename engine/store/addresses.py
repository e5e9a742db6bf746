"""Contacts' addresses (``ContactAddress`` rows) read in bulk, for the queries that select
contacts as columns rather than as objects (delivery, sync, digests, the agenda).

A ``Contact`` object reads its own as ``Contact.addresses`` and ``Contact.flags``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.store.models import Contact, ContactAddress

_CHUNK = 1000


def addresses_of(
    session: Session, contact_ids: Iterable[int] | None = None, *, active: bool = False
) -> dict[int, dict[str, str]]:
    """``{contact id: {channel: address}}`` of ``contact_ids`` (every contact if None;
    only active contacts if ``active``). A contact without an address is left out."""
    found: dict[int, dict[str, str]] = {}
    a = ContactAddress
    query = select(a.contact_id, a.channel, a.address).order_by(a.contact_id, a.id)
    if active:
        query = query.join(Contact, Contact.id == a.contact_id).where(Contact.active)
    if contact_ids is None:
        chunks: Iterable[list[int] | None] = [None]
    else:
        ids = sorted(set(contact_ids))
        chunks = [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    if not active and contact_ids is not None:  # delivery's: a statement built once
        query = _addresses_query()
    for chunk in chunks:
        chosen = query if chunk is None or not active else query.where(a.contact_id.in_(chunk))
        values = {} if chunk is None or active else {"ids": chunk}
        for contact_id, channel, address in session.execute(chosen, values):
            found.setdefault(contact_id, {})[channel] = address
    return found


@lru_cache(maxsize=1)
def _addresses_query() -> Any:
    """The addresses of some contacts, the ids an expanding parameter given at execution
    (building the statement and coercing each id of an ``in_(list)`` cost more than
    running it)."""
    a = ContactAddress
    return (
        select(a.contact_id, a.channel, a.address)
        .where(a.contact_id.in_(bindparam("ids", expanding=True)))
        .order_by(a.contact_id, a.id)
    )


def flags_of(session: Session, contact_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """``{contact id: {channel: flag}}``: the addresses delivery found broken."""
    found: dict[int, dict[str, str]] = {}
    ids = sorted(set(contact_ids))
    a = ContactAddress
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(a.contact_id, a.channel, a.flag)
            .where(a.contact_id.in_(ids[start : start + _CHUNK]), a.flag.is_not(None))
            .order_by(a.contact_id, a.id)
        )
        for contact_id, channel, flag in session.execute(query):
            if flag is not None:
                found.setdefault(contact_id, {})[channel] = flag
    return found
