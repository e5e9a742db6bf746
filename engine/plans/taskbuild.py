"""Drafts of table rows into ``PlanTask``s: keys, agencies, windows, budgets.

``TaskBuilder`` is the half of the table extractor (``table.TaskExtractor``) that turns
an assembled row (``rows.Draft``) into a task: the key (printed numbers, qualified by the
section where numbering restarts), the lead and coordinating agencies matched against
the directory, the window through the period parser (or the dates a sentence or a list
of steps names, or the plan's year, or the budget's years), and the budget. Every guess
is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from engine.agencies import AgencyMatcher
from engine.errors import NhacviecError
from engine.plans.columns import Kind
from engine.plans.document import Document
from engine.plans.model import Budget, Occurrence, PlanTask, TaskSource, Warning_
from engine.plans.rows import Column, Draft, content_text, one_line
from engine.plans.steps import embedded_windows

PeriodParser = Callable[[str, tuple[int, int]], list[Occurrence]]

_ROLE_LABEL = re.compile(
    r"(?:đơn vị|cơ quan)?\s*(?P<role>chủ trì|phối hợp)\s*(?:thực hiện)?\s*:", re.IGNORECASE
)
FIELD_NAMES = {
    "title": "task",
    "content": "content",
    "lead": "lead",
    "coordinators": "coordinators",
    "agencies": "agencies",
    "window": "time",
    "deliverables": "deliverables",
    "objective": "objective",
}


class TaskBuilder:
    """What the extractor knows that building a task needs (set by ``TaskExtractor``)."""

    matcher: AgencyMatcher
    jurisdiction: str | None
    default_lead: str | None
    period: tuple[int, int]
    parse_window: PeriodParser
    warnings: list[Warning_]
    unmatched: dict[str, list[int]]
    columns: list[Column]
    unit: str | None
    doc: Document

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Warning_(line=line, message=message))

    @property
    def _kinds(self) -> set[Kind | None]:
        return {c.kind for c in self.columns}

    def _tasks(self, drafts: list[Draft]) -> list[PlanTask]:
        keys = self._keys(drafts)
        return [self._task(draft, key) for draft, key in zip(drafts, keys, strict=True)]

    def _keys(self, drafts: list[Draft]) -> list[str]:
        """Printed numbers, qualified by the section when numbering restarts in each one;
        a row without a number gets the next number after the row before it."""
        printed = [(d.section_id, d.number) for d in drafts if d.number]
        restarts = len({n for _, n in printed}) < len(printed)
        keys: list[str] = []
        previous: dict[str | None, int] = {}
        for draft in drafts:
            scope = draft.section_id if restarts else None
            if draft.number and draft.letter_parent:
                base = f"{draft.letter_parent}.{draft.number}"
            elif draft.number:
                base = draft.number
            else:
                base = str(previous.get(scope, 0) + 1)
                self.warn(
                    draft.first,
                    f"the row at lines {draft.first}–{draft.last} has no printed number; "
                    f"numbered {base} after the row before it",
                )
            if base.isdigit():
                previous[scope] = int(base)
            key = f"{scope}.{base}" if restarts and scope else base
            key = re.sub(r"[^A-Za-z0-9._-]", "-", key).strip("-.") or f"r{len(keys) + 1}"
            if key in keys:
                self.warn(draft.first, f"task number {key} appears twice; this one is {key}-2")
                key = f"{key}-{sum(1 for k in keys if k.startswith(key)) + 1}"
            keys.append(key)
        return keys

    def _task(self, draft: Draft, key: str) -> PlanTask:
        fields = draft.fields
        title = one_line(fields.get("title", ""))
        if not title:
            first_line = one_line(fields.get("content", "").split("\n")[0])
            title = first_line or "(no title)"
            self.warn(draft.first, f"task {key} has no title; '{title[:60]}' is used")
        lead, coordinators = self._agencies(draft, key)
        for kind, line in draft.merged.items():
            if fields.get(kind, "").strip():
                self.warn(
                    draft.first,
                    f"task {key}: the {FIELD_NAMES[kind]} cell is inherited from a merged "
                    f"cell (printed once, at line {line}); check it applies",
                )
        window_text = one_line(fields.get("window", "")) or None
        occurrences = self._occurrences(draft, key, window_text)
        return PlanTask(
            key=key,
            section=draft.section,
            number=draft.number,
            title=title,
            content=content_text(fields),
            deliverables=fields.get("deliverables") or None,
            lead=lead,
            coordinators=coordinators,
            window_text=window_text,
            occurrences=occurrences,
            budget=self._budget(draft, key),
            source_lines=(draft.first, draft.last),
            source=self._source(draft),
        )

    def _source(self, draft: Draft) -> TaskSource:
        where = self.doc.locate(draft.first, draft.last)
        return TaskSource(read_from="table", page=where.page, table=where.table, row=where.row)

    def _agencies(self, draft: Draft, key: str) -> tuple[list[str], list[str]]:
        fields = draft.fields
        lead_text, coord_text = fields.get("lead", ""), fields.get("coordinators", "")
        if "agencies" in fields:
            lead_text, coord_text = self._roles(fields["agencies"], draft.first, key)
        lead = self._names(lead_text, draft.first)
        if not lead and not {"lead", "agencies"} & self._kinds and self.default_lead:
            lead = [self.default_lead]
        elif not lead:
            self.warn(draft.first, f"task {key} has no lead agency")
        return lead, self._names(coord_text, draft.first)

    def _roles(self, text: str, line: int, key: str) -> tuple[str, str]:
        """Split "Đơn vị chủ trì: X. Đơn vị phối hợp: Y" into X and Y."""
        labels = list(_ROLE_LABEL.finditer(text))
        if not labels:
            self.warn(
                line, f"task {key}: the agencies cell names no 'chủ trì'/'phối hợp'; all are leads"
            )
            return text, ""
        parts = {"chủ trì": "", "phối hợp": ""}
        for label, following in zip(labels, [*labels[1:], None], strict=True):
            end = following.start() if following else len(text)
            role = label.group("role").lower()
            parts[role] = f"{parts[role]}; {text[label.end() : end]}".strip("; ")
        return parts["chủ trì"], parts["phối hợp"]

    def _names(self, text: str, line: int) -> list[str]:
        names: list[str] = []
        for printed in self.matcher.split(text, self.jurisdiction):
            printed = printed.strip(" -–")
            if not printed:
                continue
            canonical, matched = self.matcher.canonical(printed, self.jurisdiction)
            if not matched:
                self.unmatched.setdefault(canonical, []).append(line)
            if canonical not in names:
                names.append(canonical)
        return names

    def _occurrences(self, draft: Draft, key: str, window: str | None) -> list[Occurrence]:
        if window is None:
            return self._budget_occurrences(draft, key)
        if draft.event_window is not None:
            self.warn(
                draft.first,
                f"task {key}: the table has no time column; the window '{window}' is the "
                f"dates the body gives the event (line {draft.event_window})",
            )
        if draft.body_window is not None:
            self.warn(
                draft.first,
                f"task {key}: the table has no time column; the window '{window}' is the "
                f"deadline the body gives its appendix (line {draft.body_window})",
            )
        if draft.merged_window:
            self.warn(
                draft.first,
                f"task {key}: window '{window}' is inherited from a merged cell "
                f"(printed once, at line {draft.window_from}); check it applies",
            )
        try:
            occurrences = self.parse_window(window, self.period)
        except NhacviecError as exc:
            # An expression that names no dates on purpose (an event, a duration, "on
            # demand": the period parser marks it with a ``kind``) is never searched
            # for dates; anything else may be a sentence or steps with dates in it.
            undated = getattr(exc, "kind", None) is not None
            steps = [] if undated else embedded_windows(window, self.period, self.parse_window)
            if not steps:
                self.warn(
                    draft.first,
                    f"task {key}: cannot read the window '{window}' ({exc}); no occurrences",
                )
                return []
            labels = ", ".join(o.label or o.end.isoformat() for o in steps)
            self.warn(
                draft.first,
                f"task {key}: the time cell is a sentence or a list of steps; read as the "
                f"dates it names ({labels}): check them",
            )
            occurrences = steps
        start, end = date(self.period[0], 1, 1), date(self.period[1], 12, 31)
        if any(o.end < start or o.end > end for o in occurrences):
            self.warn(draft.first, f"task {key}: window '{window}' lies outside the plan period")
        return occurrences

    def _budget_occurrences(self, draft: Draft, key: str) -> list[Occurrence]:
        """No time cell: a table with yearly budget columns makes a task active in the
        years it has money for (a 0 means not that year)."""
        years = sorted(y for y, amount in draft.budget.items() if amount > 0)
        if years:
            occurrences: list[Occurrence] = []
            for year in years:
                occurrences.extend(self.parse_window(f"Năm {year}", self.period))
            return occurrences
        first, last = self.period
        if "window" in self._kinds and first == last:
            # An empty time cell in a plan of one year: the task is that year's.
            self.warn(
                draft.first,
                f"task {key} has no window (the time column is empty); it takes the plan's "
                f"year, {first}",
            )
            return self.parse_window(f"Năm {first}", self.period)
        if not draft.window_warned:
            where = "is empty" if "window" in self._kinds else "is missing from the table"
            self.warn(draft.first, f"task {key} has no window (the time column {where})")
        return []

    def _budget(self, draft: Draft, key: str) -> Budget | None:
        if not draft.budget and draft.budget_total is None and draft.budget_text is None:
            return None
        total = draft.budget_total
        if draft.budget and total is not None and abs(sum(draft.budget.values()) - total) > 0.5:
            self.warn(
                draft.first,
                f"task {key}: the yearly budgets add up to {sum(draft.budget.values()):g}, "
                f"not to the total {total:g}",
            )
        return Budget(by_year=draft.budget, total=total, unit=self.unit, text=draft.budget_text)
