"""Agency names as plans print them, matched against the directory and split from cells."""

from __future__ import annotations

import pytest

from engine.agencies import AgencyEntry, AgencyMatcher, Directory, load_directory
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def matcher() -> AgencyMatcher:
    return AgencyMatcher(load_directory(ROOT / "config" / "agencies.yaml"))


@pytest.mark.parametrize(
    ("printed", "jurisdiction", "key"),
    [
        ("Sở Công Thương", "Hà Nội", "hn.so-cong-thuong"),
        ("SỞ CÔNG THƯƠNG", "Hòa Bình", "hb.so-cong-thuong"),
        ("Sở  Công thương Hà Nội", "Hà Nội", "hn.so-cong-thuong"),
        ("Sở NN&PTNT", "Hà Nội", "hn.so-nong-nghiep-va-phat-trien-nong-thon"),
        ("Sở Nông nghiệp và PTNT", "Hòa Bình", "hb.so-nong-nghiep-va-phat-trien-nong-thon"),
        ("BQL các KCN&CX", "Hà Nội", "hn.ban-quan-ly-cac-khu-cong-nghiep-va-che-xuat-ha-noi"),
        ("UBND quận, huyện, thị xã", "Hà Nội", "hn.ubnd-cac-quan-huyen-thi-xa"),
        ("Ủy ban nhân dân các huyện, thành phố", "Hòa Bình", "hb.ubnd-cac-huyen-thanh-pho"),
        ("Sở Văn hoá và Thể thao", "Hà Nội", "hn.so-van-hoa-va-the-thao"),  # old tone mark
        ("Sở Lao động Thương binh và Xã hội", "Hòa Bình", "hb.so-lao-dong-thuong-binh-va-xa-hoi"),
        ("Bộ Công Thương", "Hòa Bình", "bct.bo-cong-thuong"),  # a ministry, from any plan
        ("các đơn vị khác có liên quan", "Hòa Bình", "all.cac-don-vi-co-lien-quan"),
    ],
)
def test_printed_names_find_their_entry(
    matcher: AgencyMatcher, printed: str, jurisdiction: str, key: str
) -> None:
    entry = matcher.match(printed, jurisdiction)
    assert entry is not None and entry.key == key


def test_the_plan_jurisdiction_decides_between_same_named_departments(
    matcher: AgencyMatcher,
) -> None:
    assert matcher.match("Sở Tài chính", None) is None  # Hà Nội's or Hòa Bình's?
    hanoi = matcher.match("Sở Tài chính", "Hà Nội")
    assert hanoi is not None and hanoi.key == "hn.so-tai-chinh"
    assert matcher.match("Sở Tài chính", "Đà Nẵng") is None  # another province's


def test_a_name_matching_nothing_is_kept_as_printed(matcher: AgencyMatcher) -> None:
    assert matcher.canonical("Sở Du lịch", "Hà Nội") == ("Sở Du lịch", False)
    assert matcher.canonical("Sở NN&PTNT", "Hà Nội") == (
        "Sở Nông nghiệp và Phát triển nông thôn",
        True,
    )


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        (
            "Sở Công Thương; Sở Tài chính; UBND các quận, huyện, thị xã",
            ["Sở Công Thương", "Sở Tài chính", "UBND các quận, huyện, thị xã"],
        ),
        (
            "Sở Công Thương, Kế hoạch và Đầu tư, Tài chính và các ngành liên quan.",
            ["Sở Công Thương", "Sở Kế hoạch và Đầu tư", "Sở Tài chính", "các ngành liên quan"],
        ),
        (
            "Sở Xây dựng, Sở Giao thông vận tải",
            ["Sở Xây dựng", "Sở Giao thông vận tải"],
        ),
        (
            "Sở ngành, UBND quận, huyện, thị xã; Các doanh nghiệp trên địa bàn TP, "
            "các đơn vị có liên quan.",
            [
                "Sở ngành",
                "UBND quận, huyện, thị xã",
                "Các doanh nghiệp trên địa bàn TP",
                "các đơn vị có liên quan",
            ],
        ),
        (
            "Các sở, ngành và đơn vị có liên quan; các cơ sở sản xuất, kinh doanh trên địa bàn",
            ["Các sở, ngành và đơn vị có liên quan", "các cơ sở sản xuất, kinh doanh trên địa bàn"],
        ),
        (
            "Các cơ sở sản xuất ngành: Dệt may; Điện, điện tử",
            ["Các cơ sở sản xuất ngành: Dệt may; Điện, điện tử"],
        ),
        ("Sở Văn hóa, Thể thao và Du lịch", ["Sở Văn hóa, Thể thao và Du lịch"]),
    ],
)
def test_cells_split_into_names_without_breaking_names_with_commas(
    matcher: AgencyMatcher, cell: str, names: list[str]
) -> None:
    jurisdiction = "Hòa Bình" if "Du lịch" in cell else "Hà Nội"
    assert matcher.split(cell, jurisdiction) == names


def test_without_a_directory_commas_split_only_between_proper_names() -> None:
    matcher = AgencyMatcher(Directory())
    assert matcher.split("Sở Xây dựng, Sở Y tế, UBND các quận, huyện", "Đà Nẵng") == [
        "Sở Xây dựng",
        "Sở Y tế",
        "UBND các quận, huyện",
    ]


def test_collective_entries_are_matched_whole(matcher: AgencyMatcher) -> None:
    entry = matcher.match("Các Sở, ban, ngành", "Hà Nội")
    assert isinstance(entry, AgencyEntry) and entry.name == "Các sở, ban, ngành Thành phố"
    assert entry.contacts == []
