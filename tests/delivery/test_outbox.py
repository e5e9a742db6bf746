"""The local outbox folder: what the demo delivers to when no server is configured."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
from datetime import date
from pathlib import Path

import pytest

from engine.store.db import Store
from notifiers.base import Message
from notifiers.email import EmailNotifier, message_id
from notifiers.outbox import OutboxNotifier, safe_name
from tests import factories as f
from tests.delivery.helpers import row
from tests.fakes.smtp import SmtpServer
from tests.helpers import run_tick

NOW = f.at(date(2026, 6, 12))


def reminders(store: Store, *, chat: int | None = None, channel: str = "email") -> None:
    with store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency, chat=chat)
        f.reminder_schedule(s, f.obligation(s, f.plan(s), agency), person, channel=channel)


def test_without_an_email_section_mail_becomes_eml_files(store: Store, tmp_path: Path) -> None:
    reminders(store)
    settings = f.settings(tmp_path)
    report = run_tick(store, settings, NOW)
    (outcome,) = report.sent
    path = tmp_path / "outbox" / "2026-06-12" / f"{safe_name(outcome.row.key)}.eml"
    assert path.is_file()
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == message_id(outcome.row.key)
    assert parsed["To"] == "Phòng Kế hoạch - SCT <sct@example.org>"
    assert parsed["Subject"].startswith("[Nhắc việc] Sở Công Thương – hạn 19/06/2026: Báo cáo 6")
    assert row(store, "before-7").receipt == {
        "path": str(path), "existed": False, "message_id": parsed["Message-ID"],
    }  # fmt: skip


def test_the_eml_file_holds_the_bytes_an_smtp_server_receives(
    smtp: SmtpServer, tmp_path: Path
) -> None:
    sender = "Nhắc việc <nhacviec@example.org>"
    message = Message(key="o1:before-7:c1:email", channel="email", to="sct@example.org",
                      to_name="Phòng Kế hoạch - SCT", subject="[Nhắc việc] Hạn 19/06/2026",
                      text="Kính gửi…", html="<p>Kính gửi…</p>",
                      headers={"Date": "Fri, 12 Jun 2026 08:00:00 +0700"})  # fmt: skip

    async def both() -> Path:
        async with EmailNotifier(host=smtp.host, port=smtp.port, sender=sender) as mail:
            await mail.send(message)
        async with OutboxNotifier(tmp_path, sender=sender) as files:
            receipt = await files.send(message)
        return Path(receipt.detail["path"])

    path = asyncio.run(both())
    (received,) = smtp.wait_for(1)
    assert path.read_bytes() == received.data


def test_telegram_messages_become_json_files_in_outbox_mode(store: Store, tmp_path: Path) -> None:
    reminders(store, chat=1001, channel="telegram")
    settings = f.settings(tmp_path, delivery={"mode": "outbox"})
    (outcome,) = run_tick(store, settings, NOW).sent
    path = tmp_path / "outbox" / "2026-06-12" / f"{safe_name(outcome.row.key)}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["chat_id"] == "1001"
    assert record["parse_mode"] == "HTML"
    assert record["text"].startswith("📌 <b>Còn 7 ngày đến hạn</b>")
    ob = outcome.row.obligation_id
    assert record["buttons"] == [
        [{"text": "Đã nhận", "data": f"ack:{ob}"},
         {"text": "Đã hoàn thành", "data": f"done?:{ob}"}],
        [{"text": "Nhắc lại sau 1 ngày", "data": f"snooze:{ob}:1d"},
         {"text": "Nhắc lại sau 1 tuần", "data": f"snooze:{ob}:7d"}],
        [{"text": "Xin gia hạn", "data": f"extend?:{ob}"}],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("channel", "address"),
    [("zalo", "8123456789012345678"), ("webhook", "https://eoffice.example.vn/nhacviec")],
)
def test_zalo_and_webhook_messages_become_json_files_in_outbox_mode(
    store: Store, tmp_path: Path, channel: str, address: str
) -> None:
    with store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency, email=None)
        person.set_address(channel, address)
        f.reminder_schedule(s, f.obligation(s, f.plan(s), agency), person, channel=channel)
    settings = f.settings(tmp_path, delivery={"mode": "outbox"})
    (outcome,) = run_tick(store, settings, NOW).sent
    folder = tmp_path / "outbox" / "2026-06-12"
    assert not list(folder.glob("*.eml"))
    record = json.loads((folder / f"{safe_name(outcome.row.key)}.json").read_text("utf-8"))
    assert (record["channel"], record["to"]) == (channel, address)
    assert "Nhiệm vụ sau còn 7 ngày đến hạn:" in record["text"] and "<b>" not in record["text"]
    assert outcome.receipt is not None and "message_id" not in outcome.receipt


def test_writing_the_same_key_twice_keeps_the_first_file(tmp_path: Path) -> None:
    notifier = OutboxNotifier(tmp_path)
    first = Message(key="o1:s:c1:email", channel="email", to="a@example.org", subject="một",
                    text="một", headers={"Date": "Fri, 12 Jun 2026 08:00:00 +0700"})  # fmt: skip
    second = Message(key="o1:s:c1:email", channel="email", to="a@example.org", subject="hai",
                     text="hai", headers={"Date": "Fri, 12 Jun 2026 08:00:00 +0700"})  # fmt: skip

    async def twice() -> list[bool]:
        async with notifier:
            a = await notifier.send(first)
            b = await notifier.send(second)
        return [a.detail["existed"], b.detail["existed"]]

    assert asyncio.run(twice()) == [False, True]
    (path,) = (tmp_path / "2026-06-12").iterdir()
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "một"


@pytest.mark.parametrize("key", ["o1:before-7:c2:email", "digest:2026-W25:c3:telegram"])
def test_outbox_file_names_are_safe(key: str) -> None:
    name = safe_name(key)
    assert "/" not in name and ":" not in name
    assert name.replace("_", ":").count(":") == key.count(":")
