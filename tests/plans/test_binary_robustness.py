"""Bad PDF, .doc and HTML input: a clear InputError naming the file and what was
expected, exit status 2 from the CLI, never a traceback."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document as make_docx
from typer.testing import CliRunner

from engine.cli import app
from engine.errors import InputError
from engine.plans.detect import detect_format
from engine.plans.doc import find_soffice, read_doc
from engine.plans.importer import read_document
from engine.plans.pdf import read_pdf
from tests.plans.pdfmaker import Maker, pdf_bytes

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def small_pdf() -> bytes:
    maker = Maker()
    for n in range(1, 30):
        maker.paragraph(f"Nhiệm vụ số {n}: kiểm tra vật liệu nổ công nghiệp.", justify=False)
    return pdf_bytes(maker)


def a_doc() -> bytes:
    """Enough of a Word 97 file to be recognised: the OLE2 signature and a WordDocument
    stream's name in its directory."""
    return OLE2 + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(1000)


@pytest.mark.parametrize(
    ("data", "shape"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", "pdf"),
        ("\ufeff  <!DOCTYPE html><html><body><p>Kế</p></body></html>".encode(), "html"),
        (b"<html>\n<head><meta charset='utf-8'></head>", "html"),
        (a_doc(), "doc"),
    ],
)
def test_binary_shapes_are_recognised_by_their_content(data: bytes, shape: str) -> None:
    assert detect_format(data, "plan.txt") == shape  # the name says .txt: it does not count


def test_an_office_file_that_is_not_a_word_document_is_refused() -> None:
    with pytest.raises(InputError, match="without a Word document in it"):
        detect_format(OLE2 + bytes(2000), "book.xls")


def test_an_encrypted_pdf_says_it_needs_a_password() -> None:
    maker = Maker()
    maker.line("Kế hoạch mật")
    maker.pdf.set_encryption(owner_password="owner", user_password="secret")
    with pytest.raises(InputError, match=r"secret.pdf: an encrypted PDF: it needs a password"):
        read_pdf(pdf_bytes(maker), "secret.pdf")


@pytest.mark.parametrize("seed", [1, 2])
def test_a_damaged_pdf_is_a_clear_error(seed: int) -> None:
    data = b"%PDF-1.7\n" + random.Random(seed).randbytes(3000)
    with pytest.raises(InputError, match=r"broken.pdf: a damaged PDF"):
        read_pdf(data, "broken.pdf")


@pytest.mark.parametrize("fraction", [0.1, 0.4, 0.7, 0.95])
def test_a_truncated_pdf_is_read_as_far_as_it_goes_or_refused(fraction: float) -> None:
    data = small_pdf()
    cut = data[: int(len(data) * fraction)]
    try:
        document = read_pdf(cut, "cut.pdf")
    except InputError as exc:
        assert str(exc).startswith("cut.pdf: ")
        return
    assert all(line.text.startswith("Nhiệm vụ số") for line in document.lines)


def test_a_pdf_without_any_text_is_a_clear_error() -> None:
    maker = Maker(page_numbers=False)  # one blank page
    with pytest.raises(InputError, match=r"empty.pdf: no text found in this PDF"):
        read_pdf(pdf_bytes(maker), "empty.pdf")


def test_format_pdf_on_text_says_what_it_expected() -> None:
    with pytest.raises(InputError, match=r"--format pdf, but this is not a PDF"):
        read_document("Kế hoạch".encode(), "plan.txt", "pdf")


def test_a_doc_without_libreoffice_says_how_to_convert_it(tmp_path: Path) -> None:
    plan = tmp_path / "plan.doc"
    plan.write_bytes(a_doc())
    result = CliRunner().invoke(app, ["plan", "import", str(plan)], env={"PATH": str(tmp_path)})
    assert result.exit_code == 2
    assert f"{plan}: a Word 97-2003 file (.doc) needs LibreOffice" in result.stderr
    assert "save it as .docx" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_cli_turns_a_damaged_pdf_into_exit_status_2(tmp_path: Path) -> None:
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(small_pdf()[:300])
    result = CliRunner().invoke(app, ["plan", "import", str(plan)])
    assert result.exit_code == 2
    assert "error:" in result.stderr and str(plan) in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_doc_is_converted_by_libreoffice_and_read_as_docx(tmp_path: Path) -> None:
    source = make_docx()
    source.add_paragraph("KẾ HOẠCH")
    source.add_paragraph("Kiểm tra vật liệu nổ công nghiệp năm 2026")
    docx = tmp_path / "plan.docx"
    source.save(str(docx))
    soffice = shutil.which("soffice") or "soffice"
    # its own LibreOffice profile: two runs sharing one (two test workers) fail
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = (tmp_path / "plan.doc").read_bytes()
    assert detect_format(data, "plan.bin") == "doc"
    document = read_doc(data, "plan.doc")
    assert [line.text for line in document.lines][:2] == [
        "KẾ HOẠCH",
        "Kiểm tra vật liệu nổ công nghiệp năm 2026",
    ]
    assert document.format == "doc"
