"""Printed lines into paragraphs, the way a reader sees them on the page.

A PDF knows lines, not paragraphs. A new paragraph starts where the layout says so: a
list or heading marker ("a)", "1.", "-", "II.", "Điều 3"), more space above the line
than between the lines of a paragraph, a change of emphasis, size or capitals, a first
line indented from the one above, or a line above that ended short, that is, where
the first word of this line would still have fitted. Everything else is a line
wrapped by the typesetter, and is joined to the line above with a space (without one
after a hyphen inside a code such as "NĐ-" / "CP").
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass

from engine.plans.layout.words import TextLine
from engine.plans.text import is_upper_text

_MARKER = re.compile(
    r"^(?:[a-zđ]\)"  # a) b) đ)
    r"|\(?\d{1,3}\)"  # 1) (1)
    r"|\(?[a-zđ]\)"  # (a)
    r"|\d{1,3}(?:\.\d{1,3})*\.(?=\s)"  # 1. 3.1.
    r"|\d{1,3}(?:\.\d{1,3})+(?=\s)"  # 3.1 without the last dot
    r"|[IVXLC]{1,7}\.(?=\s)|[A-ZĐ]\.(?=\s)"  # II. A.
    r"|[-–—•·+*▪●○■□➢✓](?=\s|[A-ZĐÀ-Ỹ])"  # - item, • item
    r"|Điều\s+\d+[a-zđ]?\.\s+\S"  # "Điều 3. Tổ chức …", not a wrapped "Điều 17 Thông tư"
    r"|(?:Chương|Mục|Phần)\s+[\dIVXLC]+(?:\.|:|$)"
    r"|PHỤ LỤC\b)"
)


@dataclass(frozen=True)
class Flow:
    """Where the lines of a column (or of a table cell) may run, and their usual pitch."""

    left: float
    right: float
    pitch: float  # the usual distance between the baselines of a paragraph's lines

    @classmethod
    def of(
        cls, lines: list[TextLine], left: float | None = None, right: float | None = None
    ) -> Flow:
        pitches = [
            _base(b) - _base(a)
            for a, b in itertools.pairwise(lines)
            if 0 < _base(b) - _base(a) < 3 * a.height
        ]
        pitch = statistics.median(pitches) if pitches else 0.0
        return cls(
            left=min(line.x0 for line in lines) if left is None else left,
            right=max(line.x1 for line in lines) if right is None else right,
            pitch=pitch,
        )


def _base(line: TextLine) -> float:
    """The baseline, near enough: the median bottom of the line's words (OCR boxes end at
    the ink, so words with descenders reach lower)."""
    return statistics.median(w.bottom for w in line.words)


def split_paragraphs(
    lines: list[TextLine], flow: Flow, *, boxed: bool = False
) -> list[list[TextLine]]:
    """Consecutive lines of one flow grouped into paragraphs. In a box (a table cell)
    centred text wraps at the box's width; on the page, at the width of its widest line."""
    paragraphs: list[list[TextLine]] = []
    widths = [None] * len(lines) if boxed else _centred_widths(lines, flow)
    for line, width in zip(lines, [None, *widths], strict=False):
        if paragraphs and not starts_paragraph(paragraphs[-1], line, flow, centred_width=width):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    return paragraphs


