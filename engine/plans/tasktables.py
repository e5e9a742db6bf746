"""Which tables of a document list tasks.

A document holds many tables: the borderless header block, signature blocks, forms
("STT | Tên sản phẩm | Tiêu chuẩn …" with empty rows to fill), lists, and the task
tables. A task table has a header row naming task columns (``columns.looks_like_header``:
an agency or a time column, or a task column beside a number column) within its first
rows, and at least one row under it that carries a task's text rather than dots or
nothing. A table that goes on after a page break is one table: a table right after it
with the same header printed again, or with as many columns and no header of its own,
is joined to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.plans.columns import Kind, column_kind, looks_like_header
from engine.plans.document import Document, Row, Table
from engine.plans.text import squash

_HEADER_ROWS = 4  # a header may sit under a caption row or two
_PLACEHOLDER = re.compile(r"^[\s.…_\-–/:,()]*$")
_FORM_BLANK = re.compile(r"[.…]{4,}|…{2,}")
_PROCEDURE = re.compile(r"^(?:tên|mã)(?: số)?\s+(?:thủ tục|tthc)\b", re.IGNORECASE)
_SIGNATURE = re.compile(r"^(?:Nơi nhận|TM\.|KT\.|TL\.|Người lập|Thủ trưởng)", re.IGNORECASE)


@dataclass
class TaskTable:
    table: Table
    header_index: int  # the row that names the columns
    index: int  # 1-based position among the document's tables


def header_row(table: Table) -> int | None:
    """The row naming the columns. In a table whose cells sit in their columns it must
    name a task column ("Nội dung", "Nhiệm vụ", "Tên văn bản" …) or leave the first
    columns blank for one (a list of procedures with the agency that performs them, a
    list of officials, is not a list of tasks)."""
    for index, row in enumerate(table.rows[:_HEADER_ROWS]):
        texts = [squash(t) for t in row.texts]
        if not looks_like_header(texts):
            continue
        kinds = {column_kind(t) for t in texts}
        if _lists_procedures(texts, kinds):
            continue
        if not table.aligned or kinds & {"title", "content"} or "" in texts[:2]:
            return index
        if "deliverables" in kinds and kinds & {"lead", "agencies"}:
            return index  # "TT | Chỉ tiêu | Chủ trì": each indicator is an agency's task
        if _task_column_misread(texts):
            return index
    return None


def _lists_procedures(texts: list[str], kinds: set[Kind | None]) -> bool:
    """ "STT | Tên TTHC | Mã TTHC | Thời hạn giải quyết | Phí, lệ phí | Căn cứ pháp lý":
    the catalogue of administrative procedures a decision publishes (công bố thủ tục
    hành chính). It names no agency to lead a task, and its "time" is how long the
    procedure takes, not a window; the steps of one procedure with the unit doing each
    ("Nội dung công việc | Đơn vị thực hiện | Thời gian") are tasks all the same."""
    return not kinds & {"lead", "agencies"} and any(_PROCEDURE.match(t) for t in texts)


def _task_column_misread(texts: list[str]) -> bool:
    """ "STT | Tên nhệmvụ | Cơ quan chủ trì | … | Thời gian": a number column, then a
    column no word of the vocabulary names (OCR misread "Tên nhiệm vụ"), then the lead
    and the time: the task column all the same."""
    kinds = [column_kind(t) for t in texts]
    if len(kinds) < 4 or kinds[0] != "number" or kinds[1] is not None or not texts[1]:
        return False
    return bool({"lead", "agencies"} & set(kinds[2:])) and "window" in kinds[2:]


def _has_task_rows(table: Table, header: int) -> bool:
    """Some row under the header holds real text (not a number, dots or nothing), and
    the rows are not a form's blanks ("….giờ….phút, ngày…../…../……") to fill in."""
    header_texts = [squash(t) for t in table.rows[header].texts]
    filled = blanks = 0
    for row in table.rows[header + 1 :]:
        texts = [squash(t) for t in row.texts]
        if texts == header_texts or any(_SIGNATURE.match(t) for t in texts):
            continue  # the header again, or the signature block glued to the table
        if any(_FORM_BLANK.search(t) for t in texts):
            blanks += 1
        if _real_texts(row) >= 2:
            filled += 1
    return filled > 0 and blanks * 3 < filled  # a third of the rows with blanks: a form


def _real_texts(row: Row) -> int:
    """How many cells of a row say something: a task has its text and at least its
    agency, its time or its budget (a checklist's items, a heading across the row, one)."""
    texts = {
        squash(c.text)
        for c in row.cells
        if not c.merged and len(squash(c.text)) > 3 and not _PLACEHOLDER.match(c.text)
    }
    return len({t for t in texts if column_kind(t) is None})


def find_task_tables(doc: Document) -> list[TaskTable]:
    """The task tables in document order, each with the tables that continue it."""
    found: list[TaskTable] = []
    index = 0
    while index < len(doc.tables):
        table = doc.tables[index]
        header = header_row(table)
        if header is None or not _has_task_rows(table, header):
            index += 1
            continue
        joined, used = _join_continued(doc, index, header)
        found.append(TaskTable(joined, header, index + 1))
        index += used
    return found


def _join_continued(doc: Document, start: int, header_index: int) -> tuple[Table, int]:
    """The table at ``start`` with the tables that continue it; how many were used."""
    first = doc.tables[start]
    header = [squash(t) for t in first.rows[header_index].texts]
    rows = list(first.rows)
    used = 1
    last = first.last
    for table in doc.tables[start + 1 :]:
        if table.aligned != first.aligned or not table.rows:
            break
        head = [squash(t) for t in table.rows[0].texts]
        repeats = head == header
        follows = not _text_between(doc, last, table.first) and len(head) == len(header)
        if not repeats and not (follows and header_row(table) is None):
            break
        rows.extend(table.rows)
        last = table.last
        used += 1
    joined = Table(rows=rows, aligned=first.aligned, first=rows[0].first, last=rows[-1].last)
    joined.page = first.page
    return joined, used


def _text_between(doc: Document, last: int, first: int) -> bool:
    return any(last < line.number < first for line in doc.lines)
