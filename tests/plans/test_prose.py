"""Tasks written in the body of a document (``engine.plans.prose``): each shape of the
genre in a small document of its own, the windows found inside sentences, what is not
a task, and the real prose documents of the corpus."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from engine.agencies import Directory, load_directory
from engine.cli import app
from engine.errors import InputError
from engine.plans.importer import ImportResult, import_bytes, parse_window
from engine.plans.model import PlanTask
from engine.plans.prose import when
from tests.conftest import ROOT

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

HANOI = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI
Số: 12/KH-UBND
Hà Nội, ngày 05 tháng 01 năm 2026
KẾ HOẠCH
{title}
{body}
Nơi nhận:
- Như trên;
- Lưu: VT.
"""


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def imported(body: str, directory: Directory, *, title: str = "Thực hiện năm 2026") -> ImportResult:
    text = HANOI.format(title=title, body=body.strip())
    return import_bytes(text.encode(), "prose.md", directory)


def by_title(result: ImportResult) -> dict[str, PlanTask]:
    return {task.title[:30]: task for task in result.plan.tasks}


def window(task: PlanTask) -> tuple[date | None, date | None]:
    if not task.occurrences:
        return None, None
    starts = [o.start for o in task.occurrences if o.start]
    return min(starts, default=None), max(o.end for o in task.occurrences)


# -- label blocks ---------------------------------------------------------------------

LABELS = """
I. MỤC TIÊU
1. 100% cán bộ được tập huấn.
II. NHIỆM VỤ, GIẢI PHÁP
**1. Rà soát đội ngũ cán bộ**
- Rà soát, kiện toàn đội ngũ cán bộ làm công tác pháp chế.
*Đơn vị chủ trì thực hiện: *Các sở, ngành.
*Đơn vị phối hợp: *Sở Nội vụ, Sở Tư pháp.
*Thời gian thực hiện: *Thường xuyên.
**2. Bồi dưỡng kỹ năng**
- Tăng cường giáo dục chính trị cho đội ngũ cán bộ.
- Nâng cao ý thức trách nhiệm của đội ngũ cán bộ.
*Đơn vị thực hiện: *Các sở, ngành.
*Thời gian thực hiện: *Hằng năm.
- Tổ chức hội thảo chuyên đề về xây dựng pháp luật.
*Đơn vị chủ trì: *Sở Tư pháp.
*Thời gian thực hiện: *Quý III/2026.
III. TỔ CHỨC THỰC HIỆN
Sở Tài chính chủ trì, phối hợp với các sở bố trí kinh phí thực hiện Kế hoạch.
"""


def test_a_label_block_is_one_task_with_its_lead_and_time(directory: Directory) -> None:
    result = imported(LABELS, directory, title="Giai đoạn 2026 - 2030")
    tasks = result.plan.tasks
    assert len(tasks) == 3  # targets and "Tổ chức thực hiện" are not tasks here
    first = tasks[0]
    assert first.title.startswith("Rà soát đội ngũ cán bộ")
    assert "kiện toàn đội ngũ cán bộ" in (first.content or "")
    assert first.lead == ["Các sở, ban, ngành Thành phố"]  # the directory's name
    assert first.coordinators == ["Sở Nội vụ", "Sở Tư pháp"]
    assert window(first) == (date(2026, 1, 1), date(2030, 12, 31))  # Thường xuyên
    assert first.source is not None and first.source.read_from == "text"


ONE_LINE_LABELS = """
III. NHIỆM VỤ TRỌNG TÂM
1. Phát triển các khu, cụm công nghiệp theo hướng xanh
- Rà soát, tham mưu điều chỉnh quy hoạch các khu công nghiệp.
- Đôn đốc hoàn thiện hạ tầng kỹ thuật tại các khu công nghiệp.
Đơn vị chủ trì: Sở Công Thương; Đơn vị phối hợp: Sở Xây dựng, Sở Tài chính. Thời gian: Năm 2026.
2. Phát triển nguồn nhân lực cho công nghiệp
- Phối hợp xây dựng kế hoạch đào tạo lao động có kỹ năng chuyên sâu.
Đơn vị chủ trì: Sở Nội vụ; Đơn vị phối hợp: Sở Công Thương.
"""


def test_one_line_may_hold_the_lead_the_coordinators_and_the_time(
    directory: Directory,
) -> None:
    task, other = imported(ONE_LINE_LABELS, directory).plan.tasks
    assert (other.lead, other.coordinators) == (["Sở Nội vụ"], ["Sở Công Thương"])
    assert task.lead == ["Sở Công Thương"]
    assert task.coordinators == ["Sở Xây dựng", "Sở Tài chính"]
    assert window(task) == (date(2026, 1, 1), date(2026, 12, 31))


