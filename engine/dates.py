"""Calendar dates as a coordinator types them, read one way everywhere.

Vietnamese write the day first: ``19/06/2026``, ``19/6/2026``, ``19-06-2026``,
``19.06.2026``; ISO ``2026-06-19`` is accepted too. ``read_date`` turns any of them
into a ``date``, and refuses a day that does not exist (``30/02/2026``) by saying why,
not with Python's "day is out of range for month". Every date option of the CLI goes
through ``date_option``, the other entry points (the bot's and the
web's extension forms) through ``read_date`` itself, so that one day is read the same
way wherever it is typed.

Where the text leaves something out, ``read_date`` says what it assumed: ``19/6``
(no year) is the 19th of June of the reference year, and ``19/6/26`` (two digits)
is 2026. The assumption travels with the result (``ReadDate.assumed``) so that the
CLI can print it beside the answer.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from engine.errors import InputError
from engine.i18n import _

_DAY_FIRST = re.compile(r"(\d{1,2})\s*([/.-])\s*(\d{1,2})(?:\s*\2\s*(\d{2}|\d{4}))?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")

EXAMPLE = "19/06/2026 hoặc 2026-06-19"


@dataclass(frozen=True)
class ReadDate:
    """A date read from text, and what was assumed to read it (None: nothing)."""

    day: date
    assumed: str | None = None


def _checked(year: int, month: int, day: int, text: str) -> date:
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: tháng {month} không có (tháng từ 1 đến 12)")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(
            f"{text!r}: ngày {day:02d}/{month:02d}/{year} không có "
            f"(tháng {month}/{year} có {last} ngày)"
        )
    return date(year, month, day)


def read_date(text: str, *, year: int | None = None) -> ReadDate:
    """The date ``text`` names; ``ValueError`` with a Vietnamese reason otherwise.

    ``year`` is the year a date without one belongs to; when it is None such a date
    is refused."""
    value = text.strip()
    iso = _ISO.fullmatch(value)
    if iso:
        y, m, d = (int(part) for part in iso.groups())
        return ReadDate(_checked(y, m, d, value))
    match = _DAY_FIRST.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r}: cần một ngày dạng {EXAMPLE}")
    d, m = int(match.group(1)), int(match.group(3))
    printed = match.group(4)
    if printed is None:
        if year is None:
            raise ValueError(f"{value!r}: thiếu năm; cần một ngày dạng {EXAMPLE}")
        day = _checked(year, m, d, value)
        return ReadDate(day, f"không ghi năm: hiểu là {day:%d/%m/%Y}")
    if len(printed) == 2:
        day = _checked(2000 + int(printed), m, d, value)
        return ReadDate(day, f"năm ghi 2 chữ số: hiểu là {day:%d/%m/%Y}")
    return ReadDate(_checked(int(printed), m, d, value))


def parse_date(text: str, option: str, *, year: int | None = None) -> date:
    """``read_date`` for an option or field named ``option``: ``InputError`` (exit 2)
    naming it when the text is not a date."""
    try:
        return read_date(text, year=year).day
    except ValueError as exc:
        raise InputError(_("{option} {exc}").format(option=option, exc=exc)) from None


def date_option(text: str) -> date:
    """A CLI date option's value (``typer.Option(parser=date_option)``): any form
    ``read_date`` accepts with a year; a bad one is a usage error (exit 2) naming the
    option, and what was assumed (a two-digit year) is said on stderr."""
    import typer

    if isinstance(text, date):
        return text
    try:
        read = read_date(str(text))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if read.assumed:
        typer.echo(f"{text}: {read.assumed}", err=True)
    return read.day
