"""Vietnamese time expressions, as plans write them, read into dated occurrences.

``parse_period(text, within)`` is a pure function: it returns a ``Period`` (its recurrence
and its occurrences, each a window ``start..end`` or a bare deadline ``None..end``, with
``end`` always the last allowed day, inclusive) or raises ``PeriodError``, never anything
else. ``within`` is the plan's period ``(first_year, last_year)``.

What it reads (case, diacritics, dashes, spaces, a leading bullet and trailing
punctuation never matter; "năm" may join a number to its year, "ngày 25 tháng 12 năm
2022" is 25/12/2022, "từ A đến B" is A - B, "Hằng"/"Hàng"/"mỗi" are the same):

=====================================  ===============================================
months                                  Tháng 6/2023, Tháng 3 - 12/2022, Tháng 3, 5/2022,
                                        Tháng 11/2021 - 3/2022, 6/2023, tháng 6 năm 2023
quarters (I-IV or 1-4)                  Quý II/2023, quý III-IV/2020, Quý I, II/2023,
                                        Quý IV năm 2024, Quý IV/2021 - Quý I/2022,
                                        Quí IV-2025 (old spelling, dash before the year)
halves                                  6 tháng đầu năm 2023, 6 tháng cuối năm 2023
years                                   Năm 2026, 2026, 2021- 2030, Giai đoạn 2026 - 2030,
                                        Từ năm 2021 đến năm 2025
dates                                   30/6/2024 (a bare deadline), 1/3/2022 - 30/6/2022
deadlines (prefix + a date or window)   Trước 30/6/2024, Trước ngày 25 tháng 12 năm 2022,
                                        chậm nhất ngày 15/12/2025, đến ngày …, hạn …,
                                        trước tháng 7/2024, đến hết năm 2025
recurring (need ``within``)             Hàng năm, hàng quý, hàng tháng, định kỳ 6 tháng,
                                        Quý I hàng năm, trước ngày 20/6 hàng năm,
                                        Hàng năm giai đoạn 2021-2025 (its own years)
the whole plan period                   Thường xuyên
=====================================  ===============================================

The rules, where the text alone does not settle them:

- A month window runs from the 1st to the month's last day (29 February in leap years).
- ``trước D`` ("before D") means the last allowed day is D−1; before a window it is the
  day before the window starts (``trước tháng 7/2024`` → 30/6/2024). A bare date,
  ``chậm nhất``/``đến``/``hạn`` D mean D itself; before a window, its last day.
- Non-recurring expressions mean what they say whatever ``within`` is.
- Recurring expressions expand to one occurrence per year, half, quarter or month of the
  ``within`` years (or of the years they name themselves: "Hàng năm 2021-2025");
  without either they are an error. ``Thường xuyên`` is one occurrence over the whole
  plan period, recurrence ``continuous``.
- A window without a year ("Quý I", "trước ngày 20/6") takes the plan's year when the
  plan covers exactly one year; otherwise it is an error rather than a guess.
- A list of months or quarters gives one occurrence per run of consecutive ones
  ("Quý I, II/2023" is one window Q1-Q2; "Quý I, III/2023" is two).
- ``từ X`` must be followed by ``đến Y``: an open-ended start is an error.
- Impossible dates, months 0/13, quarter V, reversed ranges and years outside
  1900-2200 are errors. Every error is a ``PeriodError`` quoting the expression.

Each occurrence has a short Vietnamese ``label`` ("Quý III/2020", "Hạn 19/06/2024"),
built from what it means rather than from how it was typed: variants of one expression
get the same labels, and labels are unique within one Period (obligation keys use them).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from engine.errors import NhacviecError

Recurrence = Literal["yearly", "half-yearly", "quarterly", "monthly", "continuous"]

MIN_YEAR, MAX_YEAR = 1900, 2200
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_QUARTER_NUMBER = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTH_NAME_EN = (
    "", "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip

EXPECTED = (
    "expected a month ('Tháng 6/2023', 'Tháng 3 - 12/2022', 'Tháng 11/2021 - 3/2022'), "
    "a quarter ('Quý II/2023', 'Quý III-IV/2020'), a half year ('6 tháng đầu năm 2023'), "
    "a year or years ('Năm 2026', '2021 - 2030'), a deadline ('Trước ngày 30/6/2024', "
    "'chậm nhất ngày 15/12/2025', '30/6/2024') or a recurrence ('Hàng năm', "
    "'Quý I hàng năm', 'trước ngày 20/6 hàng năm', 'Thường xuyên')"
)


class PeriodError(NhacviecError):
    """A time expression that cannot be read: quotes it and says what was expected."""

    def __init__(self, expression: str, reason: str, *, what: str = "the time expression"):
        self.expression = expression
        self.reason = reason
        super().__init__(f"cannot read {what} '{expression}': {reason}")


@dataclass(frozen=True)
class Occurrence:
    """One window ``start..end`` (inclusive), or a bare deadline when ``start`` is None."""

    start: date | None
    end: date
    label: str


@dataclass(frozen=True)
class Period:
    """What one expression means: its recurrence and its occurrences in date order."""

    expression: str
    recurrence: Recurrence | None
    occurrences: tuple[Occurrence, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``nhacviec period --json`` shape (labels are not part of it)."""
        return {
            "expression": self.expression,
            "recurrence": self.recurrence,
            "occurrences": [
                {"start": o.start.isoformat() if o.start else None, "end": o.end.isoformat()}
                for o in self.occurrences
            ],
        }


