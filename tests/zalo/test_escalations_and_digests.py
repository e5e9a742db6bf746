"""Escalations and weekly digests reach Zalo followers through the OA API, and the
escalation's buttons acknowledge and report done through the OA webhook: a plan synced
with the shipped workflow (``tests.synced_world``), the delivery ticks with the Zalo
notifier against the local OA server, the bot's text commands behind the webhook, and
``nhacviec digest --channel zalo`` reading what the outbox did. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime

from typer.testing import CliRunner

from engine.bot.texts import text_commands
from engine.cli import app
from engine.config import DigestSettings, Settings
from engine.store.db import Store
from tests import factories as f
from tests.fakes.clock import VirtualClock
from tests.fakes.zaloapi import FakeZaloApi, Received
from tests.helpers import cli_url
from tests.synced_world import COORDINATOR, ESCALATION, HEAD, Synced, synced
from tests.zalo.conftest import deliver, post_events

ESCALATED = f.at(date(2026, 6, 22))  # Monday: the day after the due date was a Saturday


def press(
    world: Synced, settings: Settings, clock: VirtualClock, zalo: FakeZaloApi,
    follower: str, message: Received, title: str, now: datetime,
) -> Received:  # fmt: skip
    """The follower taps the button ``title`` of ``message``: Zalo sends its payload back
    to the OA webhook as the follower's text. The answer the follower receives."""
    (payload,) = [b["payload"] for b in message.buttons if b["title"] == title]
    before = len(zalo.received(follower))
    on_text = text_commands(settings, world.store, "zalo", now=lambda: now)
    assert post_events(settings, clock, on_text, [zalo.signed_event(follower, payload)]) == [200]
    (answer,) = zalo.received(follower)[before:]
    return answer


def buttons(message: Received) -> list[tuple[str, str]]:
    return [(b["title"], b["payload"]) for b in message.buttons]


