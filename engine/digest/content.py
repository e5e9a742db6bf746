"""What a digest says: read from ``Obligation``, ``AuditEvent`` and ``ExtensionRequest``
rows on the digest's day (``as_of``), nothing stored of its own.

**Agency digest** (``agency_digests``): for one agency, grouped by plan (by plan key),

- ``overdue``: open or acknowledged, the current due date (``due_on``, moved by an
  approved extension) before ``as_of``; most days late first;
- ``due_soon``: open or acknowledged, due from ``as_of`` to ``as_of + 14 days``;
- ``in_progress``: acknowledged, not done, due later than that.

An agency with none of the three has nothing to report (no entry in the result).

**Owner digest** (``owner_digests``): for an agency that owns plans, one section per plan
with something to report (anything in the three lists above, for any agency, something
done last week, or an extension request waiting for a decision), each with

- ``scores``: the plan's scorecard per agency, exactly ``nhacviec status --plan P
  --as-of D`` (``engine.workflow.agenda.status_by_agency``: the status categories,
  against the original due dates) and its ``totals``;
- ``most_overdue``: the ten most overdue obligations (of ``overdue_count``);
- ``newly_overdue``: not done, and the current due date fell in the previous ISO week
  (they became overdue during it; with a Monday digest, "the previous 7 days");
- ``newly_done``: done (and still done) with ``done_at`` in the previous ISO week, with
  who recorded it and the note of that "done" event (often the report's number);
- ``pending_extensions``: ``ExtensionRequest`` rows in state ``pending`` for the plan's
  obligations, oldest first (``pending_extensions``; the place the extension requests
  feature fills, empty until requests exist).

Everything is judged on ``as_of`` with the statuses as they are now: run for a past day it
shows the past dates with today's statuses (``categorize`` already counts a "done" after
``as_of`` as not done).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, or_, select

from engine.categories import Scorecard
from engine.digest.weeks import IsoWeek
from engine.periods import normalise as fold
from engine.status import local_date
from engine.store.models import (
    Agency,
    AuditEvent,
    ExtensionRequest,
    Obligation,
    Plan,
    Task,
)
from engine.util import chunked

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from engine.workflow.agenda import AgencyScore

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
DUE_SOON_DAYS = 14
TOP_OVERDUE = 10
PENDING = ("open", "acknowledged")


@dataclass(frozen=True)
class PlanRef:
    id: int
    key: str
    number: str | None
    title: str

    @property
    def label(self) -> str:
        """The plan's number as printed ("266/KH-UBND"); a plan without one (a draft) by
        the start of its title, never by its key, which is nhacviec's and not the reader's."""
        if self.number:
            return self.number
        if len(self.title) <= 60:
            return self.title
        cut = self.title[:59]
        return cut[: cut.rfind(" ")] + "…" if " " in cut else cut + "…"


@dataclass(frozen=True)
class AgencyRef:
    id: int
    key: str
    name: str


@dataclass(frozen=True)
class Item:
    """One obligation as a digest lists it; ``days_late`` is ``as_of - due_on`` in days
    (negative while it is not due: ``days_left`` is its opposite)."""

    id: int
    plan_id: int
    agency_id: int
    agency: str
    title: str
    period: str
    role: str
    task_number: str | None
    due_on: date
    original_due_on: date
    status: str
    days_late: int

    @property
    def days_left(self) -> int:
        return -self.days_late

    @property
    def acknowledged(self) -> bool:
        return self.status == "acknowledged"

    @property
    def extended(self) -> bool:
        """Its due date was moved by an approved extension."""
        return self.due_on != self.original_due_on

    @property
    def headline(self) -> str:
        """The title, with the period unless the title already says it."""
        return self.title if self.period in self.title else f"{self.title} ({self.period})"


@dataclass
class AgencyPlanSection:
    plan: PlanRef
    overdue: list[Item] = field(default_factory=list)
    due_soon: list[Item] = field(default_factory=list)
    in_progress: list[Item] = field(default_factory=list)


@dataclass
class AgencyDigest:
    """One agency's digest (module docstring); ``horizon`` is the last day of "due soon"."""

    week: IsoWeek
    as_of: date
    agency: AgencyRef
    plans: list[AgencyPlanSection]

    @property
    def addressee(self) -> AgencyRef:
        """The agency whose coordinators receive it."""
        return self.agency

    @property
    def horizon(self) -> date:
        return self.as_of + timedelta(days=DUE_SOON_DAYS)

    @property
    def overdue(self) -> int:
        return sum(len(p.overdue) for p in self.plans)

    @property
    def due_soon(self) -> int:
        return sum(len(p.due_soon) for p in self.plans)

    @property
    def in_progress(self) -> int:
        return sum(len(p.in_progress) for p in self.plans)

    @property
    def empty(self) -> bool:
        return self.overdue + self.due_soon + self.in_progress == 0


