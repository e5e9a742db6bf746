"""The reporting table a coordinator attaches to the 6-month or annual report.

``build_report(session, plan, period, as_of=…, zone=…)`` selects the obligations of one
plan whose **original** due date falls in the period (cancelled ones excluded), sorts
each into its status category (``engine.categories``) as of the end of day ``as_of``,
and counts them per agency. ``write_xlsx`` writes two sheets, "Theo đơn vị" (per agency:
counts per category and the on-time rate) and "Theo nhiệm vụ" (one row per obligation);
``write_csv`` writes the per-obligation table alone, UTF-8 with a BOM so that Excel reads
the Vietnamese correctly.

A period is ``2026`` (the year), ``2026-H1``/``2026-H2`` (the halves) or ``2026-Q1`` …
``2026-Q4``. Without ``--as-of`` the report is as of the period's last day, or today if
the period is not over yet: a report on a past period then says what stood at its end,
whenever it is run (work done afterwards is still *not done* in it).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from engine.categories import FOUR_WAY, Category, Scorecard, categorize, done_on, scorecards
from engine.errors import InputError
from engine.i18n import _

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet
    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from engine.store.models import Obligation, Plan

ROMAN = ("I", "II", "III", "IV")
ROLE_LABELS = {
    "lead": "Chủ trì",
    "coordinator": "Phối hợp",
    "reporter": "Báo cáo",
    "owner": "Xây dựng kế hoạch",
}
TITLE_ROW, SUBTITLE_ROW, HEADER_ROW = 1, 2, 4
AGENCY_SHEET, TASK_SHEET = "Theo đơn vị", "Theo nhiệm vụ"
DATE_FORMAT = "DD/MM/YYYY"


# ---------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class ReportPeriod:
    """A reporting period: its code as typed, a Vietnamese label and its days."""

    code: str
    label: str
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


_PERIOD = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]))?$")


def parse_report_period(text: str) -> ReportPeriod:
    """``2026``, ``2026-H1``, ``2026-H2`` or ``2026-Q1``…``2026-Q4`` (case-insensitive)."""
    match = _PERIOD.match(text.strip().upper())
    if match is None or not 1900 <= int(match[1]) <= 2200:
        raise InputError(
            _(
                "--period {text!r}: expected a year (2026), a half (2026-H1, "
                "2026-H2) or a quarter (2026-Q1 … 2026-Q4)"
            ).format(text=text)
        )
    year, part = int(match[1]), match[2]
    if part is None:
        return ReportPeriod(str(year), f"Năm {year}", date(year, 1, 1), date(year, 12, 31))
    if part == "H1":
        return ReportPeriod(
            f"{year}-H1", f"6 tháng đầu năm {year}", date(year, 1, 1), date(year, 6, 30)
        )
    if part == "H2":
        return ReportPeriod(
            f"{year}-H2", f"6 tháng cuối năm {year}", date(year, 7, 1), date(year, 12, 31)
        )
    quarter = int(part[1])
    last = 3 * quarter
    end = date(year, last, calendar.monthrange(year, last)[1])
    label = f"Quý {ROMAN[quarter - 1]}/{year}"
    return ReportPeriod(f"{year}-Q{quarter}", label, date(year, last - 2, 1), end)


def default_as_of(period: ReportPeriod, today: date) -> date:
    """The period's last day, or today while the period is not over."""
    return min(period.end, today)


# ----------------------------------------------------------------------------- plans


# ---------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ReportRow:
    """One obligation as the per-task table shows it."""

    obligation_id: int
    number: str | None
    title: str
    agency: str
    role: str
    period_label: str
    original_due_on: date
    extended_due_on: date | None
    category: Category
    done_on: date | None
    note: str | None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class Report:
    """What the export contains: rows in plan order, scorecards per agency by name."""

    plan_key: str
    plan_heading: str
    period: ReportPeriod
    as_of: date
    rows: Sequence[ReportRow]
    by_agency: dict[str, Scorecard]

    @property
    def totals(self) -> Scorecard:
        return sum(self.by_agency.values(), Scorecard())

    @property
    def title(self) -> str:
        return f"{self.plan_heading} — {self.period.label}"

    @property
    def subtitle(self) -> str:
        return (
            f"Từ {self.period.start:%d/%m/%Y} đến {self.period.end:%d/%m/%Y}; "
            f"số liệu tính đến hết ngày {self.as_of:%d/%m/%Y}; tình trạng tính theo hạn "
            "ban đầu của kế hoạch (việc được gia hạn vẫn tính là quá hạn, và được ghi "
            "riêng ở cột gia hạn)."
        )


