"""The pages behind a reminder email's links, in a real browser (Debian's Chromium).

A reminder is sent through the real delivery path to the real SMTP server; its HTML part
is opened in the browser as a mail reader shows it and its links are clicked: acknowledge,
report done with a report number, ask for an extension. Each page is checked for what the
coordinator sees and the store for what was recorded. The browser also enforces what a
test client cannot: the form's ``required`` fields, and that no other site may frame the
one-button pages (``frame-ancestors 'none'``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from engine.store.models import AuditEvent, ExtensionRequest, Obligation
from tests import factories as f
from tests.helpers import run_tick
from tests.workspace.conftest import NOW, Live

DUE = (NOW + timedelta(days=7)).date()  # the 7-days-before reminder is due at NOW


@dataclass
class Mailed:
    """One obligation of Sở Công Thương and the HTML reminder its coordinator received."""

    live: Live
    obligation: int
    html: str

    def open_mail(self, page: Any) -> None:
        page.set_content(self.html)

    def status(self) -> str:
        with self.live.store.session() as s:
            found = s.get(Obligation, self.obligation)
            assert found is not None
            return found.status

    def events(self) -> list[tuple[str, str | None, str | None]]:
        with self.live.store.session() as s:
            query = sa.select(AuditEvent.event, AuditEvent.actor, AuditEvent.channel).where(
                AuditEvent.obligation_id == self.obligation
            )
            return [tuple(row) for row in s.execute(query.order_by(AuditEvent.id))]  # type: ignore[misc]


def mailed(live: Live, *, language: str = "vi") -> Mailed:
    with live.store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency, language=language)
        about = f.obligation(s, f.plan(s), agency, due_on=DUE)
        f.reminder_schedule(s, about, person)
        ident = about.id
    # Playwright's sync API keeps an event loop in this thread: the tick runs in another.
    with ThreadPoolExecutor(1) as worker:
        worker.submit(run_tick, live.store, live.settings, NOW).result()
    (mail,) = live.smtp.wait_for(1)
    html = mail.message.get_body(("html",))
    assert html is not None
    return Mailed(live, ident, html.get_content())


@pytest.fixture
def reminder(live: Live) -> Mailed:
    return mailed(live)


def test_the_acknowledgement_link_opens_a_page_whose_button_records_it(
    reminder: Mailed, page: Any
) -> None:
    reminder.open_mail(page)
    page.get_by_role("link", name="Xác nhận đã nhận nhiệm vụ").click()
    page.get_by_role("heading", name="Xác nhận đã nhận nhiệm vụ").wait_for()
    assert "Báo cáo 6 tháng đầu năm 2026" in page.inner_text("body")
    assert reminder.status() == "open"  # opening the link records nothing

    page.get_by_role("button", name="Xác nhận đã nhận").click()
    page.get_by_role("heading", name="Đã ghi nhận").wait_for()
    assert "Cảm ơn Phòng Kế hoạch - SCT" in page.inner_text("body")
    assert reminder.status() == "acknowledged"
    assert reminder.events() == [("acknowledged", "Phòng Kế hoạch - SCT", "web")]

    page.go_back()
    page.reload()  # the link opened again: it says so and offers no second button
    page.get_by_role("heading", name="Đã xác nhận trước đó").wait_for()
    assert page.get_by_role("button", name="Xác nhận đã nhận").count() == 0
    assert len(reminder.events()) == 1


def test_the_done_link_records_the_report_number_typed_in_the_page(
    reminder: Mailed, page: Any
) -> None:
    reminder.open_mail(page)
    page.get_by_role("link", name="Báo hoàn thành (kèm số báo cáo)").click()
    page.get_by_label("Số báo cáo (nếu có)").fill("245/BC-SCT")
    page.get_by_label("Ghi chú (nếu có)").fill("Gửi kèm phụ lục số liệu")
    page.get_by_role("button", name="Đã hoàn thành").click()

    page.get_by_role("heading", name="Đã ghi nhận hoàn thành").wait_for()
    text = page.inner_text("body")
    assert "báo cáo số 245/BC-SCT" in text
    assert "Ghi chú: Gửi kèm phụ lục số liệu" in text
    assert reminder.status() == "done"
    assert reminder.events() == [("done", "Phòng Kế hoạch - SCT", "web")]


def test_the_extension_form_needs_its_fields_then_asks_the_plan_owner(
    reminder: Mailed, page: Any
) -> None:
    reminder.open_mail(page)
    page.get_by_role("link", name="Xin gia hạn").click()
    page.get_by_role("heading", name="Xin gia hạn nhiệm vụ").wait_for()
    form_url = page.url

    page.get_by_role("button", name="Gửi đề nghị gia hạn").click()  # nothing typed yet
    assert page.url == form_url
    assert page.get_by_label("Hạn mới đề nghị").evaluate("e => e.validity.valueMissing")
    with reminder.live.store.session() as s:
        assert s.scalars(sa.select(ExtensionRequest)).all() == []

    page.get_by_label("Hạn mới đề nghị").fill(f"{DUE + timedelta(days=24):%Y-%m-%d}")
    page.get_by_label("Lý do").fill("Chờ số liệu của Cục Thống kê")
    page.get_by_role("button", name="Gửi đề nghị gia hạn").click()
    page.get_by_text("Đã gửi đề nghị gia hạn GH").first.wait_for()
    assert f"{DUE + timedelta(days=24):%d/%m/%Y}" in page.inner_text("body")
    with reminder.live.store.session() as s:
        (request,) = s.scalars(sa.select(ExtensionRequest))
        assert (request.requested_via, request.new_due_on, request.reason) == (
            "web",
            DUE + timedelta(days=24),
            "Chờ số liệu của Cục Thống kê",
        )


def test_another_site_cannot_frame_the_one_button_page(reminder: Mailed, page: Any) -> None:
    reminder.open_mail(page)
    ack = page.get_by_role("link", name="Xác nhận đã nhận nhiệm vụ").get_attribute("href")
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal:
        page.set_content(f'<p>Trang khác</p><iframe src="{ack}" width="600" height="400"></iframe>')
    assert "frame-ancestors 'none'" in refusal.value.text
    framed = page.frames[-1]
    assert "Xác nhận đã nhận" not in framed.content()
    assert reminder.status() == "open"


def test_a_contact_who_reads_english_gets_the_pages_in_english(live: Live, page: Any) -> None:
    english = mailed(live, language="en")
    english.open_mail(page)
    page.locator("a[href*='/ack/']").first.click()
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_role("heading", name="Acknowledged").wait_for()
    assert english.status() == "acknowledged"
