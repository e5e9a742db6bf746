"""Putting a week's digests in the outbox: who gets one, and the rows that say so.

``prepare_digests(store, settings, now=…)`` runs at the start of every delivery tick (when
``[digest] enabled``). From the week's send instant (``send_at`` on its first working
day) to its end, the first call of the week takes the week's marker and, in the same
transaction, inserts one outbox row per recipient and channel; every later call finds
the marker (one primary-key read) and does nothing. So:

- several workers agree: the marker is a row of ``worker_locks`` named
  ``digest:YYYY-Www`` inserted with ``ON CONFLICT DO NOTHING``; on PostgreSQL a second
  worker's insert waits for the first one's transaction and then does nothing, and the
  rows' unique ``key`` (``digest:YYYY-Www:{scope}:c{contact}:{channel}``) would refuse a
  duplicate anyway;
- a restart or a repeated tick never prepares a week twice, and sending is the outbox's
  business (claimed under a lease, sent once, retried on failure);
- an engine that was down on the send day prepares the week when it comes back, if the
  week is not over; a week never prepared is never prepared later (``now`` is in the
  next week by then);
- who gets a digest is decided when the rows are made, from the content on that day: an
  agency with nothing to report gets no row.

The marker is kept as the record that the week was prepared (one small row a week; its
``expires_at`` is the end of the week): a tick or ``simulate`` at an earlier instant
(``--now``) never prepares a week again.

Recipients: the active contacts with role ``coordinator`` of the agency (its own digest,
scope ``agency``) or of the plans' owner (scope ``owner``), on each channel they have
(an email address, a linked Telegram chat). An owner that also owes work gets both.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.digest.content import agency_digests, owner_digests
from engine.digest.weeks import IsoWeek
from engine.outbox import OutboxRow, table
from engine.store.addresses import addresses_of
from engine.store.models import Contact, Notification, WorkerLock
from engine.util import chunked
from engine.workflow.calendar import WorkCalendar
from notifiers.registry import reachable

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.store.db import Store

log = logging.getLogger("nhacviec.digest")

KIND = "digest"
MARKER_PREFIX = "digest:"


@dataclass(frozen=True)
class DigestRow:
    """One digest to one contact on one channel in one week."""

    week: IsoWeek
    scope: str
    agency_id: int
    contact_id: int
    channel: str

    @property
    def key(self) -> str:
        return f"digest:{self.week.code}:{self.scope}:c{self.contact_id}:{self.channel}"

    @property
    def template(self) -> str:
        return f"digest_{self.scope}"

    @property
    def payload(self) -> dict[str, Any]:
        return {"week": self.week.code, "scope": self.scope, "agency_id": self.agency_id}

    def values(self, scheduled: datetime, now: datetime) -> dict[str, Any]:
        """The ``notifications`` columns of this row."""
        return {
            "key": self.key, "kind": KIND, "obligation_id": None, "stage": self.scope,
            "stage_order": 0, "escalation": False, "contact_id": self.contact_id,
            "channel": self.channel, "template": self.template, "stop_on": [],
            "scheduled_at": scheduled, "due_at": scheduled, "state": "pending", "attempts": 0,
            "payload": self.payload, "created_at": now, "updated_at": now,
        }  # fmt: skip


@dataclass(frozen=True)
class Prepared:
    """What one preparation put in the outbox."""

    week: IsoWeek
    rows: list[DigestRow]
    created: int

    def summary(self) -> str:
        agencies = {r.agency_id for r in self.rows if r.scope == "agency"}
        owners = {r.agency_id for r in self.rows if r.scope == "owner"}
        return (
            f"weekly digests of {self.week.code}: {self.created} to send "
            f"({len(agencies)} agencies, {len(owners)} plan owners)"
        )


def marker_name(week: IsoWeek) -> str:
    return f"{MARKER_PREFIX}{week.code}"


def digest_rows(session: Session, week: IsoWeek, as_of: date, zone: ZoneInfo) -> list[DigestRow]:
    """The digests of ``week`` that would be sent on ``as_of``: one per recipient and
    channel of every agency and plan owner with something to report."""
    agencies = sorted(agency_digests(session, week, as_of))
    owners = sorted(owner_digests(session, week, as_of, zone))
    contacts = coordinators(session, {*agencies, *owners})
    rows = []
    for scope, ids in (("agency", agencies), ("owner", owners)):
        for agency_id in ids:
            for contact_id, channel in contacts.get(agency_id, []):
                rows.append(DigestRow(week, scope, agency_id, contact_id, channel))
    return rows


def coordinators(session: Session, agency_ids: Collection[int]) -> dict[int, list[tuple[int, str]]]:
    """(contact id, channel) of each agency's active coordinators, by contact id: each
    channel the contact has an address on (``notifiers.registry.reachable``)."""
    found: dict[int, list[tuple[int, str]]] = {}
    for chunk in chunked(sorted(agency_ids), 1000):
        query = (
            select(Contact.agency_id, Contact.id)
            .where(Contact.agency_id.in_(chunk), Contact.active, Contact.role == "coordinator")
            .order_by(Contact.id)
        )
        rows = session.execute(query).all()
        addresses = addresses_of(session, (row.id for row in rows))
        for row in rows:
            reached = reachable(addresses.get(row.id, {}))
            found.setdefault(row.agency_id, []).extend((row.id, c) for c in reached)
    return found


def week_to_prepare(calendar: WorkCalendar, now: datetime) -> tuple[IsoWeek, datetime] | None:
    """The week whose digests are due at ``now`` and their send instant; None before the
    send instant, or in a week without a working day."""
    week = IsoWeek.of(calendar.local_date(now))
    instant = week.send_instant(calendar)
    if instant is None or now < instant:
        return None
    return week, instant


def prepare_digests(
    store: Store, settings: Settings, *, now: datetime, worker_id: str
) -> Prepared | None:
    """Put the current week's digests in the outbox, once per week (module docstring).

    Returns what it prepared, or None when there was nothing to do (not yet, already
    done, or a week without a working day).
    """
    calendar = WorkCalendar.from_settings(settings)
    due = week_to_prepare(calendar, now)
    if due is None:
        return None
    week, instant = due
    with store.session() as session:
        if session.get(WorkerLock, marker_name(week)) is not None:
            return None
        if not _take_marker(session, week, worker_id, now, week.end(calendar)):
            return None
        rows = digest_rows(session, week, calendar.local_date(now), calendar.zone)
        created = _insert(session, [r.values(instant, now) for r in rows])
    prepared = Prepared(week, rows, created)
    log.info("%s", prepared.summary())
    return prepared


def _take_marker(
    session: Session, week: IsoWeek, worker_id: str, now: datetime, expires: datetime
) -> bool:
    """Insert the week's marker; False if another worker has (or is inserting) it."""
    lock = table(WorkerLock)
    taken = session.execute(
        _insert_statement(session, lock)
        .values(name=marker_name(week), owner=worker_id, acquired_at=now, expires_at=expires)
        .on_conflict_do_nothing()
        .returning(lock.c.name)
    ).scalar_one_or_none()
    return taken is not None


