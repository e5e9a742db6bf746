"""The alternative a user would pick: one APScheduler job per reminder.

The reminders are nhacviec's own: a synthetic world (``bench.synthetic``, 8 ten-year
plans of 102 yearly tasks) synced on 1 December 2020, before any of it opens, gives
about 100,000 reminders, all in the future. nhacviec's side is ``run_sync`` of that
world into a SQLite file (generation included: plans → obligations → reminders). The
alternative is APScheduler 3.x as its documentation shows it: a ``BackgroundScheduler``
with a ``SQLAlchemyJobStore`` on a SQLite file and one ``add_job(func,
DateTrigger(run_date), id=key)`` per reminder, with the same keys and instants.

The scheduler is started **paused**: APScheduler 3.x only writes a job to its store once
the scheduler has started (before that, ``add_job`` queues it in memory and ``start()``
writes the queue one job at a time, the same cost); each ``add_job`` then INSERTs and
COMMITs its pickled job in a transaction of its own. Paused, it does not wake its thread
up after every job (a running one does, ``wakeup()``), and nothing is due to run anyway:
paused is the cheapest way to get 100,000 jobs into the store, i.e. the comparison most
favourable to APScheduler. It is measured twice: with the store's default SQLite engine
(rollback journal, a sync to disk per commit, what a user gets) and with the pragmas
nhacviec's own store uses (WAL, ``synchronous=NORMAL``).

Also measured: each side's "what is due now" lookup at the first instant when at least
100 reminders are due (``SQLAlchemyJobStore.get_due_jobs(now)``, which unpickles every
due job; nhacviec's indexed SELECT of the due rows), and each process's peak memory
(``VmHWM``): the scheduler after its 100,000 jobs; nhacviec's sync, and its engine
during a tick at that instant (email written to the outbox folder).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bench.child import run_child
from bench.data import scratch_store
from bench.harness import ROOT, BenchContext
from bench.synthetic import World

if TYPE_CHECKING:
    from engine.store.db import Store

NAME = "apscheduler_alternative"
NOW = datetime(2020, 12, 1, 1, 0, tzinfo=UTC)
SYNCED = ("notifications", "audit_events", "obligations")


def run(ctx: BenchContext) -> dict[str, Any]:
    world = World(plans=1, tasks=30) if ctx.quick else World(plans=8, tasks=102)
    repeat = 1 if ctx.quick else 3
    folder = ctx.workdir / "aps-world"
    with scratch_store(ctx, "sqlite", "aps") as store:
        url = store.engine.url.render_as_string(hide_password=False)
        settings = world.settings(folder, url)
        world.load(store, settings, NOW)
        store.dispose()
        syncs = []
        for n in range(repeat):
            if n:
                _clear(store)
            args = {"url": url, "folder": str(folder), "plans": world.plans,
                    "tasks": world.tasks, "now": NOW.isoformat()}  # fmt: skip
            syncs.append(run_child("sync", args))
        reminders = _reminders(store)
        due_at = _first_instant_with(reminders, 100)
        select_s, due = _due_select(store, due_at)
        tick = run_child("tick", {"url": url, "templates": str(ROOT / "templates"),
                                  "outbox": str(ctx.workdir / "aps-outbox"),
                                  "now": due_at.isoformat()})  # fmt: skip
    jobs = ctx.workdir / "aps-jobs.tsv"
    jobs.write_text("".join(f"{key}\t{at.isoformat()}\n" for key, at in reminders))
    sync_s = statistics.median(s["seconds"] for s in syncs)
    ctx.log(f"  nhacviec: sync of {len(reminders):,} reminders {sync_s:.1f} s")
    aps = {}
    for label, tuned in (("default", False), ("wal", True)):
        path = ctx.workdir / f"aps-{label}.sqlite"
        out = run_child("apscheduler", {"jobs": str(jobs), "path": str(path), "tuned": tuned,
                                        "lookups": [due_at.isoformat()]})  # fmt: skip
        path.unlink(missing_ok=True)
        aps[label] = out
        ctx.log(
            f"  APScheduler ({label} SQLite): {out['jobs']:,} add_job in {out['seconds']:.0f} s "
            f"= {out['seconds'] / sync_s:.0f}× nhacviec's sync; peak RSS "
            f"{out['peak_rss_mib']:.0f} MiB; get_due_jobs ({out['lookups'][0]['due']} due) "
            f"{out['lookups'][0]['seconds'] * 1000:.1f} ms"
        )
    ctx.log(
        f"  nhacviec: SELECT of the {due} due rows {select_s * 1000:.1f} ms; peak RSS: sync "
        f"{statistics.median(s['peak_rss_mib'] for s in syncs):.0f} MiB, tick "
        f"{tick['peak_rss_mib']:.0f} MiB ({tick['sent']} sent)"
    )
    return _summary(world, repeat, reminders, syncs, tick, select_s, due, due_at, aps)


def _summary(
    world: World,
    repeat: int,
    reminders: list[tuple[str, datetime]],
    syncs: list[dict[str, Any]],
    tick: dict[str, Any],
    select_s: float,
    due: int,
    due_at: datetime,
    aps: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    sync_s = statistics.median(s["seconds"] for s in syncs)
    out: dict[str, Any] = {
        "method": (
            f"{len(reminders):,} reminders of a synthetic world ({world.obligations:,} "
            "obligations) synced before any is due; nhacviec: run_sync in a child "
            f"process, median of {repeat} (synced rows deleted between); APScheduler "
            "3.x: BackgroundScheduler started paused (see the module docstring: the "
            "cheapest way to persist jobs) with a SQLAlchemyJobStore on a SQLite file, one "
            "add_job(func, DateTrigger(run_date), id=key) per reminder, one pass in a "
            "child process (10 chunks timed), with the default engine and with WAL + "
            "synchronous=NORMAL; lookups: median of 7 at the first instant with ≥ 100 due; "
            "memory: VmHWM of each child process"
        ),
        "reminders": len(reminders),
        "obligations": world.obligations,
        "due_instant": due_at.isoformat(),
        "nhacviec": {
            "sync_seconds": round(sync_s, 2),
            "sync_peak_rss_mib": statistics.median(s["peak_rss_mib"] for s in syncs),
            "tick_peak_rss_mib": tick["peak_rss_mib"],
            "tick_seconds": round(tick["seconds"], 3),
            "tick_sent": tick["sent"],
            "due_select_ms": round(select_s * 1000, 2),
            "due": due,
        },
    }
    for label, result in aps.items():
        lookup = result["lookups"][0]
        out[f"apscheduler_{label}"] = {
            "add_job_seconds": round(result["seconds"], 1),
            "chunk_seconds": [round(c, 1) for c in result["chunk_seconds"]],
            "over_nhacviec_sync": round(result["seconds"] / sync_s, 1),
            "peak_rss_mib": result["peak_rss_mib"],
            "rss_before_mib": result["rss_before_mib"],
            "get_due_jobs_ms": round(lookup["seconds"] * 1000, 2),
            "due": lookup["due"],
        }
    return out


def _reminders(store: Store) -> list[tuple[str, datetime]]:
    import sqlalchemy as sa

    from engine.store.models import Notification

    with store.session() as session:
        rows = session.execute(
            sa.select(Notification.key, Notification.scheduled_at)
            .where(Notification.state == "pending")
            .order_by(Notification.id)
        ).all()
    return [(key, at) for key, at in rows]


def _first_instant_with(reminders: list[tuple[str, datetime]], count: int) -> datetime:
    ordered = sorted(at for _, at in reminders)
    return ordered[min(count, len(ordered)) - 1]


def _due_select(store: Store, now: datetime) -> tuple[float, int]:
    """nhacviec's indexed SELECT of every row due at ``now`` (median of 7), and how many."""
    import sqlalchemy as sa

    from engine.outbox import row_columns, table
    from engine.store.models import Notification

    n = table(Notification).c
    query = sa.select(*row_columns()).where(n.state == "pending", n.due_at <= now)
    samples, due = [], 0
    for _ in range(8):
        started = time.perf_counter()
        with store.engine.connect() as conn:
            due = len(conn.execute(query).all())
        samples.append(time.perf_counter() - started)
    return statistics.median(samples[1:]), due


def _clear(store: Store) -> None:
    import sqlalchemy as sa

    with store.engine.begin() as conn:
        for name in SYNCED:
            conn.execute(sa.text(f"DELETE FROM {name}"))
    store.dispose()
