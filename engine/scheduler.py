"""``nhacviec run``: the long-running engine, in one asyncio loop.

- APScheduler 3.x (``AsyncIOScheduler``, jobs defined here, nothing in a job store: the
  database is the source of truth) runs the delivery ``tick`` at the start of every
  minute (and once at start-up), ``max_instances=1`` and ``coalesce=True`` so a slow
  tick is never doubled nor followed by a burst of missed ones; and the re-sync, which
  each minute compares the modification times of the plan files, the workflow files and
  the agency directory with the last ones seen and runs ``sync`` when they changed (and
  once at start-up).
- uvicorn serves ``engine.web`` (acknowledgement pages) on ``[web] bind``.
- SIGTERM or SIGINT: stop starting jobs, let the current tick finish its batch (it
  stops claiming new ones), stop the web server, release the SQLite outbox, exit 0.

On SQLite the engine holds the ``delivery`` worker lock for its whole life (renewed by
every tick), so a second ``run`` or a cron ``tick`` says the outbox is busy and exits.

The weekly digests need no job of their own: with ``[digest] enabled`` each tick first
makes the week's digests when they are due (``engine.digest.prepare_digests``: once per
week, a marker read otherwise), so they go out in the same pass, at ``send_at`` on the
week's first working day, from ``run`` as from a cron ``nhacviec tick``; a job beside
the tick would only race it.

Parts that land later plug in through ``extensions()``: a name mapped to the dotted path
of a factory ``(engine: Engine) -> Sequence[Job | Service]``, imported when ``run``
starts; a channel declares its own in the registry (``ChannelEntry.services``: the
Telegram bot is a ``Service``). A factory that has nothing to run (its
channel is not configured) returns an empty list and logs why.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine import labels
from engine.delivery import tick
from engine.errors import NhacviecError
from engine.i18n import _
from engine.outbox import acquire_outbox, release_outbox, wall_clock

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.store.db import Store

log = logging.getLogger("nhacviec.run")
Clock = Callable[[], datetime]


def extensions() -> dict[str, str]:
    """Extra jobs and services of ``nhacviec run``: name → ``"module:factory"`` (see
    above): each channel's ``services`` in the registry (Telegram's bot)."""
    from notifiers.registry import CHANNELS

    return {name: entry.services for name, entry in CHANNELS.items() if entry.services}


@dataclass(frozen=True)
class Job:
    """A scheduled coroutine: ``trigger`` is an APScheduler 3 trigger."""

    name: str
    trigger: Any
    run: Callable[[], Awaitable[None]]
    at_start: bool = False


class Service(Protocol):
    """A long-running part (the web server, the Telegram bot)."""

    name: str

    async def serve(self, stopping: asyncio.Event) -> None:
        """Run until ``stopping`` is set, then finish what is in flight and return."""


@dataclass
class Engine:
    """Everything ``nhacviec run`` runs; ``clock`` gives the ``now`` of each tick."""

    settings: Settings
    store: Store
    worker_id: str
    clock: Clock = wall_clock
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _work: set[asyncio.Task[None]] = field(default_factory=set)

    def stop(self) -> None:
        if not self.stopping.is_set():
            log.info(_("stopping: finishing the current sends"))
            self.stopping.set()

    async def run(self, *, ready: Callable[[], None] | None = None) -> None:
        """Run until ``stop`` (SIGTERM, SIGINT); see the module docstring."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        await self._hold_outbox()
        try:
            extra = list(self._extensions())
            services = self.services(extra)
            scheduler = AsyncIOScheduler(timezone=self.settings.time.zone)
            for job in self.jobs(extra):
                self._schedule(scheduler, job)
            scheduler.start()
            running = [asyncio.create_task(s.serve(self.stopping)) for s in services]
            if ready is not None:
                ready()
            await self.stopping.wait()
            scheduler.pause()  # no new runs; the running ones finish before the shutdown
            await asyncio.gather(*list(self._work), *running)
            scheduler.shutdown(wait=False)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            await asyncio.to_thread(self._release_outbox)
        log.info(_("stopped"))

    # -- parts ------------------------------------------------------------------------

    def jobs(self, extra: Sequence[Job | Service] = ()) -> list[Job]:
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        resync = Resync.for_engine(self)
        return [
            Job("tick", CronTrigger(second=0), self.tick, at_start=True),
            Job("resync", IntervalTrigger(minutes=1), resync.run, at_start=True),
            *(p for p in extra if isinstance(p, Job)),
        ]

    def services(self, extra: Sequence[Job | Service] = ()) -> list[Service]:
        from engine.acklinks import AckLinks
        from engine.web import create_app, listen

        if AckLinks.from_settings(self.settings) is None:
            log.warning(
                _("$%s is not set: emails carry no acknowledgement link"),
                self.settings.web.secret_env,
            )
        web = WebService(create_app(self.store, self.settings), listen(self.settings.web.bind))
        return [web, *(p for p in extra if not isinstance(p, Job))]

    def _extensions(self) -> Iterable[Job | Service]:
        for name, path in extensions().items():
            module_name, _sep, attribute = path.partition(":")
            factory = getattr(importlib.import_module(module_name), attribute)
            parts: Sequence[Job | Service] = factory(self)
            log.info(_("extension %s: %d part(s)"), name, len(parts))
            yield from parts

    def _schedule(self, scheduler: Any, job: Job) -> None:
        options: dict[str, Any] = {}
        if job.at_start:
            options["next_run_time"] = datetime.now(UTC)
        scheduler.add_job(
            self._guarded(job), job.trigger, id=job.name, name=job.name, max_instances=1,
            coalesce=True, misfire_grace_time=50, **options,
        )  # fmt: skip

    def _guarded(self, job: Job) -> Callable[[], Awaitable[None]]:
        """The job as APScheduler runs it: tracked (``run`` waits for it when stopping)
        and shielded (APScheduler's shutdown cancels running jobs; the work must finish)."""

        async def run() -> None:
            if self.stopping.is_set():
                return
            task = asyncio.create_task(self._logged(job))
            self._work.add(task)
            task.add_done_callback(self._work.discard)
            await asyncio.shield(task)

        return run

    async def _logged(self, job: Job) -> None:
        try:
            await job.run()
        except NhacviecError as exc:  # bad input or a busy outbox: say so, try next time
            log.error(_("%s: %s"), job.name, exc)
        except Exception:  # one failed run must not end the engine; the next one retries
            log.exception(_("job %s failed"), job.name)

    # -- the delivery job -------------------------------------------------------------

    async def tick(self) -> None:
        report = await tick(
            self.store, self.settings, now=self.clock(), worker_id=self.worker_id,
            stop=self.stopping,
        )  # fmt: skip
        counts = {k: v for k, v in report.counts().items() if v}
        if counts:
            log.info(_("tick: %s"), ", ".join(f"{v} {labels.result(k)}" for k, v in counts.items()))

    async def _hold_outbox(self) -> None:
        if self.store.dialect != "sqlite":
            return

        def take() -> None:
            with self.store.session() as session:
                seconds = max(self.settings.delivery.lease_seconds, 120)
                acquire_outbox(session, self.worker_id, seconds=seconds, at=wall_clock())

        await asyncio.to_thread(take)

    def _release_outbox(self) -> None:
        if self.store.dialect == "sqlite":
            with self.store.session() as session:
                release_outbox(session, self.worker_id)


