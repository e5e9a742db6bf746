"""Text exports as they come: portal cell blocks, pipe tables (clean and broken), one cell
per line without tabs, fixed-width pages. Each document here is written for the test."""
# ruff: noqa: E501  (the test documents keep their lines as such exports print them)

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from engine.agencies import Directory, load_directory
from engine.plans.detect import detect_text_format
from engine.plans.importer import import_bytes, read_document
from engine.plans.model import PlanFile
from tests.conftest import ROOT

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def imported(text: str, directory: Directory, name: str = "plan.md") -> PlanFile:
    return import_bytes(text.encode(), name, directory).plan


def spans(plan: PlanFile) -> dict[str, tuple[date | None, date | None]]:
    out: dict[str, tuple[date | None, date | None]] = {}
    for task in plan.tasks:
        occ = task.occurrences
        out[task.key] = (occ[0].start, occ[-1].end) if occ else (None, None)
    return out


PORTAL = """|
Bản dịch này thuộc quyền sở hữu của **
THƯ VIỆN PHÁP LUẬT**. Mọi hành vi sao chép là vi phạm.
|
|
**Số hiệu:**
|
45/KH-UBND
|
|
**Tình trạng:**
|
Đã biết
|
|
**ỦY BAN NHÂN
DÂN**
TỈNH AN GIANG
--------
|
**CỘNG HÒA XÃ HỘI CHỦ
NGHĨA VIỆT NAM**
|
|
Số: 45/KH-UBND
|
*An Giang, ngày 03
tháng 3 năm 2025*
|


**KẾ HOẠCH**

PHÁT TRIỂN THƯƠNG MẠI ĐIỆN TỬ TRÊN ĐỊA BÀN
TỈNH ĐẾN NĂM 2027

Thực hiện Quyết định số 645/QĐ-TTg ngày 15/5/2020 của Thủ tướng
Chính phủ, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:

**I. MỤC
TIÊU**

|
**STT**
|
**Nhiệm vụ**
|
**Cơ quan chủ trì**
|
**Cơ quan phối hợp**
|
**Thời gian hoàn thành**
|
|
**I.
HẠ TẦNG**
|
|
1
|
Xây dựng sàn giao dịch thương mại
điện tử của tỉnh.
|
Sở KH&CN
|
Sở Công Thương; các sở, ngành
|
Quí IV-2025
|
|
2
|
Tập huấn kỹ năng bán hàng trực tuyến
cho doanh nghiệp.
|
Sở Công Thương
|
Hiệp hội Doanh nghiệp tỉnh
|
Thường xuyên
|
Văn bản này chưa cập nhật nội dung Tiếng Anh
## Văn bản liên quan
"""


def test_a_portal_page_is_read_past_its_banner_and_metadata_box(directory: Directory) -> None:
    assert detect_text_format(PORTAL) == "portal"
    plan = imported(PORTAL, directory)
    assert plan.number == "45/KH-UBND"
    assert plan.issuer == "Ủy ban nhân dân tỉnh An Giang"
    assert plan.issued_on == date(2025, 3, 3)
    assert plan.title.startswith("Kế hoạch phát triển thương mại điện tử trên địa bàn tỉnh")
    assert (plan.period.start, plan.period.end) == (2025, 2027)  # "ĐẾN NĂM 2027"
    assert [t.title for t in plan.tasks] == [
        "Xây dựng sàn giao dịch thương mại điện tử của tỉnh.",
        "Tập huấn kỹ năng bán hàng trực tuyến cho doanh nghiệp.",
    ]
    assert plan.tasks[0].section == "I. HẠ TẦNG"
    assert plan.tasks[0].lead == ["Sở Khoa học và Công nghệ"]  # "Sở KH&CN" written out
    assert spans(plan) == {
        "1": (date(2025, 10, 1), date(2025, 12, 31)),  # "Quí IV-2025"
        "2": (date(2025, 1, 1), date(2027, 12, 31)),  # "Thường xuyên": the whole period
    }
    assert any("printed 'Sở KH&CN'" in w.message for w in plan.warnings)


def test_a_portal_page_joins_its_hard_wrapped_paragraphs() -> None:
    doc = read_document(PORTAL.encode(), "plan.md")
    texts = [line.text for line in doc.lines]
    assert "THƯ VIỆN PHÁP LUẬT" not in " ".join(texts)  # the banner is left out
    assert "I. MỤC TIÊU" in texts  # a bold heading split over two lines
    assert (
        "Thực hiện Quyết định số 645/QĐ-TTg ngày 15/5/2020 của Thủ tướng Chính phủ, Ủy ban "
        "nhân dân tỉnh ban hành Kế hoạch như sau:"
    ) in texts
    assert not any("Văn bản liên quan" in t for t in texts)  # the site's lists after it


