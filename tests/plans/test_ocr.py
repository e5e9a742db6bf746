"""Scans and garbled text layers, read by Tesseract's Vietnamese model (real Tesseract:
``make`` installs tesseract-ocr and tesseract-ocr-vie)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from engine.agencies import Directory, load_directory
from engine.cli import app
from engine.errors import InputError
from engine.plans.garbled import judge
from engine.plans.importer import import_bytes
from engine.plans.layout.words import Word
from engine.plans.ocr import Tesseract, find_tesseract, quarter, rulings
from engine.plans.pdf import read_pdf, repair_numbers
from tests.conftest import IN_CI, ROOT
from tests.plans.pdfmaker import Maker, image_pdf, pdf_bytes

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

LETTER = [
    "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
    "Số: 2496/UBND-KT",
    "Kính gửi: Sở Công Thương.",
    "Giao Sở Công Thương chủ trì, phối hợp với các cơ quan",
    "báo cáo Ủy ban nhân dân tỉnh trước ngày 15/4/2026.",
]


@pytest.fixture
def tesseract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tesseract:
    """The installed Tesseract, with an OCR cache of the test's own."""
    monkeypatch.setenv("NHACVIEC_CACHE_DIR", str(tmp_path / "ocr-cache"))
    engine = find_tesseract()
    if engine is None:
        message = "Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-vie)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return engine


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def all_text(document: object) -> str:
    lines = [line.text for line in document.lines]  # type: ignore[attr-defined]
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]  # type: ignore[attr-defined]
    return "\n".join(lines + cells)


def test_a_scanned_page_is_read_by_ocr_and_says_so(tesseract: Tesseract) -> None:
    progress: list[str] = []
    document = read_pdf(image_pdf(LETTER), "scan.pdf", progress=progress.append)
    text = all_text(document)
    for words in ("ỦY BAN NHÂN DÂN", "2496/UBND-KT", "Sở Công Thương", "trước ngày 15/4/2026"):
        assert words in text
    assert document.ocr and document.pages == 1
    assert progress == ["OCR trang 1/1 …"]
    (line, note), *_ = document.notes
    assert line == 1 and "read by OCR (Tesseract, vie)" in note and "check" in note


def scanned_plan() -> bytes:
    header = [
        "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
        "Số: 15/KH-UBND",
        "Lào Cai, ngày 05 tháng 3 năm 2026",
        "KẾ HOẠCH",
        "Kiểm tra vật liệu nổ công nghiệp năm 2026",
    ]
    table = [
        ["TT", "Nội dung", "Đơn vị chủ trì", "Thời gian"],
        ["1", "Kiểm tra mỏ đá số 1", "Sở Công Thương", "Quý II/2026"],
        ["2", "Kiểm tra mỏ đá số 2", "Công an tỉnh", "Quý III/2026"],
        ["3", "Tập huấn an toàn", "Sở Công Thương", "Tháng 9/2026"],
    ]
    return image_pdf(header, table=table, widths=[160, 700, 700, 560], size=44)


def test_a_scanned_table_is_found_from_its_rules_and_imported(
    tesseract: Tesseract, directory: Directory
) -> None:
    result = import_bytes(scanned_plan(), "scan.pdf", directory)
    tasks = result.plan.tasks
    assert [t.number for t in tasks] == ["1", "2", "3"]
    assert [t.lead for t in tasks] == [["Sở Công Thương"], ["Công an tỉnh"], ["Sở Công Thương"]]
    windows = [[(o.start.isoformat(), o.end.isoformat()) for o in t.occurrences] for t in tasks]
    assert windows == [
        [("2026-04-01", "2026-06-30")],
        [("2026-07-01", "2026-09-30")],
        [("2026-09-01", "2026-09-30")],
    ]
    assert any("read by OCR" in w.message for w in result.plan.warnings)


