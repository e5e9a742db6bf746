"""The baseline of ``nhacviec agenda --json``: the same listing written by hand.

``python bench/agenda_script.py URL FROM TO AS_OF`` runs the agenda's query through the
database driver alone (sqlite3 or psycopg, no SQLAlchemy, no Typer) and prints exactly
the bytes ``nhacviec --db URL agenda --from FROM --to TO --as-of AS_OF --json`` prints
(``bench.cli`` checks): the tracked, not cancelled obligations due FROM..TO by due date,
agency name and id, with the status a user sees (open or acknowledged past the due date
is overdue), as an indented JSON list. It is what a careful hand-written script does:
one query, a tuple per row, the C JSON encoder.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

SQL = """
SELECT o.id, p.key, t.key, o.rule, a.name, o.title, o.period_label, o.opens_on, o.due_on,
       o.status
FROM obligations o
JOIN agencies a ON a.id = o.agency_id
JOIN plans p ON p.id = o.plan_id
LEFT OUTER JOIN tasks t ON t.id = o.task_id
WHERE o.cancelled_at IS NULL AND o.tracked = {true} AND o.due_on >= {mark} AND o.due_on <= {mark}
ORDER BY o.due_on, a.name, o.id
"""
KEYS = ("id", "plan", "task", "rule", "agency", "title", "period", "opens", "due", "status")


def rows(url: str, first: date, last: date) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            sql = SQL.format(true="1", mark="?")
            return conn.execute(sql, (first.isoformat(), last.isoformat())).fetchall()
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo) as conn:
        sql = SQL.format(true="true", mark="%s")
        return conn.execute(sql, (first, last)).fetchall()  # type: ignore[arg-type]


def _iso(day: Any) -> str | None:
    return day if day is None or isinstance(day, str) else day.isoformat()


def main(url: str, first: str, last: str, as_of: str) -> None:
    today = date.fromisoformat(as_of).isoformat()
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",\n    ", ": ")).encode
    parts = []
    for oid, plan, task, rule, agency, title, period, opens, due, status in rows(
        url, date.fromisoformat(first), date.fromisoformat(last)
    ):
        due = _iso(due)
        if status in ("open", "acknowledged") and today > due:
            status = "overdue"
        values = (oid, plan, task, rule, agency, title, period, _iso(opens), due, status)
        parts.append("  {\n    " + encode(dict(zip(KEYS, values, strict=True)))[1:-1] + "\n  }")
    out = "[\n" + ",\n".join(parts) + "\n]\n" if parts else "[]\n"
    sys.stdout.write(out)


if __name__ == "__main__":
    main(*sys.argv[1:5])