@dataclass
class WebService:
    """uvicorn serving the acknowledgement pages on an already bound socket."""

    app: Any
    sock: Any
    name: str = "web"

    async def serve(self, stopping: asyncio.Event) -> None:
        from engine.web import serve

        await serve(self.app, self.sock, stopping)


# ---- re-sync when plan or workflow files change ---------------------------------------


def fingerprint(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of every YAML file under ``paths`` (files or folders)."""
    found = []
    for path in paths:
        files = [path] if path.is_file() else sorted(path.rglob("*.y*ml")) if path.is_dir() else []
        for file in files:
            try:
                stat = file.stat()
            except OSError:  # removed while we looked: the next poll sees it gone
                continue
            found.append((str(file), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


@dataclass
class Resync:
    """Runs ``sync`` when the files it reads change (polled by the ``resync`` job)."""

    engine: Engine
    sync: Callable[..., Any]
    last: tuple[tuple[str, int, int], ...] | None = None

    @classmethod
    def for_engine(cls, engine: Engine) -> Resync:
        from engine.workflow.sync import run_sync

        return cls(engine, run_sync)

    @property
    def watched(self) -> list[Path]:
        paths = self.engine.settings.paths
        return [paths.plans, paths.workflows, paths.agencies]

    async def run(self) -> None:
        current = await asyncio.to_thread(fingerprint, self.watched)
        if current == self.last:
            return
        self.last = current  # a file that sync refuses waits for its next change
        engine = self.engine
        report = await asyncio.to_thread(
            self.sync, engine.store, engine.settings, now=engine.clock()
        )
        log.info(_("re-sync after a change in plans, workflows or agencies: %s"), _summary(report))


def _summary(report: Any) -> str:
    names = ("added", "changed", "cancelled", "reinstated")
    parts = [f"{len(getattr(report, n, []))} {labels.result(n)}" for n in names]
    return ", ".join(parts)
