"""The years a plan covers, when its title does not say.

One rule for the genre (SOURCES.md, corpus 01, 03, 12, 14, 17, 18, 19):

* the plan starts in the year it was issued (a title's own later start wins: a plan
  issued in November for "giai đoạn 2026-2030" starts in 2026; an earlier one loses: a
  plan issued in 2025 for "thời kỳ 2021-2030" starts in 2025);
* it ends in the title's last year when the title names one ("đến năm 2030",
  "giai đoạn 2026 - 2030"); otherwise in the latest year that the document's own
  commitments name: the windows of its tasks, its deadlines ("trước ngày 01 tháng 3
  năm 2027", "chậm nhất đến ngày …"), its spans ("từ năm 2021 đến hết năm 2025",
  "kể từ năm 2027") and its targets ("Đến hết năm 2045: …" opening a sentence);
* with none of those, it is the issue year alone.

Years that belong to other documents do not count: the dates of cited documents
("Nghị định số 80/2021/NĐ-CP ngày 26/8/2021"), visions ("tầm nhìn đến năm 2050",
"hướng tới … vào năm 2050") and the periods of cited plans ("Quy hoạch … thời kỳ
2021 - 2030"), which sit in the middle of a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from engine.i18n import N_, _
from engine.plans.document import Line

_YEAR = r"((?:19|20)\d{2})"
_DATE_WORDS = rf"\d{{1,2}}\s*(?:tháng\s*\d{{1,2}}\s*năm\s*|/\s*\d{{1,2}}\s*/\s*){_YEAR}"
_DEADLINE = re.compile(
    rf"(?:trước|chậm nhất(?:\s+(?:là|đến))?|muộn nhất|hạn chót|hoàn thành|xong)\s+"
    rf"(?:ngày\s+)?(?:{_DATE_WORDS}|(?:trong\s+)?(?:quý\s+\w+|tháng\s+\d{{1,2}})"
    rf"\s*(?:năm|/)\s*{_YEAR}|năm\s+{_YEAR})",
    re.IGNORECASE,
)
_SPAN = re.compile(rf"(?:kể\s+)?từ\s+năm\s+{_YEAR}(?:\s+đến\s+(?:hết\s+)?năm\s+{_YEAR})?", re.I)
_TARGET = re.compile(rf"(?:^|[.;:]\s+|^[a-zđ]\)\s*|^\d+\.\s*)(?:giai đoạn\s+.{{0,40}}?)?đến\s+"
                     rf"(?:hết\s+)?năm\s+{_YEAR}", re.IGNORECASE)  # fmt: skip
_TIME_LABEL = re.compile(r"^[-+*\s]*(?:thời gian|thời hạn|tiến độ)[^:]{0,30}:", re.IGNORECASE)
_WINDOW_YEAR = re.compile(rf"(?<!\d){_YEAR}(?!\d)")
_ANY_YEAR = re.compile(rf"(?<![\d/.-]){_YEAR}(?![\d/])")


@dataclass(frozen=True)
class Named:
    """A year the document commits to, where, and as what."""

    year: int
    line: int | None
    why: str


def committed_years(
    lines: Iterable[Line], windows: Iterable[tuple[int | None, str]]
) -> list[Named]:
    """Every year the document's own commitments name (see the module docstring)."""
    out: list[Named] = []
    for where, window in windows:
        found = _WINDOW_YEAR.findall(window)
        out.extend(Named(int(y), where, N_("a task window")) for y in found)
    for line in lines:
        text = line.text
        if _TIME_LABEL.match(text):
            found = _ANY_YEAR.findall(text)
            out.extend(Named(int(y), line.number, N_("a task window")) for y in found)
            continue
        for match in _DEADLINE.finditer(text):
            year = next(g for g in match.groups() if g)
            out.append(Named(int(year), line.number, N_("a deadline")))
        for match in _SPAN.finditer(text):
            years = [g for g in match.groups() if g]
            out.extend(Named(int(y), line.number, N_("a span of years")) for y in years)
        for match in _TARGET.finditer(text):
            out.append(Named(int(match.group(1)), line.number, N_("a target")))
    return out


def plan_span(
    issue_year: int | None,
    title: tuple[int | None, int | None],
    named: list[Named],
) -> tuple[tuple[int, int], str] | None:
    """(first, last) and how they were found, or None when nothing gives a year."""
    title_start, title_end = title
    starts = [y for y in (issue_year, title_start) if y is not None]
    if not starts:
        if not named:
            return None
        years = sorted(n.year for n in named)
        return (years[0], years[-1]), _("from the years of its windows and deadlines")
    start = max(starts) if title_start is not None and title_end is not None else starts[0]
    if title_end is not None:
        start = min(start, title_end)
        return (start, title_end), _("from the title and the issue year")
    later = [n for n in named if start <= n.year <= start + 50]
    if not later:
        return (start, start), _(
            "as the issue year {year}: the document names no later year"
        ).format(year=start)
    latest = max(later, key=lambda n: n.year)
    where = _(" (line {line})").format(line=latest.line) if latest.line else ""
    return (start, latest.year), _(
        "from the issue year {start} to the latest year its commitments name: "
        "{year} in {why}{where}"
    ).format(start=start, year=latest.year, why=_(latest.why), where=where)
