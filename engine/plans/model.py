"""The plan file: what ``nhacviec plan import`` writes and ``nhacviec plan load`` reads.

One plan document becomes one reviewable YAML file with this structure (``--json`` prints
the same). Agency names are canonical directory names where the name matched the
directory, otherwise exactly as printed (and a warning says so).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
DAY = re.compile(r"^(0?[1-9]|[12]\d|3[01])$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PlanPeriod(_Model):
    """The years the plan covers, inclusive."""

    start: int = Field(ge=1900, le=2200)
    end: int = Field(ge=1900, le=2200)

    @model_validator(mode="after")
    def _ordered(self) -> PlanPeriod:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} is before its start {self.start}")
        return self


class AgencyDuties(_Model):
    """An agency named in "Tổ chức thực hiện" and the duties given to it there."""

    name: str
    duties: list[str] = Field(default_factory=list)


class ReportingDuty(_Model):
    """A recurring duty stated in the plan's body.

    ``kind`` is ``report`` (monthly, quarterly, 6-month or annual reports) or
    ``plan_drafting`` (drafting next year's plan). ``due`` is the last allowed day in each
    period, or None where the text gives no date:

    - "MM-DD", a day of the year, for yearly and half-yearly duties: ``trước ngày 20/6``
      gives "06-19";
    - "DD", a day of each month for a monthly duty (``trước ngày 20 hằng tháng`` gives
      "19") and of each quarter's last month for a quarterly one (``trước ngày 15 tháng
      cuối quý`` gives "14": 14/3, 14/6, 14/9, 14/12). A day the month lacks is its
      last day (31 → 30/4, 28/2).

    "MM-DD" on a monthly or quarterly duty (plan files written before "DD") means its
    day, DD. ``source_line`` is where ``text`` is.
    """

    kind: Literal["report", "plan_drafting"] = "report"
    text: str
    frequency: Literal["half-yearly", "yearly", "quarterly", "monthly"]
    due: str | None = None
    due_text: str | None = None
    from_: list[str] = Field(default_factory=list, alias="from")
    to: list[str] = Field(default_factory=list)
    source_line: int | None = None

    @field_validator("due", mode="before")
    @classmethod
    def _day_as_text(cls, value: object) -> object:
        """ "due: 19" typed without quotes is the day "19"."""
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:02d}"
        return value

    @field_validator("due")
    @classmethod
    def _due_form(cls, due: str | None, info: ValidationInfo) -> str | None:
        if due is None or MONTH_DAY.match(due):
            return due
        if not DAY.match(due):
            raise ValueError(
                'expected a month-day "MM-DD" (e.g. "06-19"), or for a monthly or quarterly '
                'duty the day "DD" (e.g. "19")'
            )
        frequency = info.data.get("frequency")
        if frequency not in ("monthly", "quarterly"):
            raise ValueError(
                f"'{due}' is a day of the month, but a {frequency} duty needs a month-day "
                '"MM-DD" (e.g. "06-19")'
            )
        return due

    def due_day(self) -> int | None:
        """The day of the month a monthly or quarterly duty is due ("19", or legacy
        "MM-DD"'s DD), None without a date."""
        if self.due is None:
            return None
        return int(self.due[-2:])


class Occurrence(_Model):
    """One window of a task: ``start`` (None for a bare deadline) to ``end`` inclusive."""

    start: date | None = None
    end: date
    label: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Occurrence:
        if self.start is not None and self.end < self.start:
            raise ValueError(f"occurrence ends {self.end} before it starts {self.start}")
        return self


class Budget(_Model):
    """Money where the table gives it: per year, a total, or a free text cell."""

    by_year: dict[int, float] = Field(default_factory=dict)
    total: float | None = None
    unit: str | None = None
    text: str | None = None


class TaskSource(_Model):
    """Where a task was read, for a reviewer holding the plan file against the document:
    ``table`` when it is a row of a table (``table`` and ``row`` count from 1 in document
    order), ``text`` when it was read from the body's sentences and lists; ``page`` where
    the document has pages (PDF). The lines are the task's ``source_lines``."""

    read_from: Literal["table", "text"] = "table"
    page: int | None = None
    table: int | None = None
    row: int | None = None


class PlanTask(_Model):
    """One task: a row of an appendix table, or an assignment read from the text."""

    key: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    section: str | None = None
    number: str | None = None
    title: str
    content: str | None = None
    deliverables: str | None = None
    lead: list[str] = Field(default_factory=list)
    coordinators: list[str] = Field(default_factory=list)
    window_text: str | None = None
    occurrences: list[Occurrence] = Field(default_factory=list)
    budget: Budget | None = None
    source_lines: tuple[int, int] | None = None
    source: TaskSource | None = None


class Warning_(_Model):
    line: int | None = None
    message: str


class PlanFile(_Model):
    """A whole plan."""

    key: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    number: str | None = None
    issuer: str | None = None
    jurisdiction: str | None = None
    issued_on: date | None = None
    title: str
    period: PlanPeriod
    owner: str | None = None
    source: str | None = None
    agencies: list[AgencyDuties] = Field(default_factory=list)
    reporting: list[ReportingDuty] = Field(default_factory=list)
    tasks: list[PlanTask] = Field(default_factory=list)
    warnings: list[Warning_] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_task_keys(self) -> PlanFile:
        seen: set[str] = set()
        for task in self.tasks:
            if task.key in seen:
                raise ValueError(f"task key '{task.key}' appears twice; keys must be unique")
            seen.add(task.key)
        return self
