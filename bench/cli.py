"""The command line against honest baselines, each pair run alternately in one run.

Every figure is a whole command in a process of its own, as a user runs it (interpreter
start-up included, output to a pipe), timed in rounds that alternate the engine's command
and its baseline (``harness.paired_commands``), after one warm-up round:

- start-up of a command that opens the store: ``nhacviec --db … agenda`` on an empty,
  migrated SQLite store against ``python -c "import sqlalchemy.orm, jinja2, pendulum"``
  (the libraries any such command needs); goal ≤ 0.3 s absolute, and ≤ 1.2× that
  import measured in the same rounds (what an idle machine's 0.3 s means on a busy one);
- ``nhacviec --help`` against ``python -c "import typer"``; goal ≤ 1.2×;
- ``nhacviec agenda --json`` over the synthetic world of ``bench.sync`` (100,450
  obligations, synced; no contacts, so no reminders: the agenda does not read them),
  every obligation due 2021-2030 judged as of 5 January 2026, against
  ``bench/agenda_script.py``, the same query through the bare driver printing the
  same bytes (checked before timing); goal ≤ 1.5×, on SQLite and on PostgreSQL.

Both sides of every pair run with their compiled ``.pyc`` files, as a user's installed
copy does: the children get ``PYTHONPYCACHEPREFIX`` (a folder of the run's own, which
the warm-up round fills) and never ``PYTHONDONTWRITEBYTECODE``, which would have them
compile the engine's own modules from source at every start (the libraries' ``.pyc``
files come with their install) and time the compiler, not the command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.data import backends, scratch_store
from bench.harness import ROOT, BenchContext, paired_commands, ratio
from bench.synthetic import World

NAME = "cli"
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
STARTUP_GOAL_S = 0.3
STARTUP_RATIO_GOAL = 1.2  # the same goal on a busy machine: ÷ the import baseline
HELP_GOAL = 1.2
AGENDA_GOAL = 1.5
SPAN = ("2021-01-01", "2030-12-31", "2026-01-05")


def compiled_env(ctx: BenchContext) -> dict[str, str]:
    """The environment of the timed commands: bytecode written and read, in the run's
    own cache folder (see the module doc)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(ctx.workdir / "pycache")}


def run(ctx: BenchContext) -> dict[str, Any]:
    repeat = 5 if ctx.quick else 15
    script = str(Path(sys.executable).parent / "nhacviec")
    result: dict[str, Any] = {
        "method": (
            f"whole commands, {repeat} alternating rounds after a warm-up round, medians; "
            "output to a pipe"
        ),
        "startup_goal_s": STARTUP_GOAL_S,
        "startup_ratio_goal": STARTUP_RATIO_GOAL,
        "help_goal": HELP_GOAL,
        "agenda_goal": AGENDA_GOAL,
    }
    result["help"] = _help(ctx, script, repeat)
    result["startup"] = _startup(ctx, script, repeat)
    world = World(2, 98, contacts=False) if ctx.quick else World(50, 98, contacts=False)
    result["agenda"] = {"obligations": world.obligations}
    for backend in backends(ctx):
        result["agenda"][backend] = _agenda(ctx, backend, world, 3 if ctx.quick else 7, script)
    return result


def _help(ctx: BenchContext, script: str, repeat: int) -> dict[str, Any]:
    paired = paired_commands(
        {"help": [script, "--help"], "import_typer": [sys.executable, "-c", "import typer"]},
        repeat,
        env=compiled_env(ctx),
    )
    out = paired | {"ratio": ratio(paired, "help", "import_typer")}
    out["met"] = out["ratio"] <= HELP_GOAL
    ctx.log(
        f"  nhacviec --help {paired['help']['median_s'] * 1000:.0f} ms = {out['ratio']}× "
        f"import typer ({paired['import_typer']['median_s'] * 1000:.0f} ms); goal ≤ {HELP_GOAL}×"
    )
    return out


def _startup(ctx: BenchContext, script: str, repeat: int) -> dict[str, Any]:
    baseline = [sys.executable, "-c", "import sqlalchemy.orm, jinja2, pendulum"]
    with scratch_store(ctx, "sqlite", "empty") as store:
        url = store.engine.url.render_as_string(hide_password=False)
        agenda = [script, "--db", url, "agenda", "--as-of", "2026-01-05"]
        paired = paired_commands(
            {"empty_agenda": agenda, "import_libraries": baseline}, repeat, env=compiled_env(ctx)
        )
    out = paired | {"ratio": ratio(paired, "empty_agenda", "import_libraries")}
    out["met"] = paired["empty_agenda"]["median_s"] <= STARTUP_GOAL_S
    out["ratio_met"] = out["ratio"] <= STARTUP_RATIO_GOAL
    ctx.log(
        f"  empty agenda {paired['empty_agenda']['median_s'] * 1000:.0f} ms "
        f"(goal ≤ {STARTUP_GOAL_S * 1000:.0f} ms) = {out['ratio']}× import sqlalchemy.orm, "
        f"jinja2, pendulum ({paired['import_libraries']['median_s'] * 1000:.0f} ms; goal "
        f"≤ {STARTUP_RATIO_GOAL}×)"
    )
    return out


def _agenda(
    ctx: BenchContext, backend: str, world: World, repeat: int, script: str
) -> dict[str, Any]:
    from engine.workflow.sync import run_sync

    with scratch_store(ctx, backend, "agenda") as store:
        url = store.engine.url.render_as_string(hide_password=False)
        settings = world.settings(ctx.workdir / f"agenda-world-{backend}", url)
        world.load(store, settings, NOW)
        run_sync(store, settings, now=NOW)
        store.dispose()
        first, last, as_of = SPAN
        engine = [script, "--db", url, "agenda", "--from", first, "--to", last,
                  "--as-of", as_of, "--json"]  # fmt: skip
        baseline = [sys.executable, str(ROOT / "bench" / "agenda_script.py"), url, *SPAN]
        env = compiled_env(ctx)
        out = subprocess.run(engine, check=True, capture_output=True, env=env).stdout
        by_hand = subprocess.run(baseline, check=True, capture_output=True, env=env).stdout
        if out != by_hand:
            raise AssertionError(f"{backend}: agenda --json and the hand-written script differ")
        paired = paired_commands({"agenda_json": engine, "script": baseline}, repeat, env=env)
    listed = out.count(b'"id":')
    assert listed == world.obligations, (listed, world.obligations)
    result = paired | {
        "obligations": listed,
        "output_mib": round(len(out) / 2**20, 1),
        "identical_output": True,
        "ratio": ratio(paired, "agenda_json", "script"),
    }
    result["met"] = result["ratio"] <= AGENDA_GOAL
    ctx.log(
        f"  {backend}: agenda --json over {listed:,} obligations "
        f"{paired['agenda_json']['median_s']:.2f} s = {result['ratio']}× the hand-written "
        f"script ({paired['script']['median_s']:.2f} s); goal ≤ {AGENDA_GOAL}×"
    )
    return result
