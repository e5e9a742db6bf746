"""``nhacviec tick``, ``nhacviec run`` and ``nhacviec simulate``: the delivery commands."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer

from engine import labels
from engine.cli.app import app, print_json, state
from engine.errors import InputError
from engine.i18n import _

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.delivery import TickReport
    from engine.outbox import Outcome
    from engine.simulate import Simulation

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_instant(text: str, zone: ZoneInfo, option: str, *, end_of_day: bool = False) -> datetime:
    """An ISO-8601 instant; without an offset it is local time in ``zone``; a bare date
    is the start of that day (its end with ``end_of_day``)."""
    try:
        if _DATE.match(text):
            day = date.fromisoformat(text)
            if end_of_day:
                return datetime.combine(day + timedelta(days=1), time(), zone) - timedelta(
                    microseconds=1
                )
            return datetime.combine(day, time(), zone)
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            _(
                "{option} {text!r}: expected an ISO-8601 date or instant, such as "
                "2026-06-19 or 2026-06-19T08:00+07:00"
            ).format(option=option, text=text)
        ) from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=zone)


def _local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")


@app.command("tick")
def tick_command(
    ctx: typer.Context,
    now: str | None = typer.Option(
        None, "--now", help="The instant of the pass (ISO-8601; default: the current time)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Send everything due now, once: one pass of the delivery engine (for cron and tests)."""
    import asyncio

    from engine.delivery import tick
    from engine.outbox import worker_name

    appctx = state(ctx)
    settings = appctx.settings
    at = parse_instant(now, settings.time.zone, "--now") if now else datetime.now(UTC)
    store = appctx.store()
    report = asyncio.run(tick(store, settings, now=at, worker_id=worker_name()))
    if json_output:
        print_json(_report_json(report, settings))
    else:
        _print_report(report, settings)


def _print_report(report: TickReport, settings: Settings) -> None:
    zone = settings.time.zone
    counts = ", ".join(f"{n} {labels.result(result)}" for result, n in report.counts().items())
    typer.echo(_("Tick at {now}: {counts}.").format(now=_local(report.now, zone), counts=counts))
    for outcome in report.outcomes:
        typer.echo("  " + _describe(outcome, zone))


def _describe(outcome: Outcome, zone: ZoneInfo) -> str:
    row = outcome.row
    head = f"{labels.result(outcome.result):<9} {row.channel:<8}"
    if outcome.result == "sent":
        return f"{head} {outcome.to}  {outcome.subject}"
    text = f"{head} {row.key}: {outcome.detail}"
    if outcome.result in ("retried", "held") and outcome.next_try is not None:
        text += " " + _("(next try {when})").format(when=_local(outcome.next_try, zone))
    return text


def _report_json(report: TickReport, settings: Settings) -> dict[str, Any]:
    zone = settings.time.zone

    def outcome(o: Outcome) -> dict[str, Any]:
        return {
            "result": o.result,
            "key": o.row.key,
            "obligation": o.row.obligation_id,
            "stage": o.row.stage,
            "channel": o.row.channel,
            "to": o.to,
            "subject": o.subject,
            "detail": o.detail,
            "next_try": o.next_try.astimezone(zone).isoformat() if o.next_try else None,
        }

    return {
        "now": report.now.astimezone(zone).isoformat(),
        "worker": report.worker,
        "counts": report.counts(),
        "outcomes": [outcome(o) for o in report.outcomes],
    }


class LocalTimeFormatter(logging.Formatter):
    """Log lines of ``run``: the local time of the settings' zone, with its offset, as
    every other date a user reads (``03/12/2026 14:05:09 +07 engine.scheduler: …``)."""

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__("%(asctime)s %(name)s: %(message)s")
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.zone).strftime("%d/%m/%Y %H:%M:%S %Z")


@app.command("run")
def run_command(ctx: typer.Context) -> None:
    """Run the engine: a tick every minute, re-sync on file changes, the ack web pages."""
    import asyncio

    from engine.outbox import worker_name
    from engine.scheduler import Engine

    appctx = state(ctx)
    handler = logging.StreamHandler()
    handler.setFormatter(LocalTimeFormatter(appctx.settings.time.zone))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    engine = Engine(appctx.settings, appctx.store(), worker_name())
    asyncio.run(engine.run())


@app.command("simulate")
def simulate_command(
    ctx: typer.Context,
    start: str = typer.Option(..., "--from", help="First day (or instant) of the span."),
    end: str = typer.Option(..., "--to", help="Last day (or instant) of the span, inclusive."),
    json_output: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List every notification that would go out in a span; sends and writes nothing."""
    from engine.simulate import simulate

    appctx = state(ctx)
    settings = appctx.settings
    zone = settings.time.zone
    first = parse_instant(start, zone, "--from")
    last = parse_instant(end, zone, "--to", end_of_day=True)
    result = simulate(appctx.store(), settings, start=first, end=last)
    if json_output:
        print_json([p.as_json(settings) for p in result.planned])
        return
    _print_simulation(result, settings, first, last)


def _print_simulation(
    result: Simulation, settings: Settings, first: datetime, last: datetime
) -> None:
    zone = settings.time.zone
    for p in result.planned:
        row = p.row
        about = f"#{row.obligation_id}" if row.obligation_id is not None else row.kind
        typer.echo(
            f"{_local(p.at, zone)}  {row.channel:<8} {p.to}  {p.subject}  ({about} {row.stage})"
        )
    instants = len({p.at for p in result.planned})
    typer.echo(
        f"{len(result.planned)} notifications at {instants} instants from "
        f"{first.astimezone(zone):%Y-%m-%d} to {last.astimezone(zone):%Y-%m-%d}; "
        f"{result.skipped} overtaken by a later stage, {result.cancelled} cancelled."
    )
    for row, reason in result.held:
        typer.echo(f"held: {row.key}: {reason}")
