"""Several workers: PostgreSQL shares the outbox, SQLite allows one, leases outlive crashes."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.delivery import tick
from engine.outbox import OutboxBusy, claim
from engine.store.db import Store
from engine.store.models import Contact, ContactAddress, DeliveryAttempt, Notification
from tests import factories as f
from tests.delivery.helpers import attempts, row
from tests.fakes.smtp import SmtpServer
from tests.helpers import run_tick

NOW = f.at(date(2026, 6, 12))


def many_rows(store: Store, count: int) -> None:
    """``count`` due reminders of one obligation, each to a contact of its own."""
    with store.session() as s:
        agency = f.agency(s)
        about = f.obligation(s, f.plan(s), agency)
        s.execute(
            sa.insert(Contact),
            [{"key": f"c{n}", "agency_id": agency.id, "name": f"Người nhận {n}",
              "role": "coordinator", "language": "vi", "active": True} for n in range(count)],
        )  # fmt: skip
        ids = s.scalars(sa.select(Contact.id).order_by(Contact.id)).all()
        s.execute(
            sa.insert(ContactAddress),
            [{"contact_id": cid, "channel": "email", "address": f"p{n}@example.org"}
             for n, cid in enumerate(ids)],
        )  # fmt: skip
        s.execute(
            sa.insert(Notification),
            [{"key": f"o{about.id}:before-7:c{cid}:email", "kind": "obligation",
              "obligation_id": about.id, "stage": "before-7", "stage_order": 1,
              "escalation": False, "contact_id": cid, "channel": "email",
              "template": "reminder", "stop_on": list(f.STOP_ON_ACK), "scheduled_at": NOW,
              "due_at": NOW, "state": "pending", "attempts": 0, "created_at": f.CREATED,
              "updated_at": f.CREATED} for cid in ids],
        )  # fmt: skip


@pytest.mark.slow
def test_two_workers_on_postgresql_deliver_2000_notifications_without_duplicates(
    pg_store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    many_rows(pg_store, 2000)
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port), delivery={"batch_size": 50})

    async def both() -> list[int]:
        reports = await asyncio.gather(
            tick(pg_store, settings, now=NOW, worker_id="worker-a"),
            tick(pg_store, settings, now=NOW, worker_id="worker-b"),
        )
        return [len(r.sent) for r in reports]

    sent = asyncio.run(both())
    assert sum(sent) == 2000
    assert min(sent) > 0, f"one worker did all the work: {sent}"
    received = smtp.wait_for(2000)
    assert len(received) == 2000
    assert len({m.message_id for m in received}) == 2000
    assert Counter(m.rcpt_tos[0] for m in received).most_common(1)[0][1] == 1
    with pg_store.session() as s:
        states = Counter(s.scalars(sa.select(Notification.state)).all())
        workers = Counter(s.scalars(sa.select(DeliveryAttempt.worker)).all())
    assert states == {"sent": 2000}
    assert set(workers) == {"worker-a", "worker-b"}
    assert sum(workers.values()) == 2000


def test_claims_skip_rows_another_worker_is_claiming(pg_store: Store) -> None:
    many_rows(pg_store, 10)
    with pg_store.session() as first:
        mine = claim(first, now=NOW, worker_id="a", lease_seconds=300, limit=4)
        with pg_store.session() as second:  # while the first transaction holds its rows
            theirs = claim(second, now=NOW, worker_id="b", lease_seconds=300, limit=100)
    assert len(mine) == 4
    assert len(theirs) == 6
    assert not {r.id for r in mine} & {r.id for r in theirs}


def test_a_second_sqlite_worker_is_refused_while_the_first_is_sending(
    sqlite_store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    many_rows(sqlite_store, 2)
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port))
    smtp.handler.hold = threading.Event()

    async def overlap() -> str:
        first = asyncio.create_task(tick(sqlite_store, settings, now=NOW, worker_id="first"))
        await asyncio.to_thread(smtp.handler.holding.wait, 10)
        try:
            await tick(sqlite_store, settings, now=NOW, worker_id="second")
        except OutboxBusy as busy:
            refusal = str(busy)
        else:
            refusal = ""
        assert smtp.handler.hold is not None
        smtp.handler.hold.set()
        await first
        return refusal

    refusal = asyncio.run(overlap())
    assert refusal.startswith("another worker holds the SQLite outbox (since ")
    assert "worker first" in refusal
    assert len(smtp.wait_for(2)) == 2
    assert run_tick(sqlite_store, settings, NOW, worker="second").outcomes == []


def test_a_row_whose_worker_died_mid_send_is_taken_again_after_its_lease(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    many_rows(store, 1)
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port))
    with store.session() as s:  # a worker claims the row, then dies before recording
        (claimed,) = claim(s, now=NOW, worker_id="dead", lease_seconds=300, limit=10)
    assert row(store, "before-7").state == "sending"
    assert run_tick(store, settings, NOW + timedelta(seconds=299)).outcomes == []
    report = run_tick(store, settings, NOW + timedelta(seconds=300))
    assert [o.row.id for o in report.sent] == [claimed.id]
    assert len(smtp.wait_for(1)) == 1
    assert [(a[1], a[2] is not None) for a in attempts(store)] == [("lost", True), ("sent", False)]
    with store.session() as s:
        assert s.scalars(sa.select(DeliveryAttempt.worker).order_by(DeliveryAttempt.id)).all() == [
            "dead", "worker-1",
        ]  # fmt: skip


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(
    store: Store, tmp_path: Path
) -> None:
    from engine.outbox import Outcome, record

    many_rows(store, 1)
    with store.session() as s:
        (stale,) = claim(s, now=NOW, worker_id="slow", lease_seconds=10, limit=1)
    later = NOW + timedelta(seconds=11)
    with store.session() as s:
        claim(s, now=later, worker_id="fast", lease_seconds=300, limit=1)
    with store.session() as s:
        record(s, [Outcome(stale, "failed", detail="late news", attempted=True, counts=True)],
               worker_id="slow", now=later)  # fmt: skip
    taken = row(store, "before-7")
    assert (taken.state, taken.lease_owner) == ("sending", "fast")