CONCLUSIONS = """
I. ĐÁNH GIÁ CHUNG
Thành phố đã đạt được nhiều kết quả tích cực trong năm 2025.
II. VỀ MỘT SỐ KIẾN NGHỊ CỦA THÀNH PHỐ
1. Về kiến nghị hỗ trợ vốn đầu tư các tuyến đường vành đai:
Giao Sở Tài chính nghiên cứu kiến nghị khi tổng hợp nhu cầu vốn, báo cáo cấp có thẩm quyền.
Sau khi phương án được thông qua, Sở Xây dựng khẩn trương hoàn thiện hồ sơ trong tháng 12/2026.
2. Về đề nghị hướng dẫn xây dựng bộ tiêu chí đánh giá cán bộ:
Sở Nội vụ khẩn trương hoàn thiện bộ tiêu chí, trình UBND Thành phố trong quý IV/2026.
"""


def test_the_paragraphs_under_a_topic_heading_are_its_tasks(directory: Directory) -> None:
    tasks = imported(CONCLUSIONS, directory).plan.tasks
    assert [(task.lead, window(task)) for task in tasks] == [
        (["Sở Tài chính"], (None, None)),
        (["Sở Xây dựng"], (date(2026, 12, 1), date(2026, 12, 31))),
        (["Sở Nội vụ"], (date(2026, 10, 1), date(2026, 12, 31))),
    ]


# A conclusion's topics that assign on their own line, after the colon, as the Văn phòng
# Chính phủ writes them; a topic whose text after the colon names no agency is no task.
INLINE_TOPICS = """
I. ĐÁNH GIÁ CHUNG
Thành phố đã đạt được nhiều kết quả tích cực trong năm 2025.
II. VỀ MỘT SỐ KIẾN NGHỊ CỦA THÀNH PHỐ
1. Về hỗ trợ kinh phí xây dựng bệnh án điện tử: Giao Sở Tài chính chủ trì, \
phối hợp với Sở Y tế tổng hợp kiến nghị, báo cáo UBND Thành phố trong tháng 12/2026.
2. Về dự án nạo vét luồng tàu vào cảng: Sở Xây dựng khẩn trương rà soát, bàn giao dự án, \
báo cáo kết quả trước ngày 15 tháng 11 năm 2026.
3. Về hỗ trợ xe chuyên dùng: Thành phố căn cứ quy định hiện hành để bố trí xe phục vụ công tác.
4. Về mô hình chính quyền địa phương 02 cấp: tăng số lượng cấp phó tại các phòng chuyên môn: \
giao Sở Nội vụ chủ trì, nghiên cứu, báo cáo trong quý IV/2026.
"""


def test_a_topic_that_assigns_after_its_colon_is_that_agencys_task(
    directory: Directory,
) -> None:
    tasks = imported(INLINE_TOPICS, directory).plan.tasks
    assert [(task.number, task.lead, task.coordinators, window(task)) for task in tasks] == [
        ("1", ["Sở Tài chính"], ["Sở Y tế"], (date(2026, 12, 1), date(2026, 12, 31))),
        ("2", ["Sở Xây dựng"], [], (None, date(2026, 11, 14))),
        ("4", ["Sở Nội vụ"], [], (date(2026, 10, 1), date(2026, 12, 31))),
    ]
    assert tasks[0].title.startswith("Về hỗ trợ kinh phí xây dựng bệnh án điện tử: Giao Sở")


ACTIVITIES = """
Căn cứ Quyết định số 2232/QĐ-TTg phê duyệt “Chương trình phòng ngừa giai đoạn 2021
- 2025”;
Ủy ban nhân dân Thành phố ban hành Kế hoạch như sau:
I. MỤC ĐÍCH, YÊU CẦU
- Nâng cao nhận thức của cộng đồng về bình đẳng giới.
II. NỘI DUNG HOẠT ĐỘNG
1. Nâng cao nhận thức về phòng ngừa bạo lực trên cơ sở giới
a) Hoạt động 1
- Nội dung: Triển khai Tháng hành động vì bình đẳng giới.
- Cơ quan thực hiện: Sở Nội
vụ chủ trì, phối hợp với Sở Tư pháp và các đơn vị có liên quan.
b) Hoạt động 2
- Nội dung: Tuyên truyền trên các phương tiện truyền thông đại chúng.
- Cơ quan thực hiện:
+ Sở Văn hóa và Thể thao chủ trì, phối hợp với Sở Tư pháp tổ chức tuyên truyền.
+ Sở Xây dựng đăng tải thông điệp trên bảng quang báo giao thông.
2. Duy trì các mô hình hỗ trợ
a) Hoạt động 1
- Nội dung:
+ Tổng kết mô hình một cửa hỗ trợ phụ nữ và trẻ em.
+ Tập huấn nâng cao năng lực cho đội ngũ cán bộ.
- Cơ quan thực hiện: Sở Y tế chủ trì, phối hợp với các sở, ngành.
"""


