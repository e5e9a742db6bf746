"""Extensions and snoozes in Telegram: the real bot (PTB) against the local Bot API server."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from engine.categories import Category, categorize
from engine.cli import app
from engine.config import Settings
from engine.delivery import TickReport, tick
from engine.store.db import Store
from engine.store.models import AuditEvent, ExtensionRequest, Snooze
from notifiers.telegram import TelegramNotifier
from tests.extensions.conftest import make_settings
from tests.extensions.world import (
    SCT_CHAT,
    STC_CHAT,
    UBND_CHAT,
    World,
    build,
    obligation,
    scheduled,
)
from tests.factories import HANOI
from tests.fakes.botapi import FakeBotApi, StoredMessage
from tests.helpers import at
from tests.telegram.conftest import VirtualClock
from tests.telegram.harness import RunningBot

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

Scenario = Callable[[RunningBot], Awaitable[None]]


@pytest.fixture
def tg_settings(tmp_path: Path, botapi: FakeBotApi) -> Settings:
    """Telegram through the local Bot API server; email to the outbox folder."""
    return make_settings(tmp_path, telegram=botapi)


@pytest.fixture
def tg_world(store: Store, tg_settings: Settings) -> World:
    return build(store, tg_settings)


async def deliver(
    store: Store, settings: Settings, clock: VirtualClock, now: datetime
) -> TickReport:
    notifier = TelegramNotifier(settings, clock=clock, sleep=clock.sleep)
    return await tick(store, settings, now=now, worker_id="w1", notifiers={"telegram": notifier})


def run(
    settings: Settings, store: Store, api: FakeBotApi, clock: VirtualClock, scenario: Scenario
) -> None:
    async def main() -> None:
        async with RunningBot(settings, store, api, clock) as bot:
            await scenario(bot)

    asyncio.run(main())


def about(api: FakeBotApi, chat: int, text: str) -> list[StoredMessage]:
    """The bot's messages to ``chat`` whose text contains ``text``."""
    return [m for m in api.sent(chat) if text in m.text]


async def one(api: FakeBotApi, chat: int, text: str) -> StoredMessage:
    found: list[StoredMessage] = await api.wait_until(
        lambda: about(api, chat, text), what=f"a message with {text!r} in chat {chat}"
    )
    return found[-1]


def events(store: Store, obligation_id: int, *names: str) -> list[AuditEvent]:
    with store.session() as s:
        query = sa.select(AuditEvent).where(
            AuditEvent.obligation_id == obligation_id, AuditEvent.event.in_(names)
        )
        return list(s.scalars(query.order_by(AuditEvent.id)))


def requests(store: Store) -> list[ExtensionRequest]:
    with store.session() as s:
        return list(s.scalars(sa.select(ExtensionRequest).order_by(ExtensionRequest.id)))


