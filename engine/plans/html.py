"""Reader for web pages saved from a legal-document portal (thuvienphapluat.vn, vbpl.vn,
luatvietnam.vn and the like).

A saved page is mostly the site: menus, banners, login boxes, the metadata box ("Số
hiệu:", "Loại văn bản:", "Người ký:" …), "Lưu trữ", "Ghi chú", related documents,
scripts and styles. The document itself sits in one container (``div.content1`` on
thuvienphapluat, ``#toanvancontent`` on vbpl, …); where none of the known ones is
there, the element holding most of the page's paragraph text is taken. Inside it,
every block (paragraph, heading, list item) is a line, in document order, and every
table a table of rows, ``colspan`` and ``rowspan`` repeated as merged cells the way the
.docx reader marks Word's merges. Lines are numbered in document order, a table row
counting as one, as for .docx.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.errors import InputError
from engine.i18n import _
from engine.plans.document import Cell, Document, Line, Row, Table
from engine.plans.text import clean_cell, squash

_CONTENT = (  # the document's container on the portals, most specific first
    "//*[@id='toanvancontent']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' toanvancontent ')]",
    "//*[@id='divContentDoc']",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' content1 ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' fulltext ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' the-document-body ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' box-content-vb ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' vbpq-content ')]",
)
_DROP_TAGS = (
    "script", "style", "noscript", "iframe", "form", "button", "input", "select", "textarea",
    "nav", "aside", "svg", "template", "object", "embed", "map", "head",
)  # fmt: skip
_FURNITURE = re.compile(  # ids and classes of the site's own boxes inside the content
    r"(^|[-_ ])(menu|nav|navbar|breadcrumb|banner|sidebar|related|lienquan|lien-quan|luutru|"
    r"luu-tru|ghichu|ghi-chu|comment|share|social|advert|ads|popup|modal|login|dangnhap|"
    r"search|timkiem|tags|rating|toolbar|boxttvb|ttvb|thuoctinh|lichsu)([-_ ]|$)",
    re.IGNORECASE,
)
_BLOCKS = {
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dt", "dd",
    "section", "article", "center", "ul", "ol", "dl", "tr", "td", "th", "br", "hr",
}  # fmt: skip
_FURNITURE_LINE = re.compile(
    r"^(lưu trữ|ghi chú|ý kiến|facebook|email|in|tải về|tải văn bản|văn bản liên quan|"
    r"bài liên quan|hỏi đáp pháp luật|bản án liên quan|đang tải văn bản\.*|"
    r"click vào phần bôi vàng.*|bản dịch này thuộc quyền sở hữu.*|.*has the copyright on this.*|"
    r"các nội dung được sửa đổi, hướng dẫn|theo dõi hiệu lực văn bản|x)$",
    re.IGNORECASE,
)
_METADATA = re.compile(
    r"^(số hiệu|loại văn bản|nơi ban hành|cơ quan ban hành|người ký|ngày ban hành|"
    r"ngày hiệu lực|ngày công báo|số công báo|tình trạng|lĩnh vực)\s*:?$",
    re.IGNORECASE,
)


def read_html(data: bytes, name: str) -> Document:
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.document_fromstring(decode_html(data))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputError(_("cannot read the HTML page: {exc}").format(exc=exc), file=name) from exc
    _drop(root, lambda e: e.tag in _DROP_TAGS)
    content = _content(root)
    _drop(content, _furniture)
    walker = _Walker()
    walker.block(content)
    walker.flush()
    if not walker.lines and not walker.tables:
        raise InputError(_("an HTML page without any document text in it"), file=name)
    return Document(
        name=name,
        format="html",
        lines=walker.lines,
        tables=walker.tables,
        total_lines=walker.number,
    )


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)


def decode_html(data: bytes) -> str:
    """The page as text, composed (NFC): the charset its ``<meta>`` names, else UTF-8
    (what the portals serve), else Windows-1258, the Vietnamese code page of older saved
    pages, whose tone marks are combining characters."""
    return unicodedata.normalize("NFC", _decode(data))


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def _drop(root: Any, unwanted: Callable[[Any], bool]) -> None:
    """Remove comments and the elements ``unwanted`` picks (their tails stay)."""
    for element in list(root.iter()):
        if element.getparent() is None:
            continue
        if not isinstance(element.tag, str) or unwanted(element):
            element.drop_tree()


def _furniture(element: Any) -> bool:
    """A box of the site's inside the content (related documents, "Lưu trữ", sharing),
    or something hidden."""
    names = f"{element.get('id', '')} {element.get('class', '')}"
    style = element.get("style", "")
    hidden = re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style, re.IGNORECASE)
    return bool(hidden or _FURNITURE.search(names))


def _content(root: Any) -> Any:
    """The document's container: a portal's own, else the deepest element holding most
    (four fifths) of the page's paragraph and table text."""
    for path in _CONTENT:
        found = [e for e in root.xpath(path) if len(_text(e)) > 200]
        if found:
            return found[-1]  # the innermost (thuvienphapluat nests content1 in content1)
    body = root.find("body")
    body = body if body is not None else root
    total = _score(body)
    best, depth = body, 0
    for element in body.iter("div", "article", "main", "section", "td"):
        level = sum(1 for _ in element.iterancestors())
        if total and level > depth and _score(element) >= 0.8 * total and not _furniture(element):
            best, depth = element, level
    return best


