"""``nhacviec ack|done|waive|track|reopen|show ID``: act on obligations from the command line.

``ack``, ``done``, ``waive`` and ``track`` also take several IDs and filters (``--plan``,
``--agency``, ``--due-before``, ``--status``): they show what they would change, and ask
on a terminal before changing it (``--yes`` for scripts, ``--dry-run`` to only show);
each obligation changed gets its own audit event (``engine.bulk``). One ID and no filter
acts at once, as it always did.

``show`` also lists the obligation's extension requests, the formal letters its
escalations attached, and the snoozes of its reminders.

The same status machine as the Telegram buttons and the email link
(``engine.status.apply_action``, channel ``cli``): every call is an audit event with who
(``--by``, default the OS user), when (``--now``, default now) and an optional note;
pending reminders that the new status stops are cancelled at once, and the bot brings
the buttons of sent Telegram messages up to date (``notifiers.telegram.buttons``). An unknown ID
or a refused transition (acknowledging a waived obligation) is exit status 2.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer

from engine import ids, labels
from engine.cli.app import app, console, print_json, state
from engine.errors import InputError, NhacviecError
from engine.i18n import N_, _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.bulk import BulkAction, Step
    from engine.status import Action, Decision
    from engine.store.models import Contact, Obligation

ID = typer.Argument(..., metavar="ID", help="The obligation's number (as in reminders: #12).")
IDS = typer.Argument(None, metavar="[ID]...", help="Obligation numbers (as in reminders: #12).")
ACTOR_LIMIT = 200
BY = typer.Option(None, "--by", help="Who did it (default: your user name).")
NOTE = typer.Option(None, "--note", help='A note, e.g. the report\'s number "245/BC-SCT".')
NOW = typer.Option(None, "--now", help="The instant of the action, ISO 8601 (default: now).")
PLAN = typer.Option(None, "--plan", help="Only obligations of this plan (key or number).")
AGENCY = typer.Option(None, "--agency", help="Only obligations of this agency (key, name, alias).")
DUE_BEFORE = typer.Option(None, "--due-before", help="Only those due before this day.")
STATUS = typer.Option(
    None, "--status", help="Only those in this status: open, acknowledged, overdue, untracked, "
    "done or waived (as the agenda shows it)."
)  # fmt: skip
YES = typer.Option(False, "--yes", "-y", help="Change them without asking.")
DRY_RUN = typer.Option(False, "--dry-run", help="Only show what would change.")


@dataclass(frozen=True)
class Filters:
    """The selection options of a bulk action, as typed."""

    ids: list[str]
    plan: str | None
    agency: str | None
    due_before: str | None
    status: str | None
    yes: bool
    dry_run: bool

    @property
    def single(self) -> bool:
        """One ID and nothing else: act at once, as one action always did."""
        options = (self.plan, self.agency, self.due_before, self.status)
        filtered = any(v is not None for v in options)
        return len(self.ids) == 1 and not filtered and not self.dry_run


@app.command()
def ack(
    ctx: typer.Context,
    obligation_ids: list[str] | None = IDS,
    plan: str | None = PLAN,
    agency: str | None = AGENCY,
    due_before: str | None = DUE_BEFORE,
    status: str | None = STATUS,
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
    by: str | None = BY,
    note: str | None = NOTE,
    now: str | None = NOW,
) -> None:
    """Acknowledge obligations: the agency has them in hand (stops "please confirm" reminders)."""
    chosen = Filters(obligation_ids or [], plan, agency, due_before, status, yes, dry_run)
    _dispatch(ctx, "ack", chosen, by, note, now)


@app.command()
def done(
    ctx: typer.Context,
    obligation_ids: list[str] | None = IDS,
    plan: str | None = PLAN,
    agency: str | None = AGENCY,
    due_before: str | None = DUE_BEFORE,
    status: str | None = STATUS,
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
    by: str | None = BY,
    note: str | None = NOTE,
    now: str | None = NOW,
) -> None:
    """Record obligations as done, on time or late (stops every reminder)."""
    chosen = Filters(obligation_ids or [], plan, agency, due_before, status, yes, dry_run)
    _dispatch(ctx, "done", chosen, by, note, now)


@app.command()
def waive(
    ctx: typer.Context,
    obligation_ids: list[str] | None = IDS,
    reason: str = typer.Option(..., "--reason", help="Why it need not be done (kept in history)."),
    plan: str | None = PLAN,
    agency: str | None = AGENCY,
    due_before: str | None = DUE_BEFORE,
    status: str | None = STATUS,
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
    by: str | None = BY,
    now: str | None = NOW,
) -> None:
    """Waive open or acknowledged obligations: they need not be done."""
    chosen = Filters(obligation_ids or [], plan, agency, due_before, status, yes, dry_run)
    _dispatch(ctx, "waive", chosen, by, reason, now)


@app.command()
def track(
    ctx: typer.Context,
    obligation_ids: list[str] | None = IDS,
    plan: str | None = PLAN,
    agency: str | None = AGENCY,
    due_before: str | None = DUE_BEFORE,
    status: str | None = STATUS,
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
    by: str | None = BY,
    note: str | None = NOTE,
    now: str | None = NOW,
) -> None:
    """Bring obligations due before their plan's tracking start into tracking."""
    chosen = Filters(obligation_ids or [], plan, agency, due_before, status, yes, dry_run)
    _dispatch(ctx, "track", chosen, by, note, now)


