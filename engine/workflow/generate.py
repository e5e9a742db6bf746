"""Generation: plans × workflows × calendar → obligations and their notification schedule.

Pure: nothing here reads the clock, the database or the network. ``generate`` returns
the same result for the same input, which is what makes ``nhacviec sync`` idempotent.

What each kind of rule creates (per plan the rule and its workflow select):

- ``task lead``: for each task occurrence (``PlanTask.occurrences``) and each lead agency,
  an obligation that opens on the occurrence's start (None for a bare deadline) and is due
  on its end. A task that names no lead falls to the plan's owner.
- ``task coordinator``: the same for each coordinating agency that is not also a lead,
  due ``due`` (default "5 working days before due") before the lead's due date, never
  before the occurrence opens.
- ``report``: for each frequency the plan's reporting duties state (kind ``report``, a
  selected frequency), each year of the plan period and each reporter (``reporters``: the
  agencies named in "Tổ chức thực hiện", or those the duties name in ``from``), one report
  per period: "6 tháng đầu năm 2026" (half-yearly), "năm 2026" (yearly), "quý II năm
  2026", "tháng 3 năm 2026". A plan often states the same report twice (the owner's report
  upwards without a date, the departments' reports to the owner "trước ngày 20/6"): it is
  one obligation per agency and period, due on the date the plan gives for that frequency
  (the first duty that has one: "MM-DD" in the year for half-yearly and yearly, "DD" in
  each month for monthly and in each quarter's last month for quarterly, a day the month
  lacks being its last), else the rule's ``default_due``; a date on a day off stays as
  written. Opens ``opens`` before the due date (None if the rule gives none).
- ``plan drafting``: for each year of the plan period after the first, the owner (or the
  duty's ``from`` agencies) drafts that year's plan ("Kế hoạch năm 2027"), due on the
  duty's date, else the rule's ``due`` ("10-31"), in the year before. With
  ``if_plan_states`` (the default) only plans with a ``plan_drafting`` duty get these.

Obligation keys are ``workflow:rule:plan:subject:agency:period`` where subject is
``t.<task key>`` or ``d.<duty id>``. For tasks the period part is the year the occurrence
ends (``2022``, or ``2022.2`` for a task's second occurrence ending that year), so editing
a window within its year moves the obligation instead of replacing it.

Reminder stages (``schedule``): a stage relative to the opening day is moved forward to
the next working day, and dropped if that is after the due date (the due and overdue
stages cover it) or if the obligation has no opening day. A stage before or on the due
date moves back to the previous working day, and is dropped if that is before the
obligation opens (the opening stage already told them). A stage after the due date is an
escalation and moves forward to the next working day. Each stage goes to every contact of
each role it names (once per contact and channel, even if two roles name the same
person), on each channel the contact has an address for. Two reminders (not escalations)
of one obligation that land on the same day for the same person and channel are sent
once: the later stage of the policy wins. A stage "on the due date" that moved back to
an earlier day is marked ``before`` for the templates. When an approved extension moved
the due date (``due_overrides``), the stages counted from the due date are named
``stage@YYYY-MM-DD`` (``stage_name``): a new round of reminders for the new date.

A stage timed from the acknowledgement ("3 ngày làm việc sau khi nhận") exists only for
an obligation that is acknowledged (``acknowledged``: its local acknowledgement day),
goes out that many (working) days later, on a working day, and is dropped when that is
after the due date (the due and overdue stages cover it). It stops when the obligation
is done, waived or reopened (its compiled ``stop_on`` holds ``open``). Stages with
``any_time`` carry ``"any_time": true`` in their payload: they go out even outside
``[time] send_window`` (``engine.sendwindow``).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from engine.i18n import _, ngettext
from engine.plans.model import PlanFile, PlanTask, ReportingDuty
from engine.workflow.options import StageOptions
from engine.workflow.phrases import Offset, normalise
from engine.workflow.schema import Rule, Stage, Workflow
from notifiers import registry
from notifiers.registry import reachable

if TYPE_CHECKING:
    from engine.agencies import Directory
    from engine.workflow.calendar import WorkCalendar

ROMAN = ("I", "II", "III", "IV")


# ---------------------------------------------------------------------------------------
# Agencies and contacts as generation sees them


@dataclass(frozen=True, slots=True)
class ContactRef:
    """A contact: its key, role and the channels it has an address on."""

    key: str
    role: str
    channels: frozenset[str]


@dataclass(frozen=True)
class AgencyRef:
    key: str
    name: str
    contacts: tuple[ContactRef, ...] = ()
    jurisdiction: str | None = None
    listed: bool = True  # False: a name seen only in plans, not in the directory

    def with_role(self, role: str) -> Iterator[ContactRef]:
        return (c for c in self.contacts if c.role == role)


Matcher = Callable[[str, "str | None"], "str | None"]


class AgencyBook:
    """Agencies by key, and by printed name within a plan's jurisdiction.

    ``matcher`` (name, jurisdiction) → key is the directory's own name matching (the
    importer's, which knows abbreviations); without one, or when it finds nothing, names
    and aliases are compared without case or spacing, and among same-named agencies the
    one of the plan's jurisdiction wins, then one without a jurisdiction, then the only one.
    """

    def __init__(
        self,
        agencies: Iterable[AgencyRef],
        aliases: Mapping[str, str] | None = None,
        matcher: Matcher | None = None,
    ) -> None:
        self.by_key: dict[str, AgencyRef] = {}
        self._by_name: dict[str, list[str]] = {}
        self._matcher = matcher
        for agency in agencies:
            self.by_key[agency.key] = agency
            self._index(agency.name, agency.key)
        for alias, key in (aliases or {}).items():
            self._index(alias, key)

    def _index(self, name: str, key: str) -> None:
        keys = self._by_name.setdefault(normalise(name), [])
        if key not in keys:
            keys.append(key)

    @classmethod
    def from_directory(cls, directory: Directory, matcher: Matcher | None = None) -> AgencyBook:
        """The book of a directory file (contacts as the file gives them)."""
        agencies, aliases = [], {}
        for entry in directory.agencies:
            contacts = tuple(
                ContactRef(key, c.role, frozenset(reachable(c.addresses)))
                for key, c in zip(entry.contact_keys(), entry.contacts, strict=True)
            )
            agencies.append(AgencyRef(entry.key, entry.name, contacts, entry.jurisdiction))
            aliases.update({alias: entry.key for alias in entry.aliases})
        return cls(agencies, aliases, matcher)

    def find(self, name: str, jurisdiction: str | None = None) -> AgencyRef | None:
        if self._matcher is not None:
            key = self._matcher(name, jurisdiction)
            if key is not None and key in self.by_key:
                return self.by_key[key]
        candidates = [self.by_key[k] for k in self._by_name.get(normalise(name), ())]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        wanted = normalise(jurisdiction) if jurisdiction else None
        same = [a for a in candidates if a.jurisdiction and normalise(a.jurisdiction) == wanted]
        general = [a for a in candidates if a.jurisdiction is None]
        chosen = same or general
        return chosen[0] if chosen else None

    def resolve(self, name: str, jurisdiction: str | None = None) -> AgencyRef:
        """The agency of that name, or a stand-in with a key derived from the name."""
        found = self.find(name, jurisdiction)
        if found is not None:
            return found
        key = unlisted_key(name)
        stand_in = self.by_key.get(key) or AgencyRef(key, name.strip(), (), listed=False)
        if key not in self.by_key:
            self.by_key[key] = stand_in
            self._index(name, key)
        return stand_in


def slug(text: str) -> str:
    """ASCII, lower case, words joined by '-' ("Sở Công Thương" → "so-cong-thuong")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def unlisted_key(name: str) -> str:
    """The key of an agency named in a plan but absent from the directory."""
    return ("unlisted." + slug(name))[:120] or "unlisted"


