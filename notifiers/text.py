"""Splitting a long text into parts that read on their own, for the channels whose
messages have a maximum length (Telegram's 4096 and Zalo's 2000 UTF-16 units)."""

from __future__ import annotations

import re
from collections.abc import Callable


def split_text(text: str, limit: int, *, html: bool = False) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-16 units that read on their own.

    Parts end at paragraph boundaries (blank lines) where they can: a paragraph that
    does not fit in what is left of a part starts the next one, unless the part is still
    less than a quarter full (a header line alone is no message). A paragraph longer
    than a part is split between lines, and a heading line (short, bold or italic, or
    ending in ":") is never left at the end of a part: it moves down with what it heads.
    A single line longer than ``limit`` fills what is left of the part and goes on in the
    next, cut at its last space within the limit; with ``html`` (Telegram's HTML), at the
    last place within it that is outside every element and entity, so that every part
    stays valid HTML (tags must close on the line that opens them, as the templates do).
    """
    if _units(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []  # the lines of the part being filled ("" between paragraphs)

    def room(separator: int) -> int:
        return limit - _units("\n".join(current)) - (separator if current else 0)

    def flush(*, carry_heading: bool) -> None:
        carried: list[str] = []
        while current and not current[-1].strip():
            current.pop()
        while carry_heading and len(current) > 1 and _is_heading(current[-1]):
            carried.insert(0, current.pop())
            while current and not current[-1].strip():
                current.pop()
        if current:
            parts.append("\n".join(current))
        current[:] = carried

    for paragraph in text.split("\n\n"):
        lines = paragraph.split("\n")
        separator = 2  # "\n\n" before the paragraph's first line
        if _units(paragraph) <= room(separator):
            current.extend(["", *lines] if current else lines)
            continue
        if _units(paragraph) <= limit and room(0) < limit * 3 // 4:
            flush(carry_heading=True)  # the paragraph starts the next part, whole
            if _units(paragraph) <= room(separator):  # (after a heading carried down)
                current.extend(["", *lines] if current else lines)
                continue
        for line in lines:
            _place(line, separator, current, parts, limit, room, flush, html)
            separator = 1
    flush(carry_heading=False)
    return [part for part in parts if part.strip()] or [text]


def _place(
    line: str,
    separator: int,
    current: list[str],
    parts: list[str],
    limit: int,
    room: Callable[[int], int],
    flush: Callable[..., None],
    html: bool,
) -> None:
    """Put one line of a paragraph too long for a part into the parts (``split_text``)."""
    flushed = False
    while True:
        prefix = [""] if separator == 2 and current else []
        left = room(separator)
        if _units(line) <= left:
            current.extend([*prefix, line])
            return
        if _units(line) <= limit and not flushed and left < limit * 3 // 4:
            flush(carry_heading=True)  # the part is full enough: the line starts the next
            flushed = True
            continue
        if not current:  # longer than a part: cut it
            pieces = _cut_line(line, limit, html)
            parts.extend(pieces[:-1])
            current.append(pieces[-1])
            return
        cut = _last_space(line, _fit(line, left), html) if left >= limit // 4 else 0
        if cut:  # fill what is left of this part with its beginning, up to a space
            current.extend([*prefix, line[:cut]])
            line = line[cut:].lstrip(" ")
        flush(carry_heading=True)
        flushed = True


_HEADING = re.compile(r"[^<\w]*<([biu])>[^<]*</\1>[^<\w]*:?\s*")


def _is_heading(line: str) -> bool:
    """A line that heads what follows it: short, and all bold/italic, or ending in ":"."""
    stripped = line.strip()
    if not stripped or _units(stripped) > 120:
        return False
    return stripped.endswith(":") or _HEADING.fullmatch(stripped) is not None


def _cut_line(line: str, limit: int, html: bool) -> list[str]:
    pieces = []
    while _units(line) > limit:
        cut = _safe_cut(line, _fit(line, limit), html)
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces


def _fit(line: str, limit: int) -> int:
    """The longest prefix length of ``line`` within ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(line):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(line)


def _safe_cut(line: str, cut: int, html: bool) -> int:
    """Where to cut ``line`` at or before ``cut``: outside elements, at a space if one is
    in the second half, else as late as possible (``cut`` itself if nothing is safe)."""
    safe = space = 0
    depth = index = 0
    while index < cut:
        if line[index] == " " and depth == 0:
            space = index
        step = _token_end(line, index, html)
        if line.startswith("<", index) and step > index + 1:
            depth += -1 if line.startswith("</", index) else 1
        index = step
        if depth == 0 and index <= cut:
            safe = index
    if safe == cut and line[cut : cut + 1] == " ":
        return cut
    if space > cut // 2:
        return space
    return safe or cut


def _last_space(line: str, cut: int, html: bool) -> int:
    """The last space of ``line`` before ``cut`` outside every element (0 if none)."""
    space = depth = index = 0
    while index < cut:
        if line[index] == " " and depth == 0:
            space = index
        step = _token_end(line, index, html)
        if line.startswith("<", index) and step > index + 1:
            depth += -1 if line.startswith("</", index) else 1
        index = step
    return space


def _token_end(line: str, index: int, html: bool) -> int:
    """The end of the tag, entity or character that starts at ``index`` (plain text: of
    the character)."""
    closer = {"<": ">", "&": ";"}.get(line[index]) if html else None
    end = line.find(closer, index) if closer else -1
    return end + 1 if end != -1 else index + 1


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
