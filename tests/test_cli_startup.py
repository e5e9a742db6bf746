"""The console script builds only the command typed (``engine.cli.lazy``) and prints,
byte for byte, what the fully built application prints; opening the store checks the
schema revision without Alembic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine.cli import app
from engine.cli.lazy import LazyCommands, manifest_of
from engine.cli.manifest import COMMANDS
from engine.store.db import Store, alembic_config, shipped_head

ROOT = Path(__file__).resolve().parent.parent


def _console_script(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    """``nhacviec ARGS`` as the console script runs it (``python -m engine``)."""
    return _run([sys.executable, "-m", "engine", *args], columns)


def _whole_application(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    """The same, with every command built first (as ``CliRunner().invoke(app)`` does)."""
    code = f"from engine.cli import app; app(args={list(args)!r}, prog_name='nhacviec')"
    return _run([sys.executable, "-c", code], columns)


def _run(argv: list[str], columns: int) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"COLUMNS": str(columns)}
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def test_the_manifest_lists_every_command_with_its_help() -> None:
    assert manifest_of(app) == COMMANDS, "run `python -m engine.cli.lazy` to write it again"


@pytest.mark.parametrize("columns", [60, 80, 200])
@pytest.mark.parametrize(
    "args",
    [["--help"], [], ["plan", "--help"], ["agenda", "--help"], ["--lang", "en", "--help"]],
)
def test_the_console_script_prints_the_same_help_as_the_whole_application(
    args: list[str], columns: int
) -> None:
    whole = _whole_application(*args, columns=columns)
    lazy = _console_script(*args, columns=columns)
    usage = "Usage: nhacviec" if "en" in args else "Cách dùng: nhacviec"
    assert usage in whole.stdout + whole.stderr
    assert (lazy.stdout, lazy.stderr) == (whole.stdout, whole.stderr)
    assert lazy.returncode == whole.returncode


def test_a_mistyped_command_is_named_with_a_suggestion() -> None:
    done = _console_script("agendx")
    assert done.returncode == 2
    assert "Không có lệnh 'agendx'. Có phải ý bạn là 'agenda'?" in done.stderr


def test_a_command_missing_from_the_manifest_still_runs() -> None:
    stale = {name: entry for name, entry in COMMANDS.items() if name != "agenda"}
    commands = LazyCommands(app, stale)
    assert commands["agenda"].name == "agenda"
    assert "agenda" in commands


def test_a_command_that_opens_the_store_imports_neither_alembic_nor_the_other_commands(
    sqlite_store: Store,
) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    probe = (
        "import json, sys\n"
        "from engine.cli import main\n"
        "try:\n"
        f"    main(['--db', {url!r}, 'agenda', '--json'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "names = ('alembic', 'mako', 'pygments', 'engine.cli.plan', 'engine.cli.delivery')\n"
        "print(json.dumps([n for n in names if n in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    listed, imported = done.stdout.rsplit("\n", 2)[:2]
    assert json.loads(listed) == []
    assert json.loads(imported) == []


def test_the_shipped_head_is_the_one_alembic_finds(sqlite_store: Store) -> None:
    script = ScriptDirectory.from_config(alembic_config(sqlite_store.engine))
    assert shipped_head() == script.get_current_head()
    assert sqlite_store.head() == script.get_current_head()


def test_the_stored_revision_is_the_one_alembic_reads(store: Store) -> None:
    with store.engine.connect() as conn:
        assert store.revision() == MigrationContext.configure(conn).get_current_revision()
    assert store.revision() == store.head()


def test_a_merge_revision_revises_both_of_its_parents(tmp_path: Path) -> None:
    files = {
        "a.py": "revision: str = 'a'\ndown_revision: str | None = None\n",
        "b.py": 'revision = "b"\ndown_revision = "a"\n',
        "c.py": "revision = 'c'\ndown_revision = 'a'\n",
        "d.py": "revision: str = 'd'\ndown_revision: tuple[str, str] = ('b', 'c')\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert shipped_head.__wrapped__(tmp_path) == "d"


LINES = [
    "Lịch đến hạn 05/01/2026 – 04/02/2026: không có nghĩa vụ nào.",
    "Không có nghĩa vụ quá hạn tính đến 05/01/2026.",
    "x" * 59 + " " + "y" * 20,  # exactly 80
    "x" * 60 + " " + "y" * 20,  # 81: Rich wraps it at 80
    "một dòng dài " * 12,  # wrapped, with a space at the end
    "[bold]markup[/bold] and [red]colour[/]",
    "an emoji code :smile: and a time 10:30:15",
    "tabs\tand\tcontrol",
    "  leading spaces",
    "日本語の行 wide characters",
    "한국어 wide too",
    "dashes – and — quotes “ ” ‘ ’ and an ellipsis …",
    "a warning sign ⚠ and an emoji 🙂",
    "Việt Nam, decomposed: Vie\u0323\u0302t",
    "Tiếng Việt: ạ ả ấ ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ ẹ ẻ ẽ ế ề ể ễ ệ ỉ ị ọ ỏ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ",
    "ụ ủ ứ ừ ử ữ ự ỳ ỵ ỷ ỹ Ạ Ả Ấ Ầ Ẩ Ẫ Ậ Ắ Ằ Ẳ Ẵ Ặ Ẹ Ẻ Ẽ Ế Ề Ể Ễ Ệ Ỉ Ị Ọ Ỏ Ố Ồ Ổ Ỗ Ộ Ớ Ờ Ở Ỡ Ợ",
    "",
]


@pytest.mark.parametrize("columns", [None, "20", "60", "80", "200", "0", "wide"])
@pytest.mark.parametrize("line", LINES)
def test_print_line_prints_what_rich_prints(
    line: str,
    columns: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from engine.cli.app import console, print_line

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    console().print(line)
    by_rich = capsys.readouterr()
    print_line(line)
    assert capsys.readouterr() == by_rich


def test_an_empty_agenda_imports_no_rich_and_configures_no_mapper(sqlite_store: Store) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    probe = (
        "import json, sys\n"
        "from engine.cli import main\n"
        "try:\n"
        f"    main(['--db', {url!r}, 'agenda', '--as-of', '2026-01-05'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "from sqlalchemy.orm import Mapper\n"
        "from engine.store.models import Obligation\n"
        "configured = Obligation.__mapper__.configured\n"
        "print(json.dumps(['rich' in sys.modules, configured]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    listed, probed = done.stdout.rsplit("\n", 2)[:2]
    assert listed.startswith("Lịch đến hạn 05/01/2026 – 04/02/2026:")
    assert json.loads(probed) == [False, False]
