"""The README's table of figures, from bench/results.json: ``python -m bench.report``.

Prints one Markdown row per figure (what, measured, goal, met) and the machine line;
the README's Benchmarks section is this output with the methods written around it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from bench.harness import ROOT
from bench.telegram import NAME as TELEGRAM

Row = tuple[str, str, str, str]


def rows(results: dict[str, Any]) -> Iterator[Row]:
    for name, build in SECTIONS.items():
        if name not in results:
            continue
        try:
            yield from build(results[name])
        except (KeyError, TypeError):  # written by an older version of the benchmark
            yield (f"{name}: results of an older benchmark", "run `make bench` again", "—", "—")


def _met(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "**no**")


def _tick(r: dict[str, Any]) -> Iterator[Row]:
    for backend in ("sqlite", "postgresql"):
        if backend not in r:
            continue
        curve = r[backend]["curve"]
        sizes = list(curve)
        ticks = ", ".join(f"{int(n):,}: {curve[n]['tick_ms']:.0f} ms" for n in sizes)
        yield (
            f"tick with {r['due']} due, {backend} (by rows pending)",
            ticks,
            f"flat: largest ≤ {r['flat_goal']}× smallest",
            f"{_met(r[backend]['flat'])} ({r[backend]['largest_over_smallest']}×)",
        )
        if "hand_goal" in r:
            hands = ", ".join(f"{curve[n]['ratio_to_hand']:.2f}×" for n in sizes)
            times = ", ".join(
                f"{curve[n]['tick_ms']:.0f} vs {curve[n]['hand_tick_ms']:.0f} ms" for n in sizes
            )
            yield (
                f"tick ÷ hand-written tick (bench/tick_script.py, byte-identical messages), "
                f"{backend}, at {', '.join(f'{int(n):,}' for n in sizes)} pending",
                f"{hands} ({times})",
                f"≤ {r['hand_goal']}×",
                _met(r[backend]["within_hand_goal"]),
            )
        ratios = ", ".join(f"{curve[n]['ratio_to_select']:.0f}×" for n in sizes)
        selects = ", ".join(f"{curve[n]['select_ms']:.2f}" for n in sizes)
        yield (
            f"tick ÷ bare indexed SELECT of the due rows, {backend}",
            f"{ratios} (SELECT {selects} ms)",
            f"≤ {r['select_goal']}×",
            _met(r[backend]["within_select_goal"]),
        )


def _sync(r: dict[str, Any]) -> Iterator[Row]:
    for backend in ("sqlite", "postgresql"):
        if backend not in r:
            continue
        b = r[backend]
        yield (
            f"first sync of {r['obligations']:,} obligations ({b['rows_written']:,} rows) ÷ "
            f"raw driver insert of the same rows, {backend}",
            f"{b['first_sync_over_raw_insert']}× ({b['first_sync_seconds']} s vs "
            f"{b['raw_insert_seconds']} s)",
            f"≤ {r['raw_goal']}×",
            _met(b["raw_met"]),
        )
        yield (
            f"re-sync with nothing changed, {backend}",
            f"{b['resync_seconds']} s = {b['resync_over_first']}× the first",
            f"≤ {r['goal']}×",
            _met(b["met"]),
        )
        if m := b.get("memory"):
            sizes = " / ".join(f"{int(k):,}" for k in m["by_size"])
            peaks = " / ".join(f"{v['peak_rss_mib']:.0f}" for v in m["by_size"].values())
            yield (
                f"peak RSS of a first sync, {sizes} obligations, {backend}",
                f"{peaks} MiB ({m['largest_over_smallest']}×)",
                f"≤ {r['memory_goal_mib']} MiB, ≤ {r['flat_goal']}×",
                _met(m["met"]),
            )


def _aps(r: dict[str, Any]) -> Iterator[Row]:
    n = r["nhacviec"]
    for label, what in (("default", "default SQLite engine"), ("wal", "WAL, synchronous=NORMAL")):
        a = r.get(f"apscheduler_{label}")
        if a is None:
            continue
        yield (
            f"APScheduler: {r['reminders']:,} add_job ({what})",
            f"{a['add_job_seconds']} s = {a['over_nhacviec_sync']}× nhacviec's sync "
            f"({n['sync_seconds']} s)",
            "—",
            "—",
        )
    a = r.get("apscheduler_default", {})
    yield (
        "peak RSS: APScheduler with its jobs / nhacviec sync / nhacviec tick",
        f"{a.get('peak_rss_mib', 0):.0f} / {n['sync_peak_rss_mib']:.0f} / "
        f"{n['tick_peak_rss_mib']:.0f} MiB",
        "—",
        "—",
    )
    yield (
        f"'what is due now' ({n['due']} due): get_due_jobs / nhacviec SELECT",
        f"{a.get('get_due_jobs_ms', 0):.1f} / {n['due_select_ms']:.1f} ms",
        "—",
        "—",
    )


def _delivery(r: dict[str, Any]) -> Iterator[Row]:
    for backend in ("sqlite", "postgresql"):
        if backend not in r:
            continue
        b = r[backend]
        yield (
            f"{r['emails']:,} emails, engine ÷ bare aiosmtplib loop, {backend}",
            f"{b['ratio_to_bare']} ({b['engine_per_second']}/s vs {b['bare_per_second']}/s)",
            f"≥ {r['goal']}",
            _met(b["met"]),
        )
        yield (
            f"same, engine with [email] connections = 2, {backend}",
            f"{b['ratio_2_connections_to_bare']} ({b['engine_2_connections_per_second']}/s)",
            "(not the default)",
            "—",
        )


def _telegram(r: dict[str, Any]) -> Iterator[Row]:
    yield (
        f"Telegram: {r['messages']:,} messages to {r['chats']} chats ÷ time the limits allow",
        f"{r['ratio']} ({r['seconds']} s vs {r['allowed_seconds']} s)",
        f"≤ {r['goal']}",
        _met(r["met"]),
    )
    w = r["chat_by_chat"]
    yield (
        f"same, {w['messages']} messages to {w['chats']} chats stored chat by chat",
        f"{w['ratio']} ({w['seconds']} s vs {w['allowed_seconds']} s)",
        f"≤ {r['goal']}",
        _met(w["ratio"] <= r["goal"]),
    )


STARTUP_RATIO_GOAL = 1.2  # bench.cli's, for results written before it was recorded


def _cli(r: dict[str, Any]) -> Iterator[Row]:
    h = r["help"]
    yield (
        "`nhacviec --help` ÷ `python -c 'import typer'`",
        f"{h['ratio']}× ({h['help']['median_s'] * 1000:.0f} ms vs "
        f"{h['import_typer']['median_s'] * 1000:.0f} ms)",
        f"≤ {r['help_goal']}×",
        _met(h["met"]),
    )
    s = r["startup"]
    yield (
        "`nhacviec agenda` on an empty store (a command that opens the store)",
        f"{s['empty_agenda']['median_s'] * 1000:.0f} ms = {s['ratio']}× "
        f"`import sqlalchemy.orm, jinja2, pendulum` ({s['import_libraries']['median_s'] * 1000:.0f}"
        " ms)",
        f"≤ {r['startup_goal_s'] * 1000:.0f} ms",
        _met(s["met"]),
    )
    goal = r.get("startup_ratio_goal", STARTUP_RATIO_GOAL)
    yield (
        "same, ÷ `import sqlalchemy.orm, jinja2, pendulum` in the same run (idle-independent)",
        f"{s['ratio']}×",
        f"≤ {goal}×",
        _met(s["ratio"] <= goal),
    )
    a = r["agenda"]
    for backend in ("sqlite", "postgresql"):
        if backend not in a:
            continue
        b = a[backend]
        yield (
            f"`agenda --json` over {a['obligations']:,} obligations ÷ hand-written script "
            f"(same bytes), {backend}",
            f"{b['ratio']}× ({b['agenda_json']['median_s']:.2f} s vs "
            f"{b['script']['median_s']:.2f} s, {b['output_mib']} MiB)",
            f"≤ {r['agenda_goal']}×",
            _met(b["met"]),
        )


def _memory(r: dict[str, Any]) -> Iterator[Row]:
    for backend in ("sqlite", "postgresql"):
        if backend not in r:
            continue
        b = r[backend]
        peaks = " / ".join(f"{v['peak_rss_mib']:.1f}" for v in b["by_size"].values())
        sizes = " / ".join(f"{int(k):,}" for k in b["by_size"])
        yield (
            f"engine peak RSS during a tick, {sizes} stored, {backend}",
            f"{peaks} MiB ({b['largest_over_smallest']}×)",
            f"≤ {r['goal']}×",
            _met(b["met"]),
        )


def _plan_import(r: dict[str, Any]) -> Iterator[Row]:
    slowest = max((s["import_seconds"] for s in r.get("seeds", {}).values()), default=None)
    if slowest is not None:  # the seeds live in ../shared, which may be absent
        yield ("plan import, slowest of the five seeds", f"{slowest * 1000:.0f} ms", "—", "—")
    if s := r.get("synthetic"):
        yield (
            f"plan import / first load, synthetic {s['rows']:,}-row appendix",
            f"{s['import_seconds']} s / {s['sqlite_first_load_seconds']} s",
            "—",
            "—",
        )
    if p := r.get("pdf"):
        yield (
            f"plan import of a {p['pages']}-page text PDF ({p['tasks']} tasks)",
            f"{p['import_seconds']} s ({p.get('cpu_seconds', '?')} s of CPU)",
            f"< {p['goal_seconds']:g} s",
            _met(p["met"]),
        )
    if o := r.get("ocr"):
        yield (
            "OCR of a scanned page (Tesseract vie, 300 dpi) / again from the cache",
            f"{o['seconds_per_page']} s ({o.get('cpu_seconds_per_page', '?')} s of CPU) / "
            f"{o['cached_seconds_per_page'] * 1000:.0f} ms",
            "—",
            "—",
        )
    if c := r.get("corpus"):
        yield (
            f"plan import of the whole corpus ({c['documents']} documents), cold / OCR cached",
            f"{c['cold_seconds']} s / {c['warm_seconds']} s",
            "—",
            "—",
        )


def _digest(r: dict[str, Any]) -> Iterator[Row]:
    for backend in ("sqlite", "postgresql"):
        d = r.get(backend)
        if not isinstance(d, dict):
            continue
        yield (
            f"weekly digests of the five example plans ({d['digests']}), {backend}",
            f"made in {d['make_week_s'] * 1000:.0f} ms, sent in {d['send_all_s'] * 1000:.0f} ms; "
            f"{d['idle_prepare_ms']:.1f} ms added to every later tick",
            "—",
            "—",
        )
        if listing := d.get("listing"):
            sizes = list(listing["by_size"])
            times = " / ".join(f"{listing['by_size'][n]['listing_ms']:.0f}" for n in sizes)
            like = " / ".join(f"{listing['by_size'][n]['like_scan_ms']:.0f}" for n in sizes)
            yield (
                f"`nhacviec digest` listing, outbox of {' / '.join(f'{int(n):,}' for n in sizes)}"
                f" rows, {backend}",
                f"{times} ms ({listing['largest_over_smallest']}×; the old LIKE scan alone "
                f"{like} ms)",
                f"flat: ≤ {r.get('flat_goal', 1.2)}×",
                _met(listing["met"]),
            )


SECTIONS = {
    "tick_scaling": _tick,
    "memory": _memory,
    "sync": _sync,
    "apscheduler_alternative": _aps,
    "delivery": _delivery,
    TELEGRAM: _telegram,
    "cli": _cli,
    "plan_import": _plan_import,
    "digest": _digest,
}


def main() -> int:
    path = ROOT / "bench" / "results.json"
    if not path.exists():
        print(f"no {path.relative_to(ROOT)}: run `make bench` first", file=sys.stderr)
        return 2
    data = json.loads(path.read_text())
    print("| figure | measured | goal | met |")
    print("| --- | --- | --- | --- |")
    for row in rows(data["results"]):
        print("| " + " | ".join(row) + " |")
    m = data["machine"]
    print(f"\nMachine: {m['platform']}, Python {m['python']}, {m['cpus']} CPUs.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
