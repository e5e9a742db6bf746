"""``nhacviec sync`` from the command line: what it added, changed and cancelled."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from engine.cli import app
from tests.workflow.helpers import plan, task
from tests.workflow.test_cli_validate import project


def run(cli: CliRunner, config: Path, *args: str) -> str:
    result = cli.invoke(app, ["--config", str(config), *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout + result.stderr


def write_plan(tmp_path: Path, **overrides: object) -> Path:
    path = tmp_path / "plans" / "hn-2022.yaml"
    data = plan(**overrides).model_dump(mode="json", by_alias=True, exclude_none=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_sync_reports_additions_then_nothing_then_changes(cli: CliRunner, tmp_path: Path) -> None:
    config = project(tmp_path)
    db = f"sqlite:///{tmp_path / 'n.db'}"
    config.write_text(config.read_text("utf-8") + f'[database]\nurl = "{db}"\n', "utf-8")
    run(cli, config, "init")
    run(cli, config, "plan", "load", str(write_plan(tmp_path)))
    first = run(cli, config, "sync", "--now", "2022-01-10T08:00:00+07:00")
    assert "Added 7, changed 0, cancelled 0, reinstated 0 obligations (0 unchanged)." in first
    assert "+ Sở Công Thương: Xây dựng tài liệu (Tháng 3-12/2022), hạn 31/12/2022" in first
    assert "warning: Sở Tài chính has 1 obligation but no contact" in first

    second = run(cli, config, "sync", "--now", "2022-01-10T09:00:00+07:00")
    assert "Added 0, changed 0, cancelled 0, reinstated 0 obligations (7 unchanged)." in second
    assert "Reminders: 0 added" in second

    moved = [{"start": "2022-03-01", "end": "2022-11-30", "label": "Tháng 3-11/2022"}]
    run(
        cli,
        config,
        "plan",
        "load",
        str(write_plan(tmp_path, tasks=[task(occurrences=moved, coordinators=[])])),
    )
    third = run(cli, config, "sync", "--now", "2022-01-11T08:00:00+07:00")
    assert "Added 0, changed 1, cancelled 2, reinstated 0 obligations (4 unchanged)." in third
    assert (
        "~ Sở Công Thương: Xây dựng tài liệu (Tháng 3-11/2022), hạn 30/11/2022 — period "
        "Tháng 3-12/2022 → Tháng 3-11/2022; due_on 2022-12-31 → 2022-11-30; original_due_on "
        "2022-12-31 → 2022-11-30"
    ) in third
    assert "- Sở Tài nguyên và Môi trường: Phối hợp: Xây dựng tài liệu" in third


def test_a_broken_workflow_stops_sync_with_status_2(cli: CliRunner, tmp_path: Path) -> None:
    config = project(tmp_path)
    db = f"sqlite:///{tmp_path / 'n.db'}"
    config.write_text(config.read_text("utf-8") + f'[database]\nurl = "{db}"\n', "utf-8")
    run(cli, config, "init")
    flow = tmp_path / "workflows" / "scp.yaml"
    flow.write_text(flow.read_text("utf-8").replace("each: report", "each: reports"), "utf-8")
    result = cli.invoke(app, ["--config", str(config), "sync"])
    assert result.exit_code == 2
    assert f"{flow}:" in result.stderr and "rules.2.each" in result.stderr
