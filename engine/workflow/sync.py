"""``nhacviec sync``: store what generation says, in one transaction, idempotently.

Obligations are matched by key. A new key is inserted (audit event "created"); a key
whose ``spec_hash`` changed is updated in place (event "updated" listing what changed);
a stored obligation that no longer follows from the plans and workflows gets
``cancelled_at`` (event "cancelled") and is kept; one that follows again is reinstated
(event "reinstated"). Status and history are never touched. A new obligation due before
its plan's tracking start (``Plan.track_from``, ``engine.tracking``) is stored not
tracked; an existing one keeps what it is (``set_track_from`` and ``track`` change it).
A due date moved by an approved extension stays moved: only ``original_due_on`` follows
the plan (``due_on`` too, if the plan's new date is later than the extension).

Notifications (the outbox) are matched by (obligation, stage, contact, channel):

- a new one is inserted ``pending``; ``cancelled`` if its ``stop_on`` already holds for
  the obligation's status, or the obligation is not tracked; ``skipped`` if its instant
  is more than the workflow's ``catch_up_days`` in the past (so loading an old plan sends
  no stale reminders);
- a ``pending`` one whose instant, template, stop condition or stage changed is updated
  (``scheduled_at`` and ``due_at`` both set to the new instant);
- a ``pending`` one that no longer follows (obligation cancelled, stage removed, contact
  gone or without that address) is ``cancelled``;
- one this module cancelled or skipped earlier, and that follows again with an instant
  still ahead, is ``pending`` again (a reopened obligation, a reinstated one, a window
  moved into the future);
- anything ``sending``, ``sent`` or ``failed``, or cancelled or skipped by delivery or the
  status machine for its own reasons, is left alone.

Each row carries ``payload = {"when": opens|before|on_due|after, "ack": bool}``
for the templates (``stage.when``; whether to include the acknowledgement link), and
``"letter": true`` when its stage attaches a formal reminder letter: the stage's
``StageOptions`` as ``engine.workflow.options`` writes them.

An approved extension reschedules one obligation's rows with ``reschedule`` (the same
generation and reconciliation, for the obligations given), in the caller's transaction;
so do an acknowledgement (the stages timed from it, generated from each acknowledged
obligation's local acknowledgement day, here as in sync) and ``track``.

Only what may have changed is looked at again. An obligation's ``spec_hash`` covers its
own fields and everything its reminders depend on (the rule's stages, the contacts of its
agency and of the plan's owner, the working-day calendar, a due date moved by an
extension). Notifications are regenerated and compared only for obligations that are new,
changed, reinstated or cancelled in this run, or whose status was reopened while some of
their reminders stay cancelled; the others' rows are already what generation would write.
Nothing is read row by row: existing rows are loaded in one query (per chunk of ids), and
inserts and updates go out as bulk statements.
"""

from __future__ import annotations

import gc
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Insert, Table, case, func, insert, literal, select, update

from engine.agencies import AgencyMatcher, Directory
from engine.errors import InputError
from engine.i18n import N_, _
from engine.plans.model import PlanFile
from engine.status import UNTRACKED, reminder_status, stops
from engine.store.addresses import addresses_of
from engine.store.fast import FastInsert
from engine.store.models import Agency, AuditEvent, Contact, Notification, Obligation, Plan, Task
from engine.tracking import tracked_by_start
from engine.workflow.generate import (
    AgencyBook,
    AgencyRef,
    ContactRef,
    Matcher,
    NotificationSpec,
    ObligationSpec,
    ScheduleSignatures,
    contact_warnings,
    generate_obligations,
    schedule,
)
from notifiers.registry import reachable

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.store.db import Store
    from engine.workflow.calendar import WorkCalendar
    from engine.workflow.schema import Workflow

NO_LONGER_FOLLOWS = "no longer follows from the plans and workflows"
CAUGHT_UP = "catch-up: its time had passed when sync created it"
STOPPED = "stopped: obligation "
_CHUNK = 5000
_SCHEDULE_CHUNK = 2000  # obligations whose reminders are made and written together
_ID_CHUNK = 900  # obligation ids per IN (...) list


@dataclass(frozen=True, slots=True)
class Change:
    """One obligation that sync added, changed, cancelled or reinstated."""

    key: str
    agency: str
    title: str
    period: str
    due_on: date
    changes: Mapping[str, tuple[str, str]] = field(default_factory=lambda: _NO_CHANGES)

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key, "agency": self.agency, "title": self.title, "period": self.period,
            "due": self.due_on.isoformat(),
            "changes": {name: list(pair) for name, pair in self.changes.items()},
        }  # fmt: skip

    def describe(self) -> str:
        text = _("{agency}: {title} ({period}), due {due}").format(
            agency=self.agency, title=self.title, period=self.period, due=f"{self.due_on:%d/%m/%Y}"
        )
        if self.changes:
            text += " — " + "; ".join(
                f"{_(CHANGED.get(k, k))} {_dmy(a)} → {_dmy(b)}"
                for k, (a, b) in self.changes.items()
            )
        return text