# ---------------------------------------------------------------------------------------
# What generation produces


@dataclass(frozen=True, slots=True)
class ObligationSpec:
    """One obligation as the plans and workflows say it should be."""

    key: str
    workflow: str
    rule: str
    plan: str
    task: str | None
    duty: str | None
    agency: str
    agency_name: str
    role: str
    title: str
    period_label: str
    opens_on: date | None
    due_on: date
    owner: str | None = None
    stages_of: Rule | None = field(default=None, compare=False, repr=False)
    catch_up_days: int = 2

    def spec_hash(self, schedule: str = "") -> str:
        """Changes when anything stored on the obligation row would change, or (with the
        ``schedule`` signature from ``ScheduleSignatures``) anything its reminders depend on.
        """
        parts = (
            self.workflow, self.rule, self.plan, self.task or "", self.duty or "", self.agency,
            self.role, self.title, self.period_label,
            self.opens_on.isoformat() if self.opens_on else "", self.due_on.isoformat(), schedule,
        )  # fmt: skip
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NotificationSpec:
    """One scheduled message: obligation, stage, contact, channel, instant."""

    obligation: str
    stage: str
    stage_order: int
    escalation: bool
    contact: str
    channel: str
    template: str
    stop_on: tuple[str, ...]
    scheduled_at: datetime
    when: str
    options: StageOptions

    def payload(self) -> dict[str, object]:
        """What the outbox row carries for rendering (``stage.when`` and the stage's
        options) and delivery (``any_time``: not held outside the send window); see
        ``engine.workflow.options``."""
        return self.options.payload(self.when)