def test_the_escalation_reaches_the_coordinator_and_the_head_with_buttons_without_snoozing(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    world = synced(store)
    *reminders, escalated = world.instants("zalo")
    assert escalated == ESCALATED
    for when in reminders:
        deliver(store, engine_settings, clock, when)
    assert [m.user_id for m in zalo.received()] == [COORDINATOR, COORDINATOR]

    report = deliver(store, engine_settings, clock, ESCALATED)

    assert sorted((o.row.stage, o.result, o.to) for o in report.outcomes) == [
        (ESCALATION, "sent", COORDINATOR),
        (ESCALATION, "sent", HEAD),
    ]
    n = world.report
    for follower, name in ((COORDINATOR, "Phòng Kế hoạch - SCT"), (HEAD, "Giám đốc SCT")):
        message = zalo.received(follower)[-1]
        assert message.text.startswith(
            f"Kính gửi {name},\n\nNhiệm vụ sau của Sở Công Thương đã quá hạn 3 ngày và chưa "
            "hoàn thành:\n\n  Nhiệm vụ: Báo cáo 6 tháng đầu năm 2026\n"
        )
        assert "Trạng thái: chưa xác nhận" in message.text
        assert f"Mã nhắc việc: #{n}" in message.text
        # An escalation is never snoozed: acknowledge, done, ask for more time.
        assert buttons(message) == [
            ("Đã nhận", f"ack:{n}"),
            ("Đã hoàn thành", f"done?:{n}"),
            ("Xin gia hạn", f"extend?:{n}"),
        ]
    assert world.stages("zalo")[ESCALATION] == ["sent", "sent"]


def test_the_escalations_buttons_acknowledge_then_report_done_from_zalo(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    world = synced(store)
    deliver(store, engine_settings, clock, ESCALATED)  # the reminders' days went by unsent
    n = world.report
    escalation = zalo.received(COORDINATOR)[-1]
    later = f.at(date(2026, 6, 22)).replace(hour=9, minute=30)

    answer = press(world, engine_settings, clock, zalo, COORDINATOR, escalation, "Đã nhận", later)

    assert answer.text.startswith(f"✅ Đã ghi nhận #{n} Báo cáo 6 tháng đầu năm 2026")
    assert world.status() == "acknowledged"

    head = zalo.received(HEAD)[-1]
    question = press(world, engine_settings, clock, zalo, HEAD, head, "Đã hoàn thành", later)
    assert question.text.startswith("Xác nhận đã hoàn thành?")
    assert world.status() == "acknowledged"  # asking is not reporting
    answer = press(world, engine_settings, clock, zalo, HEAD, question, buttons(question)[0][0],
                   later)  # fmt: skip

    assert answer.text.startswith(f"✅ Đã hoàn thành #{n} Báo cáo 6 tháng đầu năm 2026")
    assert world.status() == "done"
    assert world.history() == [
        ("created", "sync", "system"),
        ("acknowledged", "Phòng Kế hoạch - SCT", "zalo"),
        ("done", "Giám đốc SCT", "zalo"),
    ]
    # Done stops the rest: a tick a week later sends nothing more to Zalo.
    assert deliver(store, engine_settings, clock, f.at(date(2026, 6, 29))).outcomes == []


def test_the_weekly_digest_reaches_the_coordinator_on_zalo_and_the_cli_says_it_was_sent(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock,
    cli: CliRunner,
) -> None:  # fmt: skip
    world = synced(store)
    config = engine_settings.model_copy(update={"digest": DigestSettings(enabled=True)})
    monday = f.at(date(2026, 6, 15))  # 2026-W25: the report is due on Friday

    report = deliver(store, config, clock, monday)

    digests = [o for o in report.outcomes if o.row.kind == "digest"]
    assert [(o.row.key, o.result, o.to) for o in digests] == [
        ("digest:2026-W25:agency:c1:zalo", "sent", COORDINATOR)
    ]
    (digest,) = [m for m in zalo.received(COORDINATOR) if "Tổng hợp" in m.text]
    assert digest.text.startswith("Kính gửi Phòng Kế hoạch - SCT,")
    assert "Báo cáo 6 tháng đầu năm 2026" in digest.text
    assert "19/06/2026" in digest.text
    assert digest.buttons == []  # a digest lists many things: nothing to press
    # how to mark a task done is said as Zalo's followers do it, not Telegram's
    assert 'gửi "#done 12" cho Official Account trên Zalo' in digest.text
    assert "Telegram" not in digest.text
    assert HEAD not in {m.user_id for m in zalo.received()}  # digests go to coordinators

    result = cli.invoke(
        app, ["--db", cli_url(store), "digest", "--week", "2026-W25", "--channel", "zalo", "--json"]
    )
    assert result.exit_code == 0, result.output
    (listed,) = json.loads(result.stdout)["digests"]
    (recipient,) = listed["recipients"]
    assert (recipient["channel"], recipient["address"]) == ("zalo", COORDINATOR)
    assert recipient["outbox"]["state"] == "sent"
    assert world.status() == "open"


def test_the_digest_preview_shows_zalos_plain_text_as_the_follower_reads_it(
    sqlite_store: Store, cli: CliRunner
) -> None:
    """Zalo's text is the mail's plain text, not Telegram's HTML: the preview shows it as
    it is (a title with ``<`` and ``&lt;`` in it is not taken for markup)."""
    title = "Báo cáo chỉ số bụi <PM2.5> &lt;quý II&gt;"
    with sqlite_store.session() as s:
        sct = f.agency(s)
        person = f.contact(s, sct, email=None, chat=4242)
        person.set_address("zalo", COORDINATOR)
        f.obligation(s, f.plan(s), sct, title=title, due_on=date(2026, 6, 19))

    def preview(channel: str) -> str:
        result = cli.invoke(
            app,
            ["--db", cli_url(sqlite_store), "digest", "--week", "2026-W25", "--preview",
             "--channel", channel],
            env={"COLUMNS": "220"},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return result.stdout

    for channel, address in (("zalo", COORDINATOR), ("telegram", "4242")):
        out = preview(channel)
        assert f"{channel} · vi · {address}" in out
        assert title in out, out