BROKEN_PIPES = """**NGHỊ QUYẾT**

## KẾ HOẠCH

### SỬA ĐỔI CÁC NGHỊ QUYẾT VỀ TỔ CHỨC BỘ MÁY

*(Ban hành kèm theo Nghị quyết số 77/NQ-UBTVQH15 ngày 20 tháng 12 năm 2024 của Ủy ban Thường vụ Quốc hội)*

| TT | Tên văn bản | Cơ quan trình | Cơ quan soạn thảo | Cơ quan thẩm tra | Tiến độ | Hồ sơ | |
|
| I. Văn bản của Quốc hội |
| |||||
| | Luật sửa đổi Luật Tổ chức Quốc hội | Ủy ban Thường vụ Quốc hội | Ban soạn thảo
| - Ủy ban Pháp luật chủ trì thẩm tra[1]
| - Trình tại Phiên họp thứ 42 (tháng 02/2025); - Thông qua tại Kỳ họp thứ 9 (tháng 5/2025) | Tờ trình | |
| II. Văn bản của Ủy ban Thường vụ Quốc hội | |||||||
| | Nghị quyết về Viện Nghiên cứu lập pháp | Ban Công tác đại biểu |
Ban Công tác đại biểu (Viện phối hợp) |
| Trình UBTVQH thông qua trước ngày 10/01/2025 | Tờ trình | |
| Nghị quyết về Ban Dân nguyện | Ban Dân nguyện | Ban Dân nguyện | Ủy ban Pháp luật | Theo kết quả rà soát | Tờ trình | ||

[1] Chú thích.
"""


def test_a_broken_pipe_table_is_put_back_together(directory: Directory) -> None:
    assert detect_text_format(BROKEN_PIPES) == "pipes"
    plan = imported(BROKEN_PIPES, directory)
    assert plan.number == "77/NQ-UBTVQH15"  # from the caption: there is no header block
    assert plan.issued_on == date(2024, 12, 20)
    assert (plan.period.start, plan.period.end) == (2024, 2025)  # issue year to last step
    titles = [t.title for t in plan.tasks]
    assert titles == [
        "Luật sửa đổi Luật Tổ chức Quốc hội",
        "Nghị quyết về Viện Nghiên cứu lập pháp",
        "Nghị quyết về Ban Dân nguyện",  # its empty TT cell left out by the export
    ]
    leads = [t.lead for t in plan.tasks]  # the drafting body, not the submitting one
    assert leads == [
        ["Ban soạn thảo"],
        ["Ban Công tác đại biểu (Viện phối hợp)"],
        ["Ban Dân nguyện"],
    ]
    assert [t.section for t in plan.tasks] == [
        "I. Văn bản của Quốc hội",
        "II. Văn bản của Ủy ban Thường vụ Quốc hội",
        "II. Văn bản của Ủy ban Thường vụ Quốc hội",
    ]
    assert list(spans(plan).values()) == [
        (date(2025, 2, 1), date(2025, 5, 31)),  # from the first step to the last
        (None, date(2025, 1, 9)),  # "trước ngày 10/01/2025"
        (None, None),  # "Theo kết quả rà soát": no date
    ]


def test_a_clean_pipe_table_with_a_two_column_header_block(directory: Directory) -> None:
    text = (
        "| THỦ TƯỚNG CHÍNH PHỦ ------- | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\n"
        "| --- | --- |\n"
        "| Số: 12/QĐ-TTg | *Hà Nội, ngày 24 tháng 01 năm 2025* |\n"
        "QUYẾT ĐỊNH\n"
        "PHÊ DUYỆT ĐỀ ÁN PHÁT TRIỂN THỊ TRƯỜNG\n"
        "| TT | Nhiệm vụ và giải pháp | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian thực hiện |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| I | Nhóm nhiệm vụ về hàng hóa |  |  |  |\n"
        "| 1 | Xây dựng kế hoạch giảm phát thải. | Bộ Tài chính | Các bộ | 2025 - 2030 |\n"
        "| 2 | Thiết lập hệ thống đăng ký. | Bộ Tài chính | Các bộ | Thực hiện thường xuyên, liên tục |\n"
    )
    plan = imported(text, directory)
    assert plan.issuer == "Thủ tướng Chính phủ"
    assert plan.number == "12/QĐ-TTg"
    assert (plan.period.start, plan.period.end) == (2025, 2030)  # to the last year of a window
    assert [t.key for t in plan.tasks] == ["I.1", "I.2"] or [t.key for t in plan.tasks] == [
        "1",
        "2",
    ]
    assert spans(plan)[plan.tasks[1].key] == (date(2025, 1, 1), date(2030, 12, 31))


