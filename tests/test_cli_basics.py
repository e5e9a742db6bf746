"""What a command-line user expects of any tool: ``--version`` and shell completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import __version__
from engine.cli import app


def test_version_is_printed_without_a_settings_file(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"nhacviec {__version__}\n"
    assert list(tmp_path.iterdir()) == []


def _complete(words: str, cword: int, cwd: str) -> list[str]:
    env = {**os.environ, "_NHACVIEC_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(cword)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "engine"], env=env, cwd=cwd, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.split()


def test_the_shell_completes_commands_and_options() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert _complete("nhacviec ag", 1, root) == ["agenda"]
    assert "--untracked" in _complete("nhacviec agenda --u", 2, root)
    assert _complete("nhacviec plan imp", 2, root) == ["import"]


def test_the_completion_script_is_shown_for_bash(cli: CliRunner) -> None:
    result = cli.invoke(app, ["--show-completion", "bash"], prog_name="nhacviec")
    assert result.exit_code == 0
    assert "_NHACVIEC_COMPLETE=complete_bash" in result.stdout


def test_a_folder_given_as_config_is_named_as_a_folder_with_the_file_inside_it(
    cli: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "nhacviec.toml").write_text("", "utf-8")
    result = cli.invoke(app, ["--config", str(tmp_path), "agenda"])
    assert result.exit_code == 2
    assert (
        f"lỗi: {tmp_path}: là một thư mục: --config nhận chính tệp cấu hình (một tệp .toml "
        f"như nhacviec.toml); có phải ý bạn là {tmp_path / 'nhacviec.toml'}?"
    ) in " ".join(result.stderr.split())