@dataclass(frozen=True)
class DoneItem:
    """An obligation done during the previous week."""

    item: Item
    done_on: date
    late: bool
    by: str | None
    note: str | None


@dataclass(frozen=True)
class PendingExtension:
    """An extension request (xin gia hạn) waiting for the owner's decision."""

    id: int
    item: Item
    requested_by: str
    requested_via: str
    requested_on: date
    new_due_on: date
    reason: str


@dataclass
class OwnerPlanSection:
    """One plan of an owner digest (module docstring)."""

    plan: PlanRef
    scores: list[AgencyScore]
    overdue_count: int
    due_soon_count: int
    in_progress_count: int
    most_overdue: list[Item]
    newly_overdue: list[Item]
    newly_done: list[DoneItem]
    pending_extensions: list[PendingExtension]

    @property
    def totals(self) -> Scorecard:
        return sum((s.card for s in self.scores), Scorecard())

    @property
    def acknowledged(self) -> int:
        return sum(s.acknowledged for s in self.scores)


@dataclass
class OwnerDigest:
    """The digest of the agency that owns some plans: one section per plan to report on."""

    week: IsoWeek
    as_of: date
    owner: AgencyRef
    plans: list[OwnerPlanSection]

    @property
    def addressee(self) -> AgencyRef:
        """The agency whose coordinators receive it."""
        return self.owner

    @property
    def previous(self) -> IsoWeek:
        """The week "what changed" looks at."""
        return self.week.previous

    @property
    def horizon(self) -> date:
        return self.as_of + timedelta(days=DUE_SOON_DAYS)

    @property
    def overdue(self) -> int:
        return sum(p.overdue_count for p in self.plans)

    @property
    def newly_overdue(self) -> int:
        return sum(len(p.newly_overdue) for p in self.plans)

    @property
    def newly_done(self) -> int:
        return sum(len(p.newly_done) for p in self.plans)

    @property
    def pending_extensions(self) -> int:
        return sum(len(p.pending_extensions) for p in self.plans)

    @property
    def empty(self) -> bool:
        return not self.plans


Digest = AgencyDigest | OwnerDigest
"""What one digest message shows (``engine.messages.digest.render_digest``)."""


# ---- agency digests -------------------------------------------------------------------


def agency_digests(
    session: Session,
    week: IsoWeek,
    as_of: date,
    agency_ids: Collection[int] | None = None,
    *,
    pending: Sequence[Item] | None = None,
) -> dict[int, AgencyDigest]:
    """The digests of these agencies (every agency when None) that have something to
    report on ``as_of``, by agency id. ``pending``: what ``pending_items(session, as_of)``
    gives, when the caller has read it already (it is then not read again)."""
    horizon = as_of + timedelta(days=DUE_SOON_DAYS)
    if pending is None:
        items = pending_items(session, as_of, agency_ids=agency_ids)
    else:
        wanted = None if agency_ids is None else set(agency_ids)
        items = [i for i in pending if wanted is None or i.agency_id in wanted]
    plans = load_plans(session, {i.plan_id for i in items})
    by_agency: dict[int, dict[int, AgencyPlanSection]] = defaultdict(dict)
    names: dict[int, str] = {}
    for item in items:
        sections = by_agency[item.agency_id]
        section = sections.get(item.plan_id)
        if section is None:
            section = sections[item.plan_id] = AgencyPlanSection(plans[item.plan_id])
        names[item.agency_id] = item.agency
        if item.days_late > 0:
            section.overdue.append(item)
        elif item.due_on <= horizon:
            section.due_soon.append(item)
        else:
            section.in_progress.append(item)
    keys = load_agency_keys(session, by_agency.keys())
    digests = {}
    for aid, sections in by_agency.items():
        plans_of = sorted(sections.values(), key=lambda s: s.plan.key)
        digests[aid] = AgencyDigest(week, as_of, AgencyRef(aid, keys[aid], names[aid]), plans_of)
    return digests


