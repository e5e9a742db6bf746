"""Reader for markdown pipe tables, clean or broken.

A clean table is one row per line, ``| a | b |`` (outer pipes optional), with a
``| --- | --- |`` line under the header. Exports break them in known ways (corpus 16):
a row spread over several lines (a cell's text runs on, or the next cell starts on the
next line), junk lines of pipes only ("| |||||"), cells missing, a row glued to the one
before. The reader joins physical lines into rows: a row goes on until it holds as many
cells as the header row, and a line of pipes alone ends it. Cells that the export left
out come back as empty cells where ``|`` ended one line and started the next ("…|" then
"| …"), which is how such exports write an empty cell.
"""

from __future__ import annotations

import re

from engine.plans.document import Cell, Document, Row, Table
from engine.plans.portal import paragraphs
from engine.plans.text import clean_cell
from engine.plans.wrap import looks_wrapped

_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_JUNK = re.compile(r"^[|\s]+$")
_ROW_START = re.compile(r"^\|\s*(?:\d{1,3}\.?|[IVX]{1,5}\.?|[a-zđ]\))\s*\|")


def is_pipe_row(raw: str) -> bool:
    text = raw.strip()
    return text.startswith("|") and text.count("|") >= 2 and not _JUNK.match(text)


def read_pipes(lines: list[str], name: str) -> Document:
    raw_body: list[tuple[int, str]] = []
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        if is_pipe_row(lines[i]):
            table, i = _read_table(lines, i)
            tables.append(table)
            raw_body.append((i, ""))
            continue
        raw_body.append((i + 1, lines[i]))
        i += 1
    if looks_wrapped([raw for _, raw in raw_body]):
        body = paragraphs(raw_body)
    else:  # one paragraph per line: only the markup goes
        body = [ln for number, raw in raw_body for ln in paragraphs([(number, raw)])]
    return Document(name=name, format="pipes", lines=body, tables=tables)


def _cells(text: str) -> list[str]:
    """The cells of a row's text (outer pipes dropped)."""
    text = text.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return text.split("|")


def _read_table(lines: list[str], start: int) -> tuple[Table, int]:
    header = _cells(lines[start])
    width = len([c for c in header if c.strip()]) or len(header)
    rows: list[Row] = [_row(lines[start], start + 1, start + 1)]
    i = start + 1
    pending: list[tuple[int, str]] = []
    while i < len(lines):
        raw = lines[i]
        text = raw.strip()
        if _SEPARATOR.match(text) and not pending:
            i += 1
            continue
        if not text or (not pending and not text.startswith("|") and "|" not in text):
            break
        if _JUNK.match(text):  # "| |||||": ends the row being read
            rows.extend(_flush(pending))
            pending = []
            i += 1
            continue
        if pending and _ROW_START.match(text) and _complete(pending, width - 1):
            rows.extend(_flush(pending))
            pending = []
        pending.append((i + 1, raw))
        if text.endswith("|") and _complete(pending, width):
            rows.extend(_flush(pending))
            pending = []
        i += 1
    rows.extend(_flush(pending))
    rows = [r for r in rows if not r.blank]
    return Table(rows=rows, aligned=True, first=rows[0].first, last=rows[-1].last), i


def _joined(pending: list[tuple[int, str]]) -> str:
    return "\n".join(raw.strip() for _, raw in pending)


def _complete(pending: list[tuple[int, str]], width: int) -> bool:
    return len(_cells(_joined(pending))) >= width


def _flush(pending: list[tuple[int, str]]) -> list[Row]:
    if not pending:
        return []
    return [_row(_joined(pending), pending[0][0], pending[-1][0])]


def _row(text: str, first: int, last: int) -> Row:
    cells = [Cell(clean_cell(_unbreak(c)), first, last) for c in _cells(text)]
    return Row(cells, first, last)


def _unbreak(cell: str) -> str:
    """A cell's text run over several physical lines, as one paragraph per item."""
    parts = [p.strip() for p in cell.split("\n") if p.strip()]
    return "\n".join(parts)
