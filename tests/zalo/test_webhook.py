"""The OA webhook: Zalo's signature checked, stale and replayed events refused, a
follower's text handed to ``on_text`` and its reply sent back through the OA API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest
from starlette.applications import Starlette

from engine.config import Settings
from notifiers.base import Answer
from notifiers.zalo import webhook_from_settings
from notifiers.zalo.webhook import signature, webhook_app
from tests.fakes.clock import VirtualClock
from tests.fakes.zaloapi import APP_ID, OA_SECRET_KEY, FakeZaloApi
from tests.zalo.conftest import make_notifier

Texts = list[tuple[str, str]]


def post(app: Starlette, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """POST to the app over ASGI, waiting for what it does after answering (the reply)."""

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://zalo.test") as client:
            return await client.post("/", content=body, headers=headers)

    return asyncio.run(run())


def recording(
    clock: VirtualClock, reply: str | None = None
) -> tuple[Starlette, Texts, list[tuple[str, str]]]:
    """An app whose ``on_text`` records what it gets and whose replies are recorded."""
    texts: Texts = []
    replies: list[tuple[str, str]] = []

    def on_text(user_id: str, text: str) -> str | None:
        texts.append((user_id, text))
        return reply

    async def send_reply(user_id: str, answer: Answer) -> None:
        replies.append((user_id, answer.text))

    app = webhook_app(
        on_text, app_id=APP_ID, oa_secret_key=OA_SECRET_KEY, send_reply=send_reply, clock=clock
    )
    return app, texts, replies


def test_a_signed_text_reaches_on_text_and_its_reply_is_sent(
    zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    app, texts, replies = recording(clock, reply="Đã liên kết")
    response = post(app, *zalo.signed_event("1001", "#link 482913"))
    assert response.status_code == 200
    assert texts == [("1001", "#link 482913")]
    assert replies == [("1001", "Đã liên kết")]


def test_no_reply_when_on_text_has_none(zalo: FakeZaloApi, clock: VirtualClock) -> None:
    app, texts, replies = recording(clock, reply=None)
    assert post(app, *zalo.signed_event("1001", "xin chào")).status_code == 200
    assert texts == [("1001", "xin chào")] and replies == []


def test_the_signature_is_sha256_of_app_id_body_timestamp_and_the_oa_key() -> None:
    import hashlib

    body = b'{"event_name":"user_send_text"}'
    expected = hashlib.sha256(b"42" + body + b"1700000000000" + b"key").hexdigest()
    assert signature("42", body, "1700000000000", "key") == expected


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body, {**headers, "X-ZEvent-Signature": "mac=" + "0" * 64}),
        lambda body, headers: (body.replace(b"#ack 7", b"#ack 8"), headers),
        lambda body, headers: (
            body,
            {k: v for k, v in headers.items() if k != "X-ZEvent-Signature"},
        ),
    ],
    ids=["wrong mac", "body changed", "no signature"],
)
def test_a_bad_signature_is_refused(
    zalo: FakeZaloApi,
    clock: VirtualClock,
    tamper: Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]],
) -> None:
    app, texts, _replies = recording(clock, reply="x")
    response = post(app, *tamper(*zalo.signed_event("1001", "#ack 7")))
    assert response.status_code == 401
    assert texts == []


def test_an_event_signed_with_another_key_or_for_another_app_is_refused(
    zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    app, texts, _replies = recording(clock)
    assert post(app, *zalo.signed_event("1001", "#ack 7", key="guessed")).status_code == 401
    assert post(app, *zalo.signed_event("1001", "#ack 7", app_id="999")).status_code == 401
    assert texts == []


def test_the_mac_prefix_is_optional(zalo: FakeZaloApi, clock: VirtualClock) -> None:
    app, texts, _replies = recording(clock)
    body, headers = zalo.signed_event("1001", "#ack 7")
    headers["X-ZEvent-Signature"] = headers["X-ZEvent-Signature"].removeprefix("mac=")
    assert post(app, body, headers).status_code == 200
    assert texts == [("1001", "#ack 7")]


@pytest.mark.parametrize("offset", [-901.0, 901.0])
def test_a_stale_timestamp_is_refused_even_when_signed(
    zalo: FakeZaloApi, clock: VirtualClock, offset: float
) -> None:
    app, texts, _replies = recording(clock)
    response = post(app, *zalo.signed_event("1001", "#ack 7", at=clock.now + offset))
    assert response.status_code == 401 and "stale" in response.json()["error"]
    assert post(app, *zalo.signed_event("1001", "#ack 7", at=clock.now - 899)).status_code == 200
    assert texts == [("1001", "#ack 7")]


def test_an_event_delivered_twice_is_handled_once(zalo: FakeZaloApi, clock: VirtualClock) -> None:
    app, texts, _replies = recording(clock, reply="ok")
    event = zalo.signed_event("1001", "#ack 7", msg_id="m-1")
    assert [post(app, *event).status_code for _ in range(2)] == [200, 200]
    assert texts == [("1001", "#ack 7")]


def test_other_events_are_acknowledged_and_ignored(zalo: FakeZaloApi, clock: VirtualClock) -> None:
    app, texts, _replies = recording(clock, reply="x")
    timestamp = str(int(clock.now * 1000))
    event = {"app_id": APP_ID, "event_name": "follow", "follower": {"id": "1001"}}
    body = json.dumps({**event, "timestamp": timestamp}).encode()
    mac = signature(APP_ID, body, timestamp, OA_SECRET_KEY)
    assert post(app, body, {"X-ZEvent-Signature": f"mac={mac}"}).status_code == 200
    assert texts == []


def test_a_body_that_is_not_json_is_a_bad_request(clock: VirtualClock) -> None:
    app, texts, _replies = recording(clock)
    assert post(app, b"not json", {"X-ZEvent-Signature": "mac=00"}).status_code == 400
    assert texts == []


def test_the_webhook_of_the_settings_replies_through_the_oa_api(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    async def on_text(user_id: str, text: str) -> str | None:
        return f"Đã ghi nhận: {text}" if text.startswith("#ack") else None

    async def run() -> list[int]:
        async with make_notifier(settings, clock) as notifier:
            app = webhook_from_settings(settings, on_text, notifier=notifier, clock=clock)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://z.test") as client:
                statuses = []
                for text in ("#ack 12", "hello"):
                    body, headers = zalo.signed_event("1002", text)
                    statuses.append(
                        (await client.post("/", content=body, headers=headers)).status_code
                    )
                return statuses

    assert asyncio.run(run()) == [200, 200]
    assert [m.text for m in zalo.received("1002")] == ["Đã ghi nhận: #ack 12"]
