"""The bot against what a stranger or a modified client may send (issue 14): numbers too
large to be an id, buttons pressed from chats that may not, presses from unlinked chats.
Run for real (PTB long polling) against the local Bot API server."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from engine import extensions as ext
from engine.config import Settings
from engine.store.db import Store
from engine.store.models import Obligation
from tests.fakes.botapi import FakeBotApi
from tests.telegram.conftest import VirtualClock
from tests.telegram.harness import RunningBot, send_reminder
from tests.telegram.test_bot import events, obligation, run
from tests.telegram.world import NOW, SCT_CHAT, STC_CHAT, build_world
from tests.test_cli_actions import invoke

HUGE = "99999999999999999999999999"  # no integer column holds it: SQLite would overflow
BEYOND_PG = "3000000000"  # fits SQLite's integer, not PostgreSQL's: a DataError there
STRANGER = 9009


@pytest.mark.parametrize("number", [HUGE, BEYOND_PG])
def test_a_huge_number_is_not_found_and_the_refusal_recorded(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock, number: str
) -> None:
    build_world(store)

    async def scenario(bot: RunningBot) -> None:
        reply = await bot.say(SCT_CHAT, f"/ack {number}")
        assert reply.text == f"Không tìm thấy việc #{number}."
        answer = await bot.forge(SCT_CHAT, f"ack:{number}")
        assert answer.params["show_alert"] == "true"
        assert answer.params["text"] == f"Không tìm thấy việc #{number}."
        extend = await bot.say(SCT_CHAT, f"/extend {number} 30/07/2026 Chờ số liệu")
        assert extend.text == f"Không tìm thấy việc #{number}."
        info = await bot.forge(SCT_CHAT, f"extinfo:{number}")
        assert info.params["text"] == f"Không tìm thấy đề nghị gia hạn GH{number}."

    run(settings, store, botapi, clock, scenario)
    refused = [e.data or {} for e in events(store, event="refused")]
    assert [(r["attempted"], r["reason"]) for r in refused] == [
        (f"/ack {number}", "unknown obligation"),
        (f"ack:{number}", "unknown obligation"),
        (f"/extend {number}", "unknown obligation"),
        (f"extinfo:{number}", "unknown extension request"),
    ]


def test_cancel_and_extinfo_from_an_unrelated_agencys_chat_are_refused_and_recorded(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock
) -> None:
    world = build_world(store)  # Sở Tài chính neither owes report_sct nor owns the plan
    ob = world.report_sct
    with store.session() as s:
        found = s.get(Obligation, ob)
        assert found is not None
        request = ext.request_extension(
            s, found, new_due_on=date(2026, 7, 31), reason="Chờ số liệu", by="SCT",
            via="cli", now=NOW,
        )  # fmt: skip
        req = request.id

    async def scenario(bot: RunningBot) -> None:
        await send_reminder(settings, store, clock, ob, world.stc_contact, STC_CHAT)
        (reminder,) = botapi.sent(STC_CHAT)
        before = reminder.text
        cancel = await bot.forge(STC_CHAT, f"cancel:{ob}")
        assert cancel.params["show_alert"] == "true"
        assert cancel.params["text"] == (
            f"Sorry, this chat may not report done task #{ob} (of Sở Công Thương). "
            "The attempt has been recorded."
        )
        info = await bot.forge(STC_CHAT, f"extinfo:{req}")
        assert info.params["show_alert"] == "true"
        assert info.params["text"] == (
            f"Sorry, this chat may not view task #{ob} (of Sở Công Thương). "
            "The attempt has been recorded."
        )
        assert "pending" not in info.params["text"]  # the request's state stays unseen
        assert botapi.sent(STC_CHAT)[0].text == before
        assert botapi.calls("editMessageText") == []
        mine = await bot.forge(SCT_CHAT, f"extinfo:{req}")  # the agency that asked may see it
        assert mine.params["text"] == f"GH{req}: đang chờ xem xét"

    run(settings, store, botapi, clock, scenario)
    refused = [e for e in events(store, ob, "refused")]
    assert [(e.actor, (e.data or {})["attempted"]) for e in refused] == [
        ("Planning Office - STC", f"cancel:{ob}"),
        ("Planning Office - STC", f"extinfo:{req}"),
    ]


def test_a_strangers_press_is_recorded_in_show(
    settings: Settings, store: Store, botapi: FakeBotApi, clock: VirtualClock, cli: CliRunner
) -> None:
    world = build_world(store)
    ob = world.report_sct

    async def scenario(bot: RunningBot) -> None:
        answer = await bot.forge(STRANGER, f"ack:{ob}")
        assert "chưa được liên kết" in answer.params["text"]
        await bot.forge(STRANGER, f"ack:{HUGE}")  # recorded, against no obligation

    run(settings, store, botapi, clock, scenario)
    assert obligation(store, ob).status == "open"
    code, out, _ = invoke(cli, store, "show", str(ob), "--now", "2026-06-10T09:00")
    assert code == 0
    history = out[out.index("History") :]
    assert "refused" in history and "telegram" in history
    code, out, _ = invoke(cli, store, "show", str(ob), "--json")
    assert '"event": "refused"' in out
    refused = events(store, event="refused")
    assert [(e.obligation_id, (e.data or {})["attempted"]) for e in refused] == [
        (ob, f"button ack:{ob}"),
        (None, f"button ack:{HUGE}"),
    ]
    assert all((e.data or {})["chat_id"] == STRANGER for e in refused)