@app.command()
def reopen(
    ctx: typer.Context,
    obligation_id: str = ID,
    by: str | None = BY,
    note: str | None = NOTE,
    now: str | None = NOW,
) -> None:
    """Reopen an acknowledged, done or waived obligation."""
    _act(ctx, "reopen", parse_id(obligation_id), by, note, now)


@app.command()
def show(
    ctx: typer.Context,
    obligation_id: str = ID,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    now: str | None = typer.Option(None, "--now", help="Judge overdue as of this instant."),
) -> None:
    """Show an obligation, its notifications and its whole history."""
    appctx = state(ctx)
    zone = appctx.settings.time.zone
    instant = parse_now(now, zone)
    with appctx.store().session() as session:
        data = describe(session, _get(session, parse_id(obligation_id)), instant, zone)
    if as_json:
        print_json(data)
    else:
        _print_show(data)


# ---------------------------------------------------------------------------- acting


def _dispatch(
    ctx: typer.Context,
    action: BulkAction,
    chosen: Filters,
    by: str | None,
    note: str | None,
    now: str | None,
) -> None:
    if chosen.single:
        number = parse_id(chosen.ids[0])
        if action == "track":
            _track_one(ctx, number, by, note, now)
        else:
            _act(ctx, action, number, by, note, now)
        return
    _bulk(ctx, action, chosen, by, note, now)


def parse_id(text: str) -> int:
    """An obligation's number as people write it: ``12`` or ``#12``; a number too large
    to be one (``engine.ids``) names no obligation, like one that is not there."""
    number = ids.parse_id(text)
    if number is not None:
        return number
    value = text.strip().removeprefix("#")
    if value.isascii() and value.isdigit():
        raise NhacviecError(
            _("no obligation #{value} (see `nhacviec agenda` for the numbers)").format(value=value)
        )
    raise InputError(
        _("{text!r} is not an obligation number (they look like 12 or #12)").format(text=text)
    )


def _actor(by: str | None) -> str:
    actor = by or default_actor()
    if len(actor) > ACTOR_LIMIT:  # the audit event's column; PostgreSQL would refuse it
        raise InputError(
            _("--by: at most {ACTOR_LIMIT} characters, got {count}").format(
                ACTOR_LIMIT=ACTOR_LIMIT, count=len(actor)
            )
        )
    return actor


def _bulk(
    ctx: typer.Context,
    action: BulkAction,
    chosen: Filters,
    by: str | None,
    note: str | None,
    now: str | None,
) -> None:
    import sys

    from engine.bulk import Selection, plan_steps, run_steps, select_obligations
    from engine.dates import parse_date
    from engine.status import local_date

    appctx = state(ctx)
    zone = appctx.settings.time.zone
    instant = parse_now(now, zone)
    actor = _actor(by)
    selection = Selection(
        ids=tuple(parse_id(i) for i in chosen.ids), plan=chosen.plan, agency=chosen.agency,
        due_before=parse_date(chosen.due_before, "--due-before") if chosen.due_before
        else None, status=_status(chosen.status),
    )  # fmt: skip
    out = console()
    with appctx.store().session() as session:
        steps = plan_steps(select_obligations(session, selection, local_date(instant, zone)),
                           action, local_date(instant, zone))  # fmt: skip
        changing = sum(1 for s in steps if s.outcome == "change")
        out.print(_preview(steps, action), markup=False, soft_wrap=True)
        out.print(_tally(steps, action), markup=False)
        if chosen.dry_run or not changing:
            out.print("Nothing changed" + (" (--dry-run)." if chosen.dry_run else "."))
            return
        if not chosen.yes:
            if not sys.stdin.isatty():
                raise InputError(
                    _(
                        "{action} would change {changing} obligations: pass --yes to change "
                        "them, or --dry-run to only show them"
                    ).format(action=action, changing=changing)
                )
            if not typer.confirm(f"{action.capitalize()} these {changing} obligations?"):
                out.print("Nothing changed.")
                return
        result = run_steps(session, steps, action, now=instant, zone=zone, actor=actor,
                           channel="cli", note=note, settings=appctx.settings)  # fmt: skip
    out.print(result.summary(), markup=False)


