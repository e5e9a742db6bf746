"""`make corpus`: the importer measured on the corpus of real plan documents.

Every document of ``../shared/corpus/`` is imported by ``nhacviec plan import --json`` and
scored against its hand-read truth file by the corpus's own ``score.py`` (task rows found,
lead agencies, windows, precision). The five seeds are scored the same way, their truth
taken from the hand-written expected files of ``tests/plans/expected/``. Prints a line per
document, the misses of the documents below the goal (``-v``: of every document), and the
averages; exits 1 when a goal is not met.

    python -m bench.corpus [-v] [-j JOBS] [--corpus DIR] [NAME-PREFIX ...]

``--corpus DIR`` scores another folder laid out the same way (documents beside a
``truth/`` folder of ``NN_slug.yaml`` files), without the seeds.

Goals (the plan-import issue): every document ≥ 0.95 on found, lead, window and precision;
the mean of found, lead and window ≥ 0.97 over the corpus; the seeds 1.00.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOC_GOAL, MEAN_GOAL = 0.95, 0.97
_SCORE = re.compile(r"^score: ([\d.]+) ([\d.]+) ([\d.]+)(?: ([\d.]+))?")


def find_shared() -> Path | None:
    """``../shared`` beside the checkout, or beside a parent (git worktrees)."""
    for parent in [ROOT, *ROOT.parents]:
        candidate = parent.parent / "shared"
        if (candidate / "corpus" / "score.py").is_file():
            return candidate
    return None


@dataclass
class Score:
    name: str
    found: float = 0.0
    lead: float = 0.0
    window: float = 0.0
    precision: float = 0.0
    tasks: int = 0
    extra: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)
    seed: bool = False

    @property
    def ok(self) -> bool:
        goal = 1.0 if self.seed else DOC_GOAL
        return min(self.found, self.lead, self.window, self.precision) >= goal


def seed_truth(expected: Path, out: Path) -> Path:
    """The corpus truth format (number, title, lead, start, end) of a seed's expected file."""
    data = yaml.safe_load(expected.read_text(encoding="utf-8"))
    tasks = []
    for task in data.get("tasks", []):
        occurrences = task.get("occurrences") or []
        starts = [o[0] for o in occurrences if o[0] is not None]
        ends = [o[1] for o in occurrences]
        tasks.append(
            {
                "number": task.get("number"),
                "title": task["title"],
                "lead": task.get("lead") or [],
                "start": min(starts) if starts else None,
                "end": max(ends) if ends else None,
            }
        )
    path = out / expected.name
    path.write_text(yaml.safe_dump({"tasks": tasks}, allow_unicode=True), encoding="utf-8")
    return path


def score(exe: Path, scorer: Path, doc: Path, truth: Path, name: str, seed: bool) -> Score:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(scorer), str(exe), str(doc), str(truth)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    result = Score(name, seconds=time.perf_counter() - started, seed=seed)
    lines = proc.stdout.strip().splitlines()
    for line in lines:
        if m := _SCORE.match(line):
            result.found, result.lead, result.window = map(float, m.group(1, 2, 3))
            result.precision = float(m.group(4) or 0)
            if counts := re.search(r"\((\d+) tasks, (-?\d+) extra\)", line):
                result.tasks, result.extra = int(counts.group(1)), int(counts.group(2))
        else:
            result.misses.append(line)
    if proc.returncode not in (0, 1) or not any(_SCORE.match(x) for x in lines):
        result.misses.append(f"score.py failed (exit {proc.returncode}): {proc.stderr[-400:]}")
    return result


def jobs(
    corpus: Path, shared: Path | None, work: Path, prefixes: list[str]
) -> list[tuple[Path, Path, str, bool]]:
    out: list[tuple[Path, Path, str, bool]] = []
    for truth in sorted((corpus / "truth").glob("*.yaml")):
        docs = [p for p in corpus.glob(f"{truth.stem}.*") if p.is_file()]
        if docs:
            out.append((docs[0], truth, docs[0].name, False))
    expected = ROOT / "tests" / "plans" / "expected"
    for path in sorted(expected.glob("*.yaml")) if shared else []:
        doc = ROOT / "plans" / "sources" / f"{path.stem}.txt"
        if not doc.is_file() and shared:
            doc = shared / "seeds" / f"{path.stem}.txt"
        if doc.is_file():
            out.append((doc, seed_truth(path, work), f"seed {doc.name}", True))
    if prefixes:
        out = [j for j in out if any(j[2].removeprefix("seed ").startswith(p) for p in prefixes)]
    return out


def report(scores: list[Score], verbose: bool) -> bool:
    print(f"{'document':<52} {'found':>5} {'lead':>5} {'wind':>5} {'prec':>5} {'tasks':>5}  s")
    for s in scores:
        mark = "  " if s.ok else "✗ "
        print(
            f"{mark}{s.name[:50]:<50} {s.found:5.2f} {s.lead:5.2f} {s.window:5.2f} "
            f"{s.precision:5.2f} {s.tasks:5d} {s.seconds:3.0f}"
        )
    for s in scores:
        if s.misses and (verbose or not s.ok):
            print(f"\n{s.name}:")
            for line in s.misses[:40]:
                print(f"  {line}")
            if len(s.misses) > 40:
                print(f"  … {len(s.misses) - 40} more")
    corpus = [s for s in scores if not s.seed]
    seeds = [s for s in scores if s.seed]
    met = all(s.ok for s in scores)
    print()
    for label, group in (("corpus", corpus), ("seeds", seeds)):
        if not group:
            continue
        n = len(group)
        found, lead, window, prec = (
            sum(getattr(s, k) for s in group) / n for k in ("found", "lead", "window", "precision")
        )
        mean3 = (found + lead + window) / 3
        print(
            f"{label}: {n} documents, {sum(s.ok for s in group)} at goal; mean found "
            f"{found:.3f} lead {lead:.3f} window {window:.3f} precision {prec:.3f}; "
            f"mean of the first three {mean3:.3f}"
        )
        if label == "corpus":
            met = met and mean3 >= MEAN_GOAL
    print(f"goals met: {'yes' if met else 'no'}")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus")
    parser.add_argument("prefixes", nargs="*", help="only documents whose name starts so")
    parser.add_argument("-v", "--verbose", action="store_true", help="misses of every document")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="documents scored at once")
    parser.add_argument("--corpus", type=Path, help="another corpus folder (no seeds)")
    args = parser.parse_args(argv)
    shared = find_shared()
    if shared is None:
        print("corpus: ../shared/corpus not found beside the checkout; nothing to score")
        return 2
    exe = Path(sys.executable).parent / "nhacviec"
    scorer = shared / "corpus" / "score.py"
    corpus = args.corpus or shared / "corpus"
    with tempfile.TemporaryDirectory(prefix="nhacviec-corpus-") as tmp:
        todo = jobs(corpus, None if args.corpus else shared, Path(tmp), args.prefixes)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(score, exe, scorer, *job) for job in todo]
            scores = [f.result() for f in futures]
    return 0 if report(scores, args.verbose) else 1


def summary(scores: list[Score]) -> dict[str, Any]:
    """The figures bench/results.json keeps."""
    return {s.name: [s.found, s.lead, s.window, s.precision, s.tasks] for s in scores}


if __name__ == "__main__":
    sys.exit(main())
