"""One plan's first half of 2026, built by hand, with its categories worked out.

Plan 266/KH-UBND has two tasks and a reporting duty; three agencies owe them. As of
30/06/2026 (the end of 2026-H1) the expected category of each obligation is written next
to it, and ``ROWS`` is the per-task table the report must show, in plan order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy.orm import Session

from engine.store.models import Plan
from tests.reports import factories as f
from tests.reports.factories import at

AS_OF = date(2026, 6, 30)
T1 = "Tuyên truyền về sản xuất và tiêu dùng bền vững"
T2 = "Xây dựng cơ sở dữ liệu về sản xuất và tiêu dùng bền vững"
SCT, TNMT, SXD = "Sở Công Thương", "Sở Tài nguyên và Môi trường", "Sở Xây dựng"


@dataclass(frozen=True)
class Scenario:
    plan_id: int
    plan_key: str


def build(s: Session) -> Scenario:
    """Store the plan, its tasks and obligations (and some that must not be counted)."""
    sct = f.agency(s, "hn.so-cong-thuong", SCT, aliases=["SCT"])
    tnmt = f.agency(s, "hn.so-tai-nguyen-va-moi-truong", TNMT)
    sxd = f.agency(s, "hn.so-xay-dung", SXD)
    plan = f.plan(s, owner=sct)
    other = f.plan(s, key="hn-96-2020", number="96/KH-UBND")
    t1 = f.task(s, plan, "1", T1, position=1)
    t2 = f.task(s, plan, "2", T2, position=2)

    # On time (done 20/03, due 31/03), with two notes: the later one is shown.
    one = f.obligation(s, plan, sct, task=t1, due=date(2026, 3, 31), status="done",
                       done_at=at(date(2026, 3, 20)))  # fmt: skip
    f.note(s, one, "Đang triển khai", when=at(date(2026, 3, 1)))
    f.note(s, one, "Đã gửi báo cáo số 12/BC-SCT", when=at(date(2026, 3, 20)))
    f.note(s, one, None, when=at(date(2026, 3, 21)))  # a later event without a note
    # Late: a coordinator's input due 24/03, done 27/03.
    f.obligation(s, plan, tnmt, task=t1, role="coordinator", due=date(2026, 3, 24),
                 title=f"Phối hợp: {T1}", status="done", done_at=at(date(2026, 3, 27)))  # fmt: skip
    # Not done, in time: due on the as-of day itself.
    f.obligation(s, plan, sct, task=t2, due=date(2026, 6, 30))
    # Done within an extension: due 31/05, extended to 15/06, done 10/06.
    f.obligation(s, plan, tnmt, task=t2, due=date(2026, 5, 31), extended_to=date(2026, 6, 15),
                 status="done", done_at=at(date(2026, 6, 10)))  # fmt: skip
    # Not done, overdue (acknowledged).
    f.obligation(s, plan, sxd, task=t2, due=date(2026, 5, 15), status="acknowledged")
    # Waived report.
    f.obligation(s, plan, sct, due=date(2026, 6, 19), role="reporter", status="waived",
                 title="Báo cáo 6 tháng đầu năm 2026", period="6 tháng đầu năm 2026")  # fmt: skip
    # Not done, overdue, within an extension (due 30/04, extended to 31/07).
    f.obligation(s, plan, sxd, task=t1, due=date(2026, 4, 30), extended_to=date(2026, 7, 31))
    # Done on 02/07, after the as-of day: not done (in time) as of 30/06.
    f.obligation(s, plan, sxd, task=t2, role="coordinator", due=date(2026, 6, 30),
                 title=f"Phối hợp: {T2}", status="done",
                 done_at=at(date(2026, 7, 2), time(9, 0)))  # fmt: skip

    # Not in the report: due in H2, cancelled by sync, another plan's.
    f.obligation(s, plan, sct, task=t1, due=date(2026, 12, 31))
    f.obligation(s, plan, tnmt, task=t1, due=date(2026, 3, 31), cancelled=True)
    f.obligation(s, other, sct, due=date(2026, 3, 31))
    return Scenario(plan.id, plan.key)


def plan_of(s: Session, scenario: Scenario) -> Plan:
    plan = s.get(Plan, scenario.plan_id)
    assert plan is not None
    return plan


D = date
# STT, number, title, agency, role, period, due, extended due, category, done on, note
ROWS = [
    (1, "1", f"Phối hợp: {T1}", TNMT, "Phối hợp", "Năm 2026", D(2026, 3, 24), None,
     "Hoàn thành quá hạn", D(2026, 3, 27), None),
    (2, "1", T1, SCT, "Chủ trì", "Năm 2026", D(2026, 3, 31), None,
     "Hoàn thành đúng hạn", D(2026, 3, 20), "Đã gửi báo cáo số 12/BC-SCT"),
    (3, "1", T1, SXD, "Chủ trì", "Năm 2026", D(2026, 4, 30), D(2026, 7, 31),
     "Chưa hoàn thành quá hạn, đang trong thời gian được gia hạn", None, None),
    (4, "2", T2, SXD, "Chủ trì", "Năm 2026", D(2026, 5, 15), None,
     "Chưa hoàn thành quá hạn", None, None),
    (5, "2", T2, TNMT, "Chủ trì", "Năm 2026", D(2026, 5, 31), D(2026, 6, 15),
     "Hoàn thành quá hạn, trong thời gian được gia hạn", D(2026, 6, 10), None),
    (6, "2", T2, SCT, "Chủ trì", "Năm 2026", D(2026, 6, 30), None,
     "Chưa hoàn thành trong hạn", None, None),
    (7, "2", f"Phối hợp: {T2}", SXD, "Phối hợp", "Năm 2026", D(2026, 6, 30), None,
     "Chưa hoàn thành trong hạn", None, None),
    (8, None, "Báo cáo 6 tháng đầu năm 2026", SCT, "Báo cáo", "6 tháng đầu năm 2026",
     D(2026, 6, 19), None, "Miễn thực hiện", None, None),
]  # fmt: skip

# STT, agency, total, on time, late, (of which extended), in time, overdue,
# (of which extended), waived, on-time rate
AGENCIES = [
    (1, SCT, 2, 1, 0, 0, 1, 0, 0, 1, 1.0),
    (2, TNMT, 2, 0, 2, 1, 0, 0, 0, 0, 0.0),
    (3, SXD, 3, 0, 0, 0, 1, 2, 1, 0, 0.0),
    (None, "Tổng cộng", 7, 1, 2, 1, 2, 2, 1, 1, 0.2),
]
