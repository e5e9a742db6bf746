"""Sync stores what generation says: adds, updates, cancels; twice changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa

from engine.plans.model import PlanFile
from engine.status import apply_action
from engine.store.db import Store
from engine.store.models import AuditEvent, Contact, Notification, Obligation
from engine.workflow.schema import Workflow
from engine.workflow.sync import SyncReport, sync_session
from tests.workflow.helpers import HANOI, calendar, directory, plan, task, workflow
from tests.workflow.store_helpers import put_directory, put_plan

NOW = datetime(2022, 1, 10, 3, 0, tzinfo=UTC)
FLOW = """
version: 1
name: w
catch_up_days: 2
reminders:
  r:
    - {name: open, at: when it opens, to: [agency.coordinator], channels: [email],
       stop_on: [acknowledged, done, waived]}
    - {name: d14, at: 14 days before due, to: [agency.coordinator], channels: [email, telegram]}
    - {name: late, at: 1 day after due, to: [agency.head], channels: [email]}
rules:
  - {name: lead, each: task lead, reminders: r}
  - {name: co, each: task coordinator, reminders: r}
"""


def sync(store: Store, *, now: datetime = NOW, flows: Sequence[Workflow] = ()) -> SyncReport:
    with store.session() as s:
        return sync_session(s, list(flows) or [workflow(FLOW)], calendar(), now=now)


def setup(store: Store, p: PlanFile | None = None) -> None:
    with store.session() as s:
        put_directory(s, directory())
        put_plan(s, p or plan(), NOW)


def notifications(store: Store) -> list[tuple[str, str, str, str, datetime]]:
    with store.session() as s:
        rows = s.execute(
            sa.select(Notification.key, Notification.stage, Notification.channel,
                      Notification.state, Notification.scheduled_at).order_by(Notification.key)
        ).all()  # fmt: skip
    return [tuple(r) for r in rows]  # type: ignore[misc]


def lead_states(store: Store) -> dict[tuple[str, str], str]:
    """(stage, channel) → state of the lead agency's reminders."""
    with store.session() as s:
        rows = s.execute(
            sa.select(Notification.stage, Notification.channel, Notification.state)
            .join(Obligation, Obligation.id == Notification.obligation_id)
            .where(Obligation.rule == "lead")
        )
        return {(stage, channel): state for stage, channel, state in rows}


def test_first_sync_adds_obligations_and_their_schedule(store: Store) -> None:
    setup(store)
    report = sync(store)
    assert sorted(c.agency for c in report.added) == [
        "Sở Công Thương", "Sở Tài chính", "Sở Tài nguyên và Môi trường",
    ]  # fmt: skip
    with store.session() as s:
        lead = s.scalars(sa.select(Obligation).where(Obligation.rule == "lead")).one()
        assert (lead.opens_on, lead.due_on, lead.original_due_on, lead.status) == (
            date(2022, 3, 1), date(2022, 12, 31), date(2022, 12, 31), "open",
        )  # fmt: skip
        assert lead.task is not None and lead.task.key == "1"
        assert lead.agency.key == "hn.sct"
        rows = s.scalars(sa.select(Notification).where(Notification.obligation_id == lead.id))
        by_stage = {(n.stage, n.channel): n for n in rows}
        assert set(by_stage) == {("open", "email"), ("d14", "email"), ("d14", "telegram"),
                                 ("late", "email")}  # fmt: skip
        opening = by_stage[("open", "email")]
        assert opening.key == f"o{lead.id}:open:c{opening.contact_id}:email"
        assert opening.scheduled_at == opening.due_at == datetime(2022, 3, 1, 1, tzinfo=UTC)
        assert (opening.state, opening.kind, opening.template) == ("pending", "obligation",
                                                                   "reminder")  # fmt: skip
        assert opening.stop_on == ["acknowledged", "done", "waived"]
        assert opening.payload == {"when": "opens", "ack": True}
        assert by_stage[("late", "email")].escalation
        events = s.scalars(sa.select(AuditEvent.event).where(AuditEvent.obligation_id == lead.id))
        assert list(events) == ["created"]
    assert report.warnings == [
        "Sở Tài chính có 1 nghĩa vụ nhưng không có người liên hệ nào có địa chỉ trên kênh nào "
        "(email, telegram, webhook, zalo): sẽ không ai được nhắc"
    ]


def test_running_sync_twice_changes_nothing(store: Store) -> None:
    setup(store)
    sync(store)
    before = notifications(store)
    second = sync(store)
    assert not second.changed_anything
    assert second.unchanged == 3
    assert notifications(store) == before


