"""The outbox worker: claim the rows that are due, decide, render, send, record.

The states of a row and the store side (claim, lock, record) are in ``engine.outbox``;
which notifier carries a channel is in ``engine.channels``; what a batch's messages show
is loaded, their letters made and the bot's buttons brought by ``engine.sources``, before
``engine.messages`` renders them.

One pass, ``tick(now)``: claim a batch (``claim``: intent is committed before anything is
sent), load what the batch needs in a few queries, decide each row (``verdict``), render
it, send it on its channel (one connection per channel for the whole pass; channels run
concurrently; an SMTP connection carries one message at a time, Telegram up to
``[delivery] concurrency``), recording each outcome and attempt as its send returns;
repeat until nothing is due (a claim that comes back short of ``batch_size`` took all
that was due: the pass ends after its batch, unless an outcome put a row back due now).
On PostgreSQL the database work of one batch overlaps the
sending of the next (``_Pass``). Only rows due by ``now`` are touched, so a pass costs
what is due, not what is stored (index ``(state, due_at)``).

Office hours: a row the rules would send while ``[time] send_window`` is closed (at night,
on a day off) is *held* instead (``engine.sendwindow``): it stays pending, due again when
the window next opens; no attempt is used. Rows of ``any_time`` stages are never held.

Weekly digests: with ``[digest] enabled`` a pass first puts the week's digests in the
outbox when they are due (``engine.digest.prepare_digests``: once per week, a marker read
otherwise); from then on they are rows like any other. A kind renderer may withhold a
row the rules would send (``withhold``: a digest whose week is over is cancelled).

Failures: a ``TransientError`` puts the row back to ``pending`` with ``due_at = now +
backoff(attempts)`` (exponential from ``[delivery] backoff_seconds``, capped at
``backoff_max_seconds``, with a jitter of 50–100 % derived from the row key so that rows
that failed together do not retry together); after ``max_attempts`` tries the row fails.
A ``retry_after`` (a Telegram 429) is the server pacing us: the row waits that long and
the try does not use up the retry budget. A ``PermanentError`` fails the row at once and
writes ``flag`` on the contact's address (``ContactAddress.flag``), which ``status`` shows.
Every try is a ``DeliveryAttempt`` row, including a worker's try that was cut short (it
is recorded as ``lost`` when its expired lease is taken over).

A channel that is not configured (Telegram without its token in auto mode) is not an
error of the row: its rows stay ``pending``, ``last_error`` says what to configure, and
they are looked at again after ``backoff_max_seconds`` (no attempt is used up). Once the
channel is configured they go out, and the overtaking rule keeps stale stages from
piling up.

Concurrency: on PostgreSQL any number of workers share the outbox (``FOR UPDATE SKIP
LOCKED``, leases). On SQLite one worker at a time holds the ``WorkerLock`` named
``delivery``; a second one raises ``OutboxBusy`` (unless the holder was a process of
this machine that is gone). Worker-lock times use the machine clock (they are about
processes), row times use the ``now`` of the pass.

A worker that crashes leaves the rows it held ``sending``; when their lease expires they
are sent again with the same Message-ID, so a receiver can drop a duplicate. Outcomes are
recorded as their sends return (``_Recorder``: group commits, one at a time, of what came
back meanwhile), so only messages that were on the wire can be duplicated: a Telegram
slot is free again once its outcome is recorded, and an email's message (so its final
".") is written, after the server's go-ahead to DATA, only once the outcomes before it
are written (``notifiers.email.gated_sendmail``): the writing overlaps the next message's
MAIL, RCPT and DATA. Per crash that is at most ``[email]
connections`` emails plus the messages Telegram had in flight, whatever ``batch_size``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from engine.channels import Channels
from engine.errors import RenderError
from engine.i18n import _
from engine.messages.types import KindRenderer, Recipient, RenderEnv
from engine.outbox import (
    LIVE_STATES,
    OutboxRow,
    Outcome,
    OutcomeWriter,
    Result,
    Standing,
    acquire_outbox,
    claim,
    load_recipients,
    load_siblings,
    load_snoozes,
    load_standings,
    release_outbox,
    sends_alone,
    table,
    wall_clock,
)
from engine.sendwindow import SendWindow, held_until
from engine.sources import prepare_renderers, render_env
from engine.status import reminder_status, stops
from engine.util import chunked
from notifiers.base import Message, Notifier, PermanentError, TransientError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.config import DeliverySettings, Settings
    from engine.store.db import Store

log = logging.getLogger("nhacviec.delivery")

Verdict = Literal["send", "cancel", "skip", "snooze", "hold"]
_T = TypeVar("_T")


@dataclass(repr=False)
class TickReport:
    """Every outcome of one pass, in the order they were decided."""

    now: datetime
    worker: str
    outcomes: list[Outcome] = field(default_factory=list)

    def __repr__(self) -> str:
        # Short: asyncio.run() formats the repr of its main task's result when it
        # restores the SIGINT handler, which for thousands of outcomes took 0.1 s.
        return f"TickReport(now={self.now.isoformat()}, worker={self.worker!r}, {self.counts()})"

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
        results: tuple[Result, ...] = (
            "sent",
            "retried",
            "failed",
            "skipped",
            "cancelled",
            "snoozed",
            "held",
        )
        return {r: len(self.of(r)) for r in results}


# ---- deciding -------------------------------------------------------------------------

Siblings = Mapping[tuple[int, int, str], Sequence[OutboxRow]]
Snoozes = Mapping[tuple[int, int], datetime]


def verdict(
    row: OutboxRow,
    recipient: Recipient | None,
    standings: Mapping[int, Standing],
    siblings: Siblings,
    now: datetime,
    snoozes: Snoozes | None = None,
) -> tuple[Verdict, str | None]:
    """Whether a due row is sent, cancelled, skipped or held, and why (pure).

    - cancelled: the contact is gone or inactive; the obligation is gone or no longer
      follows from the plans (cancelled by sync); it is not tracked (``engine.tracking``);
      its status is in the row's ``stop_on``;
    - skipped: a later stage of the same obligation, contact and channel has overtaken
      it (``overtaken_by``);
    - snoozed: a reminder (kind ``obligation``, not an escalation) whose contact snoozed
      the obligation until after ``now`` (``snoozes``: (obligation, contact) → until; see
      ``engine.extensions``). It stays pending and is due again at ``until``, when these
      rules decide it afresh (usually: overtaken by the reminder the snooze brings back);
    - sent otherwise.
    """
    if recipient is None or not recipient.active:
        return "cancel", "the contact is inactive"
    if row.obligation_id is None:
        return "send", None
    standing = standings.get(row.obligation_id)
    if standing is None or standing.cancelled_at is not None:
        return "cancel", "the obligation no longer follows from its plan"
    status = reminder_status(standing.status, standing.tracked)
    if stops(status, row.stop_on):
        return "cancel", f"stopped: obligation {status}"
    group = siblings.get((row.obligation_id, row.contact_id, row.channel), ())
    later = overtaken_by(row, group, standing.status, now)
    if later is not None:
        return "skip", f"overtaken by stage {later.stage}"
    until = snoozed_until(row, snoozes, now)
    if until is not None:
        return "snooze", f"snoozed until {until.isoformat()}"
    return "send", None


def snoozed_until(row: OutboxRow, snoozes: Snoozes | None, now: datetime) -> datetime | None:
    """The end of the snooze holding ``row``, or None (escalations are never held)."""
    if not snoozes or row.kind != "obligation" or row.escalation or row.obligation_id is None:
        return None
    until = snoozes.get((row.obligation_id, row.contact_id))
    return until if until is not None and until > now else None


def withhold(
    decided: tuple[Verdict, str | None], row: OutboxRow, renderer: KindRenderer | None
) -> tuple[Verdict, str | None]:
    """A "send" verdict becomes "cancel" when the row's kind renderer withholds the row
    (its optional ``withheld``: a weekly digest whose week is over, or with nothing left
    to report)."""
    withheld = getattr(renderer, "withheld", None)
    if decided[0] != "send" or withheld is None:
        return decided
    reason: str | None = withheld(row)
    return decided if reason is None else ("cancel", reason)


def hold(
    decided: tuple[Verdict, str | None], row: OutboxRow, window: SendWindow | None, now: datetime
) -> tuple[Verdict, str | None]:
    """A "send" verdict becomes "hold" while the send window is closed (module docstring)."""
    if decided[0] != "send":
        return decided
    until = held_until(window, row.payload, now)
    return decided if until is None else ("hold", "outside office hours ([time] send_window)")


def overtaken_by(
    row: OutboxRow, group: Iterable[OutboxRow], status: str, now: datetime
) -> OutboxRow | None:
    """The latest row of ``group`` (same obligation, contact, channel) that supersedes ``row``.

    A sibling supersedes ``row`` when it is scheduled by ``now``, is later (its
    ``(scheduled_at, stage_order)`` is greater), and still stands: already sent, or
    pending/sending and not stopped by the obligation's current status. So an engine
    that was down for a week sends the current stage once, not a burst of stale ones.
    Reminders (kinds ``obligation`` and ``snooze``) only overtake reminders; a message of
    another kind (an extension notice) neither overtakes nor is overtaken.
    """
    mine = (row.scheduled_at, row.stage_order)
    best: OutboxRow | None = None
    for other in group:
        if other.id == row.id or other.scheduled_at > now or other.state not in LIVE_STATES:
            continue
        if _family(other.kind) != _family(row.kind):
            continue
        if other.state != "sent" and status in other.stop_on:
            continue
        rank = (other.scheduled_at, other.stage_order)
        if rank > mine and (best is None or rank > (best.scheduled_at, best.stage_order)):
            best = other
    return best


def _family(kind: str) -> str:
    return "reminder" if kind in ("obligation", "snooze") else kind


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


def by_recipient_in_turn(rows: Sequence[OutboxRow]) -> list[OutboxRow]:
    """``rows`` reordered round-robin by contact: each contact's first row (in the order
    they come), then each one's second, and so on (pure)."""
    queues: dict[int, list[OutboxRow]] = defaultdict(list)
    for row in rows:
        queues[row.contact_id].append(row)
    depth = max((len(q) for q in queues.values()), default=0)
    return [q[n] for n in range(depth) for q in queues.values() if n < len(q)]