@dataclass
class Generation:
    obligations: list[ObligationSpec]
    notifications: list[NotificationSpec]
    warnings: list[str] = field(default_factory=list)


def generate(
    plans: Sequence[PlanFile],
    workflows: Sequence[Workflow],
    book: AgencyBook,
    calendar: WorkCalendar,
    *,
    due_overrides: Mapping[str, date] | None = None,
    acknowledged: Mapping[str, date] | None = None,
) -> Generation:
    """Every obligation and notification that follows from the input.

    ``due_overrides`` maps obligation keys to a due date moved by an approved extension:
    reminders follow the moved date, the obligation's own due date does not change.
    ``acknowledged`` maps the keys of acknowledged obligations to their local
    acknowledgement day (for the stages timed from it).
    """
    obligations = generate_obligations(plans, workflows, book, calendar)
    notifications = schedule(obligations, book, calendar, due_overrides or {}, acknowledged)
    return Generation(obligations, notifications, contact_warnings(obligations, book))


def generate_obligations(
    plans: Iterable[PlanFile],
    workflows: Sequence[Workflow],
    book: AgencyBook,
    calendar: WorkCalendar,
) -> list[ObligationSpec]:
    """Every obligation, each key once (the first rule that makes a key wins), workflow
    by workflow and, within each, plan by plan. ``plans`` is read once, one plan at a
    time (a caller may make each as it is asked for and let it go): every key names its
    plan, so no two plans make the same key."""
    made: list[list[ObligationSpec]] = [[] for _ in workflows]
    for plan in plans:
        seen: dict[str, ObligationSpec] = {}
        for workflow, out in zip(workflows, made, strict=True):
            if not workflow.applies_to(plan.key):
                continue
            for rule in workflow.rules:
                if not rule.selects_plan(plan.key):
                    continue
                for ob in _rule_obligations(rule, workflow, plan, book, calendar):
                    if ob.key not in seen:
                        seen[ob.key] = ob
                        out.append(ob)
    return list(itertools.chain.from_iterable(made))


def _rule_obligations(
    rule: Rule, workflow: Workflow, plan: PlanFile, book: AgencyBook, calendar: WorkCalendar
) -> Iterator[ObligationSpec]:
    context = _Context(rule, workflow, plan, book, calendar)
    if rule.each in ("task lead", "task coordinator"):
        for task in plan.tasks:
            if rule.selects_section(task.section):
                yield from context.task_obligations(task)
    elif rule.each == "report":
        yield from context.report_obligations()
    else:
        yield from context.drafting_obligations()