def pending_items(
    session: Session,
    as_of: date,
    *,
    agency_ids: Collection[int] | None = None,
    plan_ids: Collection[int] | None = None,
) -> list[Item]:
    """Open or acknowledged obligations (not cancelled) due by ``as_of + 14 days``, and the
    acknowledged ones due later; by due date, agency name, id."""
    horizon = as_of + timedelta(days=DUE_SOON_DAYS)
    query = (
        select(Obligation.id, Obligation.plan_id, Obligation.agency_id, Agency.name,
               Obligation.title, Obligation.period_label, Obligation.role, Task.number,
               Obligation.due_on, Obligation.original_due_on, Obligation.status)
        .join(Agency, Agency.id == Obligation.agency_id)
        .outerjoin(Task, Task.id == Obligation.task_id)
        .where(
            Obligation.cancelled_at.is_(None),
            Obligation.tracked.is_(True),
            Obligation.status.in_(PENDING),
            or_(Obligation.due_on <= horizon, Obligation.status == "acknowledged"),
        )
        .order_by(Obligation.due_on, Agency.name, Obligation.id)
    )  # fmt: skip
    rows: list[Any] = []
    for q in _restricted(query, Obligation.agency_id, agency_ids):
        for q2 in _restricted(q, Obligation.plan_id, plan_ids):
            rows.extend(session.execute(q2))
    items = [_item(row, as_of) for row in rows]
    items.sort(key=lambda i: (i.due_on, fold(i.agency), i.id))
    return items


def _item(values: Sequence[Any], reference: date) -> Item:
    """An ``Item`` from the 11 columns ``pending_items`` selects, ``days_late`` counted
    from ``reference``."""
    v = values
    return Item(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
                days_late=(reference - v[8]).days)  # fmt: skip


def _restricted(query: Q, column: Any, ids: Collection[int] | None) -> Iterator[Q]:
    """``query`` as is (``ids`` None), or once per thousand ``ids`` with ``column IN``."""
    if ids is None:
        yield query
        return
    for chunk in chunked(sorted(set(ids)), 1000):
        yield query.where(column.in_(chunk))


def load_plans(session: Session, ids: Collection[int]) -> dict[int, PlanRef]:
    found: dict[int, PlanRef] = {}
    for chunk in chunked(sorted(set(ids)), 1000):
        query = select(Plan.id, Plan.key, Plan.number, Plan.title).where(Plan.id.in_(chunk))
        for row in session.execute(query):
            found[row.id] = PlanRef(row.id, row.key, row.number, row.title)
    return found


