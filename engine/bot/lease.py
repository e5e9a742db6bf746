"""One bot per database: a named lease in ``worker_locks`` (SQLite and PostgreSQL).

Telegram lets one client long-poll a bot at a time (a second gets 409 Conflict), so
when several ``nhacviec run`` workers share a PostgreSQL store, the one that holds the
``telegram-bot`` lease runs the bot and renews it; the others wait and take over when
it lapses (its worker stopped or died). Lease times are the machine's clock: they are
about processes, not about the ``now`` of obligations.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, case, delete, literal, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store.db import Store
from engine.store.models import WorkerLock
from engine.store.types import UTCDateTime

LEASE_NAME = "telegram-bot"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Lease:
    """``take`` (or renew) and ``release`` the lease named ``name`` for ``owner``."""

    store: Store
    owner: str = field(default_factory=worker_id)
    seconds: float = 60.0
    name: str = LEASE_NAME

    def take(self) -> bool:
        """Take the lease, or renew it if ours; False while another owner holds it."""
        now = wall_clock()
        expires = now + timedelta(seconds=self.seconds)
        table = WorkerLock.__table__
        assert isinstance(table, Table)  # typed: a mapped class's __table__ is a FromClause
        lock = table.c
        with self.store.session() as session:
            renewed = session.execute(
                update(table)
                .where(
                    lock.name == self.name, or_(lock.owner == self.owner, lock.expires_at <= now)
                )
                .values(
                    owner=self.owner,
                    expires_at=expires,
                    acquired_at=case(
                        (lock.owner == self.owner, lock.acquired_at),
                        else_=literal(now, UTCDateTime()),
                    ),
                )
                .returning(lock.name)
            ).scalar_one_or_none()
            if renewed is not None:
                return True
            dialect = postgresql if self.store.dialect == "postgresql" else sqlite
            created = session.execute(
                dialect.insert(table)
                .values(name=self.name, owner=self.owner, acquired_at=now, expires_at=expires)
                .on_conflict_do_nothing()
                .returning(lock.name)
            ).scalar_one_or_none()
            return created is not None

    def release(self) -> None:
        with self.store.session() as session:
            session.execute(
                delete(WorkerLock).where(
                    WorkerLock.name == self.name, WorkerLock.owner == self.owner
                )
            )