@dataclass
class _Context:
    rule: Rule
    workflow: Workflow
    plan: PlanFile
    book: AgencyBook
    calendar: WorkCalendar

    @cached_property
    def owner(self) -> AgencyRef | None:
        return self.resolve(self.plan.owner) if self.plan.owner else None

    def resolve(self, name: str) -> AgencyRef:
        return self.book.resolve(name, self.plan.jurisdiction)

    def make(
        self,
        *,
        subject: str,
        agency: AgencyRef,
        period_key: str,
        period_label: str,
        opens_on: date | None,
        due_on: date,
        values: Mapping[str, str],
        task: str | None = None,
        duty: str | None = None,
    ) -> ObligationSpec | None:
        rule = self.rule
        if not rule.selects_agency((agency.name, agency.key)):
            return None
        owner = self.owner
        key = ":".join((rule.workflow, rule.name, self.plan.key, subject, agency.key, period_key))
        title = rule.title.format_map(
            {"plan": self.plan.title, "plan_number": self.plan.number or "", **values}
        )
        return ObligationSpec(
            key=key[:512],
            workflow=rule.workflow,
            rule=rule.name,
            plan=self.plan.key,
            task=task,
            duty=duty,
            agency=agency.key,
            agency_name=agency.name,
            role=rule.role,
            title=title.strip(),
            period_label=period_label,
            opens_on=opens_on if opens_on is None or opens_on <= due_on else due_on,
            due_on=due_on,
            owner=owner.key if owner else None,
            stages_of=rule,
            catch_up_days=self.workflow.catch_up_days,
        )

    # -- tasks ---------------------------------------------------------------------------

    def task_obligations(self, task: PlanTask) -> Iterator[ObligationSpec]:
        leads = self._agencies(task.lead)
        if not leads and self.owner is not None:
            leads = [self.owner]
        if self.rule.each == "task lead":
            agencies = leads
        else:
            lead_keys = {a.key for a in leads}
            agencies = [a for a in self._agencies(task.coordinators) if a.key not in lead_keys]
        for slot, label, opens_on, due_on in self._task_slots(task):
            if self.rule.each == "task coordinator":
                due_on = self._coordinator_due(due_on, opens_on)
            values = {
                "task": task.title,
                "task_number": task.number or "",
                "section": task.section or "",
                "period": label,
                "year": str(due_on.year),
            }
            for agency in agencies:
                ob = self.make(
                    subject=f"t.{task.key}", agency=agency, period_key=slot, period_label=label,
                    opens_on=opens_on, due_on=due_on, values=values, task=task.key,
                )  # fmt: skip
                if ob is not None:
                    yield ob

    def _agencies(self, names: Iterable[str]) -> list[AgencyRef]:
        found: dict[str, AgencyRef] = {}
        for name in names:
            agency = self.resolve(name)
            found.setdefault(agency.key, agency)
        return list(found.values())

    def _task_slots(self, task: PlanTask) -> Iterator[tuple[str, str, date | None, date]]:
        per_year: dict[int, int] = {}
        for occurrence in sorted(task.occurrences, key=lambda o: (o.end, o.start or o.end)):
            year = occurrence.end.year
            per_year[year] = per_year.get(year, 0) + 1
            slot = str(year) if per_year[year] == 1 else f"{year}.{per_year[year]}"
            label = occurrence.label or _window_label(occurrence.start, occurrence.end)
            yield slot, label, occurrence.start, occurrence.end

    def _coordinator_due(self, lead_due: date, opens_on: date | None) -> date:
        offset = self.rule.coordinator_due
        due = _shift(lead_due, offset, self.calendar) or lead_due
        return max(due, opens_on) if opens_on is not None else due

    # -- reports -------------------------------------------------------------------------

    def report_obligations(self) -> Iterator[ObligationSpec]:
        """One report per frequency, period and reporter, however many duties state it."""
        by_frequency: dict[str, list[ReportingDuty]] = {}
        for duty in self.plan.reporting:
            if duty.kind == "report" and duty.frequency in self.rule.frequencies:
                by_frequency.setdefault(duty.frequency, []).append(duty)
        for frequency, duties in by_frequency.items():
            duty_id = f"report-{frequency}"
            dated = next((d for d in duties if d.due), duties[0])
            reporters = self._reporters(duties)
            for year in range(self.plan.period.start, self.plan.period.end + 1):
                for label, due_on in _report_periods(dated, year, self.rule.report_due):
                    opens_on = _shift(due_on, self.rule.opens, self.calendar)
                    values = {"period": label, "year": str(year), "duty": dated.text}
                    for agency in reporters:
                        ob = self.make(
                            subject=f"d.{duty_id}", agency=agency, period_key=label,
                            period_label=label, opens_on=opens_on, due_on=due_on,
                            values=values, duty=duty_id,
                        )  # fmt: skip
                        if ob is not None:
                            yield ob

    def _reporters(self, duties: Sequence[ReportingDuty]) -> list[AgencyRef]:
        plan_agencies = [a.name for a in self.plan.agencies]
        named = [name for duty in duties for name in duty.from_]
        names = {
            "plan agencies": plan_agencies,
            "duty": named,
            "duty or plan agencies": named or plan_agencies,
        }[self.rule.reporters]
        return self._agencies(names)

    # -- plan drafting -------------------------------------------------------------------

    def drafting_obligations(self) -> Iterator[ObligationSpec]:
        duties = [d for d in self.plan.reporting if d.kind == "plan_drafting"]
        if not duties and not self.rule.if_plan_states:
            duties = [ReportingDuty(kind="plan_drafting", text="", frequency="yearly")]
        for duty_id, duty in _duty_ids(duties):
            agencies = self._agencies(duty.from_)
            if not agencies and self.owner is not None:
                agencies = [self.owner]
            month_day = duty.due or self.rule.drafting_due
            for year in range(self.plan.period.start + 1, self.plan.period.end + 1):
                due_on = _month_day(year - 1, month_day)
                label = f"Kế hoạch năm {year}"
                opens_on = _shift(due_on, self.rule.opens, self.calendar)
                for agency in agencies:
                    ob = self.make(
                        subject=f"d.{duty_id}", agency=agency, period_key=label,
                        period_label=label, opens_on=opens_on, due_on=due_on,
                        values={"period": label, "year": str(year)}, duty=duty_id,
                    )  # fmt: skip
                    if ob is not None:
                        yield ob


