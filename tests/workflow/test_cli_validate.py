"""``nhacviec validate``: a summary when all is well, every problem with file:line otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from engine.cli import app
from tests.workflow.helpers import ROOT, directory, plan

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


def project(tmp_path: Path) -> Path:
    """A settings file next to copies of the shipped workflows and templates."""
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "plans").mkdir()
    data = directory().model_dump(mode="json", exclude_none=True)
    (tmp_path / "agencies.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    p = plan().model_dump(mode="json", by_alias=True, exclude_none=True)
    (tmp_path / "plans" / "hn-2022.yaml").write_text(yaml.safe_dump(p, allow_unicode=True), "utf-8")
    config = tmp_path / "nhacviec.toml"
    config.write_text(
        '[paths]\nworkflows = "workflows"\ntemplates = "templates"\n'
        'agencies = "agencies.yaml"\nplans = "plans"\n',
        encoding="utf-8",
    )
    return config


def run(cli: CliRunner, config: Path) -> tuple[int, str, str]:
    result = cli.invoke(app, ["--config", str(config), "validate"])
    return result.exit_code, result.stdout, result.stderr


def test_everything_fine_prints_a_summary(cli: CliRunner, tmp_path: Path) -> None:
    code, out, err = run(cli, project(tmp_path))
    assert code == 0, err
    assert out == (
        "OK: 1 workflow, 4 rules, 16 template files, 3 agencies, 3 contacts, 1 plan; "
        "the plans give 7 obligations.\n"
    )
    assert f"warning: {tmp_path / 'agencies.yaml'}: Sở Tài chính has 1 obligation but no " in err


def test_a_bad_phrase_and_a_missing_template_are_reported_with_lines(
    cli: CliRunner, tmp_path: Path
) -> None:
    config = project(tmp_path)
    flow = tmp_path / "workflows" / "scp.yaml"
    text = flow.read_text("utf-8")
    text = text.replace("at: 14 ngày trước hạn", "at: hai tuần trước", 1)
    text = text.replace("template: escalation", "template: canh-bao", 1)
    flow.write_text(text, "utf-8")
    lines = text.splitlines()
    phrase_line = lines.index("      at: hai tuần trước") + 1
    template_line = lines.index("      template: canh-bao") + 1
    code, _out, err = run(cli, config)
    assert code == 2
    assert f"{flow}:{phrase_line}: reminders.nhiem-vu.1.at: cannot read the time phrase" in err
    assert (
        f"{flow}:{template_line}: stage 'qua-han-1-ngay' sends email with template 'canh-bao', "
        f"but {tmp_path / 'templates' / 'vi' / 'canh-bao.subject.j2'} does not exist"
    ) in err.replace("\n", "")


def test_a_template_that_does_not_compile_is_reported(cli: CliRunner, tmp_path: Path) -> None:
    config = project(tmp_path)
    broken = tmp_path / "templates" / "en" / "reminder.telegram.j2"
    broken.write_text("Hello\n{% if obligation.title %}\nno end\n", "utf-8")
    code, _out, err = run(cli, config)
    assert code == 2
    assert f"{broken}:2: template: Unexpected end of template" in err.replace("\n", "")


def test_directory_plan_and_settings_problems_are_all_reported(
    cli: CliRunner, tmp_path: Path
) -> None:
    config = project(tmp_path)
    (tmp_path / "agencies.yaml").write_text("version: 1\nagencies:\n  - key: Bad Key\n", "utf-8")
    (tmp_path / "plans" / "hn-2022.yaml").write_text("key: x\ntitle: t\n", "utf-8")
    config.write_text(config.read_text("utf-8") + '[time]\nsend_at = "8h"\n', "utf-8")
    code, _out, err = run(cli, config)
    assert code == 2
    flat = err.replace("\n", "")
    assert f"{config}:7: time.send_at:" in flat
    assert f"{tmp_path / 'agencies.yaml'}:3: agencies.0.key:" in flat
    assert f"{tmp_path / 'agencies.yaml'}:3: missing required key 'name'" in flat
    assert f"{tmp_path / 'plans' / 'hn-2022.yaml'}:1: missing required key 'period'" in flat
