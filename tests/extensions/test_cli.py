"""``nhacviec extend`` and ``nhacviec extension list|approve|refuse`` as a coordinator uses them."""

from __future__ import annotations

import json
from datetime import date, time

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from engine.cli import app
from engine.config import Settings
from engine.store.db import Store
from engine.store.models import AuditEvent, ExtensionRequest, Notification
from tests.extensions.world import World, obligation, rows, scheduled, sync
from tests.helpers import at, run_tick

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

ASKED = "2026-06-20T10:00+07:00"
DECIDED = "2026-06-22T09:00+07:00"


def invoke(cli: CliRunner, base: list[str], *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, [*base, *args])
    return result.exit_code, result.stdout, result.stderr


def extend(cli: CliRunner, base: list[str], ob: int, *, to: str = "2026-07-31") -> str:
    code, out, err = invoke(
        cli,
        base,
        "extend",
        str(ob),
        "--to",
        to,
        "--reason",
        "Chờ số liệu của Cục Thống kê",
        "--by",
        "Phòng KH SCT",
        "--now",
        ASKED,
    )
    assert code == 0, err
    return out


def events(store: Store, obligation_id: int) -> list[AuditEvent]:
    with store.session() as s:
        query = sa.select(AuditEvent).where(AuditEvent.obligation_id == obligation_id)
        return list(s.scalars(query.order_by(AuditEvent.id)))


def requests(store: Store) -> list[ExtensionRequest]:
    with store.session() as s:
        return list(s.scalars(sa.select(ExtensionRequest).order_by(ExtensionRequest.id)))


def notices(store: Store, stage: str) -> dict[tuple[int, str], str]:
    """(contact, channel) → state of the extension notices of one stage."""
    with store.session() as s:
        found = s.scalars(sa.select(Notification).where(Notification.stage == stage))
        return {(n.contact_id, n.channel): n.state for n in found}


def test_extend_records_a_pending_request_and_tells_the_plan_owner(
    cli: CliRunner, base: list[str], store: Store, world: World
) -> None:
    out = extend(cli, base, world.task1)
    assert out.splitlines() == [
        f"Extension request GH1 for #{world.task1} Rà soát hạ tầng thương mại điện tử: to "
        "31/07/2026 (due 30/06/2026).",
        "The plan owner's coordinators are told (2 messages).",
    ]
    (request,) = requests(store)
    assert (request.state, request.new_due_on, request.requested_via) == (
        "pending",
        date(2026, 7, 31),
        "cli",
    )
    assert obligation(store, world.task1).due_on == date(2026, 6, 30)
    event = events(store, world.task1)[-1]
    assert (event.event, event.actor, event.channel, event.note) == (
        "extension_requested",
        "Phòng KH SCT",
        "cli",
        "Chờ số liệu của Cục Thống kê",
    )
    assert notices(store, "gia-han-1") == {
        (world.ubnd, "email"): "pending",
        (world.ubnd, "telegram"): "pending",
    }
    code, listed, _ = invoke(cli, base, "extension", "list", "--pending", "--json")
    assert code == 0
    (shown,) = json.loads(listed)
    assert {k: shown[k] for k in ("ref", "state", "obligation", "due", "new_due", "agency")} == {
        "ref": "GH1",
        "state": "pending",
        "obligation": world.task1,
        "due": "2026-06-30",
        "new_due": "2026-07-31",
        "agency": "Sở Công Thương",
    }


