"""A worker killed with SIGKILL in the middle of 2,000 deliveries, then a fresh one.

The worker is a real ``nhacviec tick`` process on a SQLite file, sending to a real SMTP
server (aiosmtpd, in this process). It is killed once a few hundred messages have
arrived, wherever it happens to be: sending, recording a batch, claiming the next one.
A fresh ``nhacviec tick`` at an instant after the lease expiry must then deliver the
rest. What a user must see: every message arrived (by Message-ID), duplicates no more
than what the dead worker held in flight, nothing left ``sending``, and every try
recorded, the cut-short ones as ``lost``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.outbox import OutboxBusy, acquire_outbox, wall_clock
from engine.store.db import Store
from engine.store.models import DeliveryAttempt, Notification, WorkerLock
from notifiers.email import message_id
from tests.fakes.smtp import SmtpServer
from tests.helpers import cli_url
from tests.reliability.helpers import (
    NOW,
    attempt_outcomes,
    fill_outbox,
    iso,
    notification_keys,
    outbox_states,
    start_nhacviec,
    write_config,
)

BATCH = 50  # [delivery] batch_size: small, so that the bound on duplicates means something
LEASE = 60  # [delivery] lease_seconds
KILL_AFTER = 425  # messages arrived before the kill: in the middle of a batch


def wait_for_arrivals(
    smtp: SmtpServer, count: int, worker: subprocess.Popen[str], timeout: float = 90
) -> None:
    """Poll until ``count`` messages arrived; fail early if the worker ended by itself."""
    deadline = time.monotonic() + timeout
    handler = smtp.handler
    with handler.changed:
        while len(handler.received) < count:
            assert worker.poll() is None, "the worker ended before it could be killed"
            assert time.monotonic() < deadline, f"only {len(handler.received)} arrived"
            handler.changed.wait(0.05)


def held_rows(store: Store) -> dict[int, str | None]:
    """The rows left ``sending`` and who held them."""
    with store.session() as s:
        query = sa.select(Notification.id, Notification.lease_owner).where(
            Notification.state == "sending"
        )
        return {i: owner for i, owner in s.execute(query)}


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_at_most_what_it_held(
    sqlite_store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    total = fill_outbox(sqlite_store, 40, 50)
    assert total == 2000
    config = write_config(
        tmp_path,
        cli_url(sqlite_store),
        smtp=(smtp.host, smtp.port),
        delivery={"batch_size": BATCH, "lease_seconds": LEASE},
    )
    doomed = start_nhacviec(config, "tick", "--now", iso(NOW))
    try:
        wait_for_arrivals(smtp, KILL_AFTER, doomed)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.communicate(timeout=30)
    assert doomed.returncode == -signal.SIGKILL

    held = held_rows(sqlite_store)
    (dead_worker,) = set(held.values())
    assert 0 < len(held) <= 3 * BATCH  # claimed ahead, being sent, being recorded
    with sqlite_store.session() as s:  # the dead worker still "holds" the SQLite outbox
        assert s.scalar(sa.select(WorkerLock.owner)) == dead_worker
    recorded = outbox_states(sqlite_store)["sent"]

    fresh = start_nhacviec(config, "tick", "--now", iso(NOW, LEASE + 1))
    out, err = fresh.communicate(timeout=120)
    assert fresh.returncode == 0, err
    assert out.splitlines()[0].endswith(
        f": {total - recorded} sent, 0 retried, 0 failed, 0 skipped, 0 cancelled, 0 snoozed, "
        "0 held."
    )

    arrivals = Counter(m.message_id for m in smtp.received)
    keys = notification_keys(sqlite_store)
    assert set(arrivals) == {message_id(key) for key in keys}, "a message never arrived"
    duplicates = sum(n - 1 for n in arrivals.values())
    assert duplicates <= len(held)
    assert duplicates < 2 * BATCH  # at most the batch being recorded and the one being sent
    assert outbox_states(sqlite_store) == {"sent": total}

    outcomes = attempt_outcomes(sqlite_store)
    assert set(outcomes) == set(keys.values())
    assert Counter(tuple(o) for o in outcomes.values()) == {
        ("sent",): total - len(held),
        ("lost", "sent"): len(held),
    }
    with sqlite_store.session() as s:
        lost_by = set(
            s.scalars(sa.select(DeliveryAttempt.worker).where(DeliveryAttempt.outcome == "lost"))
        )
        assert lost_by == {dead_worker}
        assert s.scalar(sa.select(sa.func.count()).select_from(WorkerLock)) == 0


def test_the_sqlite_outbox_of_a_live_worker_or_of_another_machine_is_not_taken(
    sqlite_store: Store,
) -> None:
    alive = f"{socket.gethostname()}:{os.getppid()}:parent"  # the process that runs pytest
    elsewhere = "another-host:1:abcdef"
    for holder in (alive, elsewhere):
        with sqlite_store.session() as s:
            s.execute(sa.delete(WorkerLock))
            acquire_outbox(s, holder, seconds=300, at=wall_clock())
        with pytest.raises(OutboxBusy, match=f"worker {holder}"), sqlite_store.session() as s:
            acquire_outbox(s, "newcomer", seconds=300, at=wall_clock())
