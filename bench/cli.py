"""The command line: ``nhacviec --help`` start-up, and ``agenda --json`` over 100,000 obligations.

Both run the installed console script as a user would, in a process of its own, and the
whole command is timed (interpreter start-up included; output to a pipe). Start-up is
compared with ``python -c pass`` on the same machine in the same run. The agenda reads a
SQLite store holding the synthetic world of ``bench.sync`` (100,450 obligations, synced;
its directory has no contacts, so the store holds no reminders: the agenda does not read
them) and lists every obligation due 2021-2030 as JSON, judged as of 5 January 2026.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.data import scratch_store
from bench.harness import BenchContext, command_seconds
from bench.synthetic import World

NAME = "cli"
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def run(ctx: BenchContext) -> dict[str, Any]:
    repeat = 5 if ctx.quick else 15
    script = str(Path(sys.executable).parent / "nhacviec")
    bare = command_seconds([sys.executable, "-c", "pass"], repeat)
    help_ = command_seconds([script, "--help"], repeat)
    ctx.log(
        f"  nhacviec --help: {help_ * 1000:.0f} ms median (python -c pass: {bare * 1000:.0f} ms)"
    )
    world = World(2, 98, contacts=False) if ctx.quick else World(50, 98, contacts=False)
    agenda = _agenda(ctx, world, 3 if ctx.quick else 7, script)
    ctx.log(
        f"  nhacviec agenda --json over {agenda['obligations']:,} obligations: "
        f"{agenda['seconds']:.2f} s median ({agenda['output_mib']:.0f} MiB of JSON, "
        f"{agenda['microseconds_per_obligation']:.0f} µs an obligation)"
    )
    return {
        "method": (
            f"median of {repeat} runs of the installed console script after one warm-up, "
            "against python -c pass; agenda: median of "
            f"{agenda['runs']} runs of `nhacviec --db sqlite:///… agenda --from 2021-01-01 "
            "--to 2030-12-31 --as-of 2026-01-05 --json` over a synced synthetic world "
            "(output to a pipe)"
        ),
        "help_seconds": round(help_, 4),
        "bare_python_seconds": round(bare, 4),
        "help_over_bare_python": round(help_ / bare, 2),
        "agenda": agenda,
    }


def _agenda(ctx: BenchContext, world: World, repeat: int, script: str) -> dict[str, Any]:
    from engine.workflow.sync import run_sync

    with scratch_store(ctx, "sqlite", "agenda") as store:
        url = store.engine.url.render_as_string(hide_password=False)
        settings = world.settings(ctx.workdir / "agenda-world", url)
        world.load(store, settings, NOW)
        run_sync(store, settings, now=NOW)
        store.dispose()
        argv = [script, "--db", url, "agenda", "--from", "2021-01-01", "--to", "2030-12-31",
                "--as-of", "2026-01-05", "--json"]  # fmt: skip
        out = subprocess.run(argv, check=True, capture_output=True).stdout
        seconds = command_seconds(argv, repeat)
    listed = out.count(b'"id":')
    assert listed == world.obligations, (listed, world.obligations)
    return {
        "obligations": listed,
        "runs": repeat,
        "seconds": round(seconds, 3),
        "microseconds_per_obligation": round(seconds / listed * 1e6, 1),
        "output_mib": round(len(out) / 2**20, 1),
    }
