"""Reader for PDF plans: the text layer where it can be believed, OCR where it cannot.

Each page is read with pdfium (``pdfpage``): its words and the segments that may rule a
table. A page whose text layer is garbage (``garbled``), or that is an image with no
text (a scan), is rendered and read by Tesseract (``ocr``) instead, with a warning in
the document's notes; a garbled page keeps the ruling lines of its vector drawing, a
scan gets them from its image. Every page then goes through the same layout
(``layout.page``) and the pages are put together into one ``Document``
(``layout.assemble``).

Bad input is an ``InputError`` naming the file: an encrypted or damaged PDF, a scan
when Tesseract is not installed (with the command that installs it), a PDF with no
text at all, even after OCR.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from engine.errors import InputError
from engine.i18n import N_, _, ngettext
from engine.plans.document import Document
from engine.plans.garbled import judge
from engine.plans.layout.assemble import assemble
from engine.plans.layout.page import PageLayout, ending_table, layout_page
from engine.plans.layout.words import Word
from engine.plans.ocr import INSTALL, Tesseract, content_hash, find_tesseract, page_key
from engine.plans.pdfpage import image_cover, ink, page_segments, page_words, view_of

Progress = Callable[[str], None]

_ERRORS = {  # pdfium's FPDF_ERR_* codes on opening a document
    2: N_("cannot open the file"),
    3: N_("a damaged PDF (its structure cannot be read)"),
    4: N_("an encrypted PDF: it needs a password; save an unprotected copy and import that"),
    5: N_("an encrypted PDF: it needs a password; save an unprotected copy and import that"),
    6: N_("a PDF protected by a security handler that cannot be read; save an unprotected copy"),
}


@dataclass
class _Pending:
    """A page to read by OCR, and why."""

    index: int
    reason: str
    segments: list[Any] = field(default_factory=list)  # vector rules a garbled page keeps
    layer: list[Word] = field(default_factory=list)  # its garbled words (numbers survive)


def read_pdf(
    data: bytes,
    name: str,
    *,
    progress: Progress | None = None,
    tesseract: Callable[[], Tesseract | None] = find_tesseract,
) -> Document:
    pdf = _open(data, name)
    try:
        layouts, pending = _text_pages(pdf, name)
        notes, recognised = _ocr_pages(pdf, data, name, pending, layouts, progress, tesseract)
        layouts.sort(key=lambda page: page.number)
        document = assemble(layouts, name)
        document.pages = len(pdf)
        document.ocr = recognised
    finally:
        pdf.close()
    if not document.lines and not document.tables:
        what = (
            _("even after OCR") if document.ocr else _("(no text layer and nothing to recognise)")
        )
        raise InputError(_("no text found in this PDF {what}").format(what=what), file=name)
    for page, message in notes:
        document.notes.append((_first_line(document, page), message))
    return document


def _open(data: bytes, name: str) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None) or 0
        if code in _ERRORS:
            reason = _(_ERRORS[code])
        else:
            reason = _("a PDF that cannot be read ({exc})").format(exc=exc)
        raise InputError(reason, file=name) from exc


def _text_pages(pdf: Any, name: str) -> tuple[list[PageLayout], list[_Pending]]:
    layouts: list[PageLayout] = []
    pending: list[_Pending] = []
    for index in range(len(pdf)):
        page = _page(pdf, index, name)
        view = view_of(page)
        segments = page_segments(page, view)
        words = page_words(page, view, segments)
        verdict = judge(" ".join(w.text for w in words))
        letters = sum(ch.isalpha() for w in words for ch in w.text)
        if verdict.garbled:
            reason = _("its text layer is garbled ({reason})").format(reason=verdict.reason)
            pending.append(_Pending(index, reason, segments, words))
        elif letters < 20 and (image_cover(page, view) > 0.3 or ink(page) > 0.01):
            pending.append(_Pending(index, _("it is a scanned image without text")))
        else:
            width, height = view.size
            before = layouts[-1] if layouts and layouts[-1].number == index else None
            after = ending_table(before) if before is not None else None
            layouts.append(layout_page(index + 1, words, segments, width, height, after))
        page.close()
    return layouts, pending


def _page(pdf: Any, index: int, name: str) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdf[index]
    except pdfium.PdfiumError as exc:
        raise InputError(
            _("a damaged PDF: page {value} cannot be read").format(value=index + 1), file=name
        ) from exc


def _ocr_pages(
    pdf: Any,
    data: bytes,
    name: str,
    pending: list[_Pending],
    layouts: list[PageLayout],
    progress: Progress | None,
    tesseract: Callable[[], Tesseract | None],
) -> tuple[list[tuple[int, str]], bool]:
    """Read the pending pages by OCR into ``layouts``: the notes to warn with (page,
    text), and whether any page was recognised."""
    if not pending:
        return [], False
    engine = tesseract()
    if engine is None:
        return _without_ocr(pending, layouts, name), False
    digest = content_hash(data)
    for item in pending:
        if progress is not None:
            progress(f"OCR trang {item.index + 1}/{len(pdf)} …")
        page = _page(pdf, item.index, name)
        view = view_of(page)
        result = engine.read(page, page_key(digest, item.index), item.segments)
        width, height = view.size
        words = repair_numbers(result.words, item.layer)
        before = next((lay for lay in layouts if lay.number == item.index), None)
        after = ending_table(before) if before is not None else None
        layouts.append(layout_page(item.index + 1, words, result.segments, width, height, after))
        page.close()
    pages = ", ".join(str(p.index + 1) for p in pending)
    why = "; ".join(
        _("page {page}: {reason}").format(page=p.index + 1, reason=p.reason) for p in pending[:3]
    ) + (" …" if len(pending) > 3 else "")
    note = ngettext(
        "page {pages} read by OCR (Tesseract, {lang}) because {why}: check names, numbers "
        "and dates against the document",
        "pages {pages} read by OCR (Tesseract, {lang}) because {why}: check names, numbers "
        "and dates against the document",
        len(pending),
    ).format(pages=pages, lang=engine.lang, why=why)
    return [(pending[0].index + 1, note)], True


_NUMBER = re.compile(r"^[\d/.,:;()+\-]*\d[\d/.,:;()+\-]*$")


def repair_numbers(ocr: list[Word], layer: list[Word]) -> list[Word]:
    """OCR's words, with the numbers a garbled text layer still has right put back.

    Broken font encodings garble letters, not digits: "25/3/2025" survives in the text
    layer where Tesseract may read "25/3/2023", and a row number "1" where it reads "l".
    A layer word made of digits and punctuation replaces the OCR word it covers when
    that one is a number too (or a short word), of about the same length, and is added
    where OCR read nothing (a number alone in a table cell is easily missed).
    """
    numbers = [w for w in layer if _NUMBER.match(w.text)]
    if not numbers:
        return ocr
    out = []
    for word in ocr:
        match = next((n for n in numbers if _covers(n, word)), None)
        digits = sum(ch.isdigit() for ch in word.text)
        numeric = digits * 2 >= len(word.text) or len(word.text) <= 2
        if match and numeric and abs(len(match.text) - len(word.text)) <= 1:
            word = replace(word, text=match.text)
        out.append(word)
    missed = [n for n in numbers if not any(_covers(n, w) or _touches(n, w) for w in ocr)]
    return out + missed


def _touches(a: Word, b: Word) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.top < b.bottom and b.top < a.bottom


def _covers(a: Word, b: Word) -> bool:
    """The boxes overlap over most of the smaller one."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return False
    smaller = min((a.x1 - a.x0) * (a.bottom - a.top), (b.x1 - b.x0) * (b.bottom - b.top))
    return width * height > 0.5 * smaller


def _without_ocr(
    pending: list[_Pending], layouts: list[PageLayout], name: str
) -> list[tuple[int, str]]:
    """No Tesseract: an error when nothing is left to read, else a warning per page."""
    if not any(page.blocks for page in layouts):
        raise InputError(
            _(
                "this PDF has no usable text ({reason}) and must be read by OCR, but "
                "Tesseract is not installed; install it with: {INSTALL}"
            ).format(reason=pending[0].reason, INSTALL=INSTALL),
            file=name,
        )
    return [
        (
            p.index + 1,
            _(
                "page {page} is not read: {reason}, and Tesseract is not installed ({INSTALL})"
            ).format(page=p.index + 1, reason=p.reason, INSTALL=INSTALL),
        )
        for p in pending
    ]


def _first_line(document: Document, page: int) -> int | None:
    numbers = [ln.number for ln in document.lines if ln.page == page]
    numbers += [t.first for t in document.tables if t.page == page]
    return min(numbers) if numbers else None