def test_approving_moves_the_due_date_and_starts_a_new_round_of_reminders(
    cli: CliRunner, base: list[str], store: Store, settings: Settings, world: World
) -> None:
    extend(cli, base, world.task1)
    code, out, err = invoke(
        cli,
        base,
        "extension",
        "approve",
        "GH1",
        "--by",
        "Văn phòng UBND",
        "--note",
        "Đồng ý",
        "--now",
        DECIDED,
    )
    assert code == 0, err
    assert out.strip() == (
        f"GH1 approved by Văn phòng UBND: #{world.task1} Rà soát hạ tầng thương mại điện tử is "
        "now due 31/07/2026 (was 30/06/2026; the plan's date 30/06/2026). Reminders: 8 added, "
        "0 rescheduled, 8 cancelled, 0 restored."
    )
    moved = obligation(store, world.task1)
    assert (moved.due_on, moved.original_due_on) == (date(2026, 7, 31), date(2026, 6, 30))
    assert scheduled(store, world.task1, world.sct) == {
        "d7@2026-07-31:email": at(date(2026, 7, 24)),
        "d7@2026-07-31:telegram": at(date(2026, 7, 24)),
        "due@2026-07-31:email": at(date(2026, 7, 31)),
        "due@2026-07-31:telegram": at(date(2026, 7, 31)),
        "late1@2026-07-31:email": at(date(2026, 8, 3)),  # 1/8 is a Saturday
        "late1@2026-07-31:telegram": at(date(2026, 8, 3)),
    }
    assert scheduled(store, world.task1, world.ubnd) == {
        "late7@2026-07-31:email": at(date(2026, 8, 7)),
    }
    old = rows(store, world.task1, world.sct)
    assert {old[k] for k in ("d7:email", "due:telegram", "late1:email")} == {"cancelled"}
    approved = events(store, world.task1)[-1]
    assert (approved.event, approved.channel, approved.note, approved.data) == (
        "extension_approved",
        "cli",
        "Đồng ý",
        {"request": 1, "from": "2026-06-30", "to": "2026-07-31"},
    )
    assert notices(store, "gia-han-1") == {
        (world.ubnd, "email"): "cancelled",  # decided before it went out
        (world.ubnd, "telegram"): "cancelled",
    }
    assert notices(store, "gia-han-1-approved") == {
        (world.sct, "email"): "pending",
        (world.sct, "telegram"): "pending",
    }
    assert not sync(store, settings, at(date(2026, 6, 22), time(9, 0))).changed_anything


def test_a_reminder_already_sent_stays_and_comes_again_before_the_new_date(
    cli: CliRunner, base: list[str], store: Store, settings: Settings, world: World
) -> None:
    first = run_tick(store, settings, at(date(2026, 6, 23)))
    assert {
        (o.row.stage, o.row.channel) for o in first.sent if o.row.obligation_id == world.task1
    } == {
        ("d7", "email"),
        ("d7", "telegram"),
    }
    extend(cli, base, world.task1)
    assert invoke(cli, base, "extension", "approve", "1", "--now", "2026-06-24T09:00+07:00")[0] == 0
    assert rows(store, world.task1, world.sct)["d7:email"] == "sent"
    on_the_old_dates = [
        o
        for day in (date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 7))
        for o in run_tick(store, settings, at(day)).sent
        if o.row.obligation_id == world.task1 and o.row.kind == "obligation"
    ]
    assert on_the_old_dates == []
    again = run_tick(store, settings, at(date(2026, 7, 24))).sent
    assert sorted((o.row.stage, o.row.channel) for o in again) == [
        ("d7@2026-07-31", "email"),
        ("d7@2026-07-31", "telegram"),
    ]
    assert again[0].subject is not None and "hạn 31/07/2026" in again[0].subject


def test_a_second_pending_request_is_refused_naming_the_first(
    cli: CliRunner, base: list[str], store: Store, world: World
) -> None:
    extend(cli, base, world.task1)
    code, _, err = invoke(
        cli,
        base,
        "extend",
        str(world.task1),
        "--to",
        "2026-08-15",
        "--reason",
        "Thêm thời gian",
        "--now",
        ASKED,
    )
    assert code == 2
    assert "already has a pending extension request (GH1, to 31/07/2026)" in err
    assert len(requests(store)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--to", "2026-06-30"],
            "the new due date 30/06/2026 must be after the current one, 30/06/2026",
        ),
        (["--to", "31/13/2026"], "--to '31/13/2026': tháng 13 không có (tháng từ 1 đến 12)"),
        (["--to", "2026-07-31", "--reason", "  "], "an extension request needs a reason"),
    ],
)
def test_a_bad_request_is_exit_2_and_writes_nothing(
    cli: CliRunner, base: list[str], store: Store, world: World, args: list[str], message: str
) -> None:
    before = len(events(store, world.task1))
    reason = [] if "--reason" in args else ["--reason", "Chờ số liệu"]
    code, _, err = invoke(cli, base, "extend", str(world.task1), *args, *reason, "--now", ASKED)
    assert code == 2
    assert message in " ".join(err.split())
    assert requests(store) == []
    assert len(events(store, world.task1)) == before


