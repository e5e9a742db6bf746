"""A Word document as portals publish it: exported to PDF by LibreOffice, the installed
``soffice`` (``make system``). Set in Times New Roman, which LibreOffice replaces by
Liberation Serif (installed with Chromium): that font lacks many Vietnamese letters, so
each line's "ệ", "ụ", "ườ" are drawn from DejaVu after the rest of the line. The import
must read the same plan from the PDF as from the .docx."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document as new_document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from engine.agencies import Directory, load_directory
from engine.errors import InputError
from engine.plans.detect import detect_format
from engine.plans.doc import find_soffice
from engine.plans.importer import import_plan
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("english")

ROWS = [
    ["TT", "Nhiệm vụ thực hiện", "Người thực hiện", "Thời gian thực hiện"],
    ["1.", "Rà soát việc đáp ứng các điều kiện của học viên", "Sở Công Thương",
     "Trước ngày 30/5/2026"],
    ["2.", "Xây dựng bài kiểm tra, đáp án", "Sở Tư pháp", "Tháng 6/2026"],
    ["3.", "Tổ chức chấm bài, rà soát vào điểm", "Sở Công Thương", "Quý III/2026"],
]  # fmt: skip


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def soffice() -> str:
    found = find_soffice()
    if found is None:
        pytest.fail("LibreOffice is not installed (make system installs libreoffice-writer-nogui)")
    return found


def plan_word_file(
    path: Path,
    paragraphs: list[str],
    rows: list[list[str]],
    *,
    ruled: bool = True,
    centred: tuple[str, ...] = (),
) -> Path:
    """A plan as a Word file: its paragraphs in Times New Roman 13, then its table (with
    Word's "Table Grid" borders, or none); the paragraphs in ``centred`` centred."""
    doc: Any = new_document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    for text in paragraphs:
        paragraph = doc.add_paragraph(text)
        if text in centred:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    if ruled:
        table.style = "Table Grid"
    for r, texts in enumerate(rows):
        for c, text in enumerate(texts):
            table.cell(r, c).text = text
    doc.save(str(path))
    return path


HEAD = [
    "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
    "Số: 15/KH-UBND",
    "Lào Cai, ngày 05 tháng 3 năm 2026",
    "KẾ HOẠCH",
    "Kiểm tra, cấp giấy chứng nhận huấn luyện kỹ thuật an toàn năm 2026",
]


def word_file(tmp_path: Path) -> Path:
    return plan_word_file(
        tmp_path / "kh15.docx",
        [*HEAD, "Giao Sở Công Thương chủ trì, phối hợp với Sở Tư pháp và các cơ quan có liên "
         "quan tổ chức thực hiện các nhiệm vụ tại Phụ lục kèm theo.", "PHỤ LỤC"],
        ROWS,
    )  # fmt: skip


def exported(path: Path, to: str) -> Path:
    # its own profile, as engine.plans.doc converts: two LibreOffice runs sharing one
    # (tests on two workers) make the second fail
    profile = (path.parent / f"lo-profile-{path.stem}").as_uri()
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(path.parent),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return path.with_suffix(f".{to}")


def summary(path: Path, directory: Directory) -> list[tuple[str, str, list[str], str | None]]:
    plan = import_plan(path, directory).plan
    return [(t.key, t.title, t.lead, str(t.occurrences[-1].end)) for t in plan.tasks]


def test_a_word_file_exported_to_pdf_by_libreoffice_imports_as_the_word_file(
    tmp_path: Path, directory: Directory
) -> None:
    docx = word_file(tmp_path)
    expected = [
        ("1", "Rà soát việc đáp ứng các điều kiện của học viên", ["Sở Công Thương"], "2026-05-29"),
        ("2", "Xây dựng bài kiểm tra, đáp án", ["Sở Tư pháp"], "2026-06-30"),
        ("3", "Tổ chức chấm bài, rà soát vào điểm", ["Sở Công Thương"], "2026-09-30"),
    ]
    assert summary(docx, directory) == expected
    assert summary(exported(docx, "pdf"), directory) == expected


@pytest.mark.parametrize("to", ["rtf", "odt"])
def test_rtf_and_odt_files_are_converted_and_read_as_the_word_file(
    tmp_path: Path, directory: Directory, to: str
) -> None:
    docx = word_file(tmp_path)
    path = exported(docx, to)
    # portals often serve an RTF under a .doc name: the content decides, not the name
    disguised = path.rename(tmp_path / "kh15-tai-ve.doc")
    data = disguised.read_bytes()
    assert detect_format(data, disguised.name) == to
    result = import_plan(disguised, directory)
    assert summary(disguised, directory) == summary(docx, directory)
    assert f"converted from .{to} by LibreOffice: check it against the original" in [
        w.message for w in result.plan.warnings
    ]


def test_format_rtf_on_a_file_that_is_not_one_says_so(tmp_path: Path, directory: Directory) -> None:
    docx = word_file(tmp_path)
    with pytest.raises(InputError) as caught:
        import_plan(docx, directory, fmt="rtf")
    assert str(caught.value) == (
        f"{docx}: --format rtf, but this is not a Rich Text Format document (.rtf)"
    )


# A table set without borders, as many portals' Word files are: the text of a cell wraps
# to within a word's space of the next column, so no single line shows the gap between
# the last two columns, and the page break splits the last row.
BORDERLESS = [
    ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"],
    ["1", "Rà soát việc đáp ứng các điều kiện của học viên tham gia huấn luyện kỹ thuật an "
     "toàn vật liệu nổ công nghiệp", "Sở Khoa học và Công nghệ",
     "Sở Tài chính, Sở Nội vụ và UBND các huyện", "Trước ngày 30/5/2026"],
    ["2", "Xây dựng bộ đề kiểm tra, đáp án và thang điểm cho từng đối tượng huấn luyện",
     "Sở Tư pháp", "Sở Công Thương, Công an tỉnh", "Tháng 6/2026"],
    ["3", "Tổ chức chấm bài, rà soát vào điểm và công bố kết quả kiểm tra", "Sở Công Thương",
     "Sở Khoa học và Công nghệ", "Quý III/2026"],
    ["4", "Báo cáo kết quả thực hiện Kế hoạch", "Sở Nội vụ", "Các sở, ban, ngành",
     "Trước ngày 15/12/2026"],
]  # fmt: skip


def borderless_word_file(tmp_path: Path) -> Path:
    return plan_word_file(
        tmp_path / "kh15-khong-ke.docx",
        [*HEAD, "Các cơ quan tổ chức thực hiện các nhiệm vụ tại Phụ lục kèm theo.", "PHỤ LỤC"],
        BORDERLESS,
        ruled=False,
    )


def full(path: Path, directory: Directory) -> list[tuple[str, list[str], list[str], str | None]]:
    plan = import_plan(path, directory).plan
    return [(t.title, t.lead, t.coordinators, t.window_text) for t in plan.tasks]


def test_a_borderless_table_exported_to_pdf_reads_as_the_word_file(
    tmp_path: Path, directory: Directory
) -> None:
    docx = borderless_word_file(tmp_path)
    expected = full(docx, directory)
    assert expected[0][2:] == (["Sở Tài chính", "Sở Nội vụ và UBND các huyện"],
                               "Trước ngày 30/5/2026")  # fmt: skip
    assert expected[3] == (
        "Báo cáo kết quả thực hiện Kế hoạch",
        ["Sở Nội vụ"],
        ["Các sở, ban, ngành"],
        "Trước ngày 15/12/2026",
    )
    pdf = exported(docx, "pdf")
    assert full(pdf, directory) == expected


AGENCIES = ["Sở Tư pháp", "Sở Công Thương", "Sở Nội vụ", "Sở Tài chính", "Công an tỉnh"]
WHEN = ["Tháng 6/2026", "Quý III/2026", "Trước ngày 15/12/2026", "Thường xuyên"]


def long_borderless_word_file(tmp_path: Path) -> Path:
    """Thirty rows over several pages, and a "Ghi chú" column left empty: only the header
    names it, so no line of the rows shows where it starts."""
    rows = [["TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời gian hoàn thành", "Ghi chú"]]
    for n in range(1, 31):
        task = f"Triển khai nhiệm vụ số {n} về chuyển đổi số" + (
            ", rà soát, đánh giá và báo cáo kết quả thực hiện" * (n % 3)
        )
        rows.append([str(n), task, AGENCIES[n % 5], WHEN[n % 4], ""])
    title = ("KẾ HOẠCH", "Thực hiện chuyển đổi số năm 2026", "PHỤ LỤC")
    return plan_word_file(
        tmp_path / "kh16-khong-ke.docx",
        ["ỦY BAN NHÂN DÂN TỈNH LÀO CAI", "Số: 16/KH-UBND", "Lào Cai, ngày 05 tháng 3 năm 2026",
         *title],
        rows,
        ruled=False,
        centred=title,
    )  # fmt: skip


def test_a_long_borderless_table_over_several_pages_reads_as_the_word_file(
    tmp_path: Path, directory: Directory
) -> None:
    docx = long_borderless_word_file(tmp_path)
    expected = full(docx, directory)
    assert len(expected) == 30
    assert expected[4] == ("Triển khai nhiệm vụ số 5 về chuyển đổi số, rà soát, đánh giá và "
                           "báo cáo kết quả thực hiện, rà soát, đánh giá và báo cáo kết quả "
                           "thực hiện", ["Sở Tư pháp"], [], "Quý III/2026")  # fmt: skip
    assert full(exported(docx, "pdf"), directory) == expected