def plan_heading(plan: Plan) -> str:
    """The plan as a heading: "Kế hoạch số 266/KH-UBND: <title>", or the title alone."""
    return f"Kế hoạch số {plan.number}: {plan.title}" if plan.number else plan.title


def build_report(
    session: Session, plan: Plan, period: ReportPeriod, *, as_of: date, zone: ZoneInfo
) -> Report:
    """The report on ``plan`` for ``period`` as of the end of day ``as_of``."""
    from sqlalchemy import select

    from engine.store.models import Agency, Obligation, Task

    selected = select(Obligation.id).where(
        Obligation.plan_id == plan.id,
        Obligation.cancelled_at.is_(None),
        Obligation.tracked.is_(True),  # before the plan's tracking start: not reported
        Obligation.original_due_on.between(period.start, period.end),
    )
    query = (
        select(Obligation, Agency.name, Task.number)
        .join(Agency, Agency.id == Obligation.agency_id)
        .outerjoin(Task, Task.id == Obligation.task_id)
        .where(Obligation.id.in_(selected))
        .order_by(
            Obligation.task_id.is_(None),  # tasks first, in plan order; then duties
            Task.position,
            Obligation.original_due_on,
            Agency.name,
            Obligation.id,
        )
    )
    notes = last_notes(session, selected)
    rows = [
        _row(obligation, agency, number, notes.get(obligation.id), as_of, zone)
        for obligation, agency, number in session.execute(query)
    ]
    cards = scorecards(sorted(((r.agency, r.category) for r in rows), key=_by_name))
    return Report(plan.key, plan_heading(plan), period, as_of, rows, cards)


def _by_name(pair: tuple[str, Category]) -> str:
    from engine.periods import normalise

    return normalise(pair[0])


def _row(
    obligation: Obligation, agency: str, number: str | None, note: str | None, as_of: date,
    zone: ZoneInfo,
) -> ReportRow:  # fmt: skip
    extended = obligation.due_on if obligation.due_on != obligation.original_due_on else None
    return ReportRow(
        obligation_id=obligation.id,
        number=number,
        title=obligation.title,
        agency=agency,
        role=obligation.role,
        period_label=obligation.period_label,
        original_due_on=obligation.original_due_on,
        extended_due_on=extended,
        category=categorize(obligation, as_of=as_of, zone=zone),
        done_on=done_on(obligation, as_of=as_of, zone=zone),
        note=note,
    )


