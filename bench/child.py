"""Work measured in a process of its own, so that its peak memory is its own.

``python -m bench.child COMMAND JSON`` runs one command and prints one JSON line with
``seconds`` (the work alone), ``rss_before_mib`` (after imports, before the work) and
``peak_rss_mib`` (the kernel's high-water mark, ``VmHWM``, at the end). Commands:

- ``tick {"url", "templates", "outbox", "now"}``: one ``tick`` at ``now`` (email to the
  outbox folder: the default without an SMTP server);
- ``sync {"url", "folder", "plans", "tasks", "now"}``: ``run_sync`` of a synthetic world
  already loaded into the store;
- ``apscheduler {"jobs", "path", "tuned", "lookups"}``: a ``BackgroundScheduler`` with a
  ``SQLAlchemyJobStore`` on the SQLite file ``path``, started paused, and one
  ``add_job(func, DateTrigger(run_date))`` per line of the file ``jobs``; then its job
  store's ``get_due_jobs`` at each instant of ``lookups``.

``run_child(command, args)`` runs one and returns what it printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.harness import ROOT


def run_child(command: str, args: dict[str, Any], timeout: float = 1800) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.child", command, json.dumps(args)],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bench.child {command} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def rss_mib(field: str = "VmRSS") -> float:
    """This process's resident memory (``VmRSS``) or its high-water mark (``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no {field} in /proc/self/status")


def measured(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    before = rss_mib()
    started = time.perf_counter()
    out = work()
    seconds = time.perf_counter() - started
    return out | {
        "seconds": seconds,
        "rss_before_mib": round(before, 1),
        "peak_rss_mib": round(rss_mib("VmHWM"), 1),
    }


def tick(args: dict[str, Any]) -> dict[str, Any]:
    import asyncio

    from engine.config import PathsSettings, Settings
    from engine.delivery import tick as run_tick
    from engine.store.db import open_store

    settings = Settings(
        paths=PathsSettings(templates=Path(args["templates"]), outbox=Path(args["outbox"]))
    )
    store = open_store(args["url"])
    now = datetime.fromisoformat(args["now"])

    def work() -> dict[str, Any]:
        report = asyncio.run(run_tick(store, settings, now=now, worker_id="bench-child"))
        return {"sent": len(report.sent)}

    return measured(work)


def sync(args: dict[str, Any]) -> dict[str, Any]:
    from bench.synthetic import World
    from engine.store.db import open_store
    from engine.workflow.sync import run_sync

    world = World(args["plans"], args["tasks"])
    settings = world.settings(Path(args["folder"]), args["url"])
    store = open_store(args["url"])
    now = datetime.fromisoformat(args["now"])

    def work() -> dict[str, Any]:
        report = run_sync(store, settings, now=now)
        return {"obligations": len(report.added), "reminders": report.notifications_added}

    return measured(work)


def remind(key: str) -> None:
    """What an APScheduler job would call (never called here: the scheduler is paused)."""


def apscheduler(args: dict[str, Any]) -> dict[str, Any]:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.date import DateTrigger
    from sqlalchemy import create_engine, event

    jobs = [line.split("\t") for line in Path(args["jobs"]).read_text().splitlines()]
    engine = create_engine(f"sqlite:///{args['path']}")
    if args["tuned"]:  # the pragmas nhacviec's own SQLite store uses
        event.listen(engine, "connect", _wal)
    store = SQLAlchemyJobStore(engine=engine)
    scheduler = BackgroundScheduler(jobstores={"default": store}, timezone="UTC")
    scheduler.start(paused=True)

    def work() -> dict[str, Any]:
        chunk, rates, started = max(1, len(jobs) // 10), [], time.perf_counter()
        for n, (key, run_date) in enumerate(jobs, 1):
            when = datetime.fromisoformat(run_date)
            scheduler.add_job(remind, DateTrigger(run_date=when), args=[key], id=key)
            if n % chunk == 0:
                rates.append(time.perf_counter() - started)
                started = time.perf_counter()
        return {"jobs": len(jobs), "chunk_seconds": rates}

    out = measured(work)
    out["lookups"] = [_lookup(store, datetime.fromisoformat(at)) for at in args["lookups"]]
    scheduler.shutdown(wait=False)
    return out


def _lookup(store: Any, now: datetime) -> dict[str, Any]:
    samples, due = [], 0
    for _ in range(7):
        started = time.perf_counter()
        due = len(store.get_due_jobs(now))
        samples.append(time.perf_counter() - started)
    samples.sort()
    return {"now": now.isoformat(), "due": due, "seconds": samples[len(samples) // 2]}


def _wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


COMMANDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "tick": tick,
    "sync": sync,
    "apscheduler": apscheduler,
}

if __name__ == "__main__":
    print(json.dumps(COMMANDS[sys.argv[1]](json.loads(sys.argv[2]))))
    sys.exit(0)
