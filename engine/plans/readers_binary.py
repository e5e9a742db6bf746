"""The readers for PDF, Word 97 (.doc), RTF, OpenDocument text and saved web pages,
behind one entry point, so that ``importer`` dispatches on the format and nothing else
(each reader imports its heavy libraries, pdfium and lxml, only when it runs)."""

from __future__ import annotations

from collections.abc import Callable

from engine.errors import InputError
from engine.i18n import N_, _
from engine.plans.detect import is_html, is_odt, is_ole2, is_pdf, is_rtf
from engine.plans.document import Document

_EXPECTED = {
    "pdf": (is_pdf, N_("a PDF (it should start with %PDF-)")),
    "doc": (is_ole2, N_("a Word 97-2003 document (.doc)")),
    "rtf": (is_rtf, N_("a Rich Text Format document (.rtf)")),
    "odt": (is_odt, N_("an OpenDocument text (.odt)")),
    "html": (is_html, N_("an HTML page")),
}


def read_binary(
    data: bytes, name: str, fmt: str, progress: Callable[[str], None] | None = None
) -> Document:
    test, what = _EXPECTED[fmt]
    if not test(data):
        raise InputError(
            _("--format {fmt}, but this is not {what}").format(fmt=fmt, what=_(what)), file=name
        )
    if fmt == "pdf":
        from engine.plans.pdf import read_pdf

        return read_pdf(data, name, progress=progress)
    if fmt in ("doc", "rtf", "odt"):
        from engine.plans.doc import read_doc

        return read_doc(data, name, fmt)
    from engine.plans.html import read_html

    return read_html(data, name)
