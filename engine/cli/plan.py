"""``nhacviec plan …``: import a plan document, load a plan file, list and show plans.

``plan import`` needs no database: it reads the document and the agency directory and
writes the reviewable plan file (or ``--json``); its summary goes to stderr so that the
output stays clean. ``plan load`` validates a plan file (errors name file and line) and
upserts it, with the directory, in one transaction. A plan is tracked from the day it
is first loaded, or ``--track-from``; ``plan track-from`` (or ``plan load --track-from``
again) moves the tracking start (``engine.tracking``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from engine.cli.app import err_console, print_json, state, sub_app
from engine.i18n import _, ngettext

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from engine.agencies import Directory
    from engine.cli.app import AppContext

plan_app = sub_app("plan", "Plans: import a document, load a plan file, list and show plans.")


def _directory(appctx: AppContext, override: Path | None) -> Directory:
    from engine.agencies import Directory, load_directory

    path = override or appctx.settings.paths.agencies
    if override is None and not path.is_file():
        err_console().print(
            _(
                "warning: no agency directory at {path}; every agency name will be kept as printed"
            ).format(path=path),
            markup=False,
        )
        return Directory()
    return load_directory(path)


@plan_app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="The plan document (.docx, .doc, .pdf, a saved .html page, .txt, .md)."
    ),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the plan file here."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON instead of YAML."),
    fmt: str | None = typer.Option(
        None,
        "--format",
        help=(
            "docx, pdf, doc, html, markdown, tsv, cells, lines, portal or pipes "
            "(default: detected)."
        ),
    ),
    agencies: Path | None = typer.Option(
        None, "--agencies", help="Agency directory (default: [paths] agencies in the settings)."
    ),
    review: bool = typer.Option(
        True, "--review/--no-review", help="Print the tasks found as a table on stderr."
    ),
) -> None:
    """Turn a plan document into a plan file to review (no database needed)."""
    from engine.cli.output import check_output, write_output
    from engine.plans.importer import import_plan
    from engine.plans.load import plan_data
    from engine.plans.review import review_rows
    from engine.plans.yamlout import dump_plan

    appctx = state(ctx)
    console = err_console()
    if output is not None:
        check_output(output, (".yaml",))

    def progress(message: str) -> None:  # OCR pages, on stderr so --json stays clean
        console.print(message, markup=False)

    result = import_plan(file, _directory(appctx, agencies), fmt, progress)
    plan = result.plan
    if as_json:
        print_json(plan_data(plan))
    else:
        text = dump_plan(plan, fmt=result.format, unmatched=result.unmatched)
        if output is None:
            typer.echo(text, nl=False)
        else:
            write_output(output, text)
    where = f" → {output}" if output and not as_json else ""
    count = len(plan.warnings)
    prose = bool(plan.tasks) and all(t.source and t.source.read_from == "text" for t in plan.tasks)
    read = _("items of the text") if prose else _("table rows")
    err_console().print(
        _("{file} ({format}): {tasks} tasks from {rows} {read}, {duties}, {warnings}{where}")
        .format(
            file=file.name, format=result.format, tasks=len(plan.tasks), rows=result.rows_read,
            read=read, where=where,
            duties=ngettext("{n} recurring duty", "{n} recurring duties", len(plan.reporting))
            .format(n=len(plan.reporting)),
            warnings=ngettext("{n} warning", "{n} warnings", count).format(n=count),
        ),
        markup=False,
    )  # fmt: skip
    if review and plan.tasks:
        err_console().print("\n".join(columns(review_rows(plan))), markup=False)
    if count:
        err_console().print(
            _("Review the warnings in the plan file before loading it."), markup=False
        )


TRACK_FROM = typer.Option(
    None,
    "--track-from",
    help="Tracking start: what is due before this day is not tracked (default: the day "
    "the plan is first loaded). YYYY-MM-DD or DD/MM/YYYY.",
)
NOW = typer.Option(None, "--now", help="The instant of the load, ISO 8601 (default: now).")


@plan_app.command("load")
def load(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A plan file written by `nhacviec plan import`."),
    track_from: str | None = TRACK_FROM,
    now: str | None = NOW,
) -> None:
    """Validate a plan file and load it into the store (loading again updates in place)."""
    from engine.cli.actions import default_actor, parse_now
    from engine.dates import parse_date
    from engine.plans.load import load_plan, sync_directory
    from engine.plans.model import PlanFile
    from engine.store.models import Plan
    from engine.tracking import local_today, set_track_from
    from engine.yamlpos import load_yaml, read_text, validate

    appctx = state(ctx)
    zone = appctx.settings.time.zone
    instant = parse_now(now, zone)
    start = parse_date(track_from, "--track-from") if track_from is not None else None
    data, positions = load_yaml(read_text(file), str(file))
    plan = validate(PlanFile, data if data is not None else {}, positions, str(file))
    directory = _directory(appctx, None)
    change = None
    with appctx.store().session() as session:
        sync_directory(session, directory, instant)
        report = load_plan(session, plan, directory, instant,
                           track_from=start or local_today(instant, zone))  # fmt: skip
        row = session.get(Plan, report.plan_id)
        if start is not None and row is not None and row.track_from != start:
            change = set_track_from(session, row, start, now=instant, actor=default_actor(),
                                    channel="cli")  # fmt: skip
            _revive(appctx, session, change.tracked, instant)
    typer.echo(report.summary())
    if change is not None:
        typer.echo(change.summary())


@plan_app.command("track-from")
def track_from_command(
    ctx: typer.Context,
    plan: str = typer.Argument(..., help="The plan's key, number or id."),
    day: str = typer.Argument(..., metavar="DATE", help="The new tracking start."),
    by: str | None = typer.Option(None, "--by", help="Who did it (default: your user name)."),
    now: str | None = NOW,
) -> None:
    """Move a plan's tracking start: obligations due before it are not tracked."""
    from engine.cli.actions import default_actor, parse_now
    from engine.dates import parse_date
    from engine.lookup import find_plan
    from engine.tracking import set_track_from

    appctx = state(ctx)
    instant = parse_now(now, appctx.settings.time.zone)
    start = parse_date(day, "DATE")
    with appctx.store().session() as session:
        row = find_plan(session, plan)
        change = set_track_from(session, row, start, now=instant, actor=by or default_actor(),
                                channel="cli")  # fmt: skip
        _revive(appctx, session, change.tracked, instant)
    typer.echo(change.summary())


