"""Read-only views of loaded plans, for ``plan list`` and ``plan show``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.lookup import find_plan
from engine.store.models import Agency, Plan, Task, TaskAgency


def plan_rows(session: Session) -> list[dict[str, Any]]:
    """One dict per plan: id, key, number, period, active task count, owner, loaded_at,
    track_from (the tracking start, ISO; None: tracked from the start)."""
    counts = dict(
        session.execute(
            select(Task.plan_id, func.count()).where(Task.active.is_(True)).group_by(Task.plan_id)
        ).all()
    )
    rows = []
    for plan in session.scalars(select(Plan).order_by(Plan.id)):
        rows.append(
            {
                "id": plan.id,
                "key": plan.key,
                "number": plan.number,
                "title": plan.title,
                "period": _period(plan),
                "tasks": counts.get(plan.id, 0),
                "owner": plan.owner.name if plan.owner else None,
                "loaded_at": plan.loaded_at.isoformat(),
                "track_from": plan.track_from.isoformat() if plan.track_from else None,
            }
        )
    return rows


def plan_detail(session: Session, ref: str, *, include_inactive: bool = False) -> dict[str, Any]:
    plan = find_plan(session, ref)
    query = select(Task).where(Task.plan_id == plan.id).order_by(Task.position)
    if not include_inactive:
        query = query.where(Task.active.is_(True))
    tasks = list(session.scalars(query))
    names = _agency_names(session, [t.id for t in tasks])
    return {
        "id": plan.id,
        "key": plan.key,
        "number": plan.number,
        "title": plan.title,
        "period": _period(plan),
        "owner": plan.owner.name if plan.owner else None,
        "track_from": plan.track_from.isoformat() if plan.track_from else None,
        "tasks": [
            {
                "key": task.key,
                "title": task.title,
                "section": task.section,
                "lead": names.get((task.id, "lead"), []),
                "coordinators": names.get((task.id, "coordinator"), []),
                "window": task.window_text or _derived_window(task),
                "active": task.active,
            }
            for task in tasks
        ],
    }


def _agency_names(session: Session, task_ids: list[int]) -> dict[tuple[int, str], list[str]]:
    out: dict[tuple[int, str], list[str]] = {}
    if not task_ids:
        return out
    rows = session.execute(
        select(TaskAgency.task_id, TaskAgency.role, Agency.name)
        .join(Agency, Agency.id == TaskAgency.agency_id)
        .where(TaskAgency.task_id.in_(task_ids))
        .order_by(TaskAgency.task_id, TaskAgency.role, TaskAgency.position)
    )
    for task_id, role, name in rows:
        out.setdefault((task_id, role), []).append(name)
    return out


def _period(plan: Plan) -> str:
    if plan.period_start == plan.period_end:
        return str(plan.period_start)
    return f"{plan.period_start}–{plan.period_end}"


def _derived_window(task: Task) -> str | None:
    """A task without a printed window (budget years): its occurrences' labels."""
    labels = [o.get("label") for o in task.data.get("occurrences", []) if o.get("label")]
    if not labels:
        return None
    return labels[0] if len(labels) == 1 else f"{labels[0]} … {labels[-1]} ({len(labels)})"