def test_editing_a_window_moves_the_obligation_and_its_reminders(store: Store) -> None:
    setup(store)
    sync(store)
    with store.session() as s:
        ids_before = set(s.scalars(sa.select(Obligation.id)))
        notes_before = s.scalar(sa.select(sa.func.count()).select_from(Notification))
    moved = plan(tasks=[task(occurrences=[{"start": "2022-04-01", "end": "2022-11-30",
                                           "label": "Tháng 4-11/2022"}])])  # fmt: skip
    with store.session() as s:
        put_plan(s, moved, NOW)
    report = sync(store)
    assert not report.added and not report.cancelled
    [lead] = [c for c in report.changed if c.agency == "Sở Công Thương"]
    assert lead.changes["due_on"] == ("2022-12-31", "2022-11-30")
    assert lead.changes["opens_on"] == ("2022-03-01", "2022-04-01")
    with store.session() as s:
        assert set(s.scalars(sa.select(Obligation.id))) == ids_before
        assert s.scalar(sa.select(sa.func.count()).select_from(Notification)) == notes_before
        ob = s.scalars(sa.select(Obligation).where(Obligation.rule == "lead")).one()
        assert (ob.opens_on, ob.due_on, ob.period_label) == (
            date(2022, 4, 1), date(2022, 11, 30), "Tháng 4-11/2022",
        )  # fmt: skip
        opening = s.scalars(sa.select(Notification).where(
            Notification.obligation_id == ob.id, Notification.stage == "open")).one()  # fmt: skip
        assert opening.scheduled_at == opening.due_at == datetime(2022, 4, 1, 1, tzinfo=UTC)
        event = s.scalars(sa.select(AuditEvent).where(
            AuditEvent.obligation_id == ob.id, AuditEvent.event == "updated")).one()  # fmt: skip
        assert event.channel == "system"
        assert event.data == {"changes": {
            "period": {"from": "Tháng 3-12/2022", "to": "Tháng 4-11/2022"},
            "opens_on": {"from": "2022-03-01", "to": "2022-04-01"},
            "due_on": {"from": "2022-12-31", "to": "2022-11-30"},
            "original_due_on": {"from": "2022-12-31", "to": "2022-11-30"},
        }}  # fmt: skip
    assert not sync(store).changed_anything


def test_what_no_longer_follows_is_cancelled_and_kept(store: Store) -> None:
    setup(store)
    sync(store)
    with store.session() as s:
        put_plan(s, plan(tasks=[task(coordinators=[])]), NOW)
    report = sync(store)
    assert sorted(c.agency for c in report.cancelled) == [
        "Sở Tài chính", "Sở Tài nguyên và Môi trường",
    ]  # fmt: skip
    with store.session() as s:
        cancelled = s.scalars(sa.select(Obligation).where(Obligation.rule == "co")).all()
        assert len(cancelled) == 2 and all(o.cancelled_at == NOW for o in cancelled)
        states = s.scalars(sa.select(Notification.state).where(
            Notification.obligation_id.in_([o.id for o in cancelled])))  # fmt: skip
        assert set(states) == {"cancelled"}
    assert not sync(store).changed_anything
    # the coordinators come back: the same rows are reinstated, not duplicated
    with store.session() as s:
        put_plan(s, plan(), NOW)
    back = sync(store)
    assert len(back.reinstated) == 2 and not back.added
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Obligation)) == 3
        states = s.scalars(sa.select(Notification.state).where(
            Notification.obligation_id.in_([o.id for o in cancelled])))  # fmt: skip
        assert set(states) == {"pending"}


def test_status_and_history_survive_a_resync(store: Store) -> None:
    setup(store)
    sync(store)
    ack_at = datetime(2022, 3, 2, 2, tzinfo=UTC)
    with store.session() as s:
        ob = s.scalars(sa.select(Obligation).where(Obligation.rule == "lead")).one()
        apply_action(s, ob, "ack", now=ack_at, zone=HANOI, actor="kh@sct", channel="cli")
    moved = plan(tasks=[task(occurrences=[{"start": "2022-03-01", "end": "2022-11-30"}])])
    with store.session() as s:
        put_plan(s, moved, NOW)
    sync(store, now=ack_at)
    with store.session() as s:
        ob = s.scalars(sa.select(Obligation).where(Obligation.rule == "lead")).one()
        assert (ob.status, ob.acknowledged_at, ob.due_on) == (
            "acknowledged", ack_at, date(2022, 11, 30),
        )  # fmt: skip
        events = s.scalars(sa.select(AuditEvent.event).where(AuditEvent.obligation_id == ob.id)
                           .order_by(AuditEvent.id))  # fmt: skip
        assert list(events) == ["created", "acknowledged", "updated"]
        opening = s.scalars(sa.select(Notification).where(
            Notification.obligation_id == ob.id, Notification.stage == "open")).one()  # fmt: skip
        assert opening.state == "cancelled"
        assert opening.last_error == "stopped: obligation acknowledged"


