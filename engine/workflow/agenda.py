"""The read side of the calendar: agenda rows, per-agency scorecards, iCalendar export.

Cancelled obligations (those sync found no longer follow from the plans) are left out
everywhere unless asked for, and so are those not tracked (due before their plan's
tracking start, ``engine.tracking``) unless ``tracked`` asks for them. Statuses are as a
user sees them (``effective_status``): an open or acknowledged obligation past its due
date is *overdue*; one not tracked is *untracked*.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, and_, case, func, literal, or_, select, type_coerce

from engine import labels
from engine.categories import Category, Scorecard, categorize
from engine.errors import InputError
from engine.i18n import _
from engine.status import UNTRACKED, effective_status, local_date
from engine.store.models import (
    Agency,
    AuditEvent,
    Contact,
    ContactAddress,
    Obligation,
    Plan,
    Task,
)
from notifiers.registry import CHANNELS

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session
    from sqlalchemy.sql.elements import ColumnElement

# The agenda's queries are on the tables' columns (Core), not the mapped attributes: a
# select of ORM attributes configures every mapper (relationships and all) and builds
# the ORM's compile state before it runs, a tenth of a second of a command that only
# reads rows (``bench.cli``'s start-up figure).
_O = Obligation.__table__.c
_AGENCIES = Agency.__table__
_PLANS = Plan.__table__
_TASKS = Task.__table__
_A, _P, _T = _AGENCIES.c, _PLANS.c, _TASKS.c

EFFECTIVE_STATUSES = ("open", "acknowledged", "done", "waived", "overdue", UNTRACKED)


@dataclass(frozen=True)
class AgendaItem:
    """One obligation as the calendar shows it."""

    id: int
    key: str
    plan: str
    task: str | None
    task_number: str | None
    rule: str
    role: str
    agency: str
    agency_key: str
    abbreviation: str
    title: str
    period: str
    opens: date | None
    due: date
    status: str
    done_late: bool | None
    updated_at: datetime
    cancelled: bool = False

    @property
    def headline(self) -> str:
        """The title, with the period unless the title already says it."""
        return self.title if self.period in self.title else f"{self.title} ({self.period})"

    @property
    def short(self) -> str:
        """A few words for a calendar cell: "SCT NV3 Khảo sát", "STNMT BC 6T"."""
        if self.task is not None:
            number = self.task_number or self.task
            mark = " ph" if self.role == "coordinator" else ""
            title = self.title.split(": ", 1)[-1] if self.role == "coordinator" else self.title
            return f"{self.abbreviation} NV{number}{mark} {title}"
        if self.role == "reporter":
            return f"{self.abbreviation} BC {_short_period(self.period)}"
        return f"{self.abbreviation} {self.title}"

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of ``nhacviec agenda --json``."""
        return {
            "id": self.id,
            "plan": self.plan,
            "task": self.task,
            "rule": self.rule,
            "agency": self.agency,
            "title": self.title,
            "period": self.period,
            "opens": self.opens.isoformat() if self.opens else None,
            "due": self.due.isoformat(),
            "status": self.status,
        }


def agenda(
    session: Session,
    today: date,
    *,
    start: date | None = None,
    end: date | None = None,
    agency: str | None = None,
    plan: str | None = None,
    status: str | None = None,
    include_cancelled: bool = False,
    tracked: bool | None = True,
) -> list[AgendaItem]:
    """Obligations due in ``start``..``end`` (inclusive), by due date then agency.

    ``agency`` is a key, name or alias of one agency (a name two agencies share is an
    ``InputError`` listing both), ``plan`` a plan key or number; either matching nothing
    is an ``InputError``. ``status`` is an effective
    status (``overdue`` as of ``today``). ``tracked``: True (the default) only tracked
    obligations, False only those not tracked, None both.
    """
    query = (
        select(_O.id, _O.key, _P.key, _T.key, _T.number, _O.rule, _O.role, _A.name, _A.key,
               _A.aliases, _O.title, _O.period_label, _O.opens_on, _O.due_on, _O.status,
               _O.done_late, _O.updated_at, _O.cancelled_at, _O.tracked)
    )  # fmt: skip
    query = _filtered(query, session, today, start, end, agency, plan, status,
                      include_cancelled, tracked)  # fmt: skip
    return [_item(row, today) for row in session.execute(query)]


JSON_KEYS = ("id", "plan", "task", "rule", "agency", "title", "period", "opens", "due", "status")


