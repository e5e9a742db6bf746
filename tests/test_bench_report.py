"""``python -m bench.report`` prints a table from whatever results it has: without the
seeds (``../shared/seeds`` absent), and with a section an older benchmark wrote."""

from __future__ import annotations

import json

from bench.harness import ROOT
from bench.report import rows


def test_results_without_seeds_or_of_an_older_run_still_make_a_table() -> None:
    results = json.loads((ROOT / "bench" / "results.json").read_text())["results"]
    results["plan_import"] = {"method": "no seeds here", "seeds": {}}
    results["sync"] = {"sqlite": {"first_sync_seconds": 1.0}, "obligations": 10}
    table = list(rows(results))
    assert ("sync: results of an older benchmark", "run `make bench` again", "—", "—") in table
    assert not any("seeds" in row[0] for row in table)
    assert any("agenda --json" in row[0] for row in table)


def test_a_plan_import_section_without_seeds_at_all_still_makes_its_rows() -> None:
    """A run where ``../shared/seeds`` was absent wrote no seed figures: the other
    plan-import rows are still there, and no seed row."""
    section = {
        "method": "median of 3 in-process runs",
        "synthetic": {"rows": 200, "import_seconds": 0.5, "sqlite_first_load_seconds": 0.7},
    }
    table = list(rows({"plan_import": section}))
    assert [row[0] for row in table] == ["plan import / first load, synthetic 200-row appendix"]
    assert table[0][1] == "0.5 s / 0.7 s"
