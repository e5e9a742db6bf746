"""The workflow file: every problem is reported with its file, line and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import InputErrors
from engine.workflow.schema import check_workflows, load_workflows
from tests.workflow.helpers import ROOT

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

BAD = """\
version: 1
name: bad
reminders:
  r:
    - name: soon
      at: sometime soon
      to: [agency.coordinator]
    - name: soon
      at: 3 days before due
      to: [agency.boss]
      channels: [fax]
rules:
  - name: lead
    each: task lead
    reminders: missing
    colour: red
  - name: co
    each: task coordinator
    due: 3 days after due
    title: "{task} {nonsense}"
    reminders: r
  - name: rep
    each: report
    where: {sections: [I]}
    default_due: {yearly: "15/12"}
    reminders: r
"""


def problems_of(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    _loaded, problems = check_workflows(tmp_path)
    return [str(p) for p in problems]


def test_the_shipped_workflows_load() -> None:
    [scp] = load_workflows(ROOT / "workflows")
    assert scp.name == "scp"
    assert [r.name for r in scp.rules] == ["chu-tri", "phoi-hop", "bao-cao", "ke-hoach-nam"]
    lead = scp.rules[0]
    assert [s.name for s in lead.stages][:2] == ["bat-dau", "nhac-14-ngay"]
    assert lead.stages[0].stop_on == ("acknowledged", "done", "waived")


def test_schema_errors_name_the_file_line_and_expectation(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, BAD)
    file = str(tmp_path / "bad.yaml")
    assert f"{file}:6: reminders.r.0.at: cannot read the time phrase 'sometime soon'" in "\n".join(
        problems
    )
    assert any(p.startswith(f"{file}:10: reminders.r.1.to.0: expected one of ") for p in problems)
    assert not any("Input should be" in p or "instance of" in p for p in problems)
    assert any(p.startswith(f"{file}:11: reminders.r.1.channels.0:") for p in problems)
    assert f"{file}:16: unknown key 'colour' (at rules.0.colour)" in problems


def test_meaning_errors_name_the_file_line_and_expectation(tmp_path: Path) -> None:
    text = BAD.replace("      at: sometime soon\n", "      at: when it opens\n")
    text = text.replace("to: [agency.boss]\n      channels: [fax]", "to: [agency.head]")
    text = text.replace("    colour: red\n", "")
    problems = problems_of(tmp_path, text)
    file = str(tmp_path / "bad.yaml")
    assert problems == [
        f"{file}:8: stage name 'soon' appears twice in this policy",
        f"{file}:14: unknown reminder policy 'missing'; expected one of the names under "
        "'reminders:' (r)",
        f"{file}:18: unknown placeholder {{nonsense}} in the title; a 'task coordinator' rule "
        "knows {period}, {plan}, {plan_number}, {section}, {task}, {task_number}, {year}",
        f"{file}:17: the coordinator's due date: expected a phrase before or on the due date, "
        "such as \"5 ngày làm việc trước hạn\"; got '3 days after due'",
        f"{file}:22: 'sections' selects tasks; a 'report' rule has no task",
        f'{file}:23: expected a month-day as "MM-DD", e.g. "06-15"; got \'15/12\'',
    ]


def test_load_workflows_raises_every_problem_at_once(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    with pytest.raises(InputErrors) as raised:
        load_workflows(tmp_path)
    assert len(raised.value.problems) >= 4


def test_two_workflows_may_not_share_a_name(tmp_path: Path) -> None:
    text = "version: 1\nname: same\nrules:\n  - {name: a, each: task lead, reminders: []}\n"
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    _loaded, problems = check_workflows(tmp_path)
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'b.yaml'}:2: workflow name 'same' is also used by {tmp_path / 'a.yaml'}; "
        "names must be unique (they are part of obligation keys)"
    ]


def test_fields_of_another_kind_of_rule_are_refused(tmp_path: Path) -> None:
    text = (
        "version: 1\nrules:\n  - name: a\n    each: task lead\n    opens: khi bắt đầu\n"
        "    reminders: []\n"
    )
    problems = problems_of(tmp_path, text)
    assert problems == [f"{tmp_path / 'bad.yaml'}:5: 'opens' does not apply to a 'task lead' rule"]


def test_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    _loaded, problems = check_workflows(tmp_path)
    assert [p.message for p in problems] == ["no workflow files (*.yaml) in this folder"]
