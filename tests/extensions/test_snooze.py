"""Snoozes: reminders held for one contact until the snooze ends, escalations never."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from engine.cli import app
from engine.config import Settings
from engine.delivery import verdict
from engine.messages.types import Recipient
from engine.outbox import OutboxRow, Outcome, Standing
from engine.store.db import Store
from engine.store.models import Notification
from notifiers.outbox import safe_name
from tests.extensions.world import (
    TASK1,
    WORKFLOW,
    World,
    build,
    plan_file,
    rows,
    sync,
    write_workflow,
)
from tests.helpers import at, run_tick

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


def snooze(cli: CliRunner, base: list[str], ob: int, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, [*base, "snooze", str(ob), "--contact", "hn.sct.coordinator", *args])
    return result.exit_code, result.stdout, result.stderr


def outcomes(report_outcomes: Sequence[Outcome], obligation_id: int) -> list[tuple[str, str, str]]:
    """(result, stage, channel) of one obligation's outcomes in a tick, sorted."""
    return sorted(
        (o.result, o.row.stage, o.row.channel)
        for o in report_outcomes
        if o.row.obligation_id == obligation_id
    )


def test_a_reminder_snoozed_for_a_day_comes_back_the_next_morning(
    cli: CliRunner, base: list[str], store: Store, settings: Settings, world: World
) -> None:
    sent = run_tick(store, settings, at(date(2026, 6, 23))).outcomes
    assert outcomes(sent, world.task1) == [("sent", "d7", "email"), ("sent", "d7", "telegram")]
    code, out, err = snooze(cli, base, world.task1, "--for", "1d", "--now", "2026-06-23T10:00")
    assert code == 0, err
    assert out.strip() == (
        f"#{world.task1} Rà soát hạ tầng thương mại điện tử: reminders to Phòng Kế hoạch - SCT "
        "paused until 24/06/2026 08:00 (escalations are not)."
    )
    assert (
        outcomes(run_tick(store, settings, at(date(2026, 6, 23), time(12))).outcomes, world.task1)
        == []
    )
    back = run_tick(store, settings, at(date(2026, 6, 24))).outcomes
    stage = "nhac-lai@20260624T0100Z"
    assert outcomes(back, world.task1) == [("sent", stage, "email"), ("sent", stage, "telegram")]
    telegram = next(o for o in back if o.row.channel == "telegram")
    path = settings.paths.outbox / "2026-06-24" / f"{safe_name(telegram.row.key)}.json"
    message = json.loads(path.read_text(encoding="utf-8"))
    assert message["text"].startswith("📌 <b>Còn 6 ngày đến hạn</b>\nRà soát hạ tầng")
    assert message["buttons"][1][0] == {
        "text": "Nhắc lại sau 1 ngày",
        "data": f"snooze:{world.task1}:1d",
    }


def test_a_reminder_due_during_a_snooze_is_held_and_one_message_comes_when_it_ends(
    cli: CliRunner, base: list[str], store: Store, settings: Settings, world: World
) -> None:
    code, out, _ = snooze(cli, base, world.task1, "--for", "7d", "--now", "2026-06-22T10:00")
    assert code == 0
    assert "paused until 29/06/2026 08:00" in out
    held = run_tick(store, settings, at(date(2026, 6, 23))).outcomes
    assert outcomes(held, world.task1) == [
        ("snoozed", "d7", "email"),
        ("snoozed", "d7", "telegram"),
    ]
    assert {o.detail for o in held if o.row.obligation_id == world.task1} == {
        "snoozed until 2026-06-29T01:00:00+00:00"
    }
    with store.session() as s:
        waiting = s.scalars(
            sa.select(Notification).where(
                Notification.obligation_id == world.task1, Notification.stage == "d7"
            )
        ).all()
        assert {(n.state, n.due_at, n.attempts) for n in waiting} == {
            ("pending", datetime(2026, 6, 29, 1, 0, tzinfo=UTC), 0)
        }
    assert outcomes(run_tick(store, settings, at(date(2026, 6, 26))).outcomes, world.task1) == []
    ends = run_tick(store, settings, at(date(2026, 6, 29))).outcomes
    stage = "nhac-lai@20260629T0100Z"
    assert outcomes(ends, world.task1) == [
        ("sent", stage, "email"),
        ("sent", stage, "telegram"),
        ("skipped", "d7", "email"),
        ("skipped", "d7", "telegram"),
    ]
    on_the_day = run_tick(store, settings, at(date(2026, 6, 30))).outcomes
    assert outcomes(on_the_day, world.task1) == [
        ("sent", "due", "email"),
        ("sent", "due", "telegram"),
    ]


def test_a_snooze_never_holds_an_escalation(
    cli: CliRunner, base: list[str], store: Store, settings: Settings, world: World
) -> None:
    assert snooze(cli, base, world.task1, "--for", "7d", "--now", "2026-06-22T10:00")[0] == 0
    # The plan is reloaded with task 1 due on 24/06: its escalation (25/06) now falls
    # inside the snooze (until 29/06).
    sync(store, settings, at(date(2026, 6, 22), time(11)), plan=plan_file(task1_due="2026-06-24"))
    on_due = run_tick(store, settings, at(date(2026, 6, 24))).outcomes
    assert ("snoozed", "due", "telegram") in outcomes(on_due, world.task1)
    late = run_tick(store, settings, at(date(2026, 6, 25))).outcomes
    assert outcomes(late, world.task1) == [
        ("sent", "late1", "email"),
        ("sent", "late1", "telegram"),
    ]
    assert rows(store, world.task1, world.sct)["due:email"] == "pending"  # still held


