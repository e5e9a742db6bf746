"""The bot, run for real (PTB long polling) against the local Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.bot import links
from engine.config import Settings
from engine.status import apply_action
from engine.store.db import Store
from engine.store.models import AuditEvent, Contact, Notification, Obligation, WorkerLock
from tests.fakes.botapi import TOKEN, FakeBotApi
from tests.telegram.conftest import VirtualClock
from tests.telegram.harness import RunningBot, send_reminder
from tests.telegram.world import (
    NOW,
    SCT_CHAT,
    STC_CHAT,
    STOP_ON_DONE,
    UBND_CHAT,
    build_world,
    notification,
)

Scenario = Callable[[RunningBot], Awaitable[None]]


def run(
    settings: Settings, store: Store, api: FakeBotApi, clock: VirtualClock, scenario: Scenario
) -> None:
    async def main() -> None:
        async with RunningBot(settings, store, api, clock) as bot:
            await scenario(bot)

    asyncio.run(main())


def events(
    store: Store, obligation_id: int | None = None, event: str | None = None
) -> list[AuditEvent]:
    with store.session() as s:
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if obligation_id is not None:
            query = query.where(AuditEvent.obligation_id == obligation_id)
        if event is not None:
            query = query.where(AuditEvent.event == event)
        return list(s.scalars(query))


def obligation(store: Store, obligation_id: int) -> Obligation:
    with store.session() as s:
        found = s.get(Obligation, obligation_id)
        assert found is not None
        return found


# ------------------------------------------------------------------ linking


def test_start_with_an_invitation_code_links_the_chat_once(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)
    with store.session() as s:
        contact = s.get(Contact, world.stc_contact)
        assert contact is not None
        contact.set_address("telegram", None)
        code = links.new_invite(s, contact, NOW)

    async def scenario(bot: RunningBot) -> None:
        linked = await bot.say(4004, f"/start {code}")
        assert "This chat is now linked to Planning Office - STC (Sở Tài chính)" in linked.text
        again = await bot.say(5005, f"/start {code.lower()}")
        assert "mã mời này không đúng, đã được dùng hoặc đã hết hạn" in again.text
        assert "English: this invitation code is wrong, already used or expired" in again.text

    run(settings, store, botapi, clock, scenario)
    with store.session() as s:
        contact = s.get(Contact, world.stc_contact)
        assert contact is not None
        assert contact.addresses["telegram"] == "4004"
        assert contact.invite_code_hash is None
        row = contact.address_row("telegram")
        assert row is not None and row.linked_at is not None
    (linked,) = events(store, event="telegram_linked")
    assert linked.data == {"contact": "hn.so-tai-chinh.coordinator", "address": "4004"}
    (refused,) = events(store, event="refused")
    assert refused.data is not None
    assert refused.data["chat_id"] == 5005
    assert refused.data["attempted"] == "/start"


def test_an_expired_code_is_refused(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)
    with store.session() as s:
        contact = s.get(Contact, world.stc_contact)
        assert contact is not None
        code = links.new_invite(s, contact, NOW - timedelta(days=8))

    async def scenario(bot: RunningBot) -> None:
        reply = await bot.say(4004, f"/start {code}")
        assert "đã hết hạn" in reply.text

    run(settings, store, botapi, clock, scenario)
    with store.session() as s:
        contact = s.get(Contact, world.stc_contact)
        assert contact is not None
        assert contact.addresses["telegram"] == str(STC_CHAT)


def test_commands_from_an_unlinked_chat_are_refused_politely_and_recorded(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)

    async def scenario(bot: RunningBot) -> None:
        for command in ("/status", f"/ack {world.report_sct}"):
            reply = await bot.say(9009, command)
            assert reply.text.startswith("Chat này chưa được liên kết với đơn vị nào")
            assert "English: this chat is not linked to an agency yet" in reply.text

    run(settings, store, botapi, clock, scenario)
    refused = events(store, event="refused")
    assert [(e.data or {}).get("attempted") for e in refused] == ["/status", "/ack"]
    assert all((e.data or {}).get("chat_id") == 9009 for e in refused)
    assert obligation(store, world.report_sct).status == "open"


def test_a_group_that_became_a_supergroup_keeps_its_contacts(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)
    with store.session() as s:
        contact = s.get(Contact, world.sct_contact)
        assert contact is not None
        contact.set_address("telegram", "-4242")

    async def scenario(bot: RunningBot) -> None:
        botapi.migrate_group(-4242, -1004242)
        reply = await bot.say(-1004242, "/status")  # handled after the migration, in order
        assert "Việc đang mở – Sở Công Thương" in reply.text

    run(settings, store, botapi, clock, scenario)
    with store.session() as s:
        contact = s.get(Contact, world.sct_contact)
        assert contact is not None
        assert contact.addresses["telegram"] == "-1004242"


# ------------------------------------------------------------------ lists


def test_status_lists_the_agencys_open_obligations_in_vietnamese(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)

    async def scenario(bot: RunningBot) -> None:
        reply = await bot.say(SCT_CHAT, "/status")
        assert reply.text.splitlines() == [
            "Việc đang mở – Sở Công Thương (2)",
            f"#{world.overdue_sct} · Rà soát hạ tầng thương mại <điện tử> & logistics · "
            "6 tháng đầu năm 2026 · hạn 01/06/2026 · ❗ quá hạn 9 ngày",
            f"#{world.report_sct} · Báo cáo kết quả thực hiện 6 tháng đầu năm · "
            "6 tháng đầu năm 2026 · hạn 19/06/2026 · chưa xác nhận",
        ]

    run(settings, store, botapi, clock, scenario)


def test_overdue_lists_only_overdue_obligations_in_the_contacts_language(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)

    async def scenario(bot: RunningBot) -> None:
        english = await bot.say(STC_CHAT, "/overdue")
        assert english.text.splitlines() == [
            "Overdue tasks – Sở Tài chính (0)",
            "Nothing is overdue. 👍",
        ]
        bot.now = NOW + timedelta(days=10)  # 20/06: the reports are late now
        english = await bot.say(STC_CHAT, "/overdue")
        assert english.text.splitlines()[1] == (
            f"#{world.report_stc} · Báo cáo kết quả thực hiện 6 tháng đầu năm · "
            "6 tháng đầu năm 2026 · due 19/06/2026 · ❗ 1 day(s) overdue"
        )
        vietnamese = await bot.say(SCT_CHAT, "/overdue")
        assert vietnamese.text.splitlines()[0] == "Việc quá hạn – Sở Công Thương (2)"

    run(settings, store, botapi, clock, scenario)


def test_help_answers_in_the_contacts_language(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    build_world(store)

    async def scenario(bot: RunningBot) -> None:
        english = await bot.say(STC_CHAT, "/help")
        assert (
            "This chat receives reminders for: Planning Office - STC (Sở Tài chính)."
            in english.text
        )
        vietnamese = await bot.say(SCT_CHAT, "/help")
        assert "/status – các việc đang mở của đơn vị" in vietnamese.text

    run(settings, store, botapi, clock, scenario)
    commands = botapi.calls("setMyCommands")
    assert [c.params.get("language_code") for c in commands] == [None, "en"]
    assert commands[0].params["commands"][0] == {
        "command": "status",
        "description": "Các việc đang mở của đơn vị",
    }


# ------------------------------------------------------------------ buttons


def test_pressing_da_nhan_acknowledges_and_stops_the_acknowledgement_nagging(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)
    ob = world.report_sct
    sent_id = asyncio.run(send_reminder(settings, store, clock, ob, world.sct_contact, SCT_CHAT))
    with store.session() as s:
        s.add_all(
            [
                notification(ob, world.sct_contact, "t-3", scheduled_at=NOW + timedelta(days=6)),
                notification(ob, world.sct_contact, "t-1", scheduled_at=NOW + timedelta(days=8)),
                notification(
                    ob,
                    world.sct_contact,
                    "t+3",
                    scheduled_at=NOW + timedelta(days=12),
                    stop_on=STOP_ON_DONE,
                ),
            ]
        )
    (reminder,) = botapi.sent(SCT_CHAT)
    assert reminder.button_texts() == [
        ["Đã nhận", "Đã hoàn thành"],
        ["Nhắc lại sau 1 ngày", "Nhắc lại sau 1 tuần"],
        ["Xin gia hạn"],
    ]

    async def scenario(bot: RunningBot) -> None:
        answer = await bot.press(SCT_CHAT, reminder.message_id, "Đã nhận")
        assert answer.params["text"].startswith(f"✅ Đã ghi nhận #{ob} Báo cáo kết quả")
        await botapi.wait_until(lambda: reminder.edits, what="the buttons to change")

    run(settings, store, botapi, clock, scenario)
    assert reminder.button_texts() == [
        ["✅ Đã nhận – Phòng Kế hoạch - SCT, 10/06 09:00"],
        ["Đã hoàn thành"],
    ]
    assert obligation(store, ob).status == "acknowledged"
    with store.session() as s:
        rows = s.execute(
            sa.select(Notification.stage, Notification.state).where(
                Notification.obligation_id == ob
            )
        )
        states = {stage: state for stage, state in rows}
        sent = s.get(Notification, sent_id)
        assert sent is not None and sent.receipt is not None
        assert sent.receipt["buttons"].startswith("acknowledged:")
    assert states == {"t-7": "sent", "t-3": "cancelled", "t-1": "cancelled", "t+3": "pending"}
    (event,) = events(store, ob)
    assert (event.event, event.actor, event.channel) == (
        "acknowledged",
        "Phòng Kế hoạch - SCT",
        "telegram",
    )
    assert event.data is not None
    assert event.data["chat_id"] == SCT_CHAT
    assert event.data["changed"] is True


def test_a_press_from_another_agencys_chat_is_refused_and_recorded(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)

    async def scenario(bot: RunningBot) -> None:
        answer = await bot.forge(STC_CHAT, f"ack:{world.report_sct}")
        assert answer.params["show_alert"] == "true"
        assert answer.params["text"] == (
            f"Sorry, this chat may not acknowledge task #{world.report_sct} (of Sở Công Thương). "
            "The attempt has been recorded."
        )

    run(settings, store, botapi, clock, scenario)
    assert obligation(store, world.report_sct).status == "open"
    (refused,) = events(store, world.report_sct)
    assert refused.event == "refused"
    assert refused.actor == "Planning Office - STC"
    assert refused.data is not None
    assert refused.data["chat_id"] == STC_CHAT
    assert refused.data["attempted"] == f"ack:{world.report_sct}"


def test_the_plan_owner_may_act_for_any_agency_of_its_plan(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)

    async def scenario(bot: RunningBot) -> None:
        reply = await bot.say(UBND_CHAT, f"/ack {world.report_stc}")
        assert reply.text.startswith(f"✅ Đã ghi nhận #{world.report_stc}")

    run(settings, store, botapi, clock, scenario)
    (event,) = events(store, world.report_stc)
    assert (event.event, event.actor) == ("acknowledged", "Văn phòng UBND")


def test_done_asks_for_confirmation_and_records_done_on_time(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)
    ob = world.report_sct
    asyncio.run(send_reminder(settings, store, clock, ob, world.sct_contact, SCT_CHAT))
    (reminder,) = botapi.sent(SCT_CHAT)

    async def scenario(bot: RunningBot) -> None:
        await bot.press(SCT_CHAT, reminder.message_id, "Đã hoàn thành")
        question = await botapi.wait_until(lambda: botapi.sent(SCT_CHAT)[1:], what="the question")
        (confirm,) = question
        assert confirm.text.startswith("Xác nhận đã hoàn thành?")
        assert confirm.button_texts() == [["✔ Đúng, đã hoàn thành"], ["Hủy"]]
        assert obligation(store, ob).status == "open"  # nothing happens before confirming
        await bot.press(SCT_CHAT, confirm.message_id, "✔ Đúng, đã hoàn thành")
        await botapi.wait_until(lambda: reminder.edits, what="the reminder's buttons")
        assert confirm.text.startswith(f"✅ Đã hoàn thành #{ob}")
        assert confirm.text.endswith("đúng hạn.")
        assert confirm.buttons() == []

    run(settings, store, botapi, clock, scenario)
    done = obligation(store, ob)
    assert (done.status, done.done_late) == ("done", False)
    assert reminder.button_texts() == [["✅ Đã hoàn thành – Phòng Kế hoạch - SCT, 10/06 09:00"]]


def test_cancelling_the_confirmation_leaves_the_obligation_open(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)
    ob = world.report_sct
    asyncio.run(send_reminder(settings, store, clock, ob, world.sct_contact, SCT_CHAT))
    (reminder,) = botapi.sent(SCT_CHAT)

    async def scenario(bot: RunningBot) -> None:
        await bot.press(SCT_CHAT, reminder.message_id, "Đã hoàn thành")
        (confirm,) = await botapi.wait_until(lambda: botapi.sent(SCT_CHAT)[1:], what="the question")
        await bot.press(SCT_CHAT, confirm.message_id, "Hủy")
        await botapi.wait_until(lambda: confirm.edits, what="the question to close")
        assert confirm.text == f"Đã hủy: #{ob} vẫn chưa được báo hoàn thành."

    run(settings, store, botapi, clock, scenario)
    assert obligation(store, ob).status == "open"
    assert events(store, ob) == []


def test_done_after_the_due_date_is_recorded_late_with_its_note(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)

    async def scenario(bot: RunningBot) -> None:
        bot.now = NOW + timedelta(days=12)  # 22/06, three days after 19/06
        reply = await bot.say(SCT_CHAT, f"/done {world.report_sct} 245/BC-SCT")
        assert "trễ 3 ngày so với hạn 19/06/2026" in reply.text
        assert reply.text.endswith("Ghi chú: 245/BC-SCT")

    run(settings, store, botapi, clock, scenario)
    done = obligation(store, world.report_sct)
    assert (done.status, done.done_late) == ("done", True)
    (event,) = events(store, world.report_sct)
    assert (event.event, event.note) == ("done", "245/BC-SCT")


def test_an_email_link_ack_then_a_telegram_ack_records_both_and_changes_status_once(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)
    ob = world.report_sct
    asyncio.run(send_reminder(settings, store, clock, ob, world.sct_contact, SCT_CHAT))
    (reminder,) = botapi.sent(SCT_CHAT)
    with store.session() as s:  # what the signed link's confirmation page does
        found = s.get(Obligation, ob)
        assert found is not None
        who, zone = "Phòng Kế hoạch - SCT", settings.time.zone
        apply_action(s, found, "ack", now=NOW, zone=zone, actor=who, channel="web")

    async def scenario(bot: RunningBot) -> None:
        await botapi.wait_until(lambda: reminder.edits, what="the buttons to follow the web ack")
        bot.now = NOW + timedelta(minutes=5)
        answer = await bot.forge(SCT_CHAT, f"ack:{ob}")  # a press on an old copy of the buttons
        assert answer.params["text"] == f"#{ob} đã được xác nhận trước đó; không có gì thay đổi."

    run(settings, store, botapi, clock, scenario)
    history = events(store, ob)
    assert [(e.event, e.channel, (e.data or {}).get("changed")) for e in history] == [
        ("acknowledged", "web", True),
        ("acknowledged", "telegram", False),
    ]
    assert obligation(store, ob).acknowledged_at == NOW
    assert reminder.button_texts()[0] == ["✅ Đã nhận – Phòng Kế hoạch - SCT, 10/06 09:00"]


def test_an_unknown_obligation_is_answered_and_recorded(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    build_world(store)

    async def scenario(bot: RunningBot) -> None:
        reply = await bot.say(SCT_CHAT, "/ack 999")
        assert reply.text == "Không tìm thấy việc #999."
        usage = await bot.say(SCT_CHAT, "/done")
        assert usage.text.startswith("Cách dùng: /done số [ghi chú]")

    run(settings, store, botapi, clock, scenario)
    (refused,) = events(store, event="refused")
    assert (refused.data or {})["reason"] == "unknown obligation"


def test_a_refused_transition_is_explained(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)
    with store.session() as s:
        found = s.get(Obligation, world.report_sct)
        assert found is not None
        apply_action(
            s, found, "waive", now=NOW, zone=settings.time.zone, actor="UBND", channel="cli"
        )

    async def scenario(bot: RunningBot) -> None:
        reply = await bot.say(SCT_CHAT, f"/ack {world.report_sct}")
        assert reply.text == (
            f"Không thể xác nhận #{world.report_sct}: việc đã được miễn, không phải thực hiện."
        )

    run(settings, store, botapi, clock, scenario)
    assert obligation(store, world.report_sct).status == "waived"


def test_a_refused_token_keeps_the_bot_trying_without_ending_the_engine(
    settings: Settings, sqlite_store: Store, clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    from notifiers.telegram.bot import run_bot

    with FakeBotApi(token="654321:ANOTHER-BOT", clock=clock) as other:
        wrong = settings.model_copy(
            update={"telegram": settings.telegram.model_copy(update={"base_url": other.base_url})}
        )

        async def scenario() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(run_bot(wrong, sqlite_store, stop, retry_delay=0.01))
            await other.wait_until(lambda: len(other.requests_of("getMe")) >= 2, what="a retry")
            stop.set()
            await task

        asyncio.run(scenario())
    assert "the Telegram bot cannot start" in caplog.text
    assert TOKEN not in caplog.text
    assert all(r.status == 401 for r in other.requests_of("getMe"))


def test_only_one_worker_runs_the_bot_and_another_takes_over_when_it_stops(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    from engine.bot.lease import Lease
    from notifiers.telegram.bot import run_bot

    class CountingLease(Lease):
        refused = 0

        def take(self) -> bool:
            taken = super().take()
            self.refused += not taken
            return taken

    build_world(store)

    async def scenario() -> None:
        first_stop, second_stop = asyncio.Event(), asyncio.Event()
        options = {"poll_timeout": 1, "sweep_every": 0.05, "retry_delay": 0.05}
        first = asyncio.create_task(
            run_bot(settings, store, first_stop, lease=Lease(store, owner="w1"), **options)
        )
        await botapi.wait_for_call("getUpdates")
        waiting = CountingLease(store, owner="w2")
        second = asyncio.create_task(
            run_bot(settings, store, second_stop, lease=waiting, **options)
        )
        await botapi.wait_until(lambda: waiting.refused >= 3, what="w2 to find the lease taken")
        assert len(botapi.calls("getMe")) == 1  # only w1's bot started
        first_stop.set()
        await first
        await botapi.wait_until(lambda: len(botapi.calls("getMe")) == 2, what="w2 to take over")
        reply_to = RunningBot(settings, store, botapi, clock)  # only for its `say`
        reply = await reply_to.say(SCT_CHAT, "/help")
        assert "/status – các việc đang mở của đơn vị" in reply.text
        second_stop.set()
        await second

    asyncio.run(scenario())
    with store.session() as s:
        assert s.scalars(sa.select(WorkerLock)).all() == []  # released on the way out
