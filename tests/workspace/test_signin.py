"""Signing in by an emailed link, in Chromium: the only page open without a session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import expect

from engine.store.models import Contact, SigninRequest, WebSession
from tests.workspace import scenario
from tests.workspace.conftest import Live


def test_a_contact_signs_in_with_the_link_sent_by_email_and_signs_out(
    live: Live, page: Any
) -> None:
    with live.store.session() as s:
        scenario.build(s)
    page.goto(f"{live.url}/")
    assert page.url == f"{live.url}/dang-nhap"  # nothing but the sign-in page without a session
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    live.shoot(page, "dang-nhap")

    page.get_by_label("Thư điện tử").fill("SCT@example.org ")
    page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
    page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
    live.shoot(page, "dang-nhap-da-gui")
    (mail,) = live.smtp.wait_for(1)
    assert mail.rcpt_tos == ["sct@example.org"]
    assert mail.subject == "Liên kết đăng nhập Nhắc việc"
    link = live.link_in_mail(1)

    page.goto(f"{live.url}{link}")  # opening the link signs nobody in: a button does
    expect(page.get_by_text("Đăng nhập với tư cách Phòng Kế hoạch - SCT?")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "nv_session"]
    live.shoot(page, "dang-nhap-lien-ket")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live.url}/")
    expect(page.get_by_text("Phòng Kế hoạch - SCT · Sở Công Thương")).to_be_visible()
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "nv_session"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # served over plain http on loopback

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{live.url}/dang-nhap")
    page.goto(f"{live.url}/nghia-vu")
    assert page.url == f"{live.url}/dang-nhap"
    with live.store.session() as s:
        (ended,) = s.scalars(sa.select(WebSession.ended_at))
        assert ended == live.clock.now


def test_a_link_works_once_and_for_fifteen_minutes(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.build(s)
    live.sign_in(page, scenario.TNMT_MAIL)
    used = live.link_in_mail(1)
    page.context.clear_cookies()
    page.goto(f"{live.url}{used}")
    expect(page.get_by_text("Liên kết này đã được dùng để đăng nhập.")).to_be_visible()

    page.goto(f"{live.url}/dang-nhap")
    page.get_by_label("Thư điện tử").fill(scenario.TNMT_MAIL)
    page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
    page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
    late = live.link_in_mail(2)
    live.clock.now += timedelta(minutes=16)
    response = page.goto(f"{live.url}{late}")
    assert response is not None and response.status == 403
    expect(page.get_by_text("Liên kết này đã hết hạn")).to_be_visible()
    forged = late[:-3] + ("AAA" if not late.endswith("AAA") else "BBB")
    response = page.goto(f"{live.url}{forged}")
    assert response is not None and response.status == 403
    expect(page.get_by_text("Liên kết này không hợp lệ.")).to_be_visible()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.build(s)
    page.goto(f"{live.url}/dang-nhap")
    page.get_by_label("Thư điện tử").fill("ai-do@example.org")
    page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
    page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
    live.sign_in(page, scenario.SXD_MAIL)  # the next mail is the first one sent
    assert [m.rcpt_tos for m in live.smtp.received] == [[scenario.SXD_MAIL]]


def test_requests_are_limited_per_address(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.build(s)
    page.goto(f"{live.url}/dang-nhap")
    for _ in range(5):
        page.get_by_label("Thư điện tử").fill(scenario.SCT_MAIL)
        page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
        page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
        page.goto(f"{live.url}/dang-nhap")
    page.get_by_label("Thư điện tử").fill(scenario.SCT_MAIL)
    with page.expect_response(f"{live.url}/dang-nhap") as answer:
        page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
    assert answer.value.status == 429
    expect(page.get_by_text("quá nhiều yêu cầu đăng nhập")).to_be_visible()
    live.shoot(page, "dang-nhap-qua-nhieu")
    assert len(live.smtp.wait_for(5)) == 5
    live.clock.now += timedelta(hours=1, minutes=1)  # an hour later it is accepted again
    page.goto(f"{live.url}/dang-nhap")
    page.get_by_label("Thư điện tử").fill(scenario.SCT_MAIL)
    page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
    page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
    with live.store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(SigninRequest)) == 6


def test_a_sign_in_post_without_its_csrf_token_is_refused(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.build(s)
    page.goto(f"{live.url}/dang-nhap")
    page.eval_on_selector("input[name=csrf]", "e => e.remove()")
    page.get_by_label("Thư điện tử").fill(scenario.SCT_MAIL)
    with page.expect_response(f"{live.url}/dang-nhap") as answer:
        page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", name="Biểu mẫu không hợp lệ")).to_be_visible()
    assert live.smtp.received == []


def test_behind_https_the_session_cookie_is_secure(https_live: Live, page: Any) -> None:
    import re

    live = https_live
    with live.store.session() as s:
        scenario.build(s)
    page.goto(f"{live.url}/dang-nhap")
    page.get_by_label("Thư điện tử").fill(scenario.SCT_MAIL)
    page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
    page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
    body = live.smtp.wait_for(1)[0].message.get_body(("plain",))
    assert body is not None
    match = re.search(r"https://nv\.example\.org(/dang-nhap/\S+)", body.get_content())
    assert match, body.get_content()
    page.goto(f"{live.url}{match.group(1)}")  # Chromium keeps Secure cookies of 127.0.0.1
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live.url}/")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "nv_session"]
    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (True, True, "Strict")


def test_the_link_can_come_from_the_bot_to_the_linked_telegram_chat(
    telegram_live: Live, botapi: Any, page: Any
) -> None:
    import re

    live = telegram_live
    with live.store.session() as s:
        scenario.build(s)
        (sct,) = s.scalars(sa.select(Contact).where(Contact.name == "Phòng Kế hoạch - SCT"))
        assert sct.addresses["email"] == scenario.SCT_MAIL
        sct.set_address("telegram", "777")
    page.goto(f"{live.url}/dang-nhap")
    page.get_by_label("Thư điện tử").fill(scenario.SCT_MAIL)
    page.get_by_role("button", name="Gửi qua Telegram").click()
    page.get_by_text("bot Nhắc việc vừa gửi một liên kết đăng nhập vào Telegram").wait_for()
    (message,) = botapi.sent(777)
    match = re.search(r"http://127\.0\.0\.1:\d+(/dang-nhap/\S+)", message.text)
    assert match, message.text
    assert live.smtp.received == []  # nothing by email
    page.goto(f"{live.url}{match.group(1)}")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live.url}/")
    expect(page.get_by_text("Phòng Kế hoạch - SCT · Sở Công Thương")).to_be_visible()

    page.context.clear_cookies()  # a contact without a linked chat gets the same answer
    page.goto(f"{live.url}/dang-nhap")
    page.get_by_label("Thư điện tử").fill(scenario.TNMT_MAIL)
    page.get_by_role("button", name="Gửi qua Telegram").click()
    page.get_by_text("bot Nhắc việc vừa gửi một liên kết đăng nhập vào Telegram").wait_for()
    assert len(botapi.sent()) == 1


def test_without_a_session_every_page_leads_to_the_sign_in_page(live: Live, page: Any) -> None:
    from starlette.routing import Route

    from engine.workspace import routes

    with live.store.session() as s:
        scenario.build(s)
    open_paths = {"/dang-nhap", "/dang-nhap/{token}", "/dang-xuat", "/lich/{token}.ics",
                  "/giao-dien/nhacviec.css"}  # fmt: skip
    checked = 0
    for route in routes(live.store, live.settings, live.clock):
        assert isinstance(route, Route)
        if route.path in open_paths:
            continue
        path = route.path.replace("{id}", "1").replace("{action}", "mien")
        path = path.replace("{key}", "hn-266-2021")
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            form = {"csrf": "x"} if method == "POST" else None
            url = f"{live.url}{path}"
            answer = page.request.fetch(url, method=method, max_redirects=0, form=form)
            assert answer.status == 303, (method, path)
            assert answer.headers["location"] == "/dang-nhap", (method, path)
            checked += 1
    assert checked >= 20
