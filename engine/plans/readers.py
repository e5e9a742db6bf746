"""Readers for text exports: each turns one document shape into a ``Document``.

* ``read_tsv`` (formats ``tsv`` and ``markdown``): a table row is one line of
  tab-separated cells; blank lines between rows are allowed; any other line is body text.
* ``read_cells`` (formats ``cells`` and ``lines``): the export writes each cell as a
  paragraph. In ``cells`` a cell starts with a tab and runs on over untabbed lines; in
  ``lines`` every line is a cell. A blank line ends a row, and so does a line starting
  with a space and a tab (the exporter's mark for a row that follows without a blank
  line). The table starts at the first run of cells that reads as a header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.plans import untabbed
from engine.plans.columns import looks_like_header
from engine.plans.document import Cell, Document, Line, Row, Table
from engine.plans.pipes import read_pipes
from engine.plans.portal import paragraphs, read_portal
from engine.plans.text import clean_cell, clean_inline, squash
from engine.plans.wrap import layout_lines, looks_wrapped

_TAB_LED = re.compile(r"^([ \u00a0]*)\t")
_TRAILER = re.compile(r"^\W*(ghi chú|nơi nhận|tm\.|kt\.)", re.IGNORECASE)


def read_text_document(text: str, name: str, fmt: str) -> Document:
    lines = text.split("\n")
    if fmt in ("tsv", "markdown"):
        doc = read_tsv(lines, name)
    elif fmt == "portal":
        doc = read_portal(lines, name)
    elif fmt == "pipes":
        doc = read_pipes(lines, name)
    else:
        doc = read_cells(lines, name, multiline=fmt == "cells")
    doc.format = fmt
    doc.total_lines = len(lines)
    return doc


def _is_blank(raw: str) -> bool:
    return not squash(raw)


def _body_line(number: int, raw: str) -> Line | None:
    text = clean_inline(raw)
    return Line(number, text) if text else None


# -- tab-separated rows ---------------------------------------------------------------


def read_tsv(lines: list[str], name: str) -> Document:
    body: list[Line] = []
    tables: list[Table] = []
    current: list[Row] = []
    last_filled = max((i for i, raw in enumerate(lines, start=1) if not _is_blank(raw)), default=0)
    after_row = False
    for number, raw in enumerate(lines, start=1):
        if _is_tsv_row(raw, bool(current), after_row and number == last_filled):
            cells = [Cell(clean_cell(part), number, number) for part in raw.split("\t")]
            current.append(Row(cells, number, number, block=len(current)))
            after_row = True
            continue
        after_row = False
        if _is_blank(raw):
            continue
        if current:
            tables.append(_table(current, aligned=True))
            current = []
        if line := _body_line(number, raw):
            body.append(line)
    if current:
        tables.append(_table(current, aligned=True))
    return Document(name=name, format="tsv", lines=body, tables=tables)


def _is_tsv_row(raw: str, in_table: bool, last_line_after_row: bool) -> bool:
    """Two tabs make a row; inside a table one tab does (a row cut short), and so does
    the file's last line right after a row (a row cut before its first tab)."""
    tabs = raw.count("\t")
    return tabs >= 2 or (in_table and tabs == 1) or (last_line_after_row and bool(raw.strip()))


def _table(rows: list[Row], *, aligned: bool) -> Table:
    return Table(rows=rows, aligned=aligned, first=rows[0].first, last=rows[-1].last)


# -- one cell per paragraph -------------------------------------------------------------


@dataclass
class _CellReader:
    """Accumulates cells into rows while walking the table region."""

    multiline: bool
    rows: list[Row] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    block: int = 0

    def end_row(self) -> None:
        if self.cells:
            row = Row(self.cells, self.cells[0].first, self.cells[-1].last, self.block)
            self.rows.append(row)
        self.cells = []

    def add_cell(self, number: int, text: str) -> None:
        self.cells.append(Cell(text.strip(), number, number))

    def continue_cell(self, number: int, text: str) -> None:
        cell = self.cells[-1]
        cell.text = f"{cell.text}\n{text.strip()}" if cell.text else text.strip()
        cell.last = number


