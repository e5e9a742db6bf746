"""The tasks an import found, as a table a person can hold against the document.

``plan import`` prints it on stderr (stdout keeps the plan file or the JSON): one row a
task with its number, title, lead agencies, the dates its window was read as, and where
in the document it was read (page, table and row, or line), so that a missed row, a
shifted column or a misread date shows at a glance.
"""

from __future__ import annotations

from engine.plans.model import PlanFile, PlanTask

HEADINGS = ["#", "task", "lead", "window read as", "from"]


def review_rows(plan: PlanFile, *, width: int = 100) -> list[list[str]]:
    """The heading row and one row per task, cells cut to fit ``width`` columns."""
    title_width = max(24, width - 64)
    rows = [HEADINGS]
    for task in plan.tasks:
        rows.append(
            [
                task.key,
                _short(task.title, title_width),
                _short(", ".join(task.lead), 28) or "—",
                _short(window_read(task), 32),
                where(task),
            ]
        )
    return rows


def window_read(task: PlanTask) -> str:
    """ "01/10/2025–31/12/2025", "hạn 09/01/2025", "2022–2030 (9 lần)", or "—"."""
    if not task.occurrences:
        return "—"
    first, last = task.occurrences[0], task.occurrences[-1]
    count = f" ({len(task.occurrences)} lần)" if len(task.occurrences) > 1 else ""
    if first.start is None and len(task.occurrences) == 1:
        return f"hạn {first.end:%d/%m/%Y}"
    start = first.start or first.end
    return f"{start:%d/%m/%Y}–{last.end:%d/%m/%Y}{count}"


def where(task: PlanTask) -> str:
    source = task.source
    parts: list[str] = []
    if source is not None and source.page is not None:
        parts.append(f"p.{source.page}")
    if source is not None and source.table is not None:
        parts.append(f"table {source.table}" + (f" row {source.row}" if source.row else ""))
    elif task.source_lines is not None:
        parts.append(f"line {task.source_lines[0]}")
    return " ".join(parts) or "—"


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