def test_activities_with_content_and_agency_labels(directory: Directory) -> None:
    tasks = imported(ACTIVITIES, directory).plan.tasks
    assert [(t.key, t.lead, t.coordinators) for t in tasks] == [
        ("1.a", ["Sở Nội vụ"], ["Sở Tư pháp", "Các đơn vị có liên quan"]),
        ("1.b", ["Sở Văn hóa và Thể thao", "Sở Xây dựng"], ["Sở Tư pháp"]),
        ("2", ["Sở Y tế"], ["Các sở, ban, ngành Thành phố"]),  # one activity: the heading
    ]
    assert tasks[0].title == "Hoạt động 1: Triển khai Tháng hành động vì bình đẳng giới."


def test_two_items_before_one_label_block_are_one_task(directory: Directory) -> None:
    group = imported(LABELS, directory, title="Giai đoạn 2026 - 2030").plan.tasks[1]
    assert group.title.startswith("Tăng cường giáo dục chính trị")
    assert "Nâng cao ý thức trách nhiệm" in (group.content or "")
    assert group.number == "2"
    assert len(group.occurrences) == 5  # Hằng năm: one per year of 2026-2030


def test_an_item_with_its_own_labels_is_its_own_task(directory: Directory) -> None:
    workshop = imported(LABELS, directory, title="Giai đoạn 2026 - 2030").plan.tasks[2]
    assert workshop.lead == ["Sở Tư pháp"]
    assert window(workshop) == (date(2026, 7, 1), date(2026, 9, 30))


DASH_LABELS = """
II. NỘI DUNG KẾ HOẠCH
1. Tuyên truyền, phổ biến nội dung Luật.
- Cơ quan thực hiện: Sở Tư pháp; Sở Công Thương và các sở, ngành có liên quan.
- Thời gian thực hiện: Quý IV năm 2026 và các năm tiếp theo.
2. Góp ý dự thảo văn bản
2.1. Góp ý dự thảo Nghị định
a) Nghị định quy định chi tiết thi hành Luật.
- Cơ quan chủ trì: Sở Tư pháp.
- Cơ quan phối hợp: Các sở, ngành có liên quan.
- Thời gian thực hiện: Theo tiến độ của cơ quan soạn thảo.
b) Nghị định quy định điều kiện kinh doanh.
- Cơ quan chủ trì: Sở Công Thương.
- Thời gian thực hiện: Từ 01/7/2026.
3. Tổ chức hỗ trợ thi hành Luật
- Các nội dung hỗ trợ bao gồm:
+ Hướng dẫn áp dụng văn bản;
+ Tiếp nhận kiến nghị.
- Cơ quan thực hiện: Các sở, ngành có liên quan.
4.
Triển khai Chiến lược quốc gia sau khi được ban hành
"""


def test_dash_labels_sub_items_and_an_unlabelled_sibling(directory: Directory) -> None:
    result = imported(DASH_LABELS, directory, title="Giai đoạn 2026 - 2027")
    keys = [task.key for task in result.plan.tasks]
    assert keys == ["1", "2.1.a", "2.1.b", "3", "4"]
    first, a, b, support, strategy = result.plan.tasks
    assert first.lead == ["Sở Tư pháp", "Sở Công Thương", "các sở, ngành có liên quan"]
    assert window(first) == (date(2026, 10, 1), date(2027, 12, 31))  # … các năm tiếp theo
    assert a.lead == ["Sở Tư pháp"] and a.occurrences == []  # relative: no dates
    assert a.window_text == "Theo tiến độ của cơ quan soạn thảo."
    assert window(b) == (date(2026, 7, 1), date(2027, 12, 31))  # "Từ 01/7/2026": onwards
    assert "Tiếp nhận kiến nghị" in (support.content or "")  # its + items are its text
    assert support.lead == ["Các sở, ngành có liên quan"]
    assert strategy.title.startswith("Triển khai Chiến lược") and strategy.lead == []


