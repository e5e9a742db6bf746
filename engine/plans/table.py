"""From the appendix table's rows to ``PlanTask``s.

The table's header says which column holds which field (``columns.py``). Then each row
is one of:

* blank, or the header printed again after a page break (skipped; a row right after a
  repeated header whose number cell is empty continues the task before it, whose title
  the page break split),
* a total row ("TỔNG", "Tổng kinh phí": skipped), the columns' numbers ("1 | 2 | 3"),
  or a note without number or agency in a table of numbered steps (skipped),
* a section row (a Roman numeral, with its heading in the next cell or in the same one,
  or one text across the row: "Giai đoạn 1 …", "Nhóm nhiệm vụ …"),
* a row without a number or a task of its own (joined to the task above),
* a task row; lettered rows (a, b, c) under a numbered one are tasks keyed under it.

Every task table of the document is read (``tasktables``); where numbers repeat from one
table to the next, keys are qualified by the table ("t2.1"). A table without a time
column takes the body's deadline for its appendix (``appendix``) or, for the row that
holds it, the dates of the event the plan organises (``events``). Building a task from
a row (keys, agencies, windows, budget) is ``taskbuild``.

Cell-per-line exports (``Table.aligned`` False) lose empty and vertically merged cells
and repeat horizontally merged ones, so a row's cells are first deduplicated and then
fitted to the columns: the number and the time cell are the ones that may be missing. A
time cell printed once for a vertically merged group applies to the rows of that group
(the rows exported without a blank line between them) that have none; every such
inheritance is a warning. Nothing is dropped: a row that fits badly is kept with a
warning that says what to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from engine.agencies import AgencyMatcher
from engine.errors import InputError
from engine.i18n import N_, _
from engine.plans.appendix import caption_deadline, deadline_for
from engine.plans.columns import Kind, column_kind
from engine.plans.document import Cell, Document, Row, Table
from engine.plans.events import event_dates, holds_event
from engine.plans.model import PlanTask, Warning_
from engine.plans.rows import (
    LETTER,
    NUMBER,
    SECTION,
    Column,
    Draft,
    aligned_columns,
    column_numbers,
    dedup,
    is_subheader,
    is_total,
    keys_repeat,
    one_line,
)
from engine.plans.taskbuild import DURATION, FIELD_NAMES, PeriodParser, TaskBuilder
from engine.plans.tasktables import TaskTable, find_task_tables
from engine.plans.text import fold, is_roman, parse_amount, squash

_WINDOW_HINT = re.compile(
    r"\b(19|20)\d{2}\b|hàng năm|hằng năm|thường xuyên|quý|tháng\s*\d", re.IGNORECASE
)
_UNIT = re.compile(r"\((?P<unit>(?:triệu|tỷ|nghìn)?\s*đồng)\)", re.IGNORECASE)

_ROW_NUMBER = re.compile(r"^(\d{1,3})([.)]?)$")
_INSPECTION = re.compile(r"\b(?:kiem tra|thanh tra)\b")
_TASK_FIELDS = ("title", "content", "lead", "coordinators", "agencies", "deliverables")


@dataclass
class TableResult:
    tasks: list[PlanTask]
    warnings: list[Warning_]
    unmatched: dict[str, list[int]]
    header_line: int
    rows_read: int


class TaskExtractor(TaskBuilder):
    """Reads the appendix table of one document into tasks."""

    def __init__(
        self,
        matcher: AgencyMatcher,
        jurisdiction: str | None,
        default_lead: str | None,
        period: tuple[int, int],
        parse_window: PeriodParser,
    ):
        self.matcher = matcher
        self.jurisdiction = jurisdiction
        self.default_lead = default_lead
        self.period = period
        self.parse_window = parse_window
        self.warnings: list[Warning_] = []
        self.unmatched: dict[str, list[int]] = {}
        self.columns: list[Column] = []
        self.header_texts: list[str] = []
        self.unit: str | None = None
        self.doc = Document(name="", format="", lines=[])
        self._saved_columns: dict[int, tuple[list[Column], list[str], str | None]] = {}
        self._shift_lines: set[int] = set()
        self.plan_title: str | None = None  # the events of the body are named after it
        self.issued_on: date | None = None  # a window before it may be a year typo
        self.inspections = False  # the rows are units an inspection plan inspects

    # -- entry point ---------------------------------------------------------------------

    def extract(self, doc: Document, tables: list[TaskTable] | None = None) -> TableResult:
        """Tasks from every task table of ``doc`` (``tasktables.find_task_tables``)."""
        self.doc = doc
        tables = find_task_tables(doc) if tables is None else tables
        if not tables:
            raise InputError(
                _(
                    "no recognisable appendix table: expected a header row naming "
                    "columns such as TT, Nội dung, Đơn vị chủ trì, Đơn vị phối hợp, Thời "
                    "gian thực hiện"
                ),
                file=doc.name,
            )
        per_table: list[tuple[TaskTable, list[Draft], list[str]]] = []
        rows_read = 0
        for found in tables:
            drafts = self._table_drafts(found, captioned=len(tables) > 1)
            rows_read += len(found.table.rows) - found.header_index - 1
            per_table.append((found, drafts, self._keys(drafts)))
        qualify = len(per_table) > 1 and keys_repeat([keys for _t, _h, keys in per_table])
        tasks: list[PlanTask] = []
        for number, (found, drafts, keys) in enumerate(per_table, start=1):
            self._set_columns(found)
            for draft, key in zip(drafts, keys, strict=True):
                tasks.append(self._task(draft, f"t{number}.{key}" if qualify else key))
        first = tables[0]
        return TableResult(
            tasks=tasks,
            warnings=self.warnings,
            unmatched=self.unmatched,
            header_line=first.table.rows[first.header_index].first,
            rows_read=rows_read,
        )

    def _table_drafts(self, found: TaskTable, *, captioned: bool) -> list[Draft]:
        table, header_index = found.table, found.header_index
        header_rows = self._header(table, header_index)
        self._saved_columns[id(found)] = (list(self.columns), list(self.header_texts), self.unit)
        body_rows = table.rows[header_index + len(header_rows) :]
        caption = self._caption(table) if captioned else None  # tells the tables apart
        drafts = self._drafts(table, body_rows, caption)
        if not table.aligned:
            self._inherit_windows(drafts)
        if "window" not in self._kinds:
            self._body_windows(table, drafts)
        return self._letters(drafts)

    def _body_windows(self, table: Table, drafts: list[Draft]) -> None:
        """A table without a time column: the body's deadline for its appendix, else the
        dates of the event the plan organises for the row that holds it; the rest of
        the rows get one warning for the table."""
        if deadline := deadline_for(self.doc, table):
            for draft in drafts:
                draft.fields["window"] = deadline.text
                draft.body_window = deadline.line
            return
        unbudgeted = [d for d in drafts if not d.budget]  # a budget's years are its times
        if unbudgeted and (deadline := caption_deadline(self.doc, table)):
            for draft in unbudgeted:
                draft.fields["window"] = deadline.text
                draft.caption_window = deadline.line
            return
        event = event_dates(self.doc, self.plan_title)
        for draft in drafts:
            if event and holds_event(draft.fields.get("title", ""), event):
                draft.fields["window"] = f"từ {event.first:%d/%m/%Y} đến {event.last:%d/%m/%Y}"
                draft.event_window = event.line
        without = [d for d in drafts if not d.fields.get("window") and not d.budget]
        if without:
            self.warn(
                table.rows[0].first,
                _("the table has no time column: {count} of its tasks have no window").format(
                    count=len(without)
                ),
            )
            for draft in without:
                draft.window_warned = True

    def _set_columns(self, found: TaskTable) -> None:
        self.columns, self.header_texts, self.unit = self._saved_columns[id(found)]

    def _caption(self, table: Table) -> tuple[str, str] | None:
        """A section heading printed just before the table ("I. TTHC CÓ THỜI GIAN …")."""
        before = [ln for ln in self.doc.lines if table.first - 4 <= ln.number < table.first]
        for line in reversed(before):
            match = SECTION.match(line.text.strip())
            if match and is_roman(match.group("roman")) and match.group("rest"):
                roman = match.group("roman")
                return roman, f"{roman}. {squash(match.group('rest'))}"
        return None

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Warning_(line=line, message=message))

    # -- header --------------------------------------------------------------------------

    def _header(self, table: Table, index: int) -> list[Row]:
        rows = [table.rows[index]]
        for row in table.rows[index + 1 :]:
            if not is_subheader(row):
                break
            rows.append(row)
        self.header_texts = [squash(t) for t in rows[0].texts]
        if table.aligned:
            self.columns = self._unnamed_leading(rows[0], aligned_columns(rows), table.rows)
        else:
            self.columns = self._sequence_columns(rows[0], table.rows[index + 1 :])
        for text in (cell for row in rows for cell in row.texts):
            if m := _UNIT.search(text):
                self.unit = squash(m.group("unit"))
        kinds = {c.kind for c in self.columns}
        if not kinds & {"title", "content"} and kinds & {"lead", "agencies"}:
            self._indicators_as_titles(rows[0])
        self.inspections = False
        if not kinds & {"lead", "agencies"}:
            # "Tên đơn vị được kiểm tra | Đối tượng kiểm tra | Thời hạn kiểm tra": the rows
            # are the units inspected, each inspection the work of the plan's owner.
            self.inspections = any(_INSPECTION.search(fold(c.header)) for c in self.columns)
            if self.inspections:
                self.warn(
                    rows[0].first,
                    _(
                        "the table lists the units to be inspected and has no lead-agency "
                        "column: its tasks have no lead (the plan's owner does the inspections)"
                    ),
                )
            else:
                who = self.default_lead or _("nobody")
                self.warn(
                    rows[0].first,
                    _(
                        "the table has no lead-agency column; the issuer ({who}) is the lead "
                        "of every task"
                    ).format(who=who),
                )
        for column in self.columns:
            if column.kind is None and column.header and not column.duplicate:
                self.warn(
                    rows[0].first,
                    _("column '{header}' is not a known field; ignored").format(
                        header=column.header
                    ),
                )
        return rows

    def _indicators_as_titles(self, header: Row) -> None:
        """A table that assigns indicators ("TT | Chỉ tiêu | Chủ trì") and names no task
        column: each indicator is the task of the agency beside it."""
        for index, column in enumerate(self.columns):
            if column.kind == "deliverables":
                self.columns[index] = Column("title", column.header)
                self.warn(
                    header.first,
                    _(
                        "the table names no task column; its column '{header}' "
                        "is taken as the tasks' titles"
                    ).format(header=squash(column.header)),
                )
                return

    def _unnamed_leading(self, header: Row, columns: list[Column], rows: list[Row]) -> list[Column]:
        """Leading columns the header leaves blank are TT and the task when the rows show
        numbers there and no other column holds tasks."""
        kinds = {c.kind for c in columns}
        named: list[str] = []
        # A header cell OCR could not read ("1" for "TT") is as good as a blank one.
        unknown_first = bool(columns) and columns[0].kind is None
        numbered = sum(1 for r in rows if r.texts and NUMBER.match(squash(r.texts[0])))
        enough = (
            numbered > 0 if unknown_first and not columns[0].header else numbered * 2 > len(rows)
        )
        if unknown_first and "number" not in kinds and enough:
            columns[0] = Column("number", columns[0].header)
            named.append(N_("TT"))
        position = 1 if named else 0
        if len(columns) > position and columns[position].kind is None:
            blank = not columns[position].header
            if (blank and not kinds & {"title", "content"}) or (
                not blank and named and "title" not in kinds
            ):
                columns[position] = Column("title", columns[position].header)
                named.append(N_("task title"))
        if named:
            printed = ", ".join(f"'{squash(c.header)}'" for c in columns[: len(named)] if c.header)
            message = (
                _(
                    "the header leaves its first columns unnamed or unreadable ({printed}); "
                    "they are taken as {names}"
                )
                if printed
                else _("the header leaves its first columns unnamed; they are taken as {names}")
            )
            names = _(" and ").join(_(name) for name in named)
            self.warn(header.first, message.format(printed=printed, names=names))
        return columns

    def _sequence_columns(self, header: Row, rows: list[Row]) -> list[Column]:
        """Columns of a cell-per-line table: the header's cells without repeats, with the
        number and title columns put back when the export dropped them from the header
        (rows start with a number the header has no column for; no column holds tasks)."""
        texts = dedup([squash(t) for t in header.texts])
        columns = [Column(column_kind(t), t) for t in texts]
        kinds = {c.kind for c in columns}
        missing: list[Kind] = []
        if "number" not in kinds and any(r.texts and NUMBER.match(r.texts[0]) for r in rows):
            missing.append("number")
        if not kinds & {"title", "content"}:
            missing.append("title")
        if missing:
            names = _(" and ").join(_("TT") if k == "number" else _("task title") for k in missing)
            self.warn(
                header.first,
                _(
                    "the header names {count} columns ({texts}) but no "
                    "{names}; the first cells of each row are taken as {names}"
                ).format(count=len(columns), texts=", ".join(texts), names=names),
            )
            columns = [Column(kind, "") for kind in missing] + columns
        return columns

    # -- rows ----------------------------------------------------------------------------

    def _drafts(
        self, table: Table, rows: list[Row], caption: tuple[str, str] | None = None
    ) -> list[Draft]:
        drafts: list[Draft] = []
        section: tuple[str, str] | None = caption
        after_repeat = False
        skipping_subheader = False
        for row in rows:
            if row.blank:
                continue
            if self._is_header_repeat(row):
                after_repeat, skipping_subheader = True, True
                continue
            if (skipping_subheader and is_subheader(row)) or column_numbers(row):
                continue
            skipping_subheader = False
            values = self._values(row, table.aligned)
            number = squash(values.get("number", ""))
            if is_total(row, number):
                after_repeat = False
                continue
            if heading := self._section(number, values) or self._spanning(row, number):
                section = heading
                after_repeat = False
                continue
            if after_repeat and not number and drafts:
                self._continue(drafts[-1], row, values)
                after_repeat = False
                continue
            after_repeat = False
            if drafts and "merged:number" in values and number == drafts[-1].number:
                self._same_task(drafts[-1], row, values)
                continue
            if not number and drafts and self._continues(values):
                self._continue(drafts[-1], row, values, why=_("it has no number and no task"))
                continue
            if not number and self._summary_row(table, values):
                self.warn(
                    row.first,
                    _(
                        "the row at line {line} has no number and no agency in a table of "
                        "numbered tasks: read as a note, not a task: '{text}'"
                    ).format(line=row.first, text=one_line(" ".join(row.texts))[:80]),
                )
                continue
            if not number and not any(values.get(k, "").strip() for k in _TASK_FIELDS):
                self.warn(
                    row.first,
                    _(
                        "the row at line {line} has no number, task or agency; skipped: '{text}'"
                    ).format(line=row.first, text=one_line(" ".join(row.texts))[:80]),
                )
                continue
            if self.doc.ocr and drafts and number:
                number = self._ocr_number(row, number, drafts[-1].number)
            drafts.append(self._draft(row, values, number, section))
        return drafts

    def _ocr_number(self, row: Row, number: str, before: str | None) -> str:
        """A number cell OCR misread ("2." as "vỗ", "3." as "8:", "7." as "T."): a short
        cell that is not a number, after a numbered row, is the number after that row's."""
        if _ROW_NUMBER.match(number) or len(number) > 3 or before is None:
            return number
        previous = _ROW_NUMBER.match(before)
        if previous is None:
            return number
        fixed = f"{int(previous[1]) + 1}{previous[2]}"
        self.warn(
            row.first,
            _(
                "the number cell at line {line} reads '{text}' (OCR): taken as {number}, "
                "the number after the row before; check it against the scan"
            ).format(line=row.first, text=number, number=fixed),
        )
        return fixed

    def _is_header_repeat(self, row: Row) -> bool:
        """The header printed again, whole or cut short (a truncated file)."""
        texts = [squash(t) for t in row.texts]
        if texts == self.header_texts or (
            len(texts) > 1 and dedup(texts) == dedup(self.header_texts)
        ):
            return True
        header = self.header_texts
        filled = [i for i, t in enumerate(texts) if t]
        if len(filled) < 2 or filled[-1] >= len(header):
            return False
        *whole, last = filled
        return all(texts[i] == header[i] for i in whole) and header[last].startswith(texts[last])

    def _values(self, row: Row, aligned: bool) -> dict[str, str]:
        """The row's text per field (``merged:window`` marks a vertically merged window)."""
        if aligned:
            return self._aligned_values(row)
        return self._fitted_values(row)

    def _aligned_values(self, row: Row) -> dict[str, str]:
        values: dict[str, str] = {}
        for column, cell in zip(self.columns, self._shifted(row), strict=False):
            if column.kind is None:
                continue
            key = f"year:{column.year}" if column.kind == "budget_year" else column.kind
            if column.duplicate and values.get(key):
                if key == "window" and cell.merged != "above" and DURATION.match(squash(cell.text)):
                    values["duration"] = squash(cell.text)  # "Thời hạn kiểm tra: 02 ngày"
                continue
            if cell.merged == "left" and values.get(key):
                continue
            values[key] = cell.text
            if cell.merged == "above" and cell.text.strip():
                values[f"merged:{column.kind}"] = str(cell.first)
        return values

    def _shifted(self, row: Row) -> list[Cell]:
        """A row of a text export that left out its empty number cell: its first cell
        is the task's text, so its cells start one column later."""
        cells = row.cells
        if self.doc.format == "docx" or not cells or not self.columns:
            return cells
        if self.columns[0].kind != "number" or len(self.columns) < 3:
            return cells
        first = squash(cells[0].text)
        if len(first) <= 8 or NUMBER.match(first) or SECTION.match(first.split(" ")[0]):
            return cells
        if sum(1 for c in cells if c.text.strip()) >= len(self.columns):
            return cells
        self._shift_lines.add(row.first)
        return [Cell("", row.first, row.first), *cells]

    def _fitted_values(self, row: Row) -> dict[str, str]:
        texts = dedup([t.strip() for t in row.texts if t.strip()])
        kinds = [c.kind for c in self.columns]
        layout = self._fit(texts, kinds)
        if layout is None:
            raw = [t.strip() for t in row.texts]
            header = [squash(t) for t in self.header_texts]
            if len(raw) == len(header) and len(dedup(header)) == len(kinds):
                layout = [column_kind(h) for h in header]
                texts = raw
            else:
                layout = kinds[: len(texts)]
                if len(texts) > len(kinds):
                    layout = layout + [None] * (len(texts) - len(kinds))
                self.warn(
                    row.first,
                    _(
                        "the row at lines {first}–{last} has {cells} cells where "
                        "{columns} columns were expected; its fields were filled in order: "
                        "check them"
                    ).format(first=row.first, last=row.last, cells=len(texts), columns=len(kinds)),
                )
        values: dict[str, str] = {}
        for kind, text in zip(layout, texts, strict=False):
            if kind is not None and not values.get(kind):
                values[kind] = text
        return values

    def _fit(self, texts: list[str], kinds: list[Kind | None]) -> list[Kind | None] | None:
        """The columns a deduplicated row fills: all of them, or all but the number
        and/or the time cell (lost to merges), whichever agrees with the cells' contents."""
        optional = [k for k in ("number", "window") if k in kinds]
        options: list[list[Kind | None]] = [kinds]
        for drop in ([*optional[:1]], [*optional[1:]], optional):
            if drop:
                options.append([k for k in kinds if k not in drop])
        for layout in options:
            if len(layout) != len(texts):
                continue
            if self._consistent(layout, texts):
                return layout
        return None

    def _consistent(self, layout: list[Kind | None], texts: list[str]) -> bool:
        """A number cell only where the layout has the number column, a time-like cell
        where it has the window, and no time-like cell where a dropped window would be."""
        if bool(NUMBER.match(texts[0])) != ("number" in layout):
            return False
        if "window" in layout:
            return self._looks_like_window(texts[layout.index("window")])
        full = [k for k in self.columns_kinds if k != "number" or "number" in layout]
        if "window" not in full:
            return True
        position = full.index("window")
        return not (position < len(texts) and self._looks_like_window(texts[position]))

    @property
    def columns_kinds(self) -> list[Kind | None]:
        return [c.kind for c in self.columns]

    def _looks_like_window(self, text: str) -> bool:
        text = squash(text)
        return 0 < len(text) <= 60 and bool(_WINDOW_HINT.search(text))

    def _section(self, number: str, values: dict[str, str]) -> tuple[str, str] | None:
        match = SECTION.match(number)
        if match is None or not is_roman(match.group("roman")):
            return None
        heading = squash(match.group("rest") or values.get("title", "") or "")
        roman = match.group("roman")
        return roman, f"{roman}. {heading}" if heading else roman

    def _draft(
        self, row: Row, values: dict[str, str], number: str, section: tuple[str, str] | None
    ) -> Draft:
        draft = Draft(
            number=number.rstrip(".") or None,
            section=section[1] if section else None,
            section_id=section[0] if section else None,
            fields={k: v for k, v in values.items() if not k.startswith(("year:", "merged:"))},
            first=row.first,
            last=row.last,
            block=row.block,
        )
        if number and not NUMBER.match(number):
            self.warn(
                row.first,
                _("the number cell reads '{number}', not a task number").format(number=number),
            )
            draft.number = None
        for key, text in values.items():
            if key.startswith("year:") and (amount := parse_amount(text)) is not None:
                draft.budget[int(key[5:])] = amount
        draft.budget_total = parse_amount(values.get("budget_total", "")) or None
        if "budget" in values:
            amount = parse_amount(values["budget"])
            if amount is not None:
                draft.budget_total = amount
            elif values["budget"].strip():
                draft.budget_text = squash(values["budget"])
        if "merged:window" in values and values.get("window", "").strip():
            draft.merged_window = True
            draft.window_from = int(values["merged:window"])
        for key, line in values.items():
            kind = key.removeprefix("merged:")
            if key.startswith("merged:") and kind in FIELD_NAMES and kind != "window":
                draft.merged[kind] = int(line)
        return draft

    def _letters(self, drafts: list[Draft]) -> list[Draft]:
        """Lettered rows (a, b, c) under a numbered row are tasks of their own, keyed
        under it ("1.a"); the numbered row is then their heading unless it has its own
        agency or time."""
        out: list[Draft] = []
        parent: Draft | None = None
        for draft in drafts:
            letter = draft.number and LETTER.match(draft.number)
            if not letter:
                parent = draft
                out.append(draft)
                continue
            draft.number = draft.number.rstrip(").") if draft.number else None
            if parent is not None and parent.number:
                draft.letter_parent = parent.number
                if parent in out and not self._own_work(parent):
                    out.remove(parent)
                    draft.section = (
                        draft.section
                        or f"{parent.number}. {one_line(parent.fields.get('title', ''))}"
                    )
            out.append(draft)
        return out

    def _own_work(self, draft: Draft) -> bool:
        fields = draft.fields
        return any(fields.get(k, "").strip() for k in ("lead", "agencies", "window"))

    def _continues(self, values: dict[str, str]) -> bool:
        """A row without a number or a task of its own, with text in another column: the
        rest of the task above (a cell's text that went on in a row of its own)."""
        if any(values.get(k, "").strip() for k in ("title", "content")):
            return False
        return any(
            text.strip() and not key.startswith(("merged:", "year:"))
            for key, text in values.items()
        )

    def _summary_row(self, table: Table, values: dict[str, str]) -> bool:
        """ "Tổng thời gian giải quyết …: 03 ngày" under the header of a step table: no
        number, no agency, where the table's other rows have both."""
        if not {"lead", "agencies"} & self._kinds or "number" not in self._kinds:
            return False
        if any(values.get(k, "").strip() for k in ("lead", "agencies")):
            return False
        numbered = sum(1 for r in table.rows if r.texts and NUMBER.match(squash(r.texts[0])))
        return numbered >= max(3, len(table.rows) // 2)

    def _spanning(self, row: Row, number: str) -> tuple[str, str] | None:
        """A row with one text across the table ("Giai đoạn 1 …", "Nhóm nhiệm vụ …",
        "PHẦN II …"): a section heading, not a task."""
        texts = [squash(c.text) for c in row.cells if not c.merged and c.text.strip()]
        if len(texts) != 1 or len(row.cells) < 3 or (number and NUMBER.match(number)):
            return None
        text = texts[0]
        if len(text) > 200:
            return None
        label = re.match(r"^(?P<id>[A-ZĐ0-9IVX]{1,6})[.:)]\s+", text)
        ident = label.group("id") if label else f"S{row.first}"
        return ident, text

    def _continue(
        self, draft: Draft, row: Row, values: dict[str, str], why: str | None = None
    ) -> None:
        """Join a row split by a page break (or a cell run on in a row of its own) to
        the task it continues."""
        for key, text in values.items():
            if key.startswith(("year:", "merged:")) or key == "number" or not text.strip():
                continue
            before = draft.fields.get(key, "")
            draft.fields[key] = f"{before} {text.strip()}".strip() if before else text.strip()
        label = draft.number or _("before it")
        if why:
            self.warn(
                row.first,
                _("the row at line {line} is joined to task {label}: {why}; check it").format(
                    line=row.first, label=label, why=why
                ),
            )
        else:
            self.warn(
                row.first,
                _(
                    "task {label} continues after the repeated header (page break): line "
                    "{line} joined to it; check its title and cells"
                ).format(label=label, line=row.first),
            )
        draft.last = row.last

    def _same_task(self, draft: Draft, row: Row, values: dict[str, str]) -> None:
        """A row under the task's vertically merged number cell is more of that task (a
        unit inspected on two contracts): its own cells are added on lines of their own."""
        merged = {key.removeprefix("merged:") for key in values if key.startswith("merged:")}
        for key, text in values.items():
            if key in merged or key.startswith(("year:", "merged:")) or not text.strip():
                continue
            before = draft.fields.get(key, "")
            draft.fields[key] = f"{before}\n{text.strip()}" if before else text.strip()
        self.warn(
            row.first,
            _(
                "the row at line {line} is under task {number}'s merged number cell: "
                "its cells are joined to that task"
            ).format(line=row.first, number=draft.number),
        )
        draft.last = row.last

    # -- windows inherited from vertically merged cells in cell-per-line exports ---------

    def _inherit_windows(self, drafts: list[Draft]) -> None:
        if "window" not in self._kinds:
            return
        for index, draft in enumerate(drafts):
            if draft.fields.get("window", "").strip():
                continue
            source = next(
                (
                    later
                    for later in drafts[index + 1 :]
                    if later.block == draft.block and later.fields.get("window", "").strip()
                ),
                None,
            )
            if source is not None:
                draft.fields["window"] = source.fields["window"]
                draft.window_from = source.last
                draft.merged_window = True

    # -- tasks ---------------------------------------------------------------------------


# -- helpers -----------------------------------------------------------------------------


def find_appendix(doc: Document) -> tuple[Table, int]:
    """The first task table and its header row (``tasktables``)."""
    tables = find_task_tables(doc)
    if not tables:
        raise InputError(
            _(
                "no recognisable appendix table: expected a header row naming "
                "columns such as TT, Nội dung, Đơn vị chủ trì, Đơn vị phối hợp, Thời "
                "gian thực hiện"
            ),
            file=doc.name,
        )
    return tables[0].table, tables[0].header_index
