"""Words with their boxes, and the printed lines they make.

Coordinates are PDF points with the origin at the top left of the page (``top`` grows
downwards), whether the words come from a text layer or from OCR. A word's box is its
font box (ascent to descent) for a text layer and the ink box for OCR; both give lines
whose words overlap vertically.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    bold: bool = False
    italic: bool = False
    glued: bool = False  # no space before it in the text layer ("Minh)" then ";")
    size: float = 0.0  # the font size where the source knows it (a text layer), else 0 (OCR)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class TextLine:
    """One printed line (or the part of it inside one column or cell), words left to right."""

    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        """The line's usual word height (a superscript or a big initial does not count)."""
        return statistics.median(w.height for w in self.words)

    @property
    def size(self) -> float:
        """The font size, or 0 when it is not known (OCR boxes are ink, not type)."""
        sizes = [w.size for w in self.words if w.size > 0]
        return statistics.median(sizes) if sizes else 0.0

    @property
    def text(self) -> str:
        """The words with a space between them, except where the text layer has none and
        they touch ("Minh)" then ";" in a smaller font), or where the boxes abut with no
        room for a space at all: the pieces of one word written out of order (a PDF whose
        accented letters come from a fallback font, drawn after the rest of the line:
        "Nhi", "ệ", "m")."""
        parts = [self.words[0].text]
        for a, b in zip(self.words, self.words[1:], strict=False):
            gap, height = b.x0 - a.x1, min(a.height, b.height)
            touching = (b.glued and gap < 0.12 * height) or gap <= 0.05 * height
            parts.append(b.text if touching else f" {b.text}")
        return "".join(parts)

    @property
    def bold(self) -> bool:
        return _all(self.words, "bold")

    @property
    def italic(self) -> bool:
        return _all(self.words, "italic")

    def some(self, attr: str) -> bool:
        """Whether any word with a letter is ``attr`` ("bold", "italic")."""
        return any(getattr(w, attr) for w in self.words if any(ch.isalpha() for ch in w.text))

    def part(self, x0: float, x1: float) -> TextLine | None:
        """The words whose centre lies in ``[x0, x1)``, or None."""
        words = [w for w in self.words if x0 <= w.cx < x1]
        return TextLine(words) if words else None


def _all(words: list[Word], attr: str) -> bool:
    """True when every word with a letter has ``attr`` (punctuation does not count)."""
    lettered = [w for w in words if any(ch.isalpha() for ch in w.text)]
    return bool(lettered) and all(getattr(w, attr) for w in lettered)


def group_lines(words: Iterable[Word]) -> list[TextLine]:
    """Words into printed lines, top to bottom.

    A word joins the line whose word nearest to it horizontally it overlaps most
    vertically, by more than half of the smaller height. Comparing with the nearest
    word (not the whole line) keeps a line that drifts (a skewed scan) together, and
    keeps apart two columns set in different sizes, whose lines overlap in turn.
    """
    lines: list[_OpenLine] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        best, best_overlap = None, 0.0
        for line in lines[-8:]:  # only recent lines can still be open
            overlap = line.overlap(word)
            if overlap > best_overlap:
                best, best_overlap = line, overlap
        if best is None:
            best = _OpenLine()
            lines.append(best)
        best.add(word)
    out = [TextLine(line.words) for line in lines]
    return sorted(out, key=lambda line: line.top)


class _OpenLine:
    def __init__(self) -> None:
        self.words: list[Word] = []
        self.starts: list[float] = []

    def add(self, word: Word) -> None:
        i = bisect.bisect(self.starts, word.x0)
        self.starts.insert(i, word.x0)
        self.words.insert(i, word)

    def overlap(self, word: Word) -> float:
        """Vertical overlap of ``word`` with this line's word nearest to it horizontally,
        as a share of the smaller height; 0 when under half, and when the word would sit
        on top of a word of the line (words of one line never overlap; a tall OCR box
        reaching into the next line does). A sliver of overlap is not sitting on top: the
        pieces of one word drawn from two fonts touch and may overlap by a point ("ườ"
        then "i")."""
        i = bisect.bisect(self.starts, word.x0)
        near = [self.words[j] for j in (i - 1, i) if 0 <= j < len(self.words)]
        for other in near:
            shared = min(other.x1, word.x1) - max(other.x0, word.x0)
            narrow = min(other.x1 - other.x0, word.x1 - word.x0)
            if shared > 0.2 * narrow and shared > 0.15 * min(other.height, word.height):
                return 0.0
        other = min(near, key=lambda o: max(o.x0 - word.x1, word.x0 - o.x1))
        shared = min(other.bottom, word.bottom) - max(other.top, word.top)
        share = shared / (min(other.height, word.height) or 1.0)
        return share if share > 0.5 else 0.0
