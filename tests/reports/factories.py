"""Rows for the report and letter tests, made directly with the ORM.

Every function takes an open session, adds and flushes, and returns the object, so ids
are known. Instants are given in Hà Nội time (``at``); the defaults describe Hà Nội's
plan 266/KH-UBND for 2026, owned by Sở Công Thương.
"""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from engine.config import LettersSettings, PathsSettings, Settings
from engine.store.models import Agency, AuditEvent, Obligation, Plan, Task
from tests import helpers
from tests.factories import CREATED, HANOI, ROOT, agency, plan

__all__ = ["HANOI", "ROOT", "agency", "at", "note", "obligation", "plan", "settings", "task"]

_serial = count(1)


at = helpers.at_hour(time(10, 0))  # ``at(date(2026, 6, 30))`` is 10:00 that day


def settings(**letters: Any) -> Settings:
    """Settings with the repository's templates and the given ``[letters]`` values."""
    return Settings(
        paths=PathsSettings(templates=ROOT / "templates"), letters=LettersSettings(**letters)
    )


def task(s: Session, of: Plan, number: str, title: str, *, position: int) -> Task:
    row = Task(
        plan_id=of.id, key=f"t{number}", position=position, number=number, title=title, data={}
    )
    s.add(row)
    s.flush()
    return row


def obligation(
    s: Session,
    of: Plan,
    by: Agency,
    *,
    due: date,
    task: Task | None = None,
    title: str | None = None,
    role: str = "lead",
    period: str = "Năm 2026",
    extended_to: date | None = None,
    status: str = "open",
    done_at: datetime | None = None,
    cancelled: bool = False,
) -> Obligation:
    """An obligation due on ``due`` (original), moved to ``extended_to`` if given."""
    row = Obligation(
        key=f"test:{next(_serial)}",
        workflow="scp",
        rule="chu-tri" if task is not None else "bao-cao",
        plan_id=of.id,
        task_id=task.id if task is not None else None,
        duty=None if task is not None else "report-half-yearly",
        agency_id=by.id,
        role=role,
        title=title or (task.title if task is not None else "Báo cáo"),
        period_label=period,
        due_on=extended_to or due,
        original_due_on=due,
        status=status,
        done_at=done_at,
        done_late=None if done_at is None else done_at.astimezone(HANOI).date() > due,
        cancelled_at=CREATED if cancelled else None,
        spec_hash="h",
        created_at=CREATED,
        updated_at=CREATED,
    )
    s.add(row)
    s.flush()
    return row


def note(s: Session, of: Obligation, text: str | None, *, when: datetime) -> AuditEvent:
    """An audit event about ``of`` carrying ``text`` as its note."""
    row = AuditEvent(obligation_id=of.id, at=when, event="note", channel="cli", note=text)
    s.add(row)
    s.flush()
    return row