# --- normalising --------------------------------------------------------------------

# Every dash-like character a Word or PDF export produces (the ASCII one last).
_DASHES = re.compile("[\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d-]")


def normalise(text: str) -> str:
    """Lower case, no diacritics (đ→d), one kind of dash ("-"), single spaces, trimmed."""
    # Lower-casing between two decompositions: some characters only decompose into
    # capitals (ℍ → H), others only lower-case into a base letter plus a mark (İ → i̇).
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).lower())
    kept = "".join(
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    return " ".join(_DASHES.sub("-", kept.replace("đ", "d")).split())


# Rewrites from normalised text to one canonical spelling, in order; each says why.
_REWRITES: list[tuple[re.Pattern[str], str]] = [
    # "mỗi năm", "hằng năm" and "hàng năm" all mean every year.
    (re.compile(r"\b(?:moi|hang) (nam|quy|thang)\b"), r"hang \1"),
    # "Quí" is an old spelling of "Quý"; "Quí IV-2025" joins its year with a dash.
    (re.compile(r"\bqui\b"), "quy"),
    (re.compile(r"\b(quy [ivx\d]+(?: ?[-,] ?[ivx\d]+)*) ?- ?(\d{4})\b"), r"\1/\2"),
    # "nửa đầu năm" is "6 tháng đầu năm".
    (re.compile(r"\bnua (dau|cuoi) nam\b"), r"6 thang \1 nam"),
    # Parentheses only group: "Hàng năm (2021-2025)".
    (re.compile(r"[()\[\]]"), " "),
    # "I và II" is a list; "A đến B" a range (a leading "đến" is a deadline, kept).
    (re.compile(r"\bva\b"), ","),
    (re.compile(r"^hoan thanh "), ""),
    (re.compile(r"\b(cham nhat|muon nhat|thoi han|han chot|han)(?: la)? den\b"), r"\1"),
    (re.compile(r"(?<=\S) den (?:het )?"), "-"),
    # "ngày 25 tháng 12" is 25/12; "12 năm 2022", "IV năm 2024", "6 2023" join their year.
    (re.compile(r"\b(\d{1,2}) thang (\d{1,2})\b"), r"\1/\2"),
    (re.compile(r"\b(\d{1,2}|[ivx]+) (?:nam )?(\d{4})\b"), r"\1/\2"),
    (re.compile(r" ?([-/,]) ?"), r"\1"),
    # "Tháng 11/2021 - tháng 3/2022": the unit is not repeated after a dash or comma.
    (re.compile(r"([-,])(?:thang|quy|nam|ngay) "), r"\1"),
    (re.compile(r"\s+"), " "),
]
_LEADING_NOISE = re.compile(r"^(?:[-+*•·]+ ?)+")
_TRAILING_NOISE = re.compile(r"[ .,;:!?*]+$")
_FILLER = re.compile(r"^(?:(?:trong|giai doan|thoi gian|du kien|thuc hien) )+")
_FROM = re.compile(r"^(?:ke )?tu ")


def _strip_noise(s: str) -> str:
    return _TRAILING_NOISE.sub("", _LEADING_NOISE.sub("", s.strip()))


def _canonical(text: str) -> tuple[str, bool]:
    """The canonical spelling, and whether it opened with "từ" (then it needs an end)."""
    s = _strip_noise(normalise(text))
    for pattern, replacement in _REWRITES:
        s = pattern.sub(replacement, s)
    s = _FILLER.sub("", _strip_noise(s))
    opened = _FROM.match(s) is not None
    return _FILLER.sub("", _FROM.sub("", s)), opened


# --- dates and validation -----------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What a (part of an) expression is read against."""

    expression: str
    within: tuple[int, int] | None
    year: int | None = None  # the year a yearless window means
    recurring: bool = False  # inside "… hàng năm": naming a year contradicts it

    def fail(self, reason: str) -> PeriodError:
        return PeriodError(self.expression, reason)

    def year_of(self, text: str | None) -> int:
        """The year written (validated), or the one this context supplies."""
        if text is not None:
            if self.recurring:
                raise self.fail(f"it names the year {text} and also 'hàng năm' (expected one)")
            return self.check_year(int(text))
        if self.year is not None:
            return self.year
        if self.within is None:
            raise self.fail(
                "it names no year, so it needs the plan period (--within) "
                "or a year (e.g. 'Quý I/2023', 'trước ngày 20/6/2023')"
            )
        first, last = self.within
        raise self.fail(
            f"it names no year and the plan period {first}-{last} has several "
            "(expected a year, e.g. '/2023', or 'hàng năm')"
        )

    def check_year(self, year: int) -> int:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise self.fail(f"year {year} is out of range (expected {MIN_YEAR}-{MAX_YEAR})")
        return year

    def check_month(self, month: int) -> int:
        if not 1 <= month <= 12:
            raise self.fail(f"month {month} does not exist (expected 1-12)")
        return month

    def check_quarter(self, text: str) -> int:
        if text.isdigit():  # "Quý 02" is "Quý 2"
            text = text.lstrip("0") or "0"
        if text not in _QUARTER_NUMBER:
            raise self.fail(f"quarter {text.upper()} does not exist (expected I-IV or 1-4)")
        return _QUARTER_NUMBER[text]

    def day(self, day: int, month: int, year: int) -> date:
        self.check_month(month)
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            name = _MONTH_NAME_EN[month]
            raise self.fail(f"{day}/{month}/{year} is not a date ({name} {year} has {last} days)")
        return date(year, month, day)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _window(start: date, end: date, label: str) -> Occurrence:
    return Occurrence(start, end, label)


def _month_window(year: int, first: int, last: int) -> Occurrence:
    label = f"Tháng {first}/{year}" if first == last else f"Tháng {first}-{last}/{year}"
    return _window(date(year, first, 1), _month_end(year, last), label)


def _quarter_window(year: int, first: int, last: int) -> Occurrence:
    numbers = ROMAN[first] if first == last else f"{ROMAN[first]}-{ROMAN[last]}"
    return _window(
        date(year, 3 * first - 2, 1), _month_end(year, 3 * last), f"Quý {numbers}/{year}"
    )


def _half_window(year: int, *, first: bool) -> Occurrence:
    if first:
        return _window(date(year, 1, 1), date(year, 6, 30), f"6 tháng đầu năm {year}")
    return _window(date(year, 7, 1), date(year, 12, 31), f"6 tháng cuối năm {year}")


def _year_window(year: int) -> Occurrence:
    return _window(date(year, 1, 1), date(year, 12, 31), f"Năm {year}")


def _runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted distinct numbers: {1, 2, 4} → [(1, 2), (4, 4)]."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _items(
    ctx: _Context, text: str, check: Callable[[str], int], unit: str, across: str
) -> set[int]:
    """The numbers a list like "3-5,7" names; a reversed range is an error.

    ``across`` shows how a range across years is written, for that error's message.
    """
    numbers: set[int] = set()
    for item in text.split(","):
        parts = [check(p) for p in item.split("-")]
        if len(parts) > 2:
            raise ctx.fail(f"'{item}' is not a {unit} or a range of {unit}s (expected e.g. 3-12)")
        if parts[-1] < parts[0]:
            raise ctx.fail(
                f"the {unit} range {item.upper()} ends before it starts (expected the first "
                f"{unit} first; a range across years names both years, e.g. '{across}')"
            )
        numbers.update(range(parts[0], parts[-1] + 1))
    return numbers