def _status(text: str | None) -> str | None:
    from engine.workflow.agenda import EFFECTIVE_STATUSES

    if text is None:
        return None
    if text not in EFFECTIVE_STATUSES:
        raise InputError(
            _("--status {text!r}: expected one of {value}").format(
                text=text, value=", ".join(EFFECTIVE_STATUSES)
            )
        )
    return text


def _preview(steps: list[Step], action: BulkAction) -> str:
    """One line per obligation selected, as ``sync`` lists what it changed."""
    lines = [f"{action}: {len(steps)} obligations selected"]
    for step in steps:
        ob = step.obligation
        change = f"{step.before} → {step.after}" if step.outcome == "change" else (
            f"{step.before} ({step.outcome}: {step.reason})")  # fmt: skip
        lines.append(f"  #{ob.id} {ob.agency.name}: {ob.title} ({ob.period_label}), "
                     f"hạn {ob.due_on:%d/%m/%Y} — {change}")  # fmt: skip
    return "\n".join(lines)


def _tally(steps: list[Step], action: BulkAction) -> str:
    from collections import Counter

    counts = Counter(s.outcome for s in steps)
    text = f"{action}: {counts['change']} would change"
    if counts["unchanged"]:
        text += f", {counts['unchanged']} already so"
    if counts["refused"]:
        text += f", {counts['refused']} refused"
    return text + "."


def _track_one(
    ctx: typer.Context, obligation_id: int, by: str | None, note: str | None, now: str | None
) -> None:
    from engine.bulk import follow_up
    from engine.tracking import track_obligation

    appctx = state(ctx)
    instant = parse_now(now, appctx.settings.time.zone)
    actor = _actor(by)
    with appctx.store().session() as session:
        obligation = _get(session, obligation_id)
        changed = track_obligation(session, obligation, now=instant, actor=actor, channel="cli",
                                   note=note)  # fmt: skip
        back = follow_up(session, appctx.settings, "track", [obligation_id], now=instant)
    ref = f"#{obligation.id} {obligation.title}"
    if not changed:
        message = f"{ref}: already tracked; recorded, nothing changed."
    else:
        message = f"{ref}: tracked by {actor}; {back} reminders still ahead scheduled."
    console().print(message, markup=False, soft_wrap=True)


def _act(
    ctx: typer.Context,
    action: Action,
    obligation_id: int,
    by: str | None,
    note: str | None,
    now: str | None,
) -> None:
    from engine.bulk import follow_up
    from engine.errors import StatusError
    from engine.status import apply_action

    appctx = state(ctx)
    zone = appctx.settings.time.zone
    instant = parse_now(now, zone)
    actor = _actor(by)
    with appctx.store().session() as session:
        obligation = _get(session, obligation_id)
        pending = _pending(session, obligation_id)
        try:
            decision, _event = apply_action(
                session, obligation, action, now=instant, zone=zone, actor=actor,
                channel="cli", note=note,
            )  # fmt: skip
        except StatusError as error:
            raise StatusError(
                _("obligation #{obligation_id}: {error}").format(
                    obligation_id=obligation_id, error=error
                )
            ) from None
        cancelled = max(0, pending - _pending(session, obligation_id))
        if decision.changed:
            follow_up(session, appctx.settings, action, [obligation_id], now=instant)
        message = _summary(obligation, decision, actor, cancelled, zone)
    console().print(message, markup=False, soft_wrap=True)


def _summary(
    obligation: Obligation, decision: Decision, actor: str, cancelled: int, zone: ZoneInfo
) -> str:
    from engine.status import EVENT_OF

    ref = f"#{obligation.id} {obligation.title}"
    if not decision.changed:
        return f"{ref}: already {decision.after}; recorded, nothing changed."
    line = f"{ref}: {EVENT_OF[decision.action]} by {actor} (was {decision.before})"
    if decision.after == "done" and not obligation.tracked:
        line += ", before its plan was tracked (outside the statistics)"
    elif decision.after == "done":
        line += f", {_lateness(obligation, zone)}"
    line += "."
    if cancelled:
        line += f" {cancelled} pending reminder{'s' if cancelled != 1 else ''} cancelled."
    return line


