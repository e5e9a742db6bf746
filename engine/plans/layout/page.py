"""One page in reading order: text blocks (each a column of lines) and tables.

``layout_page`` places the words in the ruled tables first, groups the rest into
printed lines, drops the page number printed alone at the top or bottom, and splits
the lines between the tables into regions (``regions``): one-column runs become text
blocks, two columns are read left column first, three or more (or two under a row
that names table columns) become a table without ruling lines.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from engine.plans.columns import looks_like_header
from engine.plans.layout.grid import Grid, GridCell, Segment, find_grids, place_words
from engine.plans.layout.paragraphs import Flow, centred
from engine.plans.layout.regions import Region, find_regions, supported
from engine.plans.layout.words import TextLine, Word, group_lines

_PAGE_NUMBER = re.compile(r"^[-–(]?\s*(?:Trang\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?\s*[-–)]?$", re.I)
_MARGIN = 0.12  # share of the page height at the top and bottom where page numbers sit


@dataclass
class TextBlock:
    lines: list[TextLine]
    flow: Flow

    @property
    def top(self) -> float:
        return self.lines[0].top


@dataclass
class TableBlock:
    grid: Grid
    ruled: bool

    @property
    def top(self) -> float:
        return self.grid.ys[0]


Block = TextBlock | TableBlock


@dataclass
class PageLayout:
    number: int
    width: float
    height: float
    blocks: list[Block]


def layout_page(
    number: int, words: list[Word], segments: list[Segment], width: float, height: float
) -> PageLayout:
    grids = find_grids(segments, width, height)
    body = group_lines(place_words(grids, words))
    body = drop_page_numbers(body, height)
    tables = sorted((g for g in grids if any(c.words for c in g.cells)), key=lambda g: g.ys[0])
    blocks: list[Block] = []
    for i, band in enumerate(_bands(body, tables)):
        for region in find_regions(band):
            blocks.extend(_region_blocks(region))  # a region's columns stay in their order
        if i < len(tables):
            blocks.append(TableBlock(tables[i], ruled=True))
    return PageLayout(number, width, height, blocks)


def _bands(lines: list[TextLine], tables: list[Grid]) -> list[list[TextLine]]:
    """The lines above the first table, between each two, and below the last: a region
    never reaches across a table."""
    bands: list[list[TextLine]] = [[] for _ in range(len(tables) + 1)]
    for line in lines:
        middle = (line.top + line.bottom) / 2
        bands[sum(1 for g in tables if g.ys[0] < middle)].append(line)
    return bands


def drop_page_numbers(lines: list[TextLine], height: float) -> list[TextLine]:
    """Without a page number printed alone on the first or last line, in the margin."""
    out = list(lines)
    if out and out[0].bottom < _MARGIN * height and _PAGE_NUMBER.match(out[0].text):
        out.pop(0)
    if out and out[-1].top > (1 - _MARGIN) * height and _PAGE_NUMBER.match(out[-1].text):
        out.pop()
    return out


def _region_blocks(region: Region) -> list[Block]:
    if not region.cuts:
        return [TextBlock(lines, Flow.of(lines)) for lines in _margins(region.lines)]
    columns = region.columns()
    first = [c[0].text if c and c[0].top <= region.lines[0].bottom else "" for c in columns]
    if len(columns) >= 3 or looks_like_header(first):
        return [TableBlock(borderless_grid(with_white_cuts(region)), ruled=False)]
    return [TextBlock(col, Flow.of(col)) for col in columns if col]


def _margins(lines: list[TextLine]) -> list[list[TextLine]]:
    """A column split where its left margin moves by more than a first-line indent (the
    "Kính gửi:" list set off to the right of the body), so each part is judged against
    its own right edge. Centred lines stay with the part they are in."""
    left, right = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    flow = Flow(left, right, 0.0)
    parts: list[list[TextLine]] = []
    for line in lines:
        if parts and (centred(line, flow) or not _moved(parts[-1], line, flow)):
            parts[-1].append(line)
        else:
            parts.append([line])
    return parts


def _moved(part: list[TextLine], line: TextLine, flow: Flow) -> bool:
    lefts = [ln.x0 for ln in part if not centred(ln, flow)]
    # More than a first-line indent (Word's 1.27 cm, up to 1.5 cm), also where the line
    # height is the ink of OCR rather than the font's.
    return not lefts or abs(line.x0 - min(lefts)) > max(3.5 * line.height, 48.0)


def with_white_cuts(region: Region) -> Region:
    """The table region with a cut in every strip of white space that runs down all its
    lines, with text on both sides: the gap between two columns that no single line is
    wide enough to seed (the text of a cell wraps to within a word's space of the next
    column's). A strip must be wider than half a line's height, more than a space."""
    em = statistics.median(line.height for line in region.lines)
    spans = sorted((w.x0, w.x1) for line in region.lines for w in line.words)
    cuts = list(region.cuts)
    reach = spans[0][1]
    for x0, x1 in spans[1:]:
        wide = x0 - reach > 0.6 * em and not any(reach < c < x0 for c in cuts)
        if wide and supported(region.lines, reach, x0):
            cuts.append((reach + x0) / 2)
        reach = max(reach, x1)
    return region if len(cuts) == len(region.cuts) else Region(region.lines, sorted(cuts))


def borderless_grid(region: Region) -> Grid:
    """A table without ruling lines: a row starts at a line with text in the first column
    (the number column), or after a wider gap than the lines of a cell have."""
    edges = [float("-inf"), *region.cuts, float("inf")]
    rows: list[list[TextLine]] = []
    for line in region.lines:
        if not rows or _starts_row(rows[-1], line, edges[1]):
            rows.append([])
        rows[-1].append(line)
    cells: list[GridCell] = []
    xs = [min(ln.x0 for ln in region.lines), *region.cuts, max(ln.x1 for ln in region.lines)]
    ys = [rows[0][0].top] + [row[-1].bottom for row in rows]
    for r, row in enumerate(rows):
        for c in range(len(xs) - 1):
            cell = GridCell(xs[c], ys[r], xs[c + 1], ys[r + 1], r, c)
            cell.words = [
                w for ln in row if (p := ln.part(edges[c], edges[c + 1])) for w in p.words
            ]
            cells.append(cell)
    return Grid(cells, xs, ys)


def _starts_row(row: list[TextLine], line: TextLine, first_cut: float) -> bool:
    has_first = line.part(float("-inf"), first_cut) is not None
    row_has_first = any(ln.part(float("-inf"), first_cut) for ln in row)
    gap = line.top - row[-1].bottom
    return (has_first and row_has_first) or gap > 0.8 * line.height
