"""Bad input that used to end in a traceback (issue 14): an impossible date in a plan
file, ``-o`` naming a folder, a missing folder or one that cannot be written, and a read
command run where there is no settings file (which must not leave an empty database)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.reliability.test_bad_input import assert_clean, invoke

PLAN = ROOT / "plans" / "bct-2022-nhiem-vu-sxtdbv.yaml"
AGENCIES = ROOT / "config" / "agencies.yaml"
DOCUMENT = (
    "UBND THÀNH PHỐ HÀ NỘI\nSố: 12/KH-UBND\nHà Nội, ngày 15 tháng 01 năm 2026\n\nKẾ HOẠCH\n"
    "Thực hiện chương trình thương mại điện tử năm 2026\n\nPHỤ LỤC\n"
    "STT\tNội dung nhiệm vụ\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện\n"
    "1\tRà soát hạ tầng thương mại điện tử\tSở Công Thương\tSở Tài chính\tQuý II/2026\n"
)
UNWRITABLE = Path("/sys")  # read-only even for root (tests may run as root)


def test_an_impossible_date_in_a_plan_file_names_the_file_and_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    text = PLAN.read_text("utf-8")
    assert "end: 2022-12-31" in text
    bad = tmp_path / "plan.yaml"
    bad.write_text(text.replace("end: 2022-12-31", "end: 2022-02-31", 1), "utf-8")
    lines = bad.read_text("utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "2022-02-31" in text)
    result = invoke(cli, "--db", f"sqlite:///{tmp_path / 'x.db'}", "plan", "load", str(bad))
    assert_clean(result)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {bad}:{line}: '2022-02-31' is not a date (day is out of range for month); "
        "expected a real day, YYYY-MM-DD"
    )


def outputs(tmp_path: Path, name: str) -> list[tuple[Path, str]]:
    folder = tmp_path / "out"
    folder.mkdir()
    return [
        (folder, f"-o {str(folder)!r} is a folder: expected a file name ending in"),
        (tmp_path / "missing" / name, f"the folder {str(tmp_path / 'missing')!r} does not exist"),
        (UNWRITABLE / name, "cannot write the file: Permission denied"),
    ]


def test_plan_import_to_a_folder_a_missing_or_a_read_only_one_is_bad_input(
    cli: CliRunner, tmp_path: Path
) -> None:
    document = tmp_path / "kh.txt"
    document.write_text(DOCUMENT, "utf-8")
    for output, message in outputs(tmp_path, "plan.yaml"):
        result = invoke(
            cli, "plan", "import", str(document), "--agencies", str(AGENCIES), "-o", str(output),
            "--no-review",
        )  # fmt: skip
        assert_clean(result)
        assert result.exit_code == 2, output
        assert message in result.stderr, result.stderr
    assert not (tmp_path / "missing").exists()


def test_export_ics_to_a_folder_a_missing_or_a_read_only_one_is_bad_input(
    cli: CliRunner, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'nhacviec.db'}"
    assert invoke(cli, "--db", db, "init").exit_code == 0
    for output, message in outputs(tmp_path, "lich.ics"):
        result = invoke(cli, "--db", db, "export", "ics", "-o", str(output))
        assert_clean(result)
        assert result.exit_code == 2, output
        assert message in result.stderr, result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_is_refused_too(cli: CliRunner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'nhacviec.db'}"
    assert invoke(cli, "--db", db, "init").exit_code == 0
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    result = invoke(cli, "--db", db, "export", "ics", "-o", str(folder / "x.ics"))
    assert result.exit_code == 2
    assert "cannot write the file: Permission denied" in result.stderr


@pytest.mark.parametrize(
    "command",
    [["agenda"], ["overdue"], ["status"], ["show", "1"], ["plan", "list"],
     ["export", "ics", "-o", "lich.ics"], ["digest"], ["contacts", "list"]],
)  # fmt: skip
def test_a_read_command_without_settings_creates_no_database(
    tmp_path: Path, command: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHACVIEC_")}
    done = subprocess.run(
        [sys.executable, "-m", "engine", *command],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "cơ sở dữ liệu 'nhacviec.db' không tồn tại; chạy `nhacviec init`" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
