"""From the outbox to a tap in Telegram and back: the delivery tick, the bot, the web link."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from engine.acklinks import AckLinks
from engine.config import PathsSettings, Settings, WebSettings
from engine.delivery import TickReport
from engine.scheduler import Engine
from engine.store.db import Store
from engine.store.models import AuditEvent, Contact, Notification, Obligation
from engine.web import create_app
from notifiers.telegram import TelegramNotifier
from tests import helpers
from tests.fakes.botapi import TOKEN, FakeBotApi, blocked, migrated, too_many_requests
from tests.telegram.conftest import VirtualClock
from tests.telegram.harness import RunningBot
from tests.telegram.world import (
    NOW,
    SCT_CHAT,
    STC_CHAT,
    STOP_ON_DONE,
    World,
    build_world,
    notification,
)

DAY = timedelta(days=1)


@pytest.fixture
def world(store: Store) -> World:
    """Each report has a Telegram schedule: 9 and 1 days before (stopped by an
    acknowledgement) and an escalation 3 days after (stopped only by done)."""
    world = build_world(store)
    with store.session() as s:
        for ob, contact in (
            (world.report_sct, world.sct_contact),
            (world.report_stc, world.stc_contact),
        ):
            s.add_all(
                [
                    notification(ob, contact, "before-9", scheduled_at=NOW),
                    notification(ob, contact, "before-1", scheduled_at=NOW + 8 * DAY),
                    notification(
                        ob, contact, "late-3", scheduled_at=NOW + 12 * DAY, stop_on=STOP_ON_DONE
                    ),
                ]
            )
    return world


def bot_tick(
    store: Store, settings: Settings, clock: VirtualClock, now: datetime = NOW
) -> TickReport:
    """``tests.helpers.run_tick`` at ``now`` with the Telegram notifier on ``clock``."""
    notifier = TelegramNotifier(settings, clock=clock, sleep=clock.sleep)
    return helpers.run_tick(store, settings, now, worker="w1", notifiers={"telegram": notifier})


def rows(store: Store, obligation_id: int) -> dict[str, Notification]:
    with store.session() as s:
        found = s.scalars(
            sa.select(Notification).where(Notification.obligation_id == obligation_id)
        )
        return {n.stage: n for n in found}


def history(store: Store, obligation_id: int) -> list[AuditEvent]:
    with store.session() as s:
        query = sa.select(AuditEvent).where(AuditEvent.obligation_id == obligation_id)
        return list(s.scalars(query.order_by(AuditEvent.id)))


def test_a_due_reminder_arrives_in_the_linked_chat_with_its_buttons(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock, world: World
) -> None:
    report = bot_tick(store, settings, clock)
    assert sorted(o.row.stage for o in report.sent) == ["before-9", "before-9"]
    (vietnamese,) = botapi.sent(SCT_CHAT)
    assert "Báo cáo kết quả thực hiện 6 tháng đầu năm" in vietnamese.text
    assert "Hạn: 19/06/2026" in vietnamese.text
    assert vietnamese.button_texts() == [
        ["Đã nhận", "Đã hoàn thành"],
        ["Nhắc lại sau 1 ngày", "Nhắc lại sau 1 tuần"],
        ["Xin gia hạn"],
    ]
    assert vietnamese.buttons()[0][0]["callback_data"] == f"ack:{world.report_sct}"
    (english,) = botapi.sent(STC_CHAT)
    assert english.button_texts()[0] == ["Acknowledge", "Done"]
    sent = rows(store, world.report_sct)["before-9"]
    assert sent.state == "sent"
    assert sent.receipt == {
        "chat_id": SCT_CHAT,
        "message_id": vietnamese.message_id,
        "message_ids": [vietnamese.message_id],
    }


def test_pressing_da_nhan_stops_the_acknowledgement_nagging_but_not_the_escalation(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock, world: World
) -> None:
    bot_tick(store, settings, clock)
    (reminder,) = botapi.sent(SCT_CHAT)

    async def scenario() -> None:
        async with RunningBot(settings, store, botapi, clock) as bot:
            await bot.press(SCT_CHAT, reminder.message_id, "Đã nhận")
            await botapi.wait_until(lambda: reminder.edits, what="the buttons to change")

    asyncio.run(scenario())
    assert reminder.button_texts() == [
        ["✅ Đã nhận – Phòng Kế hoạch - SCT, 10/06 09:00"],
        ["Đã hoàn thành"],
    ]
    assert {k: r.state for k, r in rows(store, world.report_sct).items()} == {
        "before-9": "sent", "before-1": "cancelled", "late-3": "pending",
    }  # fmt: skip
    bot_tick(store, settings, clock, now=NOW + 8 * DAY)  # the day before the due date
    assert len(botapi.sent(SCT_CHAT)) == 1  # no more "please confirm" for SCT
    assert len(botapi.sent(STC_CHAT)) == 2  # STC has not acknowledged: reminded again
    bot_tick(store, settings, clock, now=NOW + 12 * DAY)  # three days late, not done
    escalation = botapi.sent(SCT_CHAT)[-1]
    assert "Quá hạn 3 ngày" in escalation.text


def test_a_429_during_a_tick_is_waited_out(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock, world: World
) -> None:
    botapi.fail(SCT_CHAT, too_many_requests(3))
    report = bot_tick(store, settings, clock)
    assert len(report.sent) == 2
    assert [r.status for r in botapi.requests_of("sendMessage", SCT_CHAT)] == [429, 200]
    assert 3.0 in clock.sleeps
    assert len(botapi.sent(SCT_CHAT)) == 1
    assert rows(store, world.report_sct)["before-9"].attempts == 1


def test_a_blocked_bot_fails_the_row_and_flags_the_contact(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock, world: World
) -> None:
    botapi.fail(STC_CHAT, blocked(), times=None)
    bot_tick(store, settings, clock)
    failed = rows(store, world.report_stc)["before-9"]
    assert failed.state == "failed"
    assert "bot was blocked by the user" in (failed.last_error or "")
    with store.session() as s:
        contact = s.get(Contact, world.stc_contact)
        assert contact is not None
        assert contact.flags == {"telegram": "bot was blocked by the user"}
    assert rows(store, world.report_sct)["before-9"].state == "sent"  # others go on


def test_a_group_that_became_a_supergroup_gets_the_reminder_at_its_new_id(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock, world: World
) -> None:
    with store.session() as s:
        contact = s.get(Contact, world.sct_contact)
        assert contact is not None
        contact.set_address("telegram", "-4242")
    botapi.fail(-4242, migrated(-1004242), times=None)
    bot_tick(store, settings, clock)
    with store.session() as s:
        contact = s.get(Contact, world.sct_contact)
        assert contact is not None
        assert contact.addresses["telegram"] == "-1004242"
    assert [m.text.splitlines()[1] for m in botapi.sent(-1004242)] == [
        "Báo cáo kết quả thực hiện 6 tháng đầu năm"
    ]
    assert rows(store, world.report_sct)["before-9"].state == "sent"


def test_an_email_link_then_a_telegram_press_record_both_and_change_the_status_once(
    settings: Settings,
    store: Store,
    botapi: FakeBotApi,
    clock: VirtualClock,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NHACVIEC_TEST_SECRET", "a secret of the test")
    settings = settings.model_copy(update={"web": WebSettings(secret_env="NHACVIEC_TEST_SECRET")})
    bot_tick(store, settings, clock)
    (reminder,) = botapi.sent(SCT_CHAT)
    links = AckLinks.from_settings(settings)
    assert links is not None
    token = links.token(world.report_sct, world.sct_contact, now=NOW)

    async def scenario() -> None:
        async with RunningBot(settings, store, botapi, clock, sweep_every=600) as bot:
            web = create_app(store, settings, clock=lambda: NOW)
            transport = httpx.ASGITransport(app=web)
            async with httpx.AsyncClient(transport=transport, base_url="http://nhacviec") as client:
                page = await client.post(f"/ack/{token}")
                assert page.status_code == 200
            bot.now = NOW + timedelta(minutes=3)  # the chat still shows the old buttons
            answer = await bot.press(SCT_CHAT, reminder.message_id, "Đã nhận")
            assert answer.params["text"] == (
                f"#{world.report_sct} đã được xác nhận trước đó; không có gì thay đổi."
            )

    asyncio.run(scenario())
    assert [
        (e.event, e.channel, (e.data or {})["changed"]) for e in history(store, world.report_sct)
    ] == [
        ("acknowledged", "web", True),
        ("acknowledged", "telegram", False),
    ]
    with store.session() as s:
        acknowledged = s.get(Obligation, world.report_sct)
        assert acknowledged is not None
        assert (acknowledged.status, acknowledged.acknowledged_at) == ("acknowledged", NOW)


def test_nhacviec_run_sends_reminders_and_answers_buttons(
    settings: Settings,
    store: Store,
    botapi: FakeBotApi,
    world: World,
    tmp_path: Path,
) -> None:
    botapi.per_chat_interval = 0.0  # the engine paces by the real clock; the server's is virtual
    empty = tmp_path / "nothing"
    empty.mkdir()
    paths = PathsSettings(
        templates=settings.paths.templates, workflows=empty, plans=empty,
        agencies=empty / "agencies.yaml", outbox=tmp_path / "outbox",
    )  # fmt: skip
    settings = settings.model_copy(update={"paths": paths, "web": WebSettings(bind="127.0.0.1:0")})
    engine = Engine(settings, store, "run-1", clock=lambda: NOW)

    async def scenario() -> None:
        running = asyncio.create_task(engine.run())
        (reminder,) = await botapi.wait_until(lambda: botapi.sent(SCT_CHAT), what="the tick")
        await botapi.wait_for_call("getUpdates")
        sent = lambda: rows(store, world.report_sct)["before-9"].state == "sent"  # noqa: E731
        await botapi.wait_until(sent, what="the tick to record the reminder")
        query = botapi.press(SCT_CHAT, reminder.message_id, "Đã nhận")
        await botapi.wait_until(
            lambda: any(c.params.get("callback_query_id") == query
                        for c in botapi.calls("answerCallbackQuery")),
            what="the answer",
        )  # fmt: skip
        await botapi.wait_until(lambda: reminder.edits, what="the buttons to change")
        engine.stop()
        await running

    asyncio.run(scenario())
    with store.session() as s:
        acknowledged = s.get(Obligation, world.report_sct)
        assert acknowledged is not None and acknowledged.status == "acknowledged"


def test_an_ack_from_the_cli_updates_the_telegram_buttons_too(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock, world: World
) -> None:
    from typer.testing import CliRunner

    from engine.bot.replies import replies_for
    from engine.cli import app
    from notifiers.telegram.buttons import sync_buttons
    from tests.helpers import cli_url

    bot_tick(store, settings, clock)
    (reminder,) = botapi.sent(SCT_CHAT)
    result = CliRunner().invoke(
        app, ["--db", cli_url(store), "done", str(world.report_sct), "--by", "Trần Thị Bình",
              "--now", "2026-06-15T14:20+07:00"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    replies = replies_for(settings.paths.templates, settings.time.timezone)
    now = NOW + 5 * DAY

    async def sweep() -> int:
        async with TelegramNotifier(settings, clock=clock, sleep=clock.sleep) as notifier:
            return await sync_buttons(store, replies, notifier, now)

    assert asyncio.run(sweep()) == 1
    assert reminder.button_texts() == [["✅ Đã hoàn thành – Trần Thị Bình, 15/06 14:20"]]
    assert asyncio.run(sweep()) == 0  # settled: nothing more to edit
    assert len(botapi.calls("editMessageReplyMarkup")) == 1


def test_linking_a_chat_schedules_the_contacts_telegram_reminders(
    store: Store, botapi: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the shipped workflow, directory and a seed plan: a contact with only an email
    gets Telegram reminders once their chat is linked (``nhacviec run`` re-syncs)."""
    from typer.testing import CliRunner

    from engine.bot import links
    from engine.cli import app
    from engine.config import load_settings
    from notifiers.telegram.bot import TelegramBot
    from tests.conftest import ROOT
    from tests.helpers import cli_url
    from tests.telegram.conftest import TOKEN_ENV

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    config = tmp_path / "nhacviec.toml"
    config.write_text(
        f'[telegram]\ntoken_env = "{TOKEN_ENV}"\nbase_url = "{botapi.base_url}"\n'
        f'[paths]\ntemplates = "{ROOT / "templates"}"\nworkflows = "{ROOT / "workflows"}"\n'
        f'plans = "{ROOT / "plans"}"\nagencies = "{ROOT / "config" / "agencies.yaml"}"\n'
        f'outbox = "{tmp_path / "outbox"}"\n',
        encoding="utf-8",
    )
    db = cli_url(store)
    cli = CliRunner()
    for command in (["plan", "load", str(ROOT / "plans" / "hn-2026-2030-sxtdbv-du-thao.yaml")],
                    ["sync"]):  # fmt: skip
        result = cli.invoke(app, ["--config", str(config), "--db", db, *command])
        assert result.exit_code == 0, result.output
    key = "hn.so-cong-thuong.coordinator"

    def channels() -> dict[str, int]:
        with store.session() as s:
            rows = s.execute(
                sa.select(Notification.channel, sa.func.count())
                .join(Contact, Notification.contact_id == Contact.id)
                .where(Contact.key == key, Notification.state == "pending")
                .group_by(Notification.channel)
            )
            return {channel: count for channel, count in rows}

    before = channels()
    assert before.get("email", 0) > 0 and "telegram" not in before
    with store.session() as s:
        contact = links.find_contact(s, key)
        code = links.new_invite(s, contact, datetime.now(UTC))
    settings = load_settings(config, db)
    bot = TelegramBot(settings, store, "w1")

    async def scenario() -> None:
        stop = asyncio.Event()
        serving = asyncio.create_task(bot.serve(stop))
        await botapi.wait_for_call("getUpdates")
        botapi.send_text(7777, f"/start {code}")
        (reply,) = await botapi.wait_until(lambda: botapi.sent(7777), what="the reply")
        assert reply.text.startswith("✅ Đã liên kết chat này với")
        await botapi.wait_until(lambda: channels().get("telegram"), what="the Telegram rows")
        stop.set()
        await serving

    asyncio.run(scenario())
    after = channels()
    assert after["telegram"] > 0
    assert after["email"] == before["email"]