def _insert(session: Session, values: list[dict[str, Any]]) -> int:
    """Insert outbox rows, leaving out any whose key exists; how many were inserted."""
    if not values:
        return 0
    notifications = table(Notification)
    existing: set[str] = set()
    for keys in chunked([v["key"] for v in values], 1000):
        query = select(notifications.c.key).where(notifications.c.key.in_(keys))
        existing.update(session.scalars(query))
    fresh = [v for v in values if v["key"] not in existing]
    statement = _insert_statement(session, notifications).on_conflict_do_nothing(
        index_elements=["key"]
    )
    for chunk in chunked(fresh, 500):
        session.execute(statement, list(chunk))
    return len(fresh)


def _insert_statement(session: Session, target: Any) -> Any:
    """``INSERT`` of the session's dialect, which has ``on_conflict_do_nothing``."""
    from sqlalchemy.dialects import postgresql, sqlite

    postgres = session.get_bind().dialect.name == "postgresql"
    return (postgresql if postgres else sqlite).insert(target)


# ---- what simulate lists --------------------------------------------------------------


def simulated_rows(
    session: Session, settings: Settings, start: datetime, end: datetime
) -> Iterator[tuple[OutboxRow, datetime]]:
    """The digest rows ticks from ``start`` to ``end`` would create, with the instant each
    would go out (the send instant, or ``start`` for a week already under way), for the
    weeks not prepared yet. Their ids are negative: they are not in the store."""
    calendar = WorkCalendar.from_settings(settings)
    ids = itertools.count(-1, -1)
    week = IsoWeek.of(calendar.local_date(start))
    while week.monday <= calendar.local_date(end):
        instant = week.send_instant(calendar)
        at = max(instant, start) if instant is not None else None
        prepared = session.get(WorkerLock, marker_name(week)) is not None
        if at is not None and at <= end and at < week.end(calendar) and not prepared:
            for row in digest_rows(session, week, calendar.local_date(at), calendar.zone):
                yield _outbox_row(next(ids), row, instant or at, at), at
        week = week.next


def _outbox_row(row_id: int, row: DigestRow, scheduled: datetime, due: datetime) -> OutboxRow:
    values = row.values(scheduled, due)
    values["due_at"] = due
    return OutboxRow(
        id=row_id, lease_owner=None,
        **{k: v for k, v in values.items() if k in OutboxRow.__dataclass_fields__},
    )  # fmt: skip
