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
parts of a month (weeks, ten days)      Tuần đầu tháng 6/2026 (1-7), Tuần thứ hai/3 tháng
                                        6, Tuần cuối tháng 2 (the last 7 days), Đầu tháng 7,
                                        Thượng tuần (1-10), Giữa tháng, Trung tuần (11-20),
                                        Hạ tuần tháng 9 (21 to the end)
the start of a quarter or a year        Đầu quý III/2026 (its first month), Đầu năm 2027
                                        (its first quarter)
school years (September to May)         Năm học 2026-2027, Học kỳ I năm học 2026-2027
                                        (to 15/1), Học kỳ II, năm học 2026-2027 (from 16/1)
years                                   Năm 2026, 2026, 2021- 2030, Giai đoạn 2026 - 2030,
                                        Từ năm 2021 đến năm 2025
dates                                   30/6/2024 (a bare deadline), 1/3/2022 - 30/6/2022
deadlines (prefix + a date or window)   Trước 30/6/2024, Trước ngày 25 tháng 12 năm 2022,
                                        chậm nhất ngày 15/12/2025, đến ngày …, hạn …,
                                        trước tháng 7/2024, đến hết năm 2025
recurring (need ``within``)             Hàng năm, hàng quý, hàng tháng, định kỳ 6 tháng,
                                        Quý I hàng năm, trước ngày 20/6 hàng năm,
                                        Hàng năm giai đoạn 2021-2025 (its own years)
