"""`nhacviec --help` start-up time, against a bare `python -c pass` on the same machine."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bench.harness import BenchContext, command_seconds

NAME = "cli_startup"


def run(ctx: BenchContext) -> dict[str, Any]:
    repeat = 5 if ctx.quick else 15
    script = Path(sys.executable).parent / "nhacviec"
    bare = command_seconds([sys.executable, "-c", "pass"], repeat)
    help_ = command_seconds([str(script), "--help"], repeat)
    ctx.log(
        f"  nhacviec --help: {help_ * 1000:.0f} ms median (python -c pass: {bare * 1000:.0f} ms)"
    )
    return {
        "method": f"median of {repeat} runs of the installed console script, after one warm-up",
        "help_seconds": round(help_, 4),
        "bare_python_seconds": round(bare, 4),
        "ratio_to_bare_python": round(help_ / bare, 2),
    }