# ---- loading a batch ------------------------------------------------------------------


@dataclass
class Batch:
    """A claimed batch and everything deciding and rendering it needs."""

    rows: list[OutboxRow]
    recipients: dict[int, Recipient]
    standings: dict[int, Standing]
    siblings: dict[tuple[int, int, str], list[OutboxRow]]
    renderers: dict[str, KindRenderer]
    snoozes: dict[tuple[int, int], datetime] = field(default_factory=dict)
    window: SendWindow | None = None

    def verdict(self, row: OutboxRow, now: datetime) -> tuple[Verdict, str | None]:
        recipient = self.recipients.get(row.contact_id)
        decided = verdict(row, recipient, self.standings, self.siblings, now, self.snoozes)
        return hold(withhold(decided, row, self.renderers.get(row.kind)), row, self.window, now)

    def render(self, row: OutboxRow) -> Message:
        renderer = self.renderers.get(row.kind)
        if renderer is None:
            raise RenderError(
                _("no renderer for notifications of kind {kind!r}").format(kind=row.kind)
            )
        return renderer.render(row, self.recipients[row.contact_id])


def load_batch(session: Session, rows: list[OutboxRow], env: RenderEnv) -> Batch:
    """Contacts, obligation statuses, siblings and render contexts of a batch; the
    letters its escalations attach are made here, before anything is rendered
    (``engine.sources.prepare_renderers``)."""
    renderers = prepare_renderers(session, rows, env)
    return Batch(
        rows,
        load_recipients(session, (r.contact_id for r in rows)),
        load_standings(session, (r.obligation_id for r in rows if r.obligation_id is not None)),
        load_siblings(session, rows, env.now),
        renderers,
        load_snoozes(session, rows, env.now),
        SendWindow.from_settings(env.settings) if env.settings is not None else None,
    )


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
    if settings.digest.enabled:
        await _prepare_digests(store, settings, now, worker_id)
    worker = _Pass(store, settings, now, worker_id, Channels(settings, notifiers))
    return await worker.run(stop)


