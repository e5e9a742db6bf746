"""Plan files and the agency directory into the store.

``sync_directory`` upserts agencies and contacts by key; ``load_plan`` upserts one plan
by key and its tasks by (plan, key). Both only add and update, in the caller's session:
run them inside ``Store.session()`` so a failure rolls everything back and the store
stays exactly as it was.

Rules that keep history intact:

- A contact that left the directory is deactivated, never deleted (obligations and
  notifications point at it). A contact's address on a linked channel (a Telegram chat
  linked with ``/start CODE``, ``notifiers.registry``) stored in the database is kept
  when the directory has none; a new address starts without a flag.
- An agency that left the directory keeps its row, with ``in_directory`` False.
- A task that disappeared from the plan file becomes ``active`` False.
- A new plan gets its tracking start (``Plan.track_from``, ``engine.tracking``): the day
  given, else the day it is loaded; reloading never moves it (``set_track_from`` does).
- A name that matches no directory entry gets an ``Agency`` row with ``in_directory``
  False and a key derived from the jurisdiction and the name (``hn.x-cac-doanh-nghiep…``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.agencies import AgencyEntry, AgencyMatcher, Directory
from engine.errors import InputErrors, Problem
from engine.i18n import _, ngettext
from engine.plans.importer import jurisdiction_code
from engine.plans.model import PlanFile, PlanTask
from engine.plans.text import slug
from engine.store.models import Agency, Contact, Plan, Task, TaskAgency
from notifiers.registry import CHANNELS


@dataclass
class DirectoryReport:
    agencies_added: int = 0
    agencies_updated: int = 0
    agencies_left: int = 0
    contacts_added: int = 0
    contacts_updated: int = 0
    contacts_deactivated: int = 0


@dataclass
class LoadReport:
    plan_id: int
    plan_key: str
    created: bool
    changed: bool
    tasks_added: int = 0
    tasks_updated: int = 0
    tasks_unchanged: int = 0
    tasks_deactivated: int = 0
    agencies_outside_directory: list[str] = field(default_factory=list)
    track_from: date | None = None

    def summary(self) -> str:
        if self.created:
            head = _("Created plan {key} (id {id})")
        elif self.changed:
            head = _("Updated plan {key} (id {id})")
        else:
            head = _("Unchanged: plan {key} (id {id})")
        text = head.format(key=self.plan_key, id=self.plan_id) + ": "
        text += _("{added} tasks added, {updated} updated, {unchanged} unchanged, "
                  "{deactivated} deactivated.").format(
            added=self.tasks_added, updated=self.tasks_updated,
            unchanged=self.tasks_unchanged, deactivated=self.tasks_deactivated,
        )  # fmt: skip
        outside = len(self.agencies_outside_directory)
        if outside:
            text += " " + ngettext(
                "{n} agency is not in the directory.",
                "{n} agencies are not in the directory.",
                outside,
            ).format(n=outside)
        if self.created and self.track_from is not None:
            text += " " + _("Tracked from {day}: what is due before is not tracked.").format(
                day=f"{self.track_from:%d/%m/%Y}"
            )
        return text


# -- directory -------------------------------------------------------------------------------


def sync_directory(session: Session, directory: Directory, now: datetime) -> DirectoryReport:
    """Make the agencies and contacts in the store match the directory (by key).

    ``now`` is the instant of the sync (kept for callers that record it; the directory
    rows themselves carry no timestamps).
    """
    del now
    report = DirectoryReport()
    agencies = {a.key: a for a in session.scalars(select(Agency))}
    contacts = {c.key: c for c in session.scalars(select(Contact))}
    listed: set[str] = set()
    for entry in directory.agencies:
        agency = _upsert_agency(session, agencies, entry, report)
        for contact_entry, key in zip(entry.contacts, entry.contact_keys(), strict=True):
            listed.add(key)
            contact = contacts.get(key)
            values: dict[str, Any] = {
                "agency_id": agency.id,
                "name": contact_entry.name,
                "role": contact_entry.role,
                "language": contact_entry.language,
                "active": True,
            }
            if contact is None:
                contact = Contact(key=key, **values)
                session.add(contact)
                _set_addresses(contact, contact_entry.addresses)
                report.contacts_added += 1
            elif _assign(contact, values) | _set_addresses(contact, contact_entry.addresses):
                report.contacts_updated += 1
    for key, contact in contacts.items():
        if key not in listed and contact.active:
            contact.active = False
            report.contacts_deactivated += 1
    keys = {entry.key for entry in directory.agencies}
    for key, agency in agencies.items():
        if key not in keys and agency.in_directory:
            agency.in_directory = False
            report.agencies_left += 1
    session.flush()
    return report


def _upsert_agency(
    session: Session, agencies: dict[str, Agency], entry: AgencyEntry, report: DirectoryReport
) -> Agency:
    values: dict[str, Any] = {
        "name": entry.name,
        "jurisdiction": entry.jurisdiction,
        "aliases": list(entry.aliases),
        "in_directory": True,
    }
    agency = agencies.get(entry.key)
    if agency is None:
        agency = Agency(key=entry.key, **values)
        session.add(agency)
        session.flush()
        agencies[entry.key] = agency
        report.agencies_added += 1
    elif _assign(agency, values):
        report.agencies_updated += 1
    return agency


def _set_addresses(contact: Contact, listed: dict[str, str]) -> bool:
    """The directory's addresses on ``contact``: a channel it names gets that address, one
    it leaves out loses it, except a linked channel's (a chat linked by ``/start CODE``),
    which is kept. Whether anything changed."""
    changed = False
    for name, known in CHANNELS.items():
        address = listed.get(name)
        if address is None and known.linked:
            continue
        changed |= contact.set_address(name, address)
    return changed


def _assign(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


# -- plans -----------------------------------------------------------------------------------


def plan_data(plan: PlanFile) -> dict[str, Any]:
    """The plan file as stored in ``Plan.data`` (what ``--json`` prints)."""
    return plan.model_dump(mode="json", by_alias=True)


def content_hash(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Agencies:
    """Resolves the plan's agency names to rows, adding rows for unknown names."""

    def __init__(self, session: Session, directory: Directory, jurisdiction: str | None):
        self.session = session
        self.matcher = AgencyMatcher(directory)
        self.jurisdiction = jurisdiction
        self.rows = {a.key: a for a in session.scalars(select(Agency))}
        self.outside: list[str] = []

    def get(self, name: str) -> Agency:
        entry = self.matcher.match(name, self.jurisdiction)
        key = entry.key if entry else self.outside_key(name)
        agency = self.rows.get(key)
        if agency is None:
            if entry is not None:
                agency = Agency(
                    key=key,
                    name=entry.name,
                    jurisdiction=entry.jurisdiction,
                    aliases=list(entry.aliases),
                    in_directory=True,
                )
            else:
                shown = shortened(name)  # the plan keeps it all
                agency = Agency(
                    key=key,
                    name=shown,
                    jurisdiction=self.jurisdiction,
                    aliases=[],
                    in_directory=False,
                )
            self.session.add(agency)
            self.session.flush()
            self.rows[key] = agency
        if entry is None and name not in self.outside:
            self.outside.append(name)
        return agency

    def outside_key(self, name: str) -> str:
        base = f"{jurisdiction_code(self.jurisdiction)}.x-{slug(name, 200)}"
        if len(base) <= 100:
            return base
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
        return f"{base[:88].rstrip('-')}-{digest}"


