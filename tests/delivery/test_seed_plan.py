"""A seed plan end to end: sync with the shipped workflow, simulate 2026, deliver it.

The plan is the Hà Nội 2026–2030 plan (``shared/seeds/002_…``) as its plan file states
it: Sở Công Thương owns it and leads its first task; the agencies report "định kỳ 6
tháng (trước ngày 20/6 hàng năm), 1 năm (trước ngày 15/12 hàng năm)". The reminders must
reach the right people at the instants ``simulate`` announced, with the right subjects.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.simulate import simulate
from engine.store.db import Store
from engine.workflow.sync import sync_session
from tests import factories as f
from tests.fakes.smtp import SmtpServer
from tests.helpers import run_tick
from tests.workflow.helpers import calendar, directory, plan, shipped_workflow, task
from tests.workflow.store_helpers import put_directory, put_plan

LOADED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
YEAR = (datetime(2026, 1, 1, tzinfo=f.HANOI), datetime(2026, 12, 31, 23, 59, tzinfo=f.HANOI))
HALF_YEAR = "[Nhắc việc] Sở Công Thương – hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026"


def hanoi_2026_2030() -> object:
    return plan(
        key="hn-sxtdbv-2026-2030",
        number=None,
        title="Kế hoạch thực hiện Chương trình hành động quốc gia về sản xuất và tiêu dùng "
        "bền vững giai đoạn 2026 – 2030 trên địa bàn thành phố Hà Nội",
        period={"start": 2026, "end": 2030},
        reporting=[
            {"kind": "report", "text": "báo cáo định kỳ 6 tháng (trước ngày 20/6 hàng năm)",
             "frequency": "half-yearly", "due": "06-19", "due_text": "trước ngày 20/6"},
            {"kind": "report", "text": "1 năm (trước ngày 15/12 hàng năm)",
             "frequency": "yearly", "due": "12-14", "due_text": "trước ngày 15/12"},
        ],
        tasks=[task(
            title="Xây dựng tài liệu, tổ chức tuyên truyền, phổ biến chính sách pháp luật",
            window_text="Năm 2026",
            occurrences=[{"start": "2026-01-01", "end": "2026-12-31", "label": "Năm 2026"}],
        )],
    )  # fmt: skip


@pytest.fixture
def synced(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.delenv("NHACVIEC_TELEGRAM_TOKEN", raising=False)
    with store.session() as s:
        put_directory(s, directory())
        put_plan(s, hanoi_2026_2030(), LOADED)  # type: ignore[arg-type]
    with store.session() as s:
        sync_session(s, [shipped_workflow()], calendar(), now=LOADED)
    return store


def test_the_reminders_of_a_seed_plan_arrive_at_the_simulated_times(
    synced: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port))
    planned = simulate(synced, settings, start=YEAR[0], end=YEAR[1]).planned
    emails = [p for p in planned if p.row.channel == "email"]
    assert len(emails) > 20
    for at in sorted({p.at for p in planned}):
        run_tick(synced, settings, at)
    received = smtp.wait_for(len(emails))
    assert [(m.rcpt_tos[0], m.subject) for m in received] == [(p.to, p.subject) for p in emails]
    sent_at = [parsedate_to_datetime(str(m.message["Date"])) for m in received]
    assert sent_at == [p.at for p in emails]
    assert all(t.astimezone(f.HANOI).time() == time(8, 0) for t in sent_at)
    assert all(t.astimezone(f.HANOI).weekday() < 5 for t in sent_at)  # working days only

    half_year = [(m.rcpt_tos[0], parsedate_to_datetime(str(m.message["Date"])))
                 for m in received if m.subject == HALF_YEAR]  # fmt: skip
    assert [(to, t.astimezone(f.HANOI).strftime("%d/%m")) for to, t in half_year] == [
        ("kh@sct.example.org", "20/05"),  # opens: asks for acknowledgement
        ("kh@sct.example.org", "12/06"),  # 7 days before
        ("kh@sct.example.org", "17/06"),  # 2 working days before
    ]
    overdue = "[Nhắc việc – Quá hạn] Sở Công Thương – hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026"
    escalations = {m.rcpt_tos[0] for m in received if m.subject.startswith(overdue)}
    assert escalations == {"kh@sct.example.org", "gd@sct.example.org"}
    assert run_tick(synced, settings, YEAR[1]).sent == []


@pytest.mark.slow
def test_a_seed_plan_file_loaded_synced_simulated_and_ticked_through_the_cli(
    cli: CliRunner, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real path: `plan load`, `sync`, `simulate --json`, then `tick --now` per instant."""
    monkeypatch.delenv("NHACVIEC_TELEGRAM_TOKEN", raising=False)
    config = tmp_path / "nhacviec.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "nv.db"}"\n'
        f'[email]\nhost = "{smtp.host}"\nport = {smtp.port}\nfrom = "Nhắc việc <nv@example.org>"\n'
        f'[paths]\ntemplates = "{f.ROOT / "templates"}"\nworkflows = "{f.ROOT / "workflows"}"\n'
        f'agencies = "{f.ROOT / "config" / "agencies.yaml"}"\nplans = "{f.ROOT / "plans"}"\n'
        f'outbox = "{tmp_path / "outbox"}"\n',
        encoding="utf-8",
    )

    def run(*args: str) -> str:
        result = cli.invoke(app, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    run("init")
    plan_file = str(f.ROOT / "plans" / "hn-2026-2030-sxtdbv-du-thao.yaml")
    run("plan", "load", plan_file, "--now", "2026-01-05T09:00:00+07:00")
    run("sync", "--now", "2026-01-05T09:00:00+07:00")
    planned = json.loads(run("simulate", "--from", "2026-01-01", "--to", "2026-12-31", "--json"))
    emails = [p for p in planned if p["channel"] == "email"]
    assert len(emails) > 20
    for at in sorted({p["at"] for p in planned}):
        sent = json.loads(run("tick", "--now", at, "--json"))["outcomes"]
        assert {(o["obligation"], o["stage"], o["to"]) for o in sent if o["result"] == "sent"} == {
            (p["obligation"], p["stage"], p["to"]) for p in planned if p["at"] == at
        }
    received = smtp.wait_for(len(emails))
    assert [(m.rcpt_tos[0], m.subject) for m in received] == [
        (p["to"], p["subject"]) for p in emails
    ]
    dates = [parsedate_to_datetime(str(m.message["Date"])).isoformat() for m in received]
    assert dates == [p["at"] for p in emails]
    assert HALF_YEAR in {m.subject for m in received}
