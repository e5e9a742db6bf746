"""Two worker processes on PostgreSQL over the same 5,000 notifications.

Two real ``nhacviec tick`` processes start together against one PostgreSQL schema and
one SMTP server. Claims use ``FOR UPDATE SKIP LOCKED`` with leases: no message may go
out twice, and both workers must have done a real share of the work.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.store.db import Store
from engine.store.models import DeliveryAttempt
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

TOTAL = 5000


@pytest.mark.slow
@pytest.mark.postgres
def test_two_postgresql_workers_share_5000_notifications_without_a_duplicate(
    pg_store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    assert fill_outbox(pg_store, 50, 100) == TOTAL
    config = write_config(
        tmp_path, cli_url(pg_store), smtp=(smtp.host, smtp.port), delivery={"batch_size": 100}
    )
    workers = [start_nhacviec(config, "tick", "--now", iso(NOW)) for _ in range(2)]
    outputs = [w.communicate(timeout=240) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]

    sent = [int(re.search(r": (\d+) sent,", out)[1]) for out, _ in outputs]  # type: ignore[index]
    assert sum(sent) == TOTAL
    assert min(sent) > TOTAL // 10, f"one worker did nearly all the work: {sent}"

    arrivals = Counter(m.message_id for m in smtp.wait_for(TOTAL))
    assert len(smtp.received) == TOTAL
    assert set(arrivals) == {message_id(k) for k in notification_keys(pg_store)}
    assert max(arrivals.values()) == 1
    assert outbox_states(pg_store) == {"sent": TOTAL}
    with pg_store.session() as s:
        by_worker = Counter(s.scalars(sa.select(DeliveryAttempt.worker)))
        outcomes = Counter(s.scalars(sa.select(DeliveryAttempt.outcome)))
    assert sorted(by_worker.values()) == sorted(sent)
    assert outcomes == {"sent": TOTAL}