# -- agency headings -----------------------------------------------------------------

HEADINGS = """
Ủy ban nhân dân Thành phố yêu cầu các cơ quan, đơn vị thực hiện các nhiệm vụ sau:
1. Sở Công Thương:
a) Chủ trì, phối hợp với Sở Tài chính rà soát cơ chế hỗ trợ, trình UBND trong quý III năm 2026.
b) Phối hợp với các sở, ngành chỉ đạo, hướng dẫn triển khai:
- Xây dựng hạ tầng cụm công nghiệp đúng tiến độ.
- Thu hút đầu tư có chọn lọc.
2. Sở Tài chính:
Chủ trì tham mưu bố trí kinh phí thực hiện Kế hoạch theo quy định, báo cáo định kỳ hằng năm.
3. Bộ Chỉ huy Quân sự tỉnh/Ban Chỉ huy Bộ đội Biên phòng tỉnh
- Thường xuyên phối hợp kiểm tra khu vực biên giới.
4. Trách nhiệm của các tổ chức, doanh nghiệp hoạt động trong lĩnh vực vật liệu nổ
a) Chấp hành nghiêm các quy định pháp luật.
5. Các sở, ngành khác trong phạm vi chức năng, nhiệm vụ, tăng cường công tác quản lý nhà nước.
6. Các sở, ngành và UBND các xã, phường chỉ đạo thực hiện tốt Kế hoạch này và báo cáo kết quả.
"""


def test_the_items_of_an_agency_heading_are_its_tasks(directory: Directory) -> None:
    tasks = imported(HEADINGS, directory).plan.tasks
    assert [t.key for t in tasks] == ["1.a", "1.b", "2", "3.d1", "4.a", "5"]
    assert {t.key: t.lead for t in tasks}["1.a"] == ["Sở Công Thương"]
    assert tasks[0].coordinators == ["Sở Tài chính"]
    assert window(tasks[0]) == (date(2026, 7, 1), date(2026, 9, 30))
    assert "Thu hút đầu tư" in (tasks[1].content or "")  # sub-points are part of 1.b
    assert tasks[2].lead == ["Sở Tài chính"]  # a heading with one paragraph: one task
    assert window(tasks[2]) == (date(2026, 1, 1), date(2026, 12, 31))  # định kỳ hằng năm
    assert tasks[3].lead == ["Bộ Chỉ huy Quân sự tỉnh", "Ban Chỉ huy Bộ đội Biên phòng tỉnh"]
    assert tasks[3].occurrences == []  # "Thường xuyên phối hợp" is an adverb, not a window
    assert tasks[4].lead == ["các tổ chức, doanh nghiệp hoạt động trong lĩnh vực vật liệu nổ"]
    assert tasks[5].lead == ["Các sở, ngành khác"]  # an item opening with its agency


def test_the_closing_clause_of_a_list_is_not_a_task(directory: Directory) -> None:
    titles = [t.title for t in imported(HEADINGS, directory).plan.tasks]
    assert not any("Kế hoạch này" in title for title in titles)


# -- assignment sentences ---------------------------------------------------------------

NOTICE = """
Phó Chủ tịch kết luận như sau:
1. Về những nội dung còn có ý kiến khác nhau:
(1) Về việc phê duyệt: giao Sở Công Thương làm chủ Chương trình.
2. Trong thời gian tới, yêu cầu các sở, ngành tập trung thực hiện một số nhiệm vụ như sau:
(1) Giao Sở Công Thương chủ trì, phối hợp với Sở Tài chính hoàn thiện hồ sơ trước ngày 01/10/2026.
(2) Đề nghị Sở Xây dựng và Sở Tài chính phối hợp chặt chẽ với Sở Công Thương thẩm định hồ sơ.
(3) Sau khi được HĐND thông qua, các sở, ngành, địa phương tập trung thực hiện Chương trình.
Văn phòng thông báo để các cơ quan liên quan biết, thực hiện./.
"""


def test_numbered_assignments_with_giao_de_nghi_and_an_opening_clause(
    directory: Directory,
) -> None:
    tasks = imported(NOTICE, directory).plan.tasks
    assert [t.key for t in tasks] == ["2.1", "2.2", "2.3"]  # "Về …" points are not tasks
    assert tasks[0].lead == ["Sở Công Thương"] and tasks[0].coordinators == ["Sở Tài chính"]
    assert window(tasks[0]) == (None, date(2026, 9, 30))  # trước ngày D ends on D−1
    assert tasks[1].lead == ["Sở Xây dựng", "Sở Tài chính"]
    assert tasks[2].lead == ["các sở, ngành, địa phương"]


