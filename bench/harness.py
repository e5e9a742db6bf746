"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BenchContext:
    """Where benchmarks may write, which databases they may use, how hard to try."""

    workdir: Path
    pg_url: str | None
    quick: bool = False
    log: Callable[[str], None] = field(default=print)


def median_seconds(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float]]:
    """Run ``fn`` ``repeat`` times; return the median wall time and every sample."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples


def command_seconds(argv: list[str], repeat: int, env: dict[str, str] | None = None) -> float:
    """Median wall time of a whole command (start-up included)."""

    def once() -> None:
        subprocess.run(argv, check=True, capture_output=True, env=env, cwd=ROOT)

    once()  # warm the file cache and .pyc files
    return median_seconds(once, repeat)[0]


def paired_commands(
    commands: dict[str, list[str]], repeat: int, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run the commands in turn, ``repeat`` rounds after one warm-up round (file cache,
    .pyc files), so that a noisy neighbour slows each of them alike; return each one's
    median wall time (seconds) and every sample, by name."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(repeat + 1):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, env=env, cwd=ROOT)
            if round_:
                samples[name].append(time.perf_counter() - start)
    return {
        name: {"median_s": round(statistics.median(s), 4), "samples": [round(x, 4) for x in s]}
        for name, s in samples.items()
    }


def ratio(paired: dict[str, Any], engine: str, baseline: str) -> float:
    """``engine``'s median over ``baseline``'s, from ``paired_commands``."""
    return round(paired[engine]["median_s"] / paired[baseline]["median_s"], 2)


def peak_rss_mib_of(argv: list[str], env: dict[str, str] | None = None) -> float:
    """Peak resident memory of a child process, from the kernel's accounting (Linux)."""
    code = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], check=True, capture_output=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], check=True, capture_output=True, text=True, env=env
    )
    return int(out.stdout.strip()) / 1024.0


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }
