"""A plan synced with the shipped workflow whose contacts are reached on Zalo and a webhook
only: the world of the Zalo and webhook end-to-end tests (escalations, digests,
acknowledgement).

Sở Công Thương owns Hà Nội's 2026 plan and owes its 6-month report, due 19/06/2026. Its
coordinator (Phòng Kế hoạch - SCT) follows the OA as ``COORDINATOR`` and has an e-office
webhook (when one is given); its head (Giám đốc SCT) follows the OA as ``HEAD``. Neither
has an email or a Telegram chat. Synced with ``workflows/scp.yaml`` on 05/01/2026, the
report is reminded 7 days before (12/06) and 2 working days before (17/06) on both
channels, and escalated a day after (Saturday 20/06: Monday 22/06 at 08:00) to the
coordinator and the head on each channel they have (the stage lists ``email, telegram,
zalo, webhook``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from engine.agencies import Directory
from engine.store.db import Store
from engine.store.models import AuditEvent, Notification, Obligation
from engine.workflow.sync import sync_session
from tests.workflow.helpers import calendar, plan, shipped_workflow
from tests.workflow.store_helpers import put_directory, put_plan

LOADED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
DUE = date(2026, 6, 19)
COORDINATOR = "1001"  # Zalo user ids of the OA's followers (tests.zalo.conftest.FOLLOWERS)
HEAD = "1002"
ESCALATION = "qua-han-1-ngay"


@dataclass(frozen=True)
class Synced:
    store: Store
    report: int  # the obligation: the 6-month report of 2026

    def instants(self, channel: str) -> list[datetime]:
        """When the report's messages on ``channel`` are due, in order, each once."""
        with self.store.session() as s:
            query = sa.select(Notification.scheduled_at).where(
                Notification.obligation_id == self.report, Notification.channel == channel
            )
            return sorted({_utc(t) for t in s.scalars(query)})

    def stages(self, channel: str) -> dict[str, list[str]]:
        """The report's outbox rows on ``channel``: their state, by stage."""
        with self.store.session() as s:
            query = sa.select(Notification.stage, Notification.state).where(
                Notification.obligation_id == self.report, Notification.channel == channel
            )
            found: dict[str, list[str]] = {}
            for stage, state in s.execute(query.order_by(Notification.id)):
                found.setdefault(stage, []).append(state)
            return found

    def status(self) -> str:
        with self.store.session() as s:
            return s.get_one(Obligation, self.report).status

    def history(self) -> list[tuple[str, str | None, str | None]]:
        """The report's audit events: (event, actor, channel), in order."""
        with self.store.session() as s:
            query = sa.select(AuditEvent.event, AuditEvent.actor, AuditEvent.channel).where(
                AuditEvent.obligation_id == self.report
            )
            return [(e, a, c) for e, a, c in s.execute(query.order_by(AuditEvent.id))]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def directory(webhook_url: str | None) -> Directory:
    hook = {"webhook_url": webhook_url} if webhook_url else {}
    return Directory.model_validate(
        {
            "agencies": [
                {
                    "key": "hn.so-cong-thuong",
                    "name": "Sở Công Thương",
                    "contacts": [
                        {"role": "coordinator", "name": "Phòng Kế hoạch - SCT",
                         "zalo_user_id": COORDINATOR, **hook},
                        {"role": "head", "name": "Giám đốc SCT", "zalo_user_id": HEAD},
                    ],
                }
            ]
        }
    )  # fmt: skip


def synced(store: Store, webhook_url: str | None = None) -> Synced:
    """The world of the module docstring in ``store``, the coordinator's webhook at
    ``webhook_url`` (None: the coordinator has none)."""
    hanoi_2026 = plan(
        key="hn-2026",
        period={"start": 2026, "end": 2026},
        agencies=[{"name": "Sở Công Thương", "duties": ["báo cáo định kỳ"]}],
        reporting=[{"kind": "report", "text": "báo cáo định kỳ 6 tháng (trước ngày 20/6)",
                    "frequency": "half-yearly", "due": "06-19", "due_text": "trước ngày 20/6"}],
        tasks=[],
    )  # fmt: skip
    with store.session() as s:
        put_directory(s, directory(webhook_url))
        put_plan(s, hanoi_2026, LOADED)
    with store.session() as s:
        sync_session(s, [shipped_workflow()], calendar(), now=LOADED)
    with store.session() as s:
        (report,) = s.scalars(sa.select(Obligation.id).where(Obligation.due_on == DUE))
    return Synced(store, report)
