"""``nhacviec period EXPR``: what a time expression from a plan means.

Needs no database and no settings file. The readable output states the recurrence and
gives one line per occurrence, in Vietnamese then (in brackets) in English.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from engine.cli.app import app, print_json

if TYPE_CHECKING:
    from datetime import date

    from engine.periods import Occurrence, Period

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_RECURRENCE = {
    "yearly": ("lặp lại hằng năm", "recurs yearly"),
    "half-yearly": ("lặp lại 6 tháng một lần", "recurs half-yearly"),
    "quarterly": ("lặp lại hằng quý", "recurs quarterly"),
    "monthly": ("lặp lại hằng tháng", "recurs monthly"),
    "multi-yearly": ("lặp lại vài năm một lần", "recurs every few years"),
    "continuous": ("thường xuyên trong suốt kỳ kế hoạch", "continuous over the plan period"),
}


@app.command()
def period(
    expression: str = typer.Argument(..., help='A time expression, e.g. "Tháng 3 - 12/2022".'),
    within: str | None = typer.Option(
        None, "--within", help="The plan's years, 2026 or 2026-2030 (recurring expressions)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of sentences."),
) -> None:
    """Read one time expression as written in a plan and print what it means."""
    from engine.periods import parse_period, parse_within

    years = parse_within(within) if within is not None else None
    result = parse_period(expression, years)
    if as_json:
        print_json(result.to_json())
    else:
        typer.echo("\n".join(describe(result)))


def describe(result: Period) -> list[str]:
    """Readable lines: one for a single window or deadline, else a heading and one each."""
    shown = " ".join(result.expression.split())
    occurrences = result.occurrences
    if result.recurrence == "on-demand":
        return [f"{shown} → khi có yêu cầu, không có hạn cố định (on demand: no dates)"]
    if result.recurrence == "after-event":
        return [f"{shown} → chờ một sự kiện, không có hạn cố định (after an event: no dates)"]
    if result.recurrence is None and len(occurrences) == 1:
        return [f"{shown} → {_meaning(occurrences[0])}"]
    count = len(occurrences)
    if result.recurrence is None:
        vi, en = f"{count} khoảng thời gian", f"{count} windows"
    else:
        vi, en = _RECURRENCE[result.recurrence]
        vi, en = f"{vi}, {count} lần", f"{en}, {count} occurrence{'s' * (count != 1)}"
    return [f"{shown} → {vi} ({en}):", *(f"  {o.label} → {_meaning(o)}" for o in occurrences)]


def _meaning(occurrence: Occurrence) -> str:
    end = occurrence.end
    if occurrence.start is None:
        return f"chậm nhất ngày {_vi(end)} (due on or before {_en(end)})"
    start = occurrence.start
    return f"từ {_vi(start)} đến hết {_vi(end)} (from {_en(start)} to {_en(end)} inclusive)"


def _vi(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _en(day: date) -> str:
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