# One empty ``Change.changes`` for all (a first sync reports every obligation it adds).
_NO_CHANGES: Mapping[str, tuple[str, str]] = MappingProxyType({})

# What ``Change.changes`` names, as ``describe`` says it.
CHANGED = {
    "title": N_("title"),
    "period": N_("period"),
    "opens_on": N_("opens"),
    "due_on": N_("due"),
    "original_due_on": N_("due by the plan"),
}


def _dmy(value: str) -> str:
    """An ISO date of ``Change.changes`` as users read it; anything else as it is."""
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:]}/{value[5:7]}/{value[:4]}"
    return value


@dataclass
class SyncReport:
    """What one sync did. ``changed_anything`` is False on a second run."""

    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    cancelled: list[Change] = field(default_factory=list)
    reinstated: list[Change] = field(default_factory=list)
    unchanged: int = 0
    notifications_added: int = 0
    notifications_updated: int = 0
    notifications_cancelled: int = 0
    notifications_restored: int = 0
    notifications_skipped: int = 0
    agencies_added: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The documented JSON of ``nhacviec sync --json``."""
        return {
            "obligations": {
                "added": [c.as_json() for c in self.added],
                "changed": [c.as_json() for c in self.changed],
                "cancelled": [c.as_json() for c in self.cancelled],
                "reinstated": [c.as_json() for c in self.reinstated],
                "unchanged": self.unchanged,
            },
            "reminders": {
                "added": self.notifications_added,
                "skipped": self.notifications_skipped,
                "rescheduled": self.notifications_updated,
                "cancelled": self.notifications_cancelled,
                "restored": self.notifications_restored,
            },
            "agencies_added": list(self.agencies_added),
            "warnings": list(self.warnings),
        }

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.added or self.changed or self.cancelled or self.reinstated
            or self.notifications_added or self.notifications_updated
            or self.notifications_cancelled or self.notifications_restored
            or self.agencies_added
        )  # fmt: skip


def run_sync(
    store: Store, settings: Settings, *, now: datetime, progress: bool = False
) -> SyncReport:
    """Load workflows, the directory and the stored plans; generate; store the result.

    Raises ``InputErrors`` (nothing written) if a workflow or the directory is invalid.
    """
    from engine.agencies import load_directory
    from engine.plans.load import sync_directory
    from engine.workflow.calendar import WorkCalendar
    from engine.workflow.schema import load_workflows

    workflows = load_workflows(settings.paths.workflows)
    calendar = WorkCalendar.from_settings(settings)
    directory = load_directory(settings.paths.agencies)
    with _collector_paused(), store.session() as session:
        sync_directory(session, directory, now)
        return sync_session(
            session,
            workflows,
            calendar,
            now=now,
            progress=progress,
            matcher=directory_matcher(directory),
        )


def directory_matcher(directory: Directory) -> Matcher:
    """The directory's own name matching (abbreviations, jurisdictions) as name → key."""
    matcher = AgencyMatcher(directory)
    known: dict[tuple[str, str | None], str | None] = {}  # plans name the same few often

    def match(name: str, jurisdiction: str | None) -> str | None:
        try:
            return known[name, jurisdiction]
        except KeyError:
            entry = matcher.match(name, jurisdiction)
            key = known[name, jurisdiction] = entry.key if entry is not None else None
            return key

    return match


