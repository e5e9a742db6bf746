"""Reader for the word-processor files python-docx cannot open: Word 97-2003 (.doc),
Rich Text Format (.rtf, which portals often serve under a .doc name) and OpenDocument
text (.odt). Each is converted to .docx by LibreOffice, then read as .docx.

``soffice --headless --convert-to docx`` runs in a temporary directory, with its own
temporary user profile (so it neither waits for nor disturbs a LibreOffice the user has
open) and a time limit. Without LibreOffice the import stops with an error that says
how to convert the file by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from engine.errors import InputError
from engine.i18n import N_, _
from engine.plans.document import Document

TIMEOUT = 120  # seconds for one conversion
_HOW = N_(
    "install LibreOffice (apt-get install libreoffice-writer), or open the file in Word or "
    "LibreOffice and save it as .docx, then import the .docx"
)


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# What each format is called in messages (the .doc's own message names it already).
_WHAT = {
    "rtf": N_("a Rich Text Format file (.rtf)"),
    "odt": N_("an OpenDocument text file (.odt)"),
}


def read_doc(data: bytes, name: str, fmt: str = "doc") -> Document:
    """The document of a .doc (``fmt`` "doc"), .rtf ("rtf") or .odt ("odt") file."""
    soffice = find_soffice()
    if soffice is None and fmt == "doc":
        raise InputError(
            _("a Word 97-2003 file (.doc) needs LibreOffice to be read: {HOW}").format(HOW=_(_HOW)),
            file=name,
        )
    if soffice is None:
        raise InputError(
            _("{what} needs LibreOffice to be read: {HOW}").format(what=_(_WHAT[fmt]), HOW=_(_HOW)),
            file=name,
        )
    from engine.plans.docx import read_docx

    docx = convert(soffice, data, name, fmt)
    document = read_docx(docx, name)
    document.format = fmt
    document.notes.append(
        (
            None,
            _("converted from .{suffix} by LibreOffice: check it against the original").format(
                suffix=fmt
            ),
        )
    )
    return document


def convert(soffice: str, data: bytes, name: str, fmt: str = "doc") -> bytes:
    """The .docx LibreOffice makes of ``data`` (a .doc, .rtf or .odt file)."""
    with tempfile.TemporaryDirectory(prefix="nhacviec-doc-") as tmp:
        work = Path(tmp)
        source = work / f"plan.{fmt}"
        source.write_bytes(data)
        profile = (work / "profile").as_uri()
        argv = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            done = subprocess.run(
                argv, capture_output=True, timeout=TIMEOUT, env=dict(os.environ, HOME=tmp)
            )
        except subprocess.TimeoutExpired as exc:
            raise InputError(
                _("LibreOffice took more than {TIMEOUT} s to convert the .{suffix}").format(
                    TIMEOUT=TIMEOUT, suffix=fmt
                ),
                file=name,
            ) from exc
        result = work / "plan.docx"
        if done.returncode != 0 or not result.is_file():
            why = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = f" ({why[-1]})" if why else ""
            raise InputError(
                _("LibreOffice could not convert this .{suffix}{detail}: {HOW}").format(
                    suffix=fmt, detail=detail, HOW=_(_HOW)
                ),
                file=name,
            )
        return result.read_bytes()
