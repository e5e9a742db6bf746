"""Bad input, generated: never a traceback, always a result or a clear error (status 2).

Through the command line, as a user meets it: random text into ``nhacviec period``;
random bytes, and the seed documents truncated, mangled (lines deleted, duplicated,
swapped, cells shuffled, mojibake) and re-encoded into ``nhacviec plan import``, and a
Word file damaged inside its zip; the shipped workflow and the settings file mangled
into ``nhacviec validate`` (and the settings into a command that opens the store).
An import that succeeds must give a plan with tasks: an empty plan is never presented
as a success.
"""

from __future__ import annotations

import io
import random
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli import app
from tests.conftest import ROOT, SEEDS
from tests.reliability.mangle import FUZZ, encoded, mangled
from tests.workflow.test_cli_validate import project

SEED_TEXTS = {p.name: p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))}
AGENCIES = ROOT / "config" / "agencies.yaml"
needs_seeds = pytest.mark.skipif(not SEED_TEXTS, reason=f"no seed documents at {SEEDS}")


def invoke(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(app, list(args), env={"COLUMNS": "200", "NHACVIEC_CONFIG": ""})


def assert_clean(result: Result) -> None:
    """Exit 0, or exit 2 with an 'error:' message; never a traceback (exit 1)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert any(line.startswith(("error:", "Usage:")) for line in lines), result.stderr


# ---- periods ------------------------------------------------------------------------------

PERIOD_WORDS = st.sampled_from(
    ["Quý", "quý", "Tháng", "tháng", "năm", "Năm", "hàng năm", "Hàng", "trước", "ngày",
     "đến", "từ", "Từ", "6 tháng đầu năm", "định kỳ", "Giai đoạn", "I", "II", "IV", "V", "-",
     "–", "/", ",", " ", "2026", "12", "31", "0", "13", "99999", "[b]", "%s", "{}"]
)  # fmt: skip
PERIOD_TEXT = st.text(max_size=40) | st.lists(PERIOD_WORDS, max_size=8).map(" ".join)


@settings(FUZZ, max_examples=150)  # cheap: no file, no store
@given(text=PERIOD_TEXT, within=st.none() | st.sampled_from(["2026", "2021-2030", "1800-1700"]))
def test_any_text_given_to_period_is_read_or_refused_clearly(
    cli: CliRunner, text: str, within: str | None
) -> None:
    args = ["period", "--", text] if within is None else ["period", "--within", within, "--", text]
    result = invoke(cli, *args)
    assert_clean(result)
    if result.exit_code == 0:
        assert result.stdout.startswith(text.strip()[:1])


# ---- plan documents -----------------------------------------------------------------------


def import_document(cli: CliRunner, tmp_path: Path, data: bytes, name: str) -> Result:
    path = tmp_path / name
    path.write_bytes(data)
    result = invoke(cli, "plan", "import", str(path), "--agencies", str(AGENCIES))
    assert_clean(result)
    if result.exit_code == 0:
        plan = yaml.safe_load(result.stdout)
        assert plan["tasks"], "an empty plan presented as a success"
        assert f"{len(plan['tasks'])} tasks from " in result.stderr
    else:
        assert str(path) in result.stderr or name in result.stderr, result.stderr
    return result


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".md", ".docx", ""]))
def test_random_bytes_are_never_a_plan(
    cli: CliRunner, tmp_path: Path, data: bytes, suffix: str
) -> None:
    result = import_document(cli, tmp_path, data, f"noise{suffix}")
    assert result.exit_code == 2


@needs_seeds
@FUZZ
@given(data=st.data())
def test_a_mangled_seed_imports_with_warnings_or_is_refused_clearly(
    cli: CliRunner, tmp_path: Path, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(SEED_TEXTS)))
    text = data.draw(mangled(SEED_TEXTS[name], max_ops=8))
    import_document(cli, tmp_path, data.draw(encoded(text)), name)


@needs_seeds
@FUZZ
@given(name=st.sampled_from(sorted(SEED_TEXTS)), fraction=st.floats(0, 1))
def test_a_truncated_seed_imports_what_is_left_or_is_refused_clearly(
    cli: CliRunner, tmp_path: Path, name: str, fraction: float
) -> None:
    data = SEED_TEXTS[name].encode()
    import_document(cli, tmp_path, data[: int(len(data) * fraction)], name)


def word_file() -> bytes:
    """A small plan as a Word file: a heading, a body duty and a task table."""
    from docx import Document

    doc = Document()
    for text in ("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "Số: 12/KH-UBND", "KẾ HOẠCH",
                 "Thực hiện chương trình sản xuất và tiêu dùng bền vững năm 2023",
                 "- Báo cáo định kỳ 6 tháng (trước ngày 20/6 hàng năm).", "PHỤ LỤC"):  # fmt: skip
        doc.add_paragraph(text)
    rows = [["TT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện"],
            ["1", "Tuyên truyền", "Sở Công Thương", "Sở Tài chính", "Quý I/2023"],
            ["2", "Tập huấn", "Sở Tài chính", "", "Tháng 3 - 12/2023"]]  # fmt: skip
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


WORD = word_file()


def rezip(data: bytes, member: str, change: str) -> bytes:
    """The Word file with ``member`` replaced by ``change`` (other members unchanged)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = change.encode() if item.filename == member else source.read(item)
            target.writestr(item, body)
    return out.getvalue()


@FUZZ
@given(data=st.data())
def test_a_damaged_word_file_imports_or_is_refused_clearly(
    cli: CliRunner, tmp_path: Path, data: st.DataObject
) -> None:
    damage = data.draw(st.sampled_from(["xml", "cut", "flip"]))
    if damage == "xml":
        with zipfile.ZipFile(io.BytesIO(WORD)) as z:
            xml = z.read("word/document.xml").decode()
        broken = data.draw(mangled(xml.replace("><", ">\n<"), max_ops=4))
        document = rezip(WORD, "word/document.xml", broken.replace(">\n<", "><"))
    elif damage == "cut":
        document = WORD[: data.draw(st.integers(0, len(WORD)))]
    else:
        noise = random.Random(data.draw(st.integers(0, 2**32)))
        flipped = bytearray(WORD)
        for _ in range(data.draw(st.integers(1, 20))):
            flipped[noise.randrange(len(flipped))] = noise.randrange(256)
        document = bytes(flipped)
    import_document(cli, tmp_path, document, "ke-hoach.docx")


def test_the_undamaged_word_file_is_a_plan(cli: CliRunner, tmp_path: Path) -> None:
    result = import_document(cli, tmp_path, WORD, "ke-hoach.docx")
    assert result.exit_code == 0
    assert [t["title"] for t in yaml.safe_load(result.stdout)["tasks"]] == [
        "Tuyên truyền",
        "Tập huấn",
    ]


# ---- workflows and settings ---------------------------------------------------------------


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A project (settings, workflows, templates, directory, one plan); its settings file."""
    return project(tmp_path / "project")


@FUZZ
@given(data=st.data())
def test_a_mangled_workflow_is_validated_or_refused_naming_the_file(
    cli: CliRunner, shipped: Path, data: st.DataObject
) -> None:
    flow = shipped.parent / "workflows" / "scp.yaml"
    original = (ROOT / "workflows" / "scp.yaml").read_text("utf-8")
    text = data.draw(mangled(original, max_ops=4, structured=True) | st.text(max_size=200))
    flow.write_text(text, "utf-8")
    result = invoke(cli, "--config", str(shipped), "validate")
    assert_clean(result)
    if result.exit_code == 2:
        assert str(flow) in result.stderr, result.stderr


@FUZZ
@given(data=st.data())
def test_a_mangled_settings_file_is_read_or_refused_clearly(
    cli: CliRunner, shipped: Path, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(shipped.parent)  # a settings file that lost its [database] uses ./
    settings = shipped.parent / "nhacviec.toml"
    full = (
        (ROOT / "config" / "nhacviec.toml")
        .read_text("utf-8")
        .replace(
            '[paths]\nworkflows = "../workflows"\ntemplates = "../templates"\n'
            'agencies = "agencies.yaml"\nplans = "../plans"\noutbox = "../outbox"',
            '[paths]\nworkflows = "workflows"\ntemplates = "templates"\n'
            'agencies = "agencies.yaml"\nplans = "plans"\noutbox = "outbox"',
        )
        .replace("sqlite:///nhacviec.db", f"sqlite:///{shipped.parent / 'nv.db'}")
    )
    text = data.draw(mangled(full, max_ops=4, structured=True) | st.text(max_size=200))
    settings.write_text(text, "utf-8")
    assert_clean(invoke(cli, "--config", str(settings), "validate"))
    assert_clean(invoke(cli, "--config", str(settings), "agenda", "--from", "2022-01-01"))


@FUZZ
@given(data=st.data())
def test_a_mangled_agency_directory_is_validated_or_refused_naming_the_file(
    cli: CliRunner, shipped: Path, data: st.DataObject
) -> None:
    directory = shipped.parent / "agencies.yaml"
    original = (ROOT / "config" / "agencies.yaml").read_text("utf-8")
    directory.write_text(data.draw(mangled(original, max_ops=4, structured=True)), "utf-8")
    result = invoke(cli, "--config", str(shipped), "validate")
    assert_clean(result)
    if result.exit_code == 2:
        assert str(directory) in result.stderr, result.stderr


def test_the_unmangled_settings_and_workflow_validate(cli: CliRunner, shipped: Path) -> None:
    shutil.copy(ROOT / "workflows" / "scp.yaml", shipped.parent / "workflows" / "scp.yaml")
    assert invoke(cli, "--config", str(shipped), "validate").exit_code == 0