# --- the forms, one function each ---------------------------------------------------

_N = r"\d{1,2}"
_Y = r"\d{4}"
_Q = r"(?:[ivx]+|\d{1,2})"
_Builder = Callable[[re.Match[str], _Context], list[Occurrence]]
_Form = tuple[re.Pattern[str], _Builder]


def _months(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    check = lambda t: ctx.check_month(int(t))  # noqa: E731
    numbers = _items(ctx, m["items"], check, "month", "Tháng 11/2021 - 3/2022")
    year = ctx.year_of(m["y"])
    return [_month_window(year, a, b) for a, b in _runs(numbers)]


def _month_span(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    m1, m2 = ctx.check_month(int(m["m1"])), ctx.check_month(int(m["m2"]))
    y1, y2 = ctx.year_of(m["y1"]), ctx.year_of(m["y2"])
    if (y2, m2) < (y1, m1):
        raise ctx.fail(f"the range {m1}/{y1} - {m2}/{y2} ends before it starts")
    if y1 == y2:
        return [_month_window(y1, m1, m2)]
    return [_window(date(y1, m1, 1), _month_end(y2, m2), f"Tháng {m1}/{y1}-{m2}/{y2}")]


def _quarters(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    numbers = _items(ctx, m["items"], ctx.check_quarter, "quarter", "Quý IV/2021 - Quý I/2022")
    year = ctx.year_of(m["y"])
    return [_quarter_window(year, a, b) for a, b in _runs(numbers)]


def _quarter_span(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    q1, q2 = ctx.check_quarter(m["q1"]), ctx.check_quarter(m["q2"])
    y1, y2 = ctx.year_of(m["y1"]), ctx.year_of(m["y2"])
    if (y2, q2) < (y1, q1):
        raise ctx.fail(f"the range Quý {ROMAN[q1]}/{y1} - {ROMAN[q2]}/{y2} ends before it starts")
    if y1 == y2:
        return [_quarter_window(y1, q1, q2)]
    label = f"Quý {ROMAN[q1]}/{y1}-{ROMAN[q2]}/{y2}"
    return [_window(date(y1, 3 * q1 - 2, 1), _month_end(y2, 3 * q2), label)]


def _half(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    return [_half_window(ctx.year_of(m["y"]), first=m["half"] == "dau")]


def _year(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    return [_year_window(ctx.year_of(m["y"]))]


def _years(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    y1, y2 = ctx.year_of(m["y1"]), ctx.year_of(m["y2"])
    if y2 < y1:
        raise ctx.fail(f"the years {y1}-{y2} end before they start (expected e.g. 2021-2030)")
    return [_window(date(y1, 1, 1), date(y2, 12, 31), f"Giai đoạn {y1}-{y2}")]


def _date(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    day = ctx.day(int(m["d"]), int(m["m"]), ctx.year_of(m["y"]))
    return [Occurrence(None, day, f"Hạn {_dmy(day)}")]


def _date_span(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    year2 = ctx.year_of(m["y2"])
    year1 = ctx.year_of(m["y1"]) if m["y1"] else year2
    start = ctx.day(int(m["d1"]), int(m["m1"]), year1)
    end = ctx.day(int(m["d2"]), int(m["m2"]), year2)
    if end < start:
        raise ctx.fail(f"the range {_dmy(start)} - {_dmy(end)} ends before it starts")
    return [_window(start, end, f"Từ {_dmy(start)} đến {_dmy(end)}")]


_DEADLINE_WORDS = r"truoc|cham nhat|muon nhat|han chot|thoi han|han|den"


def _deadline(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    """A prefix ("trước", "chậm nhất", …) and one date or window: a bare deadline."""
    targets = _read(m["target"], ctx, _WHENS)
    if len(targets) != 1:
        raise ctx.fail("expected one date or period after a deadline word, not a list")
    target = targets[0]
    end = target.end
    if m["kind"] == "truoc":  # "before D" allows D-1 at the latest
        end = (target.start or target.end) - timedelta(days=1)
    return [Occurrence(None, end, f"Hạn {_dmy(end)}")]


def _form(pattern: str, build: _Builder) -> _Form:
    return re.compile(pattern, re.ASCII), build


# The dates and windows a deadline prefix may take, most specific first.
_WHENS: list[_Form] = [
    _form(rf"(?:ngay )?(?P<d1>{_N})/(?P<m1>{_N})(?:/(?P<y1>{_Y}))?"
          rf"-(?P<d2>{_N})/(?P<m2>{_N})(?:/(?P<y2>{_Y}))?", _date_span),
    _form(rf"(?:ngay )?(?P<d>{_N})/(?P<m>{_N})(?:/(?P<y>{_Y}))?", _date),
    _form(rf"(?:thang )?(?P<m1>{_N})/(?P<y1>{_Y})-(?P<m2>{_N})/(?P<y2>{_Y})", _month_span),
    _form(rf"thang (?P<items>{_N}(?:[-,]{_N})*)(?:/(?P<y>{_Y}))?", _months),
    _form(rf"thang (?P<items>{_N})-(?P<y>{_Y})", _months),
    _form(rf"(?P<items>{_N}(?:[-,]{_N})*)/(?P<y>{_Y})", _months),
    _form(rf"quy (?P<q1>{_Q})/(?P<y1>{_Y})-(?P<q2>{_Q})/(?P<y2>{_Y})", _quarter_span),
    _form(rf"quy (?P<items>{_Q}(?:[-,]{_Q})*)(?:/(?P<y>{_Y}))?", _quarters),
    _form(rf"6 thang (?P<half>dau|cuoi) nam(?:[ /](?P<y>{_Y}))?", _half),
    _form(rf"(?:nam |giai doan )?(?P<y1>{_Y})-(?P<y2>{_Y})", _years),
    # "Trong năm", "Cả năm" without a year: the plan's one year.
    _form(rf"(?:ca nam|nam|(?:nam )?(?P<y>{_Y}))", _year),
]  # fmt: skip

_BODIES = [
    _form(rf"(?P<kind>{_DEADLINE_WORDS})(?: la)?(?: vao)?(?: het)? (?P<target>.+)",
          _deadline),
    *_WHENS,
]  # fmt: skip


def _read(text: str, ctx: _Context, forms: list[_Form]) -> list[Occurrence]:
    """The occurrences of the first form that matches the whole text."""
    for pattern, build in forms:
        match = pattern.fullmatch(text)
        if match:
            return build(match, ctx)
    if forms is _WHENS:
        raise ctx.fail(
            "expected a date ('30/6/2024') or a period ('Tháng 6/2024', 'Năm 2025') "
            "after 'trước', 'chậm nhất' or 'đến'"
        )
    raise ctx.fail(EXPECTED)


# --- recurring forms ----------------------------------------------------------------

# "Hàng năm 2021-2025", "Hàng năm (giai đoạn 2021-2025)": the years to repeat over.
_OWN_YEARS = rf"(?:[ ,](?:trong |giai doan |tu |nam )*(?P<ys>{_Y})(?:-(?P<ye>{_Y}))?)?"
_Recurring = tuple[Recurrence, list[Occurrence]]
_RecurringForm = tuple[re.Pattern[str], Callable[[re.Match[str], _Context], _Recurring]]


def _repeat_years(m: re.Match[str], ctx: _Context) -> range:
    """The years a recurring expression covers: its own, else the plan period's."""
    if m["ys"]:
        first = ctx.check_year(int(m["ys"]))
        last = ctx.check_year(int(m["ye"] or m["ys"]))
        if last < first:
            raise ctx.fail(f"the years {first}-{last} end before they start")
        return range(first, last + 1)
    if ctx.within is None:
        raise ctx.fail(
            "a recurring expression needs the plan period (--within), e.g. --within 2021-2030"
        )
    return range(ctx.within[0], ctx.within[1] + 1)


def _continuous(m: re.Match[str], ctx: _Context) -> _Recurring:
    years = _repeat_years(m, ctx)
    whole = _window(date(years[0], 1, 1), date(years[-1], 12, 31), "Thường xuyên")
    return "continuous", [whole]


def _every(m: re.Match[str], ctx: _Context) -> _Recurring:
    years = _repeat_years(m, ctx)
    if m["unit"] == "nam":
        return "yearly", [_year_window(y) for y in years]
    if m["unit"] == "quy":
        return "quarterly", [_quarter_window(y, q, q) for y in years for q in ROMAN]
    return "monthly", [_month_window(y, mo, mo) for y in years for mo in range(1, 13)]


def _every_half(m: re.Match[str], ctx: _Context) -> _Recurring:
    years = _repeat_years(m, ctx)
    return "half-yearly", [_half_window(y, first=f) for y in years for f in (True, False)]


def _each_year(m: re.Match[str], ctx: _Context) -> _Recurring:
    """A yearless window or deadline repeated in each year: "Quý I hàng năm"."""
    occurrences: list[Occurrence] = []
    for year in _repeat_years(m, ctx):
        inner = _Context(ctx.expression, ctx.within, year=year, recurring=True)
        occurrences.extend(_read(m["body"], inner, _BODIES))
    return "yearly", occurrences


def _recurring(
    pattern: str, build: Callable[[re.Match[str], _Context], _Recurring]
) -> _RecurringForm:
    return re.compile(pattern + _OWN_YEARS, re.ASCII), build


_RECURRING: list[_RecurringForm] = [
    _recurring(r"thuong xuyen(?:[ ,]lien tuc)?", _continuous),
    _recurring(r"(?:dinh ky )?hang (?P<unit>nam|quy|thang)", _every),
    _recurring(r"(?:(?:dinh ky|hang) 6 thang(?:/lan| mot lan)?|6 thang(?:/lan| mot lan))",
               _every_half),
    _recurring(r"(?:dinh ky )?hang nam[ ,](?P<body>.+?)", _each_year),
    _recurring(r"(?P<body>.+?)[ ,](?:vao )?hang nam", _each_year),
]  # fmt: skip


# --- the entry points ---------------------------------------------------------------


def _years_problem(first: int, last: int) -> str | None:
    if not (MIN_YEAR <= first <= MAX_YEAR and MIN_YEAR <= last <= MAX_YEAR):
        return f"the years {first}-{last} are out of range (expected {MIN_YEAR}-{MAX_YEAR})"
    if last < first:
        return f"the years {first}-{last} end before they start"
    return None


def parse_period(text: str, within: tuple[int, int] | None = None) -> Period:
    """Read one time expression; ``within`` is the plan's (first year, last year).

    Returns the Period (occurrences in date order, each with start <= end) or raises
    PeriodError quoting ``text``; nothing else escapes. See the module docstring.
    """
    if within is not None and (problem := _years_problem(*within)):
        raise PeriodError(text, f"the plan period is wrong: {problem}")
    ctx = _Context(text, within)
    canonical, opened = _canonical(text)
    if not canonical:
        raise ctx.fail(f"it is empty ({EXPECTED})")
    if opened and "-" not in canonical:
        raise ctx.fail("'từ' gives a start but no end (expected 'từ … đến …')")
    recurrence: Recurrence | None = None
    for pattern, build in _RECURRING:
        match = pattern.fullmatch(canonical)
        if match:
            recurrence, occurrences = build(match, ctx)
            break
    else:
        if within is not None and within[0] == within[1]:
            ctx = _Context(text, within, year=within[0])
        occurrences = _read(canonical, ctx, _BODIES)
    ordered = tuple(sorted(occurrences, key=lambda o: (o.start or o.end, o.end)))
    return Period(text, recurrence, ordered)


_WITHIN = re.compile(rf"({_Y})(?:-({_Y}))?", re.ASCII)


def parse_within(text: str) -> tuple[int, int]:
    """A plan period as typed: "2026" → (2026, 2026), "2021 - 2030" → (2021, 2030)."""
    match = _WITHIN.fullmatch(normalise(text).replace(" ", ""))
    if not match:
        reason = "expected a year (2026) or a range of years (2026-2030)"
        raise PeriodError(text, reason, what="the plan period")
    first, last = int(match[1]), int(match[2] or match[1])
    if problem := _years_problem(first, last):
        raise PeriodError(text, problem, what="the plan period")
    return first, last