async def _prepare_digests(store: Store, settings: Settings, now: datetime, worker: str) -> None:
    """Put this week's digests in the outbox if it is time (``engine.digest``: a marker
    read on most ticks). A failure is logged: it must not hold up the reminders."""
    from engine.digest.schedule import prepare_digests

    try:
        await asyncio.to_thread(prepare_digests, store, settings, now=now, worker_id=worker)
    except Exception:
        log.exception(_("preparing the weekly digests failed; the next tick tries again"))


async def _nothing() -> None:
    return None


async def _claimed_ahead(upcoming: asyncio.Task[Batch | None] | None) -> Batch | None:
    """The batch a pass claimed ahead and did not deliver (None if it failed to claim:
    that error, if it matters, was raised where the claim was awaited)."""
    if upcoming is None:
        return None
    try:
        return await upcoming
    except Exception:
        return None


class _Recorder:
    """Records outcomes as their sends return, in group commits (one pass's).

    ``add`` queues outcomes and returns a future that is done once they are recorded;
    while one transaction is being written, what arrives meanwhile waits for the next,
    so a group is never larger than what came back during one commit (at most what was
    in flight). Transactions run one at a time, in order, in the recorder's own task:
    it is woken by ``add`` and runs once the sender yields, i.e. while the next message's
    first command is on the wire. ``settled`` waits until everything added so far is
    written. ``write`` decides where a group is written (``_Pass._record_group``: in the
    event loop itself on SQLite and for PostgreSQL's "sent" groups, in a thread
    otherwise). A failed write is kept: ``check`` (before each send) and ``close``
    raise it, so a pass stops sending once it can no longer record.
    """

    def __init__(self, write: Callable[[list[Outcome]], Awaitable[None]]) -> None:
        self._write = write
        self._queue: list[Outcome] = []
        self._waiting: list[asyncio.Future[None]] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._last: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last.set_result(None)
        self.error: BaseException | None = None
        self._task = asyncio.create_task(self._run())

    def add(self, outcomes: Sequence[Outcome]) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not outcomes:
            done.set_result(None)
            return done
        self._queue.extend(outcomes)
        self._waiting.append(done)
        self._last = done
        self._wake.set()
        return done

    async def settled(self) -> None:
        await asyncio.shield(self._last)

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        await self._task
        self.check()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            group, waiting = self._queue, self._waiting
            self._queue, self._waiting = [], []
            if group and self.error is None:
                try:
                    await self._write(group)
                except Exception as exc:  # raised by check() and close()
                    self.error = exc
            for done in waiting:
                done.set_result(None)
            if self._closing and not self._queue:
                return


