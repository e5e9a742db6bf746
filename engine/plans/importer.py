"""``import_plan``: one plan document in, one ``PlanFile`` out.

    bytes ──detect──► reader (docx / tsv / cells) ──► Document (lines + tables)
          ──► header (number, date, issuer, title, period)
          ──► body (Tổ chức thực hiện, reporting duties)
          ──► table (tasks)  ──► PlanFile with every warning, sorted by line

Agency names become the directory's canonical names where they match; the rest stay as
printed, each with one warning that lists where it appears. Bad input raises
``InputError`` (file, line, what was expected); everything else that is odd about the
document becomes a warning in the plan file, never a silent guess or a dropped row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from engine.agencies import AgencyMatcher, Directory
from engine.errors import InputError
from engine.i18n import _
from engine.plans.body import BodyReader
from engine.plans.detect import FORMATS, decode_text, detect_format, ends_mid_character, is_zip
from engine.plans.document import Document
from engine.plans.header import Header, extract_header, header_lines, legal_norm
from engine.plans.model import Occurrence, PlanFile, PlanPeriod, PlanTask, Warning_
from engine.plans.span import committed_years, plan_span
from engine.plans.table import TaskExtractor
from engine.plans.tasktables import find_task_tables
from engine.plans.text import fold, slug, squash

Progress = Callable[[str], None]

_PROPOSER = re.compile(
    r"(?:Theo|Xét) đề nghị của\s+"
    r"(?:(?:Vụ trưởng|Cục trưởng|Giám đốc|Chánh Văn phòng|Trưởng ban)\s+)?"
    r"(?P<who>.+?)(?:\s+tại\b|[.;,]|$)",
    re.IGNORECASE,
)
_PLACE = re.compile(r"(?:thành phố|tỉnh)\s+(?P<place>[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)*)")


@dataclass(frozen=True)
class _Context:
    """What task readers need to know about the plan besides its period."""

    jurisdiction: str | None
    issuer: str | None
    title: str | None = None
    issued_on: date | None = None
    norm: str | None = None  # "Nghị định", "Thông tư", "Luật" …: a legal norm
    number: str | None = None


@dataclass
class TaskResult:
    tasks: list[PlanTask]
    warnings: list[Warning_]
    unmatched: dict[str, list[int]]
    rows_read: int
    appendix_line: int | None = None  # the body puts the tasks in an appendix (prose)
    appendix_text: str | None = None


@dataclass
class ImportResult:
    plan: PlanFile
    format: str
    rows_read: int
    unmatched: list[str]  # agency names kept as printed (not in the directory)


def parse_window(text: str, within: tuple[int, int]) -> list[Occurrence]:
    """A window through the period parser, as plan-file occurrences."""
    from engine.periods import parse_period

    period = parse_period(text, within=within)
    return [Occurrence(start=o.start, end=o.end, label=o.label) for o in period.occurrences]


def import_plan(
    path: Path, directory: Directory, fmt: str | None = None, progress: Progress | None = None
) -> ImportResult:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(_("file not found"), file=str(path)) from exc
    except OSError as exc:
        raise InputError(
            _("cannot read: {strerror}").format(strerror=exc.strerror), file=str(path)
        ) from exc
    return import_bytes(data, str(path), directory, fmt, progress)


def import_bytes(
    data: bytes,
    name: str,
    directory: Directory,
    fmt: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    document = read_document(data, name, fmt, progress)
    try:
        return Importer(document, AgencyMatcher(directory)).run()
    except InputError:
        # One cell per line is a guess from the content: a text whose label lines
        # ("Đơn vị chủ trì: …") looked like cells may be prose; read it as plain lines.
        if fmt is not None or document.format not in ("lines", "cells"):
            raise
        plain = read_document(data, name, "markdown", progress)
        try:
            return Importer(plain, AgencyMatcher(directory)).run()
        except InputError:
            pass
        raise


def read_document(
    data: bytes, name: str, fmt: str | None = None, progress: Progress | None = None
) -> Document:
    """The document in the intermediate form; ``progress`` hears about slow steps (OCR)."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(
            _("unknown format '{fmt}'; expected one of {value}").format(
                fmt=fmt, value=", ".join(FORMATS)
            ),
            file=name,
        )
    if not data.strip():
        raise InputError(_("the file is empty: expected a plan document"), file=name)
    fmt = fmt or detect_format(data, name)
    if fmt in ("pdf", "doc", "rtf", "odt", "html"):
        from engine.plans.readers_binary import read_binary

        return read_binary(data, name, fmt, progress)
    if fmt == "docx":
        if not is_zip(data):
            raise InputError(_("--format docx, but this is not a Word (.docx) file"), file=name)
        from engine.plans.docx import read_docx

        return read_docx(data, name)
    from engine.plans.readers import read_text_document

    document = read_text_document(decode_text(data, name), name, fmt)
    if ends_mid_character(data):
        document.notes.append(
            (document.total_lines, _("the file ends in the middle of a character"))
        )
    return document


