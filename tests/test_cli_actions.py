"""``nhacviec ack|done|waive|reopen|show``: the status machine from the command line."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from engine.cli import app
from engine.store.db import Store
from engine.store.models import AuditEvent, Notification, Obligation
from tests.helpers import cli_url
from tests.telegram.world import NOW, STOP_ON_DONE, World, build_world, notification

BEFORE_DUE = "2026-06-10T09:00"  # local time (Asia/Ho_Chi_Minh); due 19/06/2026
AFTER_DUE = "2026-06-22T16:30+07:00"


@pytest.fixture
def world(store: Store) -> World:
    world = build_world(store)
    with store.session() as s:
        ob, contact = world.report_sct, world.sct_contact
        s.add_all(
            [
                notification(ob, contact, "t-3", scheduled_at=NOW + timedelta(days=6)),
                notification(ob, contact, "t-1", scheduled_at=NOW + timedelta(days=8)),
                notification(
                    ob, contact, "t+3", scheduled_at=NOW + timedelta(days=12), stop_on=STOP_ON_DONE
                ),
            ]
        )
    return world


def invoke(cli: CliRunner, store: Store, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, ["--db", cli_url(store), *args])
    return result.exit_code, result.stdout, result.stderr


def history(store: Store, obligation_id: int) -> list[AuditEvent]:
    with store.session() as s:
        query = sa.select(AuditEvent).where(AuditEvent.obligation_id == obligation_id)
        return list(s.scalars(query.order_by(AuditEvent.id)))


def get(store: Store, obligation_id: int) -> Obligation:
    with store.session() as s:
        found = s.get(Obligation, obligation_id)
        assert found is not None
        return found


def test_ack_records_who_and_why_and_cancels_the_reminders_it_stops(
    cli: CliRunner, store: Store, world: World
) -> None:
    ob = world.report_sct
    code, out, _ = invoke(
        cli, store, "ack", str(ob), "--by", "Nguyễn Văn An", "--note", "đã giao phòng KH",
        "--now", BEFORE_DUE,
    )  # fmt: skip
    assert code == 0
    assert out.strip() == (
        f"#{ob} Báo cáo kết quả thực hiện 6 tháng đầu năm: acknowledged by Nguyễn Văn An "
        "(was open). 2 pending reminders cancelled."
    )
    (event,) = history(store, ob)
    assert (event.event, event.actor, event.channel, event.note) == (
        "acknowledged", "Nguyễn Văn An", "cli", "đã giao phòng KH",
    )  # fmt: skip
    assert event.at == NOW
    with store.session() as s:
        states = s.scalars(
            sa.select(Notification.state).where(Notification.obligation_id == ob)
            .order_by(Notification.id)
        ).all()  # fmt: skip
    assert states == ["cancelled", "cancelled", "pending"]


def test_by_defaults_to_the_os_user(
    cli: CliRunner, store: Store, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "tuan.nv")
    code, out, _ = invoke(cli, store, "ack", str(world.report_sct), "--now", BEFORE_DUE)
    assert code == 0
    assert "acknowledged by tuan.nv" in out
    assert history(store, world.report_sct)[0].actor == "tuan.nv"


def test_acknowledging_twice_is_recorded_and_changes_nothing(
    cli: CliRunner, store: Store, world: World
) -> None:
    ob = world.report_sct
    invoke(cli, store, "ack", str(ob), "--by", "An", "--now", BEFORE_DUE)
    code, out, _ = invoke(cli, store, "ack", str(ob), "--by", "Bình", "--now", AFTER_DUE)
    assert code == 0
    assert out.strip().endswith("already acknowledged; recorded, nothing changed.")
    assert [(e.actor, (e.data or {})["changed"]) for e in history(store, ob)] == [
        ("An", True),
        ("Bình", False),
    ]
    assert get(store, ob).acknowledged_at == NOW


def test_done_before_the_due_date_is_on_time(cli: CliRunner, store: Store, world: World) -> None:
    ob = world.report_sct
    code, out, _ = invoke(
        cli, store, "done", str(ob), "--by", "An", "--note", "245/BC-SCT", "--now", BEFORE_DUE
    )
    assert code == 0
    assert "done by An (was open), on time (due 19/06/2026). 3 pending reminders cancelled." in out
    done = get(store, ob)
    assert (done.status, done.done_late) == ("done", False)
    assert history(store, ob)[0].note == "245/BC-SCT"


def test_done_after_the_due_date_is_late(cli: CliRunner, store: Store, world: World) -> None:
    code, out, _ = invoke(cli, store, "done", str(world.report_stc), "--now", AFTER_DUE)
    assert code == 0
    assert "3 days late (due 19/06/2026)" in out
    assert get(store, world.report_stc).done_late is True


def test_waive_needs_a_reason(cli: CliRunner, store: Store, world: World) -> None:
    code, _, err = invoke(cli, store, "waive", str(world.report_sct))
    assert code == 2
    assert "Thiếu tùy chọn '--reason'" in err
    code, out, _ = invoke(
        cli, store, "waive", str(world.report_sct), "--reason", "gộp vào báo cáo năm",
        "--by", "Văn phòng UBND", "--now", BEFORE_DUE,
    )  # fmt: skip
    assert code == 0
    assert "waived by Văn phòng UBND (was open)" in out
    (event,) = history(store, world.report_sct)
    assert (event.event, event.note) == ("waived", "gộp vào báo cáo năm")


def test_acknowledging_a_waived_obligation_is_refused_with_exit_status_2(
    cli: CliRunner, store: Store, world: World
) -> None:
    ob = world.report_sct
    invoke(cli, store, "waive", str(ob), "--reason", "không áp dụng", "--now", BEFORE_DUE)
    code, out, err = invoke(cli, store, "ack", str(ob), "--now", BEFORE_DUE)
    assert code == 2
    assert f"nghĩa vụ #{ob}: không thể ghi nhận đã nhận: nghĩa vụ đã được miễn" in err
    assert out == ""
    assert [e.event for e in history(store, ob)] == ["waived"]


def test_reopen_returns_a_done_obligation_to_open(
    cli: CliRunner, store: Store, world: World
) -> None:
    ob = world.report_sct
    invoke(cli, store, "done", str(ob), "--now", BEFORE_DUE)
    code, out, _ = invoke(
        cli, store, "reopen", str(ob), "--by", "An", "--note", "thiếu phụ lục", "--now", AFTER_DUE
    )
    assert code == 0
    assert "reopened by An (was done)." in out
    reopened = get(store, ob)
    assert (reopened.status, reopened.done_at, reopened.done_late) == ("open", None, None)


def test_an_unknown_id_is_exit_status_2_with_a_clear_message(
    cli: CliRunner, store: Store, world: World
) -> None:
    for command in (["ack", "999"], ["show", "999"], ["waive", "999", "--reason", "x"]):
        code, _, err = invoke(cli, store, *command)
        assert code == 2
        assert "không có nghĩa vụ #999" in err


def test_a_bad_now_is_exit_status_2(cli: CliRunner, store: Store, world: World) -> None:
    code, _, err = invoke(cli, store, "ack", str(world.report_sct), "--now", "hôm qua")
    assert code == 2
    assert "--now 'hôm qua': cần một thời điểm theo ISO 8601" in err


def test_show_json_has_the_documented_shape(cli: CliRunner, store: Store, world: World) -> None:
    ob = world.report_sct
    invoke(cli, store, "ack", str(ob), "--by", "An", "--now", BEFORE_DUE)
    invoke(cli, store, "done", str(ob), "--by", "An", "--note", "245/BC-SCT", "--now", AFTER_DUE)
    code, out, _ = invoke(cli, store, "show", str(ob), "--json", "--now", AFTER_DUE)
    assert code == 0
    data = json.loads(out)
    assert {"id", "status", "agency", "due", "history", "notifications"} <= data.keys()
    assert (data["id"], data["status"], data["agency"], data["due"]) == (
        ob, "done", "Sở Công Thương", "2026-06-19",
    )  # fmt: skip
    assert data["done_late"] is True
    fields = ("at", "event", "by", "channel", "note")
    assert [{k: h[k] for k in fields} for h in data["history"]] == [
        {"at": "2026-06-10T09:00:00+07:00", "event": "acknowledged", "by": "An",
         "channel": "cli", "note": None},
        {"at": "2026-06-22T16:30:00+07:00", "event": "done", "by": "An",
         "channel": "cli", "note": "245/BC-SCT"},
    ]  # fmt: skip
    first = data["notifications"][0]
    assert {k: first[k] for k in ("stage", "channel", "to", "scheduled", "state")} == {
        "stage": "t-3",
        "channel": "telegram",
        "to": "1001",
        "scheduled": "2026-06-16T09:00:00+07:00",
        "state": "cancelled",
    }


def test_show_json_says_overdue_without_storing_it(
    cli: CliRunner, store: Store, world: World
) -> None:
    code, out, _ = invoke(cli, store, "show", str(world.overdue_sct), "--json", "--now", BEFORE_DUE)
    assert code == 0
    data = json.loads(out)
    assert (data["status"], data["effective_status"], data["overdue"]) == ("open", "overdue", True)


def test_show_prints_the_obligation_its_notifications_and_its_history(
    cli: CliRunner, store: Store, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    ob = world.report_sct
    invoke(cli, store, "ack", str(ob), "--by", "An", "--note", "[đã giao]", "--now", BEFORE_DUE)
    code, out, _ = invoke(cli, store, "show", str(ob), "--now", BEFORE_DUE)
    assert code == 0
    assert f"#{ob} Báo cáo kết quả thực hiện 6 tháng đầu năm" in out
    assert "245/KH-UBND" in out
    assert "đã nhận" in out  # the history's event
    assert "16/06/2026 09:00" in out  # the first stopped reminder, in local time
    assert "[đã giao]" in out  # notes are shown as typed, not read as markup
    assert "Thông báo" in out and "Lịch sử" in out
