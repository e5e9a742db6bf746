"""Malformed, truncated and foreign input: warnings or a clear InputError, never a
traceback, never a task row silently lost."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.agencies import Directory, load_directory
from engine.cli import app
from engine.errors import InputError
from engine.plans.importer import ImportResult, import_bytes
from tests.conftest import ROOT
from tests.plans.seeds import seed_path, seed_stems

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

FRACTIONS = (0.05, 0.25, 0.5, 0.6, 0.7, 0.8, 0.9, 0.97)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def import_or_error(data: bytes, directory: Directory) -> ImportResult | InputError:
    try:
        return import_bytes(data, "cut.txt", directory)
    except InputError as exc:
        return exc


@pytest.mark.parametrize("stem", seed_stems() or ["(no seeds)"])
@pytest.mark.parametrize("fraction", FRACTIONS)
def test_a_truncated_seed_keeps_every_row_it_still_has(
    stem: str, fraction: float, directory: Directory
) -> None:
    data = seed_path(stem).read_bytes()
    full = import_bytes(data, "full.txt", directory).plan
    cut = int(len(data) * fraction)  # anywhere, even inside a cell or a character
    result = import_or_error(data[:cut], directory)
    if isinstance(result, InputError):
        assert "expected" in str(result) or "no recognisable" in str(result)
        table_start = min(t.source_lines[0] for t in full.tasks if t.source_lines)
        last_line = data[:cut].count(b"\n") + 1
        assert last_line <= table_start + 2, "an error although task rows were left"
        return
    last_line = data[:cut].count(b"\n") + 1
    # Numbers, not keys: whether numbering restarts per section may no longer be visible.
    still_there = [
        (t.section, t.number)
        for t in full.tasks
        if t.source_lines and t.source_lines[0] <= last_line
    ]
    assert [(t.section, t.number) for t in result.plan.tasks] == still_there


def test_a_document_without_a_table_is_a_clear_error(directory: Directory) -> None:
    text = "KẾ HOẠCH\nThực hiện chương trình năm 2023\nI. MỤC TIÊU\n1. Tuyên truyền.\n"
    with pytest.raises(InputError, match="no recognisable appendix table and no task list"):
        import_bytes(text.encode(), "empty.txt", directory)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_garbage_bytes_are_a_clear_error(seed: int, directory: Directory) -> None:
    noise = random.Random(seed).randbytes(4000)
    with pytest.raises(InputError):
        import_bytes(noise, "noise.bin", directory)


def test_a_row_with_too_few_cells_is_kept_and_flagged(directory: Directory) -> None:
    text = (
        "KẾ HOẠCH\nThực hiện chương trình năm 2023 trên địa bàn thành phố Hà Nội\n"
        "TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện\n"
        "1\tTập huấn\tSở Công Thương\tSở Tài chính\tQuý I/2023\n"
        "2\tHội thảo\n"
        "3\tKhảo sát\tSở Công Thương\t\tthời gian chưa rõ\n"
    )
    plan = import_bytes(text.encode(), "short.txt", directory).plan
    assert [t.key for t in plan.tasks] == ["1", "2", "3"]
    messages = {(w.line, w.message) for w in plan.warnings}
    assert any(line == 5 and "task 2 has no lead agency" in m for line, m in messages)
    assert any(line == 5 and "task 2 has no window" in m for line, m in messages)
    assert any(
        line == 6 and "cannot read the window 'thời gian chưa rõ'" in m for line, m in messages
    )
    assert plan.tasks[2].occurrences == []


def test_a_file_cut_inside_a_character_says_so(directory: Directory) -> None:
    data = seed_path("001_5b72bc9a7a6ed25c").read_bytes()
    end = data.index("Tháng 7-12/2020".encode()) + 3  # inside the "á"
    plan = import_bytes(data[:end], "cut.txt", directory).plan
    assert any("ends in the middle of a character" in w.message for w in plan.warnings)


def test_the_cli_turns_bad_input_into_exit_status_2(cli: CliRunner, tmp_path: Path) -> None:
    noise = tmp_path / "noise.docx"
    noise.write_bytes(b"PK\x03\x04" + random.Random(7).randbytes(500))
    result = cli.invoke(app, ["plan", "import", str(noise)])
    assert result.exit_code == 2
    assert "error:" in result.stderr and str(noise) in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
