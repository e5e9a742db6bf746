"""The workspace by keyboard, with labels, and the actions not covered elsewhere
(snooze, tracking, letters) in Chromium."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from docx import Document
from playwright.sync_api import expect

from engine.store.models import Letter, Obligation, Plan, Snooze
from tests import factories as f
from tests.reports import scenario as report_scenario
from tests.workspace import scenario
from tests.workspace.conftest import Live

PAGES = ("/", "/nghia-vu", "/qua-han", "/gia-han", "/lich", "/bao-cao", "/lien-he",
         "/nhap-ke-hoach")  # fmt: skip
UNLABELLED = """() => [...document.querySelectorAll(
    "input:not([type=hidden]), select, textarea, button")].filter(e =>
    !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.textContent.trim()
).map(e => e.outerHTML)"""


def tab_to(page: Any, wanted: str, limit: int = 12) -> None:
    """Press Tab until the element matching ``wanted`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement.matches({wanted!r})"):
            return
    raise AssertionError(f"{wanted} never got the focus")


def test_signing_in_and_acknowledging_with_the_keyboard_alone(live: Live, page: Any) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    page.goto(f"{live.url}/dang-nhap")
    tab_to(page, "a.skip")  # the first stop skips the header
    tab_to(page, "#email")
    page.keyboard.type(scenario.TNMT_MAIL)
    page.keyboard.press("Enter")
    page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
    page.goto(f"{live.url}{live.link_in_mail(1)}")
    tab_to(page, "main button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/")
    page.goto(f"{live.url}/nghia-vu/{people.tnmt_open}")
    tab_to(page, "form[action$='/xac-nhan'] button", limit=30)
    page.keyboard.press("Enter")
    page.get_by_text("đã nhận nhiệm vụ.").wait_for()
    with live.store.session() as s:
        assert s.get(Obligation, people.tnmt_open).status == "acknowledged"  # type: ignore[union-attr]


def test_every_page_has_one_heading_a_language_and_labelled_fields(live: Live, page: Any) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    page.goto(f"{live.url}/dang-nhap")
    assert page.evaluate(UNLABELLED) == []
    # the stylesheet is applied under the Content-Security-Policy (main is centred at 1200px)
    assert page.evaluate("() => getComputedStyle(document.querySelector('main')).maxWidth") == (
        "1200px"
    )
    live.sign_in(page, scenario.SCT_MAIL)
    for path in (*PAGES, f"/nghia-vu/{people.sxd_open}"):
        page.goto(f"{live.url}{path}")
        assert page.locator("html").get_attribute("lang") == "vi", path
        assert page.locator("h1").count() == 1, path
        assert page.evaluate(UNLABELLED) == [], path
        assert page.locator("meta[name=viewport]").count() == 1, path


def test_an_agency_snoozes_its_reminders_and_the_owner_brings_one_into_tracking(
    live: Live, page: Any
) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
        plan = s.scalars(sa.select(Plan).where(Plan.key == people.plan_key)).one()
        sxd = s.get(Obligation, people.sxd_open)
        assert sxd is not None
        due = date(2025, 12, 15)
        old = f.obligation(s, plan, sxd.agency, due_on=due, title="Báo cáo năm 2025",
                           period_label="năm 2025", key="old")  # fmt: skip
        old.tracked = False
        old_id = old.id
    live.sign_in(page, scenario.TNMT_MAIL)
    page.goto(f"{live.url}/nghia-vu/{people.tnmt_open}")
    page.get_by_role("button", name="Nhắc lại sau 1 tuần").click()
    page.get_by_text("Đã tạm hoãn nhắc việc cho Văn phòng Sở TNMT đến").wait_for()
    with live.store.session() as s:
        (paused,) = s.scalars(sa.select(Snooze))
        assert paused.obligation_id == people.tnmt_open

    live.sign_in(page, scenario.SCT_MAIL)
    page.goto(f"{live.url}/nghia-vu/{old_id}")
    assert page.locator("[data-status]").inner_text() == "Chưa theo dõi"
    page.get_by_role("button", name="Đưa vào theo dõi").click()
    page.get_by_text("Đã đưa nghĩa vụ vào theo dõi").wait_for()
    assert page.locator("[data-status]").inner_text() == "Quá hạn"  # due 15/12/2025
    with live.store.session() as s:
        assert s.get(Obligation, old_id).tracked is True  # type: ignore[union-attr]


def test_letters_are_downloaded_by_the_owner_and_the_agency_they_chase(
    live: Live, page: Any
) -> None:
    doc = Document()
    doc.add_paragraph("V/v đôn đốc thực hiện Kế hoạch số 266/KH-UBND")
    out = io.BytesIO()
    doc.save(out)
    with live.store.session() as s:
        people = scenario.build(s)
        sxd = s.get(Obligation, people.sxd_open)
        assert sxd is not None
        s.add(Letter(number="12/CV-SCT", agency_id=sxd.agency_id, plan_id=sxd.plan_id,
                     obligation_id=sxd.id, created_at=live.clock.now,
                     filename="12-CV-SCT.docx", content=out.getvalue()))  # fmt: skip
        s.flush()
        letter_id = s.scalars(sa.select(Letter.id)).one()
    for mail in (scenario.SCT_MAIL, scenario.SXD_MAIL):
        live.sign_in(page, mail)
        page.goto(f"{live.url}/bao-cao")
        row = page.locator("tbody tr", has_text="12/CV-SCT")
        assert report_scenario.SXD in row.inner_text()
        with page.expect_download() as download:
            row.get_by_role("link", name="12-CV-SCT.docx").click()
        text = Document(Path(download.value.path())).paragraphs[0].text
        assert text == "V/v đôn đốc thực hiện Kế hoạch số 266/KH-UBND"
    live.sign_in(page, scenario.TNMT_MAIL)
    page.goto(f"{live.url}/bao-cao")
    expect(page.get_by_text("Chưa có công văn nào.")).to_be_visible()
    answer = page.request.get(f"{live.url}/cong-van/{letter_id}")
    assert answer.status == 404
