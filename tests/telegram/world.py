"""A small, realistic world for the Telegram tests, built with the ORM.

Plan "KH 245/KH-UBND" is owned by UBND thành phố Hà Nội. Sở Công Thương (SCT) and Sở Tài
chính (STC) each owe a 6-month report due 19/06/2026; SCT also owes an overdue task.
Each agency has one coordinator linked to a chat; the STC coordinator speaks English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from engine.store.db import Store
from engine.store.models import Agency, Contact, Notification, Obligation, Plan
from tests import factories as f

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội, 9 days before the due date
SCT_CHAT, STC_CHAT, UBND_CHAT = 1001, 2002, 3003
STOP_ON_ACK = ["acknowledged", "done", "waived"]
STOP_ON_DONE = ["done", "waived"]


@dataclass
class World:
    sct: int  # agency ids
    stc: int
    ubnd: int
    sct_contact: int  # contact ids
    stc_contact: int
    ubnd_contact: int
    report_sct: int  # obligation ids
    report_stc: int
    overdue_sct: int
    plan: int


def build_world(store: Store) -> World:
    with store.session() as s:
        ubnd = Agency(key="hn.ubnd", name="UBND thành phố Hà Nội", aliases=[])
        sct = Agency(key="hn.so-cong-thuong", name="Sở Công Thương", aliases=["SCT"])
        stc = Agency(key="hn.so-tai-chinh", name="Sở Tài chính", aliases=["STC"])
        s.add_all([ubnd, sct, stc])
        s.flush()
        contacts = [
            contact(sct, "Phòng Kế hoạch - SCT", SCT_CHAT),
            contact(stc, "Planning Office - STC", STC_CHAT, language="en"),
            contact(ubnd, "Văn phòng UBND", UBND_CHAT),
        ]
        s.add_all(contacts)
        plan = Plan(
            key="kh-245",
            number="245/KH-UBND",
            title="Kế hoạch thực hiện Chương trình phát triển thương mại điện tử",
            period_start=2026,
            period_end=2026,
            owner_agency_id=ubnd.id,
            content_hash="x",
            data={},
            loaded_at=NOW,
        )
        s.add(plan)
        s.flush()
        report = "Báo cáo kết quả thực hiện 6 tháng đầu năm"
        obligations = [
            obligation(plan, sct, report, date(2026, 6, 19), "r1"),
            obligation(plan, stc, report, date(2026, 6, 19), "r2"),
            obligation(
                plan,
                sct,
                "Rà soát hạ tầng thương mại <điện tử> & logistics",
                date(2026, 6, 1),
                "t3",
            ),
        ]
        s.add_all(obligations)
        s.flush()
        return World(
            sct=sct.id,
            stc=stc.id,
            ubnd=ubnd.id,
            sct_contact=contacts[0].id,
            stc_contact=contacts[1].id,
            ubnd_contact=contacts[2].id,
            report_sct=obligations[0].id,
            report_stc=obligations[1].id,
            overdue_sct=obligations[2].id,
            plan=plan.id,
        )


def contact(agency: Agency, name: str, chat_id: int | None, language: str = "vi") -> Contact:
    row = Contact(
        key=f"{agency.key}.coordinator",
        agency_id=agency.id,
        name=name,
        role="coordinator",
        language=language,
        active=True,
    )
    return f.reach(row, email=f"{agency.key}@example.org", chat=chat_id)


def obligation(plan: Plan, agency: Agency, title: str, due: date, key: str) -> Obligation:
    return Obligation(
        key=f"w:{plan.key}:{key}:{agency.key}",
        workflow="scp",
        rule="report",
        plan_id=plan.id,
        agency_id=agency.id,
        role="lead",
        title=title,
        period_label="6 tháng đầu năm 2026",
        due_on=due,
        original_due_on=due,
        status="open",
        spec_hash="h",
        created_at=NOW - timedelta(days=30),
        updated_at=NOW - timedelta(days=30),
    )


def notification(
    obligation_id: int,
    contact_id: int,
    stage: str,
    *,
    scheduled_at: datetime,
    channel: str = "telegram",
    stop_on: list[str] | None = None,
    state: str = "pending",
    receipt: dict[str, object] | None = None,
) -> Notification:
    return Notification(
        key=f"o{obligation_id}:{stage}:c{contact_id}:{channel}",
        kind="obligation",
        obligation_id=obligation_id,
        stage=stage,
        contact_id=contact_id,
        channel=channel,
        template="reminder",
        stop_on=STOP_ON_ACK if stop_on is None else stop_on,
        scheduled_at=scheduled_at,
        due_at=scheduled_at,
        state=state,
        sent_at=scheduled_at if state == "sent" else None,
        receipt=receipt,
        created_at=NOW - timedelta(days=30),
        updated_at=scheduled_at if state == "sent" else NOW - timedelta(days=30),
    )
