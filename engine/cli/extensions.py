"""``nhacviec extend``, ``nhacviec extension list|approve|refuse``, ``nhacviec snooze``.

The command-line side of ``engine.extensions``: the same rules and audit events as the
Telegram buttons and the web page (channel ``cli``; who is ``--by``, default the OS
user; when is ``--now``, default now). Every refusal (a date not after the due date, a
second pending request, a done obligation, an unknown number) is exit status 2 with
the reason, and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer

from engine import labels
from engine.cli.actions import ID, NOW, default_actor, parse_now
from engine.cli.app import app, console, print_json, state, sub_app
from engine.i18n import N_, _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.store.models import ExtensionRequest, Obligation

extension_app = sub_app("extension", "Extension requests (xin gia hạn): list, approve, refuse.")

REQ = typer.Argument(..., metavar="REQ", help="The request's number (7 or GH7).")
BY = typer.Option(None, "--by", help="Who decides or asks (default: your user name).")


@app.command()
def extend(
    ctx: typer.Context,
    obligation_id: str = ID,
    to: str = typer.Option(..., "--to", help="The new due date, YYYY-MM-DD or DD/MM/YYYY."),
    reason: str = typer.Option(..., "--reason", help="Why more time is needed."),
    by: str | None = BY,
    now: str | None = NOW,
) -> None:
    """Ask the plan owner for a new due date for an obligation (xin gia hạn)."""
    from engine.cli.actions import _get, parse_id
    from engine.dates import parse_date
    from engine.extensions import notice_stage, request_extension

    appctx = state(ctx)
    zone = appctx.settings.time.zone
    instant = parse_now(now, zone)
    day = parse_date(to, "--to")
    with appctx.store().session() as session:
        obligation = _get(session, parse_id(obligation_id))
        before = obligation.due_on
        request = request_extension(
            session, obligation, new_due_on=day, reason=reason, by=by or default_actor(),
            via="cli", now=instant,
        )  # fmt: skip
        told = _count_notices(session, obligation.id, notice_stage(request.id, "requested"))
        line = (
            f"Extension request GH{request.id} for #{obligation.id} {obligation.title}: "
            f"to {day:%d/%m/%Y} (due {before:%d/%m/%Y})."
        )
    console().print(line, markup=False, soft_wrap=True)
    if told:
        typer.echo(f"The plan owner's coordinators are told ({told} message{_s(told)}).")
    else:
        typer.echo(
            "warning: the plan owner has no coordinator to tell; the request waits in "
            "`nhacviec extension list --pending`",
            err=True,
        )


@extension_app.command("list")
def list_command(
    ctx: typer.Context,
    pending: bool = typer.Option(False, "--pending", help="Only requests waiting for a decision."),
    plan: str | None = typer.Option(None, "--plan", help="Only this plan (key or id)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List extension requests, newest first."""
    from engine.extensions import list_requests
    from engine.lookup import find_plan

    appctx = state(ctx)
    zone = appctx.settings.time.zone
    with appctx.store().session() as session:
        plan_id = find_plan(session, plan).id if plan is not None else None
        rows = [
            request_json(r, o, zone)
            for r, o in list_requests(session, pending_only=pending, plan_id=plan_id)
        ]
    if as_json:
        print_json(rows)
        return
    _print_list(rows)


@extension_app.command("approve")
def approve(
    ctx: typer.Context,
    request_ref: str = REQ,
    by: str | None = BY,
    note: str | None = typer.Option(None, "--note", help="A note kept with the decision."),
    now: str | None = NOW,
) -> None:
    """Approve a pending request: the due date moves and the reminders follow it."""
    from engine.extensions import approve_extension, find_request

    appctx = state(ctx)
    settings = appctx.settings
    instant = parse_now(now, settings.time.zone)
    actor = by or default_actor()
    with appctx.store().session() as session:
        request = find_request(session, request_ref)
        done = approve_extension(
            session, request, by=actor, via="cli", now=instant, settings=settings, note=note
        )
        obligation = _obligation(session, request.obligation_id)
        r = done.reminders
        line = (
            f"GH{request.id} approved by {actor}: #{obligation.id} {obligation.title} is now due "
            f"{done.after:%d/%m/%Y} (was {done.before:%d/%m/%Y}; the plan's date "
            f"{obligation.original_due_on:%d/%m/%Y}). Reminders: {r.notifications_added} added, "
            f"{r.notifications_updated} rescheduled, {r.notifications_cancelled} cancelled, "
            f"{r.notifications_restored} restored."
        )
    console().print(line, markup=False, soft_wrap=True)