the whole plan period                   Thường xuyên, Thường xuyên, theo yêu cầu nhiệm vụ,
                                        Từ 01/7/2025, Kể từ năm 2027 (to the plan's end)
work that starts, then goes on          Triển khai từ năm 2026, Từ năm 2027 trở đi,
                                        Năm 2026 và duy trì thường xuyên (to the end)
then every later year of the plan       Năm 2022 và hàng năm, Năm 2025 và các năm tiếp
                                        theo, Quý IV/2025 và những năm tiếp theo
every year of the plan                  Thường xuyên, hằng năm
every n years                           Định kỳ 2 năm/lần, bắt đầu từ năm 2024
a day of each month or quarter          trước ngày 20 hằng tháng, trước ngày 15 tháng
                                        cuối quý
lists                                   Năm 2025; Năm 2030, Quý IV/2026, 2027 (Q4 and the
                                        year 2027), Quý III, năm 2022, Tháng 12, năm 2022
a recurrence also done when asked       Hằng năm và đột xuất (its dates)
on demand (no dates, no error)          Khi có phát sinh, khi có yêu cầu, đột xuất
after an event (no dates, no error)     Sau khi Đề án được phê duyệt, Theo tiến độ dự án
=====================================  ===============================================

"Xong trong …", "Hoàn thành trước …" read as what follows them. Old and new tone
placement ("Qúy"/"Quý", "hoà"/"hòa") are the same once marks are dropped.

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

- On demand is recurrence ``on-demand`` with no occurrences: the caller warns that the
  work has no dates to remind of. Work that waits for an event ("sau khi …", "theo tiến
  độ …", written without a date) is recurrence ``after-event``, with none either.
- A list is read part by part, cut at ";" and at a "," that opens a new year or unit.

Two searches serve callers that hold a sentence rather than a cell: ``find_periods`` /
``find_period`` find time phrases inside a text and return each one's Period with its
span; ``find_due_days`` finds the days recurring reports are due ("trước ngày 20 hằng
tháng" → day 19 of each month), as ``DueDay`` values that the plan file writes.

Each occurrence has a short Vietnamese ``label`` ("Quý III/2020", "Hạn 19/06/2024"),
built from what it means rather than from how it was typed: variants of one expression
get the same labels, and labels are unique within one Period (obligation keys use them).
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from engine.errors import PeriodError
from engine.i18n import N_, _

Recurrence = Literal[
    "yearly",
    "half-yearly",
    "quarterly",
    "monthly",
    "multi-yearly",
    "continuous",
    "on-demand",
    "after-event",
]

MIN_YEAR, MAX_YEAR = 1900, 2200
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_QUARTER_NUMBER = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTH_NAME_EN = (
    "", "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip

EXPECTED = N_(
    "expected a month ('Tháng 6/2023', 'Tháng 3 - 12/2022', 'Tháng 11/2021 - 3/2022'), "
    "a quarter ('Quý II/2023', 'Quý III-IV/2020'), a half year ('6 tháng đầu năm 2023'), "
    "a year or years ('Năm 2026', '2021 - 2030'), a deadline ('Trước ngày 30/6/2024', "
    "'chậm nhất ngày 15/12/2025', '30/6/2024') or a recurrence ('Hàng năm', "
    "'Quý I hàng năm', 'trước ngày 20/6 hàng năm', 'Thường xuyên')"
)


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
    # A cell's own label ("Tiến độ: Quý I/2027", "Thời hạn hoàn thành: 30/6/2026").
    (re.compile(r"^(?:tien do|thoi gian|thoi han)(?: (?:thuc hien|hoan thanh|du kien))* ?: ?"), ""),
    # The work's verb before its time: "Triển khai từ năm 2026", "Bắt đầu từ Quý III/2026",
    # "Nhiệm vụ thường xuyên".
    (
        re.compile(
            r"^(?:(?:bat dau|trien khai|nhiem vu|duoc thuc hien|thuc hien) )+"
            r"(?=(?:ke )?tu |thuong xuyen|hang |dinh ky |nam |quy |thang |\d)"
        ),
        "",
    ),
    # A note on a part, not a date: "Trước 30/6 (đợt 1); trước 30/11 (đợt 2)", "(dự kiến)",
    # "Tháng 12/2026 (báo cáo kết quả)"; a note with a number, a repetition or another
    # time ("(hoặc đột xuất khi có yêu cầu)") is kept.
    (re.compile(r"\((?:du kien|(?:dot|lan|buoc|giai doan|phan) \d{1,2})\) ?"), ""),
    (
        re.compile(
            r"\((?![^()]*(?:\d|\b(?:hang|moi|dinh ky|thuong xuyen|hoac|khi|dot xuat)\b))[^()]*\) ?"
        ),
        "",
    ),
    # "Cả năm 2026" is the year.
    (re.compile(r"^(?:ca|suot) nam\b"), "nam"),
    # "mỗi năm", "hằng năm" and "hàng năm" all mean every year.
    (re.compile(r"\b(?:moi|hang) (nam|quy|thang)\b"), r"hang \1"),
    # "Định kỳ hằng tháng (trước ngày 25)", "Hằng quý (trước ngày 20 tháng cuối quý)": the
    # day of each month or quarter, written after the repetition.
    (
        re.compile(
            r"^(?:dinh ky )?hang thang(?: \(|, ?)(?:truoc|cham nhat) (?:ngay )?(\d{1,2})\)?$"
        ),
        r"truoc ngay \1 hang thang",
    ),
    (
        re.compile(
            r"^(?:dinh ky )?hang quy(?: \(|, ?)(?:truoc|cham nhat) (?:ngay )?(\d{1,2})"
            r" thang cuoi (?:moi |cua )?quy\)?$"
        ),
        r"truoc ngay \1 thang cuoi quy",
    ),
    # "Định kỳ 6 tháng, hằng năm": the halves of every year, said twice.
    (re.compile(r"^(dinh ky 6 thang),? hang nam$"), r"\1"),
    # "Quí" is an old spelling of "Quý"; "Quí IV-2025" joins its year with a dash.
    (re.compile(r"\bqui\b"), "quy"),
    (re.compile(r"\b(quy [ivx\d]+(?: ?[-,] ?[ivx\d]+)*) ?- ?(\d{4})\b"), r"\1/\2"),
    # "nửa đầu năm" is "6 tháng đầu năm".
    (re.compile(r"\bnua (dau|cuoi) nam\b"), r"6 thang \1 nam"),
    # "Cuối năm 2026", "cuối quý II/2026": by its end ("6 tháng cuối năm" is a half,
    # "tuần cuối tháng 6" a week).
    (
        re.compile(r"(?<!thang )(?<!quy )(?<!tuan )\bcuoi (?=(?:thang|quy|nam) [\divx])"),
        "cham nhat ",
    ),
    # Parentheses only group: "Hàng năm (2021-2025)".
    (re.compile(r"[()\[\]]"), " "),
    # "I và II" is a list; "A đến B" a range (a leading "đến" is a deadline, kept).
    (re.compile(r"\bva\b"), ","),
    (re.compile(r"^(?:hoan thanh|hoan tat|xong|ket thuc)(?: viec)? "), ""),
    (re.compile(r"\b(cham nhat|muon nhat|thoi han|han chot|han)(?: la)? den\b"), r"\1"),
    (re.compile(r"(?<=\S) den (?:het )?"), "-"),
    # "ngày 25 tháng 12" is 25/12; "12 năm 2022", "IV năm 2024", "6 2023" join their year.
    (re.compile(r"(?<!tuan )(?<!thu )\b(\d{1,2}) thang (\d{1,2})\b"), r"\1/\2"),
    (re.compile(r"\b(\d{1,2}|[ivx]+) (?:nam )?(\d{4})\b"), r"\1/\2"),
    (re.compile(r" ?([-/,;]) ?"), r"\1"),
    # "Quý III, năm 2022", "Tháng 12, năm 2022": a comma before the year.
    (re.compile(r"\b(\d{1,2}|[ivx]+),nam (\d{4})\b"), r"\1/\2"),
    # "Tháng 11/2021 - tháng 3/2022": the unit is not repeated after a dash or comma.
    (re.compile(r"([-,])(?:thang|quy|nam|ngay) "), r"\1"),
    (re.compile(r"\s+"), " "),
    # "Năm 2026 và duy trì thường xuyên", "Từ năm 2026 và thực hiện thường xuyên, liên
    # tục": from that time on, to the plan's end (a span before it stays unread).
    (
        re.compile(
            r"^(?:tu )?([^-]*\d),(?:(?:thuc hien|duy tri|trien khai) )?"
            r"thuong xuyen(?:,lien tuc)? ?$"
        ),
        r"tu \1",
    ),
    # "Từ năm 2026 trở đi": from then on.
    (re.compile(r"(\d) (?:tro di|tro ve sau)$"), r"\1"),
    # "Hằng năm và đột xuất", "Năm 2026, khi có yêu cầu": the dated part; the rest has
    # no dates to remind of.
    (
        re.compile(
            r"^(.*(?:hang (?:nam|quy|thang)|\d)),(?:hoac )?"
            r"(?:dot xuat(?: khi co yeu cau)?|khi (?:co )?(?:yeu cau|phat sinh|can thiet)) ?$"
        ),
        r"\1",
    ),
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
                raise self.fail(
                    _("it names the year {text} and also 'hàng năm' (expected one)").format(
                        text=text
                    )
                )
            return self.check_year(int(text))
        if self.year is not None:
            return self.year
        if self.within is None:
            raise self.fail(
                _(
                    "it names no year, so it needs the plan period (--within) "
                    "or a year (e.g. 'Quý I/2023', 'trước ngày 20/6/2023')"
                )
            )
        first, last = self.within
        raise self.fail(
            _(
                "it names no year and the plan period {first}-{last} has several "
                "(expected a year, e.g. '/2023', or 'hàng năm')"
            ).format(first=first, last=last)
        )

    def check_year(self, year: int) -> int:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise self.fail(
                _("year {year} is out of range (expected {MIN_YEAR}-{MAX_YEAR})").format(
                    year=year, MIN_YEAR=MIN_YEAR, MAX_YEAR=MAX_YEAR
                )
            )
        return year

    def check_month(self, month: int) -> int:
        if not 1 <= month <= 12:
            raise self.fail(_("month {month} does not exist (expected 1-12)").format(month=month))
        return month

    def check_quarter(self, text: str) -> int:
        if text.isdigit():  # "Quý 02" is "Quý 2"
            text = text.lstrip("0") or "0"
        if text not in _QUARTER_NUMBER:
            raise self.fail(
                _("quarter {value} does not exist (expected I-IV or 1-4)").format(
                    value=text.upper()
                )
            )
        return _QUARTER_NUMBER[text]

    def day(self, day: int, month: int, year: int) -> date:
        self.check_month(month)
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            name = _MONTH_NAME_EN[month]
            raise self.fail(
                _("{day}/{month}/{year} is not a date ({name} {year} has {last} days)").format(
                    day=day, month=month, year=year, name=name, last=last
                )
            )
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
            raise ctx.fail(
                _("'{item}' is not a {unit} or a range of {unit}s (expected e.g. 3-12)").format(
                    item=item, unit=unit
                )
            )
        if parts[-1] < parts[0]:
            raise ctx.fail(
                _(
                    "the {unit} range {value} ends before it starts (expected the first "
                    "{unit} first; a range across years names both years, e.g. "
                    "'{across}')"
                ).format(unit=unit, value=item.upper(), across=across)
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
        raise ctx.fail(
            _("the range {m1}/{y1} - {m2}/{y2} ends before it starts").format(
                m1=m1, y1=y1, m2=m2, y2=y2
            )
        )
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
        raise ctx.fail(
            _("the range Quý {q1}/{y1} - {q2}/{y2} ends before it starts").format(
                q1=ROMAN[q1], y1=y1, q2=ROMAN[q2], y2=y2
            )
        )
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
        raise ctx.fail(
            _("the years {y1}-{y2} end before they start (expected e.g. 2021-2030)").format(
                y1=y1, y2=y2
            )
        )
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
        raise ctx.fail(
            _("the range {value} - {value2} ends before it starts").format(
                value=_dmy(start), value2=_dmy(end)
            )
        )
    return [_window(start, end, f"Từ {_dmy(start)} đến {_dmy(end)}")]


# Parts of a month, a quarter or a year: "Tuần đầu tháng 6/2026", "Đầu tháng 7",
# "Hạ tuần tháng 9/2026" (a ten-day part: thượng, trung, hạ tuần), "Đầu quý III/2026".
_WEEK_NUMBER = {"dau": 1, "nhat": 1, "hai": 2, "ba": 3, "tu": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_WEEK_NAME = {1: "đầu", 2: "thứ hai", 3: "thứ ba", 4: "thứ tư"}
_DEKAD = {
    "dau": (1, "Đầu"),
    "thuong tuan": (1, "Thượng tuần"),
    "giua": (2, "Giữa"),
    "trung tuan": (2, "Trung tuần"),
    "ha tuan": (3, "Hạ tuần"),
}


def _week(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    month = ctx.check_month(int(m["m"]))
    year = ctx.year_of(m["y"])
    last = _month_end(year, month)
    if m["which"] == "cuoi":  # the last seven days
        return [_window(last - timedelta(days=6), last, f"Tuần cuối tháng {month}/{year}")]
    n = _WEEK_NUMBER[m["which"].removeprefix("thu ")]
    start = date(year, month, 7 * n - 6)
    label = f"Tuần {_WEEK_NAME[n]} tháng {month}/{year}"
    return [_window(start, min(start + timedelta(days=6), last), label)]


def _dekad(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    month = ctx.check_month(int(m["m"]))
    year = ctx.year_of(m["y"])
    n, name = _DEKAD[m["part"]]
    start = date(year, month, 10 * n - 9)
    end = _month_end(year, month) if n == 3 else date(year, month, 10 * n)
    return [_window(start, end, f"{name} tháng {month}/{year}")]


def _quarter_start(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    """ "Đầu quý III/2026": the quarter's first month; "Đầu năm 2026": its first quarter."""
    if m["q"] is None:
        year = ctx.year_of(m["y2"])
        return [_window(date(year, 1, 1), date(year, 3, 31), f"Đầu năm {year}")]
    year = ctx.year_of(m["y"])
    q = ctx.check_quarter(m["q"])
    month = 3 * q - 2
    return [_window(date(year, month, 1), _month_end(year, month), f"Đầu quý {ROMAN[q]}/{year}")]


# A school year runs from September to May ("Năm học 2026-2027"); its first term
# ends in mid-January ("Học kỳ I năm học 2026-2027").
def _school_year(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    y1, y2 = ctx.year_of(m["y1"]), ctx.year_of(m["y2"])
    if y2 != y1 + 1:
        raise ctx.fail(
            _(
                "a school year runs over two years in a row (expected e.g. 'Năm học {y}-{next}')"
            ).format(y=y1, next=y1 + 1)
        )
    school = f"năm học {y1}-{y2}"
    if m["term"] is None:
        return [_window(date(y1, 9, 1), date(y2, 5, 31), school[0].upper() + school[1:])]
    if ctx.check_quarter(m["term"]) == 1:
        return [_window(date(y1, 9, 1), date(y2, 1, 15), f"Học kỳ I {school}")]
    if ctx.check_quarter(m["term"]) == 2:
        return [_window(date(y2, 1, 16), date(y2, 5, 31), f"Học kỳ II {school}")]
    raise ctx.fail(_("a school year has two terms (expected 'Học kỳ I' or 'Học kỳ II')"))


_DEADLINE_WORDS = r"truoc|cham nhat|muon nhat|han chot|thoi han|han|den"


def _deadline(m: re.Match[str], ctx: _Context) -> list[Occurrence]:
    """A prefix ("trước", "chậm nhất", …) and one date or window: a bare deadline."""
    try:
        targets = _read(m["target"], ctx, _WHENS)
    except PeriodError:
        # "trước ngày 01/6, 15/11": one deadline word before several dates
        parts = m["target"].split(",")
        if len(parts) == 1:
            raise
        targets = [t for part in parts for t in _read(part, ctx, _WHENS[:2])]
        return [_before(m["kind"], target) for target in targets]
    if len(targets) != 1:
        raise ctx.fail(_("expected one date or period after a deadline word, not a list"))
    return [_before(m["kind"], targets[0])]


def _before(kind: str, target: Occurrence) -> Occurrence:
    end = target.end
    if kind == "truoc":  # "before D" allows D-1 at the latest
        end = (target.start or target.end) - timedelta(days=1)
    return Occurrence(None, end, f"Hạn {_dmy(end)}")


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
    _form(rf"tuan (?:le )?(?P<which>dau|cuoi|thu (?:nhat|hai|ba|tu|[1-4])|(?:thu )?[1-4])"
          rf"(?: tien)?(?: cua)? thang (?P<m>{_N})(?:/(?P<y>{_Y}))?", _week),
    _form(rf"(?P<part>dau|giua|thuong tuan|trung tuan|ha tuan) thang (?P<m>{_N})"
          rf"(?:/(?P<y>{_Y}))?", _dekad),
    _form(rf"dau (?:quy (?P<q>{_Q})(?:/(?P<y>{_Y}))?|nam (?P<y2>{_Y}))", _quarter_start),
    _form(rf"(?:hoc ky (?P<term>{_Q})[ ,](?:nam )?|nam )hoc"
          rf" (?P<y1>{_Y})-(?P<y2>{_Y})", _school_year),
    _form(rf"6 thang (?P<half>dau|cuoi) nam(?:[ /](?P<y>{_Y}))?", _half),
    _form(rf"(?:nam |giai doan )?(?P<y1>{_Y})-(?P<y2>{_Y})", _years),
    # "Trong năm", "Cả năm" without a year: the plan's one year.
    _form(rf"(?:ca nam|nam|(?:nam )?(?P<y>{_Y}))", _year),
]  # fmt: skip


def _year_to_part(parts: list[str]) -> list[str]:
    """ "Quý IV, 2026": a bare year after a part without one is that part's year; a bare
    quarter after a quarter ("Quý I/2026 và Quý III/2026" is "quy i/2026,iii/2026" by
    then) is a quarter too."""
    out: list[str] = []
    for part in parts:
        if out and re.fullmatch(r"\d{4}", part) and not re.search(r"\d{4}", out[-1]):
            out[-1] = f"{out[-1]}/{part}"
        elif out and out[-1].startswith("quy ") and re.fullmatch(r"[ivx]+/\d{4}", part):
            out.append(f"quy {part}")
        else:
            out.append(part)
    return out


# Where a list of windows is cut: ";" always; "," before a year, a unit word or a month
# with its year ("Tháng 6/2026 và tháng 12/2026" is "thang 6/2026,12/2026" by then).
_LIST_CUT = re.compile(
    r";|(?<=/\d{4}),(?=[ivx]+/\d{4}\b)"  # "Quý I/2026 và Quý III/2026"
    r"|,(?=(?:nam |quy |thang |ngay )?\d{4}\b|(?:nam|quy|thang|ngay) |\d{1,2}/\d{4}\b"
    rf"|(?:{_DEADLINE_WORDS}) )"
)

_BODIES = [
    _form(rf"(?P<kind>{_DEADLINE_WORDS})(?: la)?(?: vao)?(?: het)? (?P<target>.+)",
          _deadline),
    *_WHENS,
]  # fmt: skip


def _read(text: str, ctx: _Context, forms: list[_Form]) -> list[Occurrence]:
    """The occurrences of the first form that matches the whole text.

    A list the forms do not read whole ("Năm 2025; Năm 2030", "Quý IV/2026, 2027") is
    read part by part, cut at each ";" and at each "," that opens a new year or unit.
    """
    failed: PeriodError | None = None
    for pattern, build in forms:
        match = pattern.fullmatch(text)
        if match:
            try:
                return build(match, ctx)
            except PeriodError as exc:  # "trước 30/6/2026;trước 30/11/2026": a list
                failed = exc
                break
    parts = _year_to_part(_LIST_CUT.split(text))
    if parts != [text] and forms is _BODIES:
        try:
            read = [o for part in parts for o in _read(part, ctx, forms)]
        except PeriodError:
            pass
        else:
            return list(dict.fromkeys(read))
    if failed is not None:
        raise failed
    if forms is _WHENS:
        raise ctx.fail(
            _(
                "expected a date ('30/6/2024') or a period ('Tháng 6/2024', 'Năm 2025') "
                "after 'trước', 'chậm nhất' or 'đến'"
            )
        )
    raise ctx.fail(_(EXPECTED))


# --- recurring forms ----------------------------------------------------------------

# "Hàng năm 2021-2025", "Hàng năm (giai đoạn 2021-2025)": the years to repeat over.
_OWN_YEARS = (
    rf"(?:[ ,](?:trong |giai doan )*(?P<since>(?:ke |bat dau )?tu )?(?:nam )?"
    rf"(?P<ys>{_Y})(?:-(?P<ye>{_Y}))?)?"
)
_Recurring = tuple[Recurrence, list[Occurrence]]
_RecurringForm = tuple[re.Pattern[str], Callable[[re.Match[str], _Context], _Recurring]]


def _repeat_years(m: re.Match[str], ctx: _Context) -> range:
    """The years a recurring expression covers: its own, else the plan period's."""
    if m["ys"]:
        first = ctx.check_year(int(m["ys"]))
        if m["since"] and not m["ye"]:  # "kể từ năm 2027": to the plan's end
            last = max(first, ctx.within[1]) if ctx.within else first
        else:
            last = ctx.check_year(int(m["ye"] or m["ys"]))
        if last < first:
            raise ctx.fail(
                _("the years {first}-{last} end before they start").format(first=first, last=last)
            )
        return range(first, last + 1)
    if ctx.within is None:
        raise ctx.fail(
            _("a recurring expression needs the plan period (--within), e.g. --within 2021-2030")
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
    body = re.sub(r"^dinh ky ", "", m["body"])
    for year in _repeat_years(m, ctx):
        inner = _Context(ctx.expression, ctx.within, year=year, recurring=True)
        occurrences.extend(_read(body, inner, _BODIES))
    return "yearly", occurrences


def _every_year_regularly(m: re.Match[str], ctx: _Context) -> _Recurring:
    """ "Thường xuyên, hằng năm": the work goes on, and comes round every year."""
    return "yearly", [_year_window(y) for y in _repeat_years(m, ctx)]


_NUMBER_WORDS = {"hai": 2, "ba": 3, "bon": 4, "muoi": 10}


def _every_n_years(m: re.Match[str], ctx: _Context) -> _Recurring:
    """ "Định kỳ 2 năm/lần, bắt đầu từ năm 2024": one year in every ``n``."""
    n = int(m["n"]) if m["n"].isdigit() else _NUMBER_WORDS[m["n"]]
    if n < 1:
        raise ctx.fail(_("a period of 0 years does not exist (expected e.g. '2 năm/lần')"))
    years = _repeat_years(m, ctx)
    return "multi-yearly", [_year_window(y) for y in years[::n]]


def _then_every_year(m: re.Match[str], ctx: _Context) -> _Recurring:
    """ "Năm 2025 và các năm tiếp theo", "Quý IV/2025 và hàng năm": the window, then
    every later year of the plan period."""
    if ctx.within is None:
        raise ctx.fail(
            _(
                "it goes on into the following years, so it needs the plan period "
                "(--within), e.g. --within 2025-2030"
            )
        )
    first = _read(m["body"], ctx, _BODIES)
    after = max(o.end.year for o in first) + 1
    return "yearly", [*first, *(_year_window(y) for y in range(after, ctx.within[1] + 1))]


# "trước ngày 20 hằng tháng", "chậm nhất ngày 15 tháng cuối quý": a day, no month.
_DAY_IN = (
    rf"(?:dinh ky )?(?:(?P<kind>{_DEADLINE_WORDS}|vao)(?: la)?(?: vao)? )?(?:ngay )?(?P<d>{_N})"
)
_EVERY_N = r"(?:dinh ky )?(?P<n>\d{1,2}|hai|ba|bon|muoi) nam(?:/| mot | 1 )lan"
_QUARTER_LAST = rf"{_DAY_IN}(?: cua)? thang cuoi (?:cua )?(?:moi |hang |cac )?quy"


def _day_of(m: re.Match[str], ctx: _Context, year: int, month: int) -> Occurrence:
    """Day ``d`` of the month (its last day in a shorter month); "trước": the day before."""
    day = int(m["d"])
    if not 1 <= day <= 31:
        raise ctx.fail(_("day {day} does not exist (expected 1-31)").format(day=day))
    end = date(year, month, min(day, calendar.monthrange(year, month)[1]))
    if m["kind"] == "truoc":
        end -= timedelta(days=1)
    return Occurrence(None, end, f"Hạn {_dmy(end)}")


def _day_each_month(m: re.Match[str], ctx: _Context) -> _Recurring:
    years = _repeat_years(m, ctx)
    return "monthly", [_day_of(m, ctx, y, mo) for y in years for mo in range(1, 13)]


def _day_each_quarter(m: re.Match[str], ctx: _Context) -> _Recurring:
    years = _repeat_years(m, ctx)
    return "quarterly", [_day_of(m, ctx, y, 3 * q) for y in years for q in ROMAN]


def _recurring(
    pattern: str, build: Callable[[re.Match[str], _Context], _Recurring]
) -> _RecurringForm:
    return re.compile(pattern + _OWN_YEARS, re.ASCII), build


_LATER_YEARS = r"(?:hang nam|(?:cac|nhung) nam (?:tiep theo|sau|ke tiep))"
_RECURRING: list[_RecurringForm] = [
    _recurring(r"(?:thuong xuyen[ ,]hang nam|hang nam[ ,]thuong xuyen)", _every_year_regularly),
    _recurring(
        r"thuong xuyen(?:[ ,](?:lien tuc|(?:theo|khi co) yeu cau(?: nhiem vu| cong viec)?))?",
        _continuous,
    ),
    _recurring(_EVERY_N, _every_n_years),
    _recurring(rf"{_DAY_IN}(?: cua)? ?hang thang", _day_each_month),
    _recurring(_QUARTER_LAST, _day_each_quarter),
    _recurring(r"(?:dinh ky )?hang (?P<unit>nam|quy|thang)", _every),
    _recurring(r"(?:(?:dinh ky|hang) 6 thang(?:/lan| mot lan)?|6 thang(?:/lan| mot lan))",
               _every_half),
    _recurring(r"(?:dinh ky )?hang nam[ ,](?P<body>.+?)", _each_year),
    _recurring(r"(?P<body>.+?)[ ,](?:vao )?hang nam", _each_year),
]  # fmt: skip
# Tried first, without the form's own years: "Năm 2022 và hàng năm".
_THEN_EVERY_YEAR = re.compile(rf"(?P<body>.*\d{{4}}),{_LATER_YEARS}", re.ASCII)


# --- the entry points ---------------------------------------------------------------


def _years_problem(first: int, last: int) -> str | None:
    if not (MIN_YEAR <= first <= MAX_YEAR and MIN_YEAR <= last <= MAX_YEAR):
        return _("the years {first}-{last} are out of range (expected {low}-{high})").format(
            first=first, last=last, low=MIN_YEAR, high=MAX_YEAR
        )
    if last < first:
        return _("the years {first}-{last} end before they start").format(first=first, last=last)
    return None


def parse_period(text: str, within: tuple[int, int] | None = None) -> Period:
    """Read one time expression; ``within`` is the plan's (first year, last year).

    Returns the Period (occurrences in date order, each with start <= end) or raises
    PeriodError quoting ``text``; nothing else escapes. See the module docstring.
    """
    if within is not None and (problem := _years_problem(*within)):
        raise PeriodError(text, _("the plan period is wrong: {problem}").format(problem=problem))
    ctx = _Context(text, within)
    canonical, opened = _canonical(text)
    if not canonical:
        raise ctx.fail(_("it is empty ({EXPECTED})").format(EXPECTED=_(EXPECTED)))
    if _ON_DEMAND.fullmatch(canonical):
        return Period(text, "on-demand", ())
    if after_event(text):
        return Period(text, "after-event", ())
    if within is not None and within[0] == within[1]:
        ctx = _Context(text, within, year=within[0])
    if opened and "-" not in canonical:
        return Period(text, "continuous", (_open_ended(canonical, ctx),))
    recurrence: Recurrence | None = None
    if then := _THEN_EVERY_YEAR.fullmatch(canonical):
        recurrence, occurrences = _then_every_year(then, ctx)
    else:
        for pattern, build in _RECURRING:
            match = pattern.fullmatch(canonical)
            if match:
                recurrence, occurrences = build(match, _Context(text, within))
                break
        else:
            occurrences = _read(canonical, ctx, _BODIES)
    ordered = tuple(sorted(occurrences, key=lambda o: (o.start or o.end, o.end)))
    return Period(text, recurrence, ordered)


# Work done when the need arises: no dates to remind of ("Khi có phát sinh").
_ON_DEMAND = re.compile(
    r"(?:(?:^|[ ,]+)(?:hoac )?(?:dot xuat|khi (?:co )?(?:phat sinh|yeu cau|can(?: thiet)?)"
    r"|theo (?:yeu cau|de nghi|chi dao)(?: (?:cua )?(?:cap tren|nhiem vu|thuc te))?"
    r"|khi duoc (?:yeu cau|giao)|neu co(?: phat sinh)?|tuy tinh hinh(?: thuc te)?))+",
    re.ASCII,
)


# Work that waits for an event, written without a date ("Sau khi Đề án được phê duyệt",
# "Ngay sau khi có hướng dẫn của Bộ", "Theo tiến độ dự án", "Sau 03 tháng kể từ khi …").
_AFTER_EVENT = re.compile(
    r"(?:ngay )?(?:sau khi|ngay khi|ke tu khi|khi) \S.*"
    r"|sau \d{1,3} (?:ngay|thang|nam)(?: lam viec)? (?:ke tu|tu|sau) .+"
    r"|theo (?:dung )?(?:tien do|lo trinh)\b.*",
    re.ASCII,
)
_DATED = re.compile(r"\d{4}|\d{1,2}/\d{1,2}", re.ASCII)
_REPEATS = re.compile(r"\b(?:hang|moi) (?:nam|quy|thang)\b|\bdinh ky\b|\bthuong xuyen\b", re.ASCII)


def after_event(text: str) -> bool:
    """Whether ``text`` hangs the work on an event and names no date (see above)."""
    canonical = _strip_noise(normalise(text))
    if _DATED.search(canonical) or _REPEATS.search(canonical):
        return False  # a date, or a recurrence ("theo kế hoạch … hàng năm")
    if _ON_DEMAND.fullmatch(_canonical(text)[0]):
        return False  # "khi có phát sinh" is on demand
    return _AFTER_EVENT.fullmatch(canonical) is not None


def _open_ended(canonical: str, ctx: _Context) -> Occurrence:
    """ "Từ 01/7/2025", "Kể từ năm 2027": from that day to the end of the plan period."""
    if ctx.within is None:
        raise ctx.fail(
            _(
                "'từ' gives a start but no end (expected 'từ … đến …', or the plan period "
                "(--within) for work that runs to its end)"
            )
        )
    (first, *more) = _read(canonical, ctx, _WHENS)
    if more:
        raise ctx.fail(_("expected one date or period after 'từ', not a list"))
    start = first.start or first.end
    end = date(ctx.within[1], 12, 31)
    if end < start:
        raise ctx.fail(
            _("it starts on {value}, after the plan period {value2} ends").format(
                value=_dmy(start), value2=ctx.within[1]
            )
        )
    return _window(start, end, f"Từ {_dmy(start)}")


_WITHIN = re.compile(rf"({_Y})(?:-({_Y}))?", re.ASCII)


def parse_within(text: str) -> tuple[int, int]:
    """A plan period as typed: "2026" → (2026, 2026), "2021 - 2030" → (2021, 2030)."""
    match = _WITHIN.fullmatch(normalise(text).replace(" ", ""))
    if not match:
        reason = "expected a year (2026) or a range of years (2026-2030)"
        raise PeriodError(text, reason, what=N_("the plan period"))
    first, last = int(match[1]), int(match[2] or match[1])
    if problem := _years_problem(first, last):
        raise PeriodError(text, problem, what=N_("the plan period"))
    return first, last


# --- searching a sentence -----------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A time phrase found inside a longer text: its Period and where it is printed
    (``text[start:end]`` is the phrase, without the punctuation around it)."""

    period: Period
    start: int
    end: int


# Words a time phrase may open with, normalised ("trước", "Quý", "hằng", a number …).
_OPENERS = frozenset(
    [
        "truoc",
        "cham",
        "muon",
        "han",
        "thoi",
        "den",
        "tu",
        "ke",
        "bat",
        "hoan",
        "xong",
        "trong",
        "quy",
        "qui",
        "thang",
        "nam",
        "ngay",
        "giai",
        "dinh",
        "hang",
        "moi",
        "thuong",
        "khi",
        "theo",
        "dot",
        "6",
        "sau",
        "nua",
        "ca",
        "ket",
        "tuan",  # "tuần đầu tháng 6/2026"
        "dau",  # "đầu tháng 7", "đầu quý III/2026"
        "giua",
        "trung",  # "trung tuần tháng 7"
        "ha",
        "hoc",  # "học kỳ I năm học 2026-2027"
    ]
)
_MAX_WORDS = 16
# A number that may open a time phrase: a date, a month or a year ("30/6", "6/2026",
# "2021-2030"), or the 6 of "6 tháng đầu năm".
_DATE_OPENER = re.compile(
    r"^(?:\d{1,2}(?:[/-]\d{1,4}){1,2}|(?:19|20)\d{2}-?(?:(?:19|20)\d{2})?|0?6)$"
)
# "… số 80/2021/NĐ-CP ngày 26/8/2021": the date of a cited document, not a deadline.
_CITATION = re.compile(r"\d+/(?:\d{4}/)?[A-ZĐ]{1,}[\w-]*$", re.IGNORECASE)
_EDGE = "()[].,;:!?*\"'“”"


def find_periods(text: str, within: tuple[int, int] | None = None) -> list[Found]:
    """Every time phrase inside ``text``, left to right, none overlapping.

    At each word that may open a time phrase, the longest run of up to 16 words that
    ``parse_period`` reads whole is taken. A phrase counts only if it names a number or
    recurs ("Hàng năm", "Thường xuyên", "Khi có yêu cầu"): a lone "năm" in "kế hoạch
    năm" is not one. The date of a cited document ("Nghị định số 80/2021/NĐ-CP ngày
    26/8/2021") is skipped.
    """
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    words = [_Word(a, b, _fold_word(text[a:b].strip(_EDGE))) for a, b in spans]
    cited = {
        n + k
        for n in range(1, len(words))
        if words[n].folded == "ngay" and _CITATION.search(text[spans[n - 1][0] : spans[n - 1][1]])
        for k in (0, 1)
    }
    found: list[Found] = []
    i = 0
    while i < len(words):
        hit = None if i in cited else _phrase_at(text, words, i, within)
        if hit is None:
            i += 1
            continue
        found.append(hit[0])
        i = hit[1]
    return found


def find_period(text: str, within: tuple[int, int] | None = None) -> Found | None:
    """The first time phrase inside ``text`` (see ``find_periods``), or None.

    For a caller reading tasks from sentences: ``"Sở Tư pháp chủ trì, hoàn thành trước
    ngày 30/6/2026"`` gives the deadline 29/06/2026 and the span of "hoàn thành trước
    ngày 30/6/2026"; a phrase meaning "on demand" gives a Period with no occurrences.
    """
    found = find_periods(text, within)
    return found[0] if found else None


@functools.lru_cache(maxsize=8192)
def _fold_word(word: str) -> str:
    return normalise(word)


# Words of a phrase without a number that may still be one ("Hàng năm", "Khi có …").
_UNDATED = frozenset(["hang", "moi", "thuong", "dinh", "khi", "theo", "dot", "tuy", "neu"])


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    folded: str  # normalised, without the brackets and punctuation around it


def _phrase_at(
    text: str, words: list[_Word], i: int, within: tuple[int, int] | None
) -> tuple[Found, int] | None:
    first = words[i]
    opener = first.folded.split("/")[0].split("-")[0]
    if opener not in _OPENERS and not _DATE_OPENER.match(first.folded):
        return None
    raw = text[first.start : first.end]
    start = first.start + (len(raw) - len(raw.lstrip(_EDGE)))
    stop = min(len(words), i + _MAX_WORDS)
    for k in range(i, stop):  # a phrase ends with its sentence or clause
        if text[words[k].end - 1] in ".;:!?":
            stop = k + 1
            break
    for j in range(stop, i, -1):
        last = words[j - 1].folded
        if not last or not (last[-1].isdigit() or last in _ENDERS):
            continue  # a time phrase ends in a number or a time word
        phrase = text[start : words[j - 1].end]
        while phrase and phrase[-1] in _EDGE and not _closes(phrase):
            phrase = phrase[:-1]
        dated = any(c.isdigit() for c in phrase)
        if not dated and not any(w.folded in _UNDATED for w in words[i:j]):
            continue
        try:
            period = parse_period(phrase, within)
        except PeriodError:
            continue
        if period.recurrence is None and not dated:
            continue
        return Found(period, start, start + len(phrase)), j
    return None


def _closes(phrase: str) -> bool:
    """Whether the phrase's last character closes a bracket it opened."""
    return phrase[-1] == ")" and phrase.count("(") >= phrase.count(")")


_ENDERS = frozenset(
    [
        "nam",
        "quy",
        "thang",
        "xuyen",
        "tuc",
        "sinh",
        "cau",
        "theo",
        "sau",
        "xuat",
        "thiet",
        "vu",
        "viec",
        "dao",
        "te",
        "giao",
    ]
)


# --- reporting days -----------------------------------------------------------------

DueFrequency = Literal["monthly", "quarterly", "half-yearly", "yearly"]


@dataclass(frozen=True)
class DueDay:
    """The day a recurring report is due in each of its periods, as a plan states it.

    ``month`` is None for a day of every month ("trước ngày 20 hằng tháng") or of each
    quarter's last month ("trước ngày 15 tháng cuối quý"); ``frequency`` is what the
    phrase itself says (None for a bare "trước ngày 20/6", whose frequency the sentence
    around it gives). ``before`` is "trước": the last allowed day is the day before.
    """

    day: int
    month: int | None
    frequency: DueFrequency | None
    before: bool

    @property
    def value(self) -> str | None:
        """The plan file's ``due``: "MM-DD" for a day of the year ("06-19"), "DD" for a
        day of each month or of each quarter's last month ("19"); None where that day
        does not exist or falls in the period before ("trước ngày 1 hằng tháng")."""
        day, month = self.day - self.before, self.month
        if month is None:
            return f"{day:02d}" if 1 <= day <= 31 else None
        if not (1 <= month <= 12 and 1 <= self.day <= calendar.monthrange(2001, month)[1]):
            return None
        if day == 0:  # "trước ngày 1/3" is 28/02 (month-days have no year: a common one)
            month = 12 if month == 1 else month - 1
            day = calendar.monthrange(2001, month)[1]
        return f"{month:02d}-{day:02d}"


@dataclass(frozen=True)
class FoundDue:
    """A reporting day found in a sentence: ``text[start:end]`` is how it is printed."""

    due: DueDay
    start: int
    end: int


_DUE_KIND = r"(?P<kind>truoc|cham nhat|muon nhat|han chot|thoi han|han|den|vao)"
_DUE_DATE = r"(?P<d>\d{1,2})(?: ?/ ?| thang )(?P<m>\d{1,2})(?![\d/]| ?/ ?\d| nam \d)"
_MORE_DATES = (
    r"(?:(?: ?, ?| va | hoac )(?:ngay )?\d{1,2}(?: ?/ ?| thang )\d{1,2}(?![\d/]| ?/ ?\d| nam \d))"
)
_DUE = re.compile(
    rf"\b{_DUE_KIND}(?: la)?(?: den)?(?: vao)? ngay (?:"
    rf"{_DUE_DATE}(?P<more>{_MORE_DATES}*)(?P<yearly> (?:cua )?(?:hang|moi) nam)?"
    rf"|(?P<day>\d{{1,2}})(?: cua)?(?P<unit> (?:hang|moi) thang| thang cuoi (?:cua )?"
    rf"(?:moi |hang |cac |mot )?quy))",
    re.ASCII,
)
_ONE_DATE = re.compile(r"(?P<d>\d{1,2})(?: ?/ ?| thang )(?P<m>\d{1,2})", re.ASCII)


def find_due_days(text: str) -> list[FoundDue]:
    """Every reporting day ``text`` states, left to right: "trước ngày 20/6",
    "chậm nhất ngày 15 tháng 12 hằng năm", "trước ngày 01/6 và 15/11 hằng năm" (two),
    "trước ngày 20 hằng tháng", "trước ngày 15 tháng cuối quý". A date with a year
    ("trước ngày 15/4/2026") is a one-off deadline, not a reporting day: see
    ``find_periods``."""
    folded, where = _normalise_mapped(text)
    out: list[FoundDue] = []
    for m in _DUE.finditer(folded):
        before = m["kind"] == "truoc"
        start, end = where[m.start()], where[m.end() - 1] + 1
        if m["unit"]:
            frequency: DueFrequency = "monthly" if "thang" in m["unit"].split()[-1] else "quarterly"
            out.append(FoundDue(DueDay(int(m["day"]), None, frequency, before), start, end))
            continue
        yearly: DueFrequency | None = "yearly" if m["yearly"] else None
        dates = [(m["d"], m["m"])] + [(d["d"], d["m"]) for d in _ONE_DATE.finditer(m["more"])]
        for day, month in dates:
            out.append(FoundDue(DueDay(int(day), int(month), yearly, before), start, end))
    return out


def _normalise_mapped(text: str) -> tuple[str, list[int]]:
    """``normalise`` (without trimming) and, for each character of the result, the
    index in ``text`` of the character it came from."""
    chars: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        folded = normalise(c) if not c.isspace() else " "
        if folded == "" and c.isspace():
            folded = " "
        for f in folded:
            if f == " " and chars and chars[-1] == " ":
                continue
            chars.append(f)
            where.append(i)
    return "".join(chars), where
