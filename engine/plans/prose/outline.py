"""The body of a document as an outline: numbered, lettered and dashed items, nested.

Vietnamese administrative writing numbers its body in levels whose order is a convention
rather than a rule (``I.`` › ``1.`` › ``1.1.`` › ``a)`` › ``-`` › ``+``, with ``(1)`` and
``Điều 3.`` where a Thông báo or a Quyết định uses them). The outline does not assume
the order: a marker of a kind already open closes everything opened after it and
becomes its sibling; a marker of a new kind opens a level below the current one. A
paragraph without a marker continues the item open at that point (the text of a task
runs over several paragraphs, a page break splits a sentence). Label lines ("Đơn vị chủ
trì: …", "- Thời gian thực hiện: …") are not items: they attach to the item they
describe, a dashed label closing the dashed items before it, as a dash item would.

Only the body is outlined: the header up to the first paragraph of text, the recipients
after "Kính gửi:" and everything from the signature block ("Nơi nhận:") on are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.plans.document import Line
from engine.plans.prose.labels import Label, read_labels

_ROMAN = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("article", re.compile(r"^Điều\s+(\d{1,3})\s*[.:]\s*", re.IGNORECASE)),
    ("roman", re.compile(rf"^(?=[IVX])({_ROMAN})\s*[.\-–]\s+")),
    ("decimal", re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(?:\.|\)|(?=\.\d))\s*(?=\S|$)")),
    ("paren", re.compile(r"^\((\d{1,2}|[a-zđ])\)\s*")),
    ("letter", re.compile(r"^([a-zđ])\)\s*")),
    ("dash", re.compile(r"^[-–—•]\s*(?=[^\s\-–—_=])")),
    ("plus", re.compile(r"^\+\s*(?=\S)")),
]
_BARE_MARKER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[a-zđ]\)|\(\d{1,2}\))$")
# "Nơi nhận:" (OCR may lose its vowel: "Ni nhận") or a signature line ("KT. CHỦ TỊCH")
_SIGNATURE = re.compile(
    r"^\W*n\S{0,2}i\s+nh\S{1,2}n\b|^(?:TM|KT|TL|Q|TUQ)\.\s+[A-ZĐÀ-Ỹ]", re.IGNORECASE
)
_RECIPIENTS = re.compile(r"^\W*kính\s+gửi\b", re.IGNORECASE)
# The title of a document attached to another ("KẾ HOẠCH" after a Quyết định's
# articles and signature): a new body starts there.
_PART = re.compile(
    r"^(?:KẾ HOẠCH|PHỤ LỤC|CHƯƠNG TRÌNH|QUY CHẾ|QUY ĐỊNH|ĐỀ ÁN|DANH MỤC|HƯỚNG DẪN)\b(?!.*[a-zà-ỹ])"
)


@dataclass
class Node:
    """One item of the outline (the root has kind ``root``)."""

    kind: str
    number: str | None
    text: str
    line: Line | None
    paras: list[Line] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)
    # the paragraphs printed right after the one before them, nothing in between (so a
    # sentence can run on from one into the next)
    follows: set[int] = field(default_factory=set, repr=False)

    @property
    def level(self) -> str:
        """The kind with the depth of a decimal number ("decimal2" for 3.1.)."""
        if self.kind == "decimal" and self.number:
            return f"decimal{self.number.count('.') + 1}"
        return self.kind

    @property
    def first(self) -> int:
        return self.line.number if self.line else 0

    @property
    def last(self) -> int:
        numbers = [self.first, *(p.number for p in self.paras)]
        numbers += [label.line for label in self.labels]
        numbers += [child.last for child in self.children]
        return max(numbers)

    def own_text(self) -> str:
        """The item's text and its continuation paragraphs."""
        return " ".join([self.text, *(p.text for p in self.paras)]).strip()

    def full_text(self) -> str:
        """The item with everything under it, one line per item."""
        parts = [self.own_text()]
        for child in self.children:
            parts.append(child.full_text())
        return "\n".join(p for p in parts if p)

    def lines(self) -> list[Line]:
        out = [self.line] if self.line else []
        out += self.paras
        for child in self.children:
            out += child.lines()
        return out

    def has_labels_below(self) -> bool:
        return any(child.labels or child.has_labels_below() for child in self.children)


