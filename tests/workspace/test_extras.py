"""The month calendar, the agency's iCal feed and the xlsx report, in Chromium."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from icalendar import Calendar
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.reports import scenario as report_scenario
from tests.workspace import scenario
from tests.workspace.conftest import Live


def test_the_month_calendar_marks_days_off_and_lists_what_falls_due(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.build(s)
    live.sign_in(page, scenario.SCT_MAIL)
    page.get_by_role("navigation").get_by_role("link", name="Lịch").click()
    expect(page.get_by_role("heading", name="Lịch tháng 06/2026")).to_be_visible()
    today = page.locator('td[data-day="2026-06-30"]')
    assert today.get_attribute("aria-current") == "date"
    assert today.locator("li").count() == 2  # SCT's task 2, SXD's coordination of it
    assert "nghỉ: Thứ Bảy" in page.locator('td[data-day="2026-06-06"]').inner_text()
    live.shoot(page, "lich")
    page.get_by_role("link", name="Tháng 07/2026").click()
    expect(page.get_by_role("heading", name="Lịch tháng 07/2026")).to_be_visible()
    page.goto(f"{live.url}/lich?thang=2026-09")
    holiday = page.locator('td[data-day="2026-09-02"]').inner_text()  # a Wednesday
    assert "nghỉ:" in holiday and "Thứ" not in holiday.split("nghỉ:")[1]
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live.url}/lich?thang=2026-06")
    expect(
        page.locator('td[data-day="2026-06-30"]').get_by_text("Thứ Ba 30/06/2026")
    ).to_be_visible()


def test_the_agency_feed_holds_its_own_obligations_and_needs_its_signature(
    live: Live, page: Any
) -> None:
    with live.store.session() as s:
        scenario.build(s)
    live.sign_in(page, scenario.TNMT_MAIL)
    page.goto(f"{live.url}/lich")
    url = page.get_by_label("Địa chỉ lịch (iCal)").input_value()
    assert url.startswith(f"{live.url}/lich/") and url.endswith(".ics")
    page.context.clear_cookies()  # a calendar program has no session
    answer = page.request.get(url)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    feed = Calendar.from_ical(answer.body())
    summaries = [str(e["summary"]) for e in feed.walk("VEVENT")]
    assert any("Báo cáo kết quả quý II" in s for s in summaries)
    assert all(s.startswith("[") for s in summaries)
    assert not any(
        report_scenario.SXD in str(e.get("description", "")) for e in feed.walk("VEVENT")
    )
    forged = url.replace(".ics", "x.ics")
    assert page.request.get(forged).status == 403


def test_the_owner_downloads_the_xlsx_report(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.build(s)
    live.sign_in(page, scenario.SCT_MAIL)
    page.get_by_role("navigation").get_by_role("link", name="Báo cáo").click()
    page.get_by_label("Kỳ báo cáo").select_option("2026-H1")
    live.shoot(page, "bao-cao")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải báo cáo .xlsx").click()
    assert download.value.suggested_filename == "bao-cao-hn-266-2021-2026-H1.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value]
    assert report_scenario.SXD in cells and "Tổng cộng" in cells

    live.sign_in(page, scenario.SXD_MAIL)  # an agency gets no plan report
    page.goto(f"{live.url}/bao-cao")
    expect(page.get_by_text("dành cho đơn vị chủ trì kế hoạch")).to_be_visible()
    answer = page.goto(f"{live.url}/bao-cao.xlsx?plan=hn-266-2021&period=2026-H1")
    assert answer is not None and answer.status == 403


def test_a_coordinator_makes_an_invitation_code_that_the_bot_accepts(live: Live, page: Any) -> None:
    from engine.bot.links import redeem
    from engine.store.models import Contact

    with live.store.session() as s:
        scenario.build(s)
    live.sign_in(page, scenario.SCT_MAIL)  # the owner: every agency of its plan
    page.get_by_role("navigation").get_by_role("link", name="Liên hệ").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Tạo mã mời cho Phòng Quản lý - SXD").click()
    shown = page.locator("#invite-code").inner_text()
    assert shown.startswith("/start ")
    live.shoot(page, "lien-he")
    with live.store.session() as s:
        linked = redeem(s, shown.removeprefix("/start "), "telegram", "4242", live.clock.now)
        assert linked is not None and linked.name == "Phòng Quản lý - SXD"
    page.goto(f"{live.url}/lien-he")
    assert "Đã liên kết" in page.locator("tbody tr", has_text="Phòng Quản lý - SXD").inner_text()

    live.sign_in(page, scenario.SXD_MAIL)  # an agency: its own contacts only
    page.goto(f"{live.url}/lien-he")
    assert page.locator("tbody tr").count() == 1
    with live.store.session() as s:
        other = s.query(Contact).filter(Contact.name == "Văn phòng Sở TNMT").one()
        assert other.addresses["email"] == scenario.TNMT_MAIL
    csrf = page.locator("header input[name=csrf]").input_value()
    status = page.evaluate(
        """async ([url, csrf]) => (await fetch(url, {method: "POST",
            body: new URLSearchParams({csrf})})).status""",
        [f"/lien-he/{other.id}/moi", csrf],
    )
    assert status == 403
