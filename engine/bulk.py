"""Acting on many obligations at once: ``ack``, ``done``, ``waive`` and ``track``.

A coordinator adopting a plan, or closing a reporting round, changes tens of obligations
at a time. Three plain steps, so that the CLI (preview, then ask), the web workspace and
scripts share them:

1. ``select_obligations``: the obligations named by ids and/or filters (``Selection``:
   plan, agency, due before a day, effective status as the agenda reads it, including
   ``untracked``); cancelled ones are never selected, an unknown id is an ``InputError``.
2. ``plan_steps``: what the action would do to each one, without writing anything: the
   status before and after, or why it is left alone (``unchanged``: already in effect;
   ``refused``: the status machine does not allow it, e.g. acknowledging a done one).
3. ``run_steps``: apply the steps that change something, each through the same path as
   a single action (``engine.status.apply_action``; ``engine.tracking.track_obligation``
   for ``track``), so every obligation gets its own audit event, its stopped reminders
   cancelled, and (``follow_up``) its reminders rescheduled where the change calls for
   it. Steps left alone write nothing.

Everything happens in the caller's session: one transaction for the whole batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from engine.errors import InputError, StatusError
from engine.i18n import _
from engine.status import EVENT_OF, decide, effective_status

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.store.models import Obligation

log = logging.getLogger("nhacviec.bulk")
BulkAction = Literal["ack", "done", "waive", "track"]
PAST: dict[str, str] = {str(action): event for action, event in EVENT_OF.items()}
PAST["track"] = "tracked"


@dataclass(frozen=True)
class Selection:
    """Which obligations: these ids, and/or those the filters keep (all must hold)."""

    ids: tuple[int, ...] = ()
    plan: str | None = None
    agency: str | None = None
    due_before: date | None = None
    status: str | None = None

    @property
    def filtered(self) -> bool:
        return any(v is not None for v in (self.plan, self.agency, self.due_before, self.status))

    @property
    def empty(self) -> bool:
        return not self.ids and not self.filtered


def select_obligations(session: Session, selection: Selection, today: date) -> list[Obligation]:
    """The obligations ``selection`` names, by due date then id (see the module docstring)."""
    from sqlalchemy import select

    from engine.store.models import Obligation
    from engine.workflow.agenda import agency_ids, plan_ids, status_condition

    if selection.empty:
        raise InputError(_(
"name obligations by ID, or filter them with --plan, --agency, "
"--due-before or --status"
))  # fmt: skip
    query = select(Obligation).where(Obligation.cancelled_at.is_(None))
    if selection.ids:
        query = query.where(Obligation.id.in_(sorted(set(selection.ids))))
    if selection.plan is not None:
        query = query.where(Obligation.plan_id.in_(plan_ids(session, selection.plan)))
    if selection.agency is not None:
        query = query.where(Obligation.agency_id.in_(agency_ids(session, selection.agency)))
    if selection.due_before is not None:
        query = query.where(Obligation.due_on < selection.due_before)
    if selection.status is not None:
        query = query.where(status_condition(selection.status, today))
    found = list(session.scalars(query.order_by(Obligation.due_on, Obligation.id)))
    _check_ids(session, selection.ids)
    return found


def _check_ids(session: Session, ids: Sequence[int]) -> None:
    from sqlalchemy import select

    from engine.store.models import Obligation

    if not ids:
        return
    rows = session.execute(select(Obligation.id, Obligation.cancelled_at).where(
        Obligation.id.in_(sorted(set(ids)))))  # fmt: skip
    known = {oid: cancelled for oid, cancelled in rows}
    missing = sorted(set(ids) - known.keys())
    if missing:
        shown = ", ".join(f"#{n}" for n in missing[:10])
        raise InputError(
            _("no obligation {shown} (see `nhacviec agenda` for the numbers)").format(shown=shown)
        )
    gone = sorted(oid for oid, cancelled in known.items() if cancelled is not None)
    if gone:
        shown = ", ".join(f"#{n}" for n in gone[:10])
        raise InputError(
            _("obligation {shown} no longer follows from its plan (cancelled by sync)").format(
                shown=shown
            )
        )


@dataclass(frozen=True)
class Step:
    """What an action does to one obligation: ``before`` → ``after`` (shown statuses),
    or ``outcome`` ``unchanged`` / ``refused`` with the ``reason``."""

    obligation: Obligation
    before: str
    after: str
    outcome: Literal["change", "unchanged", "refused"]
    reason: str | None = None


def plan_steps(obligations: Sequence[Obligation], action: BulkAction, today: date) -> list[Step]:
    """What ``action`` would do to each obligation (pure: nothing is written)."""
    return [_step(o, action, today) for o in obligations]


def _step(obligation: Obligation, action: BulkAction, today: date) -> Step:
    shown = effective_status(obligation.status, obligation.due_on, today, obligation.tracked)
    if action == "track":
        if obligation.tracked:
            return Step(obligation, shown, shown, "unchanged", "already tracked")
        after = effective_status(obligation.status, obligation.due_on, today, True)
        return Step(obligation, shown, after, "change")
    if action == "ack" and not obligation.tracked:
        return Step(obligation, shown, shown, "refused", "not tracked: track it first")
    try:
        decision = decide(action, obligation.status)
    except StatusError as error:
        reason = str(error).removeprefix(f"cannot {action}: ")
        return Step(obligation, shown, shown, "refused", reason)
    after = effective_status(decision.after, obligation.due_on, today, obligation.tracked)
    if not decision.changed:
        return Step(obligation, shown, after, "unchanged", f"already {decision.after}")
    return Step(obligation, shown, after, "change")


@dataclass
class BulkResult:
    """What ``run_steps`` did: the obligations changed, and the reminders it touched."""

    action: BulkAction
    changed: list[int] = field(default_factory=list)
    left_alone: int = 0
    reminders_cancelled: int = 0
    reminders_scheduled: int = 0

    def summary(self) -> str:
        n = len(self.changed)
        text = f"{n} obligation{'s' if n != 1 else ''} {PAST[self.action]}"
        if self.left_alone:
            text += f", {self.left_alone} left as they were"
        text += f"; {self.reminders_cancelled} pending reminders cancelled"
        if self.reminders_scheduled:
            text += f", {self.reminders_scheduled} scheduled"
        return text + "."


def run_steps(
    session: Session,
    steps: Sequence[Step],
    action: BulkAction,
    *,
    now: datetime,
    zone: ZoneInfo,
    actor: str,
    channel: str,
    note: str | None = None,
    settings: Settings | None = None,
) -> BulkResult:
    """Apply the steps that change something (module docstring), one audit event each.

    With ``settings``, obligations whose reminders depend on the change (tracked again,
    acknowledged with a stage timed from the acknowledgement) are rescheduled at once.
    """
    from engine.status import apply_action
    from engine.tracking import track_obligation

    result = BulkResult(action)
    before = _pending(session, [s.obligation.id for s in steps if s.outcome == "change"])
    for step in steps:
        if step.outcome != "change":
            result.left_alone += 1
            continue
        obligation = step.obligation
        if action == "track":
            track_obligation(session, obligation, now=now, actor=actor, channel=channel, note=note)
        else:
            apply_action(session, obligation, action, now=now, zone=zone, actor=actor,
                         channel=channel, note=note)  # fmt: skip
        result.changed.append(obligation.id)
    after = _pending(session, result.changed)
    result.reminders_cancelled = max(0, before - after)
    if settings is not None:
        result.reminders_scheduled = follow_up(session, settings, action, result.changed, now=now)
    return result


def follow_up(
    session: Session, settings: Settings, action: str, ids: Sequence[int], *, now: datetime
) -> int:
    """Reschedule what an action calls for: a tracked obligation's reminders still ahead,
    an acknowledged one's stages timed from the acknowledgement (a reopening needs
    nothing: those stages stop on ``open``). Returns how many reminders were added or
    came back.

    The action itself stands if this fails (a workflow file being edited is invalid):
    the failure is logged, and the next sync schedules the same reminders.
    """
    if not ids or action not in ("track", "ack"):
        return 0
    from engine.errors import NhacviecError
    from engine.tracking import reschedule_tracked

    try:  # workflows are read before anything is written
        return reschedule_tracked(session, settings, list(ids), now=now)
    except NhacviecError as error:
        log.warning(_("reminders of %s obligations left to the next sync: %s"), len(ids), error)
        return 0


def _pending(session: Session, ids: Sequence[int]) -> int:
    from sqlalchemy import func, select

    from engine.store.models import Notification
    from engine.util import chunked

    total = 0
    for chunk in chunked(sorted(set(ids)), 900):
        query = select(func.count()).where(
            Notification.obligation_id.in_(chunk), Notification.state == "pending"
        )
        total += session.scalar(query) or 0
    return total