def _revive(appctx: AppContext, session: Session, ids: list[int], now: datetime) -> None:
    """Reminders still ahead of obligations that became tracked come back at once."""
    from engine.tracking import reschedule_tracked

    reschedule_tracked(session, appctx.settings, ids, now=now)


@plan_app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """The plans in the store."""
    from engine.plans.views import plan_rows

    with state(ctx).store().session() as session:
        rows = plan_rows(session)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(_("No plans loaded yet: `nhacviec plan load PLAN.yaml`."))
        return
    table = [
        [_("id"), _("key"), _("number"), _("period"), _("tasks"), _("owner"), _("loaded"),
         _("tracked from")]
    ]  # fmt: skip
    for row in rows:
        table.append(
            [
                str(row["id"]),
                row["key"],
                row["number"] or "—",
                row["period"],
                str(row["tasks"]),
                row["owner"] or "—",
                _dmy(row["loaded_at"][:10]),
                _dmy(row["track_from"]),
            ]
        )
    typer.echo("\n".join(columns(table)))


@plan_app.command("show")
def show(
    ctx: typer.Context,
    plan: str = typer.Argument(..., help="The plan's id or key."),
    show_all: bool = typer.Option(False, "--all", help="Include tasks dropped by a reload."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A plan and its tasks as a readable table."""
    from engine.plans.views import plan_detail

    with state(ctx).store().session() as session:
        detail = plan_detail(session, plan, include_inactive=show_all)
    if as_json:
        print_json(detail)
        return
    owner = detail["owner"] or "—"
    typer.echo(detail["title"])
    line = _("{key} · {number} · {period} · owner {owner} · {tasks} tasks").format(
        key=detail["key"], number=detail["number"] or _("no number"), period=detail["period"],
        owner=owner, tasks=len(detail["tasks"]),
    )  # fmt: skip
    if detail["track_from"]:
        line += " · " + _("tracked from {day}").format(day=_dmy(detail["track_from"]))
    typer.echo(line)
    table = [["#", _("task"), _("lead"), _("coordinators"), _("window")]]
    section = None
    for task in detail["tasks"]:
        if task["section"] != section and task["section"]:
            table.append(["", f"[{_short(task['section'], 46)}]", "", "", ""])
        section = task["section"]
        table.append(
            [
                task["key"],
                _short(task["title"], 48) + ("" if task["active"] else " " + _("(dropped)")),
                _short(", ".join(task["lead"]), 32) or "—",
                _short(", ".join(task["coordinators"]), 32) or "—",
                task["window"] or "—",
            ]
        )
    typer.echo("")
    typer.echo("\n".join(columns(table)))


def columns(rows: list[list[str]]) -> list[str]:
    """Plain text columns, two spaces apart (no truncation of what the cells hold)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _dmy(iso: str | None) -> str:
    """An ISO date as users read it (02/03/2026); "—" for None."""
    if iso is None:
        return "—"
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