def _duty_ids(duties: Sequence[ReportingDuty]) -> Iterator[tuple[str, ReportingDuty]]:
    """Stable ids: "report-half-yearly", and "-2", "-3"… for repeats of the same kind."""
    counts: dict[str, int] = {}
    for duty in duties:
        base = f"{duty.kind.replace('_', '-')}-{duty.frequency}"
        counts[base] = counts.get(base, 0) + 1
        yield (base if counts[base] == 1 else f"{base}-{counts[base]}"), duty


def _report_periods(
    duty: ReportingDuty, year: int, defaults: Mapping[str, str]
) -> Iterator[tuple[str, date]]:
    given = duty.due
    if duty.frequency == "half-yearly":
        yield f"6 tháng đầu năm {year}", _month_day(year, given or defaults["half-yearly"])
    elif duty.frequency == "yearly":
        yield f"năm {year}", _month_day(year, given or defaults["yearly"])
    elif duty.frequency == "quarterly":  # due in the quarter's last month
        day = duty.due_day() or int(defaults["quarterly"])
        for q in range(4):
            yield f"quý {ROMAN[q]} năm {year}", _clamped(year, 3 * q + 3, day)
    else:
        day = duty.due_day() or int(defaults["monthly"])
        for month in range(1, 13):
            yield f"tháng {month} năm {year}", _clamped(year, month, day)


def _month_day(year: int, month_day: str) -> date:
    month, day = (int(part) for part in month_day.split("-"))
    return _clamped(year, month, day)


def _clamped(year: int, month: int, day: int) -> date:
    """``day`` of the month, or its last day if the month is shorter (29/2, 31/4)."""
    for d in range(day, 27, -1):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, min(day, 28))


def _shift(day: date, offset: Offset | None, calendar: WorkCalendar) -> date | None:
    if offset is None:
        return None
    if offset.working:
        return calendar.add_working_days(day, offset.days)
    return day + timedelta(days=offset.days)


def _window_label(start: date | None, end: date) -> str:
    if start is None:
        return f"hạn {end:%d/%m/%Y}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return f"năm {end.year}"
    return f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"


# ---------------------------------------------------------------------------------------
# The notification schedule