def _lateness(obligation: Obligation, zone: ZoneInfo) -> str:
    from engine.status import local_date

    due = obligation.original_due_on.strftime("%d/%m/%Y")
    if not obligation.done_late or obligation.done_at is None:
        return f"on time (due {due})"
    days = (local_date(obligation.done_at, zone) - obligation.original_due_on).days
    return f"{days} day{'s' if days != 1 else ''} late (due {due})"


def _pending(session: Session, obligation_id: int) -> int:
    from sqlalchemy import func, select

    from engine.store.models import Notification

    query = select(func.count()).where(
        Notification.obligation_id == obligation_id, Notification.state == "pending"
    )
    return session.scalar(query) or 0


def _get(session: Session, obligation_id: int) -> Obligation:
    from engine.store.models import Obligation

    obligation = session.get(Obligation, obligation_id)
    if obligation is None:
        raise NhacviecError(
            _("no obligation #{obligation_id} (see `nhacviec agenda` for the numbers)").format(
                obligation_id=obligation_id
            )
        )
    return obligation


def default_actor() -> str:
    """The OS user name, as ``--by`` defaults to."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return os.environ.get("USER") or "cli"


def parse_now(text: str | None, zone: ZoneInfo) -> datetime:
    """``--now``: an ISO 8601 instant; without an offset it is local time in ``zone``."""
    if text is None:
        return datetime.now(UTC)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            _("--now {text!r}: expected an ISO 8601 instant such as 2026-06-10T09:00+07:00").format(
                text=text
            )
        ) from None
    return instant.replace(tzinfo=zone) if instant.tzinfo is None else instant


# ---------------------------------------------------------------------------- showing


def describe(
    session: Session, obligation: Obligation, now: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    """Everything ``show`` prints, as JSON-ready data (instants in the local zone)."""
    from sqlalchemy import select

    from engine.status import effective_status, local_date
    from engine.store.models import AuditEvent, Notification

    def at(instant: datetime | None) -> str | None:
        return instant.astimezone(zone).isoformat() if instant is not None else None

    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.obligation_id == obligation.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    notifications = session.scalars(
        select(Notification)
        .where(Notification.obligation_id == obligation.id)
        .order_by(Notification.scheduled_at, Notification.id)
    )
    today = local_date(now, zone)
    shown = effective_status(obligation.status, obligation.due_on, today, obligation.tracked)
    extras = _extras(session, obligation, zone)
    return {
        "id": obligation.id,
        "status": obligation.status,
        "agency": obligation.agency.name,
        "due": obligation.due_on.isoformat(),
        "effective_status": "cancelled" if obligation.cancelled_at else shown,
        "overdue": shown == "overdue",
        "title": obligation.title,
        "agency_key": obligation.agency.key,
        "role": obligation.role,
        "plan": obligation.plan.number or obligation.plan.key,
        "period": obligation.period_label,
        "original_due": obligation.original_due_on.isoformat(),
        "acknowledged_at": at(obligation.acknowledged_at),
        "done_at": at(obligation.done_at),
        "done_late": obligation.done_late,
        "cancelled_at": at(obligation.cancelled_at),
        "tracked": obligation.tracked,
        "key": obligation.key,
        "history": [
            {
                "at": at(e.at),
                "event": e.event,
                "by": e.actor,
                "channel": e.channel,
                "note": e.note,
                "data": e.data,
            }
            for e in events
        ],
        "notifications": [
            {
                "stage": n.stage,
                "channel": n.channel,
                "to": _address(n.channel, n.contact),
                "scheduled": at(n.scheduled_at),
                "state": n.state,
                "contact": n.contact.key,
                "sent": at(n.sent_at),
                "attempts": n.attempts,
                "error": n.last_error,
            }
            for n in notifications
        ],
        **extras,
    }


def _extras(session: Session, obligation: Obligation, zone: ZoneInfo) -> dict[str, Any]:
    """Extension requests, letters and snoozes of the obligation (``show``)."""
    from sqlalchemy import select

    from engine.cli.extensions import request_json
    from engine.extensions import list_requests, snoozes_of
    from engine.store.models import Letter, Notification

    requests = [r for r, o in list_requests(session) if o.id == obligation.id]
    # The letters that chase it: those its escalations made, and the agency's letters of
    # an escalation day that list it (one letter per agency, plan and day).
    found = session.execute(
        select(Letter.id, Letter.number, Letter.filename, Letter.created_at, Notification.stage,
               Letter.obligation_id, Letter.items)
        .outerjoin(Notification, Notification.id == Letter.notification_id)
        .where(Letter.agency_id == obligation.agency_id)
        .order_by(Letter.id)
    )  # fmt: skip
    letters = [
        (lid, number, filename, created, stage)
        for lid, number, filename, created, stage, about, items in found
        if about == obligation.id or obligation.id in (items or [])
    ]
    return {
        "extensions": [request_json(r, obligation, zone) for r in reversed(requests)],
        "letters": [
            {
                "id": lid,
                "number": number,
                "filename": filename,
                "stage": stage,
                "created": created.astimezone(zone).isoformat(),
            }
            for lid, number, filename, created, stage in letters
        ],
        "snoozes": [
            {"contact": c.key, "name": c.name, "until": s.until.astimezone(zone).isoformat()}
            for s, c in snoozes_of(session, obligation.id)
        ],
    }


def _address(channel: str, contact: Contact) -> str | None:
    """The contact's address on ``channel`` as the JSON shows it: a chat id as text."""
    return contact.addresses.get(channel)


