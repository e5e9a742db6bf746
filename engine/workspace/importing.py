"""Importing a plan in the browser: upload, correct the tasks found, load with a tracking start.

``/nhap-ke-hoach`` takes a plan document (.docx, .doc, PDF, a saved portal page, text)
and runs the importer on it as ``nhacviec plan import`` does
(``engine.plans.importer.import_bytes``, the agency directory of ``[paths] agencies``).
The plan file it finds is kept as an ``ImportDraft`` (``/nhap-ke-hoach/{id}``): the
plan's header fields and every task as a row of an editable table, with the importer's
warnings beside the rows they are about (by source line) and where each row was read
(table and row, page, lines). Saving writes the corrections back to the draft: a changed
time window is read again with the period parser, and a window that cannot be read is
shown on its row, never silently dropped. Loading validates the plan file
(``PlanFile``), loads it (``engine.plans.load.load_plan``, the directory first, as
``plan load``) with the tracking start given, and syncs (``engine.workflow.sync``) so
its obligations exist at once, all in one transaction.

Only a contact of the plan's owner agency may load it (the owner is a header field the
importer fills and the page lets one correct); a draft belongs to the contact who
uploaded it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from engine.errors import InputError, InputErrors, NhacviecError, NotOwner
from engine.i18n import _, speaking
from engine.store.models import ImportDraft, Plan
from engine.workspace.access import record_refusal
from engine.workspace.web import HEADERS, Call, Site

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.agencies import Directory
    from engine.plans.model import PlanFile

Tr = Callable[[str], str]  # a message in the page's language (``Call.tr``)
log = logging.getLogger("nhacviec.workspace")
ACCEPT = ".docx,.doc,.pdf,.html,.htm,.txt,.md,.tsv"
HEADER_FIELDS = ("key", "number", "title", "owner")
TASK_FIELDS = ("number", "title", "lead", "coordinators", "window_text")


def directory_of(site: Site) -> Directory:
    from engine.agencies import Directory, load_directory

    path = site.settings.paths.agencies
    return load_directory(path) if path.is_file() else Directory()


# -- upload -------------------------------------------------------------------------------


def drafts_of(session: Session, contact_id: int) -> list[ImportDraft]:
    query = (
        select(ImportDraft)
        .where(ImportDraft.contact_id == contact_id)
        .order_by(ImportDraft.created_at.desc(), ImportDraft.id.desc())
        .limit(20)
    )
    return list(session.scalars(query))


async def upload_page(site: Site, call: Call, error: str | None = None) -> Response:
    def load() -> list[ImportDraft]:
        with site.store.session() as session:
            return drafts_of(session, call.viewer.contact_id)

    drafts = await run_in_threadpool(load)
    return site.view(
        call,
        "import",
        section="import",
        drafts=drafts,
        error=error,
        accept=ACCEPT,
        status=400 if error else 200,
    )


async def upload(site: Site, call: Call) -> Response:
    sent = call.uploads.get("document")
    if sent is None or not sent.filename:
        return await upload_page(site, call, call.tr("No plan document was chosen."))
    if sent.content is None:
        return await upload_page(site, call, call.tr("The file is too large (30 MB at most)."))
    content = sent.content

    def run() -> int:
        from engine.plans.importer import import_bytes
        from engine.plans.load import plan_data

        with speaking(call.lang):  # what the importer says, in the page's language
            result = import_bytes(content, sent.filename, directory_of(site))
        with site.store.session() as session:
            draft = ImportDraft(
                contact_id=call.viewer.contact_id,
                created_at=call.now,
                filename=sent.filename,
                format=result.format,
                plan=plan_data(result.plan),
                unmatched=result.unmatched,
            )
            session.add(draft)
            session.flush()
            return draft.id

    try:
        draft_id = await run_in_threadpool(run)
    except NhacviecError as error:  # InputError(s): what is wrong, and where
        text = call.tr("The file cannot be read: {error}").format(error=error)
        return await upload_page(site, call, text)
    log.info(_("plan document imported in the browser as draft %s"), draft_id)
    return RedirectResponse(f"/nhap-ke-hoach/{draft_id}", status_code=303, headers=HEADERS)


# -- the draft: an editable table -------------------------------------------------------


@dataclass
class Row:
    """One task as the table shows it."""

    index: int
    task: dict[str, Any]
    where: str
    warnings: list[str]
    problems: list[str] = field(default_factory=list)


def where_read(task: dict[str, Any], tr: Tr) -> str:
    """Where the importer read a task, as a reviewer looks for it in the document."""
    source = task.get("source") or {}
    parts = []
    if source.get("page"):
        parts.append(tr("page {page}").format(page=source["page"]))
    if source.get("read_from") == "text":
        parts.append(tr("the text"))
    elif source.get("table"):
        text = tr("table {table}, row {row}")
        parts.append(text.format(table=source["table"], row=source.get("row") or "?"))
    lines = task.get("source_lines")
    if lines:
        first, last = lines
        span = f"{first}" if first == last else f"{first}–{last}"
        parts.append(tr("document line {lines}").format(lines=span))
    return ", ".join(parts) or "—"


def rows_of(
    plan: dict[str, Any], tr: Tr, problems: dict[int, list[str]] | None = None
) -> list[Row]:
    warnings = plan.get("warnings") or []
    rows = []
    for index, task in enumerate(plan.get("tasks") or []):
        first, last = task.get("source_lines") or (None, None)
        mine = [
            w["message"]
            for w in warnings
            if first is not None and w.get("line") is not None and first <= w["line"] <= last
        ]
        found = list((problems or {}).get(index, []))
        if task.get("window_text") and not task.get("occurrences"):
            found.append(tr("The time frame could not be read: correct the Time frame cell."))
        if not task.get("lead"):
            found.append(tr("No lead agency yet."))
        rows.append(Row(index, task, where_read(task, tr), mine, list(dict.fromkeys(found))))
    return rows


def general_warnings(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The warnings about no task row (the header, the body, the document)."""
    spans = [t.get("source_lines") for t in plan.get("tasks") or [] if t.get("source_lines")]
    return [
        w
        for w in plan.get("warnings") or []
        if w.get("line") is None or not any(a <= w["line"] <= b for a, b in spans)
    ]


