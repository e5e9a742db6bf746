"""The outbox in the store: its rows, claiming them, the SQLite worker lock, recording.

A row (``Notification``) moves through these states::

    pending ──claim──► sending ──► sent
       ▲                  │ ├────► failed      permanent error, or retries used up
       └─ transient, or ──┘ ├────► cancelled   its stop condition holds (not sent)
          snoozed (due_at   └────► skipped     a later stage overtook it (not sent)
          moves forward)
    sending, lease expired ──claim──► sending  (its worker died mid-send)

``claim`` commits the intent ("sending", under a lease) before anything is sent;
``record`` writes what came of it, with every attempt, in one transaction per batch, and
only for rows the worker still holds (compare-and-set). On PostgreSQL any number of
workers share the outbox (``FOR UPDATE SKIP LOCKED``, leases); on SQLite one worker at a
time holds the ``WorkerLock`` named ``delivery`` (``acquire_outbox``), and another gets
``OutboxBusy``, unless the holder was a process of this machine that is gone (killed
before it could release the lock): then the lock is taken over at once. Worker-lock
times use the machine clock (they are about processes); row times use the ``now`` of
the pass. Everything here reads and writes in bulk (one query per batch, never per row),
so a pass costs what is due, not what is stored.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Table

from engine.errors import OutboxBusy
from engine.i18n import _
from engine.messages.types import Recipient
from engine.util import chunked
from notifiers.registry import CHANNELS

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

log = logging.getLogger("nhacviec.delivery")

LIVE_STATES = ("pending", "sending", "sent")

LOCK_NAME = "delivery"

Result = Literal["sent", "retried", "failed", "cancelled", "skipped", "snoozed", "held"]

_STATE_OF: dict[Result, str] = {
    "sent": "sent",
    "retried": "pending",
    "failed": "failed",
    "cancelled": "cancelled",
    "skipped": "skipped",
    "snoozed": "pending",  # held until the snooze ends (``next_try``); no attempt is used
    "held": "pending",  # outside [time] send_window: due again when it opens (``next_try``)
}

_ATTEMPT_OF: dict[Result, str] = {"sent": "sent", "retried": "retry", "failed": "failed"}


@dataclass(frozen=True)
class OutboxRow:
    """The columns of a ``Notification`` that delivery reads (a snapshot)."""

    id: int
    key: str
    kind: str
    obligation_id: int | None
    stage: str
    stage_order: int
    escalation: bool
    contact_id: int
    channel: str
    template: str
    stop_on: list[str]
    scheduled_at: datetime
    due_at: datetime
    state: str
    attempts: int
    lease_owner: str | None
    payload: dict[str, Any] | None

    @classmethod
    def from_row(cls, found: Mapping[Any, Any]) -> OutboxRow:
        """From a result row's mapping that has (at least) these columns."""
        values = {name: found[name] for name in cls.__dataclass_fields__}
        values["stop_on"] = list(values["stop_on"] or [])
        return cls(**values)

    @classmethod
    def from_columns(cls, found: Sequence[Any]) -> OutboxRow:
        """From a result row of exactly ``row_columns()``, by position (the hot path:
        a third of the cost of ``from_row``)."""
        values = list(found)
        values[_STOP_ON] = list(values[_STOP_ON] or [])
        return cls(*values)


_STOP_ON = list(OutboxRow.__dataclass_fields__).index("stop_on")


def table(model: type[Any]) -> Table:
    """The Core table of a mapped class (typed: ``__table__`` is only a FromClause)."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


def row_columns() -> list[Any]:
    from engine.store.models import Notification

    notifications = table(Notification)
    return [notifications.c[name] for name in OutboxRow.__dataclass_fields__]


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed row in one pass (what ``record`` writes)."""

    row: OutboxRow
    result: Result
    detail: str | None = None
    to: str | None = None
    subject: str | None = None
    receipt: dict[str, Any] | None = None
    next_try: datetime | None = None
    attempted: bool = False
    counts: bool = False
    flag: str | None = None
    migrate_to_chat_id: int | None = None

    @property
    def attempts(self) -> int:
        return self.row.attempts + (1 if self.counts else 0)


