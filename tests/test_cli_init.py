"""``nhacviec init`` creates the schema and is safe to run twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.cli.app import AppContext
from engine.errors import NhacviecError


def test_init_creates_then_reports_up_to_date(cli: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    first = cli.invoke(app, ["--db", url, "init"])
    assert first.exit_code == 0, first.output
    assert "Created the schema" in first.output
    second = cli.invoke(app, ["--db", url, "init"])
    assert second.exit_code == 0
    assert "up to date" in second.output


def test_a_bad_database_url_is_exit_status_2(cli: CliRunner) -> None:
    result = cli.invoke(app, ["--db", "mysql://nope", "init"])
    assert result.exit_code == 2
    assert "cần một địa chỉ sqlite:/// hoặc postgresql+psycopg://" in result.stderr


def test_commands_refuse_a_database_without_schema(tmp_path: Path) -> None:
    ctx = AppContext(db_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(NhacviecError, match="chạy `nhacviec init`"):
        ctx.store()
    ctx.close()
