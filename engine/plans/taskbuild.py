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
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from engine.agencies import AgencyMatcher
from engine.errors import NhacviecError
from engine.i18n import N_, _
from engine.periods import after_event
from engine.plans.columns import Kind
from engine.plans.document import Document
from engine.plans.model import Budget, Occurrence, PlanTask, TaskSource, Warning_
from engine.plans.rows import Column, Draft, content_text, one_line
from engine.plans.steps import embedded_windows

PeriodParser = Callable[[str, tuple[int, int]], list[Occurrence]]

# "02 ngày", "3 ngày làm việc": how long the task takes from the date beside it.
DURATION = re.compile(r"^(?P<n>\d{1,3})\s*ngày(?P<working>\s+làm việc)?\.?$", re.IGNORECASE)
_FULL_DATE = re.compile(r"\b(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*((?:19|20)\d{2})\b")

_ROLE_LABEL = re.compile(
    r"(?:đơn vị|cơ quan)?\s*(?P<role>chủ trì|phối hợp)\s*(?:thực hiện)?\s*:", re.IGNORECASE
)
# A cell that marks its lead among the names: "Sở X chủ trì, phối hợp với Sở Y",
# "Sở X (chủ trì); Sở Y", "Sở X chủ trì, Sở Y phối hợp": the names after the lead's
# mark coordinate. The mark must be followed by a separator or by "phối hợp với", so
# that "UBND các huyện chủ trì" alone stays one lead.
_LEAD_MARK = r"\s*(?:\(\s*chủ trì\s*\)|[-–]?\s*chủ trì(?:\s+thực hiện)?)"
_LEAD_THEN_WITH = re.compile(
    rf"^(?P<lead>.+?){_LEAD_MARK}\s*[,;.]?\s*(?:và\s+)?phối hợp\s+(?:với|cùng)\s+(?P<coord>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_LEAD_THEN_OTHERS = re.compile(
    rf"^(?P<lead>.+?){_LEAD_MARK}\s*[,;.\n]\s*(?P<coord>.+?)"
    r"(?:\s*\(?\s*(?:cùng\s+)?phối hợp(?:\s+thực hiện)?\s*\)?)?\s*[.;]?$",
    re.IGNORECASE | re.DOTALL,
)


def marked_lead(text: str) -> tuple[str, str] | None:
    """(lead, coordinators) of a cell that marks its lead with "chủ trì" (see above)."""
    for pattern in (_LEAD_THEN_WITH, _LEAD_THEN_OTHERS):
        if (match := pattern.match(text.strip())) and match.group("coord").strip(" ,;.-"):
            return match.group("lead"), match.group("coord")
    return None


