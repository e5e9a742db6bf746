"""The header's fields, the plan period rule, and agency names as plans print them."""

from __future__ import annotations

from datetime import date

import pytest

from engine.agencies import AgencyMatcher, expand_abbreviations, load_directory
from engine.plans.document import Line
from engine.plans.header import extract_header, title_years
from engine.plans.span import committed_years, plan_span
from engine.plans.text import sentence_case
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("english")  # the warnings in the catalogue's English


@pytest.fixture(scope="module")
def matcher() -> AgencyMatcher:
    return AgencyMatcher(load_directory(ROOT / "config" / "agencies.yaml"))


def lines(*texts: str) -> list[Line]:
    return [Line(i, text) for i, text in enumerate(texts, start=1)]


@pytest.mark.parametrize(
    ("texts", "issuer", "number", "issued_on"),
    [
        (["CHÍNH PHỦ", "Số: 66.19/2026/NQ-CP", "Hà Nội, ngày 18 tháng 5 năm 2026"],
         "Chính phủ", "66.19/2026/NQ-CP", date(2026, 5, 18)),
        (["VĂN PHÒNG CHÍNH PHỦ", "Số: 631/TB-VPCP Hà Nội, ngày 19 tháng 11 năm 2025"],
         "Văn phòng Chính phủ", "631/TB-VPCP", date(2025, 11, 19)),
        (["BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Số: 4385/QĐ-BVHTTDL",
          "Hà Nội, ngày 18 tháng 11 năm 2025"],
         "Bộ Văn hóa, Thể thao và Du lịch", "4385/QĐ-BVHTTDL", date(2025, 11, 18)),
        (["UBND TỈNH LÀO CAI", "Số: 193/UBND-KT", "Lào Cai, ngày 10 tháng 01năm 2026"],
         "Ủy ban nhân dân tỉnh Lào Cai", "193/UBND-KT", date(2026, 1, 10)),
        (["NGHỊ QUYẾT", "(Ban hành kèm theo Nghị quyết số 1339/NQ-UBTVQH15 ngày 28 tháng 12 "
          "năm 2024 của Ủy ban Thường vụ Quốc hội)"],
         "Ủy ban Thường vụ Quốc hội", "1339/NQ-UBTVQH15", date(2024, 12, 28)),
    ],
)  # fmt: skip
def test_issuer_number_and_date_as_printed(
    texts: list[str], issuer: str, number: str, issued_on: date
) -> None:
    header = extract_header(lines(*texts))
    assert (header.issuer, header.number, header.issued_on) == (issuer, number, issued_on)


def test_a_draft_keeps_the_year_of_its_blank_date() -> None:
    header = extract_header(lines("ỦY BAN NHÂN DÂN TỈNH LÀO CAI", "Số:    /UBND-KT",
                                  "Lào Cai, ngày    tháng    năm 2025"))  # fmt: skip
    assert header.number is None and header.issued_on is None
    assert header.issue_year == 2025
    assert [w.message for w in header.warnings][:2] == [
        "the document leaves the number blank; number is null",
        "the document leaves the date blank; issued_on is null",
    ]


@pytest.mark.parametrize(
    ("title", "years"),
    [
        ("Kế hoạch thực hiện năm 2022", (2022, 2022)),
        ("Quyết định phê duyệt danh mục nhiệm vụ năm 2022 thực hiện Chương trình giai đoạn "
         "2021-2030", (2022, 2022)),
        ("Kế hoạch nâng cao năng lực giai đoạn 2026 - 2030", (2026, 2030)),
        ("Kế hoạch thực hiện quy hoạch thời kỳ 2021-2030, tầm nhìn đến năm 2045", (2021, 2030)),
        ("Kế hoạch phát triển hạ tầng 5G đến năm 2030", (None, 2030)),
        ("Kế hoạch chuyển đổi số cho các doanh nghiệp", (None, None)),
    ],
)  # fmt: skip
def test_the_years_a_title_names(title: str, years: tuple[int | None, int | None]) -> None:
    assert title_years(title) == years