# ---- claiming -------------------------------------------------------------------------


def claim(
    session: Session, *, now: datetime, worker_id: str, lease_seconds: float, limit: int
) -> list[OutboxRow]:
    """Take up to ``limit`` due rows for ``worker_id``; the caller commits before sending.

    A row is eligible when all of these hold:

    1. it is ``pending`` with ``due_at <= now``, or it is ``sending`` with
       ``lease_until <= now`` (the worker that claimed it died or stalled mid-send);
    2. on PostgreSQL, no other transaction has it locked: rows another worker is claiming
       at this moment are skipped (``FOR UPDATE SKIP LOCKED``), not waited for; on SQLite
       the caller holds the ``delivery`` worker lock, so nobody else is claiming;
    3. it is among the first ``limit`` such rows by ``due_at``, then ``id``.

    Claimed rows are set, in the same transaction and only if still in the state they
    were read in (compare-and-set), to ``state='sending'``, ``lease_owner=worker_id``,
    ``lease_until=now+lease_seconds``. A row taken over from an expired lease gets a
    ``lost`` attempt in the name of its former worker. Nothing is decided or sent here:
    a claimed row whose obligation no longer needs it is cancelled by the caller.
    """
    from sqlalchemy import insert

    from engine.store.models import DeliveryAttempt

    query, mark = _claim_statements(limit, session.get_bind().dialect.name == "postgresql")
    rows = [OutboxRow.from_columns(r) for r in session.execute(query, {"now": now})]
    if not rows:
        return []
    ids = [r.id for r in rows]
    until = now + timedelta(seconds=lease_seconds)
    session.execute(mark, {"ids": ids, "now": now, "worker": worker_id, "until": until})
    lost = [
        {"notification_id": r.id, "at": now, "worker": r.lease_owner or "?", "outcome": "lost",
         "error": "the lease expired before the outcome was recorded (worker died mid-send?)"}
        for r in rows
        if r.state == "sending"
    ]  # fmt: skip
    if lost:
        session.execute(insert(table(DeliveryAttempt)), lost)
    return rows


@lru_cache(maxsize=8)
def _claim_statements(limit: int, postgresql: bool) -> tuple[Any, Any]:
    """``claim``'s SELECT and UPDATE, built once (parameters: ``now``; ``ids``, ``worker``,
    ``until``): building them, and coercing each id of an ``in_(list)``, cost about as
    much as running them."""
    from sqlalchemy import and_, bindparam, or_, select, update

    from engine.store.models import Notification

    n = table(Notification).c
    now = bindparam("now", type_=n.due_at.type)
    due = or_(
        and_(n.state == "pending", n.due_at <= now),
        and_(n.state == "sending", n.lease_until <= now),
    )
    query = select(*row_columns()).where(due).order_by(n.due_at, n.id).limit(limit)
    if postgresql:
        query = query.with_for_update(skip_locked=True)
    mark = (
        update(table(Notification))
        .where(n.id.in_(bindparam("ids", expanding=True)), due)
        .values(
            state="sending",
            lease_owner=bindparam("worker"),
            lease_until=bindparam("until"),
            updated_at=now,
        )
    )
    return query, mark


# ---- the SQLite worker lock -----------------------------------------------------------


def wall_clock() -> datetime:
    return datetime.now(UTC)