def _print_show(data: dict[str, Any]) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    out = console()
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    late = {True: " " + _("(late)"), False: " " + _("(on time)")}.get(data["done_late"], "")
    rows = [
        (_("Agency"), f"{data['agency']} ({labels.said(data['role'])})"),
        (_("Plan"), data["plan"]),
        (_("Period"), data["period"]),
        (_("Due"), _day(data["due"]) + _moved(data)),
        (_("Status"), labels.said(data["effective_status"]) + late),
        (_("Acknowledged"), _when(data["acknowledged_at"])),
        (_("Done"), _when(data["done_at"])),
    ]
    for name, value in rows:
        if value:
            facts.add_row(name, Text(value))
    title = Text(f"#{data['id']} {data['title']}")
    out.print(Panel(facts, title=title, title_align="left", expand=False))
    out.print(_table(_("Notifications"), data["notifications"],
                     ("scheduled", "stage", "channel", "to", "state", "error")))  # fmt: skip
    if data["extensions"]:
        requests = [{**r, "new_due": _day(r["new_due"]), "asked": _when(r["requested_at"]),
                     "decided": _when(r["decided_at"])} for r in data["extensions"]]  # fmt: skip
        columns = ("ref", "state", "new_due", "asked", "requested_by", "reason", "decided",
                   "decided_by", "decision_note")  # fmt: skip
        out.print(_table(_("Extension requests"), requests, columns))
    if data["letters"]:
        out.print(_table(_("Letters"), data["letters"], ("number", "filename", "stage", "created")))
    if data["snoozes"]:
        out.print(_table(_("Snoozes"), data["snoozes"], ("name", "contact", "until")))
    out.print(_table(_("History"), data["history"], ("at", "event", "by", "channel", "note")))


# The columns of ``show``'s tables: the keys of ``describe``'s JSON, as a user reads them.
HEADERS = {
    "scheduled": N_("scheduled"), "stage": N_("stage"), "channel": N_("channel"),
    "to": N_("to"), "state": N_("state"), "error": N_("error"), "ref": N_("ref"),
    "new_due": N_("new due"), "asked": N_("asked"), "requested_by": N_("requested by"),
    "reason": N_("reason"), "decided": N_("decided"), "decided_by": N_("decided by"),
    "decision_note": N_("decision note"), "number": N_("number"), "filename": N_("file"),
    "created": N_("created"), "name": N_("name"), "contact": N_("contact"),
    "until": N_("until"), "at": N_("at"), "event": N_("event"), "by": N_("by"),
    "note": N_("note"),
}  # fmt: skip


def _table(title: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(_(HEADERS.get(column, column)))
    for row in rows:
        table.add_row(*(_cell(column, row.get(column)) for column in columns))
    if not rows:
        table.add_row(*(["—"] + [""] * (len(columns) - 1)))
    return table


def _cell(column: str, value: Any) -> Any:
    from rich.text import Text

    if value is None:
        return ""
    if column in ("at", "scheduled", "created", "until"):
        return _when(value)
    if column in ("state", "event"):
        return Text(labels.said(str(value)))
    return Text(str(value))  # titles and notes are text, never Rich markup


def _day(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y")


def _when(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M") if iso else ""


def _moved(data: dict[str, Any]) -> str:
    if data["original_due"] == data["due"]:
        return ""
    return " " + _("(originally {day})").format(day=_day(data["original_due"]))
