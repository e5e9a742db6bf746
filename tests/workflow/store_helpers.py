"""Putting small plans and directories into a store, as the importer's loader would."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.agencies import Directory
from engine.plans.model import PlanFile
from engine.store.models import Agency, Contact, Plan, Task


def put_directory(session: Session, directory: Directory) -> None:
    for entry in directory.agencies:
        agency = Agency(
            key=entry.key,
            name=entry.name,
            jurisdiction=entry.jurisdiction,
            aliases=list(entry.aliases),
            in_directory=True,
        )
        session.add(agency)
        session.flush()
        for key, contact in zip(entry.contact_keys(), entry.contacts, strict=True):
            row = Contact(
                key=key,
                agency_id=agency.id,
                name=contact.name,
                role=contact.role,
                language=contact.language,
                active=True,
            )
            for channel, address in contact.addresses.items():
                row.set_address(channel, address)
            session.add(row)
    session.flush()


def put_plan(session: Session, plan: PlanFile, now: datetime) -> Plan:
    """Insert or replace a plan and its tasks (tasks dropped from the plan become inactive)."""
    row = session.scalars(select(Plan).where(Plan.key == plan.key)).one_or_none()
    data = plan.model_dump(mode="json", by_alias=True)
    if row is None:
        row = Plan(key=plan.key, number=plan.number, content_hash="x", loaded_at=now, data=data,
                   title=plan.title,
                   period_start=plan.period.start, period_end=plan.period.end)  # fmt: skip
        session.add(row)
    row.data = data
    row.title = plan.title
    session.flush()
    existing = {t.key: t for t in session.scalars(select(Task).where(Task.plan_id == row.id))}
    for t in existing.values():
        t.active = False
    for position, task in enumerate(plan.tasks):
        t = existing.get(task.key) or Task(plan_id=row.id, key=task.key)
        t.position, t.section, t.number, t.title = position, task.section, task.number, task.title
        t.window_text, t.data, t.active = task.window_text, task.model_dump(mode="json"), True
        session.add(t)
    session.flush()
    return row
