"""The Telegram notifier against a local server speaking the Bot API."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from engine.config import Settings
from notifiers.base import Button, Message, PermanentError, Receipt, TransientError
from notifiers.telegram import TelegramNotifier, split_text
from tests.fakes.botapi import (
    TOKEN,
    FakeBotApi,
    blocked,
    chat_not_found,
    deactivated,
    migrated,
    server_error,
    too_many_requests,
)
from tests.telegram.conftest import VirtualClock

BUTTONS = ((Button("Đã nhận", "ack:7"), Button("Đã hoàn thành", "done?:7")),)


def message(
    chat_id: int, text: str = "📌 <b>Còn 3 ngày đến hạn</b>\nBáo cáo 6 tháng", **kw: object
) -> Message:
    fields: dict[str, object] = {"buttons": BUTTONS, **kw}
    return Message(
        key=f"o7:before:c{chat_id}:telegram",
        channel="telegram",
        to=str(chat_id),
        subject="",
        text=text,
        **fields,  # type: ignore[arg-type]
    )


def send_all(
    settings: Settings, clock: VirtualClock, *messages: Message, **kw: object
) -> list[Receipt]:
    async def run() -> list[Receipt]:
        async with TelegramNotifier(settings, clock=clock, sleep=clock.sleep, **kw) as notifier:  # type: ignore[arg-type]
            return [await notifier.send(m) for m in messages]

    return asyncio.run(run())


def send_one_expecting(
    settings: Settings, clock: VirtualClock, msg: Message, error: type[Exception]
) -> Exception:
    async def run() -> None:
        async with TelegramNotifier(settings, clock=clock, sleep=clock.sleep) as notifier:
            await notifier.send(msg)

    with pytest.raises(error) as caught:
        asyncio.run(run())
    return caught.value


def test_a_reminder_arrives_in_html_with_its_two_buttons(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    (receipt,) = send_all(settings, clock, message(501))
    (sent,) = botapi.sent(501)
    assert sent.text == "📌 Còn 3 ngày đến hạn\nBáo cáo 6 tháng"
    assert sent.html.startswith("📌 <b>Còn 3 ngày đến hạn</b>")
    assert sent.buttons() == [
        [
            {"text": "Đã nhận", "callback_data": "ack:7"},
            {"text": "Đã hoàn thành", "callback_data": "done?:7"},
        ]
    ]
    (call,) = botapi.calls("sendMessage", 501)
    assert call.params["parse_mode"] == "HTML"
    assert receipt.channel == "telegram"
    assert receipt.detail == {"chat_id": 501, "message_id": sent.message_id, "message_ids": [1]}


def test_a_long_text_is_split_on_lines_and_the_buttons_go_on_the_last_part(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    lines = [
        f"{n}. Sở Công Thương – báo cáo tình hình thực hiện &amp; kiến nghị" for n in range(100)
    ]
    (receipt,) = send_all(settings, clock, message(502, "\n".join(lines)))
    parts = botapi.sent(502)
    assert len(parts) == 2
    assert "\n".join(p.text for p in parts) == "\n".join(lines).replace("&amp;", "&")
    assert all(len(p.text) <= 4096 for p in parts)
    assert [p.buttons() != [] for p in parts] == [False, True]
    assert receipt.detail["message_ids"] == [1, 2]
    assert receipt.detail["message_id"] == 2


def test_split_text_never_cuts_inside_a_tag_or_an_entity() -> None:
    line = "x" * 90 + "<b>đậm</b>" + "&amp;" * 5
    parts = split_text(line, limit=95)
    assert parts == ["x" * 90, "<b>đậm</b>&amp;&amp;&amp;&amp;&amp;"]


def test_split_text_prefers_a_space_to_a_hard_cut() -> None:
    assert split_text("một hai ba bốn năm", limit=10) == ["một hai ba", "bốn năm"]


def test_messages_to_one_chat_are_paced_one_second_apart(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    send_all(settings, clock, message(503), message(503), message(504), message(503))
    times = [call.at for call in botapi.calls("sendMessage", 503)]
    assert len(times) == 3
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    assert not [r for r in botapi.requests if r.status == 429]  # never hit the flood limit


def test_concurrent_sends_to_one_chat_are_paced_too(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    async def run() -> None:
        async with TelegramNotifier(settings, clock=clock, sleep=clock.sleep) as notifier:
            await asyncio.gather(*(notifier.send(message(chat)) for chat in (520, 520, 521, 520)))

    asyncio.run(run())
    assert [r.status for r in botapi.requests_of("sendMessage")] == [200] * 4
    times = [call.at for call in botapi.calls("sendMessage", 520)]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))


def test_the_global_rate_spaces_messages_across_chats(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    send_all(settings, clock, *(message(600 + n) for n in range(31)))
    times = [call.at for call in botapi.calls("sendMessage")]
    assert times[-1] - times[0] == pytest.approx(1.0)  # 30 a second, as configured


def test_a_429_is_waited_out_and_the_message_sent_once(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    botapi.fail(505, too_many_requests(3))
    (receipt,) = send_all(settings, clock, message(505))
    attempts = botapi.requests_of("sendMessage", 505)
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at == pytest.approx(3.0)
    assert 3.0 in clock.sleeps
    assert len(botapi.sent(505)) == 1
    assert receipt.detail["message_id"] == 1


def test_repeated_429s_give_a_transient_error_with_retry_after(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    botapi.fail(506, too_many_requests(7), times=None)
    error = send_one_expecting(settings, clock, message(506), TransientError)
    assert isinstance(error, TransientError)
    assert error.retry_after == 7
    assert len(botapi.requests_of("sendMessage")) == 4  # the first try and three retries


@pytest.mark.parametrize(
    ("failure", "flag"),
    [
        (blocked(), "bot was blocked by the user"),
        (deactivated(), "user is deactivated"),
        (chat_not_found(), "chat not found"),
    ],
)
def test_a_chat_that_can_never_receive_is_a_permanent_error_with_a_flag(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock, failure: object, flag: str
) -> None:
    botapi.fail(507, failure, times=None)  # type: ignore[arg-type]
    error = send_one_expecting(settings, clock, message(507), PermanentError)
    assert isinstance(error, PermanentError)
    assert error.flag == flag
    assert TOKEN not in str(error)


def test_a_group_that_became_a_supergroup_names_its_new_chat_id(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    botapi.fail(-508, migrated(-1000000000508))
    error = send_one_expecting(settings, clock, message(-508), PermanentError)
    assert isinstance(error, PermanentError)
    assert error.migrate_to_chat_id == -1000000000508
    assert error.flag is None


def test_bad_html_is_a_permanent_error_without_a_flag(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    error = send_one_expecting(settings, clock, message(509, "a < b <i>"), PermanentError)
    assert isinstance(error, PermanentError)
    assert "can't parse entities" in str(error).lower()
    assert error.flag is None


def test_a_server_error_is_transient(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    botapi.fail(510, server_error())
    error = send_one_expecting(settings, clock, message(510), TransientError)
    assert "Bad Gateway" in str(error)


def test_an_unreachable_server_is_transient_and_never_shows_the_token(
    settings: Settings, clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    dead = settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(update={"base_url": "http://127.0.0.1:9/bot"})
        }
    )
    caplog.set_level(logging.DEBUG)
    error = send_one_expecting(dead, clock, message(511), TransientError)
    assert TOKEN not in str(error)
    assert TOKEN not in caplog.text


def test_a_missing_token_is_transient_and_names_the_variable(
    settings: Settings, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NHACVIEC_TEST_TELEGRAM_TOKEN")
    error = send_one_expecting(settings, clock, message(512), TransientError)
    assert "$NHACVIEC_TEST_TELEGRAM_TOKEN" in str(error)


def test_edit_buttons_replaces_the_keyboard_and_reports_no_change_the_second_time(
    settings: Settings, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    (receipt,) = send_all(settings, clock, message(513))
    new = ((Button("✅ Đã nhận – Sở Công Thương, 12/06 09:30", "info:7"),),)

    async def run() -> list[bool]:
        async with TelegramNotifier(settings, clock=clock, sleep=clock.sleep) as notifier:
            chat, msg = receipt.detail["chat_id"], receipt.detail["message_id"]
            return [
                await notifier.edit_buttons(chat, msg, None, new),
                await notifier.edit_buttons(chat, msg, None, new),
            ]

    assert asyncio.run(run()) == [True, False]
    (sent,) = botapi.sent(513)
    assert sent.button_texts() == [["✅ Đã nhận – Sở Công Thương, 12/06 09:30"]]


def test_a_refused_token_is_transient_and_never_shown(
    settings: Settings, clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeBotApi(token="654321:ANOTHER-BOT") as other:
        wrong = settings.model_copy(
            update={"telegram": settings.telegram.model_copy(update={"base_url": other.base_url})}
        )
        error = send_one_expecting(wrong, clock, message(514), TransientError)
    assert "was rejected by the server" in str(error)
    assert TOKEN not in str(error)
    assert TOKEN not in caplog.text
