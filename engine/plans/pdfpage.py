"""What one PDF page holds, read with pdfium (pypdfium2): words with their boxes and
fonts, the straight segments its paths draw, and how much of it is covered by images.

pdfium reads a page's text some ten times faster than pdfminer (pdfplumber's parser),
which matters for a plan of eighty pages; pdfplumber's table finder then works on the
segments read here. Every box is turned into the page as displayed: points from the
top left corner of the crop box, after the page's rotation.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from engine.plans.layout.grid import Segment
from engine.plans.layout.words import Word

_BOLD_NAME = re.compile(r"bold|black|heavy|demi|semibold|,b$", re.IGNORECASE)
_ITALIC_NAME = re.compile(r"italic|oblique|,i$|,bi$", re.IGNORECASE)
_ITALIC_FLAG = 1 << 6
_FILL_STROKE = 2  # text render mode: fill then stroke, Word's and old tools' fake bold


@dataclass(frozen=True)
class View:
    """Page space (PDF user space) to the displayed page (top-left origin, rotated)."""

    left: float
    bottom: float
    width: float  # of the crop box, unrotated
    height: float
    rotation: int

    @property
    def size(self) -> tuple[float, float]:
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    def point(self, x: float, y: float) -> tuple[float, float]:
        x, y = x - self.left, y - self.bottom
        if self.rotation == 90:
            return y, x
        if self.rotation == 180:
            return self.width - x, y
        if self.rotation == 270:
            return self.height - y, self.width - x
        return x, self.height - y

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """(x0, top, x1, bottom) on the displayed page of a page-space rectangle."""
        ax, ay = self.point(x0, y0)
        bx, by = self.point(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def view_of(page: Any) -> View:
    left, bottom, right, top = page.get_cropbox()
    return View(left, bottom, right - left, top - bottom, page.get_rotation() % 360)


# -- text --------------------------------------------------------------------------------


@dataclass
class _Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    index: int


def page_words(page: Any, view: View, segments: Sequence[Segment] = ()) -> list[Word]:
    """The page's words: characters between spaces, a wide gap, a line change or a
    vertical rule (text overflowing a table cell touches the next cell's text)."""
    import pypdfium2.raw as pdfium_c

    rules = _Rules(segments)
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        chars = list(_chars(pdfium_c, raw, view))
        groups = _split_words(chars, rules)
        return [_word(pdfium_c, raw, group, glued, view) for group, glued in groups]
    finally:
        textpage.close()


class _Rules:
    """The vertical rules of a page, to split a run of characters that crosses one."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        rules = sorted(
            ((x0 + x1) / 2, top, bottom)
            for x0, top, x1, bottom in segments
            if bottom - top > x1 - x0
        )
        self.xs = [r[0] for r in rules]
        self.rules = rules

    def between(self, a: _Char, b: _Char) -> bool:
        left, right = (a.x0 + a.x1) / 2, (b.x0 + b.x1) / 2
        middle = (a.top + a.bottom) / 2
        i = bisect.bisect_right(self.xs, left)
        while i < len(self.rules) and self.rules[i][0] <= right:
            _, top, bottom = self.rules[i]
            if top <= middle <= bottom:
                return True
            i += 1
        return False


def _chars(pdfium_c: Any, raw: Any, view: View) -> Iterator[_Char]:
    count = pdfium_c.FPDFText_CountChars(raw)
    text = _page_text(pdfium_c, raw, count)
    rect = pdfium_c.FS_RECTF()
    for i, ch in enumerate(text):
        if ch.isspace():
            yield _Char(" ", 0, 0, 0, 0, i)
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
            continue
        x0, top, x1, bottom = view.box(rect.left, rect.bottom, rect.right, rect.top)
        yield _Char(ch, x0, top, x1, bottom, i)


def _page_text(pdfium_c: Any, raw: Any, count: int) -> str:
    """Every character's text, one per index (pdfium's own text, with the spaces and line
    ends it adds between words and lines)."""
    if count <= 0:
        return ""
    buffer = (ctypes.c_ushort * (count + 1))()
    pdfium_c.FPDFText_GetText(raw, 0, count, buffer)
    text = bytes(buffer)[: 2 * count].decode("utf-16-le", errors="replace")
    if len(text) != count:  # a character outside the BMP took two units
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i) or 32) for i in range(count))
    # pdfium marks a hyphen that ends a line as U+FFFE; it is printed, so it stays.
    return text.replace("\ufffe", "-").replace("\u00ad", "-")


def _split_words(chars: list[_Char], rules: _Rules) -> Iterator[tuple[list[_Char], bool]]:
    """Runs of characters between spaces, each with whether it follows the previous one
    without a space (split only by a gap)."""
    word: list[_Char] = []
    glued = False
    for ch in chars:
        if ch.text == " ":
            if word:
                yield word, glued
            word, glued = [], False
            continue
        if word and (_breaks(word[-1], ch) or rules.between(word[-1], ch)):
            yield word, glued
            word, glued = [], True
        word.append(ch)
    if word:
        yield word, glued


def _breaks(a: _Char, b: _Char) -> bool:
    """A new word without a space: a gap wider than a third of the height, a step back,
    or a change of line (the boxes do not overlap vertically by half; pdfium's boxes are
    the glyphs' for some fonts, so "ồ" reaches higher than "r")."""
    height = max(min(a.bottom - a.top, b.bottom - b.top), 1.0)
    shared = min(a.bottom, b.bottom) - max(a.top, b.top)
    if shared < 0.5 * height:
        return True
    return b.x0 - a.x1 > 0.35 * max(a.bottom - a.top, 1.0) or b.x1 < a.x0


def _word(pdfium_c: Any, raw: Any, chars: list[_Char], glued: bool, view: View) -> Word:
    first = next((c for c in chars if c.text.isalpha()), chars[0])
    bold, italic = _style(pdfium_c, raw, first)
    top, bottom, size = _vertical(pdfium_c, raw, first, view)
    return Word(
        text=_in_reading_order(chars),
        x0=min(c.x0 for c in chars),
        x1=max(c.x1 for c in chars),
        top=top if size else min(c.top for c in chars),
        bottom=bottom if size else max(c.bottom for c in chars),
        bold=bold,
        italic=italic,
        glued=glued,
        size=size,
    )


def _in_reading_order(chars: list[_Char]) -> str:
    """The word's text left to right. Drawn order is nearly always that, but a letter
    from a fallback font may be drawn after its neighbour ("m" then "ể" of "điểm",
    LibreOffice's PDFs of a document whose font lacks it): letters are put in the order
    of their boxes, each with the combining marks that follow it."""
    clusters: list[list[_Char]] = []
    for ch in chars:
        if clusters and unicodedata.combining(ch.text):
            clusters[-1].append(ch)
        else:
            clusters.append([ch])
    starts = [cluster[0].x0 for cluster in clusters]
    if all(b >= a - 0.5 for a, b in itertools.pairwise(starts)):
        return "".join(c.text for c in chars)
    clusters.sort(key=lambda cluster: cluster[0].x0)
    return "".join(c.text for cluster in clusters for c in cluster)


def _vertical(pdfium_c: Any, raw: Any, char: _Char, view: View) -> tuple[float, float, float]:
    """Top, bottom and size of a word from its baseline and font size: pdfium's "loose"
    boxes are glyph boxes for some fonts, which would make lines of one size differ in
    height. (0, 0, 0) when the size is not usable."""
    size = pdfium_c.FPDFText_GetFontSize(raw, char.index)
    if not 1 <= size <= 200:
        return 0.0, 0.0, 0.0
    x, y = ctypes.c_double(), ctypes.c_double()
    if not pdfium_c.FPDFText_GetCharOrigin(raw, char.index, ctypes.byref(x), ctypes.byref(y)):
        return 0.0, 0.0, 0.0
    _, base = view.point(x.value, y.value)
    return base - 0.85 * size, base + 0.25 * size, float(size)


def _style(pdfium_c: Any, raw: Any, char: _Char) -> tuple[bool, bool]:
    """Bold and italic, from the font's name, weight and flags and the render mode."""
    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int(0)
    pdfium_c.FPDFText_GetFontInfo(raw, char.index, buffer, len(buffer), ctypes.byref(flags))
    name = buffer.value.decode("latin-1", errors="replace")
    weight = pdfium_c.FPDFText_GetFontWeight(raw, char.index)
    bold = bool(_BOLD_NAME.search(name)) or weight >= 600
    if not bold:
        obj = pdfium_c.FPDFText_GetTextObject(raw, char.index)
        bold = bool(obj) and pdfium_c.FPDFTextObj_GetTextRenderMode(obj) == _FILL_STROKE
    italic = bool(_ITALIC_NAME.search(name)) or bool(flags.value & _ITALIC_FLAG)
    return bold, italic


# -- paths and images ----------------------------------------------------------------------


def page_segments(page: Any, view: View) -> list[Segment]:
    """Horizontal and vertical strokes (and thin filled bars) that may rule a table."""
    import pypdfium2.raw as pdfium_c

    out: list[Segment] = []
    for obj, matrix in _objects(pdfium_c, page.raw, _identity(), 0):
        if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_PATH:
            out.extend(_path_segments(pdfium_c, obj, matrix, view))
    return out


Matrix = tuple[float, float, float, float, float, float]


def _identity() -> Matrix:
    return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _objects(pdfium_c: Any, parent: Any, outer: Matrix, depth: int) -> Iterator[tuple[Any, Matrix]]:
    """Page objects with the matrix to page space, descending into form objects."""
    form = depth > 0
    count = (
        pdfium_c.FPDFFormObj_CountObjects(parent)
        if form
        else pdfium_c.FPDFPage_CountObjects(parent)
    )
    for i in range(count):
        obj = (
            pdfium_c.FPDFFormObj_GetObject(parent, i)
            if form
            else pdfium_c.FPDFPage_GetObject(parent, i)
        )
        m = pdfium_c.FS_MATRIX()
        own = (
            (m.a, m.b, m.c, m.d, m.e, m.f)
            if pdfium_c.FPDFPageObj_GetMatrix(obj, m)
            else _identity()
        )
        matrix = _compose(own, outer)
        if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 4:
            yield from _objects(pdfium_c, obj, matrix, depth + 1)
        else:
            yield obj, matrix


def _path_segments(pdfium_c: Any, obj: Any, matrix: Matrix, view: View) -> list[Segment]:
    fill, stroke = ctypes.c_int(0), ctypes.c_int(0)
    pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
    out: list[Segment] = []
    for points in _subpaths(pdfium_c, obj, matrix, view):
        box = _rectangle(points)
        if box is not None:
            x0, top, x1, bottom = box
            thin = min(x1 - x0, bottom - top) < 3
            if thin:
                out.append(box)
            elif stroke.value:
                out += [
                    (x0, top, x1, top),
                    (x0, bottom, x1, bottom),
                    (x0, top, x0, bottom),
                    (x1, top, x1, bottom),
                ]
            continue  # a filled area without a border is shading, not a rule
        if stroke.value:  # a filled shape that is not a thin bar rules nothing
            out.extend(_straight(points))
    return out


def _subpaths(
    pdfium_c: Any, obj: Any, matrix: Matrix, view: View
) -> list[list[tuple[float, float] | None]]:
    """Each subpath's points on the displayed page; None marks a curve between points."""
    x, y = ctypes.c_float(), ctypes.c_float()
    paths: list[list[tuple[float, float] | None]] = []
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        point = view.point(*_apply(matrix, x.value, y.value))
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not paths:
            paths.append([point])
        else:
            paths[-1].append(point if kind == pdfium_c.FPDF_SEGMENT_LINETO else None)
        if pdfium_c.FPDFPathSegment_GetClose(segment) and paths[-1][0] is not None:
            paths[-1].append(paths[-1][0])
    return paths


def _rectangle(points: list[tuple[float, float] | None]) -> Segment | None:
    """The box of a closed axis-aligned rectangle (4 corners), else None."""
    if None in points:
        return None
    corners: list[tuple[float, float]] = []
    for p in points:
        if p is not None and (not corners or _apart(p, corners[-1])):
            corners.append(p)
    if len(corners) == 5 and not _apart(corners[0], corners[-1]):
        corners.pop()
    if len(corners) != 4:
        return None
    xs = sorted({round(p[0], 1) for p in corners})
    ys = sorted({round(p[1], 1) for p in corners})
    if len(xs) > 2 or len(ys) > 2:
        return None
    return xs[0], ys[0], xs[-1], ys[-1]


def _apart(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) > 0.05 or abs(a[1] - b[1]) > 0.05


def _straight(points: list[tuple[float, float] | None]) -> list[Segment]:
    out: list[Segment] = []
    for a, b in itertools.pairwise(points):
        if a is None or b is None:
            continue
        if abs(a[1] - b[1]) < 0.5 or abs(a[0] - b[0]) < 0.5:
            out.append((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
    return out


def image_cover(page: Any, view: View) -> float:
    """The share of the page that images cover (a scan: nearly all of it)."""
    import pypdfium2.raw as pdfium_c

    width, height = view.size
    area = 0.0
    for obj, matrix in _objects(pdfium_c, page.raw, _identity(), 0):
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        # An image fills the unit square of its matrix.
        corners = [view.point(*_apply(matrix, x, y)) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]
        x0, x1 = min(p[0] for p in corners), max(p[0] for p in corners)
        y0, y1 = min(p[1] for p in corners), max(p[1] for p in corners)
        area += max(0.0, min(x1, width) - max(x0, 0)) * max(0.0, min(y1, height) - max(y0, 0))
    return min(1.0, area / max(width * height, 1.0))


def ink(page: Any) -> float:
    """The share of the page that prints dark, from a small rendering: a page with no
    text can still carry a scan (an image inside a form, or traced into paths)."""
    image = page.render(scale=0.25, grayscale=True).to_pil().convert("L")
    histogram: list[int] = image.histogram()
    pixels: int = image.width * image.height
    return float(sum(histogram[:160])) / max(1, pixels)
