"""``nhacviec web`` serves the workspace on its own: signed in through it in Chromium."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from engine.store.db import open_store
from tests import factories as f
from tests.delivery.test_run import write_config
from tests.fakes.smtp import SmtpServer, free_port
from tests.workspace import scenario
from tests.workspace.conftest import SECRET


def test_nhacviec_web_serves_the_sign_in_and_the_pages(
    tmp_path: Path, smtp: SmtpServer, page: Any
) -> None:
    port = free_port()
    config = write_config(tmp_path, smtp, port)
    store = open_store(f"sqlite:///{tmp_path / 'nv.db'}")
    store.upgrade()
    with store.session() as s:
        scenario.build(s)
    env = {**os.environ, "NHACVIEC_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", "--config", str(config), "web"],
        cwd=f.ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # printed once the socket listens
        assert f"sign in at http://127.0.0.1:{port}/dang-nhap" in line, line
        url = f"http://127.0.0.1:{port}"
        page.goto(f"{url}/")
        assert page.url == f"{url}/dang-nhap"
        page.get_by_label("Thư điện tử").fill(scenario.SCT_MAIL)
        page.get_by_role("button", name="Gửi liên kết đăng nhập").click()
        page.get_by_text("một liên kết đăng nhập vừa được gửi").wait_for()
        (mail,) = smtp.wait_for(1)
        body = mail.message.get_body(("plain",))
        assert body is not None
        link = next(w for w in body.get_content().split() if "/dang-nhap/" in w)
        page.goto(link)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{url}/")
        expect(page.get_by_role("heading", name="266/KH-UBND", exact=False)).to_be_visible()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        store.dispose()
