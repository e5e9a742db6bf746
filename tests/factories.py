"""Rows for tests, made directly with the ORM (agencies, contacts, plans, obligations, outbox).

Every function takes an open session, adds and flushes, and returns the object, so ids
are known. Defaults describe one realistic case: Sở Công Thương owes the 6-month report
of 2026, due 19/06/2026, under Hà Nội's plan 266/KH-UBND; its coordinator is reminded by
email at 08:00 Hà Nội time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.config import DeliverySettings, EmailSettings, PathsSettings, Settings, WebSettings
from engine.store.models import (
    Agency,
    Contact,
    ContactAddress,
    Notification,
    Obligation,
    Plan,
    Task,
)
from notifiers.registry import CHANNELS
from tests.helpers import HANOI as HANOI  # re-exported: the factories speak in Hà Nội time
from tests.helpers import at as at

ROOT = Path(__file__).resolve().parent.parent
CREATED = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
STOP_ON_ACK = ("acknowledged", "done", "waived")
STOP_ON_DONE = ("done", "waived")


def settings(
    tmp_path: Path,
    *,
    smtp: tuple[str, int] | None = None,
    delivery: dict[str, Any] | None = None,
    **web: Any,
) -> Settings:
    """Settings for a test: the repository's templates, an outbox under ``tmp_path``."""
    values: dict[str, Any] = {
        "paths": PathsSettings(
            templates=ROOT / "templates",
            outbox=tmp_path / "outbox",
            workflows=ROOT / "workflows",
            plans=ROOT / "plans",
            agencies=ROOT / "config" / "agencies.yaml",
        ),
        "delivery": DeliverySettings(**(delivery or {})),
        "web": WebSettings(**web),
    }
    if smtp is not None:
        host, port = smtp
        values["email"] = EmailSettings(
            host=host, port=port, sender="Nhắc việc <nhacviec@example.org>", timeout=5.0
        )
    return Settings(**values)


def agency(
    s: Session,
    key: str = "hn.so-cong-thuong",
    name: str = "Sở Công Thương",
    *,
    jurisdiction: str = "Hà Nội",
    aliases: list[str] | None = None,
) -> Agency:
    row = Agency(key=key, name=name, jurisdiction=jurisdiction, aliases=aliases or [])
    s.add(row)
    s.flush()
    return row


def contact(
    s: Session,
    of: Agency,
    *,
    name: str = "Phòng Kế hoạch - SCT",
    email: str | None = "sct@example.org",
    chat: int | None = None,
    role: str = "coordinator",
    language: str = "vi",
    active: bool = True,
    key: str | None = None,
) -> Contact:
    row = Contact(
        key=key or f"{of.key}.{role}.{email or chat}",
        agency_id=of.id,
        name=name,
        role=role,
        language=language,
        active=active,
    )
    reach(row, email=email, chat=chat)
    s.add(row)
    s.flush()
    return row


def reach(row: Contact, *, email: str | None = None, chat: int | str | None = None) -> Contact:
    """Give ``row`` an email address and a Telegram chat (each only if given)."""
    for channel, value in (("email", email), ("telegram", chat)):
        if value is not None:
            row.set_address(channel, CHANNELS[channel].normalise(value))
    return row


def address(s: Session, contact_id: int, channel: str) -> str | None:
    """The contact's address on ``channel`` as stored (a chat id as text)."""
    return s.scalar(
        sa.select(ContactAddress.address).where(
            ContactAddress.contact_id == contact_id, ContactAddress.channel == channel
        )
    )


def flag(s: Session, contact_id: int, channel: str) -> str | None:
    """The flag delivery wrote on the contact's address on ``channel``."""
    return s.scalar(
        sa.select(ContactAddress.flag).where(
            ContactAddress.contact_id == contact_id, ContactAddress.channel == channel
        )
    )


