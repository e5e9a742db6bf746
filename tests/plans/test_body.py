"""Reporting duties and "Tổ chức thực hiện" read from the body's sentences."""

from __future__ import annotations

import pytest

from engine.agencies import AgencyMatcher, load_directory
from engine.plans.body import Body, BodyReader
from engine.plans.document import Line
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("english")  # the warnings in the catalogue's English


def read(*texts: str) -> Body:
    matcher = AgencyMatcher(load_directory(ROOT / "config" / "agencies.yaml"))
    lines = [Line(number, text) for number, text in enumerate(texts, start=1)]
    return BodyReader(matcher, "Hà Nội", "UBND thành phố Hà Nội").read(lines)


@pytest.mark.parametrize(
    ("sentence", "duties"),
    [
        (
            "Các Sở, ngành báo cáo định kỳ 6 tháng (trước ngày 20/6 hàng năm), "
            "1 năm (trước ngày 15/12 hàng năm) gửi Sở Công Thương.",
            [("half-yearly", "06-19"), ("yearly", "12-14")],
        ),
        (
            "Sở Xây dựng báo cáo kết quả về Sở Công Thương trước ngày 1/3 hàng năm.",
            [("yearly", "02-28")],
        ),
        (
            "Sở Xây dựng báo cáo kết quả về Sở Công Thương chậm nhất ngày 15/12 hàng năm.",
            [("yearly", "12-15")],
        ),
        (
            "Sở Xây dựng thực hiện chế độ báo cáo định kỳ (6 tháng, năm).",
            [("half-yearly", None), ("yearly", None)],
        ),
        ("Sở Xây dựng báo cáo hàng quý về Sở Công Thương.", [("quarterly", None)]),
        (
            "Các Sở, ngành báo cáo kết quả về Sở Công Thương trước ngày 20 hằng tháng.",
            [("monthly", "19")],
        ),
        (
            "Sở Xây dựng báo cáo UBND Thành phố trước ngày 15 tháng cuối quý.",
            [("quarterly", "14")],
        ),
        (
            "Sở Xây dựng báo cáo Sở Công Thương chậm nhất ngày 5 hàng tháng và "
            "6 tháng (trước ngày 20/6).",
            [("half-yearly", "06-19")],
        ),
        (
            "Các Sở, ngành báo cáo 6 tháng (trước ngày 20/6) và hằng năm (trước ngày 15/12) "
            "về Sở Công Thương.",
            [("half-yearly", "06-19"), ("yearly", "12-14")],
        ),
        (
            "Các Sở gửi báo cáo quý (trước ngày 15 tháng cuối quý) về Sở Công Thương.",
            [("quarterly", "14")],
        ),
        (
            "Định kỳ trước ngày 30 tháng 11 hàng năm báo cáo kết quả về UBND Thành phố.",
            [("yearly", "11-29")],
        ),
        (
            "Các Sở, ngành báo cáo kết quả thực hiện của đơn vị mình hằng năm về Sở Công Thương.",
            [("yearly", None)],
        ),
        (
            "Các Sở, ngành báo cáo 6 tháng và hằng năm về Sở Công Thương trước ngày 15/6 và "
            "trước ngày 15/12.",
            [("half-yearly", "06-14"), ("yearly", "12-14")],
        ),
    ],
)
def test_reporting_sentences_give_frequency_and_last_allowed_day(
    sentence: str, duties: list[tuple[str, str | None]]
) -> None:
    body = read("V. CHẾ ĐỘ BÁO CÁO", sentence)
    assert [(d.frequency, d.due) for d in body.reporting] == duties
    assert all(d.source_line == 2 for d in body.reporting)
    undated = [w.message for w in body.warnings]
    assert len(undated) == sum(1 for _, due in duties if due is None)


def test_a_departments_own_plan_reports_to_one_of_its_units() -> None:
    body = read(
        "VI. CHẾ ĐỘ BÁO CÁO",
        "Các phòng, đơn vị báo cáo tình hình thực hiện về Phòng Kế hoạch - Tổng hợp trước "
        "ngày 18 hằng tháng, đảm bảo theo đúng mẫu báo cáo quy định.",
    )
    assert [(d.frequency, d.due, d.to) for d in body.reporting] == [
        ("monthly", "17", ["Phòng Kế hoạch - Tổng hợp"])
    ]


def test_prevention_is_not_a_unit_reported_to() -> None:
    body = read("VI. NỘI DUNG", "Tuyên truyền định kỳ hằng năm về phòng, chống tham nhũng.")
    assert body.reporting == []


def test_a_yearly_phrase_with_two_days_is_the_six_month_and_the_annual_report() -> None:
    body = read(
        "Các sở, ngành định kỳ trước ngày 01/6 và 15/11 hằng năm (hoặc đột xuất khi có yêu "
        "cầu) báo cáo kết quả thực hiện về Sở Công Thương để tổng hợp, báo cáo UBND Thành phố."
    )
    assert [(d.frequency, d.due, d.due_text) for d in body.reporting] == [
        ("half-yearly", "05-31", "trước ngày 01/6 và 15/11 hằng năm"),
        ("yearly", "11-14", "trước ngày 01/6 và 15/11 hằng năm"),
    ]
    assert body.reporting[0].to == ["Sở Công Thương"]
    assert "read as the 6-month report (due 05-31) and the annual report" in (
        body.warnings[0].message
    )