def own_draft(session: Session, call: Call, *, lock: bool = False) -> ImportDraft | None:
    from engine.store.models import Contact

    text = str(call.request.path_params.get("id", ""))
    draft = session.get(ImportDraft, int(text), with_for_update=lock) if text.isdigit() else None
    if draft is not None and draft.contact_id == call.viewer.contact_id:
        return draft
    contact = session.get(Contact, call.viewer.contact_id)
    assert contact is not None
    record_refusal(
        session,
        contact,
        attempted=f"{call.request.method} {call.request.url.path}",
        reason="an import draft of another contact, or none",
        now=call.now,
    )
    return None


async def draft_page(site: Site, call: Call) -> Response:
    def load() -> ImportDraft | None:
        with site.store.session() as session:
            return own_draft(session, call)

    draft = await run_in_threadpool(load)
    if draft is None:
        return site.refused(call, status=404)
    return show(site, call, draft)


def show(
    site: Site,
    call: Call,
    draft: ImportDraft,
    *,
    problems: dict[int, list[str]] | None = None,
    errors: list[str] | None = None,
    notice: str | None = None,
    track_from: str | None = None,
    status: int = 200,
) -> Response:
    plan = draft.plan
    return site.view(
        call,
        "import_draft",
        section="import",
        draft=draft,
        plan=plan,
        rows=rows_of(plan, call.tr, problems),
        general=general_warnings(plan),
        errors=errors or [],
        notice=notice,
        track_from=track_from or f"{call.today:%d/%m/%Y}",
        status=status,
    )


# -- saving corrections and loading --------------------------------------------------------


def split_names(text: str) -> list[str]:
    """Agency names as typed in a cell: one per line or separated by ";"."""
    names = [part.strip() for line in text.splitlines() for part in line.split(";")]
    return [name for name in names if name]


def apply_edits(plan: dict[str, Any], form: dict[str, str], tr: Tr) -> dict[int, list[str]]:
    """Write the form's cells into ``plan`` (in place); the problems found, by row."""
    from engine.plans.importer import parse_window

    for name in HEADER_FIELDS:
        if f"plan.{name}" in form:
            plan[name] = form[f"plan.{name}"].strip() or (
                None if name in ("number", "owner") else plan.get(name)
            )
    period = (plan["period"]["start"], plan["period"]["end"])
    problems: dict[int, list[str]] = {}
    kept: list[dict[str, Any]] = []
    for index, task in enumerate(plan.get("tasks") or []):
        prefix = f"t{index}."
        if form.get(prefix + "drop"):
            continue
        if prefix + "title" in form:
            task["title"] = form[prefix + "title"].strip() or task["title"]
            task["number"] = form.get(prefix + "number", "").strip() or None
            task["lead"] = split_names(form.get(prefix + "lead", ""))
            task["coordinators"] = split_names(form.get(prefix + "coordinators", ""))
            window = form.get(prefix + "window_text", "").strip() or None
            if window != task.get("window_text") or (window and not task.get("occurrences")):
                task["window_text"] = window
                task["occurrences"] = []
                if window:
                    try:
                        task["occurrences"] = [
                            o.model_dump(mode="json") for o in parse_window(window, period)
                        ]
                    except InputError as error:
                        problems.setdefault(len(kept), []).append(
                            tr("The time frame '{window}' cannot be read: {problem}").format(
                                window=window, problem=error.problem.message
                            )
                        )
        kept.append(task)
    plan["tasks"] = kept
    return problems


def validated(plan: dict[str, Any]) -> PlanFile:
    """The plan file, or ``InputErrors`` saying what is wrong in Vietnamese-readable form."""
    from pydantic import ValidationError

    from engine.errors import Problem
    from engine.plans.model import PlanFile

    try:
        return PlanFile.model_validate(plan)
    except ValidationError as error:
        problems = [
            Problem(
                None,
                None,
                _("{value}: {value2}").format(
                    value=".".join(str(p) for p in e["loc"]), value2=e["msg"]
                ),
            )
            for e in error.errors()
        ]
        raise InputErrors(problems) from None