def read_cells(lines: list[str], name: str, *, multiline: bool) -> Document:
    start = _find_cell_header(lines)
    if start == len(lines) and not multiline:
        return read_untabbed(lines, name)
    body: list[Line] = []
    tables: list[Table] = []
    number = 0
    while number < len(lines):
        if number == start:
            table, number = _read_cell_table(lines, start, multiline)
            tables.append(table)
            start = _find_cell_header(lines, number)
            continue
        if line := _body_line(number + 1, lines[number]):
            body.append(line)
        number += 1
    return Document(name=name, format="cells" if multiline else "lines", lines=body, tables=tables)


def read_untabbed(lines: list[str], name: str) -> Document:
    """One cell per line without tabs (``untabbed``), or plain text without a table:
    a fixed-width page (a PDF text layer) is joined back into paragraphs."""
    tables: list[Table] = []
    raw: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        found = untabbed.find_header(lines, i)
        stop = found[0] if found else len(lines)
        raw.extend((n + 1, lines[n]) for n in range(i, stop))
        if found is None:
            break
        table, i = untabbed.read_table(lines, *found)
        tables.append(table)
        raw.append((i, ""))
    if looks_wrapped([text for _, text in raw]):
        body = paragraphs(layout_lines([text for _, text in raw]))
        body = [Line(raw[ln.number - 1][0], ln.text, bold=ln.bold) for ln in body]
    else:
        body = [Line(n, text) for n, t in raw if (text := clean_inline(t))]
    return Document(name=name, format="lines", lines=body, tables=tables)


def _find_cell_header(lines: list[str], begin: int = 0) -> int:
    """Index of the first line of a run of tab-led cells that reads as a table header."""
    for i in range(begin, len(lines)):
        if not _TAB_LED.match(lines[i]):
            continue
        if i > begin and _TAB_LED.match(lines[i - 1]) and not lines[i].startswith(" "):
            continue  # not the first cell of a run
        run = []
        for j in range(i, min(i + 16, len(lines))):
            if not _TAB_LED.match(lines[j]) or (j > i and lines[j].startswith((" ", "\u00a0"))):
                break
            run.append(squash(lines[j]))
        if looks_like_header(run):
            return i
    return len(lines)


def _read_cell_table(lines: list[str], start: int, multiline: bool) -> tuple[Table, int]:
    """Read rows from ``start``; return the table and the index of the first line after it."""
    reader = _CellReader(multiline)
    after_blank = False
    i = start
    while i < len(lines):
        raw = lines[i]
        number = i + 1
        if _is_blank(raw):
            reader.end_row()
            if not after_blank:
                reader.block += 1
            after_blank = True
            i += 1
            continue
        led = _TAB_LED.match(raw)
        if led is None and _ends_table(raw, after_blank, reader, multiline):
            break
        if led is not None and led.group(1) and i != start:
            reader.end_row()  # " \t": a row that follows without a blank line
        if led is not None or not multiline or not reader.cells:
            reader.add_cell(number, clean_cell(raw[led.end() :] if led else raw))
        else:
            reader.continue_cell(number, clean_cell(raw))
        after_blank = False
        i += 1
    reader.end_row()
    table = _table(reader.rows, aligned=False) if reader.rows else Table([], aligned=False)
    return table, i


def _ends_table(raw: str, after_blank: bool, reader: _CellReader, multiline: bool) -> bool:
    """An untabbed line ends the table when it follows a blank line (``cells``), or when
    it reads as the note or signature block that follows a table (``lines``)."""
    if _TRAILER.match(squash(raw)):
        return True
    return multiline and (after_blank or not reader.cells)
