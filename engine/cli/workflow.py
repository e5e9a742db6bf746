"""``nhacviec validate`` and ``nhacviec sync``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from engine.cli.app import app, console, err_console, print_json, state

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
        err.print(f"[yellow]warning:[/] {_escape(str(warning))}", soft_wrap=True)
    if not result.ok:
        raise InputErrors(result.problems)
    console().print(f"OK: {result.summary()}.", soft_wrap=True)


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
        f"Added {len(report.added)}, changed {len(report.changed)}, cancelled "
        f"{len(report.cancelled)}, reinstated {len(report.reinstated)} obligations "
        f"({report.unchanged} unchanged)."
    )
    out.print(
        f"Reminders: {report.notifications_added} added ({report.notifications_skipped} "
        f"already past, skipped), {report.notifications_updated} rescheduled, "
        f"{report.notifications_cancelled} cancelled, {report.notifications_restored} restored."
    )
    for mark, title, changes in (
        ("+", "Added", report.added),
        ("~", "Changed", report.changed),
        ("-", "Cancelled", report.cancelled),
        ("↺", "Reinstated", report.reinstated),
    ):
        _print_changes(out, mark, title, changes, limit)
    if report.agencies_added:
        added = ", ".join(report.agencies_added)
        out.print(f"Agencies not in the directory, added: {_escape(added)}")
    for warning in report.warnings:
        err_console().print(f"[yellow]warning:[/] {_escape(warning)}")


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
        out.print(f"  … and {len(changes) - len(shown)} more (--all lists them)")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