def agenda_records(
    session: Session,
    today: date,
    *,
    start: date | None = None,
    end: date | None = None,
    agency: str | None = None,
    plan: str | None = None,
    status: str | None = None,
    include_cancelled: bool = False,
    tracked: bool | None = True,
) -> list[dict[str, Any]]:
    """What ``agenda`` lists, as ``AgendaItem.as_json`` gives it (``agenda --json``).

    The same query reads only the columns the JSON shows, with the dates as the text
    ``date.isoformat`` writes and the effective status worked out by the database, so a
    row is not converted to Python dates and back, nor given an abbreviation it does not
    show (100,000 rows: ``bench.cli``); ``tests/workflow/test_agenda_json.py`` compares
    it with ``as_json`` of every item."""
    effective = case(  # effective_status, in SQL
        (_O.status.not_in(("open", "acknowledged")), _O.status),
        (_O.tracked.is_(False), literal(UNTRACKED)),
        (_O.due_on < today, literal("overdue")),
        else_=_O.status,
    )
    dialect = session.get_bind().dialect.name
    query = select(
        _O.id, _P.key, _T.key, _O.rule, _A.name, _O.title, _O.period_label,
        _iso(_O.opens_on, dialect), _iso(_O.due_on, dialect), type_coerce(effective, String),
    )  # fmt: skip
    query = _filtered(query, session, today, start, end, agency, plan, status,
                      include_cancelled, tracked)  # fmt: skip
    keys = JSON_KEYS
    # Core execution on the session's connection: the columns need none of the ORM's
    # result handling.
    result = session.connection().execute(query)
    return [dict(zip(keys, row, strict=True)) for row in result]


def _iso(day: Any, dialect: str) -> Any:
    """A date column as the text ``date.isoformat`` writes: SQLite stores it so;
    PostgreSQL writes it with ``to_char`` (a cast would follow the server's DateStyle)."""
    if dialect == "postgresql":
        return type_coerce(func.to_char(day, "YYYY-MM-DD"), String)
    return type_coerce(day, String)


def _filtered(
    query: Any, session: Session, today: date, start: date | None, end: date | None,
    agency: str | None, plan: str | None, status: str | None, include_cancelled: bool,
    tracked: bool | None,
) -> Any:  # fmt: skip
    """The agenda's joins, filters and order on ``query``'s columns."""
    query = (
        query.join(_AGENCIES, _A.id == _O.agency_id)
        .join(_PLANS, _P.id == _O.plan_id)
        .outerjoin(_TASKS, _T.id == _O.task_id)
        .order_by(_O.due_on, _A.name, _O.id)
    )
    if not include_cancelled:
        query = query.where(_O.cancelled_at.is_(None))
    if tracked is not None:
        query = query.where(_O.tracked.is_(tracked))
    if start is not None:
        query = query.where(_O.due_on >= start)
    if end is not None:
        query = query.where(_O.due_on <= end)
    if agency is not None:
        query = query.where(_O.agency_id.in_(agency_ids(session, agency)))
    if plan is not None:
        query = query.where(_O.plan_id.in_(plan_ids(session, plan)))
    if status is not None:
        query = query.where(status_condition(status, today))
    return query


def _item(row: Any, today: date) -> AgendaItem:
    (oid, key, plan, task, number, rule, role, name, agency_key, aliases, title, period, opens,
     due, status, late, updated, cancelled, tracked) = row  # fmt: skip
    return AgendaItem(
        id=oid, key=key, plan=plan, task=task, task_number=number, rule=rule, role=role,
        agency=name,
        agency_key=agency_key, abbreviation=abbreviation(name, aliases or ()), title=title,
        period=period, opens=opens, due=due, status=effective_status(status, due, today, tracked),
        done_late=late, updated_at=updated, cancelled=cancelled is not None,
    )  # fmt: skip


_PERIOD_WORDS = (  # the year is left out: a cell sits in a month of a year already
    (r"6 tháng đầu năm (\d{4})", r"6T"),
    (r"quý ([IV]+) năm (\d{4})", r"Q.\1"),
    (r"tháng (\d+) năm (\d{4})", r"T\1"),
    (r"năm (\d{4})", r"năm"),
)


def _short_period(period: str) -> str:
    for pattern, replacement in _PERIOD_WORDS:
        if re.fullmatch(pattern, period):
            return re.sub(pattern, replacement, period)
    return period


def status_condition(status: str, today: date) -> ColumnElement[bool]:
    """SQL for "the effective status is ``status`` on ``today``" (on the table's columns,
    which an ORM query of ``Obligation`` takes as they are)."""
    active = and_(_O.status.in_(("open", "acknowledged")), _O.tracked.is_(True))
    if status == "overdue":
        return and_(active, _O.due_on < today)
    if status in ("open", "acknowledged"):
        return and_(_O.status == status, _O.tracked.is_(True), _O.due_on >= today)
    if status == UNTRACKED:
        return and_(_O.status.in_(("open", "acknowledged")), _O.tracked.is_(False))
    if status in ("done", "waived"):
        return _O.status == status
    raise InputError(
        _("unknown status {status!r}; expected one of {value}").format(
            status=status, value=", ".join(EFFECTIVE_STATUSES)
        )
    )