PARTY = """
IV. TỔ CHỨC THỰC HIỆN
1. Đề nghị các cấp ủy Đảng, các tổ chức chính trị - xã hội thành phố: Phối hợp chặt chẽ với \
chính quyền các cấp tuyên truyền, vận động Nhân dân hưởng ứng phong trào thi đua năm 2026.
2. Sở Nội vụ: Hướng dẫn, tổng hợp kết quả và đề xuất khen thưởng trong tháng 12/2026.
"""


def test_the_party_committees_asked_in_a_heading_are_the_lead(directory: Directory) -> None:
    first, second = imported(PARTY, directory).plan.tasks
    assert first.lead[0].startswith("các cấp ủy Đảng")
    assert second.lead == ["Sở Nội vụ"]


ONE_SENTENCE = """
Về đề nghị của Sở Công Thương tại Văn bản số 225/SCT ngày 02/4/2026, Chủ tịch có ý kiến như sau:
Giao Sở Công Thương chủ trì, phối hợp với Sở Tư pháp nghiên cứu, trình UBND xong trước 30/6.
Căn cứ ý kiến chỉ đạo trên, Sở Công Thương và các đơn vị liên quan triển khai thực hiện./.
"""


def test_a_single_giao_sentence_is_the_task(directory: Directory) -> None:
    result = imported(ONE_SENTENCE, directory)
    (task,) = result.plan.tasks
    assert task.lead == ["Sở Công Thương"]
    assert task.coordinators[0] == "Sở Tư pháp"
    assert window(task) == (None, date(2026, 6, 29))  # no year: the plan's one year
    assert task.source is not None and task.source.read_from == "text"
    assert task.source_lines is not None and task.source_lines[0] == 7


LETTER = """
Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương
Bộ kính đề nghị Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương chỉ đạo, cụ thể như sau:
1. Về kiểm kê khí nhà kính
a) Tiếp nhận, tổng hợp kết quả kiểm kê gửi Bộ Công Thương trước ngày 30 tháng 6 hằng năm.
b) Phối hợp với Bộ Công Thương tổ chức phổ biến, tuyên truyền.
"""


def test_an_introduction_addresses_the_items_after_it(directory: Directory) -> None:
    tasks = imported(LETTER, directory, title="Giai đoạn 2026 - 2027").plan.tasks
    assert [t.key for t in tasks] == ["1.a", "1.b"]
    lead = "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương"
    assert all(t.lead == [lead] for t in tasks)
    assert [o.end for o in tasks[0].occurrences] == [date(2026, 6, 29), date(2027, 6, 29)]
    assert tasks[1].coordinators == ["Bộ Công Thương"]


# The same genre as a PDF's text layer or a plain-text copy gives it: every sentence
# hard-wrapped at the page's width, a line going on with a capital after "đề nghị".
WRAPPED = """
Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.
Giao Sở Xây dựng chủ trì, phối hợp với
Sở Tài chính tham mưu Ủy ban nhân dân thành phố ban hành kế hoạch; hoàn thành trước
ngày 30/6/2026.
Để có cơ sở tổng hợp, báo cáo Thủ tướng Chính phủ, Bộ Nông nghiệp và Môi trường đề nghị
Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương chỉ đạo các cơ quan chuyên môn
thực hiện một số nội dung sau:
1. Rà soát danh mục các dự án đầu tư công thuộc lĩnh vực nông nghiệp trên địa bàn, hoàn
thành trước ngày 30/4/2026.
2. Gửi báo cáo kết quả về Bộ Nông nghiệp và Môi trường (qua Vụ Kế hoạch - Tài chính)
trước ngày 15/5/2026 để tổng hợp.
"""


def test_a_hard_wrapped_introduction_and_sentence_are_read_whole(directory: Directory) -> None:
    tasks = imported(WRAPPED, directory).plan.tasks
    lead = "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương"
    assert [t.lead for t in tasks[1:]] == [[lead], [lead]]
    assert [window(t) for t in tasks[1:]] == [
        (None, date(2026, 4, 29)),
        (None, date(2026, 5, 14)),
    ]
    giao = tasks[0]
    assert giao.lead == ["Sở Xây dựng"]
    assert giao.coordinators == ["Sở Tài chính"]
    assert window(giao) == (None, date(2026, 6, 29))
    assert giao.source_lines == (7, 9)