def load_agency_keys(session: Session, ids: Iterable[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in chunked(sorted(set(ids)), 1000):
        for aid, key in session.execute(select(Agency.id, Agency.key).where(Agency.id.in_(chunk))):
            found[aid] = key
    return found


# ---- owner digests --------------------------------------------------------------------


def owner_digests(
    session: Session,
    week: IsoWeek,
    as_of: date,
    zone: ZoneInfo,
    owner_ids: Collection[int] | None = None,
    *,
    pending: Sequence[Item] | None = None,
) -> dict[int, OwnerDigest]:
    """The digests of these plan owners (every owner when None) that have something to
    report on ``as_of``, by owner agency id. ``pending``: as for ``agency_digests``."""
    from engine.workflow.agenda import status_by_agency

    plans = owned_plans(session, owner_ids)
    if not plans:
        return {}
    plan_ids = list(plans)
    by_plan: dict[int, list[Item]] = defaultdict(list)
    if pending is None:
        pending = pending_items(session, as_of, plan_ids=plan_ids)
    for item in pending:
        if item.plan_id in plans:
            by_plan[item.plan_id].append(item)
    previous = week.previous
    start = datetime.combine(previous.monday, time(), tzinfo=zone)
    done = newly_done(session, plan_ids, start, start + timedelta(days=7), zone)
    extensions = pending_extensions(session, plan_ids, as_of, zone)
    digests: dict[int, OwnerDigest] = {}
    for plan_id, (plan, owner) in plans.items():
        items = by_plan[plan_id]
        overdue = sorted((i for i in items if i.days_late > 0), key=_most_late)
        horizon = as_of + timedelta(days=DUE_SOON_DAYS)
        soon = [i for i in items if i.days_late <= 0 and i.due_on <= horizon]
        section = OwnerPlanSection(
            plan=plan,
            scores=[],
            overdue_count=len(overdue),
            due_soon_count=len(soon),
            in_progress_count=len(items) - len(overdue) - len(soon),
            most_overdue=overdue[:TOP_OVERDUE],
            newly_overdue=[i for i in overdue if previous.contains(i.due_on)],
            newly_done=done.get(plan_id, []),
            pending_extensions=extensions.get(plan_id, []),
        )
        if not (items or section.newly_done or section.pending_extensions):
            continue
        section.scores = status_by_agency(session, as_of, zone, [plan_id])
        digest = digests.setdefault(owner.id, OwnerDigest(week, as_of, owner, []))
        digest.plans.append(section)
    return digests


def _most_late(item: Item) -> tuple[int, str, int]:
    return (-item.days_late, fold(item.agency), item.id)


def owned_plans(
    session: Session, owner_ids: Collection[int] | None
) -> dict[int, tuple[PlanRef, AgencyRef]]:
    """Plans that have an owner (of these owners), by plan key: plan id → (plan, owner)."""
    query = (
        select(Plan.id, Plan.key, Plan.number, Plan.title, Agency.id, Agency.key, Agency.name)
        .join(Agency, Agency.id == Plan.owner_agency_id)
        .order_by(Plan.key)
    )
    found: dict[int, tuple[PlanRef, AgencyRef]] = {}
    for q in _restricted(query, Plan.owner_agency_id, owner_ids):
        for pid, pkey, number, title, aid, akey, aname in session.execute(q):
            found[pid] = (PlanRef(pid, pkey, number, title), AgencyRef(aid, akey, aname))
    return dict(sorted(found.items(), key=lambda kv: kv[1][0].key))


def newly_done(
    session: Session, plan_ids: Sequence[int], start: datetime, end: datetime, zone: ZoneInfo
) -> dict[int, list[DoneItem]]:
    """Obligations of these plans done (and still done) with ``done_at`` in [start, end),
    by plan id, in the order they were done; ``by`` and ``note`` come from the latest
    "done" audit event of each."""
    query = (
        select(Obligation.id, Obligation.plan_id, Obligation.agency_id, Agency.name,
               Obligation.title, Obligation.period_label, Obligation.role, Task.number,
               Obligation.due_on, Obligation.original_due_on, Obligation.status,
               Obligation.done_at)
        .join(Agency, Agency.id == Obligation.agency_id)
        .outerjoin(Task, Task.id == Obligation.task_id)
        .where(
            Obligation.cancelled_at.is_(None),
            Obligation.tracked.is_(True),
            Obligation.status == "done",
            Obligation.done_at >= start,
            Obligation.done_at < end,
        )
        .order_by(Obligation.done_at, Obligation.id)
    )  # fmt: skip
    rows = [r for q in _restricted(query, Obligation.plan_id, plan_ids) for r in session.execute(q)]
    events = _done_events(session, [r[0] for r in rows])
    found: dict[int, list[DoneItem]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r[11], r[0])):
        done_on = local_date(row[11], zone)
        item = _item(row, done_on)
        by, note = events.get(item.id, (None, None))
        late = done_on > item.original_due_on
        found[item.plan_id].append(DoneItem(item, done_on, late, by, note))
    return found


def _done_events(session: Session, ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
    found: dict[int, tuple[str | None, str | None]] = {}
    for chunk in chunked(sorted(ids), 1000):
        query = (
            select(AuditEvent.obligation_id, AuditEvent.actor, AuditEvent.note)
            .where(AuditEvent.obligation_id.in_(chunk), AuditEvent.event == "done")
            .order_by(AuditEvent.at, AuditEvent.id)
        )
        for oid, actor, note in session.execute(query):
            if oid is not None:
                found[oid] = (actor, note or None)
    return found


def pending_extensions(
    session: Session, plan_ids: Sequence[int], as_of: date, zone: ZoneInfo
) -> dict[int, list[PendingExtension]]:
    """Extension requests waiting for a decision (``state == "pending"``) on obligations
    of these plans that still follow from them, by plan id, oldest request first.

    This is where the owner digest takes its "pending extensions" from: the extension
    requests feature stores the requests (``ExtensionRequest``), the digest only reads
    them; with no request stored the lists are empty.
    """
    query = (
        select(ExtensionRequest.id, ExtensionRequest.requested_by,
               ExtensionRequest.requested_via, ExtensionRequest.requested_at,
               ExtensionRequest.new_due_on, ExtensionRequest.reason,
               Obligation.id, Obligation.plan_id, Obligation.agency_id, Agency.name,
               Obligation.title, Obligation.period_label, Obligation.role, Task.number,
               Obligation.due_on, Obligation.original_due_on, Obligation.status)
        .join(Obligation, Obligation.id == ExtensionRequest.obligation_id)
        .join(Agency, Agency.id == Obligation.agency_id)
        .outerjoin(Task, Task.id == Obligation.task_id)
        .where(ExtensionRequest.state == "pending", Obligation.cancelled_at.is_(None),
               Obligation.tracked.is_(True))
        .order_by(ExtensionRequest.requested_at, ExtensionRequest.id)
    )  # fmt: skip
    found: dict[int, list[PendingExtension]] = defaultdict(list)
    for q in _restricted(query, Obligation.plan_id, plan_ids):
        for row in session.execute(q):
            item = _item(row[6:], as_of)
            asked = local_date(row[3], zone)
            found[item.plan_id].append(
                PendingExtension(row[0], item, row[1], row[2], asked, row[4], row[5])
            )
    return found
