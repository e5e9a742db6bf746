"""Scratch stores and synthetic outboxes for the benchmarks.

``scratch_store(ctx, backend, name)`` gives a migrated, empty store (a SQLite file in the
run's work folder, or a PostgreSQL schema of its own, dropped afterwards).
``fill_outbox(store, pending=N, due=M, now=T)`` fills it fast with M notifications due at
``now`` among N pending ones scheduled over the next year: the rows go straight through
the driver (sqlite3 ``executemany`` of tuples; PostgreSQL ``COPY … FROM STDIN``), since
building a million rows through the ORM would take longer than every measurement here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from bench.harness import BenchContext
from notifiers.base import Message, Notifier, Receipt
from notifiers.email import EmailNotifier

if TYPE_CHECKING:
    from engine.store.db import Store

NOW = datetime(2026, 6, 12, 1, 0, tzinfo=UTC)
EMAIL = EmailNotifier.channel  # the channel of the benchmarks' rows (``notifiers.registry``)
CONTACTS = 1000
STAGES_PER_OBLIGATION = 5
CONTACTS_PER_OBLIGATION = 2
ROWS_PER_OBLIGATION = STAGES_PER_OBLIGATION * CONTACTS_PER_OBLIGATION
STOP_ON = ["done", "waived"]


def postgres_reachable(url: str | None) -> bool:
    if url is None:
        return False
    try:
        from engine.store.db import open_store

        probe = open_store(url, connect_args={"connect_timeout": 3})
        probe.revision()
        probe.dispose()
    except Exception:
        return False
    return True


def backends(ctx: BenchContext) -> list[str]:
    """``sqlite``, and ``postgresql`` when the server answers."""
    return ["sqlite", "postgresql"] if postgres_reachable(ctx.pg_url) else ["sqlite"]


@contextmanager
def scratch_store(ctx: BenchContext, backend: str, name: str) -> Iterator[Store]:
    """A migrated, empty store; the SQLite file or the PostgreSQL schema goes afterwards."""
    import sqlalchemy as sa

    from engine.store.db import open_store

    if backend == "sqlite":
        path = ctx.workdir / f"{name}.db"
        _unlink_sqlite(path)
        store = open_store(f"sqlite:///{path}")
        store.upgrade()
        try:
            yield store
        finally:
            store.dispose()
            _unlink_sqlite(path)
        return
    assert ctx.pg_url is not None
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = open_store(ctx.pg_url)
    with admin.engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    # The schema travels in the URL, so a child process given the URL works in it too.
    separator = "&" if "?" in ctx.pg_url else "?"
    store = open_store(f"{ctx.pg_url}{separator}options=-csearch_path%3D{schema}")
    try:
        store.upgrade()
        yield store
    finally:
        store.dispose()
        with admin.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _unlink_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True)
class Outbox:
    """What ``fill_outbox`` made: the ids of the due rows and of their obligations."""

    due_ids: list[int]
    pending: int


def fill_outbox(store: Store, *, pending: int, due: int, now: datetime = NOW) -> Outbox:
    """``due`` rows due at ``now`` (one per obligation and contact, so none overtakes
    another) among ``pending`` rows scheduled from a day to a year ahead."""
    obligations = pending // ROWS_PER_OBLIGATION
    with store.engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        writer = _Copy(raw) if store.dialect == "postgresql" else _Many(raw)
        writer.write("agencies", ["id", "key", "name", "aliases", "in_directory"],
                     [(1, "hn.sct", "Sở Công Thương", "[]", True)])  # fmt: skip
        writer.write(
            "plans",
            ["id", "key", "title", "period_start", "period_end", "content_hash", "data",
             "loaded_at"],
            [(1, "p", "Kế hoạch thực hiện sản xuất và tiêu dùng bền vững", 2026, 2026, "0",
              "{}", writer.instant(now))],
        )  # fmt: skip
        writer.write(
            "contacts",
            ["id", "key", "agency_id", "name", "role", "language", "active"],
            ((c, f"c{c}", 1, f"Người nhận {c}", "coordinator", "vi", True)
             for c in range(1, CONTACTS + 1)),
        )  # fmt: skip
        writer.write(
            "contact_addresses",
            ["id", "contact_id", "channel", "address"],
            ((c, c, EMAIL, f"p{c}@example.org") for c in range(1, CONTACTS + 1)),
        )  # fmt: skip
        writer.write("obligations", _OBLIGATION_COLUMNS,
                     _obligations(writer, obligations + due, now))  # fmt: skip
        writer.write("notifications", _NOTIFICATION_COLUMNS,
                     _notifications(writer, obligations, due, now))  # fmt: skip
        writer.finish()
    first_due = obligations * ROWS_PER_OBLIGATION + 1
    return Outbox(list(range(first_due, first_due + due)), obligations * ROWS_PER_OBLIGATION)


_OBLIGATION_COLUMNS = [
    "id", "key", "workflow", "rule", "plan_id", "agency_id", "role", "title", "period_label",
    "opens_on", "due_on", "original_due_on", "status", "spec_hash", "created_at",
    "updated_at",
]  # fmt: skip
_NOTIFICATION_COLUMNS = [
    "id", "key", "kind", "obligation_id", "stage", "stage_order", "escalation",
    "contact_id", "channel", "template", "stop_on", "scheduled_at", "due_at", "state",
    "attempts", "payload", "created_at", "updated_at",
]  # fmt: skip


def _obligations(writer: _Writer, count: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    stamp = writer.instant(now)
    for o in range(1, count + 1):
        due_on = (now + timedelta(days=7 + o % 360)).date()
        yield (
            o, f"scp:chu-tri:p:t.{o}:hn.sct:2026", "scp", "chu-tri", 1, 1, "lead",
            f"Nhiệm vụ số {o}: tập huấn, hội thảo về sản xuất và tiêu dùng bền vững",
            "Năm 2026", None, due_on, due_on, "open", "h", stamp, stamp,
        )  # fmt: skip


def _notifications(
    writer: _Writer, obligations: int, due: int, now: datetime
) -> Iterator[tuple[Any, ...]]:
    stamp = writer.instant(now)
    stop_on = json.dumps(STOP_ON)
    payload = json.dumps({"when": "before", "ack_link": False})
    row = 0
    for o in range(1, obligations + 1):
        for s in range(STAGES_PER_OBLIGATION):
            at = writer.instant(now + timedelta(days=1 + (o + 30 * s) % 365))
            for k in range(CONTACTS_PER_OBLIGATION):
                row += 1
                contact = (CONTACTS_PER_OBLIGATION * o + k) % CONTACTS + 1
                yield (
                    row, f"o{o}:s{s}:c{contact}:{EMAIL}", "obligation", o, f"s{s}", s, False,
                    contact, EMAIL, "reminder", stop_on, at, at, "pending", 0, payload,
                    stamp, stamp,
                )  # fmt: skip
    at = writer.instant(now - timedelta(minutes=1))
    for d in range(due):
        row += 1
        o = obligations + 1 + d
        contact = d % CONTACTS + 1
        yield (
            row, f"o{o}:due:c{contact}:{EMAIL}", "obligation", o, "due", 0, False, contact,
            EMAIL, "reminder", stop_on, at, at, "pending", 0, payload, stamp, stamp,
        )  # fmt: skip


class _Writer:
    def write(self, table: str, columns: Sequence[str], rows: Any) -> None:
        raise NotImplementedError

    def instant(self, value: datetime) -> Any:
        raise NotImplementedError

    def finish(self) -> None:
        """Move the id sequences past the ids written by hand (PostgreSQL)."""


class _Many(_Writer):
    """sqlite3: ``executemany`` of tuples in chunks; instants as SQLAlchemy stores them."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def write(self, table: str, columns: Sequence[str], rows: Any) -> None:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        cursor = self.raw.cursor()
        cursor.executemany(sql, (_sqlite_value_row(r) for r in rows))
        cursor.close()

    def instant(self, value: datetime) -> Any:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_value_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row)


