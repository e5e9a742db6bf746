"""The pages' language, in Chromium: Vietnamese unless the reader asks for English.

The switch in every page's header or footer ("English", "Tiếng Việt") sets the ``lang``
cookie; without it the signed-in contact's language, or the email link's recipient's,
decides; else Vietnamese, whatever the browser's Accept-Language says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from engine.store.models import Contact, Obligation
from tests.workspace import scenario
from tests.workspace.conftest import Live, browser_page
from tests.workspace.test_email_links import mailed

TEMPLATES = Path(__file__).parents[2] / "templates"


@pytest.fixture
def english_browser(chromium: Any) -> Iterator[Any]:
    """A browser whose Accept-Language asks for English first."""
    with browser_page(chromium, "en-US") as opened:
        yield opened


def html_lang(page: Any) -> str:
    return str(page.locator("html").get_attribute("lang"))


@pytest.mark.parametrize("folder", ["workspace", "web"])
def test_every_vietnamese_page_has_its_english_twin(folder: str) -> None:
    vietnamese = {p.name for p in (TEMPLATES / "vi" / folder).glob("*.j2")}
    english = {p.name for p in (TEMPLATES / "en" / folder).glob("*.j2")}
    assert vietnamese, folder
    assert sorted(vietnamese - english) == []


def test_the_switch_turns_the_pages_english_and_back(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.build(s)
    live.sign_in(page, scenario.SCT_MAIL)
    page.goto(f"{live.url}/nghia-vu?status=open")
    expect(page.get_by_role("heading", name="Nghĩa vụ", exact=True)).to_be_visible()
    assert html_lang(page) == "vi"

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Obligations", exact=True)).to_be_visible()
    assert page.url == f"{live.url}/nghia-vu?status=open"  # the same page, its filter kept
    assert html_lang(page) == "en"
    expect(page.get_by_label("Status")).to_have_value("open")
    expect(page.locator("td .status.open").first).to_have_text("Not acknowledged")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "lang"]
    assert cookie["value"] == "en" and cookie["sameSite"] == "Lax"

    page.get_by_role("link", name="Overview").click()  # every page follows the choice
    expect(page.get_by_role("heading", name="Progress up to the end of 30/06/2026")).to_be_visible()
    page.goto(f"{live.url}/nghia-vu?status=open")
    page.locator("tbody tr", has_text="Sở Công Thương").locator("a").first.click()
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.get_by_text("Recorded: Sở Công Thương has acknowledged the task.")).to_be_visible()
    live.shoot(page, "obligation-en")

    page.get_by_role("link", name="Tiếng Việt").click()  # from the page a POST answered
    expect(page.get_by_text("Tình trạng", exact=True)).to_be_visible()
    assert html_lang(page) == "vi"
    assert page.url.startswith(f"{live.url}/nghia-vu/") and "?" not in page.url
    expect(page.locator("span.status").first).to_have_text("Đã nhận")


def test_an_english_contacts_sign_in_lands_on_english_pages(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.build(s)
        name = Contact.name == "Phòng Kế hoạch - SCT"
        s.execute(sa.update(Contact).where(name).values(language="en"))
    page.goto(f"{live.url}/dang-nhap")
    assert html_lang(page) == "vi"  # nobody is known yet: Vietnamese
    page.get_by_label("Thư điện tử").fill(scenario.SCT_MAIL)
    page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
    page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
    (mail,) = live.smtp.wait_for(1)
    assert mail.subject == "nhacviec sign-in link"
    link = live.link_in_mail(1)

    page.goto(f"{live.url}{link}")
    expect(page.get_by_text("Sign in as Phòng Kế hoạch - SCT?")).to_be_visible()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live.url}/")
    expect(page.get_by_role("heading", name="Progress up to the end of 30/06/2026")).to_be_visible()
    assert html_lang(page) == "en"
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Overdue").click()
    expect(page.get_by_role("heading", name="Overdue as of 30/06/2026")).to_be_visible()
    live.shoot(page, "overdue-en")
    page.goto(f"{live.url}/nghia-vu?status=open")
    page.locator("tbody tr", has_text="Sở Công Thương").locator("a").first.click()
    page.get_by_label("Extend to").fill("01/01/2026")  # before the due date: refused
    page.get_by_label("Reason", exact=True).fill("Waiting for the districts' figures")
    page.get_by_role("button", name="Send the extension request").click()
    expect(page.get_by_role("alert")).to_contain_text("Not done: the new due date 01/01/2026")
    page.goto(f"{live.url}/qua-han")

    page.get_by_role("link", name="Tiếng Việt").click()  # the switch outranks the contact
    expect(page.get_by_role("heading", name="Quá hạn tính đến 30/06/2026")).to_be_visible()
    page.goto(f"{live.url}/")
    heading = "Tình hình thực hiện đến hết ngày 30/06/2026"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


def test_an_english_recipients_email_link_page_is_english_with_a_switch(
    live: Live, page: Any
) -> None:
    english = mailed(live, language="en")
    english.open_mail(page)
    page.locator("a[href*='/ack/']").first.click()
    expect(page.get_by_role("button", name="Acknowledge")).to_be_visible()
    assert html_lang(page) == "en"
    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page.get_by_role("button", name="Xác nhận đã nhận")).to_be_visible()
    assert html_lang(page) == "vi"
    assert "lang=" not in page.url
    with live.store.session() as s:  # showing a page changed nothing
        found = s.get(Obligation, english.obligation)
        assert found is not None and found.status == "open"


def test_the_default_stays_vietnamese_whatever_the_browser_asks(
    live: Live, english_browser: Any
) -> None:
    page = english_browser
    page.goto(f"{live.url}/dang-nhap")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    assert html_lang(page) == "vi"
    expect(page.get_by_role("link", name="English")).to_be_visible()
    page.goto(f"{live.url}/ack/not-a-token")
    expect(page.get_by_text("Đường dẫn không đầy đủ", exact=False)).to_be_visible()

    vietnamese = mailed(live)  # a Vietnamese recipient, in an English browser
    vietnamese.open_mail(page)
    page.get_by_role("link", name="Xác nhận đã nhận nhiệm vụ").click()
    expect(page.get_by_role("heading", name="Xác nhận đã nhận nhiệm vụ")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("button", name="Acknowledge")).to_be_visible()
    page.goto(f"{live.url}/ack/not-a-token")  # the choice holds where nobody is known
    expect(page.get_by_text("This link is incomplete")).to_be_visible()
