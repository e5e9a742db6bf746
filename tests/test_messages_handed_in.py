"""Rendering works from what it is handed: no store, no bot, no letters module.

``engine.messages`` renders from a ``Source`` (what the store side loaded), the
``Letters`` made before rendering and the ``Buttons`` the caller brings. Here they are
held in memory, and the messages show exactly what was handed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.digest.weeks import IsoWeek
from engine.errors import RenderError
from engine.messages.kinds import KINDS
from engine.messages.types import (
    AgencyView,
    ButtonRows,
    Letters,
    ObligationView,
    PendingView,
    PlanView,
    Recipient,
    RenderEnv,
    RequestFacts,
    Subject,
    templates_for,
)
from engine.outbox import OutboxRow
from engine.util import DOCX_MIME
from notifiers.base import Button
from tests.conftest import ROOT

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 6, 22, 1, 0, tzinfo=UTC)  # Monday 22/06/2026, 08:00 in Hà Nội
SUBJECT = Subject(
    ObligationView(
        7,
        "Báo cáo 6 tháng",
        "6 tháng đầu năm 2026",
        None,
        date(2026, 6, 19),
        date(2026, 6, 19),
        "open",
        "lead",
    ),
    AgencyView("Sở Công Thương", 3),
    PlanView("266/KH-UBND", "Kế hoạch chuyển đổi số", "hn.cds", 1),
    None,
)
PERSON = Recipient(11, 3, "Phòng Kế hoạch - SCT", "coordinator",
                   {"email": "sct@example.org", "telegram": "4242"}, "vi", True)  # fmt: skip


@dataclass
class HeldSource:
    """A ``Source`` held in memory: what a store side would have loaded."""

    letters: Letters
    subjects_by_id: Mapping[int, Subject]
    asked: list[str]

    def subjects(self, ids: Collection[int]) -> dict[int, Subject]:
        self.asked.append(f"subjects {sorted(ids)}")
        return {i: self.subjects_by_id[i] for i in ids if i in self.subjects_by_id}

    def pending(self, ids: Collection[int]) -> dict[int, PendingView]:
        self.asked.append(f"pending {sorted(ids)}")
        return {}

    def requests(self, ids: Collection[int]) -> dict[int, RequestFacts]:
        self.asked.append(f"requests {sorted(ids)}")
        return {}

    def digests(
        self, scope: str, week: IsoWeek, today: date, zone: ZoneInfo, ids: Collection[int]
    ) -> Mapping[int, object]:
        self.asked.append(f"digests {scope} {week.code}")
        return {}


class Keyboards:
    """``Buttons`` that say what they were asked for."""

    def reminder(self, language: str, obligation_id: int, *, escalation: bool) -> ButtonRows:
        return ((Button(f"{language} done", f"done:{obligation_id}:{escalation}"),),)

    def decision(self, language: str, request_id: int) -> ButtonRows:
        return ((Button(f"{language} yes", f"yes:{request_id}"),),)


@dataclass(frozen=True)
class HeldLetter:
    number: str
    filename: str
    content: bytes


def row(
    channel: str, *, escalation: bool = False, payload: dict[str, Any] | None = None
) -> OutboxRow:
    template = "escalation" if escalation else "reminder"
    return OutboxRow(
        id=5, key=f"o7:s:c11:{channel}", kind="obligation", obligation_id=7, stage="s",
        stage_order=0, escalation=escalation, contact_id=11, channel=channel,
        template=template, stop_on=["done"], scheduled_at=NOW, due_at=NOW, state="sending",
        attempts=0, lease_owner=None, payload=payload,
    )  # fmt: skip


def rendered(
    outbox_row: OutboxRow, *, letters: Letters | None = None, buttons: Keyboards | None = None
) -> tuple[Any, list[str]]:
    env = RenderEnv(templates_for(ROOT / "templates"), HANOI, None, NOW, buttons=buttons)
    source = HeldSource(letters or Letters(), {7: SUBJECT}, [])
    renderer = KINDS[outbox_row.kind](env)
    renderer.prepare(source, [outbox_row])
    return renderer.render(outbox_row, PERSON), source.asked


def test_a_chat_reminder_carries_the_buttons_it_is_handed() -> None:
    message, asked = rendered(row("telegram", escalation=True), buttons=Keyboards())
    assert message.buttons == ((Button("vi done", "done:7:True"),),)
    assert "Báo cáo 6 tháng" in message.text
    assert asked == ["subjects [7]", "pending [7]"]  # read through the source, once


def test_without_buttons_handed_in_a_chat_reminder_has_none() -> None:
    message, _asked = rendered(row("telegram"))
    assert message.buttons == ()


def test_an_escalation_email_attaches_the_letter_made_before_rendering() -> None:
    letter = HeldLetter("15/CV-NV", "15-CV-NV_hn.sct.docx", b"PK\x03\x04 letter")
    outbox_row = row("email", escalation=True, payload={"letter": True})
    message, _asked = rendered(outbox_row, letters=Letters({5: letter}))
    attached = [(a.filename, a.content, a.mime_type) for a in message.attachments]
    assert attached == [("15-CV-NV_hn.sct.docx", b"PK\x03\x04 letter", DOCX_MIME)]
    assert "Công văn số 15/CV-NV" in message.text


def test_a_letter_that_could_not_be_made_fails_the_rows_that_want_one_saying_why() -> None:
    failed = Letters(error="the letter template cannot be filled: 'x' is undefined")
    with pytest.raises(RenderError) as caught:
        rendered(row("email", escalation=True, payload={"letter": True}), letters=failed)
    assert str(caught.value).startswith("thông báo o7:s:c11:email: ")
    assert str(caught.value).endswith(": the letter template cannot be filled: 'x' is undefined")
    message, _asked = rendered(row("email"), letters=failed)  # a reminder wants none
    assert message.attachments == ()