@dataclass
class Loaded:
    plan_key: str
    plan_title: str
    tasks: int
    created: bool
    track_from: date | None
    obligations: int


def load(site: Site, session: Session, call: Call, plan: PlanFile, start: date) -> Loaded:
    """Load and sync in ``session``; ``NotOwner`` (nothing written) when the viewer's
    agency is not the plan's owner."""
    from sqlalchemy import func

    from engine.plans.load import load_plan, sync_directory
    from engine.store.models import Obligation
    from engine.tracking import reschedule_tracked, set_track_from
    from engine.workflow.calendar import WorkCalendar
    from engine.workflow.schema import load_workflows
    from engine.workflow.sync import directory_matcher, sync_session

    directory = directory_of(site)
    workflows = load_workflows(site.settings.paths.workflows)
    existing = session.scalars(select(Plan).where(Plan.key == plan.key)).first()
    if existing is not None and existing.owner_agency_id not in (None, call.viewer.agency_id):
        raise NotOwner(plan.key)
    sync_directory(session, directory, call.now)
    report = load_plan(session, plan, directory, call.now, track_from=start)
    row = session.get(Plan, report.plan_id)
    assert row is not None
    if row.owner_agency_id != call.viewer.agency_id:
        raise NotOwner(plan.key)
    if row.track_from != start:
        change = set_track_from(
            session, row, start, now=call.now, actor=call.viewer.name, channel="web"
        )
        reschedule_tracked(session, site.settings, change.tracked, now=call.now)
    sync_session(
        session,
        workflows,
        WorkCalendar.from_settings(site.settings),
        now=call.now,
        matcher=directory_matcher(directory),
    )
    count = session.scalar(
        select(func.count()).where(Obligation.plan_id == row.id, Obligation.cancelled_at.is_(None))
    )
    return Loaded(row.key, row.title, len(plan.tasks), report.created, row.track_from, count or 0)


async def save(site: Site, call: Call) -> Response:
    from engine.extensions import parse_day

    loading = call.form.get("action") == "load"
    typed_start = call.form.get("track_from", "").strip()

    def run() -> Response:
        with site.store.session() as session:
            draft = own_draft(session, call, lock=True)
            if draft is None:
                return site.refused(call, status=404)
            plan = {**draft.plan}
            plan["tasks"] = [dict(t) for t in plan.get("tasks") or []]
            problems = apply_edits(plan, call.form, call.tr)
            draft.plan = plan
            if not loading:
                return show(
                    site,
                    call,
                    draft,
                    problems=problems,
                    track_from=typed_start,
                    notice=call.tr("The changes are saved."),
                )
            start = parse_day(typed_start, call.today)
            errors = [] if start is not None else [bad_day(typed_start, call.tr)]
            try:
                checked = validated(plan)
            except InputErrors as invalid:
                errors += [p.message for p in invalid.problems]
            if errors or start is None:
                return show(
                    site,
                    call,
                    draft,
                    problems=problems,
                    errors=errors,
                    track_from=typed_start,
                    status=400,
                )
        return load_draft(site, call, checked, start)

    return await run_in_threadpool(run)


def bad_day(typed: str, tr: Tr) -> str:
    return tr("The tracking start is not a date: '{typed}' (dd/mm/yyyy).").format(typed=typed)


def load_draft(site: Site, call: Call, plan: PlanFile, start: date) -> Response:
    """Load the (saved, valid) draft in a transaction of its own."""
    try:
        with speaking(call.lang), site.store.session() as session:
            loaded = load(site, session, call, plan, start)
            draft = own_draft(session, call, lock=True)
            assert draft is not None
            draft.loaded_at, draft.plan_id = (
                call.now,
                session.scalar(select(Plan.id).where(Plan.key == plan.key)),
            )
    except NotOwner:
        with site.store.session() as session:
            draft = own_draft(session, call)
            assert draft is not None
            owner = plan.owner or call.tr("not given")
            return show(
                site,
                call,
                draft,
                status=403,
                track_from=f"{start:%d/%m/%Y}",
                errors=[
                    call.tr(
                        "The plan is led by {owner}: only the lead agency's staff may load it. "
                        "If {agency} leads it, correct the Lead agency cell."
                    ).format(owner=owner, agency=call.viewer.agency_name)
                ],
            )
    except NhacviecError as error:
        with site.store.session() as session:
            draft = own_draft(session, call)
            assert draft is not None
            return show(
                site,
                call,
                draft,
                status=400,
                track_from=f"{start:%d/%m/%Y}",
                errors=[call.tr("Not loaded: {error}").format(error=error)],
            )
    log.info(
        _("plan %s loaded from the browser by contact %s"), loaded.plan_key, call.viewer.contact_id
    )
    return site.view(call, "import_loaded", section="import", loaded=loaded)
