"""The pages of a document, laid out, into one ``Document``.

Lines are numbered through the document as printed: a paragraph's ``Line`` takes the
number of its first printed line, and a table row counts as one line (as in .docx).
Two things cross page breaks and are joined here: a paragraph that runs on at the top
of the next page, and a table that continues there. A continued table is recognised by
its columns (the same count at the same places); the header rows it repeats are left
out, and a first row with an empty number cell is the rest of the row the page break
split, so its cells are joined to that row's.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from engine.plans.document import Cell, Document, Line, Row, Table
from engine.plans.layout.grid import GridCell, Slot
from engine.plans.layout.page import PageLayout, TableBlock, TextBlock, borderless_grid
from engine.plans.layout.paragraphs import Flow, join_text, split_paragraphs, starts_paragraph
from engine.plans.layout.regions import Region
from engine.plans.layout.words import TextLine
from engine.plans.text import squash


@dataclass
class _Paragraph:
    lines: list[TextLine]
    flow: Flow
    page: int
    right: float = 0.0  # where the page's text ends on the right (its margin)


@dataclass
class _Piece:
    """One cell's text as printed: its lines, and the area they run in."""

    lines: list[TextLine]
    flow: Flow


@dataclass
class _TableRow:
    pieces: list[list[_Piece] | None]  # per grid column; None when merged
    merged: list[str | None]
    page: int


@dataclass
class _Table:
    rows: list[_TableRow]
    xs: list[float]
    page: int
    header: list[list[str]] = field(default_factory=list)  # texts of the leading rows
    ruled: bool = True


Item = _Paragraph | _Table


def assemble(pages: list[PageLayout], name: str, fmt: str = "pdf") -> Document:
    running = _running_lines(pages)
    items: list[Item] = []
    for page in pages:
        items.extend(_join_across(items, _page_items(_without(page, running))))
    return _number(items, name, fmt, len(pages))


_MARGIN = 0.12  # of the page height, where running headers and footers are printed


def _margin_lines(page: PageLayout) -> list[tuple[TextBlock, TextLine]]:
    out = []
    for block in page.blocks:
        if isinstance(block, TextBlock):
            for line in block.lines:
                if line.bottom < _MARGIN * page.height or line.top > (1 - _MARGIN) * page.height:
                    out.append((block, line))
    return out


def _key(line: TextLine) -> str:
    return re.sub(r"\d+", "#", squash(line.text))


def _running_lines(pages: list[PageLayout]) -> set[str]:
    """Texts printed in the top or bottom margin of many pages ("ĐLVN 05 : 2017",
    "Trang # / #"): running headers and footers, not the document's text."""
    if len(pages) < 3:
        return set()
    seen: dict[str, int] = {}
    for page in pages:
        for key in {_key(line) for _, line in _margin_lines(page)}:
            seen[key] = seen.get(key, 0) + 1
    return {key for key, count in seen.items() if count >= max(3, 0.3 * len(pages))}


def _without(page: PageLayout, running: set[str]) -> PageLayout:
    if not running:
        return page
    drop = {id(line) for _, line in _margin_lines(page) if _key(line) in running}
    blocks: list[TextBlock | TableBlock] = []
    for block in page.blocks:
        if isinstance(block, TextBlock):
            lines = [line for line in block.lines if id(line) not in drop]
            if lines:
                blocks.append(TextBlock(lines, block.flow))
        else:
            blocks.append(block)
    return PageLayout(page.number, page.width, page.height, blocks)


def _page_items(page: PageLayout) -> list[Item]:
    out: list[Item] = []
    texts = [b for b in page.blocks if isinstance(b, TextBlock)]
    right = max((line.x1 for b in texts for line in b.lines), default=0.0)
    for block in page.blocks:
        if isinstance(block, TextBlock):
            for lines in split_paragraphs(block.lines, block.flow):
                out.append(_Paragraph(lines, block.flow, page.number, right))
        else:
            out.append(_table(block, page.number))
    return out


def _table(block: TableBlock, page: int) -> _Table:
    grid = block.grid
    pad = _padding(grid.cells)
    # Without ruling lines a cell's box is only the white space between columns: its
    # text starts where the column's text starts.
    lefts: dict[int, float] = {}
    if not block.ruled:
        for cell in grid.cells:
            for line in cell.lines:
                lefts[cell.col] = min(lefts.get(cell.col, line.x0), line.x0)
    rows = []
    for slots in grid.rows():
        pieces: list[list[_Piece] | None] = []
        merged: list[str | None] = []
        for slot in slots:
            left = lefts.get(slot.cell.col) if slot.cell is not None else None
            pieces.append(None if slot.merged else [_piece(slot, pad, left)])
            merged.append(slot.merged)
        rows.append(_TableRow(pieces, merged, page))
    return _Table(rows, grid.xs, page, [_texts(r) for r in rows[:3]], block.ruled)


