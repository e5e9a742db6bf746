"""A stage's options as its outbox rows carry them (``engine.workflow.options``)."""

from __future__ import annotations

from engine.workflow.options import StageOptions, when_of
from engine.workflow.schema import load_workflow_text


def test_a_stage_without_ack_link_writes_and_reads_back_the_same_options() -> None:
    options = StageOptions(ack_link=False, letter=True, any_time=True)
    payload = options.payload("after")
    assert payload == {"when": "after", "ack": False, "letter": True, "any_time": True}
    assert StageOptions.of(payload) == options
    assert when_of(payload) == "after"
    assert options.asks_for_ack(["acknowledged", "done"]) is False


def test_a_snoozed_reminder_keeps_the_options_and_drops_when() -> None:
    snoozed = StageOptions.of({"when": "before", "ack": False}).payload(snooze=True)
    assert snoozed == {"ack": False, "snooze": True}
    assert when_of(snoozed) is None
    assert StageOptions.of(snoozed).ack_link is False


def test_rows_written_by_older_versions_are_still_read() -> None:
    assert StageOptions.of({"snooze": True, "ack_link": False}).ack_link is False
    unknown = StageOptions.of(None)
    assert unknown.ack_link is None
    assert unknown.asks_for_ack(["acknowledged", "done"]) is True
    assert unknown.asks_for_ack(["done", "waived"]) is False


def test_a_compiled_stage_holds_its_options_shared_with_equal_stages() -> None:
    text = """
version: 1
reminders:
  r:
    - {name: a, at: 7 days before due, to: [agency.coordinator], ack_link: false}
    - {name: b, at: on the due date, to: [agency.coordinator], ack_link: false}
    - {name: c, at: 1 day after due, to: [agency.coordinator], letter: true, any_time: true}
rules:
  - {name: lead, each: task lead, reminders: r}
"""
    a, b, c = load_workflow_text(text, "w.yaml").rules[0].stages
    assert a.options == StageOptions(ack_link=False) and a.options is b.options
    assert c.options == StageOptions(ack_link=True, letter=True, any_time=True)
