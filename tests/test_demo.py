"""`make demo` runs the main job; here on one month so the suite stays fast."""

from __future__ import annotations

import email
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.demo import main
from engine.store.db import open_store
from engine.store.models import AuditEvent, Notification


def test_the_demo_lives_through_january_and_says_where_the_messages_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "demo"
    assert main(["--workdir", str(work), "--until", "2026-01-31"]) == 0
    out = capsys.readouterr().out
    for step in range(1, 8):
        assert f"▶ {step}/7" in out
    assert "identical to the reviewed plans/hn-2026-2030-sxtdbv-du-thao.yaml" in out
    assert "01/2026  sent" in out
    emails = sorted((work / "outbox").rglob("*.eml"))
    telegrams = sorted((work / "outbox").rglob("*.json"))
    assert emails and telegrams
    chats = [json.loads(path.read_text("utf-8")) for path in telegrams]
    zalo = [c for c in chats if c.get("channel") == "zalo"]
    assert zalo and all(c["to"].isdigit() for c in zalo)  # followers linked by their code
    assert "webhook_url: https://eoffice.example.vn/nhacviec/" in (
        work / "agencies.yaml"
    ).read_text("utf-8")
    assert f"{len(zalo)} Zalo and" in out
    assert f"{len(emails)} emails (.eml" in out
    message = email.message_from_bytes(emails[0].read_bytes())
    assert message["Subject"] and message["Message-ID"]
    store = open_store(f"sqlite:///{work / 'nhacviec.db'}")
    with store.session() as s:
        sent = s.scalar(sa.select(sa.func.count()).where(Notification.state == "sent"))
        by_link = s.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.event == "acknowledged", AuditEvent.channel == "web"
            )
        )
        by_button = s.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.event == "acknowledged", AuditEvent.channel == "telegram"
            )
        )
    store.dispose()
    assert sent == len(emails) + len(telegrams)
    assert by_link and by_button  # coordinators used both the email link and the button
