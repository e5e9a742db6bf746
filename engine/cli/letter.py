"""``nhacviec letter``: a formal reminder letter (công văn đôn đốc) to one agency."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.app import app, state
from engine.i18n import _


@app.command()
def letter(
    ctx: typer.Context,
    agency: str = typer.Option(
        ..., "--agency", help="The agency's key, name or alias (case and accents ignored)."
    ),
    plan: str | None = typer.Option(None, "--plan", help="Only this plan (key or id)."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Count what is overdue as of this day (default: today)."
    ),
    number: str | None = typer.Option(
        None, "--number", help="The letter's number (default: the next one, [letters])."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="FILE.docx to write."),
) -> None:
    """Write a reminder letter listing what an agency has overdue, and store it."""
    from datetime import UTC, datetime

    from engine.dates import parse_date
    from engine.errors import InputError
    from engine.letters import make_letter
    from engine.lookup import find_agency, find_plan
    from engine.status import local_date

    if output.suffix.lower() != ".docx":
        raise InputError(
            _("-o {value!r}: expected a file name ending in .docx").format(value=str(output))
        )
    if not output.parent.is_dir():
        raise InputError(
            _("-o {value!r}: the folder {value2!r} does not exist").format(
                value=str(output), value2=str(output.parent)
            )
        )
    appctx = state(ctx)
    settings = appctx.settings
    now = datetime.now(UTC)
    day = parse_date(as_of, "--as-of") if as_of else local_date(now, settings.time.zone)
    with appctx.store().session() as session:
        to = find_agency(session, agency)
        chosen = find_plan(session, plan) if plan is not None else None
        made = make_letter(
            session, agency=to, plan=chosen, as_of=day, settings=settings, now=now, number=number
        )
        # Written inside the transaction: if the file cannot be written, nothing is stored.
        try:
            output.write_bytes(made.content)
        except OSError as exc:
            raise InputError(
                _("-o {value!r}: cannot write the file: {strerror}").format(
                    value=str(output), strerror=exc.strerror
                )
            ) from exc
        summary = f"Công văn số {made.number} gửi {to.name} → {output}"
    typer.echo(summary)
