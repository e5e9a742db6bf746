"""One letter per agency and escalation day: however many of its obligations escalate
that day and however many people each escalation reaches, the agency gets one công văn
(one number of the office's register), listing everything it has overdue."""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from engine.store.db import Store
from engine.store.models import Letter
from tests import factories as f
from tests.adoption.helpers import Cli, write_config
from tests.helpers import run_tick

ESCALATION_DAY = date(2026, 6, 29)  # a Monday
LETTER = {"when": "after", "ack": True, "letter": True}


def attachments(outbox: Path) -> list[tuple[str, str]]:
    """(recipient, attached file name) of every email in the outbox folder."""
    found = []
    for path in sorted(outbox.rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.iter_attachments():  # type: ignore[attr-defined]
            found.append((message["To"].addresses[0].addr_spec, str(part.get_filename())))
    return found


def test_an_escalation_day_gives_the_agency_one_letter(store: Store, tmp_path: Path) -> None:
    settings = f.settings(tmp_path)
    with store.session() as s:
        owner = f.agency(s, "hn.ubnd", "UBND thành phố Hà Nội")
        boss = f.contact(s, owner, name="Văn phòng UBND", email="vp@ubnd.example.org")
        sct = f.agency(s)
        head = f.contact(s, sct, name="Giám đốc SCT", email="gd@sct.example.org", role="head")
        deputy = f.contact(s, sct, name="Phó GĐ SCT", email="pgd@sct.example.org", role="head")
        plan = f.plan(s, owner=owner)
        late = [
            f.obligation(s, plan, sct, title=f"Nhiệm vụ {n}", period_label="năm 2026",
                         due_on=ESCALATION_DAY - timedelta(days=7 + n))
            for n in range(3)
        ]  # fmt: skip
        tomorrow = f.obligation(s, plan, sct, title="Nhiệm vụ 9", period_label="năm 2026",
                                due_on=ESCALATION_DAY - timedelta(days=6))  # fmt: skip
        for about, day in [*((o, ESCALATION_DAY) for o in late),
                           (tomorrow, ESCALATION_DAY + timedelta(days=1))]:  # fmt: skip
            for person in (head, deputy, boss):
                f.notification(s, about, person, when=f.at(day), stage="qua-han-7-ngay",
                               template="escalation", stop_on=f.STOP_ON_DONE, escalation=True,
                               payload=LETTER)  # fmt: skip
        ids, later = [o.id for o in late], tomorrow.id
    report = run_tick(store, settings, f.at(ESCALATION_DAY))
    assert len(report.sent) == 9  # three obligations, three recipients each
    with store.session() as s:
        (letter,) = s.scalars(sa.select(Letter))
        assert letter.number == "1/CV-NV"
        # everything overdue: the three, and the one whose escalation is tomorrow
        assert sorted(letter.items or []) == [*ids, later]
    sent = attachments(settings.paths.outbox)
    assert len(sent) == 9
    assert {name for _, name in sent} == {"1-CV-NV_hn.so-cong-thuong.docx"}
    assert {to for to, _ in sent} == {"gd@sct.example.org", "pgd@sct.example.org",
                                      "vp@ubnd.example.org"}  # fmt: skip

    run_tick(store, settings, f.at(ESCALATION_DAY + timedelta(days=1)))
    with store.session() as s:
        numbers = s.scalars(sa.select(Letter.number).order_by(Letter.id)).all()
    assert numbers == ["1/CV-NV", "2/CV-NV"]  # the next escalation day: the next letter

    cli = Cli(store, write_config(tmp_path, digest=False))
    shown = cli.json("show", str(ids[2]))
    assert [item["number"] for item in shown["letters"]] == ["1/CV-NV", "2/CV-NV"]
