"""Escalations, weekly digests and the acknowledgement link reach an e-office system as
signed JSON POSTs, and the link it is given acknowledges through the real web app: a
plan synced with the shipped workflow (``tests.synced_world``), the delivery ticks with
the webhook notifier against the local receiver (which checks the signature and the
timestamp as the README tells a receiver to, and so does each test, by hand), and the
app served by uvicorn as ``nhacviec run`` serves it. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from engine.config import DigestSettings, Settings
from engine.store.db import Store
from engine.web import create_app, listen
from notifiers.webhook import WebhookNotifier, WebhookSettings
from tests import factories as f
from tests.fakes.webhook import SECRET, Delivery, FakeReceiver
from tests.helpers import WebClock, run_tick, served
from tests.synced_world import ESCALATION, Synced, synced

ENV = "NHACVIEC_TEST_WEBHOOK_SECRET"
LINK_SECRET = "webhook-e2e-link-secret-0123456789"
ESCALATED = f.at(date(2026, 6, 22))  # Monday: the day after the due date was a Saturday


@dataclass
class Clock:
    """The wall clock the notifier stamps with and the receiver checks against."""

    now: datetime

    def __call__(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def clock() -> Clock:
    return Clock(ESCALATED)


@pytest.fixture
def receiver(clock: Clock) -> Iterator[FakeReceiver]:
    with FakeReceiver(clock=clock) as server:
        yield server


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv(ENV, SECRET)
    return f.settings(tmp_path).model_copy(update={"webhook": WebhookSettings(secret_env=ENV)})


def deliver(world: Synced, settings: Settings, clock: Clock, now: datetime) -> list[Any]:
    """One delivery tick at ``now`` (the notifier stamping with ``clock`` set to it); the
    outcomes of the webhook's rows."""
    clock.now = now
    notifier = WebhookNotifier(secret=SECRET, clock=clock)
    report = run_tick(world.store, settings, now, notifiers={"webhook": notifier})
    return [o for o in report.outcomes if o.row.channel == "webhook"]


def checked(delivery: Delivery, now: datetime) -> dict[str, Any]:
    """The body of ``delivery`` once checked as a receiver would: the timestamp is the
    sending instant, the signature the HMAC-SHA256 of ``timestamp.body`` keyed with the
    shared secret."""
    timestamp = delivery.headers["x-nhacviec-timestamp"]
    assert int(timestamp) == int(now.timestamp())
    mac = hmac.new(SECRET.encode(), timestamp.encode() + b"." + delivery.body, hashlib.sha256)
    assert delivery.headers["x-nhacviec-signature"] == f"sha256={mac.hexdigest()}"
    assert delivery.verified  # and the receiver's own check agreed
    body: dict[str, Any] = delivery.json()
    assert body["id"] == delivery.key
    return body


def test_the_escalation_is_posted_signed_to_the_coordinators_webhook(
    store: Store, config: Settings, receiver: FakeReceiver, clock: Clock
) -> None:
    url = receiver.url("/eoffice/nhacviec")
    world = synced(store, url)
    *reminders, escalated = world.instants("webhook")
    assert escalated == ESCALATED
    for when in reminders:
        deliver(world, config, clock, when)
    assert [d.json()["stage"] for d in receiver.accepted()] == [
        "nhac-7-ngay",
        "nhac-2-ngay-lam-viec",
    ]

    outcomes = deliver(world, config, clock, ESCALATED)

    assert [(o.row.stage, o.result, o.to) for o in outcomes] == [(ESCALATION, "sent", url)]
    delivery = receiver.accepted()[-1]
    body = checked(delivery, ESCALATED)
    assert delivery.path == "/eoffice/nhacviec"
    assert body["id"] == f"o{world.report}:{ESCALATION}:c1:webhook"
    assert (body["kind"], body["obligation_id"], body["stage"], body["due_on"]) == (
        "obligation",
        world.report,
        ESCALATION,
        "2026-06-19",
    )
    assert (body["recipient"], body["language"]) == ("Phòng Kế hoạch - SCT", "vi")
    assert body["sent_at"] == "2026-06-22T01:00:00Z"
    assert body["subject"].startswith("[Nhắc việc – Quá hạn] Sở Công Thương – hạn 19/06/2026")
    assert body["text"].startswith(
        "Kính gửi Phòng Kế hoạch - SCT,\n\nNhiệm vụ sau của Sở Công Thương đã quá hạn 3 ngày "
        "và chưa hoàn thành:\n\n  Nhiệm vụ: Báo cáo 6 tháng đầu năm 2026\n"
    )
    assert world.stages("webhook")[ESCALATION] == ["sent"]


