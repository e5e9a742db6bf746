"""Which shape a plan document has.

    pdf       a PDF (``%PDF-``): its text layer, or OCR for scans and garbled pages
    doc       a Word 97-2003 file (OLE2 with a WordDocument stream), converted by LibreOffice
    rtf       a Rich Text Format file (``{\\rtf``, often named .doc), converted by LibreOffice
    odt       an OpenDocument text (zip with the OpenDocument text mimetype), converted too
    html      a web page saved from a legal-document portal
    docx      a Word file (zip with word/document.xml), read with python-docx
    markdown  markdown body (``#`` headings, ``**`` emphasis) with tab-separated table rows
    tsv       plain text with tab-separated table rows (cells may hold HTML lists)
    cells     tab-indented export, one cell per paragraph; a cell may run over several
              lines; merged cells repeat their text; blank lines separate rows
    lines     one cell per line, rows separated by blank lines, or by nothing at all
              (a row starts at its number); plain text, fixed-width or not
    portal    a legal portal's page: cells between lines holding a single "|",
              hard-wrapped text, the site's banner and metadata box
    pipes     markdown pipe tables ("| a | b |"), clean or broken over several lines

``detect_format`` looks at the bytes; ``--format`` overrides it.
"""

from __future__ import annotations

import io
import re
import zipfile

from engine.errors import InputError
from engine.i18n import _

FORMATS = (
    "docx", "pdf", "doc", "rtf", "odt", "html", "markdown", "tsv", "cells", "lines", "portal",
    "pipes",
)  # fmt: skip

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|table|div)\b",
    re.I | re.S,
)

_TAB_LED = re.compile(r"^[ \u00a0]*\t")


def ends_mid_character(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data" and exc.end == len(data)
    return False


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def is_pdf(data: bytes) -> bool:
    """``%PDF-`` in the first kilobyte (readers accept junk before the header)."""
    return b"%PDF-" in data[:1024]


def is_ole2(data: bytes) -> bool:
    return data[:8] == _OLE2


def is_rtf(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"{\\rtf"


_ODT = b"application/vnd.oasis.opendocument.text"


def is_odt(data: bytes) -> bool:
    """A zip whose first member is the OpenDocument text ``mimetype``, stored as is."""
    return is_zip(data) and data[30:38] == b"mimetype" and data[38 : 38 + len(_ODT)] == _ODT


def is_html(data: bytes) -> bool:
    """Markup from the start (a doctype, ``<html>``, or a fragment opening with a tag),
    or an ``<html`` tag early on after a saved page's preamble."""
    head = data[:4096]
    return bool(_HTML_START.match(head)) or (b"<html" in head.lower() and b"</" in data[:65536])


def decode_text(data: bytes, name: str) -> str:
    """The document as text; a clear error for binary or non-UTF-8 input.

    A file cut in the middle of its last character (a truncated download) loses that
    character only; ``ends_mid_character`` tells the caller so it can warn.
    """
    if b"\x00" in data[:4096]:
        raise InputError(
            _("a binary file, not a plan document (.docx, .doc, PDF, HTML or UTF-8 text)"),
            file=name,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(data):
            return decode_text(data[: exc.start], name)
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            _("not UTF-8 text (byte {start}); expected a .docx or a UTF-8 text export").format(
                start=exc.start
            ),
            file=name,
            line=line,
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect_format(data: bytes, name: str) -> str:
    """Guess the format from the content (never from the file name alone)."""
    if is_pdf(data):
        return "pdf"
    if is_ole2(data):
        if "WordDocument".encode("utf-16-le") not in data:
            raise InputError(
                _(
                    "an Office 97-2003 (OLE2) file without a Word document in it: not a "
                    ".doc, or a damaged one"
                ),
                file=name,
            )
        return "doc"
    if is_rtf(data):
        return "rtf"
    if is_html(data):
        return "html"
    if is_odt(data):
        return "odt"
    if is_zip(data):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except (zipfile.BadZipFile, NotImplementedError) as exc:
            # NotImplementedError: damage made up a zip version that zipfile does not know
            raise InputError(_("a damaged zip file: {exc}").format(exc=exc), file=name) from exc
        raise InputError(_("a zip file that is not a Word document (.docx)"), file=name)
    return detect_text_format(decode_text(data, name))


def detect_text_format(text: str) -> str:
    lines = text.split("\n")
    tsv_rows = sum(1 for line in lines if line.strip() and line.count("\t") >= 2)
    if tsv_rows >= 2:
        headings = sum(1 for line in lines if re.match(r"^#{1,6}\s", line))
        bold = sum(1 for line in lines if "**" in line)
        return "markdown" if headings or bold >= 5 else "tsv"
    pipes_alone = sum(1 for line in lines if line.strip() == "|")
    pipe_rows = sum(1 for line in lines if line.lstrip().startswith("|") and line.count("|") >= 3)
    if pipes_alone >= 6 and pipes_alone > pipe_rows:
        return "portal"
    if pipe_rows >= 2:
        return "pipes"
    tab_led = [i for i, line in enumerate(lines) if _TAB_LED.match(line)]
    if len(tab_led) < 3:
        return "lines"
    led = set(tab_led)
    for i in tab_led:
        nxt = i + 1
        continued = nxt < len(lines) and nxt not in led and lines[nxt].strip(" \u00a0\t")
        # A cell continuing on an untabbed line, inside the tabbed region.
        if continued and any(j in led for j in range(nxt + 1, min(nxt + 4, len(lines)))):
            return "cells"
    return "lines"
