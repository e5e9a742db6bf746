"""Side-by-side columns on a page, found from the white space between them.

Vietnamese administrative documents set their first lines in two columns (the issuer,
"Số:" and the subject on the left; the national motto and "…, ngày …" on the right) and
their signature block the same way ("Nơi nhận:" left, "KT. CHỦ TỊCH" right). Read line
by line, such a page interleaves the columns. A *region* is a run of lines around a
line with a wide gap (the seed) that share a vertical strip of white space (a river)
with text on both sides of it on at least two lines each; it is read column by column.
A region of three or more columns, or whose first row names table columns, is a table
without ruling lines (``page``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from engine.plans.layout.words import TextLine

_GAP = 1.2  # a seed's gap, in line heights
_VERTICAL = 1.5  # a wider gap above a line with text on one side only ends a region


@dataclass
class Region:
    """Lines read together; ``cuts`` are the x positions between columns (none: one column)."""

    lines: list[TextLine]
    cuts: list[float] = field(default_factory=list)

    def columns(self) -> list[list[TextLine]]:
        """The lines of each column, left to right."""
        edges = [float("-inf"), *self.cuts, float("inf")]
        return [
            [p for line in self.lines if (p := line.part(x0, x1)) is not None]
            for x0, x1 in itertools.pairwise(edges)
        ]


@dataclass(frozen=True)
class _River:
    x0: float
    x1: float

    def narrowed(self, line: TextLine, min_width: float) -> _River | None:
        """The part of the river ``line`` leaves white (the wider side of any word in it)."""
        x0, x1 = self.x0, self.x1
        for word in line.words:
            if word.x1 <= x0 or word.x0 >= x1:
                continue
            if word.x0 - x0 >= x1 - word.x1:
                x1 = word.x0
            else:
                x0 = word.x1
            if x1 - x0 < min_width:
                return None
        return _River(x0, x1)

    def sides(self, line: TextLine) -> tuple[bool, bool]:
        return any(w.x1 <= self.x0 for w in line.words), any(w.x0 >= self.x1 for w in line.words)


def find_regions(lines: list[TextLine]) -> list[Region]:
    """The lines (top to bottom) as one-column runs and multi-column regions, in order."""
    out: list[Region] = []
    start = 0  # the first line not yet in a region
    i = 0
    while i < len(lines):
        found = _region_at(lines, i, start)
        if found is None:
            i += 1
            continue
        lo, hi, cuts = found
        if lo > start:
            out.append(Region(lines[start:lo]))
        out.append(Region(lines[lo:hi], cuts))
        start = i = hi
    if start < len(lines):
        out.append(Region(lines[start:]))
    return out


def _region_at(lines: list[TextLine], seed: int, floor: int) -> tuple[int, int, list[float]] | None:
    """The region around ``lines[seed]`` (from, to, cuts), if it seeds one; lines above
    ``floor`` belong to an earlier region."""
    line = lines[seed]
    pairs = zip(line.words, line.words[1:], strict=False)
    rivers = [_River(a.x1, b.x0) for a, b in pairs if b.x0 - a.x1 >= _GAP * line.height]
    if not rivers:
        return None
    grower = _Grower(rivers, line)
    hi = seed + 1
    while hi < len(lines) and grower.take(lines[hi - 1], lines[hi]):
        hi += 1
    lo = seed
    while lo > floor and grower.take(lines[lo], lines[lo - 1]):
        lo -= 1
    cuts = grower.cuts()
    return (lo, hi, cuts) if cuts else None


class _Grower:
    """The rivers of a region as it grows a line at a time, with the lines on each side."""

    def __init__(self, rivers: list[_River], seed: TextLine) -> None:
        self.rivers = rivers
        self.em = seed.height
        self.lines = [seed]

    def take(self, near: TextLine, line: TextLine) -> bool:
        """Add ``line`` (next to ``near``) if it continues the region."""
        narrowed = [r.narrowed(line, 0.5 * max(self.em, line.height)) for r in self.rivers]
        if any(r is None and self._held(old) for r, old in zip(narrowed, self.rivers, strict=True)):
            return False  # it crosses a river that has text on both sides
        alive = [r for r in narrowed if r is not None]
        if not alive:
            return False
        two_sided = any(all(r.sides(line)) for r in alive)
        gap = max(line.top - near.bottom, near.top - line.bottom)
        if not two_sided and gap > _VERTICAL * near.height:
            return False
        if not self._aligned(line, alive):
            return False
        self.rivers = alive
        self.lines.append(line)
        return True

    def _held(self, river: _River) -> bool:
        return _supported(self.lines, river)

    def _aligned(self, line: TextLine, rivers: list[_River]) -> bool:
        """Each part of the line lines up with the lines of its column so far (the same
        left edge or the same centre): a centred title under a two-column header, or
        "Kính gửi:" set off to the right under it, belongs to neither column."""
        edges = [float("-inf"), *sorted((r.x0 + r.x1) / 2 for r in rivers), float("inf")]
        em = max(1.5 * line.height, 6.0)  # OCR boxes are a point or two off
        for x0, x1 in itertools.pairwise(edges):
            part = line.part(x0, x1)
            others = [p for ln in self.lines if (p := ln.part(x0, x1)) is not None]
            if part is None or not others:
                continue
            centre = (part.x0 + part.x1) / 2
            if not any(
                abs(o.x0 - part.x0) < em or abs((o.x0 + o.x1) / 2 - centre) < em for o in others
            ):
                return False
        return True

    def cuts(self) -> list[float]:
        return [(r.x0 + r.x1) / 2 for r in self.rivers if _supported(self.lines, r)]


def supported(lines: list[TextLine], x0: float, x1: float) -> bool:
    """Whether the white strip ``x0..x1`` has text on both sides on two lines or more each."""
    return _supported(lines, _River(x0, x1))


def _supported(lines: list[TextLine], river: _River) -> bool:
    """Text on both sides of the river on two lines or more each."""
    sides = [river.sides(line) for line in lines]
    return sum(left for left, _ in sides) >= 2 and sum(right for _, right in sides) >= 2
