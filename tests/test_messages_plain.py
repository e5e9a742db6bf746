"""Validation errors in the words of the person who wrote the file."""

from __future__ import annotations

import pytest

from engine.errors import InputErrors
from engine.plans.model import PlanFile
from engine.yamlpos import load_yaml, validate

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

PLAN = """\
key: hn-266-2021
title: Kế hoạch thử
period: {start: 2022, end: 2022}
tasks:
  - key: "3 bis"
    title: Khảo sát
    lead: [Sở Công Thương]
    window: {text: "Năm 2022"}
"""


def problems(text: str) -> list[str]:
    data, positions = load_yaml(text, "ke-hoach.yaml")
    with pytest.raises(InputErrors) as caught:
        validate(PlanFile, data, positions, "ke-hoach.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_key_with_a_space_says_what_a_key_looks_like() -> None:
    found = problems(PLAN)
    assert (
        "ke-hoach.yaml:5: tasks.0.key: expected a short key of letters, digits, '.', '_' or "
        "'-', starting with a letter or a digit (such as 3a or nv-12); got '3 bis'"
    ) in found


def test_a_list_where_the_plan_belongs_is_named_as_a_list_not_a_python_type() -> None:
    (found,) = problems("- 1\n- 2\n")
    assert found == "ke-hoach.yaml:1: the file: expected a group of 'key: value' lines; got a list"
    assert "instance of" not in found and "PlanFile" not in found


def test_a_wrong_type_says_what_was_expected() -> None:
    found = problems(PLAN.replace("start: 2022", "start: hai nghìn").replace('"3 bis"', "3a"))
    assert any("period.start: expected a whole number; got 'hai nghìn'" in p for p in found)
