"""Tables drawn with ruling lines: cells from the lines, text from the words inside.

The cells come from pdfplumber's table finder (Nurminen's method, as in Tabula: ruling
segments snapped and joined, their crossings, the smallest rectangles they close), fed
with segments we read ourselves (from the PDF's paths, or from a scanned image), so the
page is not parsed twice. A word belongs to the cell that holds its centre, so text of
neighbouring cells never interleaves and a cell keeps its own lines.

Cells are placed on the grid of all their edges. A cell spanning several grid columns
is repeated to its right with ``merged="left"``; one spanning several grid rows is
repeated below with ``merged="above"``, as the .docx reader does for Word's merges.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from types import SimpleNamespace
from typing import Any

from engine.plans.document import Merge
from engine.plans.layout.words import TextLine, Word, group_lines

Segment = tuple[float, float, float, float]  # x0, top, x1, bottom (one of them thin)
BBox = tuple[float, float, float, float]

_SNAP = 2.0  # points: cell edges closer than this are the same grid line


@dataclass
class GridCell:
    x0: float
    top: float
    x1: float
    bottom: float
    row: int = 0
    col: int = 0
    rows: int = 1
    cols: int = 1
    words: list[Word] = field(default_factory=list)

    def holds(self, word: Word) -> bool:
        return self.x0 <= word.cx <= self.x1 and self.top <= word.cy <= self.bottom

    @cached_property
    def lines(self) -> list[TextLine]:
        """The cell's printed lines (read once all its words are placed)."""
        return group_lines(self.words)


@dataclass
class Slot:
    """One grid position: the cell covering it, and how (None: the cell starts here)."""

    cell: GridCell | None
    merged: Merge | None = None


@dataclass
class Grid:
    cells: list[GridCell]
    xs: list[float]
    ys: list[float]

    @property
    def bbox(self) -> BBox:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def rows(self) -> list[list[Slot]]:
        slots = [[Slot(None) for _ in self.xs[1:]] for _ in self.ys[1:]]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rows):
                for c in range(cell.col, cell.col + cell.cols):
                    merged: Merge | None = None
                    if c > cell.col:
                        merged = "left"
                    elif r > cell.row:
                        merged = "above"
                    slots[r][c] = Slot(cell, merged)
        return slots

    def holds(self, word: Word) -> bool:
        x0, top, x1, bottom = self.bbox
        return x0 <= word.cx <= x1 and top <= word.cy <= bottom

    def cell_at(self, word: Word) -> GridCell | None:
        """The cell holding the word's centre (found on the grid, not by trying each)."""
        if not self.holds(word):
            return None
        r = min(bisect.bisect_right(self.ys, word.cy) - 1, len(self.ys) - 2)
        c = min(bisect.bisect_right(self.xs, word.cx) - 1, len(self.xs) - 2)
        cell = self._slots[max(r, 0)][max(c, 0)].cell
        return cell if cell is not None and cell.holds(word) else None

    @cached_property
    def _slots(self) -> list[list[Slot]]:
        return self.rows()


def find_grids(segments: list[Segment], width: float, height: float) -> list[Grid]:
    """The ruled tables the segments draw (a lone box of one cell is not a table)."""
    from pdfplumber.table import TableFinder

    edges = [_edge(s) for s in segments]
    edges = [e for e in edges if e is not None]
    if len(edges) < 4:
        return []
    page = SimpleNamespace(edges=edges, bbox=(0, 0, width, height))
    finder = TableFinder(page, {"snap_tolerance": 3, "join_tolerance": 3})  # type: ignore[arg-type]
    grids = [_grid(table.cells) for table in finder.tables]
    return [g for g in grids if len(g.cells) >= 2]


def _edge(segment: Segment) -> dict[str, Any] | None:
    x0, top, x1, bottom = segment
    if x1 - x0 >= bottom - top:
        orientation, y = "h", (top + bottom) / 2
        top = bottom = y
    else:
        orientation, x = "v", (x0 + x1) / 2
        x0 = x1 = x
    return {
        "object_type": "line",
        "orientation": orientation,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "width": x1 - x0,
        "height": bottom - top,
    }


def _grid(bboxes: list[BBox]) -> Grid:
    xs = _snap([b[0] for b in bboxes] + [b[2] for b in bboxes])
    ys = _snap([b[1] for b in bboxes] + [b[3] for b in bboxes])
    cells = []
    for x0, top, x1, bottom in bboxes:
        col, col_end = _index(xs, x0), _index(xs, x1)
        row, row_end = _index(ys, top), _index(ys, bottom)
        if col_end <= col or row_end <= row:
            continue
        cells.append(GridCell(x0, top, x1, bottom, row, col, row_end - row, col_end - col))
    return Grid(cells, xs, ys)


def _snap(values: list[float]) -> list[float]:
    out: list[float] = []
    for value in sorted(values):
        if out and value - out[-1] < _SNAP:
            continue
        out.append(value)
    return out


def _index(grid: list[float], value: float) -> int:
    return min(range(len(grid)), key=lambda i: abs(grid[i] - value))


def place_words(grids: list[Grid], words: list[Word]) -> list[Word]:
    """Put each word in the cell holding its centre; return the words outside every table."""
    rest = []
    for word in words:
        cell = next((c for g in grids if (c := g.cell_at(word)) is not None), None)
        if cell is None:
            rest.append(word)
        else:
            cell.words.append(word)
    return rest
