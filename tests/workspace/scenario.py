"""The people of the workspace tests, on top of the report scenario's plan.

Plan 266/KH-UBND (``tests.reports.scenario``) is owned by Sở Công Thương; Sở Tài
nguyên và Môi trường and Sở Xây dựng owe work in it. Each agency has one coordinator
with an email address; Sở Xây dựng has asked to extend one of its obligations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.store.models import Agency, ExtensionRequest, Obligation
from tests import factories as f
from tests.reports import scenario

SCT_MAIL, TNMT_MAIL, SXD_MAIL = "sct@example.org", "tnmt@example.org", "sxd@example.org"


@dataclass(frozen=True)
class People:
    plan_key: str
    sxd_open: int  # Sở Xây dựng's overdue obligation, extension pending
    tnmt_open: int  # an obligation of Sở Tài nguyên và Môi trường, open
    sct_open: int  # Sở Công Thương's own obligation, open and in time
    request_id: int


def build(s: Session) -> People:
    built = scenario.build(s)
    agencies = {a.name: a for a in s.scalars(sa.select(Agency))}
    sct, tnmt, sxd = (agencies[n] for n in (scenario.SCT, scenario.TNMT, scenario.SXD))
    f.contact(s, sct, name="Phòng Kế hoạch - SCT", email=SCT_MAIL)
    f.contact(s, tnmt, name="Văn phòng Sở TNMT", email=TNMT_MAIL)
    f.contact(s, sxd, name="Phòng Quản lý - SXD", email=SXD_MAIL)

    def first(agency: Agency, status: str) -> Obligation:
        return s.scalars(
            sa.select(Obligation)
            .where(
                Obligation.agency_id == agency.id,
                Obligation.plan_id == built.plan_id,
                Obligation.status == status,
                Obligation.cancelled_at.is_(None),
            )
            .order_by(Obligation.due_on)
        ).first()  # type: ignore[return-value]

    overdue = first(sxd, "open")
    request = ExtensionRequest(
        obligation_id=overdue.id, requested_by="Phòng Quản lý - SXD", requested_via="web",
        requested_at=f.at(date(2026, 6, 25)), new_due_on=date(2026, 8, 31),
        reason="Chờ số liệu của các quận, huyện",
    )  # fmt: skip
    s.add(request)
    s.flush()
    tnmt_open = f.obligation(s, scenario.plan_of(s, built), tnmt, due_on=date(2026, 7, 15),
                             title="Báo cáo kết quả quý II", key="tnmt-q2",
                             period_label="quý II năm 2026")  # fmt: skip
    return People(built.plan_key, overdue.id, tnmt_open.id, first(sct, "open").id, request.id)


DIRECTORY_MAILS = {  # the coordinators of config/agencies.yaml
    "sct": "sct.hn.coordinator@example.org",
    "tnmt": "stnmt.hn.coordinator@example.org",
    "sxd": "sxd.hn.coordinator@example.org",
}


def directory_only(s: Session) -> None:
    """The agencies and contacts of the shipped directory, no plan (sync reads every
    stored plan, and the report scenario's plans are rows without a plan file)."""
    from engine.agencies import load_directory
    from engine.plans.load import sync_directory

    sync_directory(s, load_directory(f.ROOT / "config" / "agencies.yaml"), f.CREATED)
