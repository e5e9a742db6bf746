"""Field-by-field comparison of an imported plan with an expected file written by hand.

``differences(expected, plan)`` returns one readable line per disagreement (an empty
list when they agree), so a failing test says exactly which task and field to look at.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from engine.plans.model import PlanFile, PlanTask


def differences(expected: dict[str, Any], plan: PlanFile) -> list[str]:
    out: list[str] = []
    for key in ("number", "issuer", "jurisdiction", "issued_on", "owner"):
        if key in expected:
            _check(out, key, expected[key], getattr(plan, key))
    if "period" in expected:
        _check(out, "period", list(expected["period"]), [plan.period.start, plan.period.end])
    if "agencies" in expected:
        got = [[a.name, len(a.duties)] for a in plan.agencies]
        _check(out, "agencies [name, number of duties]", expected["agencies"], got)
    if "reporting" in expected:
        got_duties = [_duty(d) for d in plan.reporting]
        _check(out, "reporting", expected["reporting"], got_duties)
    out.extend(_tasks(expected.get("tasks", []), plan.tasks))
    for line, words in expected.get("warnings", []):
        if not any(w.line == line and words in w.message for w in plan.warnings):
            out.append(f"warnings: none at line {line} says '{words}'")
    return out


def _duty(duty: Any) -> dict[str, Any]:
    return {
        "kind": duty.kind,
        "frequency": duty.frequency,
        "due": duty.due,
        "line": duty.source_line,
        "from": duty.from_,
        "to": duty.to,
    }


def _tasks(expected: list[dict[str, Any]], tasks: list[PlanTask]) -> list[str]:
    out: list[str] = []
    if len(expected) != len(tasks):
        got = ", ".join(t.key for t in tasks)
        out.append(f"tasks: expected {len(expected)} rows, imported {len(tasks)} ({got})")
    for index, (want, task) in enumerate(zip(expected, tasks, strict=False), start=1):
        where = f"task #{index} (key {want.get('key')!r})"
        _check(out, f"{where} key", want["key"], task.key)
        _check(out, f"{where} number", want["number"], task.number)
        if "section" in want and not (task.section or "").startswith(want["section"] or ""):
            out.append(
                f"{where} section: expected to start {want['section']!r}, got {task.section!r}"
            )
        if not task.title.startswith(want["title"]):
            out.append(f"{where} title: expected to start {want['title']!r}, got {task.title!r}")
        _check(out, f"{where} lead", want["lead"], task.lead)
        _check(out, f"{where} coordinators", want["coordinators"], task.coordinators)
        _check(out, f"{where} window", want["window"], task.window_text)
        got_occ = [[o.start, o.end] for o in task.occurrences]
        want_occ = [[_day(s), _day(e)] for s, e in want["occurrences"]]
        _check(out, f"{where} occurrences", want_occ, got_occ)
        if "lines" in want:
            _check(out, f"{where} source lines", want["lines"], list(task.source_lines or []))
        if "deliverables" in want:
            _check(out, f"{where} deliverables", want["deliverables"], task.deliverables)
        if "budget_total" in want:
            total = task.budget.total if task.budget else None
            _check(out, f"{where} budget total", want["budget_total"], total)
    return out


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _check(out: list[str], what: str, want: Any, got: Any) -> None:
    if want != got:
        out.append(f"{what}:\n      expected {want!r}\n      imported {got!r}")
