"""Formal reminder letters (công văn đôn đốc) as .docx, stored as ``Letter`` rows.

``make_letter(session, agency=…, plan=…, as_of=…, settings=…, now=…)`` collects what
the agency owes and has not done past its due date as of the end of day ``as_of`` (in
one plan, or in all of them), fills the template ``[letters] template`` (under
``[paths] templates``) with docxtpl, numbers the letter and stores it. It raises
``NothingToRemind`` instead of making an empty letter.

*Overdue* here is what ``engine.status.effective_status`` says: open or acknowledged
past the **current** due date (``due_on``). A letter chases what is late now, so work
whose deadline was formally extended is not chased before the new date; the reporting
categories (``engine.categories``) are the place where the original dates still count.

Numbers: ``[letters] number_format`` (default ``"{seq}/CV-NV"``) with ``{seq}`` the
letter's place among the letters stored in the same local calendar year as ``now``
(1, 2, …; a letter given an explicit number counts too), ``{year}`` and ``{yy}``. The
number is taken inside the caller's transaction; on PostgreSQL a transaction-scoped
advisory lock makes concurrent workers take turns, on SQLite the single writer does.

The letter is dated ``now`` (its local date, written "ngày 05 tháng 3 năm 2026": the
day with two digits, the month with two only for January and February, as Nghị định
30/2020/NĐ-CP asks); ``as_of`` is the "tính đến ngày" of its first paragraph.

A workflow stage with ``letter: true`` attaches a letter to its escalation emails
(``escalation_letters``): one per agency, plan and day (``Letter.key``), however many of
the agency's obligations escalate that day and however many people each escalation
reaches, since the letter lists everything the agency has overdue in the plan anyway. It
is linked to the first row that asked for it (``Letter.notification_id``), lists the
obligations it chases (``Letter.items``), and is reused by every other row of that day,
their recipients and their retries, so it keeps one number.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import InputError, NothingToRemind
from engine.i18n import _
from engine.status import effective_status, local_date

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.outbox import OutboxRow
    from engine.store.models import Agency, Letter, Notification, Obligation, Plan

BLANK = "……………"
STATUS_TEXT = {"open": "Chưa xác nhận", "acknowledged": "Đã nhận, chưa hoàn thành"}
_LOCK_KEY = 0x6E68_6376_4C54  # any constant shared by every writer of letters


@dataclass(frozen=True)
class OverdueItem:
    """One row of the letter's table."""

    obligation_id: int
    title: str
    period: str
    due_on: date
    original_due_on: date
    days_late: int
    status: str

    def context(self, no: int) -> dict[str, Any]:
        due = f"{self.due_on:%d/%m/%Y}"
        if self.due_on != self.original_due_on:
            due += f" (gia hạn, hạn đầu {self.original_due_on:%d/%m/%Y})"
        return {
            "no": no,
            "title": self.title,
            "period": self.period,
            "due": due,
            "days_late": self.days_late,
            "status": STATUS_TEXT.get(self.status, self.status),
        }


# ---------------------------------------------------------------------------- agencies


# ---------------------------------------------------------------------------- contents


def overdue_items(
    session: Session, agency: Agency, plan: Plan | None, *, as_of: date
) -> list[OverdueItem]:
    """What ``agency`` has not done past its current due date as of ``as_of``, by date."""
    from sqlalchemy import select

    from engine.store.models import Obligation, Plan

    query = (
        select(Obligation, Plan.number, Plan.key)
        .join(Plan, Plan.id == Obligation.plan_id)
        .where(
            Obligation.agency_id == agency.id,
            Obligation.cancelled_at.is_(None),
            Obligation.tracked.is_(True),
            Obligation.status.in_(("open", "acknowledged")),
            Obligation.due_on < as_of,
        )
        .order_by(Obligation.due_on, Obligation.title, Obligation.id)
    )
    if plan is not None:
        query = query.where(Obligation.plan_id == plan.id)
    items = []
    for obligation, number, key in session.execute(query):
        if effective_status(obligation.status, obligation.due_on, as_of) != "overdue":
            continue
        title = obligation.title
        if plan is None:  # several plans: say which one each item comes from
            title += f" (Kế hoạch {number or key})"
        items.append(_item(obligation, title, as_of))
    return items


def _item(obligation: Obligation, title: str, as_of: date) -> OverdueItem:
    return OverdueItem(
        obligation_id=obligation.id,
        title=title,
        period=obligation.period_label,
        due_on=obligation.due_on,
        original_due_on=obligation.original_due_on,
        days_late=(as_of - obligation.due_on).days,
        status=obligation.status,
    )