def schedule(
    obligations: Iterable[ObligationSpec],
    book: AgencyBook,
    calendar: WorkCalendar,
    due_overrides: Mapping[str, date],
    acknowledged: Mapping[str, date] | None = None,
) -> list[NotificationSpec]:
    """Every notification of every obligation (see the module docstring for the rules)."""
    rows: list[NotificationSpec] = []
    acked = acknowledged or {}
    # Many obligations share dates, agencies and stages: compute each combination once.
    Moment = tuple[int, date | None, date, date | None]
    timelines: dict[Moment, list[tuple[Stage, datetime, str]]] = {}
    reached: dict[tuple[str, str | None, int], list[tuple[str, str]]] = {}
    for ob in obligations:
        rule = ob.stages_of
        if rule is None or not rule.stages:
            continue
        due = due_overrides.get(ob.key, ob.due_on)
        ack = acked.get(ob.key) if rule.times_from_ack else None
        moment = (id(rule), ob.opens_on, due, ack)
        if moment not in timelines:
            timelines[moment] = timeline(rule.stages, ob.opens_on, due, calendar, ack)
        planned: list[NotificationSpec] = []
        for stage, instant, when in timelines[moment]:
            who = (ob.agency, ob.owner, id(stage))
            if who not in reached:
                reached[who] = recipients(ob, stage, book)
            planned.extend(
                NotificationSpec(
                    obligation=ob.key,
                    stage=stage_name(stage, due, ob.due_on),
                    stage_order=stage.order,
                    escalation=stage.offset.escalation,
                    contact=contact,
                    channel=channel,
                    template=stage.template,
                    stop_on=stage.stop_on,
                    scheduled_at=instant,
                    when=when,
                    options=stage.options,
                )
                for contact, channel in reached[who]
            )
        rows.extend(_once_a_day(planned))
    return rows


def stage_name(stage: Stage, due: date, planned_due: date) -> str:
    """The stage's name in the outbox: ``name@YYYY-MM-DD`` for a stage relative to a due
    date that an extension moved away from the plan's (``planned_due``).

    An extension starts a new round of the reminders and escalations that count from the
    due date: rows of the old round that were sent stay as they are, pending ones no
    longer follow (sync cancels them) and the new round's rows are new, so a reminder
    already sent for the old date is sent again before the new one. Stages counted from
    the opening day do not move and keep their name.
    """
    if due == planned_due or stage.offset.anchor != "due":
        return stage.name
    return f"{stage.name}@{due.isoformat()}"


def timeline(
    stages: Sequence[Stage],
    opens_on: date | None,
    due_on: date,
    calendar: WorkCalendar,
    acknowledged_on: date | None = None,
) -> list[tuple[Stage, datetime, str]]:
    """The stages that go out, with their instant and how templates should see them.

    A stage "on the due date" moved back off a day off is seen as ``before`` (the
    message must not say "today is the deadline" on the Friday before a Sunday).
    """
    out: list[tuple[Stage, datetime, str]] = []
    for stage in stages:
        day = stage_day(stage.offset, opens_on, due_on, calendar, acknowledged_on)
        if day is None:
            continue
        when = stage.offset.when
        if when == "on_due" and day < due_on:
            when = "before"
        out.append((stage, calendar.send_instant(day), when))
    return out


def _once_a_day(planned: list[NotificationSpec]) -> list[NotificationSpec]:
    """Two reminders of one obligation for one person, channel and day: the later stage;
    a stage timed from the acknowledgement gives way to any reminder of the dates."""
    seen: set[tuple[datetime, str, str]] = set()
    kept: set[int] = set()
    ranked = sorted(range(len(planned)), key=lambda i: (planned[i].when != "acknowledged", i))
    for index in reversed(ranked):
        note = planned[index]
        slot = (note.scheduled_at, note.contact, note.channel)
        if not note.escalation:
            if slot in seen:
                continue
            seen.add(slot)
        kept.add(index)
    return [note for index, note in enumerate(planned) if index in kept]