def _centred_widths(lines: list[TextLine], flow: Flow) -> list[float | None]:
    """For each centred line, the width of the widest line of its run of centred lines
    (a centred text wraps at its own width, not at the column's); None for the others."""
    out: list[float | None] = [None] * len(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and centred(lines[j], flow):
            j += 1
        if j > i:
            widest = max(line.x1 - line.x0 for line in lines[i:j])
            out[i:j] = [widest] * (j - i)
        i = max(j, i + 1)
    return out


def starts_paragraph(
    paragraph: list[TextLine],
    b: TextLine,
    flow: Flow,
    *,
    same_page: bool = True,
    centred_width: float | None = None,
) -> bool:
    """Whether ``b`` begins a new paragraph after the lines of ``paragraph``
    (``centred_width``: the width a centred line above wrapped at)."""
    a = paragraph[-1]
    em = max(a.height, 1.0)
    if is_marker(b.text) and not _dash_wrapped(a, b, flow, em):
        return True
    slack = 0.3 if a.size and b.size else 0.6  # OCR boxes move with the letters in them
    if same_page and flow.pitch and _base(b) - _base(a) > flow.pitch + slack * em:
        return True
    if _style_change(a, b, "bold") or _style_change(a, b, "italic"):
        return True
    if a.size and b.size and abs(a.size - b.size) > 0.15 * max(a.size, b.size):
        return True
    if _caps_change(a, b):
        return True
    if _indented(paragraph, b, flow, em):
        return True
    return ended_short(a, b, flow, centred_width if centred(b, flow) else None)


def is_marker(text: str) -> bool:
    return bool(_MARKER.match(text))


def _dash_wrapped(a: TextLine, b: TextLine, flow: Flow, em: float) -> bool:
    """ "… giai đoạn 2026" / "- 2030", "… kinh tế" / "- xã hội": a range or a compound
    wrapped at its dash, not a dash item (items start with a capital)."""
    return bool(re.match(r"^[-–]\s*[\da-zđà-ỹ]", b.text)) and not ended_short(a, b, flow)


def _style_change(a: TextLine, b: TextLine, attr: str) -> bool:
    """A bold (italic) line next to one without any bold (a heading and its text); a
    bold run that ends inside the next line is one paragraph."""
    return (getattr(a, attr) and not b.some(attr)) or (getattr(b, attr) and not a.some(attr))


def _caps_change(a: TextLine, b: TextLine) -> bool:
    def caps(line: TextLine) -> bool:
        return sum(ch.isalpha() for ch in line.text) >= 8 and is_upper_text(line.text)

    def lower(line: TextLine) -> bool:
        return any(ch.islower() for ch in line.text)

    return (caps(a) and lower(b)) or (lower(a) and caps(b))


def _indented(paragraph: list[TextLine], b: TextLine, flow: Flow, em: float) -> bool:
    """``b`` starts further right than the line above: a first-line indent. Not when the
    paragraph's first line has a marker and ``b`` lines up with the text after it (a
    hanging indent), nor in centred text."""
    a = paragraph[-1]
    if b.x0 - a.x0 < 0.8 * em or b.x0 - flow.left < 0.8 * em:
        return False
    if _same_centre(a, b) or (centred(b, flow) and (centred(a, flow) or _full(a, flow))):
        return False  # the last line of a centred text
    first = paragraph[0]
    if len(first.words) > 1 and is_marker(first.text):
        return abs(b.x0 - first.words[1].x0) > 0.5 * em
    return True


def _same_centre(a: TextLine, b: TextLine) -> bool:
    """``b`` is centred under ``a`` (a column's flow may not be the box it is centred in)."""
    em = max(a.height, 1.0)
    return b.x1 - b.x0 < a.x1 - a.x0 and abs((a.x0 + a.x1) / 2 - (b.x0 + b.x1) / 2) < 0.6 * em


def _full(line: TextLine, flow: Flow) -> bool:
    em = max(line.height, 1.0)
    return line.x0 - flow.left < em and flow.right - line.x1 < em


def centred(line: TextLine, flow: Flow) -> bool:
    """Set off from both edges by nearly the same amount (centred text is symmetric to a
    point or two; an indented line that ends short is not)."""
    em = max(line.height, 1.0)
    left, right = line.x0 - flow.left, flow.right - line.x1
    slack = max(0.6 * em, 0.03 * (flow.right - flow.left))
    return left > em and right > em and abs(left - right) < slack


def ended_short(a: TextLine, b: TextLine, flow: Flow, centred_width: float | None = None) -> bool:
    """The first word of ``b`` would have fitted at the end of ``a``: the author ended
    the line, the typesetter did not wrap it."""
    em = max(a.height, 1.0)
    first = b.words[0]
    need = (first.x1 - first.x0) + 0.25 * em
    if centred(a, flow):
        width = centred_width or (flow.right - flow.left)
        return (a.x1 - a.x0) + need < width - 0.3 * em
    return a.x1 + need < flow.right - 0.3 * em


def join_text(lines: list[TextLine]) -> str:
    """The paragraph's text: lines joined by a space, or by nothing after a hyphen that
    ends a code or a range ("NĐ-" / "CP", "2021-" / "2025")."""
    text = lines[0].text
    for line in lines[1:]:
        nxt = line.text
        if re.search(r"\w[-/]$", text) and nxt[:1].isalnum():
            text += nxt
        else:
            text += " " + nxt
    return text
