"""``nhacviec report``: the table of status categories for a plan's 6-month or annual report."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.app import app, state
from engine.i18n import _


@app.command()
def report(
    ctx: typer.Context,
    plan: str = typer.Option(..., "--plan", help="The plan's key or id."),
    period: str = typer.Option(
        ..., "--period", help="2026 (year), 2026-H1 or 2026-H2 (half), 2026-Q1 … 2026-Q4."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Count as of this day (default: the period's end, or today)."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="FILE.xlsx or FILE.csv."),
) -> None:
    """Export the status categories of a plan's obligations due in a period."""
    from datetime import UTC, datetime

    from engine.dates import parse_date
    from engine.lookup import find_plan
    from engine.report import (
        build_report,
        default_as_of,
        parse_report_period,
        write_report,
    )
    from engine.status import local_date

    if output.suffix.lower() not in (".xlsx", ".csv"):
        from engine.errors import InputError

        raise InputError(
            _("-o {value!r}: expected a file name ending in .xlsx or .csv").format(
                value=str(output)
            )
        )
    chosen = parse_report_period(period)
    appctx = state(ctx)
    zone = appctx.settings.time.zone
    today = local_date(datetime.now(UTC), zone)
    day = parse_date(as_of, "--as-of") if as_of else default_as_of(chosen, today)
    with appctx.store().session() as session:
        found = find_plan(session, plan)
        result = build_report(session, found, chosen, as_of=day, zone=zone)
    write_report(result, output)
    agencies = len(result.by_agency)
    typer.echo(
        f"{found.key}, {chosen.label}, tính đến {day:%d/%m/%Y}: {len(result.rows)} nghĩa vụ "
        f"của {agencies} đơn vị → {output}"
    )
