"""Run the benchmarks and write bench/results.json.

python -m bench                 all benchmarks
python -m bench cli sync       only the named ones
python -m bench --quick         fewer repetitions and smaller sizes (a smoke run)
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import ROOT, BenchContext, machine
from bench.telegram import NAME as TELEGRAM

BENCHMARKS = [
    "cli",
    "plan_import",
    "delivery",
    "tick_scaling",
    "sync",
    "apscheduler_alternative",
    TELEGRAM,  # bench/telegram.py, the Telegram channel's
    "memory",
    "digest",
]
RESULTS = ROOT / "bench" / "results.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"which to run (default: all of {BENCHMARKS})")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "NHACVIEC_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args(argv)
    names = args.names or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; known: {BENCHMARKS}")
    previous: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results = previous.get("results", {})
    with tempfile.TemporaryDirectory(prefix="nhacviec-bench-") as tmp:
        ctx = BenchContext(workdir=Path(tmp), pg_url=args.pg, quick=args.quick)
        for name in names:
            print(f"[bench] {name} …", flush=True)
            module = importlib.import_module(f"bench.{name}")
            started = time.time()
            results[name] = module.run(ctx) | {
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
                "quick": args.quick,
            }
    RESULTS.write_text(
        json.dumps({"machine": machine(), "results": results}, indent=2, ensure_ascii=False) + "\n"
    )
    print(f"[bench] results written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
