"""The outbox worker: claim the rows that are due, decide, render, send, record.

A row (``Notification``) moves through these states::

    pending ──claim──► sending ──► sent
       ▲                  │ ├────► failed      permanent error, or retries used up
       └──── transient ───┘ ├────► cancelled   its stop condition holds (not sent)
             (due_at moves  └────► skipped     a later stage overtook it (not sent)
              forward)
    sending, lease expired ──claim──► sending  (its worker died mid-send)

One pass, ``tick(now)``: claim a batch (``claim``: intent is committed before anything is
sent), load what the batch needs in a few queries, decide each row (``verdict``), render
it, send it on its channel (one connection per channel for the whole tick; channels run
concurrently, each channel's messages in order), then record every outcome and attempt
in one transaction; repeat until nothing is due. Only rows due by ``now`` are touched, so
a pass costs what is due, not what is stored (index ``(state, due_at)``).

Failures: a ``TransientError`` puts the row back to ``pending`` with ``due_at = now +
backoff(attempts)`` (exponential from ``[delivery] backoff_seconds``, capped at
``backoff_max_seconds``, with a jitter of 50–100 % derived from the row key so that rows
that failed together do not retry together); after ``max_attempts`` tries the row fails.
A ``retry_after`` (a Telegram 429) is the server pacing us: the row waits that long and
the try does not use up the retry budget. A ``PermanentError`` fails the row at once and
writes ``flag`` on the contact (``email_flag``/``telegram_flag``), which ``status`` shows.
Every try is a ``DeliveryAttempt`` row, including a worker's try that was cut short (it
is recorded as ``lost`` when its expired lease is taken over).

A channel that is not configured (Telegram without its token in auto mode) is not an
error of the row: its rows stay ``pending``, ``last_error`` says what to configure, and
they are looked at again after ``backoff_max_seconds`` (no attempt is used up). Once the
channel is configured they go out, and the overtaking rule keeps stale stages from
piling up.

Concurrency: on PostgreSQL any number of workers share the outbox (``FOR UPDATE SKIP
LOCKED``, leases). On SQLite one worker at a time holds the ``WorkerLock`` named
``delivery``; a second one raises ``OutboxBusy``. Worker-lock times use the machine
clock (they are about processes), row times use the ``now`` of the pass.

A worker that crashes after sending but before recording leaves rows ``sending``; when
their lease expires they are sent again with the same Message-ID, so a receiver can drop
the duplicate. Outcomes are recorded per batch (``batch_size`` rows), which bounds that
window.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Table

from engine.errors import NhacviecError
from engine.render import KINDS, KindRenderer, Recipient, RenderEnv, RenderError, chunked
from notifiers import NOTIFIERS
from notifiers.base import DeliveryError, Message, Notifier, PermanentError, TransientError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.config import DeliverySettings, Settings
    from engine.store.db import Store

log = logging.getLogger("nhacviec.delivery")

LIVE_STATES = ("pending", "sending", "sent")
LOCK_NAME = "delivery"
Result = Literal["sent", "retried", "failed", "cancelled", "skipped"]
Verdict = Literal["send", "cancel", "skip"]
_STATE_OF: dict[Result, str] = {
    "sent": "sent",
    "retried": "pending",
    "failed": "failed",
    "cancelled": "cancelled",
    "skipped": "skipped",
}
_ATTEMPT_OF: dict[Result, str] = {"sent": "sent", "retried": "retry", "failed": "failed"}


class OutboxBusy(NhacviecError):
    """Another worker holds the SQLite outbox."""


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


def table(model: type[Any]) -> Table:
    """The Core table of a mapped class (typed: ``__table__`` is only a FromClause)."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


def _row_columns() -> list[Any]:
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