def test_the_cli_reports_ocr_progress_on_stderr_and_keeps_json_clean(
    tesseract: Tesseract, tmp_path: Path
) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_plan())
    result = CliRunner().invoke(app, ["plan", "import", str(scan), "--json"])
    assert result.exit_code == 0, result.stderr
    assert "OCR trang 1/1 …" in result.stderr
    assert "OCR trang" not in result.stdout
    plan = json.loads(result.stdout)  # nothing but the plan on stdout
    assert [t["number"] for t in plan["tasks"]] == ["1", "2", "3"]
    assert any("read by OCR" in w["message"] for w in plan["warnings"])


def garble(data: bytes) -> bytes:
    """The PDF with its ToUnicode maps broken the way corpus 09's are: letters map to
    other scripts' letters and to punctuation (byte lengths kept)."""

    def wrong(m: re.Match[bytes]) -> bytes:
        code = int(m.group(2), 16)
        if code == 0x20:
            return m.group(0)
        target = 0x0400 + code % 0x100 if code > 0x7F else (code + 7) % 0x60 + 0x20
        return m.group(1) + b"<%04X>" % target

    return re.sub(rb"(<[0-9A-F]{4}> )<([0-9A-F]{4})>", wrong, data)


def test_a_garbled_text_layer_is_detected_and_read_by_ocr(tesseract: Tesseract) -> None:
    maker = Maker(compress=False)
    maker.size = 16
    for line in LETTER:
        maker.line(line)
    clean = pdf_bytes(maker)
    broken = garble(clean)
    assert broken != clean and len(broken) == len(clean)
    document = read_pdf(broken, "garbled.pdf")
    assert document.ocr
    assert "Sở Công Thương" in all_text(document)
    assert "its text layer is garbled" in document.notes[0][1]
    assert not read_pdf(clean, "clean.pdf").ocr  # the same page, well encoded


def test_ocr_is_cached_by_content_and_engine(tesseract: Tesseract) -> None:
    data = image_pdf(LETTER)
    first = read_pdf(data, "scan.pdf")
    cached = Tesseract("/nonexistent/tesseract", tesseract.version, tesseract.lang, tesseract.dpi)
    again = read_pdf(data, "scan.pdf", tesseract=lambda: cached)  # never runs the program
    assert [ln.text for ln in again.lines] == [ln.text for ln in first.lines]
    other = Tesseract("/nonexistent/tesseract", "tesseract 9.9", tesseract.lang, tesseract.dpi)
    with pytest.raises(InputError, match="cannot run Tesseract"):
        read_pdf(data, "scan.pdf", tesseract=lambda: other)  # another version: not cached


