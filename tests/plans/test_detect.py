"""Format detection looks at the content; --format overrides it."""

from __future__ import annotations

import io

import pytest
from docx import Document as make_docx

from engine.errors import InputError
from engine.plans.detect import detect_format
from engine.plans.importer import read_document
from tests.plans.seeds import seed_path

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(
    ("seed", "shape"),
    [
        ("000_37850982a3aa39d4", "cells"),
        ("001_5b72bc9a7a6ed25c", "markdown"),
        ("002_51fe07b910464410", "tsv"),
        ("003_2a2fdc554bb9deb4", "lines"),
        ("004_c46dd8cc8d9e5ffa", "tsv"),
    ],
)
def test_each_seed_is_recognised_by_its_shape(seed: str, shape: str) -> None:
    assert detect_format(seed_path(seed).read_bytes(), seed) == shape


def test_a_word_file_is_recognised_by_its_zip_content() -> None:
    buffer = io.BytesIO()
    make_docx().save(buffer)
    assert detect_format(buffer.getvalue(), "plan.bin") == "docx"


def test_a_zip_that_is_not_a_word_file_is_refused() -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n")
    with pytest.raises(InputError, match="not a Word document"):
        detect_format(buffer.getvalue(), "plan.zip")


def test_binary_bytes_are_refused_with_the_reason() -> None:
    with pytest.raises(InputError, match="binary file"):
        detect_format(b"\x00\x01\x02garbage" * 10, "garbage.bin")


def test_text_that_is_not_utf8_names_the_line() -> None:
    data = "Số: 12/KH-UBND\n".encode() + "Kế hoạch".encode("cp1258", errors="replace") + b"\xff\n"
    with pytest.raises(InputError, match=r"garbage.txt:2: not UTF-8"):
        detect_format(data, "garbage.txt")


def test_an_unknown_format_option_lists_the_known_ones() -> None:
    with pytest.raises(
        InputError, match="unknown format 'xlsx'; expected one of docx, pdf, doc, rtf, odt"
    ):
        read_document(b"text", "plan.txt", "xlsx")


def test_format_docx_on_a_text_file_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="not a Word"):
        read_document(b"plain text", "plan.txt", "docx")


def test_the_format_option_overrides_detection() -> None:
    data = seed_path("003_2a2fdc554bb9deb4").read_bytes()
    assert read_document(data, "003.txt", "cells").format == "cells"