def test_lines_that_each_end_a_sentence_stay_apart(directory: Directory) -> None:
    body = """
Giao Sở Công Thương chủ trì tổ chức hội nghị triển khai trước ngày 30/3/2026.
Hội nghị được tổ chức tại trụ sở Ủy ban nhân dân thành phố.
Sở Tài chính có trách nhiệm bố trí kinh phí thực hiện trong tháng 4/2026.
"""
    tasks = imported(body, directory).plan.tasks
    assert [(t.lead, window(t)[1]) for t in tasks] == [
        (["Sở Công Thương"], date(2026, 3, 29)),
        (["Sở Tài chính"], date(2026, 4, 30)),
    ]


def test_names_outside_the_directory_stay_as_printed_in_the_plans_jurisdiction(
    directory: Directory,
) -> None:
    body = "1. Sở Tài chính chủ trì, phối hợp với Sở Nội vụ rà soát biên chế trong quý II/2026."
    hanoi = imported(body, directory)
    assert hanoi.plan.tasks[0].lead == ["Sở Tài chính"]
    assert "Sở Tài chính" not in hanoi.unmatched  # Hà Nội's own department
    text = HANOI.replace("THÀNH PHỐ HÀ NỘI", "TỈNH LAI CHÂU").format(title="Năm 2026", body=body)
    laichau = import_bytes(text.encode(), "prose.md", directory)
    assert laichau.plan.tasks[0].lead == ["Sở Tài chính"]
    assert "Sở Tài chính" in laichau.unmatched  # never Hà Nội's or Hòa Bình's entry