def test_a_done_obligation_cannot_be_extended(
    cli: CliRunner, base: list[str], store: Store, world: World
) -> None:
    assert invoke(cli, base, "done", str(world.task1), "--now", ASKED)[0] == 0
    code, _, err = invoke(
        cli, base, "extend", str(world.task1), "--to", "2026-07-31", "--reason", "x", "--now", ASKED
    )
    assert code == 2
    assert f"#{world.task1} is done: nothing to extend" in err
    code, _, err = invoke(cli, base, "extend", "999", "--to", "2026-07-31", "--reason", "x")
    assert (code, "no obligation #999" in err) == (2, True)


def test_refusing_changes_only_the_request_and_the_history(
    cli: CliRunner, base: list[str], store: Store, world: World
) -> None:
    extend(cli, base, world.task1)
    before = rows(store, world.task1, world.sct)
    code, out, err = invoke(
        cli,
        base,
        "extension",
        "refuse",
        "1",
        "--reason",
        "Không đủ căn cứ",
        "--by",
        "Văn phòng UBND",
        "--now",
        DECIDED,
    )
    assert code == 0, err
    assert out.strip() == (
        f"GH1 refused by Văn phòng UBND: #{world.task1} Rà soát hạ tầng thương mại điện tử "
        "stays due 30/06/2026."
    )
    assert obligation(store, world.task1).due_on == date(2026, 6, 30)
    after = rows(store, world.task1, world.sct)
    assert {k: v for k, v in after.items() if not k.startswith("gia-han")} == before
    (request,) = requests(store)
    assert (request.state, request.decided_by, request.decision_note) == (
        "refused",
        "Văn phòng UBND",
        "Không đủ căn cứ",
    )
    refused = events(store, world.task1)[-1]
    assert (refused.event, refused.note) == ("extension_refused", "Không đủ căn cứ")
    assert notices(store, "gia-han-1-refused") == {
        (world.sct, "email"): "pending",
        (world.sct, "telegram"): "pending",
    }
    for again in (["refuse", "1", "--reason", "x"], ["approve", "1"]):
        code, _, err = invoke(cli, base, "extension", *again)
        assert code == 2
        assert "extension request GH1 was already refused by Văn phòng UBND on 22/06/2026" in err


def test_refusing_needs_a_reason_and_an_existing_request(
    cli: CliRunner, base: list[str], world: World
) -> None:
    extend(cli, base, world.task1)
    code, _, err = invoke(cli, base, "extension", "refuse", "1", "--reason", " ")
    assert (code, "say why the request is refused" in err) == (2, True)
    code, _, err = invoke(cli, base, "extension", "approve", "GH9")
    assert (code, "no extension request 'GH9'" in err) == (2, True)


def test_show_lists_the_extension_requests_of_the_obligation(
    cli: CliRunner, base: list[str], world: World
) -> None:
    extend(cli, base, world.task1)
    assert invoke(cli, base, "extension", "approve", "1", "--by", "VP", "--now", DECIDED)[0] == 0
    code, out, _ = invoke(cli, base, "show", str(world.task1), "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["due"], data["original_due"]) == ("2026-07-31", "2026-06-30")
    (shown,) = data["extensions"]
    assert {k: shown[k] for k in ("ref", "state", "new_due", "requested_by", "decided_by")} == {
        "ref": "GH1",
        "state": "approved",
        "new_due": "2026-07-31",
        "requested_by": "Phòng KH SCT",
        "decided_by": "VP",
    }
    code, text, _ = invoke(cli, base, "show", str(world.task1))
    assert "Extension requests" in text and "GH1" in text and "approved" in text
    assert "31/07/2026 (originally 30/06/2026)" in text