def sync_session(
    session: Session,
    workflows: Sequence[Workflow],
    calendar: WorkCalendar,
    *,
    now: datetime,
    progress: bool = False,
    matcher: Matcher | None = None,
) -> SyncReport:
    """Generate from the plans and agencies in ``session`` and store the result there."""
    report = SyncReport()
    with _collector_paused(), _progress(progress) as bar:
        plans, plan_ids, task_ids = load_plans(session)
        book, agency_ids, contact_ids = load_book(session, matcher)
        existing = _existing_obligations(session)
        overrides = {
            row.key: row.due_on
            for row in existing.values()
            if row.due_on != row.original_due_on and row.cancelled_at is None
        }
        acked = acknowledged_days(existing.values(), calendar)
        obligations = generate_obligations(plans, workflows, book, calendar)
        report.warnings.extend(contact_warnings(obligations, book))
        report.agencies_added = _add_agencies(session, obligations, book, agency_ids)
        signatures = ScheduleSignatures(book, calendar)

        def spec_hash(o: ObligationSpec) -> str:
            return o.spec_hash(signatures.of(o, overrides.get(o.key, o.due_on), acked.get(o.key)))

        # Obligations with reminders to look at again, read before anything is written
        # (sync changes neither the status nor the tracking of a stored obligation).
        reopened = _reopened(session, now)
        writer = _ObligationWriter(session, now, plan_ids, task_ids, agency_ids, report, bar)
        starts = session.execute(select(Plan.key, Plan.track_from))
        writer.track_from = {key: day for key, day in starts}
        written = writer.write(obligations, existing, spec_hash, reopened)
        del obligations, existing  # what is left to do is in ``written.dirty``
        # A chunk of obligations at a time: the new ones are inserted, and the chunk's
        # reminders made, reconciled and written, before the next chunk is taken; then
        # the chunk's specs and ids are let go (a first sync never holds them all). One
        # bar counts the obligations done.
        dirty = written.dirty
        quiet = _Bar(False)
        writer.bar = quiet
        notes_writer = _NotificationWriter(session, now, report, quiet)
        bar.start("Thêm nghĩa vụ và lịch nhắc", len(dirty))
        while dirty:
            chunk = [dirty.popleft() for _ in range(min(_SCHEDULE_CHUNK, len(dirty)))]
            writer.insert(chunk, spec_hash, written)
            notes = schedule(chunk, book, calendar, overrides, acked)
            ids = {written.ids[o.key] for o in chunk}
            catch_up = {o.key: o.catch_up_days for o in chunk}
            notes_writer.write(notes, written, ids, contact_ids, catch_up)
            del notes
            for o in chunk:
                written.statuses.pop(written.ids.pop(o.key), None)
            bar.advance(len(chunk))
            del chunk
        notes_writer.bar = bar
        if written.cancelled:
            notes_writer.write([], written, written.cancelled, contact_ids, {})
    return report


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a sync runs. A first sync keeps some
    hundred thousand objects alive as it goes (the obligations, their reports, the ids),
    and every full collection walks them all again: 15% of a 100,000-obligation sync went
    to collections that found nothing to free. What a sync makes is freed by reference
    counting; the collector runs again once it is over."""
    if not gc.isenabled():  # paused already (a sync inside a sync's caller)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def acknowledged_days(rows: Iterable[Any], calendar: WorkCalendar) -> dict[str, date]:
    """The local acknowledgement day of each acknowledged obligation, by key (for the
    stages timed from it); ``rows`` have ``key``, ``status``, ``acknowledged_at``."""
    return {
        row.key: calendar.local_date(row.acknowledged_at)
        for row in rows
        if row.status == "acknowledged" and row.acknowledged_at is not None
    }


def _reopened(session: Session, now: datetime) -> set[int]:
    """Obligations with reminders still ahead that were cancelled for a status they left
    (or for not being tracked, once tracked)."""
    current = case((Obligation.tracked.is_(True), Obligation.status), else_=literal(UNTRACKED))
    stopped_for_current = literal(STOPPED) + current
    rows = session.execute(
        select(Notification.obligation_id)
        .join(Obligation, Obligation.id == Notification.obligation_id)
        .where(
            Notification.state == "cancelled",
            Notification.last_error.like(STOPPED + "%"),
            Notification.last_error != stopped_for_current,
            Notification.scheduled_at >= now,
        )
        .distinct()
    )
    return {oid for (oid,) in rows if oid is not None}


def reschedule(
    session: Session,
    obligation_ids: Iterable[int],
    workflows: Sequence[Workflow],
    calendar: WorkCalendar,
    *,
    now: datetime,
) -> SyncReport:
    """Regenerate and reconcile the reminders of these obligations only, as sync would.

    Each obligation is taken as stored (its dates, agency, plan owner, and ``due_on`` moved
    by an extension) with the rule of its workflow; its rows are reconciled by the same
    rules as sync (see the module docstring), in the caller's transaction, and its
    ``spec_hash`` is brought up to date so the next sync has nothing left to do. An
    obligation cancelled by sync, or whose workflow rule no longer exists, is left to the
    next sync. Used when an extension is approved.
    """
    from sqlalchemy.orm import aliased

    report = SyncReport()
    book, _, contact_ids = load_book(session)
    signatures = ScheduleSignatures(book, calendar)
    rules = {(w.name, r.name): (w, r) for w in workflows for r in w.rules}
    owner = aliased(Agency)
    rows = session.execute(
        select(Obligation, Plan.key, Task.key, Agency.key, Agency.name, owner.key)
        .join(Plan, Plan.id == Obligation.plan_id)
        .join(Agency, Agency.id == Obligation.agency_id)
        .outerjoin(Task, Task.id == Obligation.task_id)
        .outerjoin(owner, owner.id == Plan.owner_agency_id)
        .where(Obligation.id.in_(sorted(set(obligation_ids))))
    )
    specs: list[ObligationSpec] = []
    written, overrides, catch_up = _Written(), {}, {}
    acked: dict[str, date] = {}
    for ob, plan_key, task_key, agency_key, agency_name, owner_key in rows:
        found = rules.get((ob.workflow, ob.rule))
        if found is None or ob.cancelled_at is not None:
            continue
        workflow, rule = found
        spec = ObligationSpec(
            key=ob.key, workflow=ob.workflow, rule=ob.rule, plan=plan_key, task=task_key,
            duty=ob.duty, agency=agency_key, agency_name=agency_name, role=ob.role,
            title=ob.title, period_label=ob.period_label, opens_on=ob.opens_on,
            due_on=ob.original_due_on, owner=owner_key, stages_of=rule,
            catch_up_days=workflow.catch_up_days,
        )  # fmt: skip
        specs.append(spec)
        if ob.due_on != ob.original_due_on:
            overrides[ob.key] = ob.due_on
        acked.update(acknowledged_days([ob], calendar))
        ob.spec_hash = spec.spec_hash(signatures.of(spec, ob.due_on, acked.get(ob.key)))
        written.ids[ob.key] = ob.id
        written.statuses[ob.id] = reminder_status(ob.status, ob.tracked)
        catch_up[ob.key] = workflow.catch_up_days
    session.flush()
    notes = schedule(specs, book, calendar, overrides, acked)
    writer = _NotificationWriter(session, now, report, _Bar(False))
    writer.write(notes, written, set(written.statuses), contact_ids, catch_up)
    return report


# ---------------------------------------------------------------------------------------
# Reading what the store holds


def load_plans(
    session: Session,
) -> tuple[Iterator[PlanFile], dict[str, int], dict[tuple[int, str], int]]:
    """Every stored plan as a ``PlanFile`` (read and checked one at a time, as the
    iterator is consumed: a large plan file takes a good deal of memory), plan ids by
    key, task ids by (plan id, key)."""
    plan_ids = {key: plan_id for plan_id, key in session.execute(select(Plan.id, Plan.key))}
    tasks = session.execute(select(Task.id, Task.plan_id, Task.key).where(Task.active))
    task_ids = {(plan_id, key): task_id for task_id, plan_id, key in tasks}
    return _plan_files(session, sorted(plan_ids)), plan_ids, task_ids


def _plan_files(session: Session, keys: list[str]) -> Iterator[PlanFile]:
    from pydantic import ValidationError

    for key in keys:
        data = session.execute(select(Plan.data).where(Plan.key == key)).scalar_one()
        try:
            plan = PlanFile.model_validate(data)
        except ValidationError as exc:
            raise InputError(
                _(
                    "plan '{key}' in the database is not a valid plan file ({value} "
                    "problems); load it again with `nhacviec plan load`"
                ).format(key=key, value=exc.error_count())
            ) from exc
        del data
        yield plan


def load_book(
    session: Session, matcher: Matcher | None = None
) -> tuple[AgencyBook, dict[str, int], dict[str, int]]:
    """Agencies and their active contacts as stored (Telegram chats are linked there)."""
    contacts: dict[int, list[ContactRef]] = {}
    contact_ids: dict[str, int] = {}
    addresses = addresses_of(session, active=True)
    for contact_id, key, agency_id, role in session.execute(
        select(Contact.id, Contact.key, Contact.agency_id, Contact.role)
        .where(Contact.active)
        .order_by(Contact.id)
    ):
        reached = reachable(addresses.get(contact_id, {}))
        contacts.setdefault(agency_id, []).append(ContactRef(key, role, frozenset(reached)))
        contact_ids[key] = contact_id
    agencies, aliases, agency_ids = [], {}, {}
    for row in session.execute(
        select(Agency.id, Agency.key, Agency.name, Agency.jurisdiction, Agency.aliases,
               Agency.in_directory).order_by(Agency.id)
    ):  # fmt: skip
        agency_ids[row.key] = row.id
        agencies.append(
            AgencyRef(row.key, row.name, tuple(contacts.get(row.id, ())), row.jurisdiction,
                      row.in_directory)
        )  # fmt: skip
        aliases.update({alias: row.key for alias in row.aliases or ()})
    return AgencyBook(agencies, aliases, matcher), agency_ids, contact_ids


@dataclass(frozen=True)
class _Stored:
    id: int
    key: str
    spec_hash: str
    status: str
    cancelled_at: datetime | None
    title: str
    period_label: str
    opens_on: date | None
    due_on: date
    original_due_on: date
    agency_id: int
    tracked: bool = True
    acknowledged_at: datetime | None = None


def _existing_obligations(session: Session) -> dict[str, _Stored]:
    rows = session.connection().execute(
        select(Obligation.id, Obligation.key, Obligation.spec_hash, Obligation.status,
               Obligation.cancelled_at, Obligation.title, Obligation.period_label,
               Obligation.opens_on, Obligation.due_on, Obligation.original_due_on,
               Obligation.agency_id, Obligation.tracked, Obligation.acknowledged_at)
    )  # fmt: skip
    return {row.key: _Stored(*row) for row in rows}


def _add_agencies(
    session: Session,
    obligations: Sequence[ObligationSpec],
    book: AgencyBook,
    agency_ids: dict[str, int],
) -> list[str]:
    """Agencies named in plans but neither in the directory nor stored yet."""
    missing = sorted({o.agency for o in obligations} - agency_ids.keys())
    if not missing:
        return []
    from engine.plans.load import shortened

    rows = [
        {"key": key, "name": shortened(book.by_key[key].name), "aliases": [],
         "in_directory": False}
        for key in missing
    ]  # fmt: skip
    result = session.execute(insert(Agency).returning(Agency.id, Agency.key), rows)
    agency_ids.update({key: aid for aid, key in result})
    return [book.by_key[key].name for key in missing]


# ---------------------------------------------------------------------------------------
# Writing obligations


@dataclass
class _Written:
    """Obligation ids by key, statuses by id as reminders see them (``reminder_status``;
    None: cancelled), and what to look at again: the obligations whose reminders are
    made and reconciled (new, changed, reinstated, or reopened), in generation order."""

    ids: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, str | None] = field(default_factory=dict)
    dirty: deque[ObligationSpec] = field(default_factory=deque)
    cancelled: set[int] = field(default_factory=set)
    inserted_after: int | None = None  # ids above this were inserted by this run


@dataclass
class _ObligationWriter:
    session: Session
    now: datetime
    plan_ids: dict[str, int]
    task_ids: dict[tuple[int, str], int]
    agency_ids: dict[str, int]
    report: SyncReport
    bar: _Bar
    _names: dict[int, str] | None = None
    track_from: dict[str, date | None] = field(default_factory=dict)  # by plan key

    def write(
        self,
        specs: Sequence[ObligationSpec],
        existing: dict[str, _Stored],
        spec_hash: Callable[[ObligationSpec], str],
        reopened: set[int],
    ) -> _Written:
        """Update and cancel obligations (see the module docstring) and queue what is
        left to do in ``out.dirty``, the new ones among them (``insert`` writes those).
        ``existing`` is emptied of what ``specs`` name; ``spec_hash`` is each one's
        hash."""
        out = _Written()
        updates, events = [], []
        new_specs: list[ObligationSpec] = []
        remaining = existing
        for spec in specs:
            stored = remaining.pop(spec.key, None)
            if stored is None:
                new_specs.append(spec)
                out.dirty.append(spec)
                continue
            out.ids[spec.key] = stored.id
            out.statuses[stored.id] = reminder_status(stored.status, stored.tracked)
            new_hash = spec_hash(spec)
            if new_hash == stored.spec_hash and stored.cancelled_at is None:
                self.report.unchanged += 1
                if stored.id in reopened:
                    out.dirty.append(spec)
                continue
            out.dirty.append(spec)
            row, event = self._update(spec, stored, new_hash)
            updates.append(row)
            if event is not None:
                events.append(event)
        for stored in remaining.values():
            out.statuses[stored.id] = None
            if stored.cancelled_at is None:
                out.cancelled.add(stored.id)
                updates.append({"id": stored.id, "cancelled_at": self.now, "updated_at": self.now})
                events.append(self._event(stored.id, "cancelled", {"reason": NO_LONGER_FOLLOWS}))
                self.report.cancelled.append(self._stored_change(stored))
        remaining.clear()
        self._bulk(update(Obligation), updates, "Cập nhật nghĩa vụ")
        self._events(events, [], out)
        return out

    def insert(
        self,
        specs: Sequence[ObligationSpec],
        spec_hash: Callable[[ObligationSpec], str],
        out: _Written,
    ) -> None:
        """Insert those of ``specs`` that ``write`` found new (no id yet), then their
        "created" events: after the events of the updates and cancellations, in order."""
        new_specs = [spec for spec in specs if spec.key not in out.ids]
        self._insert(new_specs, spec_hash, out)
        self._events([], new_specs, out)

    def _values(self, spec: ObligationSpec, spec_hash: str) -> dict[str, Any]:
        plan_id = self.plan_ids[spec.plan]
        return {
            "key": spec.key, "workflow": spec.workflow, "rule": spec.rule, "plan_id": plan_id,
            "task_id": self.task_ids.get((plan_id, spec.task)) if spec.task else None,
            "duty": spec.duty, "agency_id": self.agency_ids[spec.agency], "role": spec.role,
            "title": spec.title, "period_label": spec.period_label, "opens_on": spec.opens_on,
            "due_on": spec.due_on, "original_due_on": spec.due_on, "status": "open",
            "spec_hash": spec_hash, "created_at": self.now, "updated_at": self.now,
            "tracked": tracked_by_start(spec.due_on, self.track_from.get(spec.plan)),
        }  # fmt: skip

    def _insert(
        self,
        specs: list[ObligationSpec],
        spec_hash: Callable[[ObligationSpec], str],
        out: _Written,
    ) -> None:
        """Insert the new obligations through the driver's fast path; their ids are read
        back (they are the rows after the largest id before: sync writes in one
        transaction, and on SQLite alone)."""
        if not specs:
            return
        table: Table = Obligation.__table__  # type: ignore[assignment]
        connection = self.session.connection()
        before = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        if out.inserted_after is None:
            out.inserted_after = before
        columns = list(self._values(specs[0], ""))
        at = columns.index("tracked")
        untracked: set[str] = set()

        def rows() -> Iterator[tuple[Any, ...]]:
            for spec in specs:
                values = self._values(spec, spec_hash(spec))
                row = tuple(values[c] for c in columns)
                if not row[at]:
                    untracked.add(spec.key)
                yield row

        FastInsert(connection, table, columns).write(rows())
        self.bar.advance(len(specs))
        query = select(table.c.id, table.c.key).where(table.c.id > before).order_by(table.c.id)
        read = connection.execute(query).all()
        if [key for _, key in read] != [spec.key for spec in specs]:  # not in insertion order
            by_key = {key: oid for oid, key in read}
            missing = [spec.key for spec in specs if spec.key not in by_key]
            assert not missing, f"inserted obligations not found again: {missing[:3]}"
            read = [(by_key[spec.key], spec.key) for spec in specs]  # type: ignore[misc]
        untracked_status = reminder_status("open", False)
        for spec, (oid, _key) in zip(specs, read, strict=True):
            out.ids[spec.key] = oid  # the spec's own key kept, not the copy read back
            if spec.key in untracked:  # "open" is what a missing status means
                out.statuses[oid] = untracked_status
            self.report.added.append(_change(spec))

    def _events(
        self, events: list[dict[str, Any]], created: list[ObligationSpec], out: _Written
    ) -> None:
        """The audit events: those of updates and cancellations, then one "created" per
        new obligation (in that order, as their ids always were)."""
        table: Table = AuditEvent.__table__  # type: ignore[assignment]
        columns = ["obligation_id", "at", "event", "actor", "channel", "note", "data"]
        rows: Iterator[tuple[Any, ...]] = itertools.chain(
            (tuple(e[c] for c in columns) for e in events),
            (
                (out.ids[spec.key], self.now, "created", "sync", "system", None,
                 {"due_on": spec.due_on.isoformat()})
                for spec in created
            ),
        )  # fmt: skip
        if events or created:
            self.bar.start("Ghi lịch sử", len(events) + len(created))
            written = FastInsert(self.session.connection(), table, columns).write(rows)
            self.bar.advance(written)

    def _update(
        self, spec: ObligationSpec, stored: _Stored, spec_hash: str
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The row's new values, and the audit event if a user would see a difference."""
        values = self._values(spec, spec_hash)
        for unchanged in ("key", "status", "created_at", "tracked"):
            del values[unchanged]
        extended = stored.due_on != stored.original_due_on
        values["due_on"] = max(stored.due_on, spec.due_on) if extended else spec.due_on
        values["id"] = stored.id
        values["cancelled_at"] = None
        changes = _differences(stored, spec, values["due_on"])
        if stored.cancelled_at is not None:
            self.report.reinstated.append(_change(spec, changes))
            return values, self._event(stored.id, "reinstated", _as_data(changes))
        if not changes:  # only what the reminders depend on changed
            self.report.unchanged += 1
            del values["updated_at"]
            return values, None
        self.report.changed.append(_change(spec, changes))
        return values, self._event(stored.id, "updated", _as_data(changes))

    def _event(self, obligation_id: int, event: str, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "obligation_id": obligation_id, "at": self.now, "event": event, "actor": "sync",
            "channel": "system", "note": None, "data": data,
        }  # fmt: skip

    def _stored_change(self, stored: _Stored) -> Change:
        if self._names is None:
            rows = self.session.execute(select(Agency.id, Agency.name))
            self._names = {aid: name for aid, name in rows}
        agency = self._names.get(stored.agency_id, "?")
        return Change(stored.key, agency, stored.title, stored.period_label, stored.due_on)

    def _bulk(self, statement: Any, rows: list[dict[str, Any]], label: str) -> None:
        if not rows:
            return
        self.bar.start(label, len(rows))
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            _execute(self.session, statement, chunk)
            self.bar.advance(len(chunk))


