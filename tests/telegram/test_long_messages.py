"""Long Telegram messages (issue 14): split at paragraph boundaries into parts that read
on their own, and the parts of one message reach a chat before anything else does.
Sent with the real client to the local Bot API server."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.config import Settings
from notifiers.base import Receipt
from notifiers.telegram import TelegramNotifier, split_text
from notifiers.text import _is_heading, _units
from tests.fakes.botapi import FakeBotApi
from tests.telegram.conftest import VirtualClock
from tests.telegram.test_notifier import message

HEADER = "📊 <b>Tổng hợp tuần 24/2026</b>"  # 28 characters, as in the report


def digest(paragraphs: int, lines: int = 12) -> str:
    """A weekly digest's shape: a header, then one paragraph per plan, each a bold line
    and its agencies."""
    body = [
        "\n".join(
            [f"<b>KH {p}/KH-UBND</b>: {p} quá hạn"]
            + [
                f"#{p}{n} Sở số {n}: Báo cáo tình hình thực hiện &amp; kiến nghị – trễ {n} ngày"
                for n in range(lines)
            ]
        )
        for p in range(paragraphs)
    ]
    return "\n\n".join([HEADER, *body])


def test_a_long_text_is_split_between_paragraphs_and_no_part_is_a_lone_header(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    text = digest(11)
    assert 9_000 < len(text) < 10_000
    (receipt,) = asyncio.run(send(settings, clock, message(601, text)))
    parts = [m.text for m in botapi.sent(601)]
    assert len(parts) == 3 == len(receipt.detail["message_ids"])
    assert parts[0].startswith("📊 Tổng hợp tuần 24/2026\n\nKH 0/KH-UBND: 0 quá hạn\n#00 Sở số 0")
    for part in parts[1:]:
        assert re.match(r"KH \d/KH-UBND: \d quá hạn\n#\d+ Sở số 0:", part), part[:60]
    assert "\n\n".join(parts) == re.sub(r"</?b>", "", text).replace("&amp;", "&")
    assert [m.buttons() != [] for m in botapi.sent(601)] == [False, False, True]


def test_one_huge_paragraph_fills_the_first_part_after_its_header(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    words = " ".join(f"việc{n}" for n in range(1_180))  # one 9.5k-character line
    text = f"{HEADER}\n{words}"
    asyncio.run(send(settings, clock, message(602, text)))
    parts = [m.text for m in botapi.sent(602)]
    assert len(parts) == 3
    assert parts[0].startswith("📊 Tổng hợp tuần 24/2026\nviệc0 việc1 ")
    assert len(parts[0]) > 4_000
    assert " ".join(p.split("\n")[-1] for p in parts).split() == words.split()


def test_the_parts_of_one_message_reach_the_chat_before_the_next_message(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    long = message(603, digest(11))
    retried = replace(message(603, "🔁 Nhắc lại: #12 Báo cáo 6 tháng – còn 3 ngày"), key="o12:tg")
    other = message(604, "Một chat khác")

    async def both() -> list[Receipt]:
        async with TelegramNotifier(settings, clock=clock, sleep=clock.sleep) as notifier:
            return list(
                await asyncio.gather(notifier.send(long), notifier.send(retried),
                                     notifier.send(other))
            )  # fmt: skip

    first, second, _ = asyncio.run(both())
    texts = [m.text for m in botapi.sent(603)]
    assert len(texts) == 4
    assert texts[-1].startswith("🔁 Nhắc lại: #12")
    assert first.detail["message_ids"] == [1, 2, 3]
    assert second.detail["message_ids"] == [4]


async def send(settings: Settings, clock: VirtualClock, *messages: object) -> list[Receipt]:
    async with TelegramNotifier(settings, clock=clock, sleep=clock.sleep) as notifier:
        return [await notifier.send(m) for m in messages]  # type: ignore[arg-type]


LINE = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\n<>&"), max_size=300),
    st.sampled_from(["", "<b>KH 245/KH-UBND</b>", "❗ <i>Quá hạn lâu nhất</i>", "Ghi chú:"]),
    st.builds(lambda n: "dài " * n, st.integers(100, 600)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=80), st.integers(200, 1_000))
def test_split_text_keeps_everything_within_the_limit_and_headings_with_their_text(
    lines: list[str], limit: int
) -> None:
    text = "\n".join(lines)
    parts = split_text(text, limit)
    assert all(_units(part) <= limit for part in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)
    for part in parts[:-1]:  # a heading moves down with what it heads
        shown = part.strip().split("\n")
        assert not _is_heading(shown[-1]) or all(_is_heading(line) for line in shown), part