def test_a_delivery_replayed_later_is_refused_by_the_receiver(
    store: Store, config: Settings, receiver: FakeReceiver, clock: Clock
) -> None:
    """What the timestamp is for: the same signed bytes posted again ten minutes later
    (a replay) fail the receiver's check."""
    world = synced(store, receiver.url())
    deliver(world, config, clock, ESCALATED)
    (genuine,) = receiver.accepted()

    clock.now = ESCALATED.replace(minute=10)
    request = urllib.request.Request(receiver.url(), data=genuine.body, method="POST")
    for name in ("x-nhacviec-timestamp", "x-nhacviec-signature", "idempotency-key"):
        request.add_header(name, genuine.headers[name])
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    refused.value.close()
    assert refused.value.code == 401
    assert [d.verified for d in receiver.deliveries] == [True, False]


def test_the_weekly_digest_is_posted_signed_as_a_digest(
    store: Store, config: Settings, receiver: FakeReceiver, clock: Clock
) -> None:
    world = synced(store, receiver.url())
    weekly = config.model_copy(update={"digest": DigestSettings(enabled=True)})
    monday = f.at(date(2026, 6, 15))  # 2026-W25: the report is due on Friday

    outcomes = deliver(world, weekly, clock, monday)

    digests = [o for o in outcomes if o.row.kind == "digest"]
    assert [(o.row.key, o.result) for o in digests] == [
        ("digest:2026-W25:agency:c1:webhook", "sent")
    ]
    (delivery,) = [d for d in receiver.accepted() if d.json()["kind"] == "digest"]
    body = checked(delivery, monday)
    assert (body["stage"], body["obligation_id"], body["due_on"]) == ("agency", None, None)
    assert body["subject"].startswith("[Nhắc việc] Tổng hợp tuần 25/2026 – Sở Công Thương")
    assert "Tổng hợp tuần 25/2026 các nhiệm vụ của Sở Công Thương" in body["text"]
    assert f"#{world.report}" in body["text"] and "hạn 19/06/2026 · còn 4 ngày" in body["text"]
    # an e-office system has no bot to answer: the text names none
    assert "Số # là mã nhắc việc; báo cho đầu mối theo dõi kế hoạch" in body["text"]
    assert "Telegram" not in body["text"] and "#done" not in body["text"]


# ---- the acknowledgement link, followed from the posted JSON ---------------------------


@contextmanager
def running(store: Store, settings: Settings, clock: WebClock) -> Iterator[str]:
    """The web app served by uvicorn on ``settings``' base URL (``engine.web.serve``, as
    ``nhacviec run`` serves it), until the block ends."""
    sock = listen(urllib.parse.urlsplit(settings.web.base_url).netloc)
    with served(create_app(store, settings, clock=clock), sock):
        yield settings.web.base_url


def fetch(url: str, form: dict[str, str] | None = None) -> tuple[int, str]:
    """GET ``url``, or POST ``form`` to it, as the e-office system's user's browser does."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as answer:
        return answer.status, answer.read().decode()


def form_action(url: str, page: str) -> str:
    """Where the page's first form posts to, as a browser resolves it against ``url``."""
    found = re.search(r'<form method="post" action="([^"]*)"', page)
    assert found, page
    return urllib.parse.urljoin(url, html.unescape(found.group(1)))


def test_the_ack_link_in_the_posted_json_acknowledges_through_the_web_app(
    store: Store, config: Settings, receiver: FakeReceiver, clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from tests.fakes.smtp import free_port

    monkeypatch.setenv("NHACVIEC_SECRET", LINK_SECRET)
    base = f"http://127.0.0.1:{free_port()}"
    settings = config.model_copy(update={"web": config.web.model_copy(update={"base_url": base})})
    world = synced(store, receiver.url())
    first, second, *_rest = world.instants("webhook")

    deliver(world, settings, clock, first)  # 7 days before: asks for acknowledgement

    body = checked(receiver.accepted()[-1], first)
    found = re.search(r"Xác nhận đã nhận nhiệm vụ: (\S+)", body["text"])
    assert found, body["text"]
    link = found.group(1)
    assert link.startswith(f"{base}/ack/")
    assert body["ack_url"] == link  # the body gives it as data too, so no one parses text
    web = WebClock(datetime.combine(first.date(), time(10, 15), tzinfo=f.HANOI))
    with running(store, settings, web):
        status, page = fetch(link)
        assert status == 200 and "Báo cáo 6 tháng đầu năm 2026" in page
        assert '<button type="submit">Xác nhận đã nhận</button>' in page
        assert world.status() == "open"  # opening the link records nothing

        status, page = fetch(form_action(link, page), {})  # the page's button
        assert status == 200 and "Đã ghi nhận" in page

        assert world.status() == "acknowledged"
        assert world.history() == [
            ("created", "sync", "system"),
            ("acknowledged", "Phòng Kế hoạch - SCT", "web"),
        ]
        status, page = fetch(link)  # opened again: it says so, offers no second button
        assert status == 200 and "Đã xác nhận trước đó" in page
        assert len(world.history()) == 2

    deliver(world, settings, clock, second)  # acknowledged, not done: reminded, no link

    later = checked(receiver.accepted()[-1], second)
    assert later["stage"] == "nhac-2-ngay-lam-viec"
    assert "/ack/" not in later["text"] and "Xác nhận đã nhận nhiệm vụ" not in later["text"]
    assert later["ack_url"] is None