@extension_app.command("refuse")
def refuse(
    ctx: typer.Context,
    request_ref: str = REQ,
    reason: str = typer.Option(..., "--reason", help="Why (the agency is told)."),
    by: str | None = BY,
    now: str | None = NOW,
) -> None:
    """Refuse a pending request: only the request and the history change."""
    from engine.errors import InputError
    from engine.extensions import find_request, refuse_extension

    if not reason.strip():
        raise InputError(_("--reason: say why the request is refused (the agency is told)"))
    appctx = state(ctx)
    instant = parse_now(now, appctx.settings.time.zone)
    actor = by or default_actor()
    with appctx.store().session() as session:
        request = find_request(session, request_ref)
        refuse_extension(session, request, by=actor, via="cli", now=instant, reason=reason)
        obligation = _obligation(session, request.obligation_id)
        line = (
            f"GH{request.id} refused by {actor}: #{obligation.id} {obligation.title} stays due "
            f"{obligation.due_on:%d/%m/%Y}."
        )
    console().print(line, markup=False, soft_wrap=True)


@app.command()
def snooze(
    ctx: typer.Context,
    obligation_id: str = ID,
    contact: str = typer.Option(..., "--contact", help="The contact's key or id."),
    duration: str = typer.Option(..., "--for", help="How long: 1d, 7d, 2w… (at most 90 days)."),
    by: str | None = BY,
    now: str | None = NOW,
) -> None:
    """Pause an obligation's reminders for one contact (never its escalations)."""
    from engine.bot.links import find_contact
    from engine.cli.actions import _get, parse_id
    from engine.extensions import parse_snooze
    from engine.extensions import snooze as pause
    from engine.workflow.calendar import WorkCalendar

    appctx = state(ctx)
    settings = appctx.settings
    zone = settings.time.zone
    instant = parse_now(now, zone)
    days = parse_snooze(duration)
    with appctx.store().session() as session:
        obligation = _get(session, parse_id(obligation_id))
        person = find_contact(session, contact)
        row = pause(
            session, obligation, person, days=days, now=instant,
            calendar=WorkCalendar.from_settings(settings), by=by or default_actor(), via="cli",
        )  # fmt: skip
        line = (
            f"#{obligation.id} {obligation.title}: reminders to {person.name} paused until "
            f"{row.until.astimezone(zone):%d/%m/%Y %H:%M} (escalations are not)."
        )
    console().print(line, markup=False, soft_wrap=True)


# ---------------------------------------------------------------------------- helpers


def request_json(
    request: ExtensionRequest, obligation: Obligation, zone: ZoneInfo
) -> dict[str, Any]:
    """One request as ``extension list --json`` and ``show --json`` print it."""

    def at(instant: datetime | None) -> str | None:
        return instant.astimezone(zone).isoformat() if instant is not None else None

    return {
        "id": request.id,
        "ref": f"GH{request.id}",
        "state": request.state,
        "obligation": obligation.id,
        "title": obligation.title,
        "agency": obligation.agency.name,
        "due": obligation.due_on.isoformat(),
        "original_due": obligation.original_due_on.isoformat(),
        "new_due": request.new_due_on.isoformat(),
        "reason": request.reason,
        "requested_by": request.requested_by,
        "requested_via": request.requested_via,
        "requested_at": at(request.requested_at),
        "decided_by": request.decided_by,
        "decided_at": at(request.decided_at),
        "decision_note": request.decision_note,
    }


def _print_list(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False)
    for column in (N_("req"), N_("state"), "#", N_("agency"), N_("title"), N_("due"),
                   N_("asked for"), N_("asked"), N_("decided")):  # fmt: skip
        table.add_column(_(column))
    for row in rows:
        asked = f"{_day(row['requested_at'])} {row['requested_by']} ({row['requested_via']})"
        decided = f"{_day(row['decided_at'])} {row['decided_by']}" if row["decided_at"] else ""
        cells = (row["ref"], labels.said(row["state"]), str(row["obligation"]), row["agency"],
                 row["title"], _day(row["due"]), _day(row["new_due"]), asked, decided)  # fmt: skip
        table.add_row(*(Text(cell) for cell in cells))
    if not rows:
        table.add_row("—", *[""] * 8)
    console().print(table)


def _day(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _obligation(session: Session, obligation_id: int) -> Obligation:
    from engine.store.models import Obligation

    found = session.get(Obligation, obligation_id)
    assert found is not None
    return found


def _count_notices(session: Session, obligation_id: int, stage: str) -> int:
    from sqlalchemy import func, select

    from engine.store.models import Notification

    query = select(func.count()).where(
        Notification.obligation_id == obligation_id, Notification.stage == stage
    )
    return int(session.scalar(query) or 0)
