"""The Zalo notifier against a local server speaking the OA API v3 and OAuth v4."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from engine.config import Settings, ZaloSettings
from notifiers.base import Button, DeliveryError, Message, PermanentError, Receipt, TransientError
from notifiers.zalo import ADDRESS, MAX_TEXT, ZaloNotifier, split_text
from tests.fakes.clock import VirtualClock
from tests.fakes.zaloapi import SECRET_KEY, FakeZaloApi
from tests.zalo.conftest import make_notifier

BUTTONS = ((Button("Đã nhận", "#ack 12"), Button("Xin gia hạn", "#extend 12")),)


TEXT = "📌 Còn 3 ngày đến hạn\nBáo cáo 6 tháng"


def message(user_id: str, text: str = TEXT, **kw: object) -> Message:
    fields: dict[str, object] = {"buttons": BUTTONS, **kw}
    return Message(
        key=f"o12:before:c{user_id}:zalo",
        channel="zalo",
        to=user_id,
        subject="",
        text=text,
        **fields,  # type: ignore[arg-type]
    )


def send_all(settings: Settings, clock: VirtualClock, *messages: Message) -> list[Receipt]:
    async def run() -> list[Receipt]:
        async with make_notifier(settings, clock) as notifier:
            return [await notifier.send(m) for m in messages]

    return asyncio.run(run())


def failure(settings: Settings, clock: VirtualClock, msg: Message) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send_all(settings, clock, msg)
    return caught.value


def test_a_reminder_arrives_as_text_with_its_buttons(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    (receipt,) = send_all(settings, clock, message("1001"))
    (got,) = zalo.received("1001")
    assert got.text == "📌 Còn 3 ngày đến hạn\nBáo cáo 6 tháng"
    assert got.buttons == [
        {"title": "Đã nhận", "type": "oa.query.hide", "payload": "#ack 12"},
        {"title": "Xin gia hạn", "type": "oa.query.hide", "payload": "#extend 12"},
    ]
    assert receipt.channel == "zalo"
    assert receipt.detail == {
        "user_id": "1001",
        "message_id": got.message_id,
        "message_ids": [got.message_id],
    }
    (send,) = zalo.sends()
    assert send.headers["access_token"] == got.access_token
    assert send.headers["content-type"] == "application/json"


def test_a_message_without_buttons_has_no_attachment(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    send_all(settings, clock, message("1002", buttons=()))
    (send,) = zalo.sends()
    assert send.body == {"recipient": {"user_id": "1002"}, "message": {"text": message("1").text}}


def test_a_long_text_goes_in_parts_at_paragraphs_in_order_with_the_buttons_last(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    paragraphs = [
        f"{n}. Sở Công Thương – báo cáo tình hình thực hiện kế hoạch quý. " * 4 for n in range(12)
    ]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > MAX_TEXT
    (receipt,) = send_all(settings, clock, message("1003", text))
    parts = zalo.received("1003")
    assert len(parts) == 2
    assert "\n\n".join(p.text for p in parts) == text  # nothing lost, in order
    assert all(len(p.text) <= MAX_TEXT for p in parts)
    assert all(p.text.split("\n\n")[0].split(".")[0].isdigit() for p in parts)  # whole paragraphs
    assert [bool(p.buttons) for p in parts] == [False, True]
    assert receipt.detail["message_ids"] == [p.message_id for p in parts]
    assert receipt.detail["message_id"] == parts[-1].message_id


def test_split_text_keeps_a_heading_with_what_it_heads() -> None:
    body = "x" * 60
    text = f"{body}\n\nViệc quá hạn:\n{body}"
    assert split_text(text, limit=80) == [body, f"Việc quá hạn:\n{body}"]


def test_split_text_cuts_a_long_line_between_words_and_a_long_word_anywhere() -> None:
    assert split_text("một hai ba bốn năm", limit=10) == ["một hai ba", "bốn năm"]
    assert split_text("a" * 25, limit=10) == ["a" * 10, "a" * 10, "a" * 5]
    assert split_text("ngắn", limit=10) == ["ngắn"]


@pytest.mark.parametrize(
    ("code", "text", "kind", "flag", "retry_after"),
    [
        (-213, "User has not followed OA", PermanentError, "user has not followed the OA", None),
        (
            -230,
            "User has not interacted with the OA in the past 7 days",
            PermanentError,
            "user has not interacted with the OA in the last 7 days",
            None,
        ),
        (-227, "User is banned", PermanentError, ADDRESS[-227], None),
        (-201, "user_id is invalid!", PermanentError, "unknown Zalo user id", None),
        (-201, "text is invalid!", PermanentError, None, None),
        (-233, "message type is invalid or not support", PermanentError, None, None),
        (-32, "Your application reached limit call api", TransientError, None, 60.0),
        (-211, "Out of quota", TransientError, None, 3600.0),
        (-218, "Out of quota receive", TransientError, None, 3600.0),
        (-224, "The OA needs to upgrade OA Tier Package", TransientError, None, None),
        (-200, "Send message failed", TransientError, None, None),
        (-999, "something new", TransientError, None, None),
    ],
)
def test_zalo_error_codes_map_to_permanent_or_transient(
    settings: Settings,
    zalo: FakeZaloApi,
    clock: VirtualClock,
    code: int,
    text: str,
    kind: type[DeliveryError],
    flag: str | None,
    retry_after: float | None,
) -> None:
    zalo.fail("1004", code, text)
    error = failure(settings, clock, message("1004"))
    assert type(error) is kind
    assert (error.flag, error.retry_after) == (flag, retry_after)
    assert str(code) in error.message and text in error.message
    assert not zalo.received("1004")


def test_a_user_who_does_not_follow_the_oa_is_flagged(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    error = failure(settings, clock, message("1999"))
    assert isinstance(error, PermanentError) and error.flag == "user has not followed the OA"


def test_an_address_that_is_not_a_user_id_fails_before_any_request(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    error = failure(settings, clock, message("kh@sct.example.org"))
    assert isinstance(error, PermanentError) and error.flag == "not a Zalo user id"
    assert zalo.requests == []


def test_an_unreachable_server_is_transient(settings: Settings, clock: VirtualClock) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert settings.zalo is not None
    down = settings.model_copy(
        update={
            "zalo": ZaloSettings(
                **{**settings.zalo.model_dump(), "oauth_url": f"http://127.0.0.1:{port}"}
            )
        }
    )
    error = failure(down, clock, message("1005"))
    assert isinstance(error, TransientError) and "cannot reach Zalo" in error.message


def test_messages_are_paced_at_the_configured_rate(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    send_all(settings, clock, *(message(str(user)) for user in (1006, 1007, 1008, 1009)))
    assert len(zalo.received()) == 4
    assert sum(clock.sleeps) == pytest.approx(3 / 20.0)  # [zalo] rate = 20 a second


def test_no_secret_reaches_the_logs_or_the_errors(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    send_all(settings, clock, message("1010"))
    zalo.expire_tokens()
    zalo.fail("1011", -216, "Access token is invalid", times=2)
    error = failure(settings, clock, message("1011"))
    assert isinstance(error, TransientError)
    tokens = {r.headers["access_token"] for r in zalo.sends()}
    refresh = {r.body["refresh_token"] for r in zalo.refreshes()} | {zalo.refresh_token}
    secrets = {SECRET_KEY, *tokens, *refresh}
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in error.message


def test_the_notifier_declares_what_zalo_carries() -> None:
    assert ZaloNotifier.channel == "zalo"
    assert (ZaloNotifier.max_length, ZaloNotifier.buttons, ZaloNotifier.attachments) == (
        2000,
        True,
        False,
    )
    assert ZaloNotifier.rate == 20.0 and ZaloNotifier.max_in_flight == 4


@pytest.mark.parametrize(
    ("status", "headers", "retry_after"),
    [(502, {}, None), (503, {"Retry-After": "30"}, 30.0), (429, {"Retry-After": "5"}, 5.0)],
)
def test_an_http_failure_is_transient_with_the_wait_the_server_asked(
    settings: Settings,
    zalo: FakeZaloApi,
    clock: VirtualClock,
    status: int,
    headers: dict[str, str],
    retry_after: float | None,
) -> None:
    zalo.fail_http(status, headers=headers)
    error = failure(settings, clock, message("1012"))
    assert isinstance(error, TransientError) and f"HTTP {status}" in error.message
    assert error.retry_after == retry_after
    send_all(settings, clock, message("1012"))  # the next attempt goes through
    assert len(zalo.received("1012")) == 1
