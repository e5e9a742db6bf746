"""Reading digests as their readers do: the text part by its headings, the HTML tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser

_PLAN = re.compile(r"^■ (?:Kế hoạch|Plan) (\S+): ")
_HEADING = re.compile(r"^  (\S.*?)\s*\((?:trên tổng số |of )?\d+\):$")
_ITEM = re.compile(r"^    #(\d+)\s")
_DAYS = re.compile(r"quá hạn (\d+) ngày|(\d+) day\(s\) late|còn (\d+) ngày|in (\d+) day\(s\)")


@dataclass
class Digest:
    """A digest's text part: per plan label, per heading, (obligation id, days) in order
    (days late, or days left; None where the line gives neither)."""

    plans: dict[str, dict[str, list[tuple[int, int | None]]]] = field(default_factory=dict)

    def ids(self, plan: str, heading: str) -> list[int]:
        return [i for i, _ in self.plans.get(plan, {}).get(heading, [])]


def read_text(text: str) -> Digest:
    digest = Digest()
    sections: dict[str, list[tuple[int, int | None]]] | None = None
    current: list[tuple[int, int | None]] | None = None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if match := _PLAN.match(line):
            sections = digest.plans.setdefault(match[1], {})
            current = None
        elif (match := _HEADING.match(line)) and sections is not None:
            current = sections.setdefault(match[1], [])
        elif (match := _ITEM.match(line)) and current is not None:
            detail = lines[index + 1] if index + 1 < len(lines) else ""
            days = _DAYS.search(detail)
            number = next((int(g) for g in days.groups() if g), None) if days else None
            current.append((int(match[1]), number))
    return digest


def text_part(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_part(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


class _Tables(HTMLParser):
    """The rows (cell texts) of every ``<table class="scorecard">``."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._in = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "scorecard") in attrs:
            self._in = True
            self.tables.append([])
        elif self._in and tag == "tr":
            self.tables[-1].append([])
        elif self._in and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in = False
        elif self._in and tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def scorecards(html: str) -> list[list[list[str]]]:
    """The scorecard tables of an owner digest, header row first."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables
