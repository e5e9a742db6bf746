"""Time phrases of the workflow language, in English and Vietnamese."""

from __future__ import annotations

import pytest

from engine.workflow.phrases import Offset, parse_offset


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("when it opens", Offset("opens", 0)),
        ("Khi bắt đầu", Offset("opens", 0)),
        ("14 days before due", Offset("due", -14)),
        ("14 days before", Offset("due", -14)),
        ("14 ngày trước hạn", Offset("due", -14)),
        ("3 working days before due", Offset("due", -3, working=True)),
        ("3 ngày làm việc trước hạn", Offset("due", -3, working=True)),
        ("2 weeks before the due date", Offset("due", -14)),
        ("2 tuần trước hạn", Offset("due", -14)),
        ("on the due date", Offset("due", 0)),
        ("on the day", Offset("due", 0)),
        ("đúng hạn", Offset("due", 0)),
        ("1 day after due", Offset("due", 1)),
        ("1 ngày sau hạn", Offset("due", 1)),
        ("quá hạn 7 ngày", Offset("due", 7)),
        ("7  DAYS   after  due.", Offset("due", 7)),
        ("3 days after it opens", Offset("opens", 3)),
        ("5 working days before the lead's due date", Offset("due", -5, working=True)),
    ],
)
def test_phrases_are_read(text: str, expected: Offset) -> None:
    assert parse_offset(text) == expected


def test_phrases_written_with_combining_accents_are_read() -> None:
    decomposed = "14 nga\u0300y tru\u031bo\u031b\u0301c ha\u0323n"
    assert parse_offset(decomposed) == Offset("due", -14)


@pytest.mark.parametrize("text", ["soon", "14 days", "before due", "2 working weeks before due"])
def test_unreadable_phrases_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match=r"expected|working weeks"):
        parse_offset(text)


def test_offsets_say_when_they_are_and_whether_they_escalate() -> None:
    assert parse_offset("khi bắt đầu").when == "opens"
    assert parse_offset("14 ngày trước hạn").when == "before"
    assert parse_offset("đúng hạn").when == "on_due"
    late = parse_offset("1 ngày sau hạn")
    assert late.when == "after" and late.escalation
    assert parse_offset("3 ngày làm việc trước hạn").describe() == "3 working days before due"