def test_an_extension_asked_in_telegram_and_approved_by_the_owner_moves_the_date_and_the_reminders(
    store: Store,
    tg_settings: Settings,
    tg_world: World,
    botapi: FakeBotApi,
    clock: VirtualClock,
    cli: CliRunner,
    base: list[str],
    tmp_path: Path,
) -> None:
    world, settings = tg_world, tg_settings
    asyncio.run(deliver(store, settings, clock, at(date(2026, 6, 23))))
    (reminder,) = about(botapi, SCT_CHAT, f"#{world.task1}")
    assert "Còn 7 ngày đến hạn" in reminder.text

    async def scenario(bot: RunningBot) -> None:
        bot.now = at(date(2026, 6, 23), time(9, 0))
        await bot.press(SCT_CHAT, reminder.message_id, "Xin gia hạn")
        question = await one(botapi, SCT_CHAT, f"Xin gia hạn #{world.task1}")
        assert question.reply_markup == {"force_reply": True}
        answer = await bot.say(
            SCT_CHAT, "31/07/2026 Chờ số liệu của Cục Thống kê", reply_to=question.message_id
        )
        assert f"Đã gửi đề nghị gia hạn GH1 cho #{world.task1}" in answer.text
        await deliver(store, settings, clock, bot.now)
        request = await one(botapi, UBND_CHAT, "Đề nghị gia hạn GH1")
        assert "Hạn đề nghị: 31/07/2026" in request.text
        assert "Lý do: Chờ số liệu của Cục Thống kê" in request.text
        assert request.button_texts() == [["Đồng ý", "Từ chối"]]
        bot.now = at(date(2026, 6, 23), time(10, 0))
        pressed = await bot.press(UBND_CHAT, request.message_id, "Đồng ý")
        assert "Đã đồng ý gia hạn GH1" in pressed.params["text"]
        await botapi.wait_until(lambda: request.edits, what="the request's buttons to change")
        assert request.button_texts() == [["✅ Đã đồng ý – Văn phòng UBND, 23/06 10:00"]]
        await deliver(store, settings, clock, bot.now)
        told = await one(botapi, SCT_CHAT, "Đồng ý gia hạn GH1")
        assert "Hạn mới: 31/07/2026 (hạn theo kế hoạch: 30/06/2026)" in told.text

    run(settings, store, botapi, clock, scenario)

    moved = obligation(store, world.task1)
    assert (moved.due_on, moved.original_due_on) == (date(2026, 7, 31), date(2026, 6, 30))
    asked, approved = events(store, world.task1, "extension_requested", "extension_approved")
    assert (asked.actor, asked.channel, asked.data and asked.data["chat_id"]) == (
        "Phòng Kế hoạch - SCT",
        "telegram",
        SCT_CHAT,
    )
    assert (approved.actor, approved.channel) == ("Văn phòng UBND", "telegram")
    assert scheduled(store, world.task1, world.sct) == {
        f"{stage}@2026-07-31:{channel}": at(day)
        for stage, day in (
            ("d7", date(2026, 7, 24)),
            ("due", date(2026, 7, 31)),
            ("late1", date(2026, 8, 3)),
        )
        for channel in ("email", "telegram")
    }

    # Nothing goes out on the old dates; the new round comes before the new date.
    for day in (date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 7)):
        asyncio.run(deliver(store, settings, clock, at(day)))
    assert [m.text.splitlines()[0] for m in about(botapi, SCT_CHAT, f"#{world.task1}")] == [
        "📌 Còn 7 ngày đến hạn",  # 23/06, for 30/06
        f"✏️ Xin gia hạn #{world.task1}",
        f"📨 Đã gửi đề nghị gia hạn GH1 cho #{world.task1} Rà soát hạ tầng thương mại điện tử: "
        "hạn mới 31/07/2026 (hạn hiện tại 30/06/2026).",
        "✅ Đồng ý gia hạn GH1",
    ]
    asyncio.run(deliver(store, settings, clock, at(date(2026, 7, 24))))
    again = about(botapi, SCT_CHAT, f"#{world.task1}")[-1]
    assert again.text.startswith("📌 Còn 7 ngày đến hạn")
    assert "Hạn: 31/07/2026 (đã gia hạn; hạn theo kế hoạch 30/06/2026)" in again.text

    # Done after the plan's date, within the extension.
    done = cli.invoke(app, [*base, "done", str(world.task1), "--now", "2026-07-27T15:00"])
    assert done.exit_code == 0, done.stderr
    assert "27 days late (due 30/06/2026)" in done.stdout
    finished = obligation(store, world.task1)
    assert categorize(finished, as_of=date(2026, 7, 31), zone=HANOI) == (
        Category.DONE_WITHIN_EXTENSION
    )
    out = tmp_path / "h1.csv"
    args = ["report", "--plan", "hn-12-2026", "--period", "2026-H1", "--as-of", "2026-07-31"]
    result = cli.invoke(app, [*base, *args, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    table = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    (row,) = [r for r in table if r["Nhiệm vụ"] == "Rà soát hạ tầng thương mại điện tử"]
    assert (row["Hạn"], row["Hạn được gia hạn"], row["Ngày hoàn thành"]) == (
        "2026-06-30",
        "2026-07-31",
        "2026-07-27",
    )
    assert row["Tình trạng"] == "Hoàn thành quá hạn, trong thời gian được gia hạn"


def test_an_extension_asked_from_another_agencys_chat_is_refused_and_recorded(
    store: Store, tg_settings: Settings, tg_world: World, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    ob = tg_world.task1

    async def scenario(bot: RunningBot) -> None:
        other = await bot.say(STC_CHAT, f"/extend {ob} 31/07/2026 We need more time")
        assert f"Sorry, this chat may not ask for an extension of task #{ob}" in other.text
        owner = await bot.say(UBND_CHAT, f"/extend {ob} 31/07/2026 Tự gia hạn")
        assert f"chỉ đơn vị thực hiện (Sở Công Thương) mới được xin gia hạn #{ob}" in owner.text

    run(tg_settings, store, botapi, clock, scenario)
    assert requests(store) == []
    refused = events(store, ob, "refused")
    assert [(e.actor, e.data and e.data["attempted"]) for e in refused] == [
        ("Planning Office - STC", f"/extend {ob}"),
        ("Văn phòng UBND", f"/extend {ob}"),
    ]


def test_only_the_plan_owner_decides_and_a_second_request_waits_for_the_first(
    store: Store, tg_settings: Settings, tg_world: World, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    ob = tg_world.task1

    async def scenario(bot: RunningBot) -> None:
        first = await bot.say(SCT_CHAT, f"/extend {ob} 31/07/2026 Chờ số liệu")
        assert "Đã gửi đề nghị gia hạn GH1" in first.text
        second = await bot.say(SCT_CHAT, f"/extend {ob} 15/08/2026 Thêm thời gian")
        assert f"#{ob} đã có đề nghị gia hạn GH1 (đến 31/07/2026) đang chờ" in second.text
        forged = await bot.forge(SCT_CHAT, "extapprove:1")
        assert forged.params["show_alert"] == "true"
        assert "chỉ đầu mối của đơn vị chủ trì kế hoạch" in forged.params["text"]

    run(tg_settings, store, botapi, clock, scenario)
    (request,) = requests(store)
    assert request.state == "pending"
    assert obligation(store, ob).due_on == date(2026, 6, 30)
    refused = [e.data or {} for e in events(store, ob, "refused")]
    assert [(e["attempted"], e["reason"]) for e in refused] == [
        (
            f"/extend {ob}",
            f"#{ob} already has a pending extension request (GH1, to 31/07/2026): the plan "
            "owner decides it first",
        ),
        ("extapprove:1", "only the plan owner's contacts decide on extensions"),
    ]


def test_refusing_in_telegram_asks_for_the_reason_and_tells_the_agency(
    store: Store, tg_settings: Settings, tg_world: World, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    ob = tg_world.task1

    async def scenario(bot: RunningBot) -> None:
        await bot.say(SCT_CHAT, f"/extend {ob} 31/07/2026 Chờ số liệu")
        await deliver(store, tg_settings, clock, bot.now)
        request = await one(botapi, UBND_CHAT, "Đề nghị gia hạn GH1")
        botapi.send_text(UBND_CHAT, "ok, để xem", reply_to=request.message_id)  # not a question
        await bot.press(UBND_CHAT, request.message_id, "Từ chối")  # handled after the reply
        assert about(botapi, UBND_CHAT, "Đã từ chối") == []
        question = await one(botapi, UBND_CHAT, "Lý do từ chối đề nghị gia hạn GH1")
        assert question.reply_markup == {"force_reply": True}
        done = await bot.say(UBND_CHAT, "Không đủ căn cứ", reply_to=question.message_id)
        assert f"Đã từ chối đề nghị gia hạn GH1 (#{ob}" in done.text
        await deliver(store, tg_settings, clock, bot.now)
        told = await one(botapi, SCT_CHAT, "Không đồng ý gia hạn GH1")
        assert "Hạn vẫn là 30/06/2026." in told.text
        assert "Lý do: Không đủ căn cứ" in told.text

    run(tg_settings, store, botapi, clock, scenario)
    (request,) = requests(store)
    assert (request.state, request.decided_by, request.decision_note) == (
        "refused",
        "Văn phòng UBND",
        "Không đủ căn cứ",
    )
    assert obligation(store, ob).due_on == date(2026, 6, 30)


def test_a_date_or_a_command_that_cannot_be_read_is_explained(
    store: Store, tg_settings: Settings, tg_world: World, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    ob = tg_world.task1

    async def scenario(bot: RunningBot) -> None:
        usage = await bot.say(SCT_CHAT, f"/extend {ob}")
        assert "Cách dùng: /extend số hạn mới lý do" in usage.text
        bad = await bot.say(SCT_CHAT, f"/extend {ob} 32/07/2026 Chờ số liệu")
        assert "Không đọc được ngày «32/07/2026»" in bad.text
        early = await bot.say(SCT_CHAT, f"/extend {ob} 29/06/2026 Chờ số liệu")
        assert f"Hạn mới phải sau hạn hiện tại của #{ob} (30/06/2026)" in early.text

    run(tg_settings, store, botapi, clock, scenario)
    assert requests(store) == []


def test_the_snooze_button_pauses_the_reminder_and_it_comes_back_the_next_day(
    store: Store, tg_settings: Settings, tg_world: World, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = tg_world
    asyncio.run(deliver(store, tg_settings, clock, at(date(2026, 6, 23))))
    (reminder,) = about(botapi, SCT_CHAT, f"#{world.task1}")
    (escalation,) = about(botapi, SCT_CHAT, f"#{world.task2}")  # task 2 was due 15/06
    assert escalation.button_texts() == [["Đã nhận", "Đã hoàn thành"], ["Xin gia hạn"]]

    async def scenario(bot: RunningBot) -> None:
        bot.now = at(date(2026, 6, 23), time(9, 30))
        pressed = await bot.press(SCT_CHAT, reminder.message_id, "Nhắc lại sau 1 ngày")
        assert pressed.params["text"] == f"🔕 Sẽ nhắc lại #{world.task1} lúc 24/06 08:00."
        assert pressed.params.get("show_alert") in (None, "false")

    run(tg_settings, store, botapi, clock, scenario)
    with store.session() as s:
        (paused,) = s.scalars(sa.select(Snooze)).all()
        assert (paused.obligation_id, paused.contact_id) == (world.task1, world.sct)
        assert paused.until == at(date(2026, 6, 24))
    (event,) = events(store, world.task1, "snoozed")
    assert (event.actor, event.channel) == ("Phòng Kế hoạch - SCT", "telegram")
    asyncio.run(deliver(store, tg_settings, clock, at(date(2026, 6, 24))))
    back = about(botapi, SCT_CHAT, f"#{world.task1}")[-1]
    assert back.message_id != reminder.message_id
    assert back.text.startswith("📌 Còn 6 ngày đến hạn")