def recipients(ob: ObligationSpec, stage: Stage, book: AgencyBook) -> list[tuple[str, str]]:
    """(contact key, channel) pairs a stage reaches, each once, in the order of ``to``."""
    pairs: list[tuple[str, str]] = []
    for role in stage.to:
        whose, _, contact_role = role.partition(".")
        agency = book.by_key.get(ob.agency if whose == "agency" else ob.owner or "")
        if agency is None:
            continue
        for contact in agency.with_role(contact_role):
            for channel in stage.channels:
                pair = (contact.key, channel)
                if channel in contact.channels and pair not in pairs:
                    pairs.append(pair)
    return pairs


class ScheduleSignatures:
    """What an obligation's reminders depend on besides the obligation itself, as a string.

    The rule's stages, the contacts (keys, roles, channels) of the agency and of the plan
    owner, the calendar, and a due date moved by an extension. Two equal signatures (with
    equal obligations) give the same notifications, so sync can leave those alone.
    """

    def __init__(self, book: AgencyBook, calendar: WorkCalendar) -> None:
        self.book = book
        self.calendar = calendar.fingerprint()
        self._rules: dict[int, str] = {}
        self._agencies: dict[str, str] = {}

    def of(self, ob: ObligationSpec, due: date, acknowledged_on: date | None = None) -> str:
        """The signature; the acknowledgement day counts only where a stage is timed
        from it, so acknowledging changes nothing for the other obligations."""
        rule = ob.stages_of
        rule_sig = self._rule(rule) if rule is not None else ""
        parts = [rule_sig, self._agency(ob.agency), self._agency(ob.owner or ""), self.calendar,
                 due.isoformat()]  # fmt: skip
        if rule is not None and rule.times_from_ack and acknowledged_on is not None:
            parts.append(f"ack={acknowledged_on.isoformat()}")
        return "|".join(parts)

    def _rule(self, rule: Rule) -> str:
        sig = self._rules.get(id(rule))
        if sig is None:
            sig = self._rules[id(rule)] = _digest(repr(rule.stages))
        return sig

    def _agency(self, key: str) -> str:
        sig = self._agencies.get(key)
        if sig is None:
            agency = self.book.by_key.get(key)
            contacts = agency.contacts if agency else ()
            text = repr([(c.key, c.role, sorted(c.channels)) for c in contacts])
            sig = self._agencies[key] = _digest(text)
        return sig


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def stage_day(
    offset: Offset,
    opens_on: date | None,
    due_on: date,
    calendar: WorkCalendar,
    acknowledged_on: date | None = None,
) -> date | None:
    """The working day a stage goes out on, or None when it is dropped."""
    if offset.anchor == "acknowledged":
        if acknowledged_on is None:
            return None
        day = calendar.next_working_day(_shift(acknowledged_on, offset, calendar) or due_on)
        return day if day <= due_on else None
    if offset.anchor == "opens":
        if opens_on is None:
            return None
        day = calendar.next_working_day(_shift(opens_on, offset, calendar) or opens_on)
        return day if day <= due_on else None
    shifted = _shift(due_on, offset, calendar) or due_on
    if offset.days > 0:
        return calendar.next_working_day(shifted)
    day = calendar.previous_working_day(shifted)
    if opens_on is not None and day < opens_on:
        return None
    return day


def contact_warnings(obligations: Sequence[ObligationSpec], book: AgencyBook) -> list[str]:
    """Agencies that owe something but have no contact to remind."""
    counts: dict[str, int] = {}
    for ob in obligations:
        counts[ob.agency] = counts.get(ob.agency, 0) + 1
    warnings = []
    for key, count in sorted(counts.items()):
        agency = book.by_key.get(key)
        if agency is None or not any(c.channels for c in agency.contacts):
            name = agency.name if agency else key
            listed = agency is None or agency.listed
            where = "" if listed else " " + _("(not in the agency directory)")
            message = ngettext(
                "{name}{where} has {count} obligation but no contact with an address on any "
                "channel ({channels}): nobody will be reminded",
                "{name}{where} has {count} obligations but no contact with an address on any "
                "channel ({channels}): nobody will be reminded",
                count,
            )
            channels = ", ".join(registry.names())
            warnings.append(message.format(name=name, where=where, count=count, channels=channels))
    return warnings
