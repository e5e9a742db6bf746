"""`plan import` and `plan load` speed: the five seeds, and a synthetic large appendix.

The seeds are small (10-33 tasks); the synthetic document (a tab-separated table of
``rows`` tasks with lead, coordinators and a month window each) shows how the importer
and the loader scale with the size of the appendix.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from bench.harness import ROOT, BenchContext, median_seconds

NAME = "plan_import"


def synthetic(rows: int) -> bytes:
    lines = [
        "Số: 1/KH-UBND",
        "Hà Nội, ngày 5 tháng 1 năm 2026",
        "KẾ HOẠCH",
        "Thực hiện chương trình sản xuất và tiêu dùng bền vững năm 2026",
        "IV. TỔ CHỨC THỰC HIỆN",
        "1. Sở Công Thương (cơ quan chủ trì)",
        "- Báo cáo định kỳ 6 tháng (trước ngày 20/6 hàng năm), 1 năm (trước ngày 15/12 hàng năm).",
        "PHỤ LỤC",
        "TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện",
    ]
    for n in range(1, rows + 1):
        month = n % 12 + 1
        lines.append(
            f"{n}\tNhiệm vụ số {n}: tập huấn, hội thảo, khảo sát\tSở Công Thương\t"
            f"Sở Tài chính; UBND các quận, huyện, thị xã; các doanh nghiệp nhóm {n % 7}\t"
            f"Tháng {month}/2026"
        )
    return "\n".join(lines).encode("utf-8")


def run(ctx: BenchContext) -> dict[str, Any]:
    from engine.agencies import load_directory
    from engine.plans.importer import import_bytes
    from engine.plans.load import load_plan, sync_directory
    from engine.plans.yamlout import dump_plan
    from engine.store.db import open_store

    directory = load_directory(ROOT / "config" / "agencies.yaml")
    seeds = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    if not seeds:
        seeds = sorted((ROOT.parent.parent / "shared" / "seeds").glob("*.txt"))
    repeat = 3 if ctx.quick else 9
    out: dict[str, Any] = {"method": f"median of {repeat} in-process runs", "seeds": {}}
    for path in seeds:
        data = path.read_bytes()
        seconds, _ = median_seconds(partial(import_bytes, data, "seed.txt", directory), repeat)
        out["seeds"][path.name] = {"import_seconds": round(seconds, 4)}
        ctx.log(f"  {path.name}: import {seconds * 1000:.0f} ms")

    rows = 200 if ctx.quick else 2000
    data = synthetic(rows)
    seconds, _ = median_seconds(
        lambda: import_bytes(data, "big.txt", directory), max(1, repeat // 3)
    )
    result = import_bytes(data, "big.txt", directory)
    dumped, _ = median_seconds(lambda: dump_plan(result.plan, unmatched=result.unmatched), 1)
    ctx.log(f"  synthetic {rows} rows: import {seconds:.2f} s, YAML {dumped:.2f} s")
    out["synthetic"] = {
        "rows": rows,
        "import_seconds": round(seconds, 3),
        "yaml_seconds": round(dumped, 3),
    }
    now = datetime(2026, 1, 5, tzinfo=UTC)
    store = open_store(f"sqlite:///{ctx.workdir / 'plans.db'}")
    store.upgrade()

    def load() -> None:
        with store.session() as session:
            sync_directory(session, directory, now)
            load_plan(session, result.plan, directory, now)

    first, _ = median_seconds(load, 1)
    again, _ = median_seconds(load, 1)
    store.dispose()
    ctx.log(f"  plan load (SQLite) {rows} tasks: first {first:.2f} s, again {again:.2f} s")
    out["synthetic"] |= {
        "sqlite_first_load_seconds": round(first, 3),
        "sqlite_reload_seconds": round(again, 3),
    }
    return out
