"""``nhacviec validate`` and ``nhacviec sync``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from engine.cli.app import app, console, err_console, print_json, state
from engine.i18n import _

if TYPE_CHECKING:
    from rich.console import Console

    from engine.workflow.sync import Change


@app.command("validate")
def validate_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the problems and counts as JSON."),
) -> None:
    """Check the settings, workflows, templates, agency directory and plan files.

    Prints every problem with its file and line and exits with status 2; with no
    problem, prints what was checked.
    """
    from engine.errors import InputErrors
    from engine.workflow.validate import validate_everything

    appctx = state(ctx)
    result = validate_everything(appctx.config_path, appctx.db_url)
    if as_json:
        print_json(result.as_json())
        raise typer.Exit(0 if result.ok else 2)
    err = err_console()
    for warning in result.warnings:
        err.print(f"[yellow]{WARNING()}[/] {_escape(str(warning))}", soft_wrap=True)
    if not result.ok:
        raise InputErrors(result.problems)
    console().print(_("OK: {summary}.").format(summary=result.summary()), soft_wrap=True)


@app.command("sync")
def sync_command(
    ctx: typer.Context,
    show: int = typer.Option(20, "--show", help="List at most this many of each kind of change."),
    show_all: bool = typer.Option(False, "--all", help="List every change."),
    now: datetime | None = typer.Option(
        None, "--now", help="The instant to sync as of, ISO 8601 (default: now)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what changed as JSON."),
) -> None:
    """Generate obligations and reminders from the stored plans and the workflows.

    New obligations are added, changed ones updated, and what no longer follows from
    the plans is cancelled (kept in history). Running it twice changes nothing.
    """
    from engine.workflow.sync import run_sync

    appctx = state(ctx)
    instant = _aware(now) if now else datetime.now(UTC)
    report = run_sync(appctx.store(), appctx.settings, now=instant, progress=not as_json)
    if as_json:
        print_json(report.as_json())
        return
    out = console()
    out.soft_wrap = True  # long titles stay on one line each, whatever the terminal
    limit = None if show_all else show
    out.print(
        _(
            "Added {added}, changed {changed}, cancelled {cancelled}, reinstated {reinstated} "
            "obligations ({unchanged} unchanged)."
        ).format(
            added=len(report.added), changed=len(report.changed),
            cancelled=len(report.cancelled), reinstated=len(report.reinstated),
            unchanged=report.unchanged,
        )
    )  # fmt: skip
    out.print(
        _(
            "Reminders: {added} added ({skipped} already past, skipped), {updated} rescheduled, "
            "{cancelled} cancelled, {restored} restored."
        ).format(
            added=report.notifications_added, skipped=report.notifications_skipped,
            updated=report.notifications_updated, cancelled=report.notifications_cancelled,
            restored=report.notifications_restored,
        )
    )  # fmt: skip
    for mark, title, changes in (
        ("+", _("Added"), report.added),
        ("~", _("Changed"), report.changed),
        ("-", _("Cancelled"), report.cancelled),
        ("↺", _("Reinstated"), report.reinstated),
    ):
        _print_changes(out, mark, title, changes, limit)
    if report.agencies_added:
        added = ", ".join(report.agencies_added)
        out.print(_("Agencies not in the directory, added: {names}").format(names=_escape(added)))
    for warning in report.warnings:
        err_console().print(f"[yellow]{WARNING()}[/] {_escape(warning)}")


def _print_changes(
    out: Console, mark: str, title: str, changes: list[Change], limit: int | None
) -> None:
    if not changes:
        return
    out.print(f"{title}:")
    shown = changes if limit is None else changes[:limit]
    for change in shown:
        out.print(f"  {mark} {_escape(change.describe())}")
    if len(changes) > len(shown):
        more = len(changes) - len(shown)
        out.print("  " + _("… and {count} more (--all lists them)").format(count=more))


def WARNING() -> str:
    return _("warning:")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
