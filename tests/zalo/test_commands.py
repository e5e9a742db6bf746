"""A linked follower acknowledges or reports done from Zalo: their text ("#ack 12", "/done
12", or a button's payload "ack:12" sent back by Zalo) reaches the OA webhook, goes
through the bot's one authorisation path (``engine.bot.texts``, ``BotService`` on the
channel ``zalo``) and is answered through the OA API; strangers and other agencies'
followers are refused, answered in Vietnamese, and the refusal recorded against the
obligation. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date

import httpx
import pytest

from engine.bot import links
from engine.config import Settings
from engine.store.db import Store
from engine.store.models import AuditEvent, Obligation
from tests import factories as f
from tests.fakes.clock import VirtualClock
from tests.fakes.zaloapi import FakeZaloApi
from tests.zalo.conftest import FOLLOWER, OTHER, OWNER, STRANGER, linked_world, refusals
from tests.zalo.conftest import say as zalo_say

NOW = f.at(date(2026, 6, 12))


@dataclass
class World:
    obligation: int  # owed by Sở Công Thương, under a plan of UBND
    code: str  # a fresh invitation code of Sở Công Thương's contact (linking still works)


@pytest.fixture
def world(store: Store, zalo: FakeZaloApi) -> World:
    with store.session() as s:
        sct, _owner, obligation = linked_world(s, zalo)
        later = f.contact(s, sct, name="Lãnh đạo SCT", email=None, key="sct-head")
        return World(obligation, links.new_invite(s, later, NOW))


def say(
    store: Store, settings: Settings, clock: VirtualClock, zalo: FakeZaloApi,
    texts: list[tuple[str, str]],
) -> list[str]:  # fmt: skip
    return zalo_say(store, settings, clock, zalo, texts, NOW)


def test_the_plan_owners_follower_may_acknowledge_too(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    (answer,) = say(store, engine_settings, clock, zalo, [(OWNER, f"#ACK {n}")])

    assert answer.startswith(f"✅ Đã ghi nhận #{n} Báo cáo 6 tháng đầu năm 2026 – Văn phòng")
    with store.session() as s:
        assert s.get_one(Obligation, n).status == "acknowledged"
    assert refusals(store) == []


def test_the_done_button_asks_to_confirm_with_buttons_then_the_confirmation_reports_done(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    (question,) = say(store, engine_settings, clock, zalo, [(FOLLOWER, f"done?:{n}")])

    assert question.startswith("Xác nhận đã hoàn thành?")
    shown = [(b["title"], b["payload"]) for b in zalo.received(FOLLOWER)[-1].buttons]
    assert [payload for _, payload in shown] == [f"done!:{n}", f"cancel:{n}"]
    with store.session() as s:
        assert s.get_one(Obligation, n).status == "open"

    (answer,) = say(store, engine_settings, clock, zalo, [(FOLLOWER, f"done!:{n}")])

    assert answer.startswith(f"✅ Đã hoàn thành #{n} Báo cáo 6 tháng đầu năm 2026")
    with store.session() as s:
        assert s.get_one(Obligation, n).status == "done"


def test_a_snooze_button_snoozes_and_says_until_when(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    (answer,) = say(store, engine_settings, clock, zalo, [(FOLLOWER, f"snooze:{n}:1d")])

    assert answer == f"🔕 Sẽ nhắc lại #{n} lúc 15/06 08:00."  # Friday 12/06: next working day
    with store.session() as s:
        (event,) = [e for e in s.query(AuditEvent) if e.obligation_id == n]
        assert (event.event, event.channel, event.actor) == (
            "snoozed", "zalo", "Phòng Kế hoạch - SCT"
        )  # fmt: skip


def test_a_linked_follower_acknowledges_by_button_and_reports_done_by_text(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    answers = say(store, engine_settings, clock, zalo, [(FOLLOWER, f"ack:{n}")])

    (answer,) = answers
    assert answer.startswith(f"✅ Đã ghi nhận #{n} Báo cáo 6 tháng đầu năm 2026 – Phòng Kế hoạch")
    assert "<" not in answer  # Zalo shows no HTML
    with store.session() as s:
        obligation = s.get_one(Obligation, n)
        assert obligation.status == "acknowledged"
        (event,) = [e for e in s.query(AuditEvent) if e.event == "acknowledged"]
        assert (event.obligation_id, event.channel, event.actor) == (
            n, "zalo", "Phòng Kế hoạch - SCT"
        )  # fmt: skip
        assert event.data is not None
        assert (event.data["address"], event.data["contact"]) == (FOLLOWER, "sct")

    answers = say(store, engine_settings, clock, zalo, [(FOLLOWER, f"#done {n} 245/BC-SCT")])

    assert answers[0].startswith(f"✅ Đã hoàn thành #{n} Báo cáo 6 tháng đầu năm 2026 – Phòng")
    assert "đúng hạn" in answers[0] and "245/BC-SCT" in answers[0]
    with store.session() as s:
        assert s.get_one(Obligation, n).status == "done"
        (done,) = [e for e in s.query(AuditEvent) if e.event == "done"]
        assert (done.channel, done.note) == ("zalo", "245/BC-SCT")
    assert refusals(store) == []


def test_a_stranger_and_another_agencys_follower_are_refused_and_recorded(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    texts = [(STRANGER, f"#ack {n}"), (OTHER, f"/ack {n}"), (OTHER, f"done!:{n}")]

    answers = say(store, engine_settings, clock, zalo, texts)

    assert answers[0].startswith("Chat này chưa được liên kết với đơn vị nào")
    refused = f"Rất tiếc, chat này không được xác nhận việc #{n} (của Sở Công Thương)."
    assert answers[1] == f"{refused} Yêu cầu đã được ghi lại."
    assert answers[2].startswith(f"Rất tiếc, chat này không được báo hoàn thành việc #{n}")
    with store.session() as s:
        assert s.get_one(Obligation, n).status == "open"
    assert refusals(store) == [
        (n, "zalo", {"address": STRANGER, "attempted": "/ack",
                     "reason": "the chat is not linked to a contact"}),
        (n, "zalo", {"address": OTHER, "attempted": f"/ack {n}", "reason":
                     "the chat is not linked to the obligation's agency or the plan owner"}),
        (n, "zalo", {"address": OTHER, "attempted": f"done!:{n}", "reason":
                     "the chat is not linked to the obligation's agency or the plan owner"}),
    ]  # fmt: skip


def test_a_huge_number_is_not_found_and_codes_still_link(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    huge = "9" * 40
    texts = [(FOLLOWER, f"#ack {huge}"), (FOLLOWER, "#ack"), ("1004", f"#link {world.code}")]

    answers = say(store, engine_settings, clock, zalo, texts)

    assert answers[0] == f"Không tìm thấy việc #{huge}."
    assert answers[1].startswith("Cách dùng: /ack số [ghi chú]")
    assert answers[2].startswith("Đã liên kết với Lãnh đạo SCT (Sở Công Thương)")
    ((obligation, channel, data),) = refusals(store)
    assert (obligation, channel, data["reason"]) == (None, "zalo", "unknown obligation")
    assert data["address"] == FOLLOWER


def test_the_web_server_serves_the_oa_webhook_when_zalo_is_configured(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, world: World
) -> None:
    """``nhacviec run``'s web server answers Zalo at /zalo/webhook: a follower's "#ack N"
    acknowledges, and the answer goes back through the OA API."""
    from engine.web import create_app

    app = create_app(store, engine_settings, clock=lambda: NOW)
    body, headers = zalo.signed_event(OWNER, f"#ack {world.obligation}", at=time.time())

    async def post() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://z.test") as client:
            return (await client.post("/zalo/webhook", content=body, headers=headers)).status_code

    assert asyncio.run(post()) == 200
    (answer,) = [m.text for m in zalo.received()]
    assert answer.startswith(f"✅ Đã ghi nhận #{world.obligation}")
    with store.session() as s:
        assert s.get_one(Obligation, world.obligation).status == "acknowledged"


def test_without_the_oa_secret_key_the_webhook_is_not_served(
    store: Store, engine_settings: Settings, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    from engine.web import create_app

    assert engine_settings.zalo is not None
    monkeypatch.delenv(engine_settings.zalo.oa_secret_key_env)
    app = create_app(store, engine_settings, clock=lambda: NOW)
    assert "/zalo/webhook" not in [getattr(route, "path", None) for route in app.routes]
    assert "không phục vụ webhook zalo: Zalo chưa được cấu hình" in caplog.text