def test_the_verdict_holds_reminders_but_never_escalations() -> None:
    now = datetime(2026, 6, 25, 1, 0, tzinfo=UTC)

    def row(escalation: bool) -> OutboxRow:
        return OutboxRow(1, "o7:s:c3:email", "obligation", 7, "s", 1, escalation, 3, "email",
                         "reminder", ["done"], now, now, "sending", 0, None, None)  # fmt: skip

    contact = Recipient(3, 1, "KH", "coordinator", {"email": "kh@example.org"}, "vi", True)
    standings = {7: Standing("open", None)}
    snoozes = {(7, 3): datetime(2026, 6, 29, 1, 0, tzinfo=UTC)}
    assert verdict(row(False), contact, standings, {}, now, snoozes)[0] == "snooze"
    assert verdict(row(True), contact, standings, {}, now, snoozes) == ("send", None)
    assert verdict(row(False), contact, standings, {}, now, {(7, 4): now.replace(day=29)})[0] == (
        "send"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--for", "3x", "--now", "2026-06-22T10:00"], "--for '3x': expected a duration"),
        (["--for", "1d", "--now", "2026-06-30T09:00"], "its reminders are over"),
    ],
)
def test_a_snooze_that_cannot_be_is_exit_2(
    cli: CliRunner, base: list[str], store: Store, world: World, args: list[str], message: str
) -> None:
    code, _, err = snooze(cli, base, world.task1, *args)
    assert code == 2
    assert message in " ".join(err.split())
    with store.session() as s:
        assert s.scalar(sa.text("select count(*) from snoozes")) == 0


def test_a_done_obligation_or_an_unknown_contact_cannot_be_snoozed(
    cli: CliRunner, base: list[str], world: World
) -> None:
    result = cli.invoke(
        app, [*base, "snooze", str(world.task1), "--contact", "nobody", "--for", "1d"]
    )
    assert (result.exit_code, "no contact 'nobody'" in result.stderr) == (2, True)
    assert cli.invoke(app, [*base, "done", str(world.task1)]).exit_code == 0
    code, _, err = snooze(cli, base, world.task1, "--for", "1d")
    assert (code, f"#{world.task1} is done" in err) == (2, True)


def test_show_lists_the_snoozes(cli: CliRunner, base: list[str], world: World) -> None:
    snooze(cli, base, world.task1, "--for", "1d", "--now", "2026-06-23T10:00")
    data = json.loads(cli.invoke(app, [*base, "show", str(world.task1), "--json"]).stdout)
    assert data["snoozes"] == [
        {"contact": "hn.sct.coordinator", "name": "Phòng Kế hoạch - SCT",
         "until": "2026-06-24T08:00:00+07:00"}
    ]  # fmt: skip
    assert [h["event"] for h in data["history"]][-1] == "snoozed"
    text = cli.invoke(app, [*base, "show", str(world.task1)]).stdout
    assert "Snoozes" in text and "24/06/2026 08:00" in text


def email_text(settings: Settings, day: str, key: str) -> str:
    """The plain text part of an email the outbox wrote."""
    path = settings.paths.outbox / day / f"{safe_name(key)}.eml"
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_snoozed_reminder_of_a_stage_without_ack_link_still_has_no_acknowledgement_link(
    cli: CliRunner, base: list[str], store: Store, settings: Settings
) -> None:
    # Acknowledging stops it too: without the stage's ack_link: false the reminder that
    # comes back would ask for acknowledgement.
    stage = "{name: d7, at: 7 days before due, ack_link: false, stop_on: [acknowledged, done],"
    write_workflow(
        settings.paths.workflows,
        WORKFLOW.replace("{name: d7, at: 7 days before due,", stage),
    )
    world = build(store, settings)
    sent = run_tick(store, settings, at(date(2026, 6, 23))).outcomes
    d7 = next(
        o.row for o in sent if o.row.obligation_id == world.task1 and o.row.channel == "email"
    )
    assert "Xác nhận đã nhận nhiệm vụ" not in email_text(settings, "2026-06-23", d7.key)
    assert snooze(cli, base, world.task1, "--for", "1d", "--now", "2026-06-23T10:00")[0] == 0
    back = run_tick(store, settings, at(date(2026, 6, 24))).outcomes
    again = next(o for o in back if o.row.obligation_id == world.task1 and o.row.channel == "email")
    assert (again.result, again.row.stage) == ("sent", "nhac-lai@20260624T0100Z")
    text = email_text(settings, "2026-06-24", again.row.key)
    assert TASK1 in text
    assert "Xác nhận đã nhận nhiệm vụ" not in text


def test_a_snoozed_reminder_of_a_stage_with_ack_link_keeps_its_acknowledgement_link(
    cli: CliRunner, base: list[str], store: Store, settings: Settings, world: World
) -> None:
    run_tick(store, settings, at(date(2026, 6, 23)))
    assert snooze(cli, base, world.task1, "--for", "1d", "--now", "2026-06-23T10:00")[0] == 0
    back = run_tick(store, settings, at(date(2026, 6, 24))).outcomes
    again = next(o for o in back if o.row.obligation_id == world.task1 and o.row.channel == "email")
    assert "Xác nhận đã nhận nhiệm vụ" in email_text(settings, "2026-06-24", again.row.key)