def test_the_command_says_the_tasks_were_read_from_the_text(cli: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "cong-van.txt"
    source.write_text(HANOI.format(title="Năm 2026", body=HEADINGS.strip()), encoding="utf-8")
    result = cli.invoke(app, ["plan", "import", str(source), "-o", str(tmp_path / "cv.yaml")])
    assert result.exit_code == 0, result.output
    assert "6 tasks from 6 items of the text" in result.stderr
    row = next(line for line in result.stderr.splitlines() if line.startswith("1.a "))
    assert "Chủ trì, phối hợp" in row and "Sở Công Thương" in row  # the review table
    plan = yaml.safe_load((tmp_path / "cv.yaml").read_text(encoding="utf-8"))
    assert plan["tasks"][0]["source"] == {"read_from": "text"}
    assert plan["tasks"][0]["source_lines"] == [8, 8]  # the "a)" line


# -- what is not a task ----------------------------------------------------------------

NOT_TASKS = """
I. MỤC ĐÍCH, YÊU CẦU
1. Các sở, ngành chủ động triển khai kịp thời, hiệu quả.
II. NHIỆM VỤ
1. Đẩy mạnh tuyên truyền, phổ biến pháp luật trên địa bàn.
2. Nâng cao chất lượng công tác thẩm định.
"""


def test_items_without_an_agency_or_in_a_purpose_section_are_not_tasks(
    directory: Directory,
) -> None:
    with pytest.raises(InputError, match="no task list in the text"):
        imported(NOT_TASKS, directory)


def test_a_text_that_puts_its_tasks_in_a_missing_appendix_says_so(directory: Directory) -> None:
    body = (
        "I. NHIỆM VỤ\n(Chi tiết các nhiệm vụ của Kế hoạch tại Phụ lục kèm theo).\n"
        "II. TỔ CHỨC THỰC HIỆN\n1. Sở Công Thương chủ trì, phối hợp với các sở theo dõi.\n"
    )
    with pytest.raises(InputError, match="the tasks are in an appendix") as caught:
        imported(body, directory)
    assert caught.value.problem.line == 7


DECREE = """CHÍNH PHỦ
Số: {number}
Hà Nội, ngày 15 tháng 01 năm 2026
{kind}
QUY ĐỊNH CHI TIẾT MỘT SỐ ĐIỀU CỦA LUẬT HÓA CHẤT
Chương I. QUY ĐỊNH CHUNG
Điều 1. Trách nhiệm thi hành
1. Bộ Công Thương chủ trì, phối hợp với các bộ hướng dẫn thi hành Nghị định này hằng năm.
2. Ủy ban nhân dân cấp tỉnh có trách nhiệm kiểm tra hoạt động hóa chất trên địa bàn.
Nơi nhận:
- Lưu: VT.
"""


@pytest.mark.parametrize(
    ("number", "kind", "said"),
    [
        ("26/2026/NĐ-CP", "NGHỊ ĐỊNH", "a Nghị định 26/2026/NĐ-CP, a legal norm"),
        ("01/2026/TT-BCT", "THÔNG TƯ", "a Thông tư 01/2026/TT-BCT, a legal norm"),
        ("69/2025/QH15", "LUẬT", "a Luật 69/2025/QH15, a legal norm"),
        ("", "LUẬT", "a Luật, a legal norm"),  # no number read: the title says it
    ],
)
def test_a_legal_norms_articles_are_not_read_as_tasks(
    directory: Directory, number: str, kind: str, said: str
) -> None:
    text = DECREE.format(number=number, kind=kind)
    with pytest.raises(InputError, match=said) as caught:
        import_bytes(text.encode(), "nghi-dinh.md", directory)
    assert "import the plan, decision or công văn that carries it out" in str(caught.value)


def test_a_decision_that_cites_a_decree_is_still_read(directory: Directory) -> None:
    text = DECREE.format(number="12/QĐ-UBND", kind="QUYẾT ĐỊNH").replace("CHÍNH PHỦ", "UBND")
    tasks = import_bytes(text.encode(), "qd.md", directory).plan.tasks
    assert [t.lead for t in tasks] == [["Ủy ban nhân dân cấp tỉnh"]]  # 1. closes the text


def test_an_article_about_a_plan_is_not_read_as_its_tasks(directory: Directory) -> None:
    article = (
        "# Quảng trường phía Đông hồ Hoàn Kiếm khi nào khởi công?\n"
        "Theo kế hoạch, Ủy ban nhân dân quận chủ trì, phối hợp với Sở Xây dựng thu hồi đất "
        "trong quý IV/2026.\n"
        "Sở Tài chính có trách nhiệm bố trí kinh phí giải phóng mặt bằng trong năm 2026.\n"
    )
    with pytest.raises(InputError, match="not an official document: no number"):
        import_bytes(article.encode(), "bai-bao.md", directory)


# -- windows inside sentences ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "within", "expected"),
    [
        ("trình Chính phủ xem xét, quyết định trong quý III năm 2012.", (2012, 2015),
         (date(2012, 7, 1), date(2012, 9, 30))),
        ("… hoàn thành trước ngày 01/01/2030.", (2026, 2030), (None, date(2029, 12, 31))),
        ("hoàn thành chậm nhất đến ngày 01 tháng 7 năm 2028", (2026, 2028),
         (None, date(2028, 7, 1))),
        ("xử lý dứt điểm xong trong quý II/2026", (2026, 2026),
         (date(2026, 4, 1), date(2026, 6, 30))),
        ("Triển khai Tháng hành động (từ ngày 15/11 đến ngày 15/12) và hưởng ứng", (2025, 2025),
         (date(2025, 11, 15), date(2025, 12, 15))),
        ("Hàng năm, tiến hành rà soát. Đến năm 2015, hoàn thành chương trình.", (2012, 2015),
         (date(2012, 1, 1), date(2015, 12, 31))),
        ("theo Văn bản số 2265/BCT ngày 02/4/2026 và Luật ngày 16/6/2025", (2026, 2026),
         None),
        ("tập trung đầu tư trong giai đoạn từ năm 2013, thông báo trước 24h", (2012, 2015),
         None),
        ("Thường xuyên phối hợp với chính quyền địa phương", (2026, 2030), None),
        ("báo cáo Ủy ban nhân dân tỉnh trước ngày 15/4/205.", (2026, 2026),
         (None, date(2026, 4, 14))),  # a scan that lost a digit of the year
    ],
)  # fmt: skip
def test_the_time_phrase_inside_a_sentence(
    sentence: str, within: tuple[int, int], expected: tuple[date | None, date] | None
) -> None:
    found = when.in_sentence(sentence, within, parse_window)
    if expected is None:
        assert found.occurrences == []
        return
    start = min((o.start for o in found.occurrences if o.start), default=None)
    assert (start, max(o.end for o in found.occurrences)) == expected


# -- the corpus's prose documents -------------------------------------------------------


def _corpus() -> Path | None:
    for parent in [ROOT, *ROOT.parents]:
        candidate = parent.parent / "shared" / "corpus"
        if (candidate / "score.py").is_file():
            return candidate
    return None


CORPUS = _corpus()
PROSE_TEXTS = ["13_", "14_", "15_", "18_", "19_", "20_"]


