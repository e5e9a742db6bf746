"""One pass of the engine: what is due is sent once, to the right person, or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.config import Settings
from engine.status import apply_action
from engine.store.db import Store
from engine.store.models import Contact, ContactAddress, Notification, Obligation
from tests import factories as f
from tests.delivery.helpers import attempts, row, states, update_obligation
from tests.fakes.smtp import SmtpServer
from tests.helpers import run_tick

DUE = date(2026, 6, 19)


@dataclass
class World:
    store: Store
    settings: Settings
    obligation_id: int
    contact_id: int


@pytest.fixture
def world(store: Store, smtp: SmtpServer, tmp_path: Path) -> World:
    with store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency)
        about = f.obligation(s, f.plan(s), agency, due_on=DUE)
        f.reminder_schedule(s, about, person)
        ids = about.id, person.id
    return World(store, f.settings(tmp_path, smtp=(smtp.host, smtp.port)), *ids)


def test_a_due_reminder_arrives_with_its_subject_and_recipient(
    world: World, smtp: SmtpServer
) -> None:
    report = run_tick(world.store, world.settings, f.at(date(2026, 6, 12)))
    assert [o.row.stage for o in report.sent] == ["before-7"]
    (mail,) = smtp.wait_for(1)
    assert mail.rcpt_tos == ["sct@example.org"]
    assert mail.subject == (
        "[Nhắc việc] Sở Công Thương – hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026"
    )
    sent = row(world.store, "before-7")
    assert (sent.state, sent.attempts, sent.lease_owner) == ("sent", 1, None)
    assert sent.sent_at == f.at(date(2026, 6, 12))
    assert sent.receipt is not None and sent.receipt["message_id"] == mail.message_id
    assert attempts(world.store) == [("before-7", "sent", None)]


def test_nothing_is_sent_before_it_is_due(world: World, smtp: SmtpServer) -> None:
    report = run_tick(world.store, world.settings, f.at(date(2026, 6, 12)) - timedelta(minutes=1))
    assert report.outcomes == []
    assert smtp.received == []


def test_a_second_tick_at_the_same_instant_sends_nothing(world: World, smtp: SmtpServer) -> None:
    now = f.at(date(2026, 6, 12))
    run_tick(world.store, world.settings, now)
    again = run_tick(world.store, world.settings, now, worker="worker-2")
    assert again.outcomes == []
    assert len(smtp.wait_for(1)) == 1


def test_each_stage_goes_out_at_its_own_time(world: World, smtp: SmtpServer) -> None:
    for day in (date(2026, 6, 12), date(2026, 6, 18), DUE, date(2026, 6, 22)):
        report = run_tick(world.store, world.settings, f.at(day))
        assert len(report.sent) == 1
    subjects = [m.subject for m in smtp.wait_for(4)]
    assert subjects[-1].startswith("[Nhắc việc – Quá hạn] Sở Công Thương – hạn")
    assert set(states(world.store).values()) == {"sent"}


def test_stages_overtaken_while_the_engine_was_down_are_skipped(
    world: World, smtp: SmtpServer
) -> None:
    report = run_tick(world.store, world.settings, f.at(DUE) + timedelta(hours=2))
    assert [o.row.stage for o in report.sent] == ["on-due"]
    assert {o.row.stage: o.detail for o in report.skipped} == {
        "before-7": "overtaken by stage on-due",
        "before-1": "overtaken by stage on-due",
    }
    (mail,) = smtp.wait_for(1)
    assert mail.subject.startswith("[Nhắc việc] Sở Công Thương – hạn 19/06/2026")
    assert states(world.store)["late-3"] == "pending"


def test_a_stage_is_overtaken_by_a_later_one_claimed_in_another_batch(
    world: World, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = world.settings.model_copy(
        update={"delivery": world.settings.delivery.model_copy(update={"batch_size": 1})}
    )
    report = run_tick(world.store, settings, f.at(DUE) + timedelta(hours=2))
    assert [o.row.stage for o in report.sent] == ["on-due"]
    assert [o.row.stage for o in report.skipped] == ["before-7", "before-1"]
    assert len(smtp.wait_for(1)) == 1


def test_an_acknowledged_obligation_gets_no_more_acknowledgement_nagging(
    world: World, smtp: SmtpServer
) -> None:
    with world.store.session() as s:
        about = s.get(Obligation, world.obligation_id)
        assert about is not None
        apply_action(s, about, "ack", now=f.at(date(2026, 6, 10)), zone=f.HANOI,
                     actor="Phòng Kế hoạch - SCT", channel="web")  # fmt: skip
    assert states(world.store)["before-7"] == "cancelled"
    for day in (date(2026, 6, 12), date(2026, 6, 22)):
        run_tick(world.store, world.settings, f.at(day))
    (escalation,) = smtp.wait_for(1)
    assert escalation.subject.startswith("[Nhắc việc – Quá hạn]")
    assert states(world.store) == {
        "before-7": "cancelled", "before-1": "cancelled", "on-due": "cancelled",
        "late-3": "sent",
    }  # fmt: skip


def test_a_row_whose_stop_condition_now_holds_is_cancelled_not_sent(
    world: World, smtp: SmtpServer
) -> None:
    update_obligation(world.store, world.obligation_id, status="done")
    report = run_tick(world.store, world.settings, f.at(date(2026, 6, 12)))
    assert [(o.row.stage, o.detail) for o in report.cancelled] == [
        ("before-7", "stopped: obligation done")
    ]
    assert smtp.received == []
    assert attempts(world.store) == []


def test_rows_of_an_obligation_cancelled_by_sync_are_cancelled(
    world: World, smtp: SmtpServer
) -> None:
    update_obligation(
        world.store, world.obligation_id, cancelled_at=datetime(2026, 6, 1, tzinfo=UTC)
    )
    report = run_tick(world.store, world.settings, f.at(date(2026, 6, 12)))
    assert [o.detail for o in report.cancelled] == [
        "the obligation no longer follows from its plan"
    ]
    assert smtp.received == []


def test_an_inactive_contact_gets_nothing(world: World, smtp: SmtpServer) -> None:
    with world.store.session() as s:
        s.execute(sa.update(Contact).values(active=False))
    report = run_tick(world.store, world.settings, f.at(date(2026, 6, 12)))
    assert [o.detail for o in report.cancelled] == ["the contact is inactive"]
    assert smtp.received == []


def test_a_contact_without_an_address_fails_the_row_and_says_why(
    world: World, smtp: SmtpServer
) -> None:
    with world.store.session() as s:
        s.execute(sa.delete(ContactAddress).where(ContactAddress.channel == "email"))
    report = run_tick(world.store, world.settings, f.at(date(2026, 6, 12)))
    assert [o.detail for o in report.failed] == [
        "contact 'Phòng Kế hoạch - SCT' has no email address"
    ]
    assert row(world.store, "before-7").state == "failed"


def test_telegram_rows_wait_while_telegram_is_not_configured(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NHACVIEC_TELEGRAM_TOKEN", raising=False)
    settings = f.settings(tmp_path)
    with store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency, chat=1001)
        f.notification(s, f.obligation(s, f.plan(s), agency), person, when=f.at(date(2026, 6, 12)),
                       channel="telegram")  # fmt: skip
    now = f.at(date(2026, 6, 12))
    report = run_tick(store, settings, now)
    assert [o.result for o in report.outcomes] == ["retried"]
    waiting = row(store, "before-7")
    assert waiting.state == "pending"
    assert waiting.attempts == 0
    assert waiting.last_error == ("Telegram is not configured: $NHACVIEC_TELEGRAM_TOKEN is not set")
    assert waiting.due_at == now + timedelta(seconds=settings.delivery.backoff_max_seconds)
    assert attempts(store) == []


def test_rows_are_claimed_in_batches_until_nothing_is_due(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port), delivery={"batch_size": 3})
    with store.session() as s:
        agency = f.agency(s)
        plan = f.plan(s)
        people = [f.contact(s, agency, email=f"p{n}@example.org") for n in range(7)]
        about = f.obligation(s, plan, agency)
        for person in people:
            f.notification(s, about, person, when=f.at(date(2026, 6, 12)))
    report = run_tick(store, settings, f.at(date(2026, 6, 12)))
    assert len(report.sent) == 7
    assert sorted(r for m in smtp.wait_for(7) for r in m.rcpt_tos) == sorted(
        f"p{n}@example.org" for n in range(7)
    )
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).where(Notification.state == "sent")) == 7


def test_with_two_smtp_connections_every_due_row_goes_out_once(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port))
    assert settings.email is not None
    settings = settings.model_copy(
        update={"email": settings.email.model_copy(update={"connections": 2})}
    )
    with store.session() as s:
        agency = f.agency(s)
        plan = f.plan(s)
        people = [f.contact(s, agency, email=f"p{n}@example.org") for n in range(9)]
        about = f.obligation(s, plan, agency)
        for person in people:
            f.notification(s, about, person, when=f.at(date(2026, 6, 12)))
    report = run_tick(store, settings, f.at(date(2026, 6, 12)))
    assert len(report.sent) == 9
    received = smtp.wait_for(9)
    assert sorted(r for m in received for r in m.rcpt_tos) == sorted(
        f"p{n}@example.org" for n in range(9)
    )
    assert len({m.peer for m in received}) == 2