@dataclass
class TickReport:
    """Every outcome of one pass, in the order they were decided."""

    now: datetime
    worker: str
    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, result: Result) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == result]

    @property
    def sent(self) -> list[Outcome]:
        return self.of("sent")

    @property
    def retried(self) -> list[Outcome]:
        return self.of("retried")

    @property
    def failed(self) -> list[Outcome]:
        return self.of("failed")

    @property
    def cancelled(self) -> list[Outcome]:
        return self.of("cancelled")

    @property
    def skipped(self) -> list[Outcome]:
        return self.of("skipped")

    def counts(self) -> dict[str, int]:
        return {r: len(self.of(r)) for r in ("sent", "retried", "failed", "skipped", "cancelled")}


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
    from sqlalchemy import and_, insert, or_, select, update

    from engine.store.models import DeliveryAttempt, Notification

    n = table(Notification).c
    due = or_(
        and_(n.state == "pending", n.due_at <= now),
        and_(n.state == "sending", n.lease_until <= now),
    )
    query = select(*_row_columns()).where(due).order_by(n.due_at, n.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [OutboxRow.from_row(r._mapping) for r in session.execute(query)]
    if not rows:
        return []
    ids = [r.id for r in rows]
    session.execute(
        update(table(Notification))
        .where(n.id.in_(ids), due)
        .values(
            state="sending",
            lease_owner=worker_id,
            lease_until=now + timedelta(seconds=lease_seconds),
            updated_at=now,
        )
    )
    lost = [
        {"notification_id": r.id, "at": now, "worker": r.lease_owner or "?", "outcome": "lost",
         "error": "the lease expired before the outcome was recorded (worker died mid-send?)"}
        for r in rows
        if r.state == "sending"
    ]  # fmt: skip
    if lost:
        session.execute(insert(table(DeliveryAttempt)), lost)
    return rows


# ---- the SQLite worker lock -----------------------------------------------------------


def wall_clock() -> datetime:
    return datetime.now(UTC)


def acquire_outbox(session: Session, worker_id: str, *, seconds: float, at: datetime) -> bool:
    """Take or renew the ``delivery`` lock (SQLite); True if newly taken, False if renewed.

    Raises ``OutboxBusy`` naming the holder while another worker's lock has not expired.
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
    since = holder.acquired_at.astimezone().isoformat(sep=" ", timespec="seconds")
    raise OutboxBusy(
        f"another worker holds the SQLite outbox (since {since}, worker {holder.owner}); "
        "SQLite allows one worker at a time, use PostgreSQL for several"
    )


def release_outbox(session: Session, worker_id: str) -> None:
    from sqlalchemy import delete

    from engine.store.models import WorkerLock

    lock = table(WorkerLock).c
    session.execute(
        delete(table(WorkerLock)).where(lock.name == LOCK_NAME, lock.owner == worker_id)
    )


# ---- deciding -------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """An obligation's current status, as the stop conditions read it."""

    status: str
    cancelled_at: datetime | None


Siblings = Mapping[tuple[int, int, str], Sequence[OutboxRow]]


def verdict(
    row: OutboxRow,
    recipient: Recipient | None,
    standings: Mapping[int, Standing],
    siblings: Siblings,
    now: datetime,
) -> tuple[Verdict, str | None]:
    """Whether a due row is sent, cancelled or skipped, and why (pure).

    - cancelled: the contact is gone or inactive; the obligation is gone or no longer
      follows from the plans (cancelled by sync); its status is in the row's ``stop_on``;
    - skipped: a later stage of the same obligation, contact and channel has overtaken
      it (``overtaken_by``);
    - sent otherwise.
    """
    if recipient is None or not recipient.active:
        return "cancel", "the contact is inactive"
    if row.obligation_id is None:
        return "send", None
    standing = standings.get(row.obligation_id)
    if standing is None or standing.cancelled_at is not None:
        return "cancel", "the obligation no longer follows from its plan"
    if standing.status in row.stop_on:
        return "cancel", f"stopped: obligation {standing.status}"
    group = siblings.get((row.obligation_id, row.contact_id, row.channel), ())
    later = overtaken_by(row, group, standing.status, now)
    if later is not None:
        return "skip", f"overtaken by stage {later.stage}"
    return "send", None


def overtaken_by(
    row: OutboxRow, group: Iterable[OutboxRow], status: str, now: datetime
) -> OutboxRow | None:
    """The latest row of ``group`` (same obligation, contact, channel) that supersedes ``row``.

    A sibling supersedes ``row`` when it is scheduled by ``now``, is later (its
    ``(scheduled_at, stage_order)`` is greater), and still stands: already sent, or
    pending/sending and not stopped by the obligation's current status. So an engine
    that was down for a week sends the current stage once, not a burst of stale ones.
    """
    mine = (row.scheduled_at, row.stage_order)
    best: OutboxRow | None = None
    for other in group:
        if other.id == row.id or other.scheduled_at > now or other.state not in LIVE_STATES:
            continue
        if other.state != "sent" and status in other.stop_on:
            continue
        rank = (other.scheduled_at, other.stage_order)
        if rank > mine and (best is None or rank > (best.scheduled_at, best.stage_order)):
            best = other
    return best


def backoff(key: str, attempts: int, settings: DeliverySettings) -> float:
    """Seconds to wait after the ``attempts``-th failed try of the row ``key``.

    ``backoff_seconds * 2**(attempts-1)``, capped at ``backoff_max_seconds``, times a
    factor in [0.5, 1) derived from the key and the attempt: spread, yet reproducible.
    """
    exponential = settings.backoff_seconds * 2.0 ** min(attempts - 1, 60)
    digest = hashlib.sha256(f"{key}#{attempts}".encode()).digest()
    return min(settings.backoff_max_seconds, exponential) * (
        0.5 + int.from_bytes(digest[:4]) / 2**33
    )


# ---- loading a batch ------------------------------------------------------------------


@dataclass
class Batch:
    """A claimed batch and everything deciding and rendering it needs."""

    rows: list[OutboxRow]
    recipients: dict[int, Recipient]
    standings: dict[int, Standing]
    siblings: dict[tuple[int, int, str], list[OutboxRow]]
    renderers: dict[str, KindRenderer]

    def verdict(self, row: OutboxRow, now: datetime) -> tuple[Verdict, str | None]:
        recipient = self.recipients.get(row.contact_id)
        return verdict(row, recipient, self.standings, self.siblings, now)

    def render(self, row: OutboxRow) -> Message:
        renderer = self.renderers.get(row.kind)
        if renderer is None:
            raise RenderError(f"no renderer for notifications of kind {row.kind!r}")
        return renderer.render(row, self.recipients[row.contact_id])


def load_recipients(session: Session, ids: Iterable[int]) -> dict[int, Recipient]:
    from sqlalchemy import select

    from engine.store.models import Contact

    c = table(Contact).c
    columns = [c[name] for name in Recipient.__dataclass_fields__]
    found: dict[int, Recipient] = {}
    for chunk in chunked(sorted(set(ids)), 1000):
        for r in session.execute(select(*columns).where(c.id.in_(chunk))):
            found[r.id] = Recipient(**r._asdict())
    return found


def load_standings(session: Session, ids: Iterable[int]) -> dict[int, Standing]:
    from sqlalchemy import select

    from engine.store.models import Obligation

    o = Obligation.__table__.c
    found: dict[int, Standing] = {}
    for chunk in chunked(sorted(set(ids)), 1000):
        query = select(o.id, o.status, o.cancelled_at).where(o.id.in_(chunk))
        for r in session.execute(query):
            found[r.id] = Standing(r.status, r.cancelled_at)
    return found


def load_siblings(
    session: Session, rows: Sequence[OutboxRow], now: datetime
) -> dict[tuple[int, int, str], list[OutboxRow]]:
    """The live rows scheduled by ``now`` of the batch's (obligation, contact, channel)s."""
    from sqlalchemy import select

    from engine.store.models import Notification

    n = table(Notification).c
    groups = {(r.obligation_id, r.contact_id, r.channel) for r in rows if r.obligation_id}
    found: dict[tuple[int, int, str], list[OutboxRow]] = defaultdict(list)
    for chunk in chunked(sorted({g[0] for g in groups}), 1000):
        query = select(*_row_columns()).where(
            n.obligation_id.in_(chunk), n.scheduled_at <= now, n.state.in_(LIVE_STATES)
        )
        for r in session.execute(query):
            sibling = OutboxRow.from_row(r._mapping)
            group = (r.obligation_id, r.contact_id, r.channel)
            if group in groups:
                found[group].append(sibling)
    return found


def load_batch(session: Session, rows: list[OutboxRow], env: RenderEnv) -> Batch:
    """Contacts, obligation statuses, siblings and render contexts of a batch."""
    by_kind: dict[str, list[OutboxRow]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    renderers: dict[str, KindRenderer] = {}
    for kind, kind_rows in by_kind.items():
        if kind in KINDS:
            renderers[kind] = KINDS[kind](env)
            renderers[kind].prepare(session, kind_rows)
    return Batch(
        rows,
        load_recipients(session, (r.contact_id for r in rows)),
        load_standings(session, (r.obligation_id for r in rows if r.obligation_id is not None)),
        load_siblings(session, rows, env.now),
        renderers,
    )


# ---- channels -------------------------------------------------------------------------


def notifier_name(settings: Settings, channel: str) -> str:
    """The notifier that carries ``channel``: the outbox folder in outbox mode or for
    email without an ``[email]`` section, else the channel's own."""
    if settings.delivery.mode == "outbox":
        return "outbox"
    if channel == "email" and settings.email is None:
        return "outbox"
    return channel


def load_notifier(name: str, settings: Settings) -> Notifier:
    """Import and build a notifier by registry name (``cls.from_settings(settings)``).

    Raises ``NhacviecError`` saying what is missing when it cannot be used.
    """
    if name == "telegram" and not settings.secret(settings.telegram.token_env):
        raise NhacviecError(
            f"Telegram is not configured: ${settings.telegram.token_env} is not set"
        )
    path = NOTIFIERS.get(name)
    if path is None:
        raise NhacviecError(f"no notifier for channel {name!r}")
    module_name, _, attribute = path.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise NhacviecError(f"the {name} notifier is not installed ({exc})") from exc
    factory = getattr(cls, "from_settings", None)
    notifier: Notifier = factory(settings) if factory is not None else cls(settings)
    return notifier


class Channels:
    """The notifiers of one pass, built and opened on first use, closed at the end.

    ``given`` (tests, embedding) maps a channel to a ready notifier; other channels are
    built from the settings. A channel that cannot be built maps to the reason.
    """

    def __init__(self, settings: Settings, given: Mapping[str, Notifier] | None = None) -> None:
        self._settings = settings
        self._given = dict(given or {})
        self._ready: dict[str, Notifier | str] = {}
        self._by_name: dict[str, Notifier] = {}
        self._stack = AsyncExitStack()

    async def get(self, channel: str) -> Notifier | str:
        """The open notifier for ``channel``, or why there is none."""
        if channel not in self._ready:
            self._ready[channel] = await self._open(channel)
        return self._ready[channel]

    async def _open(self, channel: str) -> Notifier | str:
        if channel in self._given:
            notifier = self._given[channel]
        else:
            name = notifier_name(self._settings, channel)
            if name in self._by_name:
                return self._by_name[name]
            try:
                notifier = load_notifier(name, self._settings)
            except NhacviecError as exc:
                log.warning("channel %s unavailable: %s", channel, exc)
                return str(exc)
            self._by_name[name] = notifier
        try:
            await self._stack.enter_async_context(notifier)
        except DeliveryError as exc:
            return f"the {channel} channel cannot be opened: {exc.message}"
        return notifier

    async def aclose(self) -> None:
        await self._stack.aclose()


# ---- one pass -------------------------------------------------------------------------


async def tick(
    store: Store,
    settings: Settings,
    *,
    now: datetime,
    worker_id: str,
    notifiers: Mapping[str, Notifier] | None = None,
    stop: asyncio.Event | None = None,
) -> TickReport:
    """Deliver everything due by ``now`` (see the module docstring); return what happened.

    ``stop`` (set by ``nhacviec run`` on SIGTERM) ends the pass after the current batch.
    On SQLite, raises ``OutboxBusy`` if another worker holds the outbox.
    """
    if now.tzinfo is None:
        raise ValueError("tick(now=...) needs an aware datetime")
    worker = _Pass(store, settings, now, worker_id, Channels(settings, notifiers))
    return await worker.run(stop)


class _Pass:
    """The state of one ``tick``: its report, its channels, its lock."""

    def __init__(
        self, store: Store, settings: Settings, now: datetime, worker_id: str, channels: Channels
    ) -> None:
        self.store = store
        self.settings = settings
        self.delivery = settings.delivery
        self.now = now
        self.worker_id = worker_id
        self.channels = channels
        self.report = TickReport(now, worker_id)
        self.env = RenderEnv.from_settings(settings, now)

    async def run(self, stop: asyncio.Event | None) -> TickReport:
        fresh_lock = await self._lock()
        try:
            while stop is None or not stop.is_set():
                rows = await asyncio.to_thread(self._claim)
                if not rows:
                    break
                self.report.outcomes.extend(await self._batch(rows))
                await self._lock()
        finally:
            await self.channels.aclose()
            if fresh_lock:
                await asyncio.to_thread(self._unlock)
        return self.report

    async def _lock(self) -> bool:
        if self.store.dialect != "sqlite":
            return False
        seconds = max(self.delivery.lease_seconds, 120)

        def take() -> bool:
            with self.store.session() as session:
                return acquire_outbox(session, self.worker_id, seconds=seconds, at=wall_clock())

        return await asyncio.to_thread(take)

    def _unlock(self) -> None:
        with self.store.session() as session:
            release_outbox(session, self.worker_id)

    def _claim(self) -> list[OutboxRow]:
        with self.store.session() as session:
            return claim(
                session,
                now=self.now,
                worker_id=self.worker_id,
                lease_seconds=self.delivery.lease_seconds,
                limit=self.delivery.batch_size,
            )

    def _load(self, rows: list[OutboxRow]) -> Batch:
        with self.store.session() as session:
            return load_batch(session, rows, self.env)

    async def _batch(self, rows: list[OutboxRow]) -> list[Outcome]:
        batch = await asyncio.to_thread(self._load, rows)
        outcomes: list[Outcome] = []
        queues: dict[int, tuple[Notifier, list[tuple[OutboxRow, Message]]]] = {}
        for row in rows:
            decided, reason = batch.verdict(row, self.now)
            if decided != "send":
                result: Result = "cancelled" if decided == "cancel" else "skipped"
                outcomes.append(Outcome(row, result, detail=reason))
                continue
            notifier = await self.channels.get(row.channel)
            if isinstance(notifier, str):
                outcomes.append(self._waiting(row, notifier))
                continue
            try:
                message = batch.render(row)
            except (RenderError, PermanentError) as exc:
                outcomes.append(
                    Outcome(row, "failed", detail=str(exc), attempted=True, counts=True)
                )
                continue
            queues.setdefault(id(notifier), (notifier, []))[1].append((row, message))
        keeper = asyncio.create_task(self._keep_leases([r.id for r in rows]))
        try:
            sent = await asyncio.gather(*(self._send_all(n, items) for n, items in queues.values()))
        finally:
            keeper.cancel()
        outcomes.extend(o for group in sent for o in group)
        await asyncio.to_thread(self._record, outcomes)
        return outcomes

    def _waiting(self, row: OutboxRow, reason: str) -> Outcome:
        later = self.now + timedelta(seconds=self.delivery.backoff_max_seconds)
        return Outcome(row, "retried", detail=reason, next_try=later)

    async def _send_all(
        self, notifier: Notifier, items: list[tuple[OutboxRow, Message]]
    ) -> list[Outcome]:
        """Send one channel's messages, ``max_in_flight`` (or ``[delivery] concurrency``)
        at a time; a channel that paces itself (Telegram) waits inside ``send``."""
        limit = getattr(notifier, "max_in_flight", None) or self.delivery.concurrency
        if limit == 1:
            return [await self._send(notifier, row, message) for row, message in items]
        slots = asyncio.Semaphore(limit)

        async def one(row: OutboxRow, message: Message) -> Outcome:
            async with slots:
                return await self._send(notifier, row, message)

        return list(await asyncio.gather(*(one(row, message) for row, message in items)))

    async def _send(self, notifier: Notifier, row: OutboxRow, message: Message) -> Outcome:
        tried = Outcome(row, "sent", to=message.to, subject=message.subject, attempted=True)
        try:
            receipt = await notifier.send(message)
        except PermanentError as exc:
            if exc.migrate_to_chat_id is not None:  # the group became a supergroup: resend
                return replace(tried, result="retried", detail=exc.message, next_try=self.now,
                               counts=True, migrate_to_chat_id=exc.migrate_to_chat_id)  # fmt: skip
            return replace(tried, result="failed", detail=exc.message, counts=True, flag=exc.flag)
        except TransientError as exc:
            return self._retry(tried, exc.message, exc.retry_after)
        except Exception as exc:  # a bug in a notifier must not wedge the outbox
            log.exception("notifier %s failed on %s", type(notifier).__name__, row.key)
            return self._retry(tried, f"{type(exc).__name__}: {exc}", None)
        return replace(tried, receipt=receipt.detail, counts=True)

    def _retry(self, tried: Outcome, error: str, retry_after: float | None) -> Outcome:
        if retry_after is not None:  # the server's pacing: no retry is used up
            wait = timedelta(seconds=max(1.0, retry_after))
            return replace(tried, result="retried", detail=error, next_try=self.now + wait)
        attempts = tried.row.attempts + 1
        if attempts >= self.delivery.max_attempts:
            detail = f"gave up after {attempts} attempts: {error}"
            return replace(tried, result="failed", detail=detail, counts=True)
        wait = timedelta(seconds=backoff(tried.row.key, attempts, self.delivery))
        return replace(tried, result="retried", detail=error, next_try=self.now + wait, counts=True)

    async def _keep_leases(self, ids: list[int]) -> None:
        """Renew the batch's leases while a slow channel (a paced chat) is still sending."""
        started = time.monotonic()
        interval = self.delivery.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            at = self.now + timedelta(seconds=time.monotonic() - started)
            await asyncio.to_thread(self._renew, ids, at)

    def _renew(self, ids: list[int], at: datetime) -> None:
        from sqlalchemy import update

        from engine.store.models import Notification

        n = table(Notification).c
        until = at + timedelta(seconds=self.delivery.lease_seconds)
        with self.store.session() as session:
            session.execute(
                update(table(Notification))
                .where(n.id.in_(ids), n.state == "sending", n.lease_owner == self.worker_id)
                .values(lease_until=until)
            )

    def _record(self, outcomes: list[Outcome]) -> None:
        with self.store.session() as session:
            record(session, outcomes, worker_id=self.worker_id, now=self.now)


# ---- recording ------------------------------------------------------------------------


def record(session: Session, outcomes: Sequence[Outcome], *, worker_id: str, now: datetime) -> None:
    """Write the outcomes of a batch: row states, attempts, contact flags (executemany).

    A row is only updated while this worker still holds its lease (compare-and-set), so
    a worker that lost a row to another never overwrites the other's result.
    """
    from sqlalchemy import bindparam, insert, update

    from engine.store.models import Contact, DeliveryAttempt, Notification

    if not outcomes:
        return
    n = table(Notification).c
    rows = update(table(Notification)).where(
        n.id == bindparam("_id"), n.lease_owner == worker_id, n.state == "sending"
    ).values(
        state=bindparam("_state"),
        attempts=bindparam("_attempts"),
        due_at=bindparam("_due_at"),
        sent_at=bindparam("_sent_at"),
        last_error=bindparam("_error"),
        receipt=bindparam("_receipt"),
        lease_owner=None,
        lease_until=None,
        updated_at=now,
    )  # fmt: skip
    session.execute(rows, [_row_values(o, now) for o in outcomes])
    attempts = [
        {"notification_id": o.row.id, "at": now, "worker": worker_id,
         "outcome": _ATTEMPT_OF[o.result], "error": None if o.result == "sent" else o.detail}
        for o in outcomes
        if o.attempted
    ]  # fmt: skip
    if attempts:
        session.execute(insert(table(DeliveryAttempt)), attempts)
    _update_contacts(session, outcomes, Contact)


def _row_values(outcome: Outcome, now: datetime) -> dict[str, Any]:
    sent = outcome.result == "sent"
    return {
        "_id": outcome.row.id,
        "_state": _STATE_OF[outcome.result],
        "_attempts": outcome.attempts,
        "_due_at": outcome.next_try or outcome.row.due_at,
        "_sent_at": now if sent else None,
        "_error": None if sent else outcome.detail,
        "_receipt": outcome.receipt,
    }


def _update_contacts(session: Session, outcomes: Sequence[Outcome], contact: Any) -> None:
    from sqlalchemy import bindparam, update

    c = table(contact).c
    flags: dict[str, list[dict[str, Any]]] = defaultdict(list)
    moves = []
    for o in outcomes:
        if o.flag is not None:
            flags[o.row.channel].append({"_id": o.row.contact_id, "_flag": o.flag})
        if o.migrate_to_chat_id is not None:
            moves.append({"_id": o.row.contact_id, "_chat": o.migrate_to_chat_id})
    for channel, values in flags.items():
        column = {"email": "email_flag", "telegram": "telegram_flag"}.get(channel)
        if column is not None:
            stmt = update(table(contact)).where(c.id == bindparam("_id"))
            session.execute(stmt.values({column: bindparam("_flag")}), values)
    if moves:
        stmt = update(table(contact)).where(c.id == bindparam("_id"))
        session.execute(stmt.values(telegram_chat_id=bindparam("_chat")), moves)


def worker_name() -> str:
    """A worker id that tells which machine and process: ``host:pid:random``."""
    import os
    import socket
    import uuid

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
