"""A plan's tracking start: what a coordinator adopting a plan part-way through takes on.

A plan loaded in 2026 of a 2021–2030 programme owes, on paper, five years of work that
was handled (or not) before nhacviec existed. ``Plan.track_from`` (``plan load
--track-from D``, default the day the plan is first loaded) draws the line: an obligation
whose plan due date (``original_due_on``) is before it is *not tracked* ("chưa theo
dõi", ``Obligation.tracked`` False). Such an obligation

- gets no reminder and no escalation (sync creates its rows cancelled, delivery cancels
  any still pending: ``engine.status.reminder_status``);
- is never overdue, and is left out of digests, letters, ``status``, ``report``, the
  agenda and the calendar (``agenda --untracked`` lists them);
- keeps its status: it can be recorded as done (with its report number) or waived, and
  then stays untracked, outside the statistics (it was done before tracking began);
- is brought in by ``track`` (``track_obligation``): from then on it is followed like
  any other, overdue included, and moving the tracking start again leaves it tracked.

Moving the tracking start (``set_track_from``) re-decides every obligation of the plan
that nobody brought in by hand; each change is an audit event ("tracked" or
"untracked", ``data.via`` = ``track_from``), and the pending reminders of obligations that
stop being tracked are cancelled at once. Reminders of obligations that become tracked
again come back with the next sync, or at once when the caller reschedules
(``engine.workflow.sync.reschedule``) as the CLI does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from engine.errors import TrackingError
from engine.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.store.models import Obligation, Plan

TRACKED = "tracked"
UNTRACKED = "untracked"
BY_HAND = "track"  # AuditEvent.data["via"] of a ``track`` by a person
BY_START = "track_from"  # … of a change the tracking start made


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The local calendar day of ``now``: the default tracking start of a new plan."""
    return now.astimezone(zone).date()


def tracked_by_start(due_on: date, track_from: date | None) -> bool:
    """Whether an obligation due ``due_on`` is tracked under the tracking start."""
    return track_from is None or due_on >= track_from


@dataclass
class TrackingChange:
    """What moving a plan's tracking start did."""

    plan_key: str
    before: date | None
    after: date
    tracked: list[int] = field(default_factory=list)  # obligations brought in
    untracked: list[int] = field(default_factory=list)  # obligations left out
    cancelled_reminders: int = 0

    def summary(self) -> str:
        before = f"{self.before:%d/%m/%Y}" if self.before else _("the start of the plan")
        return _(
            "Plan {key}: tracking from {after} (was {before}); {tracked} obligations now "
            "tracked, {untracked} no longer tracked, {cancelled} pending reminders cancelled."
        ).format(
            key=self.plan_key, after=f"{self.after:%d/%m/%Y}", before=before,
            tracked=len(self.tracked), untracked=len(self.untracked),
            cancelled=self.cancelled_reminders,
        )  # fmt: skip


def set_track_from(
    session: Session, plan: Plan, day: date, *, now: datetime, actor: str, channel: str
) -> TrackingChange:
    """Move ``plan``'s tracking start to ``day`` and re-decide its obligations (module
    docstring); obligations someone brought in by hand stay tracked."""
    from sqlalchemy import select

    from engine.store.models import Obligation

    change = TrackingChange(plan.key, plan.track_from, day)
    plan.track_from = day
    pinned = _brought_in(session, plan.id)
    rows = session.scalars(
        select(Obligation).where(Obligation.plan_id == plan.id, Obligation.cancelled_at.is_(None))
    )
    for obligation in rows:
        wanted = obligation.id in pinned or tracked_by_start(obligation.original_due_on, day)
        if wanted == obligation.tracked:
            continue
        data = {"via": BY_START, "track_from": day.isoformat()}
        _set(session, obligation, wanted, now=now, actor=actor, channel=channel, data=data)
        (change.tracked if wanted else change.untracked).append(obligation.id)
        if not wanted:
            change.cancelled_reminders += _cancel_pending(session, obligation, now)
    session.flush()
    return change


def track_obligation(
    session: Session,
    obligation: Obligation,
    *,
    now: datetime,
    actor: str | None,
    channel: str,
    note: str | None = None,
) -> bool:
    """Bring one obligation into tracking; False (recorded, nothing changed) if it
    already was. Raises ``TrackingError`` for an obligation cancelled by sync."""
    if obligation.cancelled_at is not None:
        raise TrackingError(
            _("obligation {id} no longer follows from its plan (cancelled by sync)").format(
                id=obligation.id
            )
        )
    changed = not obligation.tracked
    data = {"via": BY_HAND, "changed": changed}
    _set(session, obligation, True, now=now, actor=actor, channel=channel, data=data, note=note)
    session.flush()
    return changed


def _set(
    session: Session,
    obligation: Obligation,
    tracked: bool,
    *,
    now: datetime,
    actor: str | None,
    channel: str,
    data: dict[str, Any],
    note: str | None = None,
) -> None:
    from engine.store.models import AuditEvent

    event = TRACKED if tracked else UNTRACKED
    session.add(AuditEvent(obligation_id=obligation.id, at=now, event=event, actor=actor,
                           channel=channel, note=note, data=data))  # fmt: skip
    if obligation.tracked != tracked:
        obligation.tracked = tracked
        obligation.updated_at = now


def _brought_in(session: Session, plan_id: int) -> set[int]:
    """The plan's obligations a person brought into tracking (``track``)."""
    from sqlalchemy import select

    from engine.store.models import AuditEvent, Obligation

    rows = session.execute(
        select(AuditEvent.obligation_id, AuditEvent.data)
        .join(Obligation, Obligation.id == AuditEvent.obligation_id)
        .where(Obligation.plan_id == plan_id, AuditEvent.event == TRACKED)
    )
    return {oid for oid, data in rows if oid is not None and (data or {}).get("via") == BY_HAND}


def _cancel_pending(session: Session, obligation: Obligation, now: datetime) -> int:
    from engine.status import cancel_stopped_notifications

    return cancel_stopped_notifications(session, obligation, now)


def reschedule_tracked(
    session: Session, settings: Settings, obligation_ids: list[int], *, now: datetime
) -> int:
    """Bring back, at once, the reminders still ahead of obligations that became tracked
    (what the next sync would do); returns how many came back."""
    if not obligation_ids:
        return 0
    from engine.workflow.calendar import WorkCalendar
    from engine.workflow.schema import load_workflows
    from engine.workflow.sync import reschedule

    workflows = load_workflows(settings.paths.workflows)
    calendar = WorkCalendar.from_settings(settings)
    report = reschedule(session, obligation_ids, workflows, calendar, now=now)
    return report.notifications_restored + report.notifications_added