def letter_day(day: date) -> dict[str, str]:
    """Day, month and year as a công văn writes them (two-digit day; 01, 02 for months)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return {"day": f"{day.day:02d}", "month": month, "year": str(day.year)}


def plan_basis(plan: Plan | None) -> str:
    """What the letter cites: "Kế hoạch số 266/KH-UBND ngày 25/11/2021 của …"."""
    if plan is None:
        return "các kế hoạch đã ban hành"
    if not plan.number:
        return plan.title
    text = f"Kế hoạch số {plan.number}"
    if plan.issued_on is not None:
        text += f" ngày {plan.issued_on:%d/%m/%Y}"
    return text + (f" của {plan.issuer}" if plan.issuer else "")


def letter_context(
    *, agency: Agency, plan: Plan | None, items: list[OverdueItem], number: str, as_of: date,
    dated: date, settings: Settings,
) -> dict[str, Any]:  # fmt: skip
    """Everything the template's placeholders name (templates/letters/README.md)."""
    letters = settings.letters
    owner = plan.owner.name if plan is not None and plan.owner is not None else None
    subject = "đôn đốc thực hiện nhiệm vụ quá hạn"
    if plan is not None and plan.number:
        subject += f" theo Kế hoạch số {plan.number}"
    return {
        "superior": letters.superior or "",
        "issuer": letters.issuer or owner or BLANK,
        "number": number,
        "subject": subject,
        "place": letters.place or BLANK,
        **letter_day(dated),
        "agency": agency.name,
        "basis": plan_basis(plan),
        "as_of": f"{as_of:%d/%m/%Y}",
        "count": len(items),
        "items": [item.context(no) for no, item in enumerate(items, start=1)],
        "signer_title": letters.signer_title or "Quyền hạn, chức vụ của người ký",
        "signer_name": letters.signer_name or BLANK,
    }


def render_letter(template: Path, context: dict[str, Any]) -> bytes:
    """The filled .docx; a missing or broken template is an ``InputError`` naming it."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    if not template.is_file():
        raise InputError(_("letter template not found ([letters] template)"), file=str(template))
    try:
        document = DocxTemplate(str(template))
        # Escaping is on: agency names such as "Sở Nông nghiệp & PTNT" are XML text.
        document.render(context, autoescape=True)
    except TemplateError as exc:
        message = f"the letter template cannot be filled: {exc}"
        raise InputError(message, file=str(template)) from exc
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------- numbers


def next_number(session: Session, settings: Settings, *, now: datetime) -> str:
    """The next letter number of ``now``'s local year (see the module docstring)."""
    from sqlalchemy import func, select, text

    from engine.store.models import Letter

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    zone = settings.time.zone
    year = local_date(now, zone).year
    start = datetime.combine(date(year, 1, 1), time(), zone)
    end = datetime.combine(date(year + 1, 1, 1), time(), zone)
    count = session.scalar(
        select(func.count())
        .select_from(Letter)
        .where(Letter.created_at >= start, Letter.created_at < end)
    )
    seq = (count or 0) + 1
    return settings.letters.number_format.format(seq=seq, year=year, yy=f"{year % 100:02d}")


def letter_filename(number: str, agency: Agency) -> str:
    """The stored file name: "15/CV-NV" to hn.so-cong-thuong → "15-CV-NV_hn.so-cong-thuong.docx"."""
    stem = re.sub(r"[^0-9A-Za-z.-]+", "-", number).strip("-.") or "cong-van"
    return f"{stem[:80]}_{agency.key}.docx"


# ---------------------------------------------------------------------------- letters


def make_letter(
    session: Session,
    *,
    agency: Agency,
    plan: Plan | None = None,
    as_of: date,
    settings: Settings,
    now: datetime,
    number: str | None = None,
    obligation: Obligation | None = None,
    notification: Notification | None = None,
    key: str | None = None,
) -> Letter:
    """Make, store (flushed, not committed) and return the letter to ``agency``.

    ``obligation`` and ``notification`` only link the letter to what triggered it (an
    escalation stage), ``key`` names that escalation (``escalation_key``). Raises
    ``NothingToRemind`` when nothing is overdue.
    """
    from engine.store.models import Letter

    items = overdue_items(session, agency, plan, as_of=as_of)
    if not items:
        where = _(" in plan {key}").format(key=plan.key) if plan is not None else ""
        raise NothingToRemind(
            _(
                "{name} has nothing overdue{where} as of {as_of:%d/%m/%Y}: there is "
                "nothing to remind about, so no letter was made"
            ).format(name=agency.name, where=where, as_of=as_of)
        )
    number = number or next_number(session, settings, now=now)
    context = letter_context(
        agency=agency, plan=plan, items=items, number=number, as_of=as_of,
        dated=local_date(now, settings.time.zone), settings=settings,
    )  # fmt: skip
    template = settings.paths.templates / settings.letters.template
    letter = Letter(
        number=number,
        agency_id=agency.id,
        plan_id=plan.id if plan is not None else None,
        obligation_id=obligation.id if obligation is not None else None,
        notification_id=notification.id if notification is not None else None,
        created_at=now,
        filename=letter_filename(number, agency),
        content=render_letter(template, context),
        key=key,
        items=[item.obligation_id for item in items],
    )
    session.add(letter)
    session.flush()
    return letter