def agency_ids(session: Session, wanted: str) -> list[int]:
    """The id of the one agency ``wanted`` names, as a filter (``engine.lookup``: a name
    two agencies share, such as "Sở Công Thương" of Hà Nội and of Hòa Bình, is refused
    with both listed, as everywhere else)."""
    from engine.lookup import find_agency  # only when asked: it reads the periods

    return [find_agency(session, wanted).id]


def plan_ids(session: Session, wanted: str) -> list[int]:
    """The ids of the plans ``wanted`` names (key, number or id)."""
    from engine.lookup import plans_matching

    return [plan.id for plan in plans_matching(session, wanted)]


_CONNECTIVES = {"và", "các", "của", "the", "and", "of"}


def abbreviation(name: str, aliases: Sequence[str]) -> str:
    """A short name for tight spaces: an alias such as "SCT", else the name's initials."""
    short = [a for a in aliases if re.fullmatch(r"[A-ZĐ0-9&\-]{2,10}", a)]
    if short:
        return min(short, key=len)
    letters = []
    for word in name.split():
        if word.lower() in _CONNECTIVES:
            continue
        if word.isupper() and len(word) > 1:
            letters.append(word)
        elif word[:1].isalpha():
            letters.append(_base_letter(word[0]).upper())
    return "".join(letters)[:6] or name[:6]


def _base_letter(char: str) -> str:
    if char in "đĐ":
        return "Đ"
    return unicodedata.normalize("NFD", char)[0]


# -- per-agency status: the scorecard of the status categories -----------------------------


@dataclass(frozen=True)
class ContactFlag:
    """An address or chat that delivery found broken (``ContactAddress.flag``)."""

    contact: str
    channel: str
    flag: str

    def as_json(self) -> dict[str, str]:
        return {"contact": self.contact, "channel": self.channel, "flag": self.flag}


@dataclass
class AgencyScore:
    """One agency's obligations in the status categories (``engine.categories``) as of a
    day, with the not-done ones split into ``open`` and ``acknowledged`` (``open +
    acknowledged == not_done_in_time + not_done_overdue``) and its contacts' flags."""

    agency: str
    key: str
    jurisdiction: str | None = None
    card: Scorecard = field(default_factory=Scorecard)
    open: int = 0
    acknowledged: int = 0
    flags: list[ContactFlag] = field(default_factory=list)
    label: str = ""  # the name, with the jurisdiction where two agencies share a name

    def as_json(self) -> dict[str, Any]:
        """One element of ``agencies`` in ``nhacviec status --json`` (README)."""
        return {
            "agency": self.agency, "key": self.key, "jurisdiction": self.jurisdiction,
            **card_json(self.card),
            "open": self.open, "acknowledged": self.acknowledged,
            "flags": [f.as_json() for f in self.flags],
        }  # fmt: skip


def card_json(card: Scorecard) -> dict[str, Any]:
    """A scorecard's counts, total and on-time rate (rounded to 4 places, None for 0/0)."""
    rate = card.on_time_rate
    return {
        "total": card.total, "done_on_time": card.done_on_time, "done_late": card.done_late,
        "done_within_extension": card.done_within_extension,
        "not_done_in_time": card.not_done_in_time, "not_done_overdue": card.not_done_overdue,
        "not_done_within_extension": card.not_done_within_extension, "waived": card.waived,
        "on_time_rate": round(rate, 4) if rate is not None else None,
    }  # fmt: skip


@dataclass(frozen=True)
class _Counted:
    """What ``categorize`` reads of one obligation (a selected row, not an ORM object)."""

    status: str
    due_on: date
    original_due_on: date
    done_at: datetime | None
    cancelled_at: datetime | None = None


