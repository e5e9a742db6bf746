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
    assert "Nghĩa vụ: thêm 7, thay đổi 0, hủy 0, khôi phục 0 (0 không đổi)." in first
    assert "+ Sở Công Thương: Xây dựng tài liệu (Tháng 3-12/2022), hạn 31/12/2022" in first
    assert "cảnh báo: Sở Tài chính có 1 nghĩa vụ nhưng không có người liên hệ" in first

    second = run(cli, config, "sync", "--now", "2022-01-10T09:00:00+07:00")
    assert "Nghĩa vụ: thêm 0, thay đổi 0, hủy 0, khôi phục 0 (7 không đổi)." in second
    assert "Lời nhắc: thêm 0" in second

    moved = [{"start": "2022-03-01", "end": "2022-11-30", "label": "Tháng 3-11/2022"}]
    run(
        cli,
        config,
        "plan",
        "load",
        str(write_plan(tmp_path, tasks=[task(occurrences=moved, coordinators=[])])),
    )
    third = run(cli, config, "sync", "--now", "2022-01-11T08:00:00+07:00")
    assert "Nghĩa vụ: thêm 0, thay đổi 1, hủy 2, khôi phục 0 (4 không đổi)." in third
    assert (
        "~ Sở Công Thương: Xây dựng tài liệu (Tháng 3-11/2022), hạn 30/11/2022 — giai đoạn "
        "Tháng 3-12/2022 → Tháng 3-11/2022; hạn 31/12/2022 → 30/11/2022; hạn theo kế hoạch "
        "31/12/2022 → 30/11/2022"
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
