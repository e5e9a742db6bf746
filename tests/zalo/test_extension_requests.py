"""Asking for an extension from Zalo, and the plan owner deciding there.

Telegram's "Xin gia hạn" asks its question by reply (ForceReply); a Zalo follower's reply
comes back as a bare text, so on Zalo the button answers with the command to type
instead, and ``#extend N DD/MM/YYYY lý do`` (Telegram's ``/extend``) makes the request
through the bot's one authorisation path (``engine.bot.texts``, ``BotService`` on the
channel ``zalo``). The plan owner's follower gets the request with "Đồng ý" / "Từ chối"
buttons; "Từ chối" answers with ``#refuse GH7 lý do``. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from engine.config import Settings
from engine.store.db import Store
from engine.store.models import AuditEvent, ExtensionRequest, Notification, Obligation
from tests import factories as f
from tests.fakes.clock import VirtualClock
from tests.fakes.zaloapi import FakeZaloApi
from tests.zalo.conftest import FOLLOWER, OTHER, OWNER, STRANGER, linked_world, refusals
from tests.zalo.conftest import say as zalo_say

NOW = f.at(date(2026, 6, 12))


@dataclass
class World:
    obligation: int  # owed by Sở Công Thương, due 19/06/2026, under a plan of UBND
    owner: int  # UBND's coordinator (a contact id)


@pytest.fixture
def world(store: Store, zalo: FakeZaloApi) -> World:
    with store.session() as s:
        _sct, coordinator, obligation = linked_world(s, zalo)
        return World(obligation, coordinator.id)


def say(
    store: Store, settings: Settings, clock: VirtualClock, zalo: FakeZaloApi,
    texts: list[tuple[str, str]],
) -> list[str]:  # fmt: skip
    return zalo_say(store, settings, clock, zalo, texts, NOW)


def requests(store: Store) -> list[tuple[int, str, str, date, str, str]]:
    with store.session() as s:
        rows = s.scalars(select(ExtensionRequest).order_by(ExtensionRequest.id))
        return [
            (r.obligation_id, r.requested_by, r.requested_via, r.new_due_on, r.reason, r.state)
            for r in rows
        ]


def test_the_extension_button_answers_with_the_command_to_type(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    (answer,) = say(store, engine_settings, clock, zalo, [(FOLLOWER, f"extend?:{n}")])

    assert answer == (
        f"✏️ Xin gia hạn #{n}\n"
        "Báo cáo 6 tháng đầu năm 2026 · Sở Công Thương\n"
        "Hạn hiện tại: 19/06/2026\n"
        "Gửi tin nhắn với số việc, hạn mới và lý do, ví dụ:\n"
        f"#extend {n} 19/07/2026 Chờ số liệu của các đơn vị phối hợp"
    )
    assert requests(store) == []  # asking how is not asking
    assert refusals(store) == []


def test_extend_as_text_sends_the_request_to_the_plan_owner(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    text = f"#extend {n} 30/07/2026 Chờ số liệu của Cục Thống kê"
    (answer,) = say(store, engine_settings, clock, zalo, [(FOLLOWER, text)])

    assert answer.startswith(
        f"📨 Đã gửi đề nghị gia hạn GH1 cho #{n} Báo cáo 6 tháng đầu năm 2026: hạn mới "
        "30/07/2026 (hạn hiện tại 19/06/2026).\nLý do: Chờ số liệu của Cục Thống kê"
    )
    assert "<" not in answer  # Zalo shows no HTML
    assert requests(store) == [
        (n, "Phòng Kế hoạch - SCT", "zalo", date(2026, 7, 30), "Chờ số liệu của Cục Thống kê",
         "pending"),
    ]  # fmt: skip
    with store.session() as s:
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.event == "extension_requested"))
        assert (event.obligation_id, event.channel, event.actor) == (
            n, "zalo", "Phòng Kế hoạch - SCT"
        )  # fmt: skip
        notices = s.scalars(select(Notification).where(Notification.kind == "extension"))
        # the plan owner's coordinator is told, on the channel they have
        assert [(row.contact_id, row.channel) for row in notices] == [(world.owner, "zalo")]
        assert s.get_one(Obligation, n).due_on == date(2026, 6, 19)  # not before they agree


def test_the_owner_refuses_by_text_after_the_refuse_button_said_how(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    say(store, engine_settings, clock, zalo, [(FOLLOWER, f"/extend {n} 30/07/2026 Chờ số liệu")])
    (request_id,) = [r.id for r in _all_requests(store)]

    (question,) = say(store, engine_settings, clock, zalo, [(OWNER, f"extrefuse:{request_id}")])
    assert question.endswith(f"#refuse GH{request_id} Chưa đủ căn cứ để gia hạn")
    assert requests(store)[0][-1] == "pending"

    refused, usage = say(
        store, engine_settings, clock, zalo,
        [(OWNER, f"#tuchoi GH{request_id} Số liệu đã có từ tháng 5"), (OWNER, "#refuse")],
    )  # fmt: skip

    assert refused.startswith(f"✖ Đã từ chối đề nghị gia hạn GH{request_id} (#{n} Báo cáo")
    assert usage.startswith("Cách dùng: #refuse GH số lý do")
    with store.session() as s:
        request = s.get_one(ExtensionRequest, request_id)
        assert (request.state, request.decided_by, request.decision_note) == (
            "refused", "Văn phòng UBND", "Số liệu đã có từ tháng 5"
        )  # fmt: skip


def test_the_owner_approves_with_the_button(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    say(store, engine_settings, clock, zalo, [(FOLLOWER, f"#giahan {n} 30/07/2026 Chờ số liệu")])
    (request_id,) = [r.id for r in _all_requests(store)]

    (answer,) = say(store, engine_settings, clock, zalo, [(OWNER, f"extapprove:{request_id}")])

    assert answer.startswith(f"✅ Đã đồng ý gia hạn GH{request_id}: #{n} Báo cáo 6 tháng")
    assert "hạn mới 30/07/2026" in answer
    with store.session() as s:
        assert s.get_one(Obligation, n).due_on == date(2026, 7, 30)
        assert s.get_one(ExtensionRequest, request_id).state == "approved"


def test_who_may_not_ask_is_refused_and_recorded_and_bad_input_is_explained(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    world: World,
) -> None:  # fmt: skip
    n = world.obligation
    texts = [
        (STRANGER, f"#extend {n} 30/07/2026 Chờ số liệu"),
        (OTHER, f"#extend {n} 30/07/2026 Chờ số liệu"),
        (OWNER, f"extend?:{n}"),  # the owner decides; it does not ask
        (FOLLOWER, f"#extend {n} 31/02/2026 Chờ số liệu"),
        (FOLLOWER, f"#extend {n}"),
        (FOLLOWER, f"#extend {n} 10/06/2026 Sớm hơn"),
    ]

    answers = say(store, engine_settings, clock, zalo, texts)

    assert answers[0].startswith("Chat này chưa được liên kết với đơn vị nào")
    assert answers[1].startswith(f"Rất tiếc, chat này không được xin gia hạn việc #{n}")
    assert answers[2] == (
        f"Rất tiếc, chỉ đơn vị thực hiện (Sở Công Thương) mới được xin gia hạn #{n}. "
        "Yêu cầu đã được ghi lại."
    )
    assert answers[3].startswith("Không đọc được ngày «31/02/2026»")
    assert answers[4].startswith("Cách dùng: /extend số hạn mới lý do")
    assert answers[5] == f"Hạn mới phải sau hạn hiện tại của #{n} (19/06/2026)."
    assert requests(store) == []
    assert [(o, channel, data["attempted"]) for o, channel, data in refusals(store)] == [
        (n, "zalo", "/extend"),
        (n, "zalo", f"/extend {n}"),
        (n, "zalo", f"extend?:{n}"),
        (n, "zalo", f"/extend {n}"),
    ]
    assert refusals(store)[0][2]["address"] == STRANGER


def _all_requests(store: Store) -> list[ExtensionRequest]:
    with store.session() as s:
        return list(s.scalars(select(ExtensionRequest).order_by(ExtensionRequest.id)))