def test_one_rule_for_the_period_when_the_title_does_not_say() -> None:
    body = lines(
        "Căn cứ Nghị định số 80/2021/NĐ-CP ngày 26/8/2021 của Chính phủ;",
        "a) Đến hết năm 2045: 100% doanh nghiệp ứng dụng công nghệ số.",
        "phù hợp Quy hoạch thời kỳ 2021 - 2030, tầm nhìn đến năm 2050;",
        "b) Trình cấp có thẩm quyền, bảo đảm có hiệu lực trước ngày 01 tháng 3 năm 2027.",
    )
    named = committed_years(body, [(10, "Quí IV-2025")])
    assert sorted({n.year for n in named}) == [2025, 2027, 2045]  # not 2021, 2030, 2050
    found = plan_span(2025, (None, None), named)
    assert found is not None and found[0] == (2025, 2045)
    assert plan_span(2025, (None, None), []) == (
        (2025, 2025),
        "as the issue year 2025: the document names no later year",
    )
    # a title's later start wins, an earlier one gives way to the issue year
    assert plan_span(2025, (2026, 2030), named)[0] == (2026, 2030)  # type: ignore[index]
    assert plan_span(2025, (2021, 2030), named)[0] == (2025, 2030)  # type: ignore[index]


@pytest.mark.parametrize(
    ("printed", "full"),
    [
        ("Sở KH&CN", "Sở Khoa học và Công nghệ"),
        ("Bộ TN&MT", "Bộ Tài nguyên và Môi trường"),
        ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
        ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
        ("Bộ GTVT", "Bộ Giao thông vận tải"),
        ("Sở NN&PTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
        ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
        ("Bộ VHTTDL", "Bộ Văn hóa, Thể thao và Du lịch"),
        ("UBND TP Hà Nội", "UBND TP Hà Nội"),  # not after a department's head word
    ],
)
def test_standard_abbreviations_are_written_out(printed: str, full: str) -> None:
    assert expand_abbreviations(printed) == full


def test_names_outside_the_directory_stay_outside_it(matcher: AgencyMatcher) -> None:
    # a Hồ Chí Minh plan's "Các sở, ngành" is not Hà Nội's collective
    assert matcher.match("Các sở, ngành", "Hồ Chí Minh") is None
    assert matcher.match("Các sở, ngành", None) is None
    assert matcher.match("Các sở, ngành", "Hà Nội") is not None
    assert matcher.canonical("Sở KH&CN", "Đồng Tháp") == ("Sở Khoa học và Công nghệ", False)
    assert matcher.printed["Sở Khoa học và Công nghệ"] == "Sở KH&CN"
    assert matcher.canonical("Ủy ban Đối ngoại [3]", None) == ("Ủy ban Đối ngoại", False)


def test_a_slash_between_two_agencies_names_both(matcher: AgencyMatcher) -> None:
    assert matcher.split("Bộ Chỉ huy Quân sự tỉnh/Ban Chỉ huy Bộ đội Biên phòng tỉnh", None) == [
        "Bộ Chỉ huy Quân sự tỉnh",
        "Ban Chỉ huy Bộ đội Biên phòng tỉnh",
    ]
    assert matcher.split("Đơn vị/cá nhân liên quan", None) == ["Đơn vị/cá nhân liên quan"]


def test_old_and_new_tone_placement_match_the_same_entry(matcher: AgencyMatcher) -> None:
    new = matcher.match("Ủy ban nhân dân thành phố Hà Nội", "Hà Nội")
    old = matcher.match("Uỷ ban nhân dân thành phố Hà Nội", "Hà Nội")
    assert new is not None and new == old


@pytest.mark.parametrize(
    ("printed", "cased"),
    [
        (
            "KẾ HOẠCH PHÒNG CHÁY TRÊN ĐỊA BÀN TỈNH LÀO CAI NĂM 2026",
            "Kế hoạch phòng cháy trên địa bàn tỉnh Lào Cai năm 2026",
        ),
        (
            "TRIỂN KHAI TẠI TỈNH THANH HOÁ VÀ THÀNH PHỐ HỒ CHÍ MINH GIAI ĐOẠN 2026-2030",
            "Triển khai tại tỉnh Thanh Hóa và thành phố Hồ Chí Minh giai đoạn 2026-2030",
        ),
        # not after "tỉnh"/"thành phố": words, not places
        ("XÂY DỰNG THÀNH PHỐ THÔNG MINH VÌ HÒA BÌNH", "Xây dựng thành phố thông minh vì hòa bình"),
    ],
)
def test_a_title_in_capitals_keeps_the_case_of_the_province_it_names(
    printed: str, cased: str
) -> None:
    assert sentence_case(printed) == cased