def status_by_agency(
    session: Session, as_of: date, zone: ZoneInfo, plan_ids: Sequence[int] | None = None
) -> list[AgencyScore]:
    """The scorecard of every agency that owes something (in ``plan_ids``, or in every
    plan) as of the end of day ``as_of``; obligations cancelled by sync or not tracked are
    left out, and so are those that have not started by then and that nobody has acted on (a task of
    2030 is not "in time" in 2026: it has not begun). Most overdue first
    (``not_done_overdue``), then by name.
    """
    query = (
        select(Agency.id, Agency.name, Agency.key, Agency.jurisdiction, Obligation.status,
               Obligation.due_on, Obligation.original_due_on, Obligation.done_at,
               Obligation.acknowledged_at)
        .join(Agency, Agency.id == Obligation.agency_id)
        .where(Obligation.cancelled_at.is_(None), Obligation.tracked.is_(True),
               or_(func.coalesce(Obligation.opens_on, Obligation.original_due_on) <= as_of,
                   Obligation.status != "open"))
    )  # fmt: skip
    if plan_ids is not None:
        query = query.where(Obligation.plan_id.in_(list(plan_ids)))
    scores: dict[int, AgencyScore] = {}
    rows = session.execute(query)
    for aid, name, key, where, status, due, original, done_at, acked_at in rows:
        score = scores.setdefault(aid, AgencyScore(name, key, where))
        category = categorize(_Counted(status, due, original, done_at), as_of=as_of, zone=zone)
        score.card.add(category)
        if category.column in (Category.NOT_DONE_IN_TIME, Category.NOT_DONE_OVERDUE):
            acked = acked_at is not None and local_date(acked_at, zone) <= as_of
            if acked:
                score.acknowledged += 1
            else:
                score.open += 1
    from engine.periods import normalise as fold

    for aid, flag in _flags(session, scores.keys()):
        scores[aid].flags.append(flag)
    _label(scores.values())
    return sorted(scores.values(), key=lambda s: (-s.card.not_done_overdue, fold(s.agency), s.key))


def _label(scores: Iterable[AgencyScore]) -> None:
    """Name each agency; add the jurisdiction where two agencies of the table share a name
    (Sở Công Thương of Hà Nội and of Hòa Bình)."""
    scores = list(scores)
    names = Counter(s.agency for s in scores)
    for score in scores:
        shared = names[score.agency] > 1 and score.jurisdiction
        score.label = f"{score.agency} ({score.jurisdiction})" if shared else score.agency


def _flags(session: Session, ids: Iterable[int]) -> list[tuple[int, ContactFlag]]:
    """The flags on the active contacts of these agencies, by contact key (flags are
    rare: the few flagged contacts are read, then kept if their agency is wanted)."""
    wanted = set(ids)
    query = (
        select(Contact.agency_id, Contact.key, ContactAddress.channel, ContactAddress.flag)
        .join(ContactAddress, ContactAddress.contact_id == Contact.id)
        .where(Contact.active, ContactAddress.flag.is_not(None), ContactAddress.flag != "")
        .order_by(Contact.key)
    )
    order = {name: n for n, name in enumerate(CHANNELS)}
    rows = sorted(session.execute(query), key=lambda r: (r.key, order.get(r.channel, len(order))))
    return [
        (row.agency_id, ContactFlag(row.key, row.channel, row.flag))
        for row in rows
        if row.agency_id in wanted
    ]


# -- iCalendar ----------------------------------------------------------------------------


def revisions(session: Session) -> dict[int, int]:
    """How many times sync changed each obligation (the events' SEQUENCE)."""
    rows = session.execute(
        select(AuditEvent.obligation_id, func.count())
        .where(AuditEvent.event.in_(("updated", "reinstated", "cancelled")))
        .group_by(AuditEvent.obligation_id)
    )
    return {oid: count for oid, count in rows if oid is not None}


def event_uid(key: str) -> str:
    """A UID derived from the obligation key: the same event on every export."""
    return hashlib.sha1(key.encode()).hexdigest()[:32] + "@nhacviec"


def to_ical(
    items: Sequence[AgendaItem], now: datetime, revision: dict[int, int], name: str
) -> bytes:
    """One all-day event per obligation on its due date."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//nhacviec//nhắc việc//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for item in items:
        event = Event()
        event.add("uid", event_uid(item.key))
        event.add("dtstamp", now)
        event.add("last-modified", item.updated_at)
        event.add("sequence", revision.get(item.id, 0))
        event.add("dtstart", item.due)
        event.add("dtend", item.due + timedelta(days=1))
        event.add("summary", f"[{item.abbreviation}] {item.headline}")
        event.add("description", _description(item))
        event.add("categories", [labels.status(item.status), labels.role(item.role)])
        cancelled = item.cancelled or item.status == "waived"
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return bytes(cal.to_ical())


def _description(item: AgendaItem) -> str:
    opens = f" (bắt đầu {item.opens:%d/%m/%Y})" if item.opens else ""
    task = f", nhiệm vụ {item.task_number or item.task}" if item.task else ""
    lines = [
        f"Đơn vị: {item.agency}",
        f"Kỳ: {item.period}",
        f"Hạn: {item.due:%d/%m/%Y}{opens}",
        f"Trạng thái: {labels.status(item.status)}",
        f"Kế hoạch: {item.plan}{task}",
        f"Mã nhắc việc: #{item.id}",
    ]
    return "\n".join(lines)
