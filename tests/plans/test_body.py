"""Reporting duties and "Tổ chức thực hiện" read from the body's sentences."""

from __future__ import annotations

import pytest

from engine.agencies import AgencyMatcher, load_directory
from engine.plans.body import Body, BodyReader
from engine.plans.document import Line
from tests.conftest import ROOT


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