# ---------------------------------------------------------------------------- escalations


def escalation_key(agency_id: int, plan_id: int, day: date) -> str:
    """``Letter.key`` of the escalation letter to an agency about a plan on a day."""
    return f"esc:{agency_id}:{plan_id}:{day.isoformat()}"


def escalation_letters(
    session: Session, rows: Sequence[OutboxRow], *, settings: Settings, now: datetime
) -> dict[int, Letter]:
    """The letter each escalation row (``letter: true`` in its workflow stage) attaches,
    by row id, found in this order:

    1. the escalation letter already chasing the row's obligation that was made on or
       after the day the row was scheduled for: the row's own letter on an earlier try
       (a retry keeps its letter and its number);
    2. the letter of the agency that owes it, its plan and today (``Letter.key``), made
       by an earlier row of the day: one letter per agency, plan and day, however many
       obligations escalate and however many people each escalation reaches;
    3. a letter made before letters had keys, through the row's obligation and stage;
    4. else a new one, keyed for today, listing what the agency has overdue in that plan
       as of ``now``'s local date.

    A row whose obligation is no longer open or acknowledged (delivery cancels it), or
    whose agency has nothing overdue, gets no letter. The letters' lock is taken first
    (PostgreSQL), so two workers sending the same day's rows make one letter between them.
    """
    from sqlalchemy import text

    from engine.store.models import Obligation

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    zone = settings.time.zone
    today = local_date(now, zone)
    by_key: dict[str, Letter | None] = {}
    found: dict[int, Letter] = {}
    for row in rows:
        obligation = session.get(Obligation, row.obligation_id) if row.obligation_id else None
        if obligation is None:
            continue
        key = escalation_key(obligation.agency_id, obligation.plan_id, today)
        if key not in by_key:
            by_key[key] = _keyed(session, key)
        letter = (
            _chasing(session, obligation, local_date(row.scheduled_at, zone), zone)
            or by_key[key]
            or stage_letter(session, obligation.id, row.stage)
        )
        if letter is None:
            letter = by_key[key] = _new_stage_letter(session, row, obligation, key, settings, now)
        if letter is not None:
            found[row.id] = letter
    return found


def _keyed(session: Session, key: str) -> Letter | None:
    from sqlalchemy import select

    from engine.store.models import Letter

    return session.scalars(select(Letter).where(Letter.key == key)).first()


def _chasing(session: Session, obligation: Obligation, since: date, zone: Any) -> Letter | None:
    """The first escalation letter about ``obligation``'s agency and plan, made on or after
    ``since``, that lists it."""
    from sqlalchemy import select

    from engine.store.models import Letter

    start = datetime.combine(since, time(), zone)
    letters = session.scalars(
        select(Letter)
        .where(Letter.agency_id == obligation.agency_id, Letter.plan_id == obligation.plan_id,
               Letter.key.is_not(None), Letter.created_at >= start)
        .order_by(Letter.id)
    )  # fmt: skip
    return next((letter for letter in letters if obligation.id in (letter.items or [])), None)


def stage_letter(session: Session, obligation_id: int, stage: str) -> Letter | None:
    """The letter made for this obligation's escalation stage, if any (the first one)."""
    from sqlalchemy import select

    from engine.store.models import Letter, Notification

    return session.scalars(
        select(Letter)
        .join(Notification, Notification.id == Letter.notification_id)
        .where(Letter.obligation_id == obligation_id, Notification.stage == stage)
        .order_by(Letter.id)
        .limit(1)
    ).first()


def _new_stage_letter(
    session: Session,
    row: OutboxRow,
    obligation: Obligation,
    key: str,
    settings: Settings,
    now: datetime,
) -> Letter | None:
    from engine.store.models import Notification

    if obligation.cancelled_at is not None or not obligation.tracked:
        return None
    if obligation.status not in STATUS_TEXT or obligation.status in row.stop_on:
        return None
    as_of = local_date(now, settings.time.zone)
    try:
        return make_letter(
            session, agency=obligation.agency, plan=obligation.plan, as_of=as_of,
            settings=settings, now=now, obligation=obligation,
            notification=session.get(Notification, row.id), key=key,
        )  # fmt: skip
    except NothingToRemind:
        return None
