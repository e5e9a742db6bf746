"""``nhacviec digest`` as a coordinator runs it: read-only, listed or previewed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from engine.cli import app
from engine.store.db import Store
from engine.store.models import Notification, WorkerLock
from tests.conftest import ROOT
from tests.digest.scenario import HN, MONDAY, find, happen, load, settings
from tests.helpers import run_tick

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

LISTING = ["digest", "--week", "2022-W51"]


@pytest.fixture
def db(sqlite_store: Store) -> str:
    load(sqlite_store)
    happen(sqlite_store)
    return str(sqlite_store.engine.url)


def invoke(cli: CliRunner, db: str, *args: str, config: Path | None = None) -> str:
    root = ["--config", str(config)] if config is not None else []
    result = cli.invoke(app, [*root, "--db", db, *args], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    return result.stdout


def outbox_rows(store: Store) -> tuple[int, int]:
    with store.session() as s:
        digests = s.scalar(sa.select(sa.func.count()).where(Notification.kind == "digest"))
        markers = s.scalar(sa.select(sa.func.count()).select_from(WorkerLock))
    return digests or 0, markers or 0


def test_the_listing_says_who_gets_which_digest_and_writes_nothing(
    cli: CliRunner, db: str, sqlite_store: Store
) -> None:
    out = invoke(cli, db, *LISTING, "--agency", "hn.so-cong-thuong")
    assert "Tuần 2022-W51 (gửi 08:00 ngày 19/12/2022), tính đến ngày 19/12/2022" in out
    lines = [line for line in out.splitlines() if "sct.hn.coordinator" in line]
    assert len(lines) == 2  # its own digest and the owner's overview
    assert "quá hạn 2, sắp đến hạn 11" in out
    assert "KH 266/KH-UBND: quá hạn 19, mới quá hạn 9, mới xong 3, xin gia hạn 1" in out
    assert all("chưa tạo" in line for line in lines)  # not in the outbox yet
    assert "Chỉ xem: lệnh này không gửi và không ghi gì." in out
    assert outbox_rows(sqlite_store) == (0, 0)


def test_the_listing_shows_what_the_outbox_did_and_who_has_nobody_to_tell(
    cli: CliRunner, db: str, sqlite_store: Store, tmp_path: Path
) -> None:
    run_tick(sqlite_store, settings(outbox=str(tmp_path / "outbox")), MONDAY)
    out = invoke(cli, db, *LISTING, "--channel", "email")
    sct = [line for line in out.splitlines() if "sct.hn.coordinator" in line]
    assert len(sct) == 2 and all("đã gửi 19/12 08:00" in line for line in sct)
    assert "2002" not in out  # Sở Tài chính's chat: --channel email
    # Agencies outside the directory have work to report but no coordinator to tell.
    nobody = [line for line in out.splitlines() if "không có đầu mối nhận" in line]
    assert any("Các cơ quan báo chí" in line for line in nobody)
    assert "stnmt.hn.coordinator" not in out  # Hà Nội's has nothing to report


def test_the_preview_renders_the_text_each_recipient_would_read(
    cli: CliRunner, db: str, sqlite_store: Store
) -> None:
    out = invoke(cli, db, *LISTING, "--agency", "hn.so-tai-chinh", "--preview")
    assert "[Reminder] Weekly digest 2022-W51 – Sở Tài chính: 1 overdue, 0 due soon" in out
    assert "email · en · stc.hn.coordinator@example.org" in out
    assert "telegram · en · 2002" in out
    with sqlite_store.session() as s:
        annual = find(s, "hn.so-tai-chinh", rule="bao-cao", period="năm 2022").id
    assert f"#{annual} Báo cáo năm 2022 – due 15/12, 4 day(s) late, acknowledged" in out
    owner = invoke(cli, db, *LISTING, "--agency", "hn.so-cong-thuong", "--owner", "--preview",
                   "--channel", "email")  # fmt: skip
    assert "[Nhắc việc] Tình hình thực hiện kế hoạch – tuần 51/2022" in owner
    assert "Tổng hợp tuần" not in owner  # --owner: the overview only
    assert "■ Kế hoạch 266/KH-UBND" in owner and "2583/QĐ-UBND" not in owner  # Hà Nội's
    assert outbox_rows(sqlite_store) == (0, 0)


def test_as_of_judges_another_day_of_the_week(cli: CliRunner, db: str) -> None:
    out = invoke(cli, db, *LISTING, "--as-of", "2022-12-21", "--preview",
                 "--agency", "hn.so-khoa-hoc-va-cong-nghe")  # fmt: skip
    assert "tính đến ngày 21/12/2022" in out
    assert "quá hạn 6 ngày" in out


def test_a_week_without_a_working_day_has_no_digest(cli: CliRunner, db: str) -> None:
    out = invoke(cli, db, "digest", "--week", "2026-W08")
    assert "Tuần 2026-W08 không có ngày làm việc: không có bản tổng hợp." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--week", "2022-W60"], "--week '2022-W60': 2022 has no ISO week 60"),
     (["--week", "tuần 51"], "expected an ISO week as YYYY-Www"),
     (["--agency", "Sở Ngoại vụ"], "no agency has the key, name or alias 'Sở Ngoại vụ'"),
     (["--week", "2022-W51", "--as-of", "2022-12-30"], "is not in the week 2022-W51")],
)  # fmt: skip
def test_bad_input_stops_with_exit_status_2(
    cli: CliRunner, db: str, args: list[str], message: str
) -> None:
    result = cli.invoke(app, ["--db", db, "digest", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_an_agency_with_nothing_to_report_is_told_so(cli: CliRunner, db: str) -> None:
    out = invoke(cli, db, *LISTING, "--agency", "hn.so-tai-nguyen-va-moi-truong")
    assert "Không có bản tổng hợp nào: không ai có việc cần báo." in out


def test_the_status_json_counts_one_plan_as_of_a_day(cli: CliRunner, db: str) -> None:
    status = json.loads(invoke(cli, db, "status", "--plan", HN, "--as-of", "2022-12-19", "--json"))
    sct = next(a for a in status["agencies"] if a["key"] == "hn.so-cong-thuong")
    assert (sct["done_on_time"], sct["not_done_in_time"], sct["not_done_overdue"],
            sct["waived"], sct["open"], sct["acknowledged"]) == (2, 11, 2, 1, 11, 2)  # fmt: skip
    assert status["totals"]["total"] == sum(a["total"] for a in status["agencies"]) == 49


def test_simulate_lists_the_week_s_digests_among_the_reminders(
    cli: CliRunner, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NHACVIEC_TELEGRAM_TOKEN", raising=False)
    config = tmp_path / "nhacviec.toml"
    config.write_text(
        f'[digest]\nenabled = true\n[paths]\ntemplates = "{ROOT / "templates"}"\n'
        f'outbox = "{tmp_path / "outbox"}"\n',
        encoding="utf-8",
    )
    out = invoke(cli, db, "simulate", "--from", "2022-12-19", "--to", "2022-12-19",
                 config=config)  # fmt: skip
    lines = out.splitlines()
    agencies = [line for line in lines if line.endswith("(digest agency)")]
    owners = [line for line in lines if line.endswith("(digest owner)")]
    assert (len(agencies), len(owners)) == (11, 2)  # by email; Sở Tài chính's chat is held
    assert all(line.startswith("2022-12-19 08:00 +0700  email ") for line in agencies + owners)
    assert any(line.startswith("held: digest:2022-W51:agency:c") and "Telegram is not configured"
               in line for line in lines)  # fmt: skip