def acquire_outbox(session: Session, worker_id: str, *, seconds: float, at: datetime) -> bool:
    """Take or renew the ``delivery`` lock (SQLite); True if newly taken, False if renewed.

    Raises ``OutboxBusy`` naming the holder while another worker's lock has not expired,
    unless that worker's process is gone (``holder_is_gone``): then the lock is taken over.
    """
    from sqlalchemy import case, literal, or_, select, update
    from sqlalchemy.dialects.sqlite import insert

    from engine.store.models import WorkerLock
    from engine.store.types import UTCDateTime

    lock = table(WorkerLock).c
    expires = at + timedelta(seconds=seconds)
    renewed = session.execute(
        update(table(WorkerLock))
        .where(lock.name == LOCK_NAME, or_(lock.owner == worker_id, lock.expires_at <= at))
        .values(
            acquired_at=case(
                (lock.owner == worker_id, lock.acquired_at), else_=literal(at, UTCDateTime())
            ),
            owner=worker_id,
            expires_at=expires,
        )
        .returning(lock.acquired_at)
    ).scalar_one_or_none()
    if renewed is not None:
        return bool(renewed == at)
    created = session.connection().execute(
        insert(table(WorkerLock))
        .values(name=LOCK_NAME, owner=worker_id, acquired_at=at, expires_at=expires)
        .on_conflict_do_nothing()
    )
    if created.rowcount == 1:
        return True
    holder = session.execute(
        select(lock.owner, lock.acquired_at).where(lock.name == LOCK_NAME)
    ).one()
    if holder_is_gone(holder.owner):
        taken = session.execute(
            update(table(WorkerLock))
            .where(lock.name == LOCK_NAME, lock.owner == holder.owner)
            .values(owner=worker_id, acquired_at=at, expires_at=expires)
            .returning(lock.owner)
        ).scalar_one_or_none()
        if taken is not None:
            log.warning(
                _("took over the SQLite outbox from worker %s: its process is gone"), holder.owner
            )
            return True
    since = holder.acquired_at.astimezone().isoformat(sep=" ", timespec="seconds")
    raise OutboxBusy(
        _(
            "another worker holds the SQLite outbox (since {since}, worker "
            "{owner}); SQLite allows one worker at a time, use PostgreSQL for "
            "several"
        ).format(since=since, owner=holder.owner)
    )


def holder_is_gone(owner: str) -> bool:
    """True when ``owner`` names a process of this machine that no longer exists.

    Worker ids are ``host:pid:random`` (``worker_name``). A worker killed outright
    (SIGKILL, the OOM killer) never releases the lock, and
    a restarted ``nhacviec run`` or the next cron ``tick`` would be refused until it
    expires. Only a holder on this host can be checked; one on another machine, or named
    otherwise, is presumed alive until its lock expires. A pid reused by an unrelated
    process also reads as alive: the lock then simply waits for its expiry.
    """
    import os
    import socket

    host, _, rest = owner.partition(":")
    pid, sep, _ = rest.partition(":")
    if not sep or not pid.isdigit() or host != socket.gethostname() or os.name != "posix":
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False


def release_outbox(session: Session, worker_id: str) -> None:
    from sqlalchemy import delete

    from engine.store.models import WorkerLock

    lock = table(WorkerLock).c
    session.execute(
        delete(table(WorkerLock)).where(lock.name == LOCK_NAME, lock.owner == worker_id)
    )


# ---- what a batch needs to be decided ------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """An obligation's current status, as the stop conditions read it."""

    status: str
    cancelled_at: datetime | None
    tracked: bool = True


def load_recipients(session: Session, ids: Iterable[int]) -> dict[int, Recipient]:
    from engine.store.addresses import addresses_of

    found: dict[int, Recipient] = {}
    for chunk in chunked(sorted(set(ids)), 1000):
        addresses = addresses_of(session, chunk)
        for r in session.execute(_recipients_query(), {"ids": chunk}):
            found[r.id] = Recipient(
                r.id, r.agency_id, r.name, r.role, addresses.get(r.id, {}), r.language, r.active
            )
    return found


@lru_cache(maxsize=1)
def _recipients_query() -> Any:
    """Built once, the ids an expanding parameter given at execution: building the
    statement and coercing each id of an ``in_(list)`` cost more than running it."""
    from sqlalchemy import bindparam, select

    from engine.store.models import Contact

    c = table(Contact).c
    columns = [c.id, c.agency_id, c.name, c.role, c.language, c.active]
    return select(*columns).where(c.id.in_(bindparam("ids", expanding=True)))


def load_standings(session: Session, ids: Iterable[int]) -> dict[int, Standing]:
    found: dict[int, Standing] = {}
    for chunk in chunked(sorted(set(ids)), 1000):
        for r in session.execute(_standings_query(), {"ids": chunk}):
            found[r.id] = Standing(r.status, r.cancelled_at, r.tracked)
    return found


