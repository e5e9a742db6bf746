"""``nhacviec validate`` and the stage key ``letter``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.workflow.test_cli_validate import project, run

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


def test_the_shipped_workflow_asks_for_a_letter_and_validates(
    cli: CliRunner, tmp_path: Path
) -> None:
    config = project(tmp_path)
    assert "letter: true" in (tmp_path / "workflows" / "scp.yaml").read_text("utf-8")
    code, out, err = run(cli, config)
    assert code == 0, err
    assert out.startswith("OK: 1 workflow")


def test_a_letter_before_the_due_date_or_without_email_is_a_problem(
    cli: CliRunner, tmp_path: Path
) -> None:
    config = project(tmp_path)
    flow = tmp_path / "workflows" / "scp.yaml"
    text = flow.read_text("utf-8")
    text = text.replace(
        "      at: 14 ngày trước hạn\n", "      at: 14 ngày trước hạn\n      letter: true\n", 1
    )
    text = text.replace(
        "      channels: [email]\n      template: escalation\n      stop_on: [done, waived]\n"
        "      letter: true\n",
        "      channels: [telegram]\n      template: escalation\n      stop_on: [done, waived]\n"
        "      letter: true\n",
        1,
    )
    flow.write_text(text, "utf-8")
    lines = text.splitlines()
    first = lines.index("      letter: true") + 1
    code, _out, err = run(cli, config)
    assert code == 2
    flat = " ".join(err.split())
    assert (
        f"{flow}:{first}: a letter goes with an escalation: 'at' must be after the due date "
        "(e.g. \"7 ngày sau hạn\"); got '14 ngày trước hạn'"
    ) in flat
    assert "a letter is attached to emails: add email to 'channels'" in flat


def test_a_missing_letter_template_is_a_problem_when_a_stage_asks_for_letters(
    cli: CliRunner, tmp_path: Path
) -> None:
    config = project(tmp_path)
    (tmp_path / "templates" / "letters" / "cong-van-don-doc.docx").unlink()
    code, _out, err = run(cli, config)
    assert code == 2
    assert "stage 'qua-han-7-ngay' attaches a letter, but the letter template" in " ".join(
        err.split()
    )
