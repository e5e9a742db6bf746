"""The header vocabulary of appendix tables (``engine.plans.columns``)."""

from __future__ import annotations

import pytest

from engine.plans.columns import column_kind, looks_like_header


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Cơ quan chủ trì", "lead"),
        ("Cơ quan phối hợp", "coordinators"),
        ("Thời gian hoàn thành", "window"),
        ("Ghi chú", "note"),
        ("Tên nhiệm vụ", "title"),
        # OCR of a tightly set header cell runs its words together
        ("Cơ quan chủtrì", "lead"),
        ("Cơ quan chủtriì", "lead"),
        ("Cơ quanphối hợp", "coordinators"),
        ("Thờigian hoàn thành", "window"),
        ("Ghichú", "note"),
        ("Đơn vị chủ trì, đơn vị phối hợp", "agencies"),
        ("Nhận xét", None),
    ],
)
def test_a_header_names_its_column_even_with_its_words_run_together(
    header: str, kind: str | None
) -> None:
    assert column_kind(header) == kind


def test_a_scanned_header_row_with_words_run_together_is_a_header() -> None:
    assert looks_like_header(["STT", "Tên nhệmvụ", "Cơ quan chủtrì", "Cơ quanphối hợp"])


def test_a_task_column_whose_name_ocr_misread_is_still_the_task_column() -> None:
    from engine.plans.document import Cell, Row, Table
    from engine.plans.tasktables import header_row

    def row(n: int, *texts: str) -> Row:
        return Row([Cell(t, n, n) for t in texts], n, n)

    misread = ["STT", "Tên nhệmvụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"]
    tasks = row(2, "1", "Rà soát hồ sơ", "Sở Tư pháp", "Sở Nội vụ", "Quý I/2026")
    assert header_row(Table([row(1, *misread), tasks], aligned=True)) == 0
    # a list of officials with their agency names no task: not a task table
    officials = ["STT", "Họ và tên", "Cơ quan công tác", "Chức vụ", "Ghi chú"]
    assert header_row(Table([row(1, *officials), tasks], aligned=True)) is None