@pytest.mark.parametrize("prefix", PROSE_TEXTS)
def test_the_corpus_prose_documents_give_their_truths_tasks(
    prefix: str, directory: Directory
) -> None:
    if CORPUS is None:  # a checkout without ../shared beside it; `make corpus` scores them
        pytest.skip("../shared/corpus is not beside this checkout")
    doc = next(p for p in sorted(CORPUS.iterdir()) if p.name.startswith(prefix))
    truth_file = CORPUS / "truth" / f"{doc.stem}.yaml"
    truth = yaml.safe_load(truth_file.read_text(encoding="utf-8"))
    plan = import_bytes(doc.read_bytes(), str(doc), directory).plan
    assert len(plan.tasks) == len(truth["tasks"])
    assert all(t.source is not None and t.source.read_from == "text" for t in plan.tasks)
    leads = sum(1 for t, want in zip(plan.tasks, truth["tasks"], strict=True)
                if bool(t.lead) == bool(want.get("lead")))  # fmt: skip
    assert leads == len(truth["tasks"])


GUARDS = """
Sở Công Thương đề nghị các cơ quan, đơn vị thực hiện như sau:
1. Ngày 16/6/2026, Quốc hội đã thông qua Luật sửa đổi về quản lý vật liệu nổ.
2. Cơ quan giải quyết thủ tục hành chính: Sở Công Thương.
3. Người đề nghị cấp phép: ....................................
4. Căn cứ quy định nêu trên, cơ quan thuế không có trách nhiệm xác định đơn giá thuê đất.
5. Giao các cơ quan, đơn vị:
a) Sở Xây dựng chủ trì, phối hợp với Sở Tài chính rà soát định mức trong quý IV/2026.
b) Rà soát danh mục công trình cần kiểm tra.
"""


def test_narratives_fields_forms_and_negations_are_not_tasks(directory: Directory) -> None:
    tasks = imported(GUARDS, directory).plan.tasks
    assert [t.key for t in tasks] == ["5.a", "5.b"]
    assert tasks[0].lead == ["Sở Xây dựng"]  # a generic heading: the item names its agency
    assert tasks[1].lead == ["các cơ quan, đơn vị"]  # … or takes the heading's


INLINE = """
II. NHIỆM VỤ
1. Rà soát (Cơ quan chủ trì: Sở Tư pháp; Cơ quan phối hợp: Sở Công Thương; Thời gian: Quý III/2026).
2. Sở Xây dựng chủ trì tổng hợp kết quả kiểm tra. Thời gian hoàn thành: Trước ngày 15/11/2026.
"""


def test_labels_inside_the_sentence_give_lead_coordinators_and_time(
    directory: Directory,
) -> None:
    review, report = imported(INLINE, directory).plan.tasks
    assert review.lead == ["Sở Tư pháp"] and review.coordinators == ["Sở Công Thương"]
    assert window(review) == (date(2026, 7, 1), date(2026, 9, 30))
    assert report.lead == ["Sở Xây dựng"]
    assert window(report) == (None, date(2026, 11, 14))


def test_a_word_file_with_automatic_numbers_and_bullets(
    directory: Directory, tmp_path: Path
) -> None:
    from docx import Document as new_document

    doc = new_document()
    for text in (
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
        "Số: 20/UBND-KT",
        "Hà Nội, ngày 02 tháng 02 năm 2026",
        "Kính gửi: Các sở, ngành",
        "Chủ tịch UBND Thành phố yêu cầu các cơ quan thực hiện các nhiệm vụ sau:",
    ):
        doc.add_paragraph(text)  # fmt: skip
    doc.add_paragraph("Sở Công Thương:", style="List Number")
    doc.add_paragraph("Kiểm tra các kho vật liệu nổ, xong trong quý II/2026.", style="List Bullet")
    doc.add_paragraph("Tập huấn an toàn cho doanh nghiệp.", style="List Bullet")
    doc.add_paragraph("Sở Tài chính chủ trì bố trí kinh phí kiểm tra.", style="List Number")
    path = tmp_path / "cong-van.docx"
    doc.save(str(path))
    tasks = import_bytes(path.read_bytes(), str(path), directory).plan.tasks
    assert [(t.key, t.lead) for t in tasks] == [
        ("1.d1", ["Sở Công Thương"]),  # Word's bullets are dash items under the heading
        ("1.d2", ["Sở Công Thương"]),
        ("2", ["Sở Tài chính"]),  # "2." is Word's own number
    ]
    assert window(tasks[0]) == (date(2026, 4, 1), date(2026, 6, 30))