@lru_cache(maxsize=1)
def _standings_query() -> Any:
    from sqlalchemy import bindparam, select

    from engine.store.models import Obligation

    o = table(Obligation).c
    return select(o.id, o.status, o.cancelled_at, o.tracked).where(
        o.id.in_(bindparam("ids", expanding=True))
    )


def load_snoozes(
    session: Session, rows: Sequence[OutboxRow], now: datetime
) -> dict[tuple[int, int], datetime]:
    """The snoozes still running at ``now`` of the batch's (obligation, contact) pairs."""
    pairs = {(r.obligation_id, r.contact_id) for r in rows if r.obligation_id is not None}
    found: dict[tuple[int, int], datetime] = {}
    for chunk in chunked(sorted({o for o, _c in pairs}), 1000):
        for r in session.execute(_snoozes_query(), {"ids": chunk, "now": now}):
            if (r.obligation_id, r.contact_id) in pairs:
                found[(r.obligation_id, r.contact_id)] = r.until
    return found


@lru_cache(maxsize=1)
def _snoozes_query() -> Any:
    from sqlalchemy import bindparam, select

    from engine.store.models import Snooze

    s = table(Snooze).c
    return select(s.obligation_id, s.contact_id, s.until).where(
        s.obligation_id.in_(bindparam("ids", expanding=True)), s.until > bindparam("now")
    )


def load_siblings(
    session: Session, rows: Sequence[OutboxRow], now: datetime
) -> dict[tuple[int, int, str], list[OutboxRow]]:
    """The live rows scheduled by ``now`` of the batch's (obligation, contact, channel)s.

    The query names only the batch's obligations and contacts, so that it is answered
    from ``ix_notifications_obligation_contact`` whatever the table holds: the
    obligations × the contacts, and the rows of other pairs are dropped here (SQLite
    probes the index for each combination, a row-value IN would be a table scan there;
    PostgreSQL, given the pairs as a row-value IN, took the obligations for the index
    and tested every row of them against the pairs one by one: 16 ms for a batch of 200
    of an obligation with 4,000 contacts, against 0.7 ms with a hashed ``contact_id =
    ANY``, and 2 to 6 ms of planning against 0.3). The state is filtered here, not in
    SQL: a condition on ``state`` tempts the planner (SQLite always, PostgreSQL before
    it has statistics) into the ``(state, due_at)`` index, i.e. into reading every
    pending row, a cost that grows with what is stored rather than with what is due.
    """
    groups = {(r.obligation_id, r.contact_id, r.channel) for r in rows if r.obligation_id}
    found: dict[tuple[int, int, str], list[OutboxRow]] = defaultdict(list)
    for row in rows:  # the batch's own rows are siblings too, and already at hand
        if row.obligation_id is not None and row.scheduled_at <= now:
            found[(row.obligation_id, row.contact_id, row.channel)].append(row)
    mine = sorted(r.id for r in rows)
    pairs = sorted({(g[0], g[1]) for g in groups})
    for some in chunked(pairs, 500):
        values = {"obligations": list({o for o, _ in some}),
                  "contacts": list({c for _, c in some}), "now": now, "mine": mine}  # fmt: skip
        for r in session.execute(_siblings_query(), values):
            group = (r.obligation_id, r.contact_id, r.channel)
            if group in groups and r.state in LIVE_STATES:
                found[group].append(OutboxRow.from_columns(r))
    return found


@lru_cache(maxsize=1)
def _siblings_query() -> Any:
    from sqlalchemy import bindparam, select

    from engine.store.models import Notification

    n = table(Notification).c
    return select(*row_columns()).where(
        n.obligation_id.in_(bindparam("obligations", expanding=True)),
        n.contact_id.in_(bindparam("contacts", expanding=True)),
        n.scheduled_at <= bindparam("now"),
        n.id.not_in(bindparam("mine", expanding=True)),
    )


# ---- recording ------------------------------------------------------------------------