FIELD_NAMES = {
    "title": N_("task"),
    "content": N_("content"),
    "lead": N_("lead"),
    "coordinators": N_("coordinators"),
    "agencies": N_("agencies"),
    "window": N_("time"),
    "deliverables": N_("deliverables"),
    "objective": N_("objective"),
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
    issued_on: date | None
    inspections: bool

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
                    _(
                        "the row at lines {first}–{last} has no printed number; "
                        "numbered {base} after the row before it"
                    ).format(first=draft.first, last=draft.last, base=base),
                )
            if base.isdigit():
                previous[scope] = int(base)
            key = f"{scope}.{base}" if restarts and scope else base
            key = re.sub(r"[^A-Za-z0-9._-]", "-", key).strip("-.") or f"r{len(keys) + 1}"
            if key in keys:
                self.warn(
                    draft.first,
                    _("task number {key} appears twice; this one is {key}-2").format(key=key),
                )
                key = f"{key}-{sum(1 for k in keys if k.startswith(key)) + 1}"
            keys.append(key)
        return keys

    def _task(self, draft: Draft, key: str) -> PlanTask:
        fields = draft.fields
        title = one_line(fields.get("title", ""))
        if not title:
            first_line = one_line(fields.get("content", "").split("\n")[0])
            title = first_line or _("(no title)")
            # a table whose one text column is the content names its tasks by it: only
            # a title cell left empty, or no text at all, is worth a look
            if "title" in self._kinds or not first_line:
                self.warn(
                    draft.first,
                    _("task {key} has no title; '{title}' is used").format(
                        key=key, title=title[:60]
                    ),
                )
        lead, coordinators = self._agencies(draft, key)
        for kind, line in draft.merged.items():
            if fields.get(kind, "").strip():
                self.warn(
                    draft.first,
                    _(
                        "task {key}: the {field} cell is inherited from a merged "
                        "cell (printed once, at line {line}); check it applies"
                    ).format(key=key, field=_(FIELD_NAMES[kind]), line=line),
                )
        window_text = one_line(fields.get("window", "")) or None
        occurrences = self._occurrences(draft, key, window_text)
        duration = fields.get("duration")
        if window_text and duration:
            occurrences = self._lasting(draft, key, occurrences, duration)
            window_text = f"{window_text} | {duration}"
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
        elif marked := marked_lead(lead_text):
            lead_text, extra = marked
            coord_text = f"{extra}; {coord_text}" if coord_text.strip() else extra
        lead = self._names(lead_text, draft.first)
        if not lead and self.inspections:
            pass  # the owner inspects: said once, for the table
        elif not lead and not {"lead", "agencies"} & self._kinds and self.default_lead:
            lead = [self.default_lead]
        elif not lead:
            self.warn(draft.first, _("task {key} has no lead agency").format(key=key))
        return lead, self._names(coord_text, draft.first)

    def _roles(self, text: str, line: int, key: str) -> tuple[str, str]:
        """Split "Đơn vị chủ trì: X. Đơn vị phối hợp: Y" into X and Y."""
        labels = list(_ROLE_LABEL.finditer(text))
        if not labels and (marked := marked_lead(text)):
            return marked
        if not labels:
            # one agency alone leads; several without a word for who leads are a guess
            names = [p for p in self.matcher.split(text, self.jurisdiction) if p.strip(" -–")]
            if len(names) > 1:
                self.warn(
                    line,
                    _(
                        "task {key}: the agencies cell names no 'chủ trì'/'phối hợp'; all are leads"
                    ).format(key=key),
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
                _(
                    "task {key}: the table has no time column; the window '{window}' is the "
                    "dates the body gives the event (line {line})"
                ).format(key=key, window=window, line=draft.event_window),
            )
        if draft.caption_window is not None:
            self.warn(
                draft.first,
                _(
                    "task {key}: the table has no time column; the window '{window}' is the "
                    "time the appendix's heading gives (line {line})"
                ).format(key=key, window=window, line=draft.caption_window),
            )
        if draft.body_window is not None:
            self.warn(
                draft.first,
                _(
                    "task {key}: the table has no time column; the window '{window}' is the "
                    "deadline the body gives its appendix (line {line})"
                ).format(key=key, window=window, line=draft.body_window),
            )
        if draft.merged_window:
            self.warn(
                draft.first,
                _(
                    "task {key}: window '{window}' is inherited from a merged cell "
                    "(printed once, at line {line}); check it applies"
                ).format(key=key, window=window, line=draft.window_from),
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
                    _(
                        "task {key}: cannot read the window '{window}' ({error}); no occurrences"
                    ).format(key=key, window=window, error=exc),
                )
                return []
            labels = ", ".join(o.label or o.end.isoformat() for o in steps)
            self.warn(
                draft.first,
                _(
                    "task {key}: the time cell is a sentence or a list of steps; read as the "
                    "dates it names ({labels}): check them"
                ).format(key=key, labels=labels),
            )
            occurrences = steps
        if not occurrences and after_event(window):  # "Sau khi Đề án được phê duyệt"
            self.warn(
                draft.first,
                _(
                    "task {key}: the window '{window}' waits for an event (no dates): it gets "
                    "no obligations or reminders until a date is written in the plan file"
                ).format(key=key, window=window),
            )
            return []
        if not occurrences:  # "Khi có phát sinh": on demand, nothing to remind of
            self.warn(
                draft.first,
                _(
                    "task {key}: the window '{window}' is on demand (no dates): it gets no "
                    "obligations or reminders"
                ).format(key=key, window=window),
            )
            return []
        start, end = date(self.period[0], 1, 1), date(self.period[1], 12, 31)
        if self.issued_on and all(o.end < self.issued_on for o in occurrences):
            occurrences = self._year_typo(draft, key, window) or occurrences
        if any(o.end < start or o.end > end for o in occurrences):
            self.warn(
                draft.first,
                _("task {key}: window '{window}' lies outside the plan period").format(
                    key=key, window=window
                ),
            )
        return occurrences

    def _lasting(
        self, draft: Draft, key: str, occurrences: list[Occurrence], duration: str
    ) -> list[Occurrence]:
        """A start date and "02 ngày" beside it: the window runs for that many days, working
        days when the cell or the document's text says so ("02 ngày làm việc")."""
        match = DURATION.match(duration)
        if match is None or len(occurrences) != 1:
            return occurrences
        start = occurrences[0].start or occurrences[0].end
        days = int(match.group("n"))
        if days < 1:
            return occurrences
        working = bool(match.group("working")) or self._says_working_days(days)
        if working:
            from engine.workflow.calendar import WorkCalendar

            calendar = WorkCalendar(zone=ZoneInfo("Asia/Ho_Chi_Minh"), send_at=time(8))
            counted = days - 1 if calendar.is_working_day(start) else days
            end = calendar.add_working_days(start, counted)
        else:
            end = start + timedelta(days=days - 1)
        self.warn(
            draft.first,
            (
                _("task {key}: '{duration}' from {start} is read as working days: {start}–{end}")
                if working
                else _(
                    "task {key}: '{duration}' from {start} is read as calendar days: {start}–{end}"
                )
            ).format(key=key, duration=duration, start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}"),
        )
        label = f"{start:%d/%m/%Y} – {end:%d/%m/%Y}" if end != start else f"{start:%d/%m/%Y}"
        return [Occurrence(start=start, end=end, label=label)]

    def _says_working_days(self, days: int) -> bool:
        """Whether the document's text gives this many days as working days."""
        pattern = re.compile(rf"(?<!\d)0*{days}\s*ngày\s+làm\s+việc", re.IGNORECASE)
        return any(pattern.search(line.text) for line in self.doc.lines)

    def _year_typo(self, draft: Draft, key: str, window: str) -> list[Occurrence] | None:
        """A date of last year in a plan issued this year, which read in the issue year
        falls after the issue date and in the plan period ("25/3/2025" in a plan of
        10/3/2026 whose other rows say 2026): the year is a typo. None otherwise."""
        issued = self.issued_on
        dates = _FULL_DATE.findall(window)
        if issued is None or not dates or any(int(y) != issued.year - 1 for _, _, y in dates):
            return None
        fixed = _FULL_DATE.sub(lambda m: f"{m[1]}/{m[2]}/{issued.year}", window)
        try:
            occurrences = self.parse_window(fixed, self.period)
        except NhacviecError:
            return None
        if not occurrences or any(
            (o.start or o.end) < issued or o.end.year > self.period[1] for o in occurrences
        ):
            return None
        self.warn(
            draft.first,
            _(
                "task {key}: the date in '{window}' is before the plan was issued "
                "({issued}); read in {year}, as '{fixed}' (a typo for the year?): check it"
            ).format(
                key=key, window=window, issued=f"{issued:%d/%m/%Y}", year=issued.year, fixed=fixed
            ),
        )
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
                _(
                    "task {key} has no window (the time column is empty); it takes the plan's "
                    "year, {year}"
                ).format(key=key, year=first),
            )
            return self.parse_window(f"Năm {first}", self.period)
        if not draft.window_warned:
            message = (
                _("task {key} has no window (the time column is empty)")
                if "window" in self._kinds
                else _("task {key} has no window (the time column is missing from the table)")
            )
            self.warn(draft.first, message.format(key=key))
        return []

    def _budget(self, draft: Draft, key: str) -> Budget | None:
        if not draft.budget and draft.budget_total is None and draft.budget_text is None:
            return None
        total = draft.budget_total
        if draft.budget and total is not None and abs(sum(draft.budget.values()) - total) > 0.5:
            self.warn(
                draft.first,
                _(
                    "task {key}: the yearly budgets add up to {sum}, not to the total {total}"
                ).format(key=key, sum=f"{sum(draft.budget.values()):g}", total=f"{total:g}"),
            )
        return Budget(by_year=draft.budget, total=total, unit=self.unit, text=draft.budget_text)