def split_marker(text: str) -> tuple[str, str | None, str]:
    """(kind, number, rest) of a line: kind ``text`` when it carries no marker."""
    for kind, pattern in _MARKERS:
        match = pattern.match(text)
        if match:
            number = match.group(1) if match.groups() else None
            return kind, number, text[match.end() :].strip()
    return "text", None, text


def body_lines(lines: list[Line]) -> list[Line]:
    """The lines of the body: recipients and the signature block left out."""
    out: list[Line] = []
    in_recipients = signed = False
    for line in lines:
        text = line.text.strip()
        if _PART.match(text):
            signed = False
        elif signed or _SIGNATURE.match(text):
            signed = True
            continue
        if _RECIPIENTS.match(text):
            in_recipients = True
            continue
        if in_recipients:
            if text[:1] in "-–•+" or (len(text.split()) <= 12 and text.endswith((";", "."))):
                continue
            in_recipients = False
        out.append(line)
    return out


# A year range wrapped before its dash ("giai đoạn 2021" / "- 2025”;"): not a dash item.
_RANGE_END = re.compile(r"^[-–]\s*(?:19|20)\d{2}\b")
_RANGE_START = re.compile(r"\b(?:19|20)\d{2}$")


def _joined(lines: list[Line]) -> list[Line]:
    """A line holding a marker alone ("6.") joined to the line after it; a year range
    wrapped before its dash joined back together."""
    out: list[Line] = []
    pending: Line | None = None
    for line in lines:
        wrapped = out and pending is None and _RANGE_END.match(line.text.strip())
        if wrapped and _RANGE_START.search(out[-1].text.strip()):
            last = out[-1]
            text = f"{last.text.strip()} {line.text.strip()}"
            out[-1] = Line(last.number, text, last.page, last.bold, last.italic, last.heading)
            continue
        if pending is not None:
            text = f"{pending.text.strip()} {line.text.strip()}"
            line = Line(pending.number, text, pending.page, line.bold, line.italic, line.heading)
            pending = None
        if _BARE_MARKER.match(line.text.strip()):
            pending = line
            continue
        out.append(line)
    if pending is not None:
        out.append(pending)
    return out


def outline(lines: list[Line]) -> Node:
    """The outline of the body's lines (see the module docstring)."""
    root = Node("root", None, "", None)
    stack: list[Node] = [root]
    last_label: Label | None = None
    last_para: tuple[Node, Line] | None = None  # the paragraph the previous line was
    for line in _joined(body_lines(lines)):
        text = line.text.strip()
        if not text:
            continue
        after, last_para = last_para, None
        labels = read_labels(text, line.number)
        if labels:
            if labels[0].dashed:  # "- Cơ quan thực hiện:" after "+ …" items of "- Nội dung:"
                _close(stack, "dash")
                _close(stack, "plus")
            stack[-1].labels.extend(labels)
            last_label = labels[-1]
            continue
        if _PART.match(text):
            del stack[1:]  # an attached document: its items are not the articles' items
        kind, number, rest = split_marker(text)
        if kind == "text" and last_label is not None and text[:1].islower():
            last_label.value = f"{last_label.value} {text}"  # a label wrapped in two
            continue
        last_label = None
        if kind == "text":
            if after is not None and after[0] is stack[-1]:
                stack[-1].follows.add(line.number)
            stack[-1].paras.append(line)
            last_para = (stack[-1], line)
            continue
        node = Node(kind, number, rest, line)
        _close(stack, node.level)
        node.parent = stack[-1]
        stack[-1].children.append(node)
        stack.append(node)
    return root


def _close(stack: list[Node], level: str) -> None:
    """Close the open items down to (and including) the open one of ``level``."""
    levels = [node.level for node in stack]
    if level in levels:
        del stack[levels.index(level) :]
    elif level == "roman":
        # "II." is a part of the body: no list item (a stray dash of the preamble) holds it
        lower = [i for i, lv in enumerate(levels) if lv not in ("root", "article")]
        if lower:
            del stack[lower[0] :]
    elif level.startswith("decimal") and level != "decimal1":
        return
    elif level == "decimal1":
        # "2." after "1.1." closes the sub-levels and the "1." they belong to
        deeper = [i for i, lv in enumerate(levels) if lv.startswith("decimal")]
        if deeper:
            del stack[deeper[0] :]
