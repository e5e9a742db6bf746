"""Rows and columns of a task table: what a row is (a total, the columns' numbers, a
second header row), which field each grid column holds, and small text helpers. Pure
functions, shared by the extractor (``table``) and the task builder (``taskbuild``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.plans.columns import Kind, budget_year, column_kind
from engine.plans.document import Row
from engine.plans.text import fold, squash

NUMBER = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*\.?|[a-zđ][).]?|[IVXLC]{1,6}\.?)$")
LETTER = re.compile(r"^[a-zđ][).]?$")
SECTION = re.compile(r"^(?P<roman>[IVXLC]{1,6})\.?(?:\s+(?P<rest>.+))?$", re.DOTALL)
_TOTAL = re.compile(
    r"^(?:tong cong|tong kinh phi|tong so|tong thoi gian)\b|^(?:tong|cong)(?: \d.*)?$"
)


@dataclass
class Column:
    kind: Kind | None
    header: str
    year: int | None = None
    duplicate: bool = False  # a second grid column of a horizontally merged header


def keys_repeat(groups: list[list[str]]) -> bool:
    seen: set[str] = set()
    for keys in groups:
        if seen & set(keys):
            return True
        seen |= set(keys)
    return False


def aligned_columns(rows: list[Row]) -> list[Column]:
    width = max(len(r.cells) for r in rows)
    columns: list[Column] = []
    seen: set[str] = set()
    for i in range(width):
        texts = [squash(r.cells[i].text) for r in rows if i < len(r.cells) and r.cells[i].text]
        kinds = [column_kind(t) for t in texts]
        specific = [k for k in kinds if k in ("budget_year", "budget_total")]
        # The lowest header row names the column most precisely ("Thực hiện" over
        # "Đơn vị chủ trì | Đơn vị phối hợp").
        kind: Kind | None = (
            specific[-1] if specific else next((k for k in reversed(kinds) if k), None)
        )
        header = " / ".join(dict.fromkeys(texts))
        year = next((budget_year(t) for t in texts if budget_year(t)), None)
        tag = f"{kind}:{year}" if kind else ""
        duplicate = bool(kind) and tag in seen
        if kind:
            seen.add(tag)
        if not texts and columns and columns[-1].kind == "budget":
            kind = None  # the rest of a merged "Kinh phí" heading with no sub-heading
        columns.append(Column(kind, header, year, duplicate))
    return columns


def column_numbers(row: Row) -> bool:
    """ "1 | 2 | 3 | 4 | 5" or "(1) | (2) | …" under a header: the columns' numbers."""
    numbers = [squash(t).strip("()") for t in row.texts if t.strip()]
    return len(numbers) >= 3 and numbers == [str(i) for i in range(1, len(numbers) + 1)]


def is_subheader(row: Row) -> bool:
    """A second header row: no number, only sub-headings (years, "Tổng cộng", a note),
    or the columns' own numbers ("1 | 2 | 3 …", "(1) | (2) | …"). Cells merged from the
    header row above count as empty."""
    texts = ["" if c.merged else squash(c.text) for c in row.cells]
    if column_numbers(row):
        return True
    if not texts or texts[0] or not any(texts):
        return False
    filled = [t for t in texts if t]
    if all(
        column_kind(t) in ("budget_year", "budget_total") or (t.startswith("(") and t.endswith(")"))
        for t in filled
    ):
        return True
    # a second row of column names under a merged heading ("Thực hiện" over these)
    return all(column_kind(t) is not None and len(t) <= 60 for t in filled) and len(filled) >= 2


def is_total(row: Row, number: str) -> bool:
    """ "Tổng cộng", "Tổng kinh phí", "Tổng thời gian …" in the row's first text (a cell
    further right may well name "Tổng Thư ký Quốc hội")."""
    if number and NUMBER.match(number):
        return False
    first = next((t for t in row.texts if t.strip()), "")
    return bool(_TOTAL.match(fold(first)))


def dedup(texts: list[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        if not out or squash(text) != squash(out[-1]):
            out.append(text)
    return out


def one_line(text: str) -> str:
    return squash(text.replace("\n", " "))


def content_text(fields: dict[str, str]) -> str | None:
    content = fields.get("content", "").strip()
    objective = fields.get("objective", "").strip()
    if not objective:
        return content or None
    parts = [("Mục tiêu", objective), ("Nội dung", content)]
    return "\n".join(
        f"{label}:{chr(10) if text.startswith('-') else ' '}{text}" for label, text in parts if text
    )


@dataclass
class Draft:
    """A task being assembled from one row (and its continuation)."""

    number: str | None
    section: str | None
    section_id: str | None
    fields: dict[str, str]
    first: int
    last: int
    block: int
    budget: dict[int, float] = field(default_factory=dict)
    budget_total: float | None = None
    budget_text: str | None = None
    window_from: int | None = None  # line of the cell a window was inherited from
    merged_window: bool = False
    merged: dict[str, int] = field(default_factory=dict)  # field → line it was printed on
    letter_parent: str | None = None  # "1" for row "a)" under task 1
    body_window: int | None = None  # the body line that gives the appendix's deadline
    caption_window: int | None = None  # the appendix heading line that gives its time
    event_window: int | None = None  # the body line that gives the event's dates
    window_warned: bool = False  # the table's warning says it has no window
