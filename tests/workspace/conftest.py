"""The workspace in a real browser: Debian's Chromium, headless, driven by Playwright.

``live`` serves the real app (``engine.web.create_app``, workspace included) with uvicorn
on a free loopback port, in a thread, with an injected clock and a real SMTP server
(aiosmtpd) for the sign-in links, on each store (SQLite and PostgreSQL, ``store``). The
socket is bound and listening before the thread starts, so the first request queues
instead of racing the start-up. ``page`` is a fresh
browser context at desktop width; ``live.shoot(page, name)`` writes a screenshot of the
page at 1280 and 390 pixels wide under the test's ``tmp_path`` (``screenshots/``).

Chromium is ``/usr/bin/chromium`` (``make system`` installs it; Playwright never
downloads a browser). Without it the browser tests skip, except in CI, where they fail.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine.config import Settings, TelegramSettings
from engine.store.db import Store
from engine.web import create_app, listen
from tests import factories as f
from tests.conftest import IN_CI
from tests.fakes.botapi import TOKEN, FakeBotApi
from tests.fakes.smtp import SmtpServer, free_port
from tests.helpers import WebClock as Clock

CHROMIUM = Path("/usr/bin/chromium")
SECRET = "workspace-test-secret-0123456789"
WIDTHS = {"desktop": 1280, "phone": 390}


@dataclass
class Live:
    url: str
    store: Store
    settings: Settings
    clock: Clock
    smtp: SmtpServer
    shots: Path
    taken: list[Path] = field(default_factory=list)

    def shoot(self, page: Any, name: str) -> None:
        """Screenshots of the page as it is, at desktop and phone widths."""
        self.shots.mkdir(parents=True, exist_ok=True)
        before = page.viewport_size
        for label, width in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": 900})
            path = self.shots / f"{name}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            self.taken.append(path)
        page.set_viewport_size(before)

    def link_in_mail(self, count: int) -> str:
        """The sign-in link of the ``count``-th message the SMTP server received."""
        mail = self.smtp.wait_for(count)[count - 1]
        body = mail.message.get_body(("plain",))
        assert body is not None
        match = re.search(
            r"http://127\.0\.0\.1:\d+(/dang-nhap/[A-Za-z0-9_.\-]+)", body.get_content()
        )
        assert match, body.get_content()
        return match.group(1)

    def sign_in(self, page: Any, email: str) -> None:
        """Sign in through the pages, as a person does: ask, open the mail's link, confirm
        (whoever was signed in in this browser before is signed out first)."""
        page.context.clear_cookies()
        page.goto(f"{self.url}/dang-nhap")
        page.get_by_label("Thư điện tử").fill(email)
        page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
        page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
        link = self.link_in_mail(len(self.smtp.received) or 1)
        page.goto(f"{self.url}{link}")
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{self.url}/")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Chromium for one test module. Not for the whole session: Playwright's sync API
    keeps an event loop running in the main thread while it is open, and tests that
    come after (``asyncio.run``) must not find one."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (make system installs Debian's chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


@contextmanager
def browser_page(chromium: Any, locale: str) -> Iterator[Any]:
    """A page of a fresh browser context whose Accept-Language is ``locale``."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    with browser_page(chromium, "vi-VN") as opened:
        yield opened


def serve(store: Store, settings: Settings, clock: Clock, port: int) -> Iterator[str]:
    """Serve the app on 127.0.0.1:``port`` in a thread until the generator is closed."""
    import uvicorn

    sock = listen(f"127.0.0.1:{port}")
    config = uvicorn.Config(
        create_app(store, settings, clock=clock), log_level="warning", access_log=False,
        lifespan="off",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


NOW = f.at(date(2026, 6, 30))


@contextmanager
def running(
    store: Store,
    smtp: SmtpServer,
    tmp_path: Path,
    base_url: str | None = None,
    telegram: TelegramSettings | None = None,
) -> Iterator[Live]:
    """The app on a free port; ``base_url`` is where the links point (default: there)."""
    port = free_port()
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port),
                          base_url=base_url or f"http://127.0.0.1:{port}")  # fmt: skip
    if telegram is not None:
        settings = settings.model_copy(update={"telegram": telegram})
    clock = Clock(NOW)
    server = serve(store, settings, clock, port)
    url = next(server)
    try:
        yield Live(url, store, settings, clock, smtp, tmp_path / "screenshots")
    finally:
        server.close()


@pytest.fixture
def live(
    store: Store, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Live]:
    monkeypatch.setenv("NHACVIEC_SECRET", SECRET)
    with running(store, smtp, tmp_path) as site:
        yield site


@pytest.fixture
def https_live(
    sqlite_store: Store, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Live]:
    """The app as behind a TLS proxy: its links and cookies are for https."""
    monkeypatch.setenv("NHACVIEC_SECRET", SECRET)
    with running(sqlite_store, smtp, tmp_path, "https://nv.example.org") as site:
        yield site


@pytest.fixture
def telegram_live(
    sqlite_store: Store, smtp: SmtpServer, botapi: FakeBotApi, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Live]:  # fmt: skip
    """The app with a bot: its messages go to the local Bot API server."""
    monkeypatch.setenv("NHACVIEC_SECRET", SECRET)
    monkeypatch.setenv("NHACVIEC_TEST_TELEGRAM_TOKEN", TOKEN)
    bot = TelegramSettings(token_env="NHACVIEC_TEST_TELEGRAM_TOKEN", base_url=botapi.base_url)
    with running(sqlite_store, smtp, tmp_path, telegram=bot) as site:
        yield site