CELLS = """\ufeffQUY TRÌNH
NỘI BỘ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH
 (Kèm theo Quyết định số:         /QĐ-UBND ngày       /4/2026
của Chủ tịch Ủy ban nhân dân tỉnh Lào Cai)

\tI. THỦ TỤC GIẢI QUYẾT TRONG 03 NGÀY LÀM VIỆC\t

Thứ tự      các bước

Nội dung công việc
Đơn vị/cá nhân          thực hiện
Thời gian thực hiện
(tính theo ngày, giờ làm việc)
Tổng thời gian giải quyết thủ tục hành chính
3 ngày
Bước 1
Tiếp nhận hồ sơ tại Trung tâm Phục vụ Hành chính công:
- Kiểm tra, tiếp nhận hồ sơ
- Chuyển hồ sơ cho phòng chuyên môn
Công chức của
Sở trực tại Trung tâm
1 giờ
Bước 2
Thẩm định hồ sơ.
Lãnh đạo phòng chuyên môn
(P.QLCN)
2 ngày
Bước 3
UBND tỉnh xem xét:
- Trường hợp đủ điều kiện, ký kết quả.

- Lãnh đạo UBND tỉnh;
- Chuyên viên UBND tỉnh
\f
01 ngày
"""


def test_one_cell_per_line_without_tabs_is_cut_at_the_step_numbers(directory: Directory) -> None:
    plan = imported(CELLS, directory, "quy-trinh.txt")
    assert [t.number for t in plan.tasks] == ["1", "2", "3"]  # the total row is not a task
    assert [t.lead for t in plan.tasks] == [
        ["Công chức của Sở trực tại Trung tâm"],  # one name broken over two lines
        ["Lãnh đạo phòng chuyên môn (P.QLCN)"],
        ["Lãnh đạo UBND tỉnh", "Chuyên viên UBND tỉnh"],
    ]
    assert plan.tasks[0].title.startswith("Tiếp nhận hồ sơ tại Trung tâm")
    assert [t.window_text for t in plan.tasks] == ["1 giờ", "2 ngày", "01 ngày"]
    assert all(not t.occurrences for t in plan.tasks)  # durations have no calendar dates
    assert (plan.period.start, plan.period.end) == (2026, 2026)  # the caption's "/4/2026"
    assert any("issued_on is null" in w.message for w in plan.warnings)


FIXED_WIDTH = """BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
                                                      Độc lập - Tự do - Hạnh phúc
       Số: 9389 /BNNMT-BĐKH
                                                    Hà Nội, ngày 20 tháng 11 năm 2025
    V/v triển khai thực hiện các quy định
pháp luật về giảm nhẹ phát thải khí nhà kính
                 Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương
               Để triển khai thực hiện các quy định mới được ban hành, Bộ Nông nghiệp
        và Môi trường đề nghị Ủy ban nhân dân các tỉnh chỉ đạo thực hiện một số
        nhiệm vụ chủ yếu, cụ thể như sau:
               a) Rà soát số liệu của các cơ sở phát thải khí nhà kính, gửi về Bộ
        trước ngày 30 tháng 6 hằng năm.
                                          2
               b) Báo cáo kết quả kiểm kê khí nhà kính hằng năm kể từ năm 2027.
        Các nội dung này được thực hiện theo quy định hiện hành của pháp luật về
        môi trường và các văn bản hướng dẫn có liên quan đến công tác này.
               c) Phối hợp với Bộ Nông nghiệp và Môi trường triển khai thực hiện các quy
        định về tăng cường hấp thụ khí nhà kính trong việc thu thập số liệu, tính toán
        mức hấp thụ khí nhà kính tại các vùng sinh thái và theo từng tỉnh, thành phố
        trực thuộc trung ương để tổng hợp trong báo cáo kết quả kiểm kê khí nhà kính.
               d) Chỉ đạo cơ quan chuyên môn hướng dẫn các cơ sở thuộc danh mục thực hiện
        kiểm kê khí nhà kính, xây dựng và thực hiện kế hoạch giảm nhẹ phát thải khí
        nhà kính theo quy định, bảo đảm đúng tiến độ và chất lượng của số liệu báo cáo.
"""