def test_a_scan_without_tesseract_is_a_clear_error(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(image_pdf(LETTER))
    result = CliRunner().invoke(app, ["plan", "import", str(scan)], env={"PATH": str(tmp_path)})
    assert result.exit_code == 2
    assert str(scan) in result.stderr
    assert "Tesseract is not installed" in result.stderr
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_blank_scan_has_no_text_even_after_ocr(tesseract: Tesseract) -> None:
    with pytest.raises(InputError, match="no text found in this PDF even after OCR"):
        read_pdf(image_pdf([]), "blank.pdf")


def test_table_rules_are_found_in_an_image() -> None:
    image = Image.new("L", (1200, 800), 255)
    draw = ImageDraw.Draw(image)
    for y in (100, 300, 500):
        draw.line((100, y, 1100, y), fill=0, width=3)
    for x in (100, 600, 1100):
        draw.line((x, 100, x, 500), fill=0, width=3)
    draw.text((150, 150), "Sở Công Thương ---- ____", fill=0)  # text is not a rule
    found = rulings(image)
    horizontal = sorted(round(s[1]) for s in found if s[3] - s[1] < 5)
    vertical = sorted(round(s[0]) for s in found if s[2] - s[0] < 5)
    # Each rule as the band it covers (3 pixels wide, drawn centred on 100, 300, …).
    assert all(abs(h - y) <= 2 for h, y in zip(horizontal, (100, 300, 500), strict=True))
    assert all(abs(v - x) <= 2 for v, x in zip(vertical, (100, 600, 1100), strict=True))


@pytest.mark.parametrize(
    ("text", "garbled"),
    [
        ("ỦY BAN NHÂN DÂN TỈNH LÀO CAI. Giao Sở Công Thương chủ trì, phối hợp với các sở", False),
        ("6Ӣ CÔNG 7+ѬѪ1* &Ӝ1* HÒA XÃ +Ӝ, &+Ӫ 1*+Ƭ$ 9,ӊ7 NAM Ĉ2¬1 .,ӆ0 TRA 48<ӂ7 Ĉӎ1+", True),
        (
            "CQNG HOA XA HQI CHU NGHIA VIET NAM DQc l$p - Tg do - H4nh phric BIEN BAN KIEM TRA "
            "Thuc tG kho bio quin v$t tiQu n6 c6ng nghiQp tai khu vuc m6 d6 c6ng ty",
            True,
        ),
        ("UN Numbers list according to ADR Agreement 2025: 0004 0005 0006 0007 0009 0010", False),
    ],
)
def test_a_garbled_text_layer_is_told_from_vietnamese(text: str, garbled: bool) -> None:
    assert judge(text * 2).garbled is garbled


def test_numbers_a_garbled_text_layer_kept_right_replace_ocr_misreadings() -> None:
    def word(text: str, x0: float, top: float = 100.0) -> Word:
        return Word(text, x0, x0 + 8 * len(text), top, top + 12)

    ocr = [word("27/3/2023", 100), word("l", 20), word("Sở", 200), word("7KѭѫQJ", 300)]
    layer = [word("27/3/2025", 101), word("1", 21), word("6ӣ", 201), word("7+8", 300)]
    assert [w.text for w in repair_numbers(ocr, layer)] == ["27/3/2025", "1", "Sở", "7KѭѫQJ"]


@pytest.mark.parametrize(
    ("read", "printed"),
    [("I1/2026", "II/2026"), ("IU/2026.", "III/2026."), ("TII/2026", "III/2026"),
     ("1V/2026", "IV/2026"), ("11", "II"), ("2026", "2026"), ("VII/2026", "VII/2026")],
)  # fmt: skip
def test_the_quarter_after_quy_is_read_as_a_quarter(read: str, printed: str) -> None:
    assert quarter(read) == printed


SCANNED_ROWS = """KẾ HOẠCH
Kiểm tra an toàn vật liệu nổ công nghiệp năm 2026

| TT | Nhiệm vụ | Cơ quan chủ trì | Thời gian |
|---|---|---|---|
| 1. | Rà soát điều kiện của học viên | Sở Công Thương | Tháng 5/2026 |
| {second} | Xây dựng bài kiểm tra, đáp án | Sở Tư pháp | Tháng 6/2026 |
| 3. | Tổ chức chấm bài | Sở Công Thương | Quý III/2026 |
"""


@pytest.mark.parametrize(("ocr", "second"), [(True, "vỗ"), (True, "8:"), (False, "vỗ")])
def test_a_number_cell_ocr_misread_is_the_number_after_the_row_before(
    directory: Directory, ocr: bool, second: str
) -> None:
    from engine.agencies import AgencyMatcher
    from engine.plans.importer import Importer, read_document

    document = read_document(SCANNED_ROWS.format(second=second).encode(), "kh.md")
    document.ocr = ocr
    result = Importer(document, AgencyMatcher(directory)).run()
    numbers = [t.number for t in result.plan.tasks]
    messages = [w.message for w in result.plan.warnings]
    if ocr:  # "2." read as "vỗ" or "8:" by OCR
        assert numbers == ["1", "2", "3"]
        assert any(f"reads '{second}' (OCR): taken as 2" in m for m in messages), messages
    else:  # a text layer means what it says
        assert numbers == ["1", None, "3"]
