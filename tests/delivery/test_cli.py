"""``nhacviec tick`` and ``nhacviec simulate`` as a user runs them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.outbox import acquire_outbox
from engine.store.db import Store
from tests import factories as f
from tests.fakes.smtp import SmtpServer

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


def write_config(tmp_path: Path, smtp: SmtpServer | None) -> Path:
    email = (
        f'[email]\nhost = "{smtp.host}"\nport = {smtp.port}\nfrom = "Nhắc việc <nv@example.org>"\n'
        if smtp is not None
        else ""
    )
    config = tmp_path / "nhacviec.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "nv.db"}"\n{email}'
        f'[paths]\ntemplates = "{f.ROOT / "templates"}"\noutbox = "{tmp_path / "outbox"}"\n',
        encoding="utf-8",
    )
    return config


@pytest.fixture
def config(sqlite_store: Store, smtp: SmtpServer, tmp_path: Path) -> list[str]:
    with sqlite_store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency)
        f.reminder_schedule(s, f.obligation(s, f.plan(s), agency), person)
    return ["--config", str(write_config(tmp_path, smtp)), "--db", str(sqlite_store.engine.url)]


def test_tick_prints_what_it_sent_and_skipped(
    cli: CliRunner, config: list[str], smtp: SmtpServer
) -> None:
    result = cli.invoke(app, [*config, "tick", "--now", "2026-06-19T09:00+07:00"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Tick at 2026-06-19 09:00 +0700: 1 sent, 0 retried, 0 failed, 2 skipped, 0 cancelled, "
        "0 snoozed, 0 held."
    )
    assert lines[1:] == [
        "  skipped   email    o1:before-7:c1:email: overtaken by stage on-due",
        "  skipped   email    o1:before-1:c1:email: overtaken by stage on-due",
        "  sent      email    sct@example.org  [Nhắc việc] Sở Công Thương – "
        "hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026",
    ]
    assert len(smtp.wait_for(1)) == 1


def test_tick_without_an_offset_takes_the_configured_zone(
    cli: CliRunner, config: list[str]
) -> None:
    result = cli.invoke(app, [*config, "tick", "--now", "2026-06-12T08:00", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["now"] == "2026-06-12T08:00:00+07:00"
    assert report["counts"] == {"sent": 1, "retried": 0, "failed": 0, "skipped": 0,
                                "cancelled": 0, "snoozed": 0, "held": 0}  # fmt: skip
    (sent,) = report["outcomes"]
    assert (sent["result"], sent["stage"], sent["to"]) == ("sent", "before-7", "sct@example.org")


def test_a_malformed_now_is_an_error_with_exit_status_2(cli: CliRunner, config: list[str]) -> None:
    result = cli.invoke(app, [*config, "tick", "--now", "19/06/2026"])
    assert result.exit_code == 2
    assert "--now '19/06/2026': expected an ISO-8601 date or instant" in result.stderr


def test_tick_says_so_and_exits_when_another_worker_holds_the_sqlite_outbox(
    cli: CliRunner, config: list[str], sqlite_store: Store, smtp: SmtpServer
) -> None:
    with sqlite_store.session() as s:
        acquire_outbox(s, "host:4242:run", seconds=300, at=datetime.now(UTC))
    result = cli.invoke(app, [*config, "tick", "--now", "2026-06-12T08:00+07:00"])
    assert result.exit_code == 2
    assert "another worker holds the SQLite outbox (since " in result.stderr
    assert "worker host:4242:run" in result.stderr
    assert smtp.received == []


def test_simulate_json_then_ticks_at_each_instant_send_just_that(
    cli: CliRunner, config: list[str], smtp: SmtpServer
) -> None:
    result = cli.invoke(app, [*config, "simulate", "--from", "2026-06-01", "--to", "2026-06-30",
                              "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    planned = json.loads(result.stdout)
    assert [(p["at"], p["stage"]) for p in planned] == [
        ("2026-06-12T08:00:00+07:00", "before-7"),
        ("2026-06-18T08:00:00+07:00", "before-1"),
        ("2026-06-19T08:00:00+07:00", "on-due"),
        ("2026-06-22T08:00:00+07:00", "late-3"),
    ]
    assert planned[0] == {
        "at": "2026-06-12T08:00:00+07:00",
        "obligation": 1,
        "stage": "before-7",
        "channel": "email",
        "to": "sct@example.org",
        "subject": "[Nhắc việc] Sở Công Thương – hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026",
    }
    for p in planned:
        ticked = cli.invoke(app, [*config, "tick", "--now", p["at"], "--json"])
        (sent,) = json.loads(ticked.stdout)["outcomes"]
        assert (sent["result"], sent["stage"], sent["subject"]) == ("sent", p["stage"],
                                                                    p["subject"])  # fmt: skip
    assert [m.subject for m in smtp.wait_for(4)] == [p["subject"] for p in planned]


def test_simulate_prints_a_readable_list(cli: CliRunner, config: list[str]) -> None:
    result = cli.invoke(app, [*config, "simulate", "--from", "2026-06-15", "--to", "2026-06-19"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "2026-06-15 07:30 +0700  email    sct@example.org  [Nhắc việc] Sở Công Thương – "
        "hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026  (#1 before-7)",
        "2026-06-18 08:00 +0700  email    sct@example.org  [Nhắc việc] Sở Công Thương – "
        "hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026  (#1 before-1)",
        "2026-06-19 08:00 +0700  email    sct@example.org  [Nhắc việc] Sở Công Thương – "
        "hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026  (#1 on-due)",
        "3 notifications at 3 instants from 2026-06-15 to 2026-06-19; "
        "0 overtaken by a later stage, 0 cancelled.",
    ]


def test_simulate_refuses_a_span_that_ends_before_it_starts(
    cli: CliRunner, config: list[str]
) -> None:
    result = cli.invoke(app, [*config, "simulate", "--from", "2026-07-01", "--to", "2026-06-01"])
    assert result.exit_code == 2
    assert "ends (2026-06-01) before it starts (2026-07-01)" in result.stderr


def test_without_an_email_section_tick_fills_the_outbox_folder(
    cli: CliRunner, sqlite_store: Store, tmp_path: Path
) -> None:
    with sqlite_store.session() as s:
        agency = f.agency(s)
        f.reminder_schedule(s, f.obligation(s, f.plan(s), agency), f.contact(s, agency))
    config = ["--config", str(write_config(tmp_path, None)), "--db", str(sqlite_store.engine.url)]
    result = cli.invoke(app, [*config, "tick", "--now", "2026-06-12T08:00+07:00"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "outbox" / "2026-06-12").iterdir()] == [
        "o1_before-7_c1_email.eml"
    ]
    assert date(2026, 6, 12).isoformat() in result.stdout