def test_a_fixed_width_page_is_joined_into_paragraphs() -> None:
    doc = read_document(FIXED_WIDTH.encode(), "cv.txt")
    texts = [line.text for line in doc.lines]
    assert "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG" in texts  # the header block's two columns
    assert "Số: 9389 /BNNMT-BĐKH" in texts
    assert "Hà Nội, ngày 20 tháng 11 năm 2025" in texts
    assert (
        "a) Rà soát số liệu của các cơ sở phát thải khí nhà kính, gửi về Bộ trước ngày 30 "
        "tháng 6 hằng năm."
    ) in texts
    assert "2" not in texts  # the page number


def test_plan_import_prints_the_tasks_it_found_on_stderr(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli.app import app

    path = tmp_path / "ke-hoach.md"
    path.write_text(PORTAL, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["number"] == "45/KH-UBND"  # stdout stays JSON
    review = result.stderr.splitlines()
    assert review[1].split() == ["#", "task", "lead", "window", "read", "as", "from"]
    assert review[2].startswith("1 ") and "Sở Khoa học và Công nghệ" in review[2]
    assert "01/10/2025–31/12/2025" in review[2] and review[2].endswith("table 2 row 3")
    quiet = CliRunner().invoke(app, ["plan", "import", str(path), "--json", "--no-review"])
    assert len(quiet.stderr.splitlines()) == 2  # the summary and the reminder only


def test_an_empty_file_says_so(directory: Directory) -> None:
    from engine.errors import InputError

    with pytest.raises(InputError, match="the file is empty"):
        import_bytes(b"  \n\n", "ke-hoach.docx", directory)
    with pytest.raises(InputError, match="no recognisable appendix table"):
        import_bytes("MẪU ĐƠN\nTên doanh nghiệp: ……\n".encode(), "mau.txt", directory)


PROCEDURES = """|
**ỦY BAN NHÂN
DÂN**
TỈNH HÀ TĨNH
--------
|
**CỘNG HÒA XÃ HỘI CHỦ
NGHĨA VIỆT NAM**
|
|
Số: 3005/QĐ-UBND
|
*Hà Tĩnh, ngày 01 tháng 12 năm 2025*
|


**QUYẾT ĐỊNH**

Về việc công bố danh mục thủ tục hành chính lĩnh vực giám định

**Điều 1.** Công bố kèm theo Quyết định này danh mục thủ tục hành chính.

**Điều 2.** Giao Sở Y tế chủ trì, phối hợp với Văn phòng UBND tỉnh xây dựng
quy trình điện tử giải quyết thủ tục hành chính, hoàn thành trước ngày 31/12/2025.

**Điều 3.** Quyết định này có hiệu lực kể từ ngày ký./.
|
*Nơi nhận:*
- Như Điều 3;
- Lưu: VT.
|
**KT. CHỦ TỊCH **
**PHÓ CHỦ TỊCH**
**Nguyễn Văn A**
|
**DANH MỤC THỦ TỤC HÀNH CHÍNH LĨNH VỰC GIÁM ĐỊNH THUỘC THẨM QUYỀN GIẢI
QUYẾT CỦA SỞ Y TẾ**
|
**TT**
|
**Tên thủ tục hành
chính**
|
**Mã TTHC**
|
**Thời hạn giải
quyết**
|
**Địa điểm thực
hiện**
|
**Phí, lệ phí**
|
**Căn cứ pháp lý**
|
|
1
|
Bổ nhiệm giám định viên pháp y
|
1.013871
|
20 ngày kể từ ngày nhận đủ hồ sơ hợp lệ
|
Trung tâm Phục vụ hành chính công tỉnh
|
Không
|
- Luật Giám định tư pháp năm 2012 và Luật sửa đổi năm 2020;
|
|
2
|
Miễn nhiệm giám định viên pháp y
|
1.013876
|
10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ
|
Như trên
|
Không
|
Như trên
|
"""


def test_a_catalogue_of_procedures_after_the_signature_is_not_a_task_table(
    directory: Directory,
) -> None:
    """A decision publishing administrative procedures: the page glues the catalogue's
    caption and header to the signature block (no blank line between them), and the
    catalogue names no lead agency; its "time" is how long a procedure takes and its
    cited laws carry years. The task is the one the body assigns."""
    plan = imported(PROCEDURES, directory)
    assert [(t.title[:40], t.lead) for t in plan.tasks] == [
        ("Giao Sở Y tế chủ trì, phối hợp với Văn p", ["Sở Y tế"])
    ]
    assert spans(plan) == {plan.tasks[0].key: (None, date(2025, 12, 30))}  # "trước ngày 31/12"
    document = read_document(PROCEDURES.encode(), "plan.md")
    signature = [t for t in document.tables if t.rows[0].texts[0].startswith("Nơi nhận")]
    assert [len(t.rows[0].cells) for t in signature] == [2]  # the caption is not a cell
