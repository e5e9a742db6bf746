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
from pathlib import Path

from engine.agencies import AgencyMatcher, Directory
from engine.errors import InputError
from engine.plans.body import BodyReader
from engine.plans.detect import FORMATS, decode_text, detect_format, ends_mid_character, is_zip
from engine.plans.document import Document
from engine.plans.header import Header, extract_header
from engine.plans.model import Occurrence, PlanFile, PlanPeriod, Warning_
from engine.plans.table import TaskExtractor, find_appendix
from engine.plans.text import fold, slug, squash

Progress = Callable[[str], None]

_PROPOSER = re.compile(
    r"(?:Theo|Xét) đề nghị của\s+"
    r"(?:(?:Vụ trưởng|Cục trưởng|Giám đốc|Chánh Văn phòng|Trưởng ban)\s+)?"
    r"(?P<who>.+?)(?:\s+tại\b|[.;,]|$)",
    re.IGNORECASE,
)
_PLACE = re.compile(r"(?:thành phố|tỉnh)\s+(?P<place>[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)*)")


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
        raise InputError("file not found", file=str(path)) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    return import_bytes(data, str(path), directory, fmt, progress)


def import_bytes(
    data: bytes,
    name: str,
    directory: Directory,
    fmt: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    document = read_document(data, name, fmt, progress)
    return Importer(document, AgencyMatcher(directory)).run()


def read_document(
    data: bytes, name: str, fmt: str | None = None, progress: Progress | None = None
) -> Document:
    """The document in the intermediate form; ``progress`` hears about slow steps (OCR)."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}", file=name)
    fmt = fmt or detect_format(data, name)
    if fmt in ("pdf", "doc", "html"):
        from engine.plans.readers_binary import read_binary

        return read_binary(data, name, fmt, progress)
    if fmt == "docx":
        if not is_zip(data):
            raise InputError("--format docx, but this is not a Word (.docx) file", file=name)
        from engine.plans.docx import read_docx

        return read_docx(data, name)
    from engine.plans.readers import read_text_document

    document = read_text_document(decode_text(data, name), name, fmt)
    if ends_mid_character(data):
        document.notes.append((document.total_lines, "the file ends in the middle of a character"))
    return document


class Importer:
    def __init__(self, document: Document, matcher: AgencyMatcher):
        self.doc = document
        self.matcher = matcher
        self.warnings: list[Warning_] = []
        self.unmatched: dict[str, list[int]] = {}

    def run(self) -> ImportResult:
        find_appendix(self.doc)  # no table, no plan: say so before anything else
        for line, message in self.doc.notes:
            self.warn(line, message)
        header = extract_header(self.doc.lines)
        self.warnings.extend(header.warnings)
        issuer, jurisdiction = self._issuer(header)
        period = self._period(header)
        body = BodyReader(self.matcher, jurisdiction, issuer).read(self.doc.lines)
        self.warnings.extend(body.warnings)
        owner = body.owner or self._owner_fallback(jurisdiction, issuer)
        extractor = TaskExtractor(self.matcher, jurisdiction, issuer, period, parse_window)
        table = extractor.extract(self.doc)
        if not table.tasks:  # a header with nothing under it is not a plan of no tasks
            raise InputError(
                "the appendix table under this header has no task rows: expected numbered "
                "rows (1, 2, …) with a task, its agencies and its time",
                file=self.doc.name,
                line=table.header_line,
            )
        self.warnings.extend(table.warnings)
        for source in (body.unmatched, table.unmatched):
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
            tasks=table.tasks,
            warnings=sorted(self.warnings, key=lambda w: (w.line is None, w.line or 0)),
        )
        return ImportResult(
            plan=plan,
            format=self.doc.format,
            rows_read=table.rows_read,
            unmatched=sorted(self.unmatched),
        )

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Warning_(line=line, message=message))

    def _issuer(self, header: Header) -> tuple[str | None, str | None]:
        """The issuer's canonical name and the jurisdiction it belongs to."""
        if header.issuer is None:
            self.warn(
                None, "no issuer found (expected ỦY BAN NHÂN DÂN … or BỘ … on the first page)"
            )
            return None, None
        entry = self.matcher.match(header.issuer, None)
        if entry is not None:
            return entry.name, entry.jurisdiction
        place = _PLACE.search(header.issuer)
        jurisdiction = squash(place.group("place")) if place else header.issuer
        self.warn(
            None, f"issuer '{header.issuer}' is not in the directory; jurisdiction '{jurisdiction}'"
        )
        return header.issuer, jurisdiction

    def _period(self, header: Header) -> tuple[int, int]:
        if header.period is not None:
            return header.period
        for line in self.doc.lines[:40]:
            if m := re.search(
                r"giai đoạn\s+((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})", line.text, re.I
            ):
                self.warn(line.number, f"the plan period is taken from this line: {m.group(0)}")
                return int(m.group(1)), int(m.group(2))
        if header.issued_on is not None:
            year = header.issued_on.year
            self.warn(None, f"no period in the title; the plan is taken to cover {year}")
            return year, year
        raise InputError(
            "cannot tell which years the plan covers: expected 'năm YYYY' or "
            "'giai đoạn YYYY - YYYY' in the title, or an issue date",
            file=self.doc.name,
        )

    def _owner_fallback(self, jurisdiction: str | None, issuer: str | None) -> str | None:
        for line in self.doc.lines:
            match = _PROPOSER.search(line.text)
            if match:
                name, matched = self.matcher.canonical(squash(match.group("who")), jurisdiction)
                if not matched:
                    self.unmatched.setdefault(name, []).append(line.number)
                self.warn(
                    line.number,
                    f"no 'Tổ chức thực hiện' names the agency in charge; the owner is "
                    f"{name}, who proposed the document",
                )
                return name
        if issuer:
            self.warn(None, f"no agency in charge found; the owner is the issuer, {issuer}")
        return issuer

    def _warn_unmatched(self) -> None:
        for name, lines in self.unmatched.items():
            lines = sorted(set(n for n in lines if n)) or [0]
            also = (
                f" (also on lines {', '.join(map(str, lines[1:6]))}{'…' if len(lines) > 6 else ''})"
            )
            self.warn(
                lines[0] or None,
                f"agency '{name}' is not in the directory: kept as printed"
                + (also if len(lines) > 1 else ""),
            )


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
