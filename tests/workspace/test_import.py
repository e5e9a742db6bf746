"""A plan imported in the browser from a .docx built here, corrected, and loaded."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import sqlalchemy as sa
from docx import Document
from playwright.sync_api import expect

from engine.store.models import AuditEvent, ImportDraft, Obligation, Plan, Task
from tests.plans.test_docx import fill
from tests.workspace import scenario
from tests.workspace.conftest import Live

PLAN_KEY = "hn-45-kh-ubnd-2026"


def plan_docx() -> bytes:
    """A Hà Nội plan of 2026 with a three-task appendix; task 2's month is a typo."""
    doc = Document()
    for text in (
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
        "Số: 45/KH-UBND",
        "Hà Nội, ngày 10 tháng 3 năm 2026",
        "KẾ HOẠCH",
        "Thực hiện chương trình sản xuất và tiêu dùng bền vững năm 2026",
        "IV. TỔ CHỨC THỰC HIỆN",
        "1. Sở Công Thương (cơ quan chủ trì)",
        "- Báo cáo định kỳ 6 tháng (trước ngày 20/6 hàng năm), 1 năm (trước ngày 15/12 "
        "hàng năm) gửi UBND Thành phố.",
        "PHỤ LỤC",
    ):
        doc.add_paragraph(text)
    table = doc.add_table(rows=4, cols=5)
    fill(table, [
        ["TT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện"],
        ["1", "Tập huấn sản xuất sạch hơn", "Sở Công Thương", "Sở Tài nguyên và Môi trường",
         "Quý III/2026"],
        ["2", "Xây dựng cơ sở dữ liệu", "Sở Tài nguyên và Môi trường", "Sở Công Thương",
         "Tháng 13/2026"],
        ["3", "Tuyên truyền", "Sở Xây dựng", "", "Tháng 9 - 12/2026"],
    ])  # fmt: skip
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def upload(live: Live, page: Any) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Nhập kế hoạch").click()
    live.shoot(page, "nhap-ke-hoach")
    page.get_by_label("Tệp kế hoạch").set_input_files(
        {"name": "KH-45.docx", "mimeType": "application/octet-stream", "buffer": plan_docx()}
    )
    page.get_by_role("button", name="Đọc văn bản").click()
    page.get_by_role("heading", name="Xem lại: KH-45.docx").wait_for()


def test_a_plan_is_imported_corrected_and_loaded_from_a_docx(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.directory_only(s)
    live.sign_in(page, scenario.DIRECTORY_MAILS["sct"])
    upload(live, page)
    rows = page.locator("#tasks tbody tr")
    assert rows.count() == 3
    second = page.locator('tr[data-task="2"]')
    expect(second.get_by_text("bảng 1, dòng 3")).to_be_visible()  # where it was read
    expect(second.get_by_text("Tháng 13/2026", exact=False).first).to_be_visible()  # the warning
    expect(second.get_by_text("Chưa đọc được thời gian thực hiện")).to_be_visible()
    assert page.get_by_label("Đơn vị chủ trì kế hoạch").input_value() == "Sở Công Thương"
    live.shoot(page, "nhap-ke-hoach-xem-lai")

    page.get_by_label("Thời gian nhiệm vụ 2").fill("Tháng 12/2026")
    page.get_by_label("Tên nhiệm vụ 1").fill("Tập huấn sản xuất sạch hơn cho doanh nghiệp")
    page.get_by_label("Đơn vị phối hợp nhiệm vụ 3").fill(
        "Sở Công Thương; Sở Tài nguyên và Môi trường"
    )
    page.get_by_role("button", name="Lưu sửa đổi").click()
    page.get_by_text("Đã lưu các sửa đổi.").wait_for()
    second = page.locator('tr[data-task="2"]')
    assert second.get_by_text("Chưa đọc được thời gian thực hiện").count() == 0
    expect(second.get_by_text("01/12/2026–31/12/2026")).to_be_visible()  # read again

    page.get_by_label("Bắt đầu theo dõi từ ngày").fill("01/07/2026")
    page.get_by_role("button", name="Nạp kế hoạch").click()
    page.get_by_role("heading", name="Đã nạp kế hoạch").wait_for()
    expect(page.get_by_text("3 nhiệm vụ")).to_be_visible()
    expect(page.get_by_text("theo dõi từ 01/07/2026")).to_be_visible()
    live.shoot(page, "nhap-ke-hoach-da-nap")

    with live.store.session() as s:
        plan = s.scalars(sa.select(Plan).where(Plan.key == PLAN_KEY)).one()
        assert plan.track_from == date(2026, 7, 1)
        titles = dict(
            s.execute(sa.select(Task.key, Task.title).where(Task.plan_id == plan.id)).all()
        )
        assert titles["1"] == "Tập huấn sản xuất sạch hơn cho doanh nghiệp"
        dues = s.scalars(
            sa.select(Obligation.due_on).where(
                Obligation.plan_id == plan.id, Obligation.task_id.is_not(None)
            )
        )
        assert date(2026, 12, 31) in set(dues)  # task 2, read again from the corrected cell
        draft = s.scalars(sa.select(ImportDraft)).one()
        assert draft.plan_id == plan.id and draft.loaded_at == live.clock.now

    page.goto(f"{live.url}/")  # the new plan's scorecard is there for its owner
    expect(page.locator(f'section[data-plan="{PLAN_KEY}"]')).to_be_visible()


def test_a_contact_of_another_agency_cannot_load_the_plan(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.directory_only(s)
    live.sign_in(page, scenario.DIRECTORY_MAILS["tnmt"])
    upload(live, page)
    page.get_by_label("Thời gian nhiệm vụ 2").fill("Tháng 12/2026")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Nạp kế hoạch").click()
    assert answer.value.status == 403
    expect(page.get_by_text("Kế hoạch do Sở Công Thương chủ trì")).to_be_visible()
    with live.store.session() as s:
        assert s.scalars(sa.select(Plan).where(Plan.key == PLAN_KEY)).first() is None
        draft_id = s.scalars(sa.select(ImportDraft.id)).one()
    live.sign_in(
        page, scenario.DIRECTORY_MAILS["sxd"]
    )  # someone else's draft is not shown, and recorded
    response = page.goto(f"{live.url}/nhap-ke-hoach/{draft_id}")
    assert response is not None and response.status == 404
    with live.store.session() as s:
        refused = s.scalars(sa.select(AuditEvent).where(AuditEvent.event == "refused")).one()
        assert refused.actor == "Đầu mối theo dõi kế hoạch (Sở Xây dựng)"


def test_a_file_that_is_no_plan_is_refused_with_what_is_wrong(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.directory_only(s)
    live.sign_in(page, scenario.DIRECTORY_MAILS["sct"])
    page.goto(f"{live.url}/nhap-ke-hoach")
    page.get_by_label("Tệp kế hoạch").set_input_files(
        {"name": "trong.docx", "mimeType": "application/octet-stream", "buffer": b"   "}
    )
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Đọc văn bản").click()
    assert answer.value.status == 400
    error = page.get_by_role("alert").inner_text()
    assert error.startswith("Không đọc được tệp:") and "trong.docx" in error
    with live.store.session() as s:
        assert s.scalars(sa.select(ImportDraft)).first() is None