def record(session: Session, outcomes: Sequence[Outcome], *, worker_id: str, now: datetime) -> None:
    """Write the outcomes of a batch: row states, attempts, contact flags.

    A row is only updated while this worker still holds its lease (compare-and-set), so
    a worker that lost a row to another never overwrites the other's result. Per result,
    what differs from row to row (attempts, error, receipt, the next try) goes out as
    one executemany, and what all its rows share (state, sent_at, the lease cleared) as
    one UPDATE … WHERE id IN: the driver does the per-row work, not Python.
    """
    from sqlalchemy import insert

    from engine.store.models import DeliveryAttempt

    if not outcomes:
        return
    if all(o.result == "sent" and o.flag is None and o.migrate_to_chat_id is None
           for o in outcomes):  # fmt: skip
        _record_sent(session, outcomes, worker_id=worker_id, now=now)
        return
    by_result: dict[Result, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_result[outcome.result].append(outcome)
    for result, group in by_result.items():
        _record_result(session, result, group, worker_id=worker_id, now=now)
    attempts = [
        {"notification_id": o.row.id, "at": now, "worker": worker_id,
         "outcome": _ATTEMPT_OF[o.result], "error": None if o.result == "sent" else o.detail}
        for o in outcomes
        if o.attempted
    ]  # fmt: skip
    if attempts:
        session.execute(insert(table(DeliveryAttempt)), attempts)
    _update_contacts(session, outcomes)


@lru_cache(maxsize=1)
def _sent_statements() -> tuple[Any, Any]:
    """The two statements that record sent messages, built once: the recorder runs them
    for every message sent, and building them cost as much as running them."""
    from sqlalchemy import bindparam, insert, null, update

    from engine.store.models import DeliveryAttempt, Notification

    n = table(Notification).c
    sent = (
        update(table(Notification))
        .where(
            n.id == bindparam("_id"), n.lease_owner == bindparam("_worker"), n.state == "sending"
        )
        .values(
            attempts=bindparam("_attempts"),
            last_error=null(),
            receipt=bindparam("_receipt"),
            state="sent",
            sent_at=bindparam("_now"),
            lease_owner=null(),
            lease_until=null(),
            updated_at=bindparam("_now"),
        )
    )
    return sent, insert(table(DeliveryAttempt))


def _record_sent(
    session: Session, outcomes: Sequence[Outcome], *, worker_id: str, now: datetime
) -> None:
    """``record`` for outcomes that are all "sent" (the common case): two statements."""
    sent, attempt = _sent_statements()
    session.execute(
        sent,
        [{"_id": o.row.id, "_worker": worker_id, "_attempts": o.attempts,
          "_receipt": o.receipt, "_now": now} for o in outcomes],
    )  # fmt: skip
    session.execute(
        attempt,
        [{"notification_id": o.row.id, "at": now, "worker": worker_id, "outcome": "sent",
          "error": None} for o in outcomes],
    )  # fmt: skip


def sends_alone(outcomes: Sequence[Outcome]) -> bool:
    """Whether every outcome is a plain "sent" (no contact to flag or move): the group
    that ``OutcomeWriter`` writes through the driver."""
    return all(o.result == "sent" and o.flag is None and o.migrate_to_chat_id is None
               for o in outcomes)  # fmt: skip


class OutcomeWriter:
    """Writes a pass's outcomes, a group at a time, on one connection kept open for it.

    The outbox worker records every message's outcome as its send returns, so this runs
    once per message sent, and the common group, messages that were all sent, goes
    through the driver on statements built once (``sqlite3``'s statement cache, psycopg's
    prepared statements), with the values every row shares (the instant, the worker)
    converted once per pass: no SQLAlchemy compilation, no per-value type processing.
    On SQLite that is an UPDATE and an INSERT per group and a COMMIT; on PostgreSQL one
    statement (the UPDATE a data-modifying CTE of the INSERT, autocommitted, without
    waiting for the WAL flush: a worker that is killed loses nothing the server has, and
    a server crash can only lose the last few outcomes, which are then sent again with
    the same Message-ID, never lost). Any other group goes through ``record`` in one
    transaction. What is stored is what ``record`` stores, byte for byte (the columns'
    own bind processing converts the shared values and the receipts).
    """

    def __init__(self, connection: Connection, *, worker_id: str, now: datetime) -> None:
        from engine.store.models import Notification

        self.connection = connection
        self.dialect = connection.dialect.name
        self.worker_id = worker_id
        self.now = now
        raw = connection.connection.driver_connection
        assert raw is not None
        self.raw: Any = raw
        n = table(Notification).c
        self._instant = _processed(n.sent_at.type, connection.dialect, now)
        # SQLite: the JSON column's own serialiser; PostgreSQL: text cast to jsonb in SQL
        # (jsonb keeps the value, not the text).
        serialise = n.receipt.type.dialect_impl(connection.dialect).bind_processor(
            connection.dialect
        )
        self._json: Callable[[Any], Any] = (
            json.dumps if self.dialect == "postgresql" or serialise is None else serialise
        )
        self._checkpoint: int | None = None
        self._prepared = False  # PostgreSQL: ``_PG_SENT`` prepared on this connection
        self._instant_text = str(self._instant).encode()  # as psycopg's text dump of it
        self._worker_text = worker_id.encode()
        if self.dialect == "postgresql":
            # Its own setting for the life of the connection, given back by ``close``.
            self.raw.execute("SET synchronous_commit TO OFF")
            self.raw.commit()
        elif self.dialect == "sqlite":
            # This connection never checkpoints the WAL (an fsync of the database file
            # every thousand pages, tens of milliseconds with the event loop waiting):
            # the pass's other transactions (the claim of each batch, on another
            # connection) do, once per batch rather than every few dozen messages.
            (self._checkpoint,) = self.raw.execute("PRAGMA wal_autocheckpoint").fetchone()
            self.raw.execute("PRAGMA wal_autocheckpoint = 0")

    @property
    def in_loop(self) -> bool:
        """Whether ``write_sent`` can be awaited in the event loop (PostgreSQL)."""
        return self.dialect == "postgresql"

    async def write_sent(self, outcomes: Sequence[Outcome]) -> None:
        """Record outcomes that are all plain "sent" (``sends_alone``) from the event loop,
        without a thread: PostgreSQL, through libpq's asynchronous calls on the kept
        connection, one prepared statement per outcome (its own transaction, without
        waiting for the WAL flush, as ``write``), the loop free while the server works.
        The client's part is a few microseconds of C per outcome, where a thread (its
        hop, the GIL handed back and forth, psycopg's conversion of the parameters)
        cost about 0.2 ms of CPU beside the sending. On error the connection is
        unusable."""
        import asyncio

        from psycopg import errors
        from psycopg.pq import ExecStatus

        pgconn = self.raw.pgconn
        if not self._prepared:
            self._prepare()
        loop = asyncio.get_running_loop()
        for o in outcomes:
            pgconn.send_query_prepared(
                _PG_SENT,
                (str(o.row.id).encode(), str(o.attempts).encode(),
                 json.dumps(o.receipt).encode(), self._instant_text, self._worker_text),
            )  # fmt: skip
            pgconn.consume_input()
            while pgconn.is_busy():
                readable: asyncio.Future[None] = loop.create_future()
                loop.add_reader(pgconn.socket, _resolve, readable)
                try:
                    await readable
                finally:
                    loop.remove_reader(pgconn.socket)
                pgconn.consume_input()
            failed = None
            while (result := pgconn.get_result()) is not None:
                if result.status != ExecStatus.COMMAND_OK:
                    failed = failed or result
            if failed is not None:
                raise errors.error_from_result(failed)

    def _prepare(self) -> None:
        from psycopg import errors
        from psycopg.pq import ExecStatus

        result = self.raw.pgconn.prepare(_PG_SENT, _postgresql_sent_sql_numbered().encode())
        if result.status != ExecStatus.COMMAND_OK:
            raise errors.error_from_result(result)
        self._prepared = True

    def write(self, outcomes: Sequence[Outcome]) -> None:
        """Record ``outcomes`` (one transaction); on error the connection is unusable."""
        if not outcomes:
            return
        if not sends_alone(outcomes):
            with self.connection.begin():
                record(self.connection, outcomes, worker_id=self.worker_id, now=self.now)  # type: ignore[arg-type]
            return
        if self.dialect == "postgresql":
            self._sent_postgresql(outcomes)
        else:
            self._sent_sqlite(outcomes)

    def discard(self) -> None:
        """Drop the connection (a write failed or was cut short: it may still have a
        statement in progress), so the pool does not lend it again."""
        self.connection.invalidate()
        self.connection.close()

    def close(self) -> None:
        """Give the connection back (to the pool) as it was lent."""
        try:
            if self.dialect == "postgresql" and not self.raw.closed:
                if self._prepared:
                    self.raw.execute(f"DEALLOCATE {_PG_SENT.decode()}")
                self.raw.execute("RESET synchronous_commit")
                self.raw.commit()
            elif self._checkpoint is not None:
                self.raw.execute(f"PRAGMA wal_autocheckpoint = {int(self._checkpoint)}")
        finally:
            self.connection.close()

    def _sent_sqlite(self, outcomes: Sequence[Outcome]) -> None:
        update, insert = _sqlite_sent_sql()
        now, worker, receipt = self._instant, self.worker_id, self._json
        raw = self.raw
        try:
            if len(outcomes) == 1:
                (o,) = outcomes
                raw.execute(update, (o.attempts, receipt(o.receipt), now, now, o.row.id, worker))
                raw.execute(insert, (o.row.id, now, worker))
            else:
                raw.executemany(update, [(o.attempts, receipt(o.receipt), now, now, o.row.id,
                                          worker) for o in outcomes])  # fmt: skip
                raw.executemany(insert, [(o.row.id, now, worker) for o in outcomes])
            raw.commit()
        except BaseException:
            raw.rollback()
            raise

    def _sent_postgresql(self, outcomes: Sequence[Outcome]) -> None:
        receipt, now, worker = self._json, self._instant, self.worker_id
        params = [
            {"id": o.row.id, "attempts": o.attempts, "receipt": receipt(o.receipt), "now": now,
             "worker": worker}
            for o in outcomes
        ]  # fmt: skip
        raw = self.raw
        raw.autocommit = True  # one statement per outcome, each its own transaction
        try:
            if len(params) == 1:
                raw.execute(_postgresql_sent_sql(), params[0], prepare=True)
            else:
                with raw.cursor() as cursor:
                    cursor.executemany(_postgresql_sent_sql(), params)
        finally:
            raw.autocommit = False


_PG_SENT = b"nhacviec_sent"  # the name of ``OutcomeWriter``'s prepared statement


def _resolve(future: Any) -> None:
    if not future.done():
        future.set_result(None)


def _processed(column_type: Any, dialect: Any, value: Any) -> Any:
    """``value`` as the column type's bind processing hands it to the driver."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return value if process is None else process(value)


@lru_cache(maxsize=1)
def _sqlite_sent_sql() -> tuple[str, str]:
    """The two statements of ``OutcomeWriter`` on SQLite: the row (compare-and-set on
    the lease, as ``record``), its attempt."""
    from engine.store.models import DeliveryAttempt, Notification

    update = (
        f"UPDATE {table(Notification).name} SET attempts = ?, last_error = NULL, receipt = ?, "
        "state = 'sent', sent_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? "
        "WHERE id = ? AND lease_owner = ? AND state = 'sending'"
    )
    insert = (
        f"INSERT INTO {table(DeliveryAttempt).name} (notification_id, at, worker, outcome, error) "
        "VALUES (?, ?, ?, 'sent', NULL)"
    )
    return update, insert


@lru_cache(maxsize=1)
def _postgresql_sent_sql() -> str:
    """``OutcomeWriter``'s statement on PostgreSQL, one per outcome: the row's UPDATE
    (compare-and-set on the lease) runs as a CTE, which PostgreSQL executes whether or
    not the INSERT of the attempt reads it, so the attempt is written as ``record``
    writes it (also for a row this worker no longer holds)."""
    from engine.store.models import DeliveryAttempt, Notification

    return (
        f"WITH sent AS (UPDATE {table(Notification).name} SET attempts = %(attempts)s, "
        "last_error = NULL, receipt = %(receipt)s::jsonb, state = 'sent', sent_at = %(now)s, "
        "lease_owner = NULL, lease_until = NULL, updated_at = %(now)s "
        "WHERE id = %(id)s AND lease_owner = %(worker)s AND state = 'sending') "
        f"INSERT INTO {table(DeliveryAttempt).name} (notification_id, at, worker, outcome, error) "
        "VALUES (%(id)s, %(now)s, %(worker)s, 'sent', NULL)"
    )


@lru_cache(maxsize=1)
def _postgresql_sent_sql_numbered() -> str:
    """``_postgresql_sent_sql`` with libpq's numbered parameters (``write_sent``): id,
    attempts, receipt, the instant, the worker."""
    sql = _postgresql_sent_sql()
    for n, name in enumerate(("id", "attempts", "receipt", "now", "worker"), start=1):
        sql = sql.replace(f"%({name})s", f"${n}")
    return sql


def _record_result(
    session: Session, result: Result, group: list[Outcome], *, worker_id: str, now: datetime
) -> None:
    """The rows of one result: their own values first, while still held; then the rest."""
    from sqlalchemy import bindparam, null, update

    from engine.store.models import Notification

    notifications = table(Notification)
    n = notifications.c
    held = (n.lease_owner == worker_id, n.state == "sending")
    own: dict[str, Any] = {
        "attempts": bindparam("_attempts"),
        "last_error": bindparam("_error"),
        "receipt": bindparam("_receipt"),
    }
    if any(o.next_try is not None for o in group):
        own["due_at"] = bindparam("_due_at")
    session.execute(
        update(notifications).where(n.id == bindparam("_id"), *held).values(own),
        [_row_values(o, "due_at" in own) for o in group],
    )
    for ids in chunked([o.row.id for o in group], 1000):
        session.execute(
            update(notifications)
            .where(n.id.in_(ids), *held)
            .values(
                state=_STATE_OF[result],
                sent_at=now if result == "sent" else null(),
                lease_owner=null(),
                lease_until=null(),
                updated_at=now,
            )
        )


def _row_values(outcome: Outcome, moves: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "_id": outcome.row.id,
        "_attempts": outcome.attempts,
        "_error": None if outcome.result == "sent" else outcome.detail,
        "_receipt": outcome.receipt,
    }
    if moves:
        values["_due_at"] = outcome.next_try or outcome.row.due_at
    return values


def _update_contacts(session: Session, outcomes: Sequence[Outcome]) -> None:
    """Flag the addresses that failed for good; follow chats that moved (supergroups)."""
    from sqlalchemy import bindparam, update

    from engine.store.models import ContactAddress

    addresses = table(ContactAddress)
    a = addresses.c
    flags: dict[str, list[dict[str, Any]]] = defaultdict(list)
    moves: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in outcomes:
        if o.flag is not None:
            flags[o.row.channel].append({"_id": o.row.contact_id, "_flag": o.flag})
        if o.migrate_to_chat_id is not None:
            moves[o.row.channel].append({"_id": o.row.contact_id, "_chat": o.migrate_to_chat_id})
    for channel, values in flags.items():
        stmt = update(addresses).where(a.contact_id == bindparam("_id"), a.channel == channel)
        session.execute(stmt.values(flag=bindparam("_flag")), values)
    for channel, values in moves.items():  # a chat that moved (a group become a supergroup)
        known = CHANNELS[channel]
        for value in values:
            value["_chat"] = known.normalise(value["_chat"])
        stmt = update(addresses).where(a.contact_id == bindparam("_id"), a.channel == channel)
        session.execute(stmt.values(address=bindparam("_chat")), values)


def worker_name() -> str:
    """A worker id that tells which machine and process: ``host:pid:random``."""
    import os
    import socket
    import uuid

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
