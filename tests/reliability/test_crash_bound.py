"""Duplicates after kill -9 are bounded by what was on the wire, not by the batch (issue 14).

A real ``nhacviec tick`` process with the default ``[delivery] batch_size`` (200) and one
SMTP connection (the default ``[email] connections``) sends 1,500 reminders to a real
aiosmtpd server and is killed with SIGKILL three times in the middle of its passes; a
fresh tick after each lease expiry takes over. Outcomes are recorded as each send returns
and a message's final "." waits for the outcomes before it, so each kill may leave at
most one message accepted by the server and not recorded: at most three duplicates in
all, on SQLite and on PostgreSQL. Before, a kill left the whole batch in ``sending``
(issue 14 counted 92 duplicates over three kills on SQLite, 134 on PostgreSQL).
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest

from engine.config import DeliverySettings, EmailSettings
from engine.store.db import Store
from notifiers.email import message_id
from tests.fakes.smtp import SmtpServer
from tests.helpers import cli_url
from tests.reliability.helpers import (
    NOW,
    fill_outbox,
    iso,
    notification_keys,
    outbox_states,
    start_nhacviec,
    write_config,
)
from tests.reliability.test_crash import wait_for_arrivals

LEASE = 60  # [delivery] lease_seconds
KILLS = 3
BATCH = DeliverySettings().batch_size
CONNECTIONS = EmailSettings.model_fields["connections"].default


@pytest.mark.slow
def test_three_kills_with_the_default_batch_repeat_at_most_one_message_each(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    assert (BATCH, CONNECTIONS) == (200, 1)  # the defaults this test is about
    total = fill_outbox(store, 30, 50)
    assert total == 1500
    config = write_config(
        tmp_path, cli_url(store), smtp=(smtp.host, smtp.port),
        delivery={"lease_seconds": LEASE},
    )  # fmt: skip
    for kill in range(KILLS):
        arrived = len(smtp.received)
        doomed = start_nhacviec(config, "tick", "--now", iso(NOW, kill * (LEASE + 1)))
        try:  # killed in the middle of a batch, wherever it is: sending, recording, claiming
            wait_for_arrivals(smtp, arrived + 330, doomed, timeout=180)
        finally:
            doomed.send_signal(signal.SIGKILL)
            doomed.communicate(timeout=30)
        assert doomed.returncode == -signal.SIGKILL
        assert outbox_states(store)["sending"] > 0  # the kill left rows of a batch held

    fresh = start_nhacviec(config, "tick", "--now", iso(NOW, KILLS * (LEASE + 1)))
    _, err = fresh.communicate(timeout=300)
    assert fresh.returncode == 0, err
    assert outbox_states(store) == {"sent": total}

    arrivals = Counter(m.message_id for m in smtp.received)
    assert set(arrivals) == {message_id(key) for key in notification_keys(store)}
    duplicates = sum(n - 1 for n in arrivals.values())
    print(f"{store.dialect}: {duplicates} duplicates of {total} after {KILLS} kills")  # -s
    assert duplicates <= KILLS * CONNECTIONS, f"{duplicates} duplicates after {KILLS} kills"
