"""``nhacviec report`` and ``nhacviec letter`` from the command line (SQLite)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from engine.cli import app
from engine.report import HEADER_ROW
from engine.store.db import Store
from engine.store.models import Letter
from tests.reports import factories as f
from tests.reports import scenario
from tests.reports.factories import ROOT, at

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def base(sqlite_store: Store, tmp_path: Path) -> list[str]:
    """The global options: a settings file of this test's own, and the test database."""
    config = tmp_path / "nhacviec.toml"
    config.write_text(
        f'[paths]\ntemplates = "{ROOT / "templates"}"\n\n'
        '[letters]\nplace = "Hà Nội"\nissuer = "Sở Công Thương"\n',
        encoding="utf-8",
    )
    with sqlite_store.session() as s:
        scenario.build(s)
    return ["--config", str(config), "--db", str(sqlite_store.engine.url)]


def test_report_writes_the_xlsx_and_says_what_it_counted(
    cli: CliRunner, base: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "h1.xlsx"
    args = ["report", "--plan", "hn-266-2021", "--period", "2026-H1", "--as-of", "2026-06-30"]
    result = cli.invoke(app, [*base, *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 tháng đầu năm 2026, tính đến 30/06/2026: 8 nghĩa vụ của 3 đơn vị" in result.stdout
    rows = load_workbook(out)["Theo nhiệm vụ"].iter_rows(min_row=HEADER_ROW + 1, values_only=True)
    assert len(list(rows)) == len(scenario.ROWS)


def test_report_writes_the_csv(cli: CliRunner, base: list[str], tmp_path: Path) -> None:
    out = tmp_path / "h1.csv"
    args = ["report", "--plan", "hn-266-2021", "--period", "2026-h1", "--as-of", "30/06/2026"]
    result = cli.invoke(app, [*base, *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    assert "Chưa hoàn thành quá hạn, đang trong thời gian được gia hạn" in text


def test_report_counts_as_of_the_end_of_a_past_period_by_default(
    cli: CliRunner, base: list[str], sqlite_store: Store, tmp_path: Path
) -> None:
    with sqlite_store.session() as s:
        sct = f.agency(s, "hn.so-tu-phap", "Sở Tư pháp")
        old = f.plan(s, key="hn-old-2020", number="1/KH-UBND")
        f.obligation(s, old, sct, due=date(2020, 5, 31), status="done",
                     done_at=at(date(2020, 7, 2)))  # fmt: skip
    out = tmp_path / "old.xlsx"
    args = ["report", "--plan", "hn-old-2020", "--period", "2020-H1", "-o", str(out)]
    result = cli.invoke(app, [*base, *args])
    assert result.exit_code == 0, result.output
    assert "tính đến 30/06/2020" in result.stdout
    row = next(load_workbook(out)["Theo nhiệm vụ"].iter_rows(min_row=5, values_only=True))
    assert row[8] == "Chưa hoàn thành quá hạn" and row[9] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "hn-999", "--period", "2026", "-o", "r.xlsx"], "no plan has the key"),
        (["--plan", "hn-266-2021", "--period", "2026-H3", "-o", "r.xlsx"], "expected a year"),
        (["--plan", "hn-266-2021", "--period", "2026", "-o", "r.pdf"], "expected a file name"),
        (["--plan", "hn-266-2021", "--period", "2026", "--as-of", "30/02/2026", "-o", "r.csv"],
         "ngày 30/02/2026 không có (tháng 2/2026 có 28 ngày)"),
        (["--plan", "hn-266-2021", "--period", "2026", "-o", "no/such/r.csv"], "does not exist"),
    ],
)  # fmt: skip
def test_report_refuses_bad_input_with_exit_status_2(
    cli: CliRunner, base: list[str], tmp_path: Path, args: list[str], message: str
) -> None:
    args = [str(tmp_path / a) if a.startswith(("r.", "no/")) else a for a in args]
    result = cli.invoke(app, [*base, "report", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_letter_writes_the_docx_and_stores_it(
    cli: CliRunner, base: list[str], sqlite_store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "cv.docx"
    args = ["letter", "--agency", "so xay dung", "--plan", "hn-266-2021", "--as-of", "2026-06-30"]
    result = cli.invoke(app, [*base, *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Công văn số 1/CV-NV gửi Sở Xây dựng" in result.stdout
    document = Document(str(out))
    assert "Kính gửi: Sở Xây dựng." in [p.text for p in document.paragraphs]
    items = [[c.text for c in row.cells] for row in document.tables[1].rows[1:]]
    assert [(i[1], i[3]) for i in items] == [(scenario.T2, "15/05/2026")]
    assert "SỞ CÔNG THƯƠNG" in document.tables[0].rows[0].cells[0].text  # from [letters]
    with sqlite_store.session() as s:
        assert s.scalars(sa.select(Letter)).one().content == out.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "so"], "matches 3 agencies"),
        (["--agency", "Sở Tư pháp"], "no agency has the key, name or alias"),
        (
            ["--agency", "SCT", "--plan", "hn-266-2021", "--as-of", "2026-06-30"],
            "nothing to remind about",
        ),
        (["--agency", "SCT", "--plan", "hn-999"], "no plan has the key, number or id"),
    ],
)
def test_letter_refuses_bad_input_with_exit_status_2_and_stores_nothing(
    cli: CliRunner, base: list[str], sqlite_store: Store, tmp_path: Path, args: list[str],
    message: str,
) -> None:  # fmt: skip
    out = tmp_path / "cv.docx"
    result = cli.invoke(app, [*base, "letter", *args, "-o", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()
    with sqlite_store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0


def test_letter_refuses_a_file_that_is_not_docx(
    cli: CliRunner, base: list[str], tmp_path: Path
) -> None:
    result = cli.invoke(app, [*base, "letter", "--agency", "SXD", "-o", str(tmp_path / "a.pdf")])
    assert result.exit_code == 2
    assert "ending in .docx" in result.stderr


def test_a_letter_that_cannot_be_written_is_not_stored(
    cli: CliRunner, base: list[str], sqlite_store: Store, tmp_path: Path
) -> None:
    blocked = tmp_path / "cv.docx"
    blocked.mkdir()  # a folder where the file should go
    args = ["letter", "--agency", "hn.so-xay-dung", "--as-of", "2026-06-30", "-o", str(blocked)]
    result = cli.invoke(app, [*base, *args])
    assert result.exit_code == 2
    assert "cannot write the file" in result.stderr
    with sqlite_store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0
