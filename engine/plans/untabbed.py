"""Tables exported one cell per line with nothing marking where a cell or a row ends.

LibreOffice's text export of a Word table (corpus 06) writes every paragraph of every
cell on a line of its own: no tab, often no blank line. What is left to go by is the
header (its cells are the header words, one per line) and the first column: every row
starts with its number ("1", "2.", "Bước 3"). So the reader

* finds a run of lines that reads as a table header (``columns.looks_like_header``),
* cuts the lines after it into rows at each line that is a row number,
* and fits each row's lines to the columns (``fit``): the number first, the time cell
  last where the last column is a time column and the line reads as a time or a
  duration, the agency cell as the run of trailing lines that name agencies or
  officials, and the task text as the rest.

The table ends at a section heading ("II. …"), a signature or a note block, or another
header. Rows the fit cannot place stay in the table with the texts in order, and the
extractor warns about them.
"""

from __future__ import annotations

import re

from engine.plans.columns import Kind, column_kind, looks_like_header
from engine.plans.document import Cell, Row, Table
from engine.plans.text import clean_cell, fold, squash

_ROW_NUMBER = re.compile(r"^(?:bước|buoc|b)?\s*(\d{1,3})\s*[.:)]?$", re.IGNORECASE)
_END = re.compile(r"^(?:[IVX]{1,5}\s*[.:]\s*\S|nơi nhận|tm\.|kt\.|ghi chú)", re.IGNORECASE)
_TIME = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:giờ|ngày|tuần|tháng|năm|phút)\b|\b(?:19|20)\d{2}\b|quý|quí|"
    r"thường xuyên|hằng năm|hàng năm|giờ hành chính|ngày làm việc",
    re.IGNORECASE,
)
_PERSON_HEADS = (
    "cong chuc", "vien chuc", "lanh dao", "van thu", "chuyen vien", "bo phan", "can bo",
    "ubnd", "uy ban nhan dan", "trung tam", "chi cuc", "van phong", "giam doc",
    "pho giam doc", "chu tich", "pho chu tich", "truong phong", "pho truong phong",
    "truong ban", "to truong", "thanh tra", "ke toan", "hoi dong", "nguoi dung dau",
)  # fmt: skip
# Head words that also begin ordinary words ("bàn giao", "sở hữu", "tổ chức"): an agency
# only when a capitalised name follows ("Sở Công Thương", "Phòng QLCN").
_SHORT_HEADS = {"so", "ban", "bo", "cuc", "phong", "doan", "to", "cac"}
_HEADER_WINDOW = 10


def find_header(lines: list[str], begin: int = 0) -> tuple[int, int] | None:
    """(first, end) indexes of an untabbed header run at or after ``begin``."""
    for i in range(begin, len(lines)):
        end = header_at(lines, i)
        if end:
            return i, end
    return None


def header_at(lines: list[str], i: int) -> int:
    """The index after the header run starting at line ``i``, or 0 when none starts there."""
    if column_kind(squash(lines[i])) is None:
        return 0
    run, end = _header_run(lines, i)
    return end if len(run) >= 3 and looks_like_header(run) else 0


def _header_run(lines: list[str], start: int) -> tuple[list[str], int]:
    """The header cells from ``start``: known header words, with a parenthesised line
    joined to the cell above it; the index after the last one."""
    cells: list[str] = []
    end = start
    j = start
    while j < len(lines) and j < start + _HEADER_WINDOW:
        text = squash(lines[j])
        if not text:
            j += 1
            continue
        kind = column_kind(text)
        if text.startswith("(") and cells:
            cells[-1] = f"{cells[-1]} {text}"
        elif kind is None or len(text) > 60 or text.startswith(("-", "+")):
            break
        elif kind in {column_kind(c) for c in cells} or fold(text).startswith("tong "):
            break  # a second time column is the first row ("Tổng thời gian …")
        else:
            cells.append(text)
        j += 1
        end = j
    return cells, end


def read_table(lines: list[str], start: int, end: int) -> tuple[Table, int]:
    """The table whose header runs over lines[start:end]; the index after the table."""
    header_cells, _ = _header_run(lines, start)
    kinds = [column_kind(c) for c in header_cells]
    header = Row([Cell(t, start + 1, end) for t in header_cells], start + 1, end)
    rows = [header]
    current: list[tuple[int, str]] = []
    i = end
    while i < len(lines):
        text = squash(lines[i])
        if text and (_END.match(text) or header_at(lines, i)):
            break
        if text and _ROW_NUMBER.match(text) and current:
            rows.append(_row(current, kinds))
            current = []
        if text:
            current.append((i + 1, text))
        i += 1
    if current:
        rows.append(_row(current, kinds))
    table = Table(rows=rows, aligned=True, first=rows[0].first, last=rows[-1].last)
    return table, i


def _row(lines: list[tuple[int, str]], kinds: list[Kind | None]) -> Row:
    texts = fit([t for _, t in lines], kinds)
    first, last = lines[0][0], lines[-1][0]
    return Row([Cell(clean_cell(t), first, last) for t in texts], first, last)


def _is_time(text: str) -> bool:
    return len(text) <= 60 and bool(_TIME.search(text))


def _names_someone(text: str) -> bool:
    """A line of an agency cell: an agency or an official's post, short, no sentence."""
    if text.startswith("(") or len(text) > 80 or text.rstrip().endswith((":", ".")):
        return text.startswith("(")
    words = text.lstrip("-–+• ").split()
    form = fold(" ".join(words))
    if any(form == head or form.startswith(head + " ") for head in _PERSON_HEADS):
        return True
    return len(words) > 1 and fold(words[0]) in _SHORT_HEADS and words[1][:1].isupper()


def fit(texts: list[str], kinds: list[Kind | None]) -> list[str]:
    """The cell texts of one row, one per column, from its lines in printed order."""
    out: list[str] = [""] * len(kinds)
    rest = list(texts)
    if kinds and kinds[0] == "number" and rest and _ROW_NUMBER.match(rest[0]):
        out[0] = _ROW_NUMBER.match(rest.pop(0)).group(1)  # type: ignore[union-attr]
    if len(kinds) > 1 and kinds[-1] == "window" and len(rest) > 1 and _is_time(rest[-1]):
        out[-1] = rest.pop()
    free = [i for i, text in enumerate(out) if not text and (i or kinds[0] != "number")]
    if not free or not rest:
        return out
    agency = [i for i in free if kinds[i] in ("lead", "agencies")]
    if len(free) == 2 and agency == [free[1]] and len(rest) > 1:
        split = len(rest) - 1
        while split > 1 and _names_someone(rest[split - 1]):
            split -= 1
        out[free[0]] = "\n".join(rest[:split])
        out[free[1]] = _join_names(rest[split:])
        return out
    for index, column in enumerate(free):
        if index == len(free) - 1 or index >= len(rest) - 1:
            out[column] = "\n".join(rest[index:])
            break
        out[column] = rest[index]
    return out


def _join_names(lines: list[str]) -> str:
    """One name per line; a parenthesised line belongs to the name above it."""
    names: list[str] = []
    for line in lines:
        run_on = names and re.search(r"\b(?:của|tại|và|thuộc|trực)$", names[-1])
        if (line.startswith("(") or run_on) and names:
            names[-1] = f"{names[-1]} {line}"
        else:
            names.append(line)
    return "\n".join(names)
