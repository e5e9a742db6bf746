"""Memory: the engine's peak RSS during a tick, with 10,000 and 1,000,000 notifications stored.

The store is filled as for ``bench.tick_scaling`` (100 rows due among N pending), then a
tick runs in a process of its own (``bench.child tick``: email written to the outbox
folder, the default without an SMTP server) and reports its high-water mark
(``VmHWM``) and its RSS before the tick (after imports and opening the store). Goal: flat,
the peak with 1M stored within 10% of the peak with 10k.
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.child import run_child
from bench.data import NOW, analyze, backends, fill_outbox, reset_due, scratch_store
from bench.harness import ROOT, BenchContext

NAME = "memory"
DUE = 100
GOAL = 1.10


def run(ctx: BenchContext) -> dict[str, Any]:
    sizes = [10_000, 50_000] if ctx.quick else [10_000, 1_000_000]
    repeat = 1 if ctx.quick else 3
    result: dict[str, Any] = {
        "method": (
            f"{DUE} rows due among N pending (as tick_scaling); one tick in a child process "
            "writing the due emails to the outbox folder; peak RSS = VmHWM at its end; "
            f"median of {repeat} ticks per size. Goal: peak at {sizes[-1]:,} ≤ {GOAL}× "
            f"the peak at {sizes[0]:,}"
        ),
        "goal": GOAL,
    }
    for backend in backends(ctx):
        peaks: dict[str, Any] = {}
        for size in sizes:
            with scratch_store(ctx, backend, f"mem{size}") as store:
                outbox = fill_outbox(store, pending=size, due=DUE)
                analyze(store)
                url = store.engine.url.render_as_string(hide_password=False)
                runs = []
                for _ in range(repeat):
                    reset_due(store, outbox.due_ids)
                    runs.append(run_child("tick", {
                        "url": url, "templates": str(ROOT / "templates"),
                        "outbox": str(ctx.workdir / "mem-outbox"), "now": NOW.isoformat(),
                    }))  # fmt: skip
                    assert runs[-1]["sent"] == DUE, runs[-1]
            peaks[str(size)] = {
                "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
                "rss_before_tick_mib": statistics.median(r["rss_before_mib"] for r in runs),
                "tick_seconds": round(statistics.median(r["seconds"] for r in runs), 3),
            }
            ctx.log(
                f"  {backend} {size:>9,} stored: peak RSS {peaks[str(size)]['peak_rss_mib']:.1f} "
                f"MiB (before the tick {peaks[str(size)]['rss_before_tick_mib']:.1f} MiB)"
            )
        ratio = peaks[str(sizes[-1])]["peak_rss_mib"] / peaks[str(sizes[0])]["peak_rss_mib"]
        result[backend] = {"by_size": peaks, "largest_over_smallest": round(ratio, 3)}
        result[backend]["met"] = ratio <= GOAL
    return result
