"""Sync: generating and storing 100,000 obligations against the raw driver insert of the
same rows, and the peak memory of doing so at two sizes.

The synthetic world (``bench.synthetic``: 50 ten-year plans of 98 yearly tasks over 200
agencies, with reports and plan drafting, tracked from 2021) gives 100,450 obligations
and about 600,000 reminders with the shipped ``scp`` workflow; the directory and plans
are loaded first (not measured). Measured, on each backend, in alternating rounds:
``run_sync`` on a store without obligations (the first sync: generation, the reminder
schedule on the working-day calendar, and writing obligations, reminders and audit
events), ``run_sync`` again with nothing changed, and, as the baseline, the raw driver
writing exactly the rows the first sync wrote (read back through the driver as tuples:
sqlite3 ``executemany`` in chunks of 5,000, PostgreSQL ``COPY``, one transaction).
Between samples the synced rows are deleted. Goals: the first sync ≤ 1.5× the raw
insert; the re-sync under a fifth of the first sync; peak memory (a first sync in a
process of its own, ``VmHWM``) ≤ 300 MiB at 100k obligations and flat (the peak at 100k
≤ 1.25× the peak at 50k).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bench.data import backends, scratch_store
from bench.harness import BenchContext
from bench.synthetic import World

if TYPE_CHECKING:
    from engine.store.db import Store

NAME = "sync"
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
GOAL = 0.2
RAW_GOAL = 1.5
MEMORY_GOAL_MIB = 300
FLAT_GOAL = 1.25
SYNCED = ("notifications", "audit_events", "obligations")  # children first


def run(ctx: BenchContext) -> dict[str, Any]:
    world = World(plans=2, tasks=48) if ctx.quick else World(plans=50, tasks=98)
    repeat = 1 if ctx.quick else 3
    result: dict[str, Any] = {
        "method": (
            f"synthetic world of {world.obligations:,} obligations ({world.plans} ten-year "
            f"plans × {world.tasks} yearly tasks, {world.agencies} agencies, shipped scp "
            f"workflow); {repeat} alternating rounds of the raw driver insert of the rows "
            "the first sync wrote (sqlite3 executemany in chunks of 5,000 / PostgreSQL "
            "COPY, one transaction), a first sync and a re-sync; medians. Goals: first "
            f"sync ≤ {RAW_GOAL}× the raw insert, re-sync ≤ {GOAL}× the first sync; peak "
            f"RSS of a first sync in a child process ≤ {MEMORY_GOAL_MIB} MiB, flat "
            f"(≤ {FLAT_GOAL}× from half the size)"
        ),
        "obligations": world.obligations,
        "goal": GOAL,
        "raw_goal": RAW_GOAL,
        "memory_goal_mib": MEMORY_GOAL_MIB,
        "flat_goal": FLAT_GOAL,
    }
    half = World(plans=1, tasks=48) if ctx.quick else World(plans=25, tasks=98)
    for backend in backends(ctx):
        with scratch_store(ctx, backend, "sync") as store:
            result[backend] = _measure(ctx, store, world, repeat, backend)
        result[backend]["memory"] = _memory(ctx, backend, [half, world])
    return result


def _measure(
    ctx: BenchContext, store: Store, world: World, repeat: int, backend: str
) -> dict[str, Any]:
    from engine.workflow.sync import run_sync

    settings = world.settings(ctx.workdir / "world", _url(store))
    world.load(store, settings, NOW)
    report = run_sync(store, settings, now=NOW)
    reminders = report.notifications_added
    assert len(report.added) == world.obligations, len(report.added)
    dumped = _dump(store)
    rows = sum(len(r) for _, r in dumped.values())
    first, again, raw = [], [], []
    for _ in range(repeat):
        _clear(store)
        raw.append(_raw_insert(store, dumped))
        _clear(store)
        started = time.perf_counter()
        report = run_sync(store, settings, now=NOW)
        first.append(time.perf_counter() - started)
        assert len(report.added) == world.obligations, len(report.added)
        started = time.perf_counter()
        report = run_sync(store, settings, now=NOW)
        again.append(time.perf_counter() - started)
        assert not report.changed_anything
        ctx.log(
            f"  {backend}: raw insert {raw[-1]:.1f} s, first sync {first[-1]:.1f} s, "
            f"re-sync {again[-1]:.2f} s"
        )
    med_first, med_raw = statistics.median(first), statistics.median(raw)
    out: dict[str, Any] = {
        "reminders": reminders,
        "rows_written": rows,
        "first_sync_seconds": round(med_first, 2),
        "resync_seconds": round(statistics.median(again), 2),
        "raw_insert_seconds": round(med_raw, 2),
        "first_sync_over_raw_insert": round(med_first / med_raw, 2),
        "resync_over_first": round(statistics.median(again) / med_first, 3),
        "samples": {"first": _rounded(first), "resync": _rounded(again), "raw": _rounded(raw)},
    }
    out["met"] = out["resync_over_first"] <= GOAL
    out["raw_met"] = out["first_sync_over_raw_insert"] <= RAW_GOAL
    ctx.log(
        f"  {backend}: {rows:,} rows; first sync {out['first_sync_seconds']} s = "
        f"{out['first_sync_over_raw_insert']}× the raw insert ({out['raw_insert_seconds']} s;"
        f" goal ≤ {RAW_GOAL}); re-sync {out['resync_over_first']}× the first (goal ≤ {GOAL})"
    )
    return out


def _memory(ctx: BenchContext, backend: str, worlds: list[World]) -> dict[str, Any]:
    """Peak RSS of a first sync in a process of its own, for each world."""
    from bench.child import run_child

    by_size: dict[str, Any] = {}
    for world in worlds:
        with scratch_store(ctx, backend, "syncmem") as store:
            folder = ctx.workdir / f"memworld-{world.plans}"
            settings = world.settings(folder, _url(store))
            world.load(store, settings, NOW)
            store.dispose()
            child = run_child("sync", {
                "url": _url(store), "folder": str(folder), "plans": world.plans,
                "tasks": world.tasks, "now": NOW.isoformat(),
            })  # fmt: skip
        assert child["obligations"] == world.obligations, child
        by_size[str(world.obligations)] = {
            "peak_rss_mib": child["peak_rss_mib"],
            "rss_before_mib": child["rss_before_mib"],
            "seconds": round(child["seconds"], 2),
        }
        ctx.log(f"  {backend}: first sync of {world.obligations:,} obligations in a child: "
                f"peak RSS {child['peak_rss_mib']:.0f} MiB")  # fmt: skip
    peaks = [v["peak_rss_mib"] for v in by_size.values()]
    ratio = round(peaks[-1] / peaks[0], 2)
    return {
        "by_size": by_size,
        "largest_over_smallest": ratio,
        "met": peaks[-1] <= MEMORY_GOAL_MIB and ratio <= FLAT_GOAL,
    }


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _dump(store: Store) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """The synced tables' rows as the driver returns them, parents first."""
    dumped = {}
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for table in reversed(SYNCED):
            cursor = raw.cursor()
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            if store.dialect == "postgresql":  # JSON as the text COPY reads (not timed)
                rows = [tuple(_json_text(v) for v in row) for row in rows]
            dumped[table] = (columns, rows)
            cursor.close()
    return dumped


def _json_text(value: Any) -> Any:
    import json

    return json.dumps(value) if isinstance(value, (dict, list)) else value


def _raw_insert(store: Store, dumped: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> float:
    """Seconds for the driver alone to write the dumped rows again, in one transaction."""
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        started = time.perf_counter()
        for table, (columns, rows) in dumped.items():
            names = ", ".join(columns)
            if store.dialect == "postgresql":
                with (
                    raw.cursor() as cursor,
                    cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor = raw.cursor()
                sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
                for start in range(0, len(rows), 5000):
                    cursor.executemany(sql, rows[start : start + 5000])
                cursor.close()
        raw.commit()
        return time.perf_counter() - started


def _clear(store: Store) -> None:
    import sqlalchemy as sa

    with store.engine.begin() as conn:
        for name in SYNCED:
            conn.execute(sa.text(f"DELETE FROM {name}"))


def _rounded(values: list[float]) -> list[float]:
    return [round(v, 2) for v in values]
