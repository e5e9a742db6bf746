"""Signing in with the link sent to one's linked Zalo follower: the sign-in page offers a
button for each configured chat channel the registry marks ``linked`` ("Gửi qua Zalo"
once ``[zalo]`` is set), and the link goes out through the OA API as plain text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from engine.config import ZaloSettings
from engine.store.db import Store
from engine.store.models import Contact
from tests import factories as f
from tests.fakes.smtp import SmtpServer, free_port
from tests.fakes.zaloapi import APP_ID, FIRST_REFRESH, OA_SECRET_KEY, SECRET_KEY, FakeZaloApi
from tests.workspace import scenario
from tests.workspace.conftest import NOW, SECRET, Clock, Live, serve

FOLLOWER = "8123456789012345678"


@pytest.fixture
def zalo_live(
    sqlite_store: Store, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Live, FakeZaloApi]]:
    """The app with ``[zalo]`` set: its messages go to the local OA API server."""
    monkeypatch.setenv("NHACVIEC_SECRET", SECRET)
    monkeypatch.setenv("NHACVIEC_TEST_ZALO_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("NHACVIEC_TEST_ZALO_OA_SECRET_KEY", OA_SECRET_KEY)
    monkeypatch.setenv("NHACVIEC_TEST_ZALO_REFRESH_TOKEN", FIRST_REFRESH)
    with FakeZaloApi(followers={FOLLOWER}) as api:
        zalo = ZaloSettings(
            app_id=APP_ID,
            secret_key_env="NHACVIEC_TEST_ZALO_SECRET_KEY",
            oa_secret_key_env="NHACVIEC_TEST_ZALO_OA_SECRET_KEY",
            refresh_token_env="NHACVIEC_TEST_ZALO_REFRESH_TOKEN",
            token_file=tmp_path / "zalo-token.json",
            api_url=api.url,
            oauth_url=api.url,
        )
        port = free_port()
        settings = f.settings(
            tmp_path, smtp=(smtp.host, smtp.port), base_url=f"http://127.0.0.1:{port}"
        ).model_copy(update={"zalo": zalo})
        clock = Clock(NOW)
        server = serve(sqlite_store, settings, clock, port)
        url = next(server)
        try:
            yield Live(url, sqlite_store, settings, clock, smtp, tmp_path / "shots"), api
        finally:
            server.close()


def test_the_link_can_go_to_the_linked_zalo_follower(
    zalo_live: tuple[Live, FakeZaloApi], page: Any
) -> None:
    live, zalo = zalo_live
    with live.store.session() as s:
        scenario.build(s)
        (sct,) = s.scalars(sa.select(Contact).where(Contact.name == "Phòng Kế hoạch - SCT"))
        sct.set_address("zalo", FOLLOWER)
    page.goto(f"{live.url}/dang-nhap")
    expect(page.get_by_role("button", name="Gửi qua Telegram")).to_be_visible()  # as before
    page.get_by_label("Thư điện tử").fill(scenario.SCT_MAIL)
    page.get_by_role("button", name="Gửi qua Zalo").click()
    page.get_by_text("bot Nhắc việc vừa gửi một liên kết đăng nhập vào Zalo").wait_for()
    (message,) = zalo.received(FOLLOWER)
    assert message.text.startswith(
        "Liên kết đăng nhập Nhắc việc cho Phòng Kế hoạch - SCT (dùng được một lần, trong 15 phút):"
    )
    match = re.search(r"http://127\.0\.0\.1:\d+(/dang-nhap/\S+)", message.text)
    assert match, message.text
    assert live.smtp.received == []  # nothing by email
    page.goto(f"{live.url}{match.group(1)}")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live.url}/")
    expect(page.get_by_text("Phòng Kế hoạch - SCT · Sở Công Thương")).to_be_visible()

    page.context.clear_cookies()  # a contact without a linked follower gets the same answer
    page.goto(f"{live.url}/dang-nhap")
    page.get_by_label("Thư điện tử").fill(scenario.TNMT_MAIL)
    page.get_by_role("button", name="Gửi qua Zalo").click()
    page.get_by_text("bot Nhắc việc vừa gửi một liên kết đăng nhập vào Zalo").wait_for()
    assert len(zalo.received()) == 1


def test_without_zalo_settings_the_page_offers_no_zalo_button(live: Live, page: Any) -> None:
    page.goto(f"{live.url}/dang-nhap")
    expect(page.get_by_role("button", name="Gửi qua Telegram")).to_be_visible()
    assert page.get_by_role("button", name="Gửi qua Zalo").count() == 0
