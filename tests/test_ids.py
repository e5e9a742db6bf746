"""Text to a record's number (``engine.ids``) and every command that takes one: a number
too large for the store is "not found" (exit 2), never a driver's OverflowError."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engine.ids import MAX_ID, parse_id
from engine.store.db import Store
from tests import test_cli_actions
from tests.telegram.world import World
from tests.test_cli_actions import invoke

HUGE = "99999999999999999999999"
BEYOND_PG = str(MAX_ID + 1)
pytestmark = pytest.mark.usefixtures("english")  # the catalogue's English messages

world = test_cli_actions.world  # the fixture: the Telegram tests' world, with reminders


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), ("#12", 12), (" #7 ", 7), (str(MAX_ID), MAX_ID), ("0", None), ("", None),
     (HUGE, None), (BEYOND_PG, None), ("-3", None), ("1e3", None), ("²", None), ("١٢", None),
     ("#", None), ("12a", None)],
)  # fmt: skip
def test_parse_id_reads_numbers_people_write_and_nothing_else(
    text: str, number: int | None
) -> None:
    assert parse_id(text) == number


def test_request_references_take_gh() -> None:
    assert parse_id("GH7", prefixes=("#", "GH")) == 7
    assert parse_id("#gh7", prefixes=("#", "GH")) == 7
    assert parse_id(f"GH{HUGE}", prefixes=("#", "GH")) is None
    assert parse_id(10**30) is None and parse_id(5) == 5


@pytest.mark.parametrize("number", [HUGE, BEYOND_PG])
@pytest.mark.parametrize(
    "command",
    [["ack"], ["done"], ["waive", "--reason", "x"], ["track"], ["reopen"], ["show"],
     ["show", "--json"],
     ["extend", "--to", "30/07/2026", "--reason", "x"],
     ["snooze", "--contact", "1", "--for", "1d"]],
)  # fmt: skip
def test_a_huge_obligation_number_is_not_found_exit_2(
    cli: CliRunner, store: Store, world: World, command: list[str], number: str
) -> None:
    code, out, err = invoke(cli, store, command[0], number, *command[1:])
    assert code == 2, (out, err)
    assert f"no obligation #{number}" in err
    assert "Traceback" not in out + err


def test_a_huge_number_among_several_is_not_found(
    cli: CliRunner, store: Store, world: World
) -> None:
    code, _, err = invoke(cli, store, "ack", str(world.report_sct), f"#{HUGE}", "--yes")
    assert code == 2
    assert f"no obligation #{HUGE}" in err


@pytest.mark.parametrize("ref", [HUGE, f"GH{HUGE}", f"GH{BEYOND_PG}"])
@pytest.mark.parametrize("decision", [["approve"], ["refuse", "--reason", "không"]])
def test_a_huge_request_number_is_not_found_exit_2(
    cli: CliRunner, store: Store, world: World, ref: str, decision: list[str]
) -> None:
    code, _, err = invoke(cli, store, "extension", decision[0], ref, *decision[1:])
    assert code == 2
    assert f"no extension request {ref!r}" in err


@pytest.mark.parametrize(
    "args", [["contacts", "invite", HUGE], ["plan", "track-from", HUGE, "1/1/2026"]]
)
def test_a_huge_contact_or_plan_number_is_not_found_exit_2(
    cli: CliRunner, store: Store, world: World, args: list[str]
) -> None:
    code, _, err = invoke(cli, store, *args)
    assert code == 2
    assert repr(HUGE) in err