def load_plan(
    session: Session,
    plan: PlanFile,
    directory: Directory,
    now: datetime,
    *,
    track_from: date | None = None,
) -> LoadReport:
    """Upsert the plan and its tasks; tasks missing from the file become inactive.

    A new plan is tracked from ``track_from``, by default the day of ``now`` (callers
    that know the local zone pass the local day).

    Raises ``InputErrors`` (before writing anything) when a value is too long for its
    column, which only a hand-edited plan file can cause.
    """
    check_fits(plan)
    data = plan_data(plan)
    digest = content_hash(data)
    agencies = _Agencies(session, directory, plan.jurisdiction)
    row = session.scalars(select(Plan).where(Plan.key == plan.key)).one_or_none()
    created = row is None
    changed = row is None or row.content_hash != digest
    owner = agencies.get(plan.owner) if plan.owner else None
    values: dict[str, Any] = {
        "number": plan.number,
        "issuer": plan.issuer,
        "issued_on": plan.issued_on,
        "title": plan.title,
        "period_start": plan.period.start,
        "period_end": plan.period.end,
        "owner_agency_id": owner.id if owner else None,
        "source": plan.source,
        "content_hash": digest,
        "data": data,
        "loaded_at": now,
    }
    if row is None:
        row = Plan(key=plan.key, track_from=track_from or now.date(), **values)
        session.add(row)
        session.flush()
    else:
        _assign(row, values)
    for name in _body_names(plan):
        agencies.get(name)
    report = LoadReport(plan_id=row.id, plan_key=plan.key, created=created, changed=changed,
                        track_from=row.track_from)  # fmt: skip
    _load_tasks(session, row, plan, agencies, report)
    report.agencies_outside_directory = agencies.outside
    session.flush()
    return report