class Importer:
    """One document to one plan file.

    ``run`` reads the header, the body's organisation and reporting duties, then the
    tasks: from the task tables where the document has them (``tasks_from_tables``),
    else from the text (``tasks_from_text``). Both take the plan period, because
    "Hằng năm" and "Thường xuyên" cover it; the period itself may come from the years
    the tasks name (``span``), so tasks are read once with a provisional period and
    again when the final one differs.
    """

    def __init__(self, document: Document, matcher: AgencyMatcher):
        self.doc = document
        self.matcher = matcher
        self.warnings: list[Warning_] = []
        self.unmatched: dict[str, list[int]] = {}
        self.tables = find_task_tables(document)

    def run(self) -> ImportResult:
        for line, message in self.doc.notes:
            self.warn(line, message)
        header = extract_header(header_lines(self.doc))
        self.warnings.extend(header.warnings)
        issuer, jurisdiction = self._issuer(header)
        body = BodyReader(self.matcher, jurisdiction, issuer).read(self.doc.lines)
        self.warnings.extend(body.warnings)
        owner = body.owner or self._owner_fallback(jurisdiction, issuer)
        context = _Context(
            jurisdiction, issuer, header.title, header.issued_on, legal_norm(header),
            header.number,
        )  # fmt: skip
        try:
            provisional = self._provisional_period(header)
        except InputError:
            # no year anywhere: if there are no tasks either, that is the error to say
            self._tasks(context, (2000, 2000))
            raise
        found = self._tasks(context, provisional)
        period = self._period(header, found.tasks, provisional)
        if period != provisional:
            found = self._tasks(context, period)
        self.warnings.extend(found.warnings)
        for source in (body.unmatched, found.unmatched):
            for name, lines in source.items():
                self.unmatched.setdefault(name, []).extend(lines)
        self._warn_unmatched()
        plan = PlanFile(
            key=plan_key(header, jurisdiction, period),
            number=header.number,
            issuer=issuer,
            jurisdiction=jurisdiction,
            issued_on=header.issued_on,
            title=header.title or f"(untitled: {Path(self.doc.name).name})",
            period=PlanPeriod(start=period[0], end=period[1]),
            owner=owner,
            source=Path(self.doc.name).name,
            agencies=body.agencies,
            reporting=body.reporting,
            tasks=found.tasks,
            warnings=sorted(self.warnings, key=lambda w: (w.line is None, w.line or 0)),
        )
        return ImportResult(
            plan=plan,
            format=self.doc.format,
            rows_read=found.rows_read,
            unmatched=sorted(self.unmatched),
        )

    # -- tasks -----------------------------------------------------------------------

    def _tasks(self, context: _Context, period: tuple[int, int]) -> TaskResult:
        """Tasks from the task tables, else from the text; an error when neither has any."""
        if self.tables:
            found = self.tasks_from_tables(context, period)
            if found.tasks:
                return found
        if context.norm is not None:
            # a decree's or a law's articles give standing duties, not tasks with windows
            number = f" {context.number}" if context.number else ""
            raise InputError(
                _(
                    "this is a {norm}{number}, a legal norm, not a plan: its articles state "
                    "standing duties, not tasks with a lead and a window, and they are not "
                    "read as tasks; import the plan, decision or công văn that carries it "
                    "out (or an appendix table of tasks, if the document has one)"
                ).format(norm=context.norm, number=number),
                file=self.doc.name,
            )
        found = self.tasks_from_text(context, period)
        if found.tasks and context.title is None and context.number is None:
            # an article or a question-and-answer page that quotes a duty or two
            raise InputError(
                _(
                    "no task table, and the text is not an official document: no number "
                    "('Số: 12/KH-UBND') and no title (KẾ HOẠCH, QUYẾT ĐỊNH, CHỈ THỊ, THÔNG "
                    "BÁO, or a công văn's 'V/v …') were found, so its sentences are not read "
                    "as tasks"
                ),
                file=self.doc.name,
            )
        if found.tasks:
            return found
        if self.tables:  # a header with nothing under it is not a plan of no tasks
            first = self.tables[0]
            raise InputError(
                _(
                    "the appendix table under this header has no task rows: expected "
                    "numbered rows (1, 2, …) with a task, its agencies and its time"
                ),
                file=self.doc.name,
                line=first.table.rows[first.header_index].first,
            )
        if found.appendix_line is not None:
            raise InputError(
                _(
                    "the text says the tasks are in an appendix ('{appendix_text}'), but "
                    "there is no recognisable appendix table: expected a table whose "
                    "header names columns such as TT, Nội dung, Đơn vị chủ trì, Đơn vị "
                    "phối hợp, Thời gian thực hiện"
                ).format(appendix_text=found.appendix_text),
                file=self.doc.name,
                line=found.appendix_line,
            )
        raise InputError(
            _(
                "no recognisable appendix table and no task list in the text: "
                "expected a table whose header names columns such as TT, Nội dung, "
                "Đơn vị chủ trì, Đơn vị phối hợp, Thời gian thực hiện, or tasks "
                "assigned in the body"
            ),
            file=self.doc.name,
        )

    def tasks_from_tables(self, context: _Context, period: tuple[int, int]) -> TaskResult:
        extractor = TaskExtractor(
            self.matcher, context.jurisdiction, context.issuer, period, parse_window
        )
        extractor.plan_title = context.title
        extractor.issued_on = context.issued_on
        table = extractor.extract(self.doc, self.tables)
        return TaskResult(table.tasks, table.warnings, table.unmatched, table.rows_read)

    def tasks_from_text(self, context: _Context, period: tuple[int, int]) -> TaskResult:
        """Tasks written in the body's sentences and lists (``engine.plans.prose``).
        Returns what it found; an empty result lets ``run`` say so."""
        from engine.plans.prose import read_prose

        found = read_prose(self.doc, self.matcher, context.jurisdiction, period, parse_window)
        result = TaskResult(found.tasks, found.warnings, found.unmatched, found.items_read)
        if found.appendix_reference is not None:
            result.appendix_line = found.appendix_reference.number
            result.appendix_text = found.appendix_reference.text.strip()[:120]
        return result

    # -- the period ------------------------------------------------------------------

    def _provisional_period(self, header: Header) -> tuple[int, int]:
        first, last = header.title_years
        year = header.issue_year
        if first is not None and last is not None:
            return (max(first, year) if year and year <= last else first), last
        start = year or first or last
        if start is None:
            years = [n.year for n in committed_years(self.doc.lines, [])]
            if not years:
                raise InputError(
                    _(
                        "cannot tell which years the plan covers: expected 'năm YYYY' or "
                        "'giai đoạn YYYY - YYYY' in the title, an issue date, or dated tasks"
                    ),
                    file=self.doc.name,
                )
            start = min(years)
        return start, max(start, last or start)

    def _period(
        self, header: Header, tasks: list[PlanTask], provisional: tuple[int, int]
    ) -> tuple[int, int]:
        windows = [
            (task.source_lines[0] if task.source_lines else None, task.window_text or "")
            for task in tasks
        ]
        named = committed_years(self.doc.lines, windows)
        found = plan_span(header.issue_year, header.title_years, named)
        if found is None:
            return provisional
        period, how = found
        first, last = header.title_years
        if first is not None and last is not None and period == (first, last):
            return period
        if first is not None and last is not None:
            self.warn(
                None,
                _(
                    "the plan period is {start}–{end}: the title says {first}–{last}, "
                    "but the plan was issued in {issued}"
                ).format(
                    start=period[0], end=period[1], first=first, last=last, issued=header.issue_year
                ),
            )
        else:
            self.warn(
                None,
                _("no period in the title; the plan period {start}–{end} is inferred {how}").format(
                    start=period[0], end=period[1], how=how
                ),
            )
        return period

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Warning_(line=line, message=message))

    def _issuer(self, header: Header) -> tuple[str | None, str | None]:
        """The issuer's canonical name and the jurisdiction it belongs to."""
        if header.issuer is None:
            self.warn(
                None, _("no issuer found (expected ỦY BAN NHÂN DÂN … or BỘ … on the first page)")
            )
            return None, None
        place = _PLACE.search(header.issuer)
        jurisdiction = squash(place.group("place")) if place else header.issuer
        entry = self.matcher.match(header.issuer, jurisdiction) or self.matcher.match(
            header.issuer, None
        )
        if entry is not None:
            return entry.name, entry.jurisdiction
        self.warn(
            None,
            _("issuer '{issuer}' is not in the directory; jurisdiction '{jurisdiction}'").format(
                issuer=header.issuer, jurisdiction=jurisdiction
            ),
        )
        return header.issuer, jurisdiction

    def _owner_fallback(self, jurisdiction: str | None, issuer: str | None) -> str | None:
        for line in self.doc.lines:
            match = _PROPOSER.search(line.text)
            if match:
                name, matched = self.matcher.canonical(squash(match.group("who")), jurisdiction)
                if not matched:
                    self.unmatched.setdefault(name, []).append(line.number)
                self.warn(
                    line.number,
                    _(
                        "no 'Tổ chức thực hiện' names the agency in charge; the owner is "
                        "{name}, who proposed the document"
                    ).format(name=name),
                )
                return name
        if issuer:
            self.warn(
                None,
                _("no agency in charge found; the owner is the issuer, {issuer}").format(
                    issuer=issuer
                ),
            )
        return issuer

    def _warn_unmatched(self) -> None:
        for name, lines in self.unmatched.items():
            lines = sorted(set(n for n in lines if n)) or [0]
            also = _(" (also on lines {lines})").format(
                lines=", ".join(map(str, lines[1:6])) + ("…" if len(lines) > 6 else "")
            )
            printed = self.matcher.printed.get(name)
            message = (
                _(
                    "agency '{name}' is not in the directory: printed '{printed}', "
                    "its abbreviation written out"
                ).format(name=name, printed=printed)
                if printed
                else _("agency '{name}' is not in the directory: kept as printed").format(name=name)
            )
            self.warn(lines[0] or None, message + (also if len(lines) > 1 else ""))


def jurisdiction_code(jurisdiction: str | None) -> str:
    """ "Hà Nội" → "hn", "Hòa Bình" → "hb", "Bộ Công Thương" → "bct"."""
    if not jurisdiction:
        return "x"
    return "".join(word[0] for word in fold(jurisdiction).split()) or "x"


def plan_key(header: Header, jurisdiction: str | None, period: tuple[int, int]) -> str:
    """A slug stable for the same document: jurisdiction, number and issue year
    (``hn-266-kh-ubnd-2021``); a draft without a number uses its kind and period."""
    code = jurisdiction_code(jurisdiction)
    if header.number:
        year = header.issued_on.year if header.issued_on else period[0]
        return f"{code}-{slug(header.number)}-{year}"
    kind = slug(header.doc_kind or "plan")
    return f"{code}-draft-{kind}-{period[0]}-{period[1]}"
