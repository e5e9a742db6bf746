"""``nhacviec run``: ticks, serves the pages, re-syncs on file changes, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from engine.scheduler import Engine, Resync, fingerprint
from engine.store.db import Store, open_store
from engine.store.models import Notification, WorkerLock
from tests import factories as f
from tests.fakes.smtp import SmtpServer, free_port

LONG_AGO = f.at(date(2020, 1, 6))  # due by any clock this test may run under


def write_config(tmp_path: Path, smtp: SmtpServer, web_port: int, batch_size: int = 200) -> Path:
    config = tmp_path / "nhacviec.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "nv.db"}"\n'
        f'[email]\nhost = "{smtp.host}"\nport = {smtp.port}\nfrom = "Nhắc việc <nv@example.org>"\n'
        f'[web]\nbind = "127.0.0.1:{web_port}"\nbase_url = "http://127.0.0.1:{web_port}"\n'
        f"[delivery]\nbatch_size = {batch_size}\n"
        # `run` ticks on the machine's clock, which may be at night or on a Sunday
        '[time]\nsend_window = "off"\n'
        f'[paths]\ntemplates = "{f.ROOT / "templates"}"\noutbox = "{tmp_path / "outbox"}"\n'
        f'plans = "{tmp_path / "plans"}"\nworkflows = "{tmp_path / "workflows"}"\n'
        f'agencies = "{tmp_path / "agencies.yaml"}"\n',
        encoding="utf-8",
    )
    return config


def due_rows(tmp_path: Path, count: int) -> Store:
    store = open_store(f"sqlite:///{tmp_path / 'nv.db'}")
    store.upgrade()
    with store.session() as s:
        agency = f.agency(s)
        about = f.obligation(s, f.plan(s), agency)
        for n in range(count):
            person = f.contact(s, agency, email=f"p{n}@example.org")
            f.notification(s, about, person, when=LONG_AGO)
    return store


def states(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(sa.select(Notification.state).order_by(Notification.id)))


class Running:
    """``nhacviec run`` in a child process."""

    def __init__(self, config: Path) -> None:
        env = {**os.environ, "NHACVIEC_SECRET": "test-secret", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "engine", "--config", str(config), "run"],
            cwd=f.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def terminate(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=30)
        return self.process.returncode, err

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@pytest.fixture
def running() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for process in started:
        process.kill()


@pytest.mark.slow
def test_run_delivers_serves_the_pages_and_stops_cleanly_on_sigterm(
    tmp_path: Path, smtp: SmtpServer, running: list[Running]
) -> None:
    store = due_rows(tmp_path, 1)
    port = free_port()
    engine = Running(write_config(tmp_path, smtp, port))
    running.append(engine)
    (mail,) = smtp.wait_for(1, timeout=60)
    assert mail.rcpt_tos == ["p0@example.org"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
        assert json.load(answer) == {"status": "ok"}
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
        assert answer.url.endswith("/dang-nhap")  # the workspace, behind its sign-in page
        assert "Gửi liên kết đăng nhập" in answer.read().decode()
    code, err = engine.terminate()
    assert code == 0, err
    assert "Traceback" not in err
    assert states(store) == ["sent"]
    with store.session() as s:
        assert s.scalars(sa.select(WorkerLock)).all() == []  # the outbox is free again
    store.dispose()


@pytest.mark.slow
def test_sigterm_during_a_send_finishes_it_and_claims_nothing_more(
    tmp_path: Path, smtp: SmtpServer, running: list[Running]
) -> None:
    store = due_rows(tmp_path, 2)
    smtp.handler.hold = threading.Event()
    engine = Running(write_config(tmp_path, smtp, free_port(), batch_size=1))
    running.append(engine)
    assert smtp.handler.holding.wait(60)
    engine.process.send_signal(signal.SIGTERM)
    smtp.handler.hold.set()
    _, err = engine.process.communicate(timeout=30)
    assert engine.process.returncode == 0, err
    assert len(smtp.wait_for(1)) == 1
    assert states(store) == ["sent", "pending"]
    store.dispose()


@pytest.mark.slow
def test_a_second_engine_on_the_same_sqlite_outbox_says_so_and_exits(
    tmp_path: Path, smtp: SmtpServer, running: list[Running]
) -> None:
    store = due_rows(tmp_path, 1)
    first = Running(write_config(tmp_path, smtp, free_port()))
    running.append(first)
    smtp.wait_for(1, timeout=60)
    second = Running(write_config(tmp_path, smtp, free_port()))
    running.append(second)
    _, err = second.process.communicate(timeout=60)
    assert second.process.returncode == 2
    assert "another worker holds the SQLite outbox" in err
    assert first.terminate()[0] == 0
    store.dispose()


def test_the_engine_ticks_with_its_clock_and_stops_when_asked(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'nv.db'}")
    store.upgrade()
    with store.session() as s:
        agency = f.agency(s)
        f.reminder_schedule(s, f.obligation(s, f.plan(s), agency), f.contact(s, agency))
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port), bind=f"127.0.0.1:{free_port()}")
    engine = Engine(settings, store, "engine-test", clock=lambda: f.at(date(2026, 6, 19)))

    async def run_until_delivered() -> None:
        task = asyncio.create_task(engine.run())
        await asyncio.to_thread(smtp.wait_for, 1, 60)
        engine.stop()
        await task

    asyncio.run(run_until_delivered())
    (mail,) = smtp.received
    assert mail.subject.startswith(
        "[Nhắc việc] Sở Công Thương – hạn 19/06/2026"
    )  # on-due; the rest overtaken
    store.dispose()


def test_resync_runs_when_a_watched_file_changes_and_only_then(
    tmp_path: Path, sqlite_store: Store
) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "hn.yaml").write_text("key: hn\n", encoding="utf-8")
    settings = f.settings(tmp_path)
    settings = settings.model_copy(
        update={"paths": settings.paths.model_copy(update={"plans": plans})}
    )
    calls: list[datetime] = []

    def sync(store: Store, settings: Any, *, now: datetime) -> None:
        calls.append(now)

    clock_now = f.at(date(2026, 6, 1))
    engine = Engine(settings, sqlite_store, "w", clock=lambda: clock_now)
    resync = Resync(engine, sync)
    asyncio.run(resync.run())
    asyncio.run(resync.run())
    assert calls == [clock_now]
    stat = (plans / "hn.yaml").stat()
    (plans / "hn.yaml").write_text("key: hn\ntitle: changed\n", encoding="utf-8")
    os.utime(plans / "hn.yaml", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    asyncio.run(resync.run())
    assert calls == [clock_now, clock_now]


def test_the_fingerprint_sees_files_under_folders_and_single_files(tmp_path: Path) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "scp.yaml").write_text("version: 1\n")
    (tmp_path / "workflows" / "notes.txt").write_text("not watched\n")
    (tmp_path / "agencies.yaml").write_text("version: 1\n")
    seen = fingerprint([tmp_path / "workflows", tmp_path / "agencies.yaml", tmp_path / "none"])
    assert [Path(p).name for p, _, _ in seen] == ["scp.yaml", "agencies.yaml"]