def readdress(s: Session, contact_id: int, channel: str, value: str | int | None) -> None:
    """Set (None: take away) the contact's address on ``channel``, as a coordinator or a
    chat would have."""
    row = s.get(Contact, contact_id)
    assert row is not None
    row.set_address(channel, None if value is None else CHANNELS[channel].normalise(value))
    s.flush()


def plan(
    s: Session,
    *,
    key: str = "hn-266-2021",
    number: str | None = "266/KH-UBND",
    title: str = "Kế hoạch thực hiện sản xuất và tiêu dùng bền vững năm 2026",
    owner: Agency | None = None,
    issued_on: date | None = date(2021, 11, 25),
) -> Plan:
    row = Plan(
        key=key,
        number=number,
        issuer="UBND thành phố Hà Nội",
        issued_on=issued_on,
        title=title,
        period_start=2026,
        period_end=2026,
        owner_agency_id=owner.id if owner is not None else None,
        content_hash="0" * 64,
        data={},
        loaded_at=CREATED,
    )
    s.add(row)
    s.flush()
    return row


def task(
    s: Session,
    of: Plan,
    *,
    key: str = "1",
    title: str = "Tuyên truyền",
    window: str | None = "Tháng 3 - 12/2026",
) -> Task:
    row = Task(
        plan_id=of.id, key=key, position=1, number=key, title=title, window_text=window, data={}
    )
    s.add(row)
    s.flush()
    return row


def obligation(
    s: Session,
    of: Plan,
    owner: Agency,
    *,
    title: str = "Báo cáo 6 tháng đầu năm 2026",
    period_label: str = "6 tháng đầu năm 2026",
    due_on: date = date(2026, 6, 19),
    opens_on: date | None = None,
    status: str = "open",
    task_row: Task | None = None,
    key: str | None = None,
    role: str = "lead",
) -> Obligation:
    row = Obligation(
        key=key or f"report:{of.key}:{owner.key}:{period_label}:{title}",
        workflow="scp",
        rule="report",
        plan_id=of.id,
        task_id=task_row.id if task_row else None,
        duty=None if task_row else "report-6m",
        agency_id=owner.id,
        role=role,
        title=title,
        period_label=period_label,
        opens_on=opens_on,
        due_on=due_on,
        original_due_on=due_on,
        status=status,
        spec_hash="h",
        created_at=CREATED,
        updated_at=CREATED,
    )
    s.add(row)
    s.flush()
    return row


def notification(
    s: Session,
    about: Obligation,
    to: Contact,
    *,
    when: datetime,
    stage: str = "before-7",
    order: int = 1,
    channel: str = "email",
    template: str = "reminder",
    stop_on: Sequence[str] = STOP_ON_ACK,
    escalation: bool = False,
    payload: dict[str, Any] | None = None,
) -> Notification:
    row = Notification(
        key=f"o{about.id}:{stage}:c{to.id}:{channel}",
        kind="obligation",
        obligation_id=about.id,
        stage=stage,
        stage_order=order,
        escalation=escalation,
        contact_id=to.id,
        channel=channel,
        template=template,
        stop_on=list(stop_on),
        scheduled_at=when,
        due_at=when,
        payload=payload,
        created_at=CREATED,
        updated_at=CREATED,
    )
    s.add(row)
    s.flush()
    return row


def reminder_schedule(
    s: Session, about: Obligation, to: Contact, *, channel: str = "email"
) -> list[Notification]:
    """A usual schedule: 7 days and 1 day before, on the day (ack), 3 days after (escalation)."""
    due = about.due_on
    days = timedelta(days=1)
    return [
        notification(s, about, to, when=at(due - 7 * days), stage="before-7", channel=channel),
        notification(s, about, to, when=at(due - days), stage="before-1", order=2, channel=channel),
        notification(s, about, to, when=at(due), stage="on-due", order=3, channel=channel),
        notification(
            s, about, to, when=at(due + 3 * days), stage="late-3", order=4, channel=channel,
            template="escalation", stop_on=STOP_ON_DONE, escalation=True,
        ),
    ]  # fmt: skip
