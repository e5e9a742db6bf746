"""Plan files: YAML that reads back into the same plan, the CLI that writes them, and the
committed examples in plans/ that must stay equal to a fresh import of their seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from engine import i18n
from engine.agencies import Directory, load_directory
from engine.cli import app
from engine.plans.importer import import_plan
from engine.plans.model import PlanFile
from engine.plans.yamlout import dump_plan, scalar
from engine.yamlpos import load_yaml, validate
from tests.conftest import ROOT
from tests.plans.seeds import seed_path, seed_stems

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

PLANS = ROOT / "plans"
COMMITTED = sorted(PLANS.glob("*.yaml"))


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


@pytest.mark.parametrize("stem", seed_stems() or ["(no seeds)"])
def test_the_yaml_reads_back_into_the_same_plan(stem: str, directory: Directory) -> None:
    result = import_plan(seed_path(stem), directory)
    text = dump_plan(result.plan, fmt=result.format, unmatched=result.unmatched)
    data, positions = load_yaml(text, f"{stem}.yaml")
    assert validate(PlanFile, data, positions, f"{stem}.yaml") == result.plan


@pytest.mark.parametrize(
    "value",
    ["1", "null", "yes", "06-19", "a: b", "# x", "- item", "trailing ", "'quoted'", "x, y", "[a]"],
)
def test_scalars_that_yaml_would_misread_are_quoted(value: str) -> None:
    assert yaml.safe_load(f"k: {scalar(value)}")["k"] == value
    assert yaml.safe_load(f"k: [{scalar(value, flow=True)}]")["k"] == [value]


def test_every_seed_has_a_committed_plan_file() -> None:
    sources = {yaml.safe_load(p.read_text(encoding="utf-8"))["source"] for p in COMMITTED}
    assert sources == {f"{stem}.txt" for stem in seed_stems()}


@pytest.mark.parametrize("path", COMMITTED, ids=[p.name for p in COMMITTED])
def test_a_committed_plan_file_equals_a_fresh_import_of_its_seed(
    path: Path, directory: Directory
) -> None:
    committed = path.read_text(encoding="utf-8")
    source = yaml.safe_load(committed)["source"]
    i18n.use("vi")  # the committed files are what `nhacviec plan import` writes by default
    result = import_plan(seed_path(Path(source).stem), directory)
    fresh = dump_plan(result.plan, fmt=result.format, unmatched=result.unmatched)
    assert committed == fresh, (
        f"{path.name} differs from a fresh import of {source}: re-run "
        f"`nhacviec plan import {source} -o plans/{path.name}` and review the change"
    )


# -- the command -----------------------------------------------------------------------


def test_plan_import_prints_the_plan_file_and_a_summary_on_stderr(cli: CliRunner) -> None:
    seed = seed_path("001_5b72bc9a7a6ed25c")
    result = cli.invoke(app, ["plan", "import", str(seed)])
    assert result.exit_code == 0, result.output
    plan = PlanFile.model_validate(yaml.safe_load(result.stdout))
    assert (plan.key, len(plan.tasks)) == ("hn-96-kh-ubnd-2020", 10)
    assert result.stdout.startswith("# nhacviec plan file imported from 001_5b72bc9a7a6ed25c.txt")
    assert "(markdown): 10 tasks from 13 table rows, 2 recurring duties, 4 warnings" in (
        result.stderr
    )


def test_plan_import_json_is_the_plan_file_structure(cli: CliRunner) -> None:
    result = cli.invoke(app, ["plan", "import", str(seed_path("002_51fe07b910464410")), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("number", "issuer", "issued_on", "title", "period", "owner", "agencies"):
        assert key in data
    assert (data["number"], data["issued_on"], data["period"]) == (
        None,
        None,
        {"start": 2026, "end": 2030},
    )
    duty = data["reporting"][3]
    assert {k: duty[k] for k in ("frequency", "due", "from", "to")} == {
        "frequency": "half-yearly",
        "due": "06-19",
        "from": ["Các sở, ban, ngành Thành phố", "UBND các phường, xã"],
        "to": ["Sở Công Thương"],
    }
    task = data["tasks"][8]
    assert sorted(task) == sorted(
        [
            "key",
            "section",
            "number",
            "title",
            "content",
            "deliverables",
            "lead",
            "coordinators",
            "window_text",
            "occurrences",
            "budget",
            "source_lines",
            "source",
        ]
    )
    assert task["source"] == {"read_from": "table", "page": None, "table": 1, "row": 22}
    assert task["occurrences"][0] == {
        "start": "2027-01-01",
        "end": "2027-12-31",
        "label": "Năm 2027",
    }
    assert task["budget"]["by_year"]["2026"] == 0
    assert data["warnings"][0] == {
        "line": 3,
        "message": "the document leaves the number blank; number is null",
    }


def test_plan_import_writes_the_output_file(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    seed = seed_path("003_2a2fdc554bb9deb4")
    result = cli.invoke(app, ["plan", "import", str(seed), "-o", str(out), "--format", "cells"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"→ {out}" in result.stderr
    assert "(read as cells)" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--format", "xlsx"],
            "unknown format 'xlsx'; expected one of docx, pdf, doc, rtf, odt, html",
        ),
        (["--format", "pdf"], "--format pdf, but this is not a PDF"),
        (["--agencies", "missing.yaml"], "missing.yaml: file not found"),
    ],
)
def test_plan_import_refuses_bad_options_with_exit_status_2(
    cli: CliRunner, args: list[str], message: str
) -> None:
    result = cli.invoke(app, ["plan", "import", str(seed_path("000_37850982a3aa39d4")), *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_plan_import_of_a_missing_file_names_it(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["plan", "import", str(tmp_path / "nope.docx")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.docx'}: file not found" in result.stderr


def test_control_characters_of_a_damaged_export_never_reach_the_plan_file(
    directory: Directory,
) -> None:
    import yaml

    from engine.plans.importer import import_bytes

    text = (
        "KẾ HOẠCH\nTriển khai nhiệm vụ năm 2026\n\n"
        "| TT | Nội dung | Đơn vị chủ trì | Thời gian thực hiện |\n"
        "| --- | --- | --- | --- |\n"
        "| 1 | Khảo\x08 sát\x0c hiện\x7f trạng\x85 | Sở Công Thương | Quý III/2026 |\n"
    )
    result = import_bytes(text.encode(), "ke-hoach.md", directory)
    from engine.plans.yamlout import dump_plan

    written = dump_plan(result.plan)
    plan = yaml.safe_load(written)  # what `plan load` reads back
    assert plan["tasks"][0]["title"].split() == ["Khảo", "sát", "hiện", "trạng"]