def _padding(cells: list[GridCell]) -> float:
    """The table's cell padding: the smallest distance from a cell's left edge to its
    text (some column is left-aligned), within what word processors use."""
    gaps = sorted(line.x0 - cell.x0 for cell in cells for line in cell.lines)
    return min(max(gaps[len(gaps) // 20] if gaps else 2.0, 0.5), 8.0)


def _piece(slot: Slot, pad: float, left: float | None = None) -> _Piece:
    """A cell's lines and its text area: the box less the padding, so a wrapped line is
    told from a line ended short even in a column where no line fills the cell; ``left``
    where the text starts if not at the box's padding (a table without ruling lines)."""
    cell = slot.cell
    if cell is None:
        return _Piece([], Flow(0, 0, 0))
    lines = cell.lines
    left, right = cell.x0 + pad if left is None else left, cell.x1 - pad
    if lines:
        left, right = min(left, *(ln.x0 for ln in lines)), max(right, *(ln.x1 for ln in lines))
    return _Piece(lines, Flow.of(lines, left, right) if lines else Flow(left, right, 0))


def _piece_text(pieces: list[_Piece]) -> str:
    paragraphs: list[list[TextLine]] = []
    flow = pieces[0].flow
    for piece in pieces:
        for lines in split_paragraphs(piece.lines, piece.flow, boxed=True):
            if paragraphs and not starts_paragraph(paragraphs[-1], lines[0], flow, same_page=False):
                paragraphs[-1].extend(lines)  # the rest of a cell the page break split
            else:
                paragraphs.append(lines)
        flow = piece.flow
    return "\n".join(join_text(p) for p in paragraphs)


def _texts(row: _TableRow) -> list[str]:
    return [squash(_piece_text(p)) if p else "" for p in row.pieces]


# -- across page breaks ------------------------------------------------------------------


def _join_across(done: list[Item], new: list[Item]) -> list[Item]:
    """``new`` (a page's items) without what continues the last item of ``done``."""
    if not done or not new:
        return new
    last, first = done[-1], new[0]
    if _runs_on(last, first):
        assert isinstance(last, _Paragraph) and isinstance(first, _Paragraph)
        last.lines.extend(first.lines)
        return new[1:]
    if isinstance(last, _Table) and isinstance(first, _Table):
        unruled = not (last.ruled or first.ruled)
        spans = (_unruled_spans if unruled else _column_spans)(last.xs, first.xs)
        if spans is not None:
            _continue_table(last, _regrid(first, spans))
            return new[1:]
    if isinstance(last, _Table) and not last.ruled:
        found = _borderless_rest(last, new)
        if found is not None:
            _continue_table(last, found[0])
            return _join_across(done, found[1])  # the page's table may continue it too
    return new


def _borderless_rest(table: _Table, new: list[Item]) -> tuple[_Table, list[Item]] | None:
    """The lines at the top of a page that continue a table without ruling lines from
    the page before: too few to be seen as a table on their own (the rest of a row the
    page break split: "quả thực hiện", "ngành", "15/12/2026"), they are read on that
    table's columns. They start with no text in the number column, keep to the table's
    columns (no word across a column's edge) and stop at the first line that does not."""
    xs = table.xs
    page = (table.rows[-1].page if table.rows else table.page) + 1  # after its last row's
    taken: list[TextLine] = []
    rest = list(new)
    while rest and isinstance(rest[0], _Paragraph) and rest[0].page == page:
        paragraph = rest[0]
        k = 0
        lines = paragraph.lines
        while k < len(lines) and _on_columns(lines[k], xs, first=not taken and k == 0):
            k += 1
        taken.extend(paragraph.lines[:k])
        if k < len(paragraph.lines):
            if k:
                rest[0] = _Paragraph(paragraph.lines[k:], paragraph.flow, paragraph.page,
                                     paragraph.right)  # fmt: skip
            break
        rest.pop(0)
    if not taken:
        return None
    grid = borderless_grid(Region(taken, xs[1:-1]))
    return _table(TableBlock(grid, ruled=False), page), rest


def _on_columns(line: TextLine, xs: list[float], *, first: bool) -> bool:
    """Whether ``line`` reads as part of a row of the table whose column edges are ``xs``."""
    if line.x0 < xs[0] - 6:  # the right edge is only where the first page's text ended
        return False
    if any(w.x0 < x - 1 and w.x1 > x + 1 for x in xs[1:-1] for w in line.words):
        return False
    in_first = line.part(float("-inf"), xs[1]) is not None
    if first:
        return not in_first
    columns = sum(line.part(a, b) is not None for a, b in itertools.pairwise(xs))
    return not in_first or (columns >= 2 and _ROW_NUMBER.match(line.words[0].text) is not None)


_ROW_NUMBER = re.compile(r"^(?:\d{1,3}|[IVX]{1,5})\.?$")


def _runs_on(last: Item, first: Item) -> bool:
    """``first`` (at the top of a page) continues the paragraph ``last`` ended a page with."""
    if not (isinstance(last, _Paragraph) and isinstance(first, _Paragraph)):
        return False
    if last.page == first.page:
        return False
    # Judged against the page's margin: the last block may be a line alone (a name
    # under a signature), which always "fills" its own width.
    flow = Flow(last.flow.left, max(last.flow.right, last.right), last.flow.pitch)
    return not starts_paragraph(last.lines, first.lines[0], flow, same_page=False)


def _column_spans(xs: list[float], more: list[float]) -> list[tuple[int, int]] | None:
    """Where each column of a table's continuation lies on the table's own grid: the
    same outer edges, and every inner edge one of the table's (a page without the
    section rows that split a column has fewer); None when it is another table."""

    def at(x: float) -> int | None:
        return next((i for i, y in enumerate(xs) if abs(x - y) < 3), None)

    places = [at(x) for x in more]
    if None in places or places[0] != 0 or places[-1] != len(xs) - 1:
        return None
    ints = [p for p in places if p is not None]
    return list(itertools.pairwise(ints))


def _unruled_spans(xs: list[float], more: list[float]) -> list[tuple[int, int]] | None:
    """As ``_column_spans`` for tables without ruling lines, whose edges are where the
    text is: the same left edge, every cut between columns one of the table's (a cut is
    the middle of a white gap, a few points off from page to page), and the right edge
    anywhere (the last columns of a page can be empty)."""
    if abs(more[0] - xs[0]) > 8:
        return None
    inner = [
        next((i for i in range(1, len(xs) - 1) if abs(x - xs[i]) < 8), None) for x in more[1:-1]
    ]
    if None in inner:
        return None
    places = [0, *(i for i in inner if i is not None), len(xs) - 1]
    if places != sorted(set(places)):
        return None
    return list(itertools.pairwise(places))


def _regrid(table: _Table, spans: list[tuple[int, int]]) -> _Table:
    width = spans[-1][1]
    rows = []
    for row in table.rows:
        pieces: list[list[_Piece] | None] = [None] * width
        merged: list[str | None] = ["left"] * width
        for (start, _end), piece, how in zip(spans, row.pieces, row.merged, strict=True):
            pieces[start], merged[start] = piece, how
        rows.append(_TableRow(pieces, merged, row.page))
    return _Table(rows, table.xs, table.page, [_texts(r) for r in rows[:3]], table.ruled)


def _continue_table(table: _Table, more: _Table) -> None:
    rows = more.rows
    repeated = 0
    while repeated < min(len(rows), len(table.header)) and (
        _texts(rows[repeated]) == table.header[repeated]
    ):
        repeated += 1
    rows = rows[repeated:]
    if rows and table.rows and _rest_of_row(rows[0]):
        _join_rows(table.rows, rows[0])
        rows = rows[1:]
    table.rows.extend(rows)


def _rest_of_row(row: _TableRow) -> bool:
    texts = _texts(row)
    return row.merged[0] is None and not texts[0] and any(texts[1:])


def _join_rows(rows: list[_TableRow], rest: _TableRow) -> None:
    """Append each cell of ``rest`` to the cell of the last row it continues (for a
    merged slot, the cell the merge starts from)."""
    for c, pieces in enumerate(rest.pieces):
        if pieces is not None:
            _origin_pieces(rows, c).extend(pieces)


def _origin_pieces(rows: list[_TableRow], column: int) -> list[_Piece]:
    r, c = len(rows) - 1, column
    while rows[r].pieces[c] is None:
        if rows[r].merged[c] == "left" and c > 0:
            c -= 1
        elif r > 0:
            r -= 1
        else:
            break
    own = rows[r].pieces[c]
    if own is None:  # a merge with no start: keep the text in this slot
        own = rows[r].pieces[c] = []
        rows[r].merged[c] = None
    return own


# -- numbering ---------------------------------------------------------------------------


def _number(items: list[Item], name: str, fmt: str, pages: int) -> Document:
    lines: list[Line] = []
    tables: list[Table] = []
    number = 0
    for item in items:
        if isinstance(item, _Paragraph):
            text = join_text(item.lines)
            bold = all(ln.bold for ln in item.lines)
            italic = all(ln.italic for ln in item.lines)
            lines.append(Line(number + 1, squash(text), item.page, bold=bold, italic=italic))
            number += len(item.lines)
        else:
            table, number = _document_table(item, number)
            tables.append(table)
    return Document(
        name=name, format=fmt, lines=lines, tables=tables, total_lines=number, pages=pages
    )


def _document_table(table: _Table, number: int) -> tuple[Table, int]:
    rows: list[Row] = []
    for row in table.rows:
        number += 1
        cells: list[Cell] = []
        for pieces, merged in zip(row.pieces, row.merged, strict=True):
            if pieces is None:
                origin = _origin(rows, cells, merged)
                cells.append(Cell(origin.text, origin.first, origin.last, merged=merged))  # type: ignore[arg-type]
            else:
                cells.append(Cell(_piece_text(pieces), number, number))
        rows.append(Row(cells, number, number, page=row.page))
    first = rows[0].first if rows else number
    return Table(rows, aligned=True, first=first, last=number, page=table.page), number


def _origin(rows: list[Row], cells: list[Cell], merged: str | None) -> Cell:
    """The cell a merged slot repeats: the one to its left, or the one above."""
    if merged == "left" and cells:
        return cells[-1]
    column = len(cells)
    if rows and column < len(rows[-1].cells):
        return rows[-1].cells[column]
    return Cell("", 0, 0)
