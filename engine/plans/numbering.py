"""Word's automatic numbering, rendered as Word prints it.

A Word TT column often holds no text at all: each cell's paragraph carries ``w:numPr``
(a numbering instance ``numId`` and a level ``ilvl``) and Word draws "1.", "2.", … from
``word/numbering.xml`` (corpus 04). ``Numbering.label`` takes the paragraphs in document
order, as Word counts them: each level of an abstract numbering counts on from its
``w:start``, a level restarts when a higher level advances, a ``w:lvlOverride`` with
``w:startOverride`` restarts it for that instance, and ``w:lvlText`` ("%1.", "%1.%2.",
"%1)") with ``w:numFmt`` (decimal, lowerLetter, upperRoman, …) gives the text. Numbering
that comes from a paragraph's style is followed too. Bullets give no label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docx.oxml.ns import qn

_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]  # fmt: skip
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."


@dataclass
class Numbering:
    """The numbering definitions of one document and Word's running counters."""

    instances: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    overrides: dict[tuple[str, int], int] = field(default_factory=dict)  # startOverride
    levels: dict[tuple[str, int], _Level] = field(default_factory=dict)
    style_numbering: dict[str, tuple[str, int]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)  # instances already counted

    @classmethod
    def of(cls, document: Any) -> Numbering:
        numbering = cls()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is not None:
            numbering._read(root)
        numbering._read_styles(document)
        return numbering

    def _read(self, root: Any) -> None:
        for abstract in root.findall(qn("w:abstractNum")):
            ident = abstract.get(qn("w:abstractNumId"))
            for lvl in abstract.findall(qn("w:lvl")):
                level = _Level()
                if (start := lvl.find(qn("w:start"))) is not None:
                    level.start = int(start.get(qn("w:val"), "1"))
                if (fmt := lvl.find(qn("w:numFmt"))) is not None:
                    level.fmt = fmt.get(qn("w:val"), "decimal")
                if (text := lvl.find(qn("w:lvlText"))) is not None:
                    level.text = text.get(qn("w:val"), "")
                self.levels[(ident, int(lvl.get(qn("w:ilvl"), "0")))] = level
        for num in root.findall(qn("w:num")):
            num_id = num.get(qn("w:numId"))
            abstract_ref = num.find(qn("w:abstractNumId"))
            if abstract_ref is None:
                continue
            self.instances[num_id] = abstract_ref.get(qn("w:val"))
            for override in num.findall(qn("w:lvlOverride")):
                start = override.find(qn("w:startOverride"))
                if start is not None:
                    ilvl = int(override.get(qn("w:ilvl"), "0"))
                    self.overrides[(num_id, ilvl)] = int(start.get(qn("w:val"), "1"))

    def _read_styles(self, document: Any) -> None:
        try:
            styles = document.styles.element
        except (KeyError, AttributeError, NotImplementedError):
            return
        for style in styles.findall(qn("w:style")):
            num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            if num_pr is not None and (num_id := _val(num_pr, "w:numId")) is not None:
                ilvl = int(_val(num_pr, "w:ilvl") or "0")
                self.style_numbering[style.get(qn("w:styleId"))] = (num_id, ilvl)

    def bullet(self, paragraph: Any) -> bool:
        """Word prints a bullet before this paragraph (a list item without a number)."""
        found = self._num_pr(paragraph)
        if found is None or found[0] == "0":
            return False
        abstract = self.instances.get(found[0])
        if abstract is None:
            return False
        return self.levels.get((abstract, found[1]), _Level()).fmt == "bullet"

    def label(self, paragraph: Any) -> str | None:
        """The number Word prints before this paragraph, counting it; None if none."""
        found = self._num_pr(paragraph)
        if found is None:
            return None
        num_id, ilvl = found
        abstract = self.instances.get(num_id)
        if abstract is None or num_id == "0":
            return None
        counters = self.counters.setdefault(abstract, {})
        level = self.levels.get((abstract, ilvl), _Level())
        if num_id not in self.started:
            self.started.add(num_id)
            for (over_id, over_lvl), start in self.overrides.items():
                if over_id == num_id:
                    counters[over_lvl] = start - 1
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt in ("bullet", "none") or not level.text:
            return None
        return self._render(abstract, level.text, counters)

    def _render(self, abstract: str, text: str, counters: dict[int, int]) -> str:
        for ilvl in range(9):
            placeholder = f"%{ilvl + 1}"
            if placeholder in text:
                level = self.levels.get((abstract, ilvl), _Level())
                value = counters.get(ilvl, level.start)
                text = text.replace(placeholder, _format(value, level.fmt))
        return text.strip()

    def _num_pr(self, paragraph: Any) -> tuple[str, int] | None:
        p_pr = paragraph.find(qn("w:pPr"))
        num_pr = p_pr.find(qn("w:numPr")) if p_pr is not None else None
        if num_pr is not None and (num_id := _val(num_pr, "w:numId")) is not None:
            return num_id, int(_val(num_pr, "w:ilvl") or "0")
        style = p_pr.find(qn("w:pStyle")) if p_pr is not None else None
        if style is not None:
            return self.style_numbering.get(style.get(qn("w:val")))
        return None


def _val(parent: Any, tag: str) -> str | None:
    child = parent.find(qn(tag))
    return child.get(qn("w:val")) if child is not None else None


def _format(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = _LETTERS[(value - 1) % 26] * ((value - 1) // 26 + 1)
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        roman = ""
        for number, numeral in _ROMAN:
            while value >= number:
                roman += numeral
                value -= number
        return roman.upper() if fmt == "upperRoman" else roman
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)
