"""``--json`` on every command a script may want to read: plan show, calendar, digest,
validate and sync print the documented shapes, and nothing else, on stdout."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from engine.cli import app
from engine.store.db import Store
from tests.digest.scenario import happen, load
from tests.digest.test_cli import LISTING
from tests.workflow.test_cli_sync import write_plan
from tests.workflow.test_cli_validate import project


def _json(cli: CliRunner, *args: str, code: int = 0) -> object:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def _project_with_store(cli: CliRunner, tmp_path: Path) -> Path:
    config = project(tmp_path)
    db = f"sqlite:///{tmp_path / 'n.db'}"
    config.write_text(config.read_text("utf-8") + f'[database]\nurl = "{db}"\n', "utf-8")
    assert cli.invoke(app, ["--config", str(config), "init"]).exit_code == 0
    result = cli.invoke(app, ["--config", str(config), "plan", "load", str(write_plan(tmp_path))])
    assert result.exit_code == 0, result.output
    return config


def test_sync_json_lists_each_change_then_nothing(cli: CliRunner, tmp_path: Path) -> None:
    config = str(_project_with_store(cli, tmp_path))
    first = _json(cli, "--config", config, "sync", "--now", "2022-01-10T08:00:00+07:00", "--json")
    assert isinstance(first, dict)
    added = first["obligations"]["added"]
    assert len(added) == 7 and first["obligations"]["unchanged"] == 0
    assert {"key", "agency", "title", "period", "due", "changes"} == set(added[0])
    assert {
        "agency": "Sở Công Thương",
        "title": "Xây dựng tài liệu",
        "due": "2022-12-31",
    }.items() <= (next(a for a in added if a["title"] == "Xây dựng tài liệu").items())
    assert first["reminders"]["added"] > 0
    no_contact = "Sở Tài chính có 1 nghĩa vụ nhưng không có người liên hệ"
    assert any(no_contact in w for w in first["warnings"])
    second = _json(cli, "--config", config, "sync", "--now", "2022-01-10T09:00:00+07:00", "--json")
    assert isinstance(second, dict)
    assert second["obligations"] == {"added": [], "changed": [], "cancelled": [],
                                     "reinstated": [], "unchanged": 7}  # fmt: skip


def test_plan_show_json_is_the_plan_and_its_tasks(cli: CliRunner, tmp_path: Path) -> None:
    config = str(_project_with_store(cli, tmp_path))
    shown = _json(cli, "--config", config, "plan", "show", "hn-2022", "--json")
    assert isinstance(shown, dict)
    assert shown["key"] == "hn-2022" and shown["period"]
    assert [t["title"] for t in shown["tasks"]] == ["Xây dựng tài liệu"]
    assert shown["tasks"][0]["lead"] == ["Sở Công Thương"]


def test_validate_json_says_ok_with_counts_or_lists_the_problems(
    cli: CliRunner, tmp_path: Path
) -> None:
    config = project(tmp_path)
    fine = _json(cli, "--config", str(config), "validate", "--json")
    assert isinstance(fine, dict)
    assert fine["ok"] is True and fine["problems"] == []
    assert fine["counts"]["workflows"] == 1 and fine["counts"]["plans"] == 1
    flow = tmp_path / "workflows" / "scp.yaml"
    flow.write_text(flow.read_text("utf-8").replace("each: report", "each: reports"), "utf-8")
    broken = _json(cli, "--config", str(config), "validate", "--json", code=2)
    assert isinstance(broken, dict)
    assert broken["ok"] is False
    assert any(p["file"] == str(flow) and p["line"] for p in broken["problems"])


def test_calendar_json_has_every_day_with_its_items(cli: CliRunner, sqlite_store: Store) -> None:
    load(sqlite_store)
    happen(sqlite_store)
    db = str(sqlite_store.engine.url)
    month = _json(cli, "--db", db, "calendar", "--month", "2022-12", "--as-of", "19/12/2022",
                  "--json")  # fmt: skip
    assert isinstance(month, dict)
    assert month["month"] == "2022-12" and len(month["days"]) == 31
    first = month["days"][0]
    assert first["date"] == "2022-12-01" and first["weekday"] == "T5" and first["working_day"]
    assert month["days"][2]["working_day"] is False  # Saturday 03/12
    due = [item for day in month["days"] for item in day["items"]]
    assert due and all(item["due"].startswith("2022-12-") for item in due)


def test_digest_json_lists_each_digest_its_counts_and_recipients(
    cli: CliRunner, sqlite_store: Store
) -> None:
    load(sqlite_store)
    happen(sqlite_store)
    db = str(sqlite_store.engine.url)
    listing = _json(cli, "--db", db, *LISTING, "--agency", "hn.so-cong-thuong", "--json")
    assert isinstance(listing, dict)
    assert listing["week"] == "2022-W51" and listing["day"] == "2022-12-19"
    scopes = {d["scope"]: d for d in listing["digests"]}
    # the numbers the listing shows: "quá hạn 2, sắp đến hạn 11"
    assert scopes["agency"]["counts"] == {"overdue": 2, "due_soon": 11, "in_progress": 0}
    assert scopes["owner"]["plans"] == ["266/KH-UBND"]
    recipient = scopes["agency"]["recipients"][0]
    assert recipient["outbox"] is None  # nothing in the outbox yet
    assert recipient["channel"] in ("email", "telegram") and recipient["address"]
