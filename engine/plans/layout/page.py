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

from engine.plans.columns import column_kind, looks_like_header
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
    number: int,
    words: list[Word],
    segments: list[Segment],
    width: float,
    height: float,
    after: list[float] | None = None,
) -> PageLayout:
    """The page's blocks in reading order. ``after`` is the column edges of a table
    without ruling lines that ended the page before: the columns at the top of this page
    continue it, read as a table on its columns even where too few lines show them."""
    grids = find_grids(segments, width, height)
    body = group_lines(place_words(grids, words))
    body = drop_page_numbers(body, height)
    tables = sorted((g for g in grids if any(c.words for c in g.cells)), key=lambda g: g.ys[0])
    blocks: list[Block] = []
    for i, band in enumerate(_bands(body, tables)):
        carried = after if i == 0 else None
        for region in _table_runs(find_regions(band)):
            if carried and region.cuts:
                grid = borderless_grid(with_white_cuts(_on_columns(region, carried)))
                blocks.append(TableBlock(grid, ruled=False))
                continue
            if carried and any(_across(line, carried) for line in region.lines):
                carried = None  # text across the columns: the table has ended
            blocks.extend(_region_blocks(region))  # a region's columns stay in their order
        if i < len(tables):
            blocks.append(TableBlock(tables[i], ruled=True))
    return PageLayout(number, width, height, blocks)


def ending_table(layout: PageLayout) -> list[float] | None:
    """The column edges of the table without ruling lines the page ends with, if it does."""
    last = layout.blocks[-1] if layout.blocks else None
    return last.grid.xs if isinstance(last, TableBlock) and not last.ruled else None


def _across(line: TextLine, xs: list[float]) -> bool:
    """Whether a word of ``line`` lies across one of the column edges ``xs``."""
    return any(w.x0 < x - 1 and w.x1 > x + 1 for x in xs[1:-1] for w in line.words)


def _on_columns(region: Region, xs: list[float]) -> Region:
    """The region with a cut at each inner edge of ``xs`` that no word lies across, in
    a white strip that holds none of the region's own cuts (the same edge, placed where
    this page's text leaves it)."""
    cuts = list(region.cuts)
    words = [w for line in region.lines for w in line.words]
    for x in xs[1:-1]:
        if any(w.x0 < x < w.x1 for w in words):
            continue
        left, right = _strip(region.lines, x)
        if not any(left <= c <= right for c in cuts):
            cuts.append(x)
    return Region(region.lines, sorted(cuts))


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


def _is_table(region: Region) -> bool:
    """Whether ``_region_blocks`` reads the region as a table without ruling lines."""
    if not region.cuts:
        return False
    if len(region.cuts) >= 2 or _names_columns(region):
        return True
    return _names_columns(with_white_cuts(region))


def _table_runs(regions: list[Region]) -> list[Region]:
    """The regions with each table read whole: lines that only one column holds (a
    section's name wrapped in the number column, "II. PHÁT" / "TRIỂN HẠ" / "TẦNG SỐ"),
    between two parts of a table on the same columns, end a region when the space
    between lines is wide (OCR's ink boxes are short, so the space between them looks
    wide); they are rows of the table, as the parts around them are."""
    out: list[Region] = []
    i = 0
    while i < len(regions):
        region = regions[i]
        if out and _is_table(out[-1]):
            table = out[-1]
            nxt = regions[i + 1] if i + 1 < len(regions) else None
            inside = not any(_across(line, [0.0, *table.cuts, 0.0]) for line in region.lines)
            if not region.cuts and inside and nxt is not None and _continues(table, nxt):
                out[-1] = Region([*table.lines, *region.lines, *nxt.lines], table.cuts)
                i += 2
                continue
            if region.cuts and _continues(table, region):
                out[-1] = Region([*table.lines, *region.lines], table.cuts)
                i += 1
                continue
        out.append(region)
        i += 1
    return out


def _continues(table: Region, region: Region) -> bool:
    """Whether ``region`` is a table whose every cut is in the same white strip as one of
    ``table``'s (a cut is the middle of the white between two columns, which moves with
    the lengths of the lines)."""
    if not _is_table(region):
        return False
    mine = [_strip(table.lines, t) for t in table.cuts]
    theirs = [_strip(region.lines, c) for c in region.cuts]
    return all(any(a < d and c < b for a, b in mine) for c, d in theirs)


def _strip(lines: list[TextLine], x: float) -> tuple[float, float]:
    """The white strip around ``x``: from the nearest word end to its left to the nearest
    word start to its right, over ``lines``."""
    words = [w for line in lines for w in line.words]
    left = max((w.x1 for w in words if w.x1 <= x), default=float("-inf"))
    right = min((w.x0 for w in words if w.x0 >= x), default=float("inf"))
    return left, right


def _region_blocks(region: Region) -> list[Block]:
    if not region.cuts:
        return [TextBlock(lines, Flow.of(lines)) for lines in _margins(region.lines)]
    columns = region.columns()
    cut = with_white_cuts(region)
    if len(columns) >= 3 or _names_columns(region) or _names_columns(cut):
        return [TableBlock(borderless_grid(cut), ruled=False)]
    return [TextBlock(col, Flow.of(col)) for col in columns if col]


def _names_columns(region: Region) -> bool:
    """Whether the region's first row names table columns ("TT", "Nhiệm vụ", …)."""
    first = [
        c[0].text if c and c[0].top <= region.lines[0].bottom else "" for c in region.columns()
    ]
    return looks_like_header(first)


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
    column's). A strip must be wider than half a line's height, more than a space, and
    have text on both sides on two lines each, or else be the gap between two column
    names of the header ("Người thực hiện" and "Ghi chú" over an empty column)."""
    em = statistics.median(line.height for line in region.lines)
    spans = sorted((w.x0, w.x1) for line in region.lines for w in line.words)
    strips: list[tuple[float, float]] = []
    reach = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach > 0.6 * em and not any(reach < c < x0 for c in region.cuts):
            strips.append((reach, x0))
        reach = max(reach, x1)
    held = [(a + b) / 2 for a, b in strips if supported(region.lines, a, b)]
    cuts = sorted([*region.cuts, *held])
    header = _header_lines(region)
    for a, b in strips:
        middle = (a + b) / 2
        if middle in held:
            continue
        left = max((c for c in cuts if c < middle), default=float("-inf"))
        right = min((c for c in cuts if c > middle), default=float("inf"))
        names = [_text_in(header, left, middle), _text_in(header, middle, right)]
        if all(column_kind(name) is not None for name in names):
            cuts = sorted([*cuts, middle])
    return region if len(cuts) == len(region.cuts) else Region(region.lines, cuts)


def _header_lines(region: Region) -> list[TextLine]:
    """The lines of the region's header row: from the first line with text in the first
    column ("TT"; a title above it is not the header) up to the next one (a header cell
    may wrap: "Thời gian" / "hoàn thành")."""
    first = region.cuts[0] if region.cuts else float("inf")
    lines: list[TextLine] = []
    for line in region.lines:
        if line.part(float("-inf"), first) is not None:
            if lines:
                break
        elif not lines:
            continue
        lines.append(line)
    return lines


def _text_in(lines: list[TextLine], x0: float, x1: float) -> str:
    return " ".join(p.text for line in lines if (p := line.part(x0, x1)) is not None)


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