class _Pass:
    """The state of one ``tick``: its report, its channels, its lock, the rows it holds.

    Batches are pipelined on PostgreSQL: while one batch is being sent, the next is
    claimed and loaded (database work in threads, mostly waiting on the server), so the
    connection to the mail server is never idle waiting for the database. On SQLite the
    database work is CPU in this process: beside the sending it only makes each SMTP
    reply wait for the GIL, so the next batch is claimed between batches. Outcomes are
    recorded beside the sending on both (``_Recorder``). The rows a pass holds (claimed,
    not yet recorded) keep their leases renewed while it runs; a batch claimed ahead and
    not sent (the pass was told to stop) is released back to ``pending``.
    """

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
        self.env = render_env(settings, now)
        self._locked_at = -math.inf  # when the SQLite outbox lock was last taken or renewed
        self.overlap = store.dialect != "sqlite"  # database work beside the sending
        self._held: set[int] = set()  # claimed, not yet recorded (threads update it)
        self._held_lock = threading.Lock()
        self._writer: OutcomeWriter | None = None  # the recorder's (one group at a time)

    def _hold(self, ids: Iterable[int]) -> None:
        with self._held_lock:
            self._held.update(ids)

    def _drop(self, ids: Iterable[int]) -> None:
        with self._held_lock:
            self._held.difference_update(ids)

    def _holding(self) -> list[int]:
        with self._held_lock:
            return sorted(self._held)

    async def run(self, stop: asyncio.Event | None) -> TickReport:
        fresh_lock = await self._lock()
        keeper = asyncio.create_task(self._keep_leases())
        self.recorder = _Recorder(self._record_group)
        upcoming: asyncio.Task[Batch | None] | None = self._prefetch()
        again = False  # a recorded outcome puts its row back due now (a chat moved)
        try:
            while upcoming is not None:
                batch = await upcoming
                upcoming = None
                if batch is None:
                    if not again:
                        break
                    await self.recorder.settled()
                    again = False
                    upcoming = self._prefetch()
                    continue
                if stop is not None and stop.is_set():
                    await self._db(self._release, batch.rows)
                    break
                # A batch shorter than the claim's limit took every row then due: the
                # pass is done after it, unless an outcome puts a row back due (``again``).
                upcoming = self._prefetch(drained=len(batch.rows) < self.delivery.batch_size)
                if not self.overlap:
                    await asyncio.wait([upcoming])
                outcomes = await self._deliver(batch)
                self.report.outcomes.extend(outcomes)
                again = again or any(o.next_try is not None and o.next_try <= self.now
                                     for o in outcomes)  # fmt: skip
                await self._lock()
        finally:
            try:
                await self._finish(upcoming, keeper)
            finally:
                if fresh_lock:
                    await self._db(self._unlock)
        return self.report

    async def _finish(
        self, upcoming: asyncio.Task[Batch | None] | None, keeper: asyncio.Task[None]
    ) -> None:
        """Record what was sent, give back what was claimed ahead, close the channels."""
        try:
            try:
                await self.recorder.close()
            finally:
                await self._db(self._close_writer)
            leftover = await _claimed_ahead(upcoming)
            if leftover is not None:
                await self._db(self._release, leftover.rows)
        finally:
            keeper.cancel()
            await self.channels.aclose()

    async def _db(self, work: Callable[..., _T], *args: Any) -> _T:
        """Run the database work ``work(*args)``: on PostgreSQL in a thread (mostly
        waiting on the server, the loop sends meanwhile); on SQLite here, in the event
        loop: a local file, CPU in this process whichever thread runs it and serialised
        anyway (``overlap``), so a thread would only add its start, its hop and the GIL
        hand-overs (about a tenth of a tick of 100 messages)."""
        if not self.overlap:
            return work(*args)
        return await asyncio.to_thread(work, *args)

    def _prefetch(self, *, drained: bool = False) -> asyncio.Task[Batch | None]:
        """Claim and load the next batch (in a task); none if the last claim was
        ``drained`` (it came back short: nothing else was due at ``now``), without
        asking the store again."""
        if drained:
            return asyncio.create_task(_nothing())
        return asyncio.create_task(self._db(self._claim_and_load))

    async def _lock(self) -> bool:
        """Take the SQLite outbox lock, or renew it once a third of its time has passed
        (not after every batch: a write transaction each time is waste)."""
        if self.store.dialect != "sqlite":
            return False
        seconds = max(self.delivery.lease_seconds, 120)
        if time.monotonic() - self._locked_at < seconds / 3:
            return False

        def take() -> bool:
            with self.store.session() as session:
                return acquire_outbox(session, self.worker_id, seconds=seconds, at=wall_clock())

        fresh = await self._db(take)
        self._locked_at = time.monotonic()
        return fresh

    def _unlock(self) -> None:
        with self.store.session() as session:
            release_outbox(session, self.worker_id)

    def _claim_and_load(self) -> Batch | None:
        with self.store.session() as session:
            rows = claim(
                session,
                now=self.now,
                worker_id=self.worker_id,
                lease_seconds=self.delivery.lease_seconds,
                limit=self.delivery.batch_size,
            )
        if not rows:
            return None
        self._hold(r.id for r in rows)
        with self.store.session() as session:
            return load_batch(session, rows, self.env)

    def _release(self, rows: list[OutboxRow]) -> None:
        from sqlalchemy import update

        from engine.store.models import Notification

        n = table(Notification).c
        ids = [r.id for r in rows]
        with self.store.session() as session:
            session.execute(
                update(table(Notification))
                .where(n.id.in_(ids), n.state == "sending", n.lease_owner == self.worker_id)
                .values(state="pending", lease_owner=None, lease_until=None)
            )
        self._drop(ids)

    async def _deliver(self, batch: Batch) -> list[Outcome]:
        """Decide, render and send a loaded batch (no database work)."""
        outcomes: list[Outcome] = []
        queues: dict[int, tuple[Notifier, list[OutboxRow]]] = {}
        for row in batch.rows:
            decided, reason = batch.verdict(row, self.now)
            if decided == "snooze":
                until = snoozed_until(row, batch.snoozes, self.now)
                outcomes.append(Outcome(row, "snoozed", detail=reason, next_try=until))
                continue
            if decided == "hold":
                until = held_until(batch.window, row.payload, self.now)
                outcomes.append(Outcome(row, "held", detail=reason, next_try=until))
                continue
            if decided != "send":
                result: Result = "cancelled" if decided == "cancel" else "skipped"
                outcomes.append(Outcome(row, result, detail=reason))
                continue
            notifier = await self.channels.get(row.channel)
            if isinstance(notifier, str):
                outcomes.append(self._waiting(row, notifier))
                continue
            queues.setdefault(id(notifier), (notifier, []))[1].append(row)
        self.recorder.add(outcomes)  # nothing was sent for these: recorded at once
        sent = await asyncio.gather(
            *(self._send_all(batch, n, queued) for n, queued in queues.values())
        )
        outcomes.extend(o for group in sent for o in group)
        return outcomes

    def _waiting(self, row: OutboxRow, reason: str) -> Outcome:
        later = self.now + timedelta(seconds=self.delivery.backoff_max_seconds)
        return Outcome(row, "retried", detail=reason, next_try=later)

    async def _send_all(
        self, batch: Batch, notifier: Notifier, rows: list[OutboxRow]
    ) -> list[Outcome]:
        """Render and send one channel's rows, ``max_in_flight`` (or ``[delivery]
        concurrency``) at a time; a channel that paces itself (Telegram) waits in ``send``.

        Messages are rendered ahead, in the gaps while earlier ones are on the wire, so
        rendering costs no time when the server is the slower of the two.
        """
        limit = notifier.max_in_flight or self.delivery.concurrency
        if limit > 1:
            slots = asyncio.Semaphore(limit)

            async def one(row: OutboxRow) -> Outcome:
                async with slots:  # a slot is free again once its outcome is recorded
                    return await self._render_and_send(batch, notifier, row)

            # Started one recipient at a time in turn: a slot held by a message waiting
            # for its chat's pace must not keep other chats' messages waiting behind it.
            order = by_recipient_in_turn(rows)
            done = await asyncio.gather(*(one(row) for row in order))
            sent = {row.id: outcome for row, outcome in zip(order, done, strict=True)}
            return [sent[row.id] for row in rows]
        rendered: asyncio.Queue[tuple[OutboxRow, Message | Outcome]] = asyncio.Queue()

        async def render_ahead() -> None:
            for row in rows:
                message = self._render(batch, row)
                if isinstance(message, Message):
                    notifier.prepare(message)  # the email bytes, ahead
                rendered.put_nowait((row, message))
                await asyncio.sleep(0)  # one at a time, in the gaps of the sending

        renderer = asyncio.create_task(render_ahead())
        outcomes: list[Outcome] = []
        try:
            for _ in rows:
                row, message = await rendered.get()
                if isinstance(message, Outcome):
                    outcomes.append(message)
                else:
                    outcomes.append(await self._send(notifier, row, message))
        finally:
            renderer.cancel()
        return outcomes

    def _render(self, batch: Batch, row: OutboxRow) -> Message | Outcome:
        try:
            return batch.render(row)
        except (RenderError, PermanentError) as exc:
            failed = Outcome(row, "failed", detail=str(exc), attempted=True, counts=True)
            self.recorder.add([failed])
            return failed

    async def _render_and_send(self, batch: Batch, notifier: Notifier, row: OutboxRow) -> Outcome:
        message = self._render(batch, row)
        if isinstance(message, Outcome):
            return message
        return await self._send(notifier, row, message)

    async def _send(self, notifier: Notifier, row: OutboxRow, message: Message) -> Outcome:
        """Send one message and hand its outcome to the recorder (``_Recorder``): a
        channel that can hold a message back until the outcomes before it are recorded
        (``gated``: email, before the message after DATA) goes on at once; any other waits here
        until its own outcome is recorded. Either way a crash re-sends at most the
        messages that were on the wire."""
        outcome = await self._try(notifier, row, message)
        recorded = self.recorder.add([outcome])
        if not notifier.gated:
            await recorded
        return outcome

    async def _try(self, notifier: Notifier, row: OutboxRow, message: Message) -> Outcome:
        tried = Outcome(row, "sent", to=message.to, subject=message.subject, attempted=True)
        self.recorder.check()
        try:
            if notifier.gated:
                send = notifier.send(message, before_accept=self.recorder.settled)  # type: ignore[call-arg]
            else:
                send = notifier.send(message)
            receipt = await send
        except PermanentError as exc:
            if exc.migrate_to_chat_id is not None:  # the group became a supergroup: resend
                return replace(tried, result="retried", detail=exc.message, next_try=self.now,
                               counts=True, migrate_to_chat_id=exc.migrate_to_chat_id)  # fmt: skip
            return replace(tried, result="failed", detail=exc.message, counts=True, flag=exc.flag)
        except TransientError as exc:
            return self._retry(tried, exc.message, exc.retry_after)
        except Exception as exc:  # a bug in a notifier must not wedge the outbox
            log.exception(_("notifier %s failed on %s"), type(notifier).__name__, row.key)
            return self._retry(tried, f"{type(exc).__name__}: {exc}", None)
        # Built in one go rather than with replace(): this runs once per message sent.
        to, subject = message.to, message.subject
        return Outcome(row, "sent", None, to, subject, receipt.detail, attempted=True, counts=True)

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

    async def _keep_leases(self) -> None:
        """Renew the leases of the rows this pass holds, while a slow channel (a paced
        chat) is still sending; rows already recorded are left alone by the guard."""
        started = time.monotonic()
        interval = self.delivery.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            at = self.now + timedelta(seconds=time.monotonic() - started)
            await self._db(self._renew, self._holding(), at)

    def _renew(self, ids: list[int], at: datetime) -> None:
        from sqlalchemy import update

        from engine.store.models import Notification

        n = table(Notification).c
        until = at + timedelta(seconds=self.delivery.lease_seconds)
        with self.store.session() as session:
            for chunk in chunked(ids, 1000):
                session.execute(
                    update(table(Notification))
                    .where(n.id.in_(chunk), n.state == "sending", n.lease_owner == self.worker_id)
                    .values(lease_until=until)
                )

    async def _record_group(self, outcomes: list[Outcome]) -> None:
        """Write one group of outcomes (``_Recorder``): on SQLite here, in the event loop
        (a local file: CPU in this process whichever thread runs it, so a thread would
        only add its hop and GIL hand-overs to every message); on PostgreSQL a group of
        "sent" outcomes from the event loop too, through libpq's asynchronous calls
        (``OutcomeWriter.write_sent``: a few microseconds of C, the loop free while the
        server works; a thread cost about 0.2 ms of CPU per message, psycopg's
        conversions and the GIL hand-overs), any other group in a thread."""
        if self.store.dialect == "sqlite":
            self._record(outcomes)
            return
        if self._writer is None:
            await asyncio.to_thread(self._open_writer)
        writer = self._writer
        if writer is None or not writer.in_loop or not sends_alone(outcomes):
            await asyncio.to_thread(self._record, outcomes)
            return
        try:
            await writer.write_sent(outcomes)
        except BaseException:
            self._writer = None
            with contextlib.suppress(Exception):
                writer.discard()
            raise
        self._drop(o.row.id for o in outcomes)

    def _open_writer(self) -> OutcomeWriter:
        if self._writer is None:
            self._writer = OutcomeWriter(
                self.store.engine.connect(), worker_id=self.worker_id, now=self.now
            )
        return self._writer

    def _record(self, outcomes: list[Outcome]) -> None:
        # One connection kept for the pass (``OutcomeWriter``), not a Session per call:
        # this runs once per message sent, and a session's set-up, the pool's checkout
        # and its reset on return would cost more than the SQL.
        writer = self._open_writer()
        try:
            writer.write(outcomes)
        except Exception:
            self._writer = None
            with contextlib.suppress(Exception):
                writer.close()
            raise
        self._drop(o.row.id for o in outcomes)

    def _close_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
