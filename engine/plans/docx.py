"""Reader for Word files (python-docx), aware of merged cells.

Each ``<w:tc>`` is placed on the table grid: ``w:gridBefore`` leaves empty leading
columns, ``w:gridSpan`` repeats a horizontally merged cell in the columns it covers
(``merged="left"``), and ``w:vMerge`` (continue) takes the text of the cell that starts
the vertical merge above it (``merged="above"``), so the extractor can say a window was
inherited. Paragraphs and table rows are numbered in document order; those numbers are
the "lines" of warnings and ``source_lines``.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any

from engine.errors import InputError
from engine.plans.document import Cell, Document, Line, Row, Table
from engine.plans.text import clean_cell, clean_inline

# What a damaged file makes the zip and XML layers raise: a broken zip directory, a
# corrupt or cut deflate stream (zlib.error, EOFError), a zip version or compression
# method that is not supported (NotImplementedError), a missing part, a bad value.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError, ValueError)


def read_docx(data: bytes, name: str) -> Document:
    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, *_DAMAGED) as exc:
        raise InputError(f"cannot read the Word document: {exc}", file=name) from exc
    except Exception as exc:  # lxml raises its own syntax errors for damaged XML
        if type(exc).__module__.startswith(("lxml", "docx")):
            raise InputError(f"cannot read the Word document: {exc}", file=name) from exc
        raise
    return _walk(document, name)


def _walk(document: Any, name: str) -> Document:
    from docx.table import Table as DocxTable

    lines: list[Line] = []
    tables: list[Table] = []
    number = 0
    for block in document.iter_inner_content():
        if isinstance(block, DocxTable):
            rows: list[Row] = []
            above: dict[int, Cell] = {}
            for tr in block._tbl.tr_lst:
                number += 1
                rows.append(_row(tr, number, above, block))
            if rows:
                tables.append(Table(rows, aligned=True, first=rows[0].first, last=rows[-1].last))
            continue
        number += 1
        text = clean_inline(block.text)
        if text:
            lines.append(Line(number, text))
    return Document(name=name, format="docx", lines=lines, tables=tables, total_lines=number)


def _row(tr: Any, number: int, above: dict[int, Cell], table: Any) -> Row:
    """One ``<w:tr>`` as grid-aligned cells; ``above`` holds, per grid column, the cell
    a vertical merge continues from."""
    from docx.table import _Cell

    cells: list[Cell] = [Cell("", number, number) for _ in range(tr.grid_before)]
    for tc in tr.tc_lst:
        column = len(cells)
        if tc.vMerge == "continue" and column in above:
            origin = above[column]
            cell = Cell(origin.text, origin.first, origin.last, merged="above")
        else:
            cell = Cell(clean_cell(_Cell(tc, table).text), number, number)
            above[column] = cell
        cells.append(cell)
        for _ in range(tc.grid_span - 1):
            cells.append(Cell(cell.text, cell.first, cell.last, merged="left"))
    return Row(cells, number, number)
