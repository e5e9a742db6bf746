"""The webhook notifier against a real local receiver (``tests.fakes.webhook``)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from notifiers.base import DeliveryError, Message, PermanentError, Receipt, TransientError
from notifiers.webhook import WebhookNotifier, check_url, verify
from tests.fakes.webhook import NOW, SECRET, FakeReceiver

KEY = "o12:before_7:c3:webhook"


def message(to: str, key: str = KEY, **kw: object) -> Message:
    fields: dict[str, object] = {
        "subject": "Sở Công Thương: Báo cáo 6 tháng – hạn 20/07/2026",
        "text": "Còn 7 ngày đến hạn nộp báo cáo.\nXác nhận: http://127.0.0.1:8080/a/xyz",
        "to_name": "Phòng Kế hoạch",
        "language": "vi",
        **kw,
    }
    return Message(key=key, channel="webhook", to=to, **fields)  # type: ignore[arg-type]


def notifier(**kw: object) -> WebhookNotifier:
    options: dict[str, object] = {"secret": SECRET, "clock": lambda: NOW, **kw}
    return WebhookNotifier(**options)  # type: ignore[arg-type]


def send_all(*messages: Message, **kw: object) -> list[Receipt]:
    async def run() -> list[Receipt]:
        async with notifier(**kw) as channel:
            return [await channel.send(m) for m in messages]

    return asyncio.run(run())


def send_expecting(msg: Message, error: type[DeliveryError], **kw: object) -> DeliveryError:
    with pytest.raises(error) as caught:
        send_all(msg, **kw)
    return caught.value


# ---- what the receiver gets ------------------------------------------------------


def test_a_message_arrives_as_signed_json_that_the_receiver_verifies(
    receiver: FakeReceiver,
) -> None:
    [receipt] = send_all(message(receiver.url("/eoffice/nhacviec?src=sct")))

    [delivery] = receiver.deliveries
    assert delivery.verified and delivery.status == 200
    assert delivery.path == "/eoffice/nhacviec?src=sct"
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.headers["idempotency-key"] == KEY
    assert delivery.headers["x-nhacviec-timestamp"] == str(int(NOW))
    assert delivery.headers["x-nhacviec-signature"].startswith("sha256=")
    assert verify(
        SECRET,
        delivery.headers["x-nhacviec-timestamp"],
        delivery.body,
        delivery.headers["x-nhacviec-signature"],
        now=NOW,
    )
    assert delivery.json() == {
        "schema": 1,
        "id": KEY,
        "kind": "obligation",
        "obligation_id": 12,
        "stage": "before_7",
        "due_on": None,
        "subject": "Sở Công Thương: Báo cáo 6 tháng – hạn 20/07/2026",
        "text": "Còn 7 ngày đến hạn nộp báo cáo.\nXác nhận: http://127.0.0.1:8080/a/xyz",
        "language": "vi",
        "recipient": "Phòng Kế hoạch",
        "ack_url": None,
        "done_url": None,
        "sent_at": "2026-05-28T20:26:40Z",
    }
    assert "Sở Công Thương".encode() in delivery.body  # UTF-8, not \u escapes
    assert receipt == Receipt("webhook", {"status": 200, "id": "d1"})


def test_the_renderers_headers_give_the_event_and_the_due_date(receiver: FakeReceiver) -> None:
    headers = {
        "Date": "Thu, 28 May 2026 08:00:00 +0700",
        "X-Nhacviec-Kind": "extension",
        "X-Nhacviec-Obligation": "44",
        "X-Nhacviec-Due-On": "2026-07-20",
    }
    send_all(message(receiver.url(), key="o12:ext-3-request:c3:webhook", headers=headers))

    body = receiver.deliveries[0].json()
    assert (body["kind"], body["obligation_id"], body["stage"], body["due_on"]) == (
        "extension",
        44,
        "ext-3-request",
        "2026-07-20",
    )


def test_the_messages_facts_give_the_due_date(receiver: FakeReceiver) -> None:
    sent = message(receiver.url())
    send_all(replace(sent, facts={"due_on": "2026-07-20"}))
    assert receiver.deliveries[0].json()["due_on"] == "2026-07-20"


def test_a_digest_is_told_by_its_key_and_an_unknown_key_gives_nulls(
    receiver: FakeReceiver,
) -> None:
    send_all(
        message(receiver.url(), key="digest:2026-W22:owner:c3:webhook", language="en"),
        message(receiver.url(), key="signin:3:1780000000"),
    )

    digest, other = (d.json() for d in receiver.deliveries)
    assert (digest["kind"], digest["stage"], digest["obligation_id"]) == ("digest", "owner", None)
    assert digest["language"] == "en"
    assert (other["kind"], other["stage"], other["obligation_id"]) == (None, None, None)
    assert other["id"] == "signin:3:1780000000"


def test_the_timestamp_and_sent_at_follow_the_clock(receiver: FakeReceiver) -> None:
    later = NOW + 3600.75
    receiver.clock = lambda: later
    send_all(message(receiver.url()), clock=lambda: later)

    [delivery] = receiver.deliveries
    assert delivery.verified
    assert delivery.headers["x-nhacviec-timestamp"] == str(int(later))
    assert delivery.json()["sent_at"] == "2026-05-28T21:26:40Z"


def test_a_clock_far_from_the_receivers_is_refused_by_it_as_a_replay(
    receiver: FakeReceiver,
) -> None:
    error = send_expecting(message(receiver.url()), PermanentError, clock=lambda: NOW - 301)

    assert not receiver.deliveries[0].verified
    assert error.flag == "127.0.0.1 refused: 401 Unauthorized"


def test_a_wrong_secret_is_refused_by_the_receiver_and_flags_the_address(
    receiver: FakeReceiver,
) -> None:
    wrong = "another-secret-of-some-length"
    error = send_expecting(message(receiver.url()), PermanentError, secret=wrong)

    assert error.flag == "127.0.0.1 refused: 401 Unauthorized"
    assert "invalid signature" in error.message
    assert wrong not in error.message and wrong not in (error.flag or "")


def test_a_duplicate_key_sent_twice_carries_the_same_idempotency_key(
    receiver: FakeReceiver,
) -> None:
    first, second = send_all(message(receiver.url()), message(receiver.url()))

    keys = [d.key for d in receiver.deliveries]
    assert keys == [KEY, KEY]
    assert [d.duplicate for d in receiver.deliveries] == [False, True]
    assert len(receiver.accepted()) == 1
    assert first.detail["id"] == second.detail["id"] == "d1"


def test_a_resend_after_a_timeout_is_recognised_by_the_receiver_as_the_same(
    receiver: FakeReceiver,
) -> None:
    receiver.hold()  # the receiver takes the first delivery but answers too late
    send_expecting(message(receiver.url()), TransientError, timeout=0.2)
    receiver.release()
    [receipt] = send_all(message(receiver.url()))

    assert [d.key for d in receiver.deliveries] == [KEY, KEY]
    assert receiver.deliveries[1].duplicate and len(receiver.accepted()) == 1
    assert receipt.detail == {"status": 200, "id": "d1"}


def test_one_batch_reuses_one_connection(receiver: FakeReceiver) -> None:
    send_all(*(message(receiver.url(), key=f"o{n}:before:c3:webhook") for n in range(3)))

    assert len({d.client_port for d in receiver.deliveries}) == 1
    assert all(d.verified for d in receiver.deliveries)


def test_sends_at_once_share_at_most_max_in_flight_connections(receiver: FakeReceiver) -> None:
    async def run() -> list[Receipt]:
        async with notifier(max_in_flight=2) as channel:
            keys = (f"o{n}:before:c3:webhook" for n in range(8))
            return await asyncio.gather(*(channel.send(message(receiver.url(), k)) for k in keys))

    receipts = asyncio.run(run())

    assert len({r.detail["id"] for r in receipts}) == 8 and len(receiver.accepted()) == 8
    assert len({d.client_port for d in receiver.deliveries}) <= 2


def test_a_key_that_cannot_be_a_header_fails_without_sending(receiver: FakeReceiver) -> None:
    error = send_expecting(message(receiver.url(), key="o1:before\n:c3:webhook"), PermanentError)

    assert "cannot be an HTTP header" in error.message and receiver.deliveries == []


def test_entering_opens_the_client_and_leaving_closes_it(receiver: FakeReceiver) -> None:
    async def run() -> None:
        channel = notifier()
        async with channel:
            client = channel._client
            assert client is not None and not client.is_closed
            await channel.send(message(receiver.url()))
        assert channel._client is None and client.is_closed
        # used without ``async with``: a client for that send, closed by aclose
        await channel.send(message(receiver.url(), key="o13:before:c3:webhook"))
        assert channel._client is not None
        await channel.aclose()
        assert channel._client is None

    asyncio.run(run())
    assert len(receiver.accepted()) == 2


# ---- answers and their meaning ---------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_delivered(receiver: FakeReceiver, status: int) -> None:
    receiver.answer(status)
    [receipt] = send_all(message(receiver.url()))

    assert receipt == Receipt("webhook", {"status": status, "id": None})


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ({"id": "VB-2026-0042"}, "VB-2026-0042"),
        ({"delivery_id": 981}, "981"),
        ({"message_id": "m-7", "ok": True}, "m-7"),
        ({"id": True}, None),
        ({"ok": True}, None),
        (b"[1, 2]", None),
        (b"accepted", None),
    ],
)
def test_the_receipt_keeps_the_id_a_receiver_gave(
    receiver: FakeReceiver, body: bytes | dict[str, object], found: str | None
) -> None:
    receiver.answer(202, body=body)
    [receipt] = send_all(message(receiver.url()))

    assert receipt.detail == {"status": 202, "id": found}


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504, 507])
def test_a_busy_or_failing_receiver_is_worth_another_try(
    receiver: FakeReceiver, status: int
) -> None:
    receiver.answer(status, body=b"busy, try later")
    error = send_expecting(message(receiver.url()), TransientError)

    assert error.message.startswith(f"webhook {receiver.url('')} answered {status} ")
    assert error.message.endswith(": busy, try later")
    assert error.retry_after is None and error.flag is None
    assert len(receiver.deliveries) == 1


@pytest.mark.parametrize(
    ("status", "flag"),
    [
        (400, "127.0.0.1 refused: 400 Bad Request"),
        (403, "127.0.0.1 refused: 403 Forbidden"),
        (404, "127.0.0.1 refused: 404 Not Found"),
        (410, "127.0.0.1 refused: 410 Gone"),
        (499, "127.0.0.1 refused: 499"),  # a status HTTP does not name: the number
    ],
)
def test_a_refusal_fails_the_row_and_flags_the_url(
    receiver: FakeReceiver, status: int, flag: str
) -> None:
    receiver.answer(status, body={"error": "no such subscription"})
    error = send_expecting(message(receiver.url()), PermanentError)

    assert error.flag == flag
    assert error.message.endswith('{"error": "no such subscription"}')
    assert error.retry_after is None and len(receiver.deliveries) == 1


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_says_the_url_moved(
    receiver: FakeReceiver, status: int
) -> None:
    receiver.answer(status, headers={"Location": receiver.url("/elsewhere")})
    error = send_expecting(message(receiver.url()), PermanentError)

    assert [d.path for d in receiver.deliveries] == ["/hook"]  # nothing at /elsewhere
    assert error.flag is not None and error.flag.startswith(f"127.0.0.1 redirects ({status} ")
    assert "redirects are not followed" in error.message


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured(receiver: FakeReceiver, status: int) -> None:
    receiver.answer(status, headers={"Retry-After": "120"})
    error = send_expecting(message(receiver.url()), TransientError)

    assert error.retry_after == 120.0


def test_retry_after_as_an_http_date_is_read_against_the_clock(receiver: FakeReceiver) -> None:
    when = datetime.fromtimestamp(NOW + 90, UTC)
    receiver.answer(503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    error = send_expecting(message(receiver.url()), TransientError)

    assert error.retry_after == 90.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("9999999", 86400.0), ("soon", None), ("Thu, 01 Jan 2026 00:00:00 GMT", 0.0)],
)
def test_retry_after_is_capped_at_a_day_and_ignored_when_unreadable(
    receiver: FakeReceiver, value: str, seconds: float | None
) -> None:
    receiver.answer(429, headers={"Retry-After": value})
    error = send_expecting(message(receiver.url()), TransientError)

    assert error.retry_after == seconds


def test_a_receiver_slower_than_the_timeout_is_transient(receiver: FakeReceiver) -> None:
    receiver.hold()
    error = send_expecting(message(receiver.url()), TransientError, timeout=0.2)

    assert error.message == f"webhook {receiver.url('')} did not answer within 0.2 s"


def test_a_refused_connection_is_transient() -> None:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook/secret-token-in-path?key=hunter2"
    error = send_expecting(message(url), TransientError)

    assert error.message.startswith(f"webhook http://127.0.0.1:{port}: ConnectError")
    assert "secret-token-in-path" not in error.message and "hunter2" not in error.message


@pytest.mark.parametrize(
    "to",
    ["ftp://127.0.0.1/hook", "file:///etc/passwd", "127.0.0.1:8080/hook", "", "http:///hook"],
)
def test_an_address_that_is_not_an_http_url_fails_without_sending(
    receiver: FakeReceiver, to: str
) -> None:
    error = send_expecting(message(to), PermanentError)

    assert error.flag == "not an http(s) URL"
    assert receiver.deliveries == []


def test_no_error_shows_the_secret_the_path_or_the_query(receiver: FakeReceiver) -> None:
    url = receiver.url("/hook/tok-3f9a?api_key=hunter2")
    errors: list[DeliveryError] = []
    for status, kind in [(500, TransientError), (410, PermanentError), (302, PermanentError)]:
        receiver.answer(status, headers={"Location": url})
        errors.append(send_expecting(message(url), kind))
    for error in errors:
        shown = f"{error.message} {error.flag or ''} {error!r}"
        assert SECRET not in shown and "tok-3f9a" not in shown and "hunter2" not in shown
    assert SECRET not in repr(notifier())


# ---- the address check -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://eoffice.congthuong.gov.vn/api/nhacviec", True),
        ("http://10.0.0.5:8080/hook?src=sct", True),
        ("https://[2001:db8::1]:8443/hook", True),
        ("HTTPS://Example.ORG/x", True),
        ("ftp://example.org/x", False),
        ("example.org/hook", False),
        ("https://", False),
        ("https://example.org/a b", False),
        ("https://example.org/\n", False),
        ("https://ví-dụ.vn/hook", False),  # an IDN is written in punycode (xn--)
        ("https://example.org:99999/x", False),
        ("https://example.org/" + "x" * 2100, False),
        (None, False),
        (42, False),
    ],
)
def test_check_url_accepts_only_http_and_https_urls(value: object, ok: bool) -> None:
    assert check_url(value) is ok
