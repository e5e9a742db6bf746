"""A failed ``plan load`` or ``sync`` leaves the store exactly as it was.

On SQLite and PostgreSQL, through the command line: a project with a plan loaded and
synced; then plan files mangled at random, and files with a problem at their very end
(found only after the agency directory was written in the same transaction), values
longer than their columns, a workflow or directory that fails validation, a stored plan
that no longer reads. Every failure must exit with status 2 and a message, and leave
every table (compared row by row) as it was; every success must still be a success on
both databases (PostgreSQL refuses over-long values that SQLite would store).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli import app
from engine.store.db import Store
from engine.store.models import Plan
from tests.helpers import cli_url
from tests.reliability.helpers import dump
from tests.reliability.mangle import FUZZ, mangled
from tests.reliability.test_bad_input import assert_clean
from tests.workflow.helpers import plan, task
from tests.workflow.test_cli_validate import project

NOW = "2022-01-10T08:00:00+07:00"
QUARTER = {"start": "2022-04-01", "end": "2022-06-30", "label": "Quý II/2022"}
LONG_LABEL = {"end": "2022-12-31", "label": "L" * 121}


def plan_text(**overrides: Any) -> str:
    """Three tasks, two reports, a jurisdiction: something for every mangling to hit."""
    data: dict[str, Any] = {
        "jurisdiction": "Hà Nội",
        "issued_on": "2022-01-05",
        "tasks": [
            task(),
            task(key="2", number="2", title="Tập huấn", lead=["Sở Tài nguyên và Môi trường"],
                 window_text="Quý II/2022", coordinators=[], occurrences=[QUARTER]),
            task(key="3", number="3", title="Khảo sát", lead=["Sở Tài chính"],
                 window_text="Trước 30/9/2022",
                 occurrences=[{"end": "2022-09-29", "label": "Trước 30/9/2022"}]),
        ],
    }  # fmt: skip
    data.update(overrides)
    model = plan(**data).model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(model, allow_unicode=True, sort_keys=False)


class Project:
    """A project on this store, driven through the CLI."""

    def __init__(self, store: Store, root: Path) -> None:
        self.store = store
        self.config = project(root)
        self.root = root
        self.url = cli_url(store)
        self.cli = CliRunner()
        self.plan_file = root / "plans" / "hn-2022.yaml"

    def run(self, *args: str) -> Result:
        result = self.cli.invoke(
            app, ["--config", str(self.config), "--db", self.url, *args], env={"COLUMNS": "200"}
        )
        assert_clean(result)
        return result

    def load(self, text: str) -> Result:
        self.plan_file.write_text(text, "utf-8")
        return self.run("plan", "load", str(self.plan_file))

    def sync(self) -> Result:
        return self.run("sync", "--now", NOW)

    def refused_and_untouched(self, action: Any, *args: Any) -> str:
        """Run ``action``; it must fail with status 2 and change nothing. Its stderr."""
        before = dump(self.store)
        result = action(*args)
        assert result.exit_code == 2, result.output
        assert dump(self.store) == before
        return str(result.stderr)


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Project:
    """The project with its plan loaded and synced: obligations and reminders stored."""
    p = Project(store, tmp_path / "project")
    assert p.load(plan_text()).exit_code == 0
    assert p.sync().exit_code == 0
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Plan)) == 1
    return p


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_a_mangled_plan_file_loads_and_syncs_or_changes_nothing(
    loaded: Project, data: st.DataObject
) -> None:
    text = data.draw(mangled(plan_text(), max_ops=4, structured=True))
    for step in (lambda: loaded.load(text), loaded.sync):
        before = dump(loaded.store)
        result = step()
        if result.exit_code != 0:
            assert dump(loaded.store) == before
            return


def test_a_plan_file_wrong_at_its_last_line_changes_nothing(loaded: Project) -> None:
    data = yaml.safe_load(plan_text())
    data["tasks"].append({"key": "9", "title": "Cuối", "occurrences": [{"end": "2022-13-01"}]})
    tasks = data.pop("tasks")
    text = yaml.safe_dump({**data, "tasks": tasks}, allow_unicode=True, sort_keys=False)
    last = len(text.splitlines())
    assert text.splitlines()[-1].endswith("end: '2022-13-01'")
    err = loaded.refused_and_untouched(loaded.load, text)
    assert f"{loaded.plan_file}:{last}: tasks.3.occurrences.0.end" in err


def add_contact(directory: Path) -> None:
    """A new contact in the agency directory: ``plan load`` writes it first thing."""
    data = yaml.safe_load(directory.read_text("utf-8"))
    data["agencies"][2]["contacts"].append(
        {"role": "coordinator", "name": "Văn phòng STC", "email": "vp@stc.example.org"}
    )
    directory.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def test_a_problem_found_after_the_directory_was_written_rolls_it_back(
    loaded: Project,
) -> None:
    add_contact(loaded.root / "agencies.yaml")
    long_key = "k" * 81  # tasks' keys have 80 characters at most
    text = plan_text(tasks=[task(), task(key=long_key, number="2")])
    err = loaded.refused_and_untouched(loaded.load, text)
    assert "tasks.1.key: longer than 80 characters" in err


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"jurisdiction": "J" * 201}, "jurisdiction: longer than 200 characters"),
        ({"tasks": [task(occurrences=[LONG_LABEL])]}, "occurrences.0.label: longer than 120"),
    ],
)
def test_a_value_longer_than_its_column_is_refused_on_every_database(
    loaded: Project, overrides: dict[str, Any], message: str
) -> None:
    err = loaded.refused_and_untouched(loaded.load, plan_text(**overrides))
    assert message in err


def test_an_agency_name_longer_than_its_column_is_kept_shortened(loaded: Project) -> None:
    name = "Ban chỉ đạo " + "rất dài " * 60
    assert loaded.load(plan_text(tasks=[task(lead=[name])])).exit_code == 0
    assert loaded.sync().exit_code == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Đ" * 401), ("jurisdiction", "J" * 201), ("contact name", "N" * 201),
     ("contact key", "k" * 161), ("contact email", "e" * 310 + "@example.org")],
)  # fmt: skip
def test_a_directory_value_longer_than_its_column_is_refused_on_every_database(
    loaded: Project, field: str, value: str
) -> None:
    directory = loaded.root / "agencies.yaml"
    data = yaml.safe_load(directory.read_text("utf-8"))
    agency = data["agencies"][0]
    if field.startswith("contact "):
        agency["contacts"][0][field.removeprefix("contact ")] = value
    else:
        agency[field] = value
    directory.write_text(yaml.safe_dump(data, allow_unicode=True, width=1000), "utf-8")
    for action in (lambda: loaded.load(plan_text()), loaded.sync):
        err = loaded.refused_and_untouched(action)
        assert f"{directory}:" in err and "at most" in err


def test_a_workflow_that_fails_validation_stops_sync_and_changes_nothing(
    loaded: Project,
) -> None:
    add_contact(loaded.root / "agencies.yaml")
    flow = loaded.root / "workflows" / "scp.yaml"
    flow.write_text(flow.read_text("utf-8").replace("at: 14 ngày trước hạn", "at: sớm"), "utf-8")
    err = loaded.refused_and_untouched(loaded.sync)
    assert f"{flow}:" in err and "sớm" in err


def test_a_broken_directory_stops_sync_and_changes_nothing(loaded: Project) -> None:
    directory = loaded.root / "agencies.yaml"
    directory.write_text(directory.read_text("utf-8") + "- stray: entry\n", "utf-8")
    err = loaded.refused_and_untouched(loaded.sync)
    assert f"{directory}" in err


def test_a_stored_plan_that_no_longer_reads_stops_sync_and_changes_nothing(
    loaded: Project,
) -> None:
    add_contact(loaded.root / "agencies.yaml")  # sync writes the directory before the plans
    with loaded.store.session() as s:  # as a plan stored by an older version might be
        stored = s.scalars(sa.select(Plan)).one()
        stored.data = {**stored.data, "period": {"start": 2022}}
    err = loaded.refused_and_untouched(loaded.sync)
    assert "plan 'hn-2022' in the database is not a valid plan file" in err


def test_a_workflow_template_name_longer_than_its_column_stops_sync(loaded: Project) -> None:
    flow = loaded.root / "workflows" / "scp.yaml"
    text = flow.read_text("utf-8").replace("template: reminder", "template: " + "r" * 121, 1)
    flow.write_text(text, "utf-8")
    err = loaded.refused_and_untouched(loaded.sync)
    assert f"{flow}:" in err and "at most" in err


def test_an_actor_name_longer_than_its_column_is_refused(loaded: Project) -> None:
    err = loaded.refused_and_untouched(loaded.run, "ack", "1", "--by", "B" * 201)
    assert "--by" in err
