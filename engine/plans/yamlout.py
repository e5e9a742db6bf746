"""The plan file as YAML a person can review in minutes.

``dump_plan`` writes the ``PlanFile`` fields in order, long texts as block scalars (one
line per list item; long sentences folded), short lists inline, a comment header saying
where the file came from and how many warnings it carries, a heading comment per table
section, and next to each task the warnings that concern its rows. The output reads back
into the same ``PlanFile`` (``yaml.safe_load`` then ``PlanFile.model_validate``); the
tests check that for every seed.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, cast

import yaml

from engine.i18n import _, ngettext
from engine.plans.model import (
    AgencyDuties,
    Budget,
    PlanFile,
    PlanTask,
    ReportingDuty,
    TaskSource,
    Warning_,
)

WIDTH = 92
_PLAIN_SAFE = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^#\n]*$")
# What YAML does not allow in a file (control characters other than tab and line ends, a
# stray backspace or form feed from a damaged export): a plan file that `plan load` could
# not read back is no plan file, so they become spaces.
_NOT_YAML = re.compile("[^\x09\x0a\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def dump_plan(plan: PlanFile, *, fmt: str | None = None, unmatched: Iterable[str] = ()) -> str:
    writer = _Writer(set(unmatched))
    writer.header(plan, fmt)
    writer.identity(plan)
    writer.agencies(plan.agencies)
    writer.reporting(plan.reporting)
    writer.tasks(plan.tasks, plan.warnings)
    writer.warnings(plan.warnings)
    return _NOT_YAML.sub(" ", "\n".join(writer.lines) + "\n")


class _Writer:
    def __init__(self, unmatched: set[str]):
        self.lines: list[str] = []
        self.unmatched = unmatched

    def emit(self, text: str = "") -> None:
        self.lines.append(text.rstrip())

    def comment(self, text: str, indent: int = 0) -> None:
        for line in textwrap.wrap(text, WIDTH - indent - 2) or [""]:
            self.emit(" " * indent + "# " + line)

    # -- sections ------------------------------------------------------------------------

    def header(self, plan: PlanFile, fmt: str | None) -> None:
        source = plan.source or _("an unnamed document")
        n = len(plan.warnings)
        self.comment(
            _("nhacviec plan file imported from {source} (read as {fmt}).").format(
                source=source, fmt=fmt
            )
            if fmt
            else _("nhacviec plan file imported from {source}.").format(source=source)
        )
        counts = ", ".join(
            (
                ngettext("{n} task", "{n} tasks", len(plan.tasks)).format(n=len(plan.tasks)),
                ngettext("{n} recurring duty", "{n} recurring duties", len(plan.reporting)).format(
                    n=len(plan.reporting)
                ),
                ngettext("{n} warning", "{n} warnings", n).format(n=n),
            )
        )
        self.comment(
            _(
                "{counts} (listed at the end and next to the tasks they concern). Review, "
                "edit if needed, then `nhacviec plan load` this file."
            ).format(counts=counts)
        )
        self.comment(
            _(
                "Agency names are the directory's names (config/agencies.yaml) where they "
                "matched; names marked 'not in the directory' are as printed."
            )
        )
        self.emit()

    def identity(self, plan: PlanFile) -> None:
        self.field("key", plan.key)
        self.field(
            "number", plan.number, _("left blank in the document") if not plan.number else None
        )
        self.field("issuer", plan.issuer)
        self.field("jurisdiction", plan.jurisdiction)
        self.field(
            "issued_on",
            plan.issued_on,
            _("left blank in the document") if not plan.issued_on else None,
        )
        self.field("title", plan.title)
        self.emit(f"period: {{start: {plan.period.start}, end: {plan.period.end}}}")
        self.field("owner", plan.owner, _("the agency in charge (cơ quan chủ trì)"))
        self.field("source", plan.source)
        self.emit()

    def agencies(self, agencies: list[AgencyDuties]) -> None:
        if not agencies:
            self.emit("agencies: []")
            self.emit()
            return
        self.comment(_("Tổ chức thực hiện: the agencies the body gives duties to."))
        self.emit("agencies:")
        for agency in agencies:
            self.field("name", agency.name, self._note(agency.name), indent=2, item=True)
            self.text_list("duties", agency.duties, indent=4)
        self.emit()

    def reporting(self, duties: list[ReportingDuty]) -> None:
        if not duties:
            self.emit("reporting: []")
            self.emit()
            return
        self.comment(
            _(
                "Recurring duties from the body: reports (and drafting next year's plan). "
                "due is the last allowed day: MM-DD in the year ('trước ngày 20/6' gives "
                "06-19), or DD in each month, or in each quarter's last month ('trước ngày 20 "
                "hằng tháng' gives 19)."
            )
        )
        self.emit("reporting:")
        for duty in duties:
            self.field("kind", duty.kind, indent=2, item=True)
            self.field("frequency", duty.frequency, indent=4)
            self.field("due", duty.due, _due_note(duty), indent=4)
            self.field("due_text", duty.due_text, indent=4)
            self.names("from", duty.from_, indent=4)
            self.names("to", duty.to, indent=4)
            self.field("source_line", duty.source_line, indent=4)
            self.field("text", duty.text, indent=4)
        self.emit()

    def tasks(self, tasks: list[PlanTask], warnings: list[Warning_]) -> None:
        if not tasks:
            self.emit("tasks: []")
            self.emit()
            return
        self.comment(
            _("The appendix table, row by row. source_lines: where the row is in the document.")
        )
        self.emit("tasks:")
        section: str | None = None
        for task in tasks:
            if task.section != section and task.section:
                self.emit()
                self.comment(f"── {task.section}", indent=2)
            section = task.section
            self.task(task, _warnings_for(task, warnings))
        self.emit()

    def task(self, task: PlanTask, notes: list[Warning_]) -> None:
        self.emit()
        for note in notes:
            self.comment(
                _("⚠ line {line}: {message}").format(line=note.line, message=note.message),
                indent=2,
            )
        if task.window_text is None and task.occurrences and task.budget and task.budget.by_year:
            self.comment(_("no time column: the occurrences are the years with a budget"), indent=2)
        self.field("key", task.key, indent=2, item=True)
        self.field("section", task.section, indent=4)
        self.field(
            "number", task.number, _("not printed") if task.number is None else None, indent=4
        )
        self.field("title", task.title, indent=4)
        self.field("content", task.content, indent=4)
        self.field("deliverables", task.deliverables, indent=4)
        self.names("lead", task.lead, indent=4)
        self.names("coordinators", task.coordinators, indent=4)
        self.field("window_text", task.window_text, indent=4)
        self.occurrences(task, indent=4)
        self.budget(task.budget, indent=4)
        lines = task.source_lines
        self.emit(
            " " * 4
            + ("source_lines: null" if lines is None else f"source_lines: [{lines[0]}, {lines[1]}]")
        )
        self.source(task.source, indent=4)

    def warnings(self, warnings: list[Warning_]) -> None:
        if not warnings:
            self.emit("warnings: []")
            return
        self.comment(
            _("Everything a reviewer must look at, with the line of the document it is about.")
        )
        self.emit("warnings:")
        for warning in warnings:
            self.field("line", warning.line, indent=2, item=True)
            self.field("message", warning.message, indent=4)

    # -- pieces --------------------------------------------------------------------------

    def field(
        self, key: str, value: Any, note: str | None = None, *, indent: int = 0, item: bool = False
    ) -> None:
        lead = " " * indent + ("- " if item else "") + f"{key}:"
        if isinstance(value, str) and _needs_block(value):
            self.emit(lead + (" |-" if "\n" in value else " >-") + (f"  # {note}" if note else ""))
            self.block(value, indent + (4 if item else 2))
            return
        self.emit(f"{lead} {scalar(value)}" + (f"  # {note}" if note else ""))

    def block(self, value: str, indent: int) -> None:
        pad = " " * indent
        if "\n" in value:
            for line in value.split("\n"):
                self.emit(pad + line)
            return
        for line in textwrap.wrap(
            value, WIDTH - indent, break_long_words=False, break_on_hyphens=False
        ):
            self.emit(pad + line)

    def text_list(self, key: str, values: list[str], indent: int) -> None:
        if not values:
            self.emit(" " * indent + f"{key}: []")
            return
        self.emit(" " * indent + f"{key}:")
        for value in values:
            pad = " " * (indent + 2)
            if _needs_block(value):
                self.emit(pad + ("- |-" if "\n" in value else "- >-"))
                self.block(value, indent + 4)
            else:
                self.emit(f"{pad}- {scalar(value)}")

    def names(self, key: str, values: list[str], indent: int) -> None:
        pad = " " * indent
        inline = f"{pad}{key}: [{', '.join(scalar(v, flow=True) for v in values)}]"
        if not any(self._note(v) for v in values) and len(inline) <= WIDTH:
            self.emit(inline)
            return
        self.emit(f"{pad}{key}:")
        for value in values:
            note = self._note(value)
            self.emit(f"{pad}  - {scalar(value)}" + (f"  # {note}" if note else ""))

    def occurrences(self, task: PlanTask, indent: int) -> None:
        pad = " " * indent
        if not task.occurrences:
            self.emit(f"{pad}occurrences: []")
            return
        self.emit(f"{pad}occurrences:")
        for occ in task.occurrences:
            parts = [f"start: {scalar(occ.start)}", f"end: {scalar(occ.end)}"]
            if occ.label is not None:
                parts.append(f"label: {scalar(occ.label, flow=True)}")
            self.emit(f"{pad}  - {{{', '.join(parts)}}}")

    def budget(self, budget: Budget | None, indent: int) -> None:
        pad = " " * indent
        if budget is None:
            self.emit(f"{pad}budget: null")
            return
        self.emit(f"{pad}budget:")
        years = ", ".join(f"{year}: {scalar(amount)}" for year, amount in budget.by_year.items())
        self.emit(f"{pad}  by_year: {{{years}}}")
        self.field("total", budget.total, indent=indent + 2)
        self.field("unit", budget.unit, indent=indent + 2)
        self.field("text", budget.text, indent=indent + 2)

    def source(self, source: TaskSource | None, indent: int) -> None:
        if source is None:
            return
        parts = [f"read_from: {source.read_from}"]
        parts += [
            f"{key}: {value}"
            for key, value in (("page", source.page), ("table", source.table), ("row", source.row))
            if value is not None
        ]
        self.emit(" " * indent + f"source: {{{', '.join(parts)}}}")

    def _note(self, name: str) -> str | None:
        return _("not in the directory") if name in self.unmatched else None


def _warnings_for(task: PlanTask, warnings: list[Warning_]) -> list[Warning_]:
    if task.source_lines is None:
        return []
    first, last = task.source_lines
    return [w for w in warnings if w.line is not None and first <= w.line <= last]


def _needs_block(value: str) -> bool:
    return "\n" in value or len(value) > WIDTH - 30


def _due_note(duty: ReportingDuty) -> str | None:
    """What ``due`` means, in the reviewer's words."""
    if duty.due is None:
        return _("the text gives no date")
    day = duty.due_day()
    if duty.frequency == "monthly":
        return f"ngày {day} hằng tháng"
    if duty.frequency == "quarterly":
        return f"ngày {day} tháng cuối mỗi quý"
    return None


def scalar(value: Any, *, flow: bool = False) -> str:
    """One YAML scalar: plain where that reads back as the same value, else quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else repr(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if _plain_ok(text, flow):
        return text
    return json.dumps(text, ensure_ascii=False)


_RESOLVE = cast(Callable[..., str], yaml.resolver.Resolver().resolve)
_STR_TAG = "tag:yaml.org,2002:str"


@functools.lru_cache(maxsize=4096)
def _plain_ok(text: str, flow: bool) -> bool:
    """Plain style reads back as the same string: no indicator at the start, no ": " or
    " #", nothing YAML would take for a number, a date, a boolean or null."""
    if not text or not _PLAIN_SAFE.match(text) or text != text.strip():
        return False
    if ": " in text or " #" in text or (flow and re.search(r"[,\[\]{}]", text)):
        return False
    if text.endswith(":"):
        return False
    return _RESOLVE(yaml.ScalarNode, text, (True, False)) == _STR_TAG