def _core_insert(model: type[Any]) -> Insert:
    """A Core INSERT of the model's table: one executemany per chunk, no ORM bookkeeping."""
    table: Table = model.__table__
    return table.insert()


def _execute(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Core inserts on the session's connection; ORM bulk updates (by primary key) on it."""
    if isinstance(statement, Insert):
        session.connection().execute(statement, rows)
    else:
        session.execute(statement, rows)


def _change(spec: ObligationSpec, changes: Mapping[str, tuple[str, str]] | None = None) -> Change:
    return Change(
        spec.key,
        spec.agency_name,
        spec.title,
        spec.period_label,
        spec.due_on,
        changes or _NO_CHANGES,
    )


def _differences(stored: _Stored, spec: ObligationSpec, due_on: date) -> dict[str, tuple[str, str]]:
    pairs = {
        "title": (stored.title, spec.title),
        "period": (stored.period_label, spec.period_label),
        "opens_on": (_iso(stored.opens_on), _iso(spec.opens_on)),
        "due_on": (_iso(stored.due_on), _iso(due_on)),
        "original_due_on": (_iso(stored.original_due_on), _iso(spec.due_on)),
    }
    return {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}


def _as_data(changes: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    return {"changes": {name: {"from": a, "to": b} for name, (a, b) in changes.items()}}


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "—"


# ---------------------------------------------------------------------------------------
# Writing notifications


@dataclass(frozen=True)
class _StoredNote:
    id: int
    state: str
    scheduled_at: datetime
    template: str
    stop_on: list[str]
    stage_order: int
    escalation: bool
    payload: dict[str, Any] | None
    last_error: str | None


_NoteKey = tuple[int, str, int, str]


_NOTE_COLUMNS = (
    "key", "kind", "obligation_id", "stage", "stage_order", "escalation", "contact_id",
    "channel", "template", "stop_on", "scheduled_at", "due_at", "state", "attempts",
    "last_error", "payload", "created_at", "updated_at",
)  # fmt: skip


@dataclass
class _NotificationWriter:
    session: Session
    now: datetime
    report: SyncReport
    bar: _Bar
    _payloads: dict[tuple[Any, ...], dict[str, object]] = field(default_factory=dict)
    _catch_up: dict[int, datetime] = field(default_factory=dict)
    _label: str | None = None

    def write(
        self,
        notes: Sequence[NotificationSpec],
        written: _Written,
        touched: set[int],
        contact_ids: Mapping[str, int],
        catch_up: Mapping[str, int],
    ) -> None:
        """Reconcile the rows of the ``touched`` obligations with ``notes``."""
        after = written.inserted_after
        # An obligation inserted by this run has no reminders stored yet: none to read.
        existing = self._existing(
            touched if after is None else {oid for oid in touched if oid <= after}
        )
        inserts: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        for spec in notes:
            ob_id = written.ids[spec.obligation]
            status = written.statuses.get(ob_id) or "open"
            key = (ob_id, spec.stage, contact_ids[spec.contact], spec.channel)
            stored = existing.pop(key, None)
            if stored is None:
                inserts.append(self._new(key, spec, status, catch_up[spec.obligation]))
            else:
                row = self._refresh(stored, spec, status)
                if row is not None:
                    updates.append(row)
        for stored in existing.values():
            if stored.state == "pending":
                updates.append(self._cancel(stored.id, NO_LONGER_FOLLOWS))
        self.report.notifications_added += len(inserts)
        if inserts:
            self._start("Thêm lịch nhắc")
            table: Table = Notification.__table__  # type: ignore[assignment]
            FastInsert(self.session.connection(), table, _NOTE_COLUMNS).write(inserts)
            self.bar.advance(len(inserts))
        self._bulk(update(Notification), updates, "Cập nhật lịch nhắc")

    def _existing(self, obligation_ids: set[int]) -> dict[_NoteKey, _StoredNote]:
        """The stored rows of these obligations, by (obligation, stage, contact, channel)."""
        columns = (
            Notification.obligation_id, Notification.stage, Notification.contact_id,
            Notification.channel, Notification.id, Notification.state, Notification.scheduled_at,
            Notification.template, Notification.stop_on, Notification.stage_order,
            Notification.escalation, Notification.payload, Notification.last_error,
        )  # fmt: skip
        found: dict[_NoteKey, _StoredNote] = {}
        ids = sorted(obligation_ids)
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start : start + _ID_CHUNK]
            query = select(*columns).where(
                Notification.kind == "obligation", Notification.obligation_id.in_(chunk)
            )
            for r in self.session.connection().execute(query):
                found[(r.obligation_id, r.stage, r.contact_id, r.channel)] = _StoredNote(
                    r.id, r.state, r.scheduled_at, r.template, r.stop_on, r.stage_order,
                    r.escalation, r.payload, r.last_error,
                )  # fmt: skip
        return found

    def _new(
        self, key: _NoteKey, spec: NotificationSpec, status: str, catch_up: int
    ) -> tuple[Any, ...]:
        """A new row's values, in ``_NOTE_COLUMNS`` order."""
        state, reason = "pending", None
        if stops(status, spec.stop_on):
            state, reason = "cancelled", STOPPED + status
        elif spec.scheduled_at < self._caught_up_before(catch_up):
            state, reason = "skipped", CAUGHT_UP
            self.report.notifications_skipped += 1
        ob_id, stage, contact_id, channel = key
        return (
            f"o{ob_id}:{stage}:c{contact_id}:{channel}", "obligation", ob_id, stage,
            spec.stage_order, spec.escalation, contact_id, channel, spec.template,
            spec.stop_on, spec.scheduled_at, spec.scheduled_at, state, 0, reason,
            self._payload(spec), self.now, self.now,
        )  # fmt: skip

    def _caught_up_before(self, days: int) -> datetime:
        """The instant before which a new reminder is skipped (``catch_up_days``)."""
        found = self._catch_up.get(days)
        if found is None:
            found = self._catch_up[days] = self.now - timedelta(days=days)
        return found

    def _payload(self, spec: NotificationSpec) -> dict[str, object]:
        """``spec.payload()``, one dict per distinct payload (they are few, and written
        once each by ``FastInsert``)."""
        key = (spec.when, spec.options)
        found = self._payloads.get(key)
        if found is None:
            found = self._payloads[key] = spec.payload()
        return found

    def _start(self, label: str) -> None:
        if label != self._label:  # one bar for all the chunks of a sync
            self._label = label
            self.bar.start(label, None)

    def _refresh(
        self, stored: _StoredNote, spec: NotificationSpec, status: str
    ) -> dict[str, Any] | None:
        if stored.state == "pending":
            if stops(status, spec.stop_on):
                self.report.notifications_cancelled += 1
                return self._cancel(stored.id, STOPPED + status)
            if _same(stored, spec):
                return None
            self.report.notifications_updated += 1
            return self._values(stored.id, spec)
        stopped = stops(status, spec.stop_on)
        if not self._revivable(stored) or stopped or spec.scheduled_at < self.now:
            return None
        self.report.notifications_restored += 1
        return {**self._values(stored.id, spec), "state": "pending", "last_error": None}

    @staticmethod
    def _revivable(stored: _StoredNote) -> bool:
        reason = stored.last_error or ""
        if stored.state == "skipped":
            return reason == CAUGHT_UP
        return stored.state == "cancelled" and (
            reason == NO_LONGER_FOLLOWS or reason.startswith(STOPPED)
        )

    def _values(self, note_id: int, spec: NotificationSpec) -> dict[str, Any]:
        return {
            "id": note_id, "scheduled_at": spec.scheduled_at, "due_at": spec.scheduled_at,
            "template": spec.template, "stop_on": list(spec.stop_on),
            "stage_order": spec.stage_order, "escalation": spec.escalation,
            "payload": spec.payload(), "updated_at": self.now,
        }  # fmt: skip

    def _cancel(self, note_id: int, reason: str) -> dict[str, Any]:
        if reason == NO_LONGER_FOLLOWS:
            self.report.notifications_cancelled += 1
        return {"id": note_id, "state": "cancelled", "last_error": reason, "updated_at": self.now}

    def _bulk(self, statement: Any, rows: list[dict[str, Any]], label: str) -> None:
        if not rows:
            return
        self._start(label)
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            _execute(self.session, statement, chunk)
            self.bar.advance(len(chunk))


def _same(stored: _StoredNote, spec: NotificationSpec) -> bool:
    return (
        stored.scheduled_at == spec.scheduled_at
        and stored.template == spec.template
        and list(stored.stop_on or ()) == list(spec.stop_on)
        and stored.stage_order == spec.stage_order
        and stored.escalation == spec.escalation
        and (stored.payload or {}) == spec.payload()
    )


# ---------------------------------------------------------------------------------------
# Progress on large runs


class _Bar:
    """A Rich progress bar on stderr, shown once a step has ``LARGE`` rows or more."""

    LARGE = 2000

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def phase(self, label: str) -> None:
        if self._progress is not None:
            self.start(label, None)

    def start(self, label: str, total: int | None) -> None:
        if not self._enabled:
            return
        if self._progress is None:
            if total is None or total < self.LARGE:
                return
            self._progress = _make_progress()
            self._progress.start()
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(label, total=total)

    def advance(self, n: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _make_progress() -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=Console(stderr=True), transient=True)


@contextmanager
def _progress(enabled: bool) -> Iterator[_Bar]:
    bar = _Bar(enabled)
    try:
        yield bar
    finally:
        bar.close()