class _Copy(_Writer):
    """psycopg 3: ``COPY table (columns) FROM STDIN``, rows written as tuples."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.tables: list[str] = []

    def write(self, table: str, columns: Sequence[str], rows: Any) -> None:
        self.tables.append(table)
        with self.raw.cursor() as cursor:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)

    def instant(self, value: datetime) -> Any:
        return value.astimezone(UTC).replace(tzinfo=None)

    def finish(self) -> None:
        with self.raw.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )


class NullChannel(Notifier):
    """The email channel, accepting every message at once: what is left is the engine's cost."""

    channel: ClassVar[str] = EMAIL
    max_in_flight: ClassVar[int] = 1

    async def send(self, message: Message) -> Receipt:
        return Receipt(self.channel, {"to": message.to})


def reset_due(store: Store, ids: Sequence[int]) -> None:
    """Put the due rows back as they were before a tick sent them."""
    import sqlalchemy as sa

    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE notifications SET state = 'pending', due_at = scheduled_at, "
                "sent_at = NULL, lease_owner = NULL, lease_until = NULL, attempts = 0, "
                "receipt = NULL, last_error = NULL WHERE id BETWEEN :first AND :last"
            ),
            {"first": min(ids), "last": max(ids)},
        )


def analyze(store: Store) -> None:
    """Statistics, as PostgreSQL's autovacuum gathers them on a live database."""
    if store.dialect == "postgresql":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
