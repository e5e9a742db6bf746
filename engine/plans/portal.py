"""Reader for legal-portal copies (thuvienphapluat.vn pages scraped to markdown).

Such a page writes a table as its cells between lines holding a single ``|``; two such
lines in a row end one table row and start the next::

    |
    **STT**
    |
    **Tên nhiệm vụ**
    |
    |
    1
    |
    Triển khai nền tảng đào tạo
    trực tuyến mở đại trà …
    |

The text of cells and paragraphs is hard-wrapped at ~80 characters (``wrap.unwrap``
joins it again), bold markers are split across lines, and the site's banner, metadata
box and related-document lists surround the document (``wrap.strip_furniture``).

A table ends at a ``|`` followed by a blank line, or when a row already holds as many
cells as the table's first row: the page puts the document's first paragraphs right
after the header block's last ``|``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.plans.document import Cell, Document, Line, Row, Table
from engine.plans.text import clean_cell, clean_inline
from engine.plans.wrap import strip_furniture, unwrap

PIPE = "|"


def is_pipe(raw: str) -> bool:
    return raw.strip() == PIPE


def read_portal(lines: list[str], name: str) -> Document:
    start, end = strip_furniture(lines)
    raw_body: list[tuple[int, str]] = []
    tables: list[Table] = []
    i = start
    while i < end:
        if is_pipe(lines[i]):
            table, i = _read_table(lines, i, end)
            if table is not None:
                tables.append(table)
            raw_body.append((i, ""))  # a table ends a paragraph
            continue
        raw_body.append((i + 1, lines[i]))
        i += 1
    body = paragraphs(raw_body)
    return Document(name=name, format="portal", lines=body, tables=tables)


def paragraphs(raw: list[tuple[int, str]]) -> list[Line]:
    """Body lines: one per paragraph of the hard-wrapped text, markup removed."""
    out: list[Line] = []
    for first, _last, text in unwrap(raw):
        plain = clean_inline(text)
        if not plain:
            continue
        stripped = text.strip()
        bold = stripped.startswith("**") and stripped.endswith("**")
        heading = stripped.startswith("#")
        out.append(Line(first, plain, bold=bold, heading=heading))
    return out


@dataclass
class _Rows:
    rows: list[Row] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    lines: list[tuple[int, str]] = field(default_factory=list)
    width: int | None = None

    def close_cell(self, number: int) -> None:
        first = self.lines[0][0] if self.lines else number
        last = self.lines[-1][0] if self.lines else number
        text = "\n".join(t for _, _, t in unwrap(self.lines))
        self.cells.append(Cell(clean_cell(text), first, last))
        self.lines = []

    def close_row(self) -> None:
        if self.cells and not all(c.blank for c in self.cells):
            self.rows.append(Row(self.cells, self.cells[0].first, self.cells[-1].last))
            if self.width is None:
                self.width = len(self.cells)
        self.cells = []


_BLANK_MARKUP = re.compile(r"^[*_\s]+$")
# The signer's cell of the signature block ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / name"): the
# block is the last row of the document's body.
_SIGNER = re.compile(r"^(?:KT|TM|TL|TUQ|Q)\.\s*\S")
_BODY_START = re.compile(r"^\**\s*(?:PHỤ LỤC|KẾ HOẠCH|QUYẾT ĐỊNH|NGHỊ QUYẾT)\b")


def _ends_block(line: str) -> bool:
    """After a cell: an empty bold paragraph ("** **"), an appendix heading or a heading
    of the page ("# DANH MỤC …": the site writes the document's titles as headings, never
    inside a cell) is body text again, not the next cell."""
    text = line.strip()
    return bool(_BLANK_MARKUP.match(text) or _BODY_START.match(text) or text.startswith("#"))


def _read_table(lines: list[str], start: int, end: int) -> tuple[Table | None, int]:
    """The table opened by the ``|`` at ``start``; the index of the first line after it."""
    state = _Rows()
    j = start + 1
    while j < end:
        raw = lines[j]
        if not is_pipe(raw):
            state.lines.append((j + 1, raw))
            j += 1
            continue
        state.close_cell(j + 1)
        nxt = lines[j + 1] if j + 1 < end else ""
        after = lines[j + 2] if j + 2 < end else ""
        short = state.width is not None and len(state.cells) < state.width
        if is_pipe(nxt) and is_pipe(after) and short:
            j += 1  # "A | | |": an empty last cell, then the row break
            continue
        if is_pipe(nxt):  # "|" then "|": the row ends, the next one starts
            state.close_row()
            j += 2
            continue
        full = state.width is not None and len(state.cells) >= state.width
        if _SIGNER.match(state.cells[-1].text) and not is_pipe(nxt):
            j += 1  # the appendix after the signature block, glued to it
            break
        # "** **" then "|" is an empty cell, not the paragraph that ends the table
        ends = _ends_block(nxt) and not (_BLANK_MARKUP.match(nxt) and is_pipe(after))
        if not nxt.strip() or full or ends:
            j += 1
            break
        j += 1
    else:
        if state.lines:
            state.close_cell(end)
    state.close_row()
    if not state.rows:
        return None, j
    rows = state.rows
    return Table(rows=rows, aligned=True, first=rows[0].first, last=rows[-1].last), j