_LIMITS = {"key": 120, "number": 120, "issuer": 400, "jurisdiction": 200}
_TASK_LIMITS = {"key": 80, "number": 40}
LABEL_LIMIT = 120  # an occurrence's label becomes its obligations' period_label


def check_fits(plan: PlanFile) -> None:
    """Every value fits its column (the same limits on SQLite and PostgreSQL)."""
    problems = [
        Problem(
            None, None, _("{name}: longer than {limit} characters").format(name=name, limit=limit)
        )
        for name, limit in _LIMITS.items()
        if len(getattr(plan, name) or "") > limit
    ]
    for index, task in enumerate(plan.tasks):
        problems.extend(_task_problems(index, task))
    if problems:
        raise InputErrors(problems)


def _task_problems(index: int, task: PlanTask) -> list[Problem]:
    values = {name: (getattr(task, name), limit) for name, limit in _TASK_LIMITS.items()}
    for n, occurrence in enumerate(task.occurrences):
        values[f"occurrences.{n}.label"] = (occurrence.label, LABEL_LIMIT)
    return [
        Problem(
            None,
            None,
            _("tasks.{index}.{name}: longer than {limit} characters").format(
                index=index, name=name, limit=limit
            ),
        )
        for name, (value, limit) in values.items()
        if len(value or "") > limit
    ]


def shortened(name: str, limit: int = 400) -> str:
    """An agency name that fits its column (400 characters), marked "…" when cut."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _body_names(plan: PlanFile) -> list[str]:
    names = [a.name for a in plan.agencies]
    for duty in plan.reporting:
        names.extend(duty.from_)
        names.extend(duty.to)
    return names


def _load_tasks(
    session: Session, plan_row: Plan, plan: PlanFile, agencies: _Agencies, report: LoadReport
) -> None:
    existing = {t.key: t for t in session.scalars(select(Task).where(Task.plan_id == plan_row.id))}
    rows: list[tuple[Task, PlanTask]] = []
    for position, task in enumerate(plan.tasks):
        values: dict[str, Any] = {
            "position": position,
            "section": task.section,
            "number": task.number,
            "title": task.title,
            "window_text": task.window_text,
            "data": task.model_dump(mode="json", by_alias=True),
            "active": True,
        }
        row = existing.pop(task.key, None)
        if row is None:
            row = Task(plan_id=plan_row.id, key=task.key, **values)
            session.add(row)
            report.tasks_added += 1
        elif _assign(row, values):
            report.tasks_updated += 1
        else:
            report.tasks_unchanged += 1
        rows.append((row, task))
    for row in existing.values():
        if row.active:
            row.active = False
            report.tasks_deactivated += 1
    session.flush()
    _link_agencies(session, plan_row, rows, agencies)


Link = tuple[str, int, int]  # role, agency id, position


def _link_agencies(
    session: Session, plan_row: Plan, rows: list[tuple[Task, PlanTask]], agencies: _Agencies
) -> None:
    """Rewrite a task's agency links only where they changed."""
    current: dict[int, set[Link]] = {}
    query = (
        select(TaskAgency)
        .join(Task, Task.id == TaskAgency.task_id)
        .where(Task.plan_id == plan_row.id)
    )
    for link in session.scalars(query):
        current.setdefault(link.task_id, set()).add((link.role, link.agency_id, link.position))
    for row, task in rows:
        wanted = _links(task, agencies)
        if current.get(row.id, set()) == wanted:
            continue
        if row.id in current:
            session.execute(delete(TaskAgency).where(TaskAgency.task_id == row.id))
        session.add_all(
            TaskAgency(task_id=row.id, agency_id=agency_id, role=role, position=position)
            for role, agency_id, position in sorted(wanted)
        )


def _links(task: PlanTask, agencies: _Agencies) -> set[Link]:
    links: set[Link] = set()
    for role, names in (("lead", task.lead), ("coordinator", task.coordinators)):
        seen: set[int] = set()
        for position, name in enumerate(names):
            agency = agencies.get(name)
            if agency.id not in seen:
                seen.add(agency.id)
                links.add((role, agency.id, position))
    return links