def test_sent_rows_are_never_touched(store: Store) -> None:
    setup(store)
    sync(store)
    with store.session() as s:
        s.execute(sa.update(Notification).where(Notification.stage == "open")
                  .values(state="sent"))  # fmt: skip
    with store.session() as s:
        put_plan(s, plan(tasks=[task(occurrences=[{"start": "2022-05-02", "end": "2022-12-31"}])]),
                 NOW)  # fmt: skip
    sync(store)
    with store.session() as s:
        sent = s.scalars(sa.select(Notification).where(Notification.stage == "open")).all()
        assert {(n.state, n.scheduled_at) for n in sent} == {
            ("sent", datetime(2022, 3, 1, 1, tzinfo=UTC))
        }


def test_reminders_already_past_when_created_are_skipped(store: Store) -> None:
    setup(store)
    sync(store, now=datetime(2022, 12, 17, 3, tzinfo=UTC))
    states = lead_states(store)
    assert states[("open", "email")] == "skipped"  # 1 March: long gone
    assert states[("d14", "email")] == "pending"  # 16 December: within 2 days of catch-up
    assert states[("late", "email")] == "pending"


def test_a_contact_removed_cancels_its_pending_reminders(store: Store) -> None:
    setup(store)
    sync(store)
    with store.session() as s:
        s.scalars(sa.select(Contact).where(Contact.key == "hn.sct.coordinator")).one().set_address(
            "telegram", None
        )
    report = sync(store)
    assert report.notifications_cancelled == 1
    states = lead_states(store)
    assert states[("d14", "telegram")] == "cancelled"
    assert states[("d14", "email")] == "pending"


def test_an_extended_due_date_stays_and_the_reminders_follow_it(store: Store) -> None:
    setup(store)
    sync(store)
    with store.session() as s:
        s.execute(sa.update(Obligation).where(Obligation.rule == "lead")
                  .values(due_on=date(2023, 1, 31)))  # fmt: skip
    report = sync(store)
    assert report.notifications_added >= 1 and not report.changed
    with store.session() as s:
        ob = s.scalars(sa.select(Obligation).where(Obligation.rule == "lead")).one()
        assert (ob.due_on, ob.original_due_on) == (date(2023, 1, 31), date(2022, 12, 31))
        late = s.scalars(sa.select(Notification).where(
            Notification.obligation_id == ob.id, Notification.stage == "late@2023-01-31")
        ).one()  # fmt: skip
        assert (late.scheduled_at, late.state) == (datetime(2023, 2, 1, 1, tzinfo=UTC), "pending")
        old = s.scalars(sa.select(Notification).where(
            Notification.obligation_id == ob.id, Notification.stage == "late")).one()  # fmt: skip
        assert old.state == "cancelled"  # the reminders of the planned date no longer follow


def test_a_reopened_obligation_gets_its_cancelled_reminders_back(store: Store) -> None:
    setup(store)
    sync(store)
    with store.session() as s:
        ob = s.scalars(sa.select(Obligation).where(Obligation.rule == "lead")).one()
        apply_action(s, ob, "ack", now=NOW, zone=HANOI, actor="sct", channel="cli")
    assert lead_states(store)[("open", "email")] == "cancelled"
    assert not sync(store).changed_anything
    later = datetime(2022, 1, 20, 3, tzinfo=UTC)
    with store.session() as s:
        ob = s.scalars(sa.select(Obligation).where(Obligation.rule == "lead")).one()
        apply_action(s, ob, "reopen", now=later, zone=HANOI, actor="sct", channel="cli")
    report = sync(store, now=later)
    assert report.notifications_restored == 1
    assert lead_states(store)[("open", "email")] == "pending"
    assert not sync(store, now=later).changed_anything


def test_a_new_stage_for_a_done_obligation_is_created_cancelled(store: Store) -> None:
    setup(store)
    sync(store)
    with store.session() as s:
        ob = s.scalars(sa.select(Obligation).where(Obligation.rule == "lead")).one()
        apply_action(s, ob, "done", now=NOW, zone=HANOI, actor="sct", channel="cli")
    stage = "    - {name: d3, at: 3 working days before due, to: [agency.coordinator]}\n"
    extra = FLOW.replace("rules:", stage + "rules:")
    report = sync(store, flows=[workflow(extra)])
    assert report.notifications_added >= 2
    states = lead_states(store)
    assert states[("d3", "email")] == states[("d3", "telegram")] == "cancelled"
    assert states[("d14", "email")] == "cancelled"  # cancelled by the status machine
