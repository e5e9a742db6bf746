"""A workflow stage with ``letter: true`` attaches a công văn đôn đốc to its escalation emails."""

from __future__ import annotations

import io
import json
from datetime import date, time
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from typer.testing import CliRunner

from engine.cli import app
from engine.config import LettersSettings, Settings
from engine.store.db import Store
from engine.store.models import Letter
from engine.util import DOCX_MIME
from tests.extensions.conftest import make_settings
from tests.extensions.world import TASK1, TASK2, World, build
from tests.fakes.smtp import SmtpServer
from tests.helpers import at, run_tick

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

LATE7 = at(date(2026, 7, 7))  # task 1 (due 30/06) is a week late


@pytest.fixture
def mail_settings(tmp_path: Path, smtp: SmtpServer) -> Settings:
    return make_settings(tmp_path, smtp=(smtp.host, smtp.port))


@pytest.fixture
def mail_world(store: Store, mail_settings: Settings) -> World:
    return build(store, mail_settings)


def attachments(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    return [
        (part.get_filename() or "", part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_attachments()
    ]


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines)


def letters(store: Store) -> list[Letter]:
    with store.session() as s:
        return list(s.scalars(sa.select(Letter).order_by(Letter.id)))


def test_the_escalation_email_carries_a_letter_naming_the_agency_and_each_overdue_task(
    store: Store,
    mail_settings: Settings,
    mail_world: World,
    smtp: SmtpServer,
    cli: CliRunner,
    base: list[str],
) -> None:
    assert cli.invoke(app, [*base, "done", str(mail_world.task3)]).exit_code == 0  # STC's
    run_tick(store, mail_settings, at(date(2026, 6, 22)))  # task 2's escalation: letter 1
    run_tick(store, mail_settings, at(date(2026, 7, 1)))  # task 1's first escalation: none
    before = len(smtp.received)
    report = run_tick(store, mail_settings, LATE7)
    late = [o for o in report.sent if o.row.obligation_id == mail_world.task1]
    assert sorted(o.to or "" for o in late) == ["gd@sct.example.org", "vp@ubnd.example.org"]
    received = smtp.wait_for(before + 2)[before:]
    (head,), (owner,) = (attachments(r.message) for r in received)
    assert head == owner  # one letter for the stage, whoever receives it
    filename, mime, content = head
    assert (filename, mime) == ("2-CV-NV_hn.sct.docx", DOCX_MIME)
    text = docx_text(content)
    assert "Kính gửi: Sở Công Thương" in text
    assert "Số: 2/CV-NV" in text
    rows = [line for line in text.splitlines() if TASK1 in line or TASK2 in line]
    assert any(TASK2 in r and "15/06/2026" in r for r in rows)
    assert any(TASK1 in r and "30/06/2026" in r for r in rows)
    body = received[0].message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Kèm theo: Công văn số 2/CV-NV" in str(body.get_content())  # type: ignore[attr-defined]
    stored = letters(store)
    assert [(x.number, x.obligation_id) for x in stored] == [
        ("1/CV-NV", mail_world.task2),
        ("2/CV-NV", mail_world.task1),
    ]
    assert stored[1].content == content

    shown = json.loads(cli.invoke(app, [*base, "show", str(mail_world.task1), "--json"]).stdout)
    assert [(x["number"], x["filename"], x["stage"]) for x in shown["letters"]] == [
        ("2/CV-NV", "2-CV-NV_hn.sct.docx", "late7")
    ]
    text_view = cli.invoke(app, [*base, "show", str(mail_world.task1)]).stdout
    assert "Letters" in text_view and "2-CV-NV_hn.sct.docx" in text_view


def test_a_retried_escalation_attaches_the_same_letter(
    store: Store, mail_settings: Settings, mail_world: World, smtp: SmtpServer
) -> None:
    run_tick(store, mail_settings, at(date(2026, 7, 1)))
    smtp.refuse["vp@ubnd.example.org"] = "451 4.3.0 Try again later"
    first = run_tick(store, mail_settings, LATE7)
    retried = [
        o for o in first.retried if o.row.obligation_id == mail_world.task1 and o.to is not None
    ]
    assert [o.row.stage for o in retried] == ["late7"]
    smtp.refuse.clear()
    before = len(smtp.received)
    second = run_tick(store, mail_settings, at(date(2026, 7, 7), time(10, 0)))
    again = [o for o in second.sent if o.row.obligation_id == mail_world.task1]
    assert [o.to for o in again] == ["vp@ubnd.example.org"]
    (later,) = [r for r in smtp.wait_for(before + 2)[before:] if TASK1 in r.subject]
    (head,) = [
        r for r in smtp.received if r.rcpt_tos == ["gd@sct.example.org"] and TASK1 in r.subject
    ]
    assert attachments(later.message) == attachments(head.message)
    assert [x.number for x in letters(store) if x.obligation_id == mail_world.task1] == ["2/CV-NV"]


def test_no_letter_when_the_stage_does_not_ask_for_one(
    store: Store, mail_settings: Settings, mail_world: World, smtp: SmtpServer
) -> None:
    run_tick(store, mail_settings, at(date(2026, 7, 1)))  # task 1's escalation of day 1
    late1 = [
        r for r in smtp.received if r.rcpt_tos == ["kh@sct.example.org"] and "Quá hạn" in r.subject
    ]
    assert late1 and all(attachments(r.message) == [] for r in late1)
    assert [x.obligation_id for x in letters(store)] == [mail_world.task2]  # its 7-day stage


def test_a_letter_that_cannot_be_made_fails_the_escalation_saying_why(
    store: Store, mail_settings: Settings, mail_world: World, smtp: SmtpServer
) -> None:
    broken = mail_settings.model_copy(
        update={"letters": LettersSettings(template=Path("letters/missing.docx"))}
    )
    run_tick(store, broken, at(date(2026, 7, 1)))
    report = run_tick(store, broken, LATE7)
    failed = [o for o in report.failed if o.row.obligation_id == mail_world.task1]
    assert sorted(o.row.channel + ":" + o.row.stage for o in failed) == ["email:late7"] * 2
    assert all("no letter: " in (o.detail or "") and "missing.docx" in (o.detail or "")
               for o in failed)  # fmt: skip
    assert letters(store) == []
