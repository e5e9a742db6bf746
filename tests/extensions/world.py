"""A plan synced for real, for the extension, snooze and letter tests.

Plan 12/KH-UBND of 2026 is owned by UBND thành phố Hà Nội. Sở Công Thương (SCT) leads
task 1 ("Tháng 3 - 6/2026", due Tuesday 30/06/2026) and task 2 (due Monday 15/06/2026);
Sở Tài chính (STC) leads task 3 (due 30/06/2026). The workflow reminds the agency's
coordinator 7 days before the due date and on the day (email and Telegram), escalates
to it a day after, and a week after to the agency's head and the plan owner's
coordinator by email, with a formal letter. The plan, the directory and the workflow go
through the real loaders (``plan load``, the directory sync, ``sync``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine.agencies import Directory
from engine.config import Settings
from engine.plans.load import load_plan, sync_directory
from engine.plans.model import PlanFile
from engine.store.db import Store
from engine.store.models import Contact, Notification, Obligation
from engine.workflow.calendar import WorkCalendar
from engine.workflow.schema import load_workflows
from engine.workflow.sync import SyncReport, directory_matcher, sync_session
from tests.helpers import HANOI

SCT_CHAT, STC_CHAT, UBND_CHAT = 1001, 2002, 3003
SYNCED = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # Monday 01/06/2026, 09:00 in Hà Nội
TASK1 = "Rà soát hạ tầng thương mại điện tử"
TASK2 = "Tập huấn doanh nghiệp về tiêu dùng bền vững"
TASK3 = "Bố trí kinh phí thực hiện kế hoạch"

WORKFLOW = """
version: 1
name: kh
catch_up_days: 2
reminders:
  nv:
    - {name: open, at: when it opens, to: [agency.coordinator], channels: [email, telegram],
       stop_on: [acknowledged, done, waived]}
    - {name: d7, at: 7 days before due, to: [agency.coordinator], channels: [email, telegram]}
    - {name: due, at: on the due date, to: [agency.coordinator], channels: [email, telegram]}
    - {name: late1, at: 1 day after due, to: [agency.coordinator], channels: [email, telegram]}
    - {name: late7, at: 7 days after due, to: [agency.head, owner.coordinator],
       channels: [email], letter: true}
rules:
  - {name: lead, each: task lead, reminders: nv}
"""

DIRECTORY: dict[str, Any] = {
    "agencies": [
        {
            "key": "hn.ubnd",
            "name": "UBND thành phố Hà Nội",
            "jurisdiction": "Hà Nội",
            "contacts": [
                {
                    "role": "coordinator",
                    "name": "Văn phòng UBND",
                    "email": "vp@ubnd.example.org",
                    "telegram_chat_id": UBND_CHAT,
                }
            ],
        },
        {
            "key": "hn.sct",
            "name": "Sở Công Thương",
            "jurisdiction": "Hà Nội",
            "aliases": ["SCT"],
            "contacts": [
                {
                    "role": "coordinator",
                    "name": "Phòng Kế hoạch - SCT",
                    "email": "kh@sct.example.org",
                    "telegram_chat_id": SCT_CHAT,
                },
                {"role": "head", "name": "Giám đốc SCT", "email": "gd@sct.example.org"},
            ],
        },
        {
            "key": "hn.stc",
            "name": "Sở Tài chính",
            "jurisdiction": "Hà Nội",
            "contacts": [
                {
                    "role": "coordinator",
                    "name": "Planning Office - STC",
                    "email": "kh@stc.example.org",
                    "telegram_chat_id": STC_CHAT,
                    "language": "en",
                }
            ],
        },
    ]
}


def plan_file(*, task1_due: str = "2026-06-30") -> PlanFile:
    def task(key: str, title: str, lead: str, start: str, end: str) -> dict[str, Any]:
        return {
            "key": key,
            "number": key,
            "title": title,
            "lead": [lead],
            "window_text": f"{start} – {end}",
            "occurrences": [{"start": start, "end": end}],
        }

    return PlanFile.model_validate(
        {
            "key": "hn-12-2026",
            "number": "12/KH-UBND",
            "issuer": "UBND thành phố Hà Nội",
            "jurisdiction": "Hà Nội",
            "issued_on": "2026-01-20",
            "title": "Kế hoạch phát triển thương mại điện tử năm 2026",
            "period": {"start": 2026, "end": 2026},
            "owner": "UBND thành phố Hà Nội",
            "tasks": [
                task("1", TASK1, "Sở Công Thương", "2026-03-01", task1_due),
                task("2", TASK2, "Sở Công Thương", "2026-04-01", "2026-06-15"),
                task("3", TASK3, "Sở Tài chính", "2026-03-01", "2026-06-30"),
            ],
        }
    )


def write_workflow(folder: Path, text: str = WORKFLOW) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kh.yaml").write_text(text, encoding="utf-8")
    return folder


@dataclass(frozen=True)
class World:
    task1: int  # SCT's obligations
    task2: int
    task3: int  # STC's
    sct: int  # contact ids
    sct_head: int
    stc: int
    ubnd: int


def build(store: Store, settings: Settings, plan: PlanFile | None = None) -> World:
    """Load the directory and the plan, and sync them with the workflows of ``settings``."""
    directory = Directory.model_validate(DIRECTORY)
    with store.session() as s:
        sync_directory(s, directory, SYNCED)
        load_plan(s, plan or plan_file(), directory, SYNCED)
    sync(store, settings, SYNCED)
    with store.session() as s:
        ids = dict(s.execute(sa.select(Obligation.title, Obligation.id)).all())
        contacts = dict(s.execute(sa.select(Contact.key, Contact.id)).all())
    return World(
        ids[TASK1],
        ids[TASK2],
        ids[TASK3],
        contacts["hn.sct.coordinator"],
        contacts["hn.sct.head"],
        contacts["hn.stc.coordinator"],
        contacts["hn.ubnd.coordinator"],
    )


def sync(
    store: Store, settings: Settings, now: datetime, plan: PlanFile | None = None
) -> SyncReport:
    """``nhacviec sync`` (after loading ``plan`` again, if given)."""
    directory = Directory.model_validate(DIRECTORY)
    with store.session() as s:
        if plan is not None:
            load_plan(s, plan, directory, now)
        workflows = load_workflows(settings.paths.workflows)
        calendar = WorkCalendar.from_settings(settings)
        matcher = directory_matcher(directory)
        return sync_session(s, workflows, calendar, now=now, matcher=matcher)


def rows(store: Store, obligation_id: int, contact_id: int | None = None) -> dict[str, str]:
    """``stage:channel`` → state of an obligation's outbox rows (of one contact)."""
    with store.session() as s:
        query = sa.select(Notification).where(Notification.obligation_id == obligation_id)
        if contact_id is not None:
            query = query.where(Notification.contact_id == contact_id)
        return {f"{n.stage}:{n.channel}": n.state for n in s.scalars(query)}


def scheduled(store: Store, obligation_id: int, contact_id: int) -> dict[str, datetime]:
    """``stage:channel`` → local instant of an obligation's pending reminders (not extension
    notices) for one contact."""
    with store.session() as s:
        found = s.scalars(
            sa.select(Notification).where(
                Notification.obligation_id == obligation_id,
                Notification.contact_id == contact_id,
                Notification.state == "pending",
                Notification.kind != "extension",
            )
        )
        return {f"{n.stage}:{n.channel}": n.scheduled_at.astimezone(HANOI) for n in found}


def obligation(store: Store, obligation_id: int) -> Obligation:
    with store.session() as s:
        found = s.get(Obligation, obligation_id)
        assert found is not None
        return found