def test_sending_by_a_recurring_day_is_a_report_even_without_the_word() -> None:
    body = read(
        "1. Về giảm nhẹ phát thải",
        "a) Rà soát số liệu; đề xuất cập nhật danh mục gửi Sở Tài nguyên và Môi trường trước",
        "ngày 30 tháng",
        "6 hằng năm để tổng hợp, trình Thủ tướng Chính phủ.",
        "b) Cung cấp thông tin tình hình thực hiện dự án định kỳ hằng năm gửi về Sở Công Thương.",
    )
    assert [(d.frequency, d.due, d.source_line) for d in body.reporting] == [
        ("yearly", "06-29", 2),
        ("yearly", None, 5),
    ]
    assert body.reporting[0].text.startswith("đề xuất cập nhật danh mục")
    assert body.reporting[1].to == ["Sở Công Thương"]


@pytest.mark.parametrize(
    "sentence",
    [
        # a report named as a thing, with a period word about something else
        "Trong thời hạn 04 ngày làm việc, kể từ ngày nhận đủ hồ sơ và báo cáo của Cảng vụ, "
        "Cục Hàng hải phê duyệt và xác nhận hàng năm giấy chứng nhận.",
        "Sở Xây dựng bổ sung nội dung trong báo cáo công tác bảo vệ môi trường định kỳ.",
        "Báo cáo quản lý chất thải nguy hại định kỳ mới nhất.",
        # the recipient's own report, after what it is sent
        "Sở Xây dựng lập kế hoạch nhiệm vụ hàng năm, gửi Sở Tài chính để tổng hợp, báo cáo "
        "UBND Thành phố.",
        # compliance with another document's schedule
        "k) Thực hiện nghiêm chế độ báo cáo định kỳ, đột xuất theo quy định tại Điều 17 "
        "Thông tư số 23/2024/TT-BCT ngày 07/11/2024 của Bộ Công Thương.",
        # an item of a checklist: nobody reports to anybody
        "Thông báo, báo cáo định kỳ tình hình hoạt động trong thời hạn hiệu lực của giấy phép.",
        "Phối hợp với Sở Công Thương lập báo cáo định kỳ tình hình hoạt động của kho.",
    ],
)
def test_a_sentence_that_only_mentions_a_report_is_no_duty(sentence: str) -> None:
    assert read("III. NỘI DUNG", sentence).reporting == []


def test_reporting_clauses_in_an_appendix_are_not_the_plans_duties() -> None:
    body = read(
        "Sở Xây dựng báo cáo hàng năm về Sở Công Thương.",
        "PHỤ LỤC II",
        "Các đơn vị gửi báo cáo hoạt động hàng năm về Sở Công Thương trước ngày 30/01.",
    )
    assert [d.source_line for d in body.reporting] == [1]


def test_a_report_every_few_years_is_left_out_with_a_warning() -> None:
    body = read("Sở Công Thương tổng kết, đánh giá định kỳ 5 năm/lần, báo cáo UBND Thành phố.")
    assert body.reporting == []
    assert "a report every few years ('5 năm/lần')" in body.warnings[0].message


def test_a_portal_export_keeps_its_organisation_under_markup_and_lettered_items() -> None:
    body = read(
        "**IV. TỔ CHỨC",
        "THỰC HIỆN**",
        "**1. Sở Công Thương**",
        "a) Là cơ quan đầu mối theo dõi việc thực hiện.",
        "b) Định kỳ tổng hợp báo cáo kết quả, đề xuất giải pháp điều chỉnh.",
    )
    assert [(a.name, len(a.duties)) for a in body.agencies] == [("Sở Công Thương", 2)]
    assert [(d.frequency, d.from_, d.source_line) for d in body.reporting] == [
        ("yearly", ["Sở Công Thương"], 5)
    ]


def test_a_mention_of_a_report_without_a_period_is_no_duty() -> None:
    body = read(
        "Phối hợp với Sở Công Thương tham mưu báo cáo UBND Thành phố cân đối kinh phí.",
        "Trong quá trình thực hiện, các đơn vị phản ánh gửi Sở Công Thương tổng hợp, báo cáo UBND.",
    )
    assert body.reporting == []


def test_the_organisation_section_gives_owner_and_duties() -> None:
    body = read(
        "IV. TỔ CHỨC THỰC HIỆN",
        "1. Sở Công Thương (cơ quan chủ trì)",
        "- Chủ trì triển khai Kế hoạch.",
        "- Hàng năm chủ trì xây dựng, tham mưu UBND thành phố ban hành Kế hoạch năm sau.",
        "2. Sở Văn hoá và Thể thao; các cơ quan báo chí thành phố Hà Nội",
        "- Sở Văn hoá và Thể thao hướng dẫn các cơ quan báo chí.",
        "- Các cơ quan báo chí thành phố Hà Nội: đẩy mạnh tuyên truyền.",
        "- Phối hợp với Sở Công Thương.",
        "Trong quá trình thực hiện, nếu có vướng mắc, phản ánh về Sở Công Thương.",
    )
    assert body.owner == "Sở Công Thương"
    assert [(a.name, len(a.duties)) for a in body.agencies] == [
        ("Sở Công Thương", 2),
        ("Sở Văn hóa và Thể thao", 2),
        ("Các cơ quan báo chí thành phố Hà Nội", 2),
    ]
    (drafting,) = body.reporting
    assert (drafting.kind, drafting.frequency, drafting.due) == ("plan_drafting", "yearly", None)
    assert (drafting.from_, drafting.to) == (["Sở Công Thương"], ["UBND thành phố Hà Nội"])