def _score(element: Any) -> int:
    return sum(len(_text(p)) for p in element.iter("p", "table") if p is not element)


def _text(element: Any) -> str:
    return squash(element.text_content() or "")


@dataclass
class _Run:
    """Text gathered for the current line, with how much of it is bold or italic."""

    parts: list[tuple[str, bool, bool]] = field(default_factory=list)
    heading: bool = False

    def add(self, text: str, bold: bool, italic: bool) -> None:
        if text:
            self.parts.append((text, bold, italic))


@dataclass
class _Walker:
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    number: int = 0
    run: _Run = field(default_factory=_Run)

    def block(self, element: Any, bold: bool = False, italic: bool = False) -> None:
        """Walk ``element``'s children, ending a line at every block boundary."""
        self.inline(element.text, bold, italic)
        for child in element:
            if isinstance(child.tag, str):
                self.child(child, bold, italic)
            self.inline(child.tail, bold, italic)

    def child(self, element: Any, bold: bool, italic: bool) -> None:
        tag = element.tag.lower()
        bold = bold or tag in ("b", "strong") or _styled(element, "font-weight", ("bold", "700"))
        italic = italic or tag in ("i", "em") or _styled(element, "font-style", ("italic",))
        if tag == "table":
            self.flush()
            self.table(element)
            return
        if tag in _BLOCKS:
            self.flush()
            self.run.heading = tag in ("h1", "h2", "h3", "h4", "h5", "h6")
            self.block(element, bold, italic)
            self.flush()
            return
        self.block(element, bold, italic)

    def inline(self, text: str | None, bold: bool, italic: bool) -> None:
        if text:
            self.run.add(text, bold, italic)

    def flush(self) -> None:
        run, self.run = self.run, _Run()
        text = squash(re.sub(r"\s+", " ", "".join(t for t, _, _ in run.parts)))
        if not text or _FURNITURE_LINE.match(text):
            return
        self.number += 1
        lettered = [(b, i) for t, b, i in run.parts if any(ch.isalpha() for ch in t)]
        bold = bool(lettered) and all(b for b, _ in lettered)
        italic = bool(lettered) and all(i for _, i in lettered)
        self.lines.append(Line(self.number, text, bold=bold, italic=italic, heading=run.heading))

    def table(self, element: Any) -> None:
        rows = _grid(element)
        if not rows or _is_metadata(rows):
            return
        out: list[Row] = []
        for cells in rows:
            self.number += 1
            for c, cell in enumerate(cells):
                origin = cell
                if cell.merged == "left" and c > 0:
                    origin = cells[c - 1]
                elif cell.merged == "above" and out and c < len(out[-1].cells):
                    origin = out[-1].cells[c]
                cell.first = cell.last = origin.first if origin is not cell else self.number
            out.append(Row(cells, self.number, self.number))
        self.tables.append(Table(out, aligned=True, first=out[0].first, last=out[-1].last))


def _styled(element: Any, prop: str, values: tuple[str, ...]) -> bool:
    style = element.get("style", "").lower()
    return any(re.search(rf"{prop}\s*:\s*{v}", style) for v in values)


def _grid(table: Any) -> list[list[Cell]]:
    """The rows of a table as grid-aligned cells; a cell spanning columns is repeated to
    its right (``merged="left"``), one spanning rows below (``merged="above"``)."""
    grid: list[list[Cell]] = []
    below: dict[int, tuple[Cell, int]] = {}  # column -> (cell to repeat, rows still covered)
    for tr in _rows(table):
        row: list[Cell] = []
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            _covered(row, below)
            cell = Cell(_cell_text(td), 0, 0)
            down = _span(td, "rowspan")
            for k in range(_span(td, "colspan")):
                if down > 1:
                    below[len(row)] = (cell, down - 1)
                row.append(cell if k == 0 else Cell(cell.text, 0, 0, merged="left"))
        _covered(row, below)
        if any(not c.blank for c in row):
            grid.append(row)
    return grid


def _rows(table: Any) -> list[Any]:
    """The table's own rows (not those of a table nested in a cell)."""
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]


def _covered(row: list[Cell], below: dict[int, tuple[Cell, int]]) -> None:
    """Append the slots a cell from a row above still covers at the end of ``row``."""
    while len(row) in below:
        column = len(row)
        origin, rows = below.pop(column)
        row.append(Cell(origin.text, 0, 0, merged="above"))
        if rows > 1:
            below[column] = (origin, rows - 1)


def _span(td: Any, attr: str) -> int:
    try:
        return max(1, min(int(td.get(attr, "1")), 100))
    except ValueError:
        return 1


def _cell_text(td: Any) -> str:
    """The cell's paragraphs, one per line (a nested table's rows become lines too)."""
    walker = _Walker()
    walker.block(td)
    walker.flush()
    lines = [line.text for line in walker.lines]
    for nested in walker.tables:
        lines += [" | ".join(c.text for c in row.cells if c.merged is None) for row in nested.rows]
    return clean_cell("\n".join(lines))


def _is_metadata(rows: list[list[Cell]]) -> bool:
    """The portal's box of document properties ("Số hiệu:", "Người ký:" …), not the
    document's own table."""
    labels = sum(bool(_METADATA.match(c.text.strip("* "))) for row in rows for c in row)
    return labels >= 3