def last_notes(session: Session, obligation_ids: Select[Any]) -> dict[int, str]:
    """The note of each obligation's latest audit event that has one.

    Sync's own events carry no note, so this is the last thing a person wrote (with an
    acknowledgement, a "done", a waiver, an extension decision).
    """
    from sqlalchemy import select

    from engine.store.models import AuditEvent

    query = (
        select(AuditEvent.obligation_id, AuditEvent.note)
        .where(
            AuditEvent.obligation_id.in_(obligation_ids),
            AuditEvent.note.is_not(None),
            AuditEvent.note != "",
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    notes: dict[int, str] = {}
    for obligation_id, note in session.execute(query):
        if obligation_id is not None and note is not None:
            notes[obligation_id] = note
    return notes


# ---------------------------------------------------------------------------- output

AGENCY_HEADERS = (
    ("STT", 6),
    ("Đơn vị", 42),
    ("Tổng số", 10),
    (Category.DONE_ON_TIME.vi, 14),
    (Category.DONE_LATE.vi, 14),
    ("Trong đó: trong thời gian được gia hạn", 16),
    (Category.NOT_DONE_IN_TIME.vi, 14),
    (Category.NOT_DONE_OVERDUE.vi, 14),
    ("Trong đó: đang trong thời gian được gia hạn", 16),
    (Category.WAIVED.vi, 12),
    ("Tỷ lệ hoàn thành đúng hạn", 14),
)
TASK_HEADERS = (
    ("STT", 6),
    ("Số TT nhiệm vụ", 10),
    ("Nhiệm vụ", 60),
    ("Đơn vị", 36),
    ("Vai trò", 14),
    ("Kỳ", 22),
    ("Hạn", 12),
    ("Hạn được gia hạn", 12),
    ("Tình trạng", 30),
    ("Ngày hoàn thành", 12),
    ("Ghi chú", 40),
)


def agency_values(position: int, name: str, card: Scorecard) -> list[object]:
    """One row of the per-agency sheet (``position`` 0: the totals row, no number)."""
    return [
        position or None,
        name,
        card.total,
        *(card.count(category) for category in FOUR_WAY[:2]),
        card.done_within_extension,
        *(card.count(category) for category in FOUR_WAY[2:]),
        card.not_done_within_extension,
        card.waived,
        card.on_time_rate,
    ]


def task_values(position: int, row: ReportRow) -> list[object]:
    """One row of the per-task table, dates as ``date`` objects."""
    return [
        position,
        row.number,
        row.title,
        row.agency,
        row.role_label,
        row.period_label,
        row.original_due_on,
        row.extended_due_on,
        row.category.vi,
        row.done_on,
        row.note,
    ]


def write_report(report: Report, path: Path) -> None:
    """Write ``.xlsx`` or ``.csv`` by the file's suffix, replacing it only when complete."""
    writer = {".xlsx": write_xlsx, ".csv": write_csv}.get(path.suffix.lower())
    if writer is None:
        raise InputError(
            _("-o {value!r}: expected a file name ending in .xlsx or .csv").format(value=str(path))
        )
    if not path.parent.is_dir():
        raise InputError(
            _("-o {value!r}: the folder {value2!r} does not exist").format(
                value=str(path), value2=str(path.parent)
            )
        )
    partial = path.with_name(f".{path.name}.partial")
    try:
        writer(report, partial)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(
            _("-o {value!r}: cannot write the file: {strerror}").format(
                value=str(path), strerror=exc.strerror
            )
        ) from exc


def write_csv(report: Report, path: Path) -> None:
    """The per-task table; UTF-8 with a BOM (Excel), ISO dates (any Excel locale)."""
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([name for name, _ in TASK_HEADERS])
        for position, row in enumerate(report.rows, start=1):
            writer.writerow(_csv_cell(value) for value in task_values(position, row))


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def write_xlsx(report: Report, path: Path) -> None:
    """Two sheets with a title, bold headers, widths, real dates and a percent column."""
    from openpyxl import Workbook

    book = Workbook()
    agencies = book.active
    assert agencies is not None
    agencies.title = AGENCY_SHEET
    _heading(agencies, report, AGENCY_HEADERS)
    for position, (name, card) in enumerate(report.by_agency.items(), start=1):
        agencies.append(agency_values(position, name, card))
    agencies.append(agency_values(0, "Tổng cộng", report.totals))
    _bold_row(agencies, agencies.max_row)
    _format_column(agencies, len(AGENCY_HEADERS), "0.0%")

    tasks = book.create_sheet(TASK_SHEET)
    _heading(tasks, report, TASK_HEADERS)
    for position, row in enumerate(report.rows, start=1):
        tasks.append(task_values(position, row))
    for column in (7, 8, 10):
        _format_column(tasks, column, DATE_FORMAT)
    _wrap_column(tasks, 3)
    book.save(path)


def _heading(sheet: Worksheet, report: Report, headers: Sequence[tuple[str, int]]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.cell(TITLE_ROW, 1, report.title).font = Font(bold=True, size=13)
    sheet.cell(SUBTITLE_ROW, 1, report.subtitle).font = Font(italic=True)
    for column, (name, width) in enumerate(headers, start=1):
        cell = sheet.cell(HEADER_ROW, column, name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"  # a string: sheet.cell() would make a row


def _bold_row(sheet: Worksheet, row: int) -> None:
    from openpyxl.styles import Font

    for cell in sheet[row]:
        cell.font = Font(bold=True)


def _format_column(sheet: Worksheet, column: int, number_format: str) -> None:
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        sheet.cell(row, column).number_format = number_format


def _wrap_column(sheet: Worksheet, column: int) -> None:
    from openpyxl.styles import Alignment

    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        sheet.cell(row, column).alignment = Alignment(wrap_text=True, vertical="top")
