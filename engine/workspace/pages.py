"""The signed-in pages: the scorecard, the obligations, one obligation, the extensions.

Each reads through the functions the CLI uses (``status`` → ``status_by_agency`` and
``status_json``, ``agenda``/``overdue`` → ``agenda``, ``show`` → ``describe``) and acts
through those the email links use (``engine.webact.obligation_page``: acknowledge, done
with a report number) and the bot uses (``engine.extensions``: approve, refuse), so a
change from the workspace is an audit event like any other (channel ``web``, the
contact's name as actor). What the viewer may not see or do is refused (403) and
recorded (``engine.workspace.access``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from engine.errors import ExtensionError, StatusError, TrackingError
from engine.i18n import N_, speaking
from engine.workspace.access import Viewer, may_act, record_refusal, visible_plans
from engine.workspace.web import Call, Site

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from engine.webact import Act

STATUS = {  # English msgids, said in the page's language (Call.tr)
    "open": N_("Not acknowledged"),
    "acknowledged": N_("Acknowledged"),
    "done": N_("Completed"),
    "waived": N_("Waived"),
    "overdue": N_("Overdue"),
    "untracked": N_("Not tracked"),
    "cancelled": N_("No longer in force"),
}
EVENT = {  # English msgids, said in the page's language (Call.tr)
    "acknowledged": N_("Acknowledged receipt"),
    "done": N_("Completed"),
    "waived": N_("Waived"),
    "reopened": N_("Reopened"),
    "created": N_("Created from the plan"),
    "updated": N_("Updated from the plan"),
    "cancelled": N_("No longer in the plan"),
    "reinstated": N_("Back in the plan"),
    "extension_requested": N_("Extension requested"),
    "extension_approved": N_("Extension approved"),
    "extension_refused": N_("Extension refused"),
    "snoozed": N_("Reminders paused"),
    "tracked": N_("Tracked"),
    "untracked": N_("No longer tracked"),
    "note": N_("Note"),
    "refused": N_("Refused"),
}
NOTES = {"acknowledgement link": N_("through the web page")}  # notes the engine writes
LIST_LIMIT = 500


def said(call: Call, words: dict[str, str]) -> dict[str, str]:
    """``words`` (English msgids) in the language of ``call``'s page."""
    return {key: call.tr(value) for key, value in words.items()}


# -- the scorecard ------------------------------------------------------------------------


def scorecards(session: Session, viewer: Viewer, today: date, zone: ZoneInfo) -> list[Any]:
    """Per visible plan, ``status --json --plan KEY`` as of ``today``: every agency for
    the plan's owner, the viewer's own agency for anyone else."""
    from engine.cli.calendar import status_json
    from engine.workflow.agenda import status_by_agency

    cards = []
    for plan in visible_plans(session, viewer):
        rows = status_by_agency(session, today, zone, [plan.id])
        if not viewer.owns(plan.id):
            rows = [row for row in rows if row.key == viewer.agency_key]
        data = status_json(rows, today, plan.key)
        cards.append(
            {
                "plan": plan,
                "owner": viewer.owns(plan.id),
                "status": data,
                "labels": {row.key: row.label for row in rows},
                "months": monthly(session, viewer, plan.id, today, zone),
            }
        )
    return cards


MONTHS = 12


@dataclass(frozen=True)
class Month:
    """The on-time rate, as of today, of what was due (original date) in one month."""

    first: date
    card: Any  # Scorecard

    @property
    def rate(self) -> float | None:
        rate: float | None = self.card.on_time_rate
        return rate


def monthly(
    session: Session, viewer: Viewer, plan_id: int, today: date, zone: ZoneInfo
) -> list[Month]:
    """The last ``MONTHS`` months up to this one, for the obligations the viewer sees
    (those ``status`` counts: tracked, not cancelled), by their plan's due date."""
    from sqlalchemy import select

    from engine.categories import Scorecard
    from engine.store.models import Obligation

    first = today.replace(day=1)
    months = [first]
    while len(months) < MONTHS:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    query = select(Obligation).where(
        Obligation.plan_id == plan_id,
        viewer.visible(),
        Obligation.cancelled_at.is_(None),
        Obligation.tracked.is_(True),
        Obligation.original_due_on >= months[0],
        Obligation.original_due_on <= today,
    )
    by_month: dict[date, list[Any]] = {}
    for obligation in session.scalars(query):
        by_month.setdefault(obligation.original_due_on.replace(day=1), []).append(obligation)
    while months and months[0] not in by_month:  # from the first month with anything due
        months.pop(0)
    return [Month(m, Scorecard.of(by_month.get(m, []), as_of=today, zone=zone)) for m in months]


async def home(site: Site, call: Call, outcome: Outcome | None = None) -> Response:
    def load() -> list[Any]:
        with site.store.session() as session:
            return scorecards(session, call.viewer, call.today, site.zone)

    cards = await run_in_threadpool(load)
    status = 400 if outcome is not None and not outcome.ok else 200
    return site.view(
        call,
        "scorecard",
        section="home",
        cards=cards,
        today=call.today,
        outcome=outcome,
        status=status,
    )


def move_start(site: Site, call: Call) -> Outcome | None:
    """Move the tracking start of the plan in the path (``plan track-from``); None when
    the viewer's agency does not own it (recorded)."""
    from sqlalchemy import select

    from engine.extensions import parse_day
    from engine.store.models import Contact, Plan
    from engine.tracking import reschedule_tracked, set_track_from

    key = str(call.request.path_params.get("key", ""))
    with site.store.session() as session:
        plan = session.scalars(select(Plan).where(Plan.key == key)).first()
        contact = session.get(Contact, call.viewer.contact_id)
        assert contact is not None
        if plan is None or not call.viewer.owns(plan.id):
            record_refusal(
                session,
                contact,
                attempted=f"POST {call.request.url.path}",
                reason="only the plan owner's contacts move its tracking start",
                now=call.now,
            )
            return None
        typed = call.form.get("track_from", "")
        day = parse_day(typed, call.today)
        if day is None:
            text = call.tr("The tracking start is not a date: '{typed}' (dd/mm/yyyy).")
            return Outcome(text.format(typed=typed), ok=False)
        change = set_track_from(session, plan, day, now=call.now, actor=contact.name, channel="web")
        reschedule_tracked(session, site.settings, change.tracked, now=call.now)
        text = call.tr(
            "Plan {plan} is tracked from {day}: {tracked} obligations now tracked, "
            "{untracked} no longer tracked."
        )
        return Outcome(
            text.format(plan=plan.number or plan.key, day=f"{day:%d/%m/%Y}",
                        tracked=len(change.tracked), untracked=len(change.untracked))
        )  # fmt: skip


async def tracking_start(site: Site, call: Call) -> Response:
    outcome = await run_in_threadpool(move_start, site, call)
    if outcome is None:
        return site.refused(call)
    return await home(site, call, outcome)


# -- the obligations: agenda and overdue, with filters ------------------------------------


@dataclass(frozen=True)
class Filters:
    plan: str
    agency: str
    status: str
    start: date | None
    end: date | None
    errors: tuple[str, ...] = ()


def read_filters(query: dict[str, str], today: date) -> Filters:
    from engine.extensions import parse_day

    errors: list[str] = []

    def day(name: str) -> date | None:
        text = query.get(name, "").strip()
        if not text:
            return None
        value = parse_day(text, today)
        if value is None:
            errors.append(name)
        return value

    status = query.get("status", "")
    if status not in STATUS:
        status = ""
    start, end = day("from"), day("to")
    return Filters(
        query.get("plan", ""), query.get("agency", ""), status, start, end, tuple(errors)
    )


def listing(
    session: Session,
    viewer: Viewer,
    filters: Filters,
    today: date,
    limit: int | None = LIST_LIMIT,
) -> dict[str, Any]:
    """The obligations the viewer sees that pass the filters, by due date (at most
    ``limit``; ``more`` says how many were left out)."""
    from engine.workflow.agenda import agenda

    plans = visible_plans(session, viewer)
    keys = {plan.key: plan for plan in plans}
    wanted = [keys[filters.plan]] if filters.plan in keys else plans
    start, end = filters.start, filters.end
    if filters.status != "overdue" and start is None and end is None and not filters.status:
        start, end = today - timedelta(days=31), today + timedelta(days=62)
    items: list[Any] = []
    agencies: dict[str, str] = {}
    for plan in wanted:
        found = agenda(
            session,
            today,
            start=start,
            end=end,
            plan=str(plan.id),
            status=filters.status or None,
            tracked=filters.status != "untracked",
        )
        for item in found:
            if not viewer.sees(item.agency_key, plan.id):
                continue
            agencies[item.agency_key] = item.agency
            if filters.agency and item.agency_key != filters.agency:
                continue
            items.append((plan, item))
    items.sort(key=lambda pair: (pair[1].due, pair[1].agency, pair[1].id))
    return {
        "items": items[:LIST_LIMIT],
        "more": max(0, len(items) - LIST_LIMIT),
        "plans": plans,
        "agencies": sorted(agencies.items(), key=lambda kv: kv[1]),
        "start": start,
        "end": end,
    }


async def obligations(site: Site, call: Call, *, overdue: bool = False) -> Response:
    query = dict(call.request.query_params)
    if overdue:
        query["status"] = "overdue"
    filters = read_filters(query, call.today)

    def load() -> dict[str, Any]:
        with site.store.session() as session:
            return listing(session, call.viewer, filters, call.today)

    found = await run_in_threadpool(load)
    return site.view(
        call,
        "obligations",
        section="overdue" if overdue else "list",
        filters=filters,
        query=query,
        statuses=said(call, STATUS),
        today=call.today,
        overdue=overdue,
        status=400 if filters.errors else 200,
        **found,
    )


async def overdue_list(site: Site, call: Call) -> Response:
    return await obligations(site, call, overdue=True)


# -- one obligation -----------------------------------------------------------------------


def _obligation_id(call: Call) -> int | None:
    text = str(call.request.path_params.get("id", ""))
    return int(text) if text.isdigit() and len(text) < 12 else None


def allowed(session: Session, call: Call) -> str | None:
    """The viewer's role on the obligation of the path (``agency``, ``owner``), or None
    when it is unknown or not the viewer's to see (the refusal is recorded)."""
    from engine.store.models import Contact, Obligation

    oid = _obligation_id(call)
    found = session.get(Obligation, oid) if oid is not None else None
    contact = session.get(Contact, call.viewer.contact_id)
    assert contact is not None
    role = may_act(session, contact, found) if found is not None else None
    if role is None:
        why = (
            "unknown obligation"
            if found is None
            else "the contact is not of the obligation's agency nor of the plan owner"
        )
        record_refusal(
            session,
            contact,
            attempted=f"{call.request.method} {call.request.url.path}",
            reason=why,
            now=call.now,
            obligation_id=found.id if found else None,
        )
    return role


def detail(
    site: Site, call: Call, act: Act | None, outcome: Outcome | None = None
) -> dict[str, Any] | None:
    """The page's data after ``act`` (``engine.webact``: its rules, its audit events);
    None when the viewer may not see it."""
    from engine import extensions as ext
    from engine.acklinks import AckClaim
    from engine.cli.actions import describe
    from engine.store.models import Obligation
    from engine.webact import obligation_page

    with site.store.session() as session:
        role = allowed(session, call)
    oid = _obligation_id(call)
    if role is None or oid is None:
        return None
    claim = AckClaim(oid, call.viewer.contact_id, call.now)
    view = obligation_page(
        site.store, site.settings, claim, now=call.now, act=act, form=call.form if act else None
    )
    with site.store.session() as session:
        found = session.get(Obligation, oid)
        assert found is not None
        shown = describe(session, found, call.now, site.zone)
        pending = ext.pending_request(session, oid)
        live = found.cancelled_at is None and found.status in ("open", "acknowledged")
        can = {
            "request": role == "agency" and view.can_extend and pending is None,
            "snooze": role == "agency" and live and found.tracked,
            "waive": role == "owner" and live,
            "track": role == "owner" and not found.tracked and found.cancelled_at is None,
        }
        waiting = (
            None
            if pending is None
            else {"new_due_on": pending.new_due_on, "reason": pending.reason}
        )
    return {
        "view": view,
        "show": shown,
        "role": role,
        "events": said(call, EVENT),
        "statuses": said(call, STATUS),
        "notes": said(call, NOTES),
        "can": can,
        "waiting": waiting,
        "outcome": outcome,
    }


@dataclass(frozen=True)
class Outcome:
    """What an action of the page below the email links' did: a notice or an error."""

    text: str
    ok: bool = True


async def obligation(
    site: Site, call: Call, act: Act | None = None, outcome: Outcome | None = None
) -> Response:
    found = await run_in_threadpool(detail, site, call, act, outcome)
    if found is None:
        return site.refused(call)
    view = found["view"]
    status = view.status if outcome is None or outcome.ok else 400
    return site.view(call, "obligation", section="list", act=act, status=status, **found)


MORE_ACTIONS = {"gia-han": "agency", "tam-hoan": "agency", "mien": "owner", "theo-doi": "owner"}


def more(site: Site, call: Call, action: str) -> Outcome | None:
    """Ask for an extension, snooze (the agency's), waive or track (the owner's): through
    ``engine.extensions``, ``engine.status`` and ``engine.tracking``; None when this
    viewer may not (recorded)."""
    from engine import extensions as ext
    from engine.bulk import follow_up
    from engine.status import apply_action
    from engine.store.models import Contact, Obligation
    from engine.tracking import track_obligation
    from engine.workflow.calendar import WorkCalendar

    with speaking(call.lang), site.store.session() as session:
        role = allowed(session, call)
        contact = session.get(Contact, call.viewer.contact_id)
        assert contact is not None
        if role is None:
            return None
        if MORE_ACTIONS[action] != role:
            record_refusal(
                session,
                contact,
                attempted=f"POST {call.request.url.path}",
                reason=f"only the {MORE_ACTIONS[action]} may do this",
                now=call.now,
                obligation_id=_obligation_id(call),
            )
            return None
        found = session.get(Obligation, _obligation_id(call), with_for_update=True)
        assert found is not None
        origin = {"contact": contact.key}
        by, now, zone = contact.name, call.now, site.zone
        try:
            if action == "gia-han":
                day = ext.parse_day(call.form.get("due", ""), call.today)
                if day is None:
                    text = call.tr("The new due date is not a date (dd/mm/yyyy).")
                    return Outcome(text, ok=False)
                made = ext.request_extension(
                    session,
                    found,
                    new_due_on=day,
                    by=by,
                    via="web",
                    reason=call.form.get("reason", "")[:1000],
                    now=now,
                    origin=origin,
                )
                text = call.tr(
                    "Extension to {day} requested (GH{id}); the plan's lead agency will decide."
                )
                return Outcome(text.format(day=f"{day:%d/%m/%Y}", id=made.id))
            if action == "tam-hoan":
                days = 7 if call.form.get("days") == "7" else 1
                paused = ext.snooze(
                    session,
                    found,
                    contact,
                    days=days,
                    now=now,
                    by=by,
                    via="web",
                    calendar=WorkCalendar.from_settings(site.settings),
                    origin=origin,
                )
                until = paused.until.astimezone(zone).strftime("%H:%M %d/%m/%Y")
                text = call.tr("Reminders to {name} paused until {until}.")
                return Outcome(text.format(name=by, until=until))
            if action == "mien":
                reason = call.form.get("reason", "").strip()[:1000]
                if not reason:
                    return Outcome(call.tr("Say why it is waived."), ok=False)
                decision, _ = apply_action(
                    session,
                    found,
                    "waive",
                    now=now,
                    zone=zone,
                    actor=by,
                    channel="web",
                    note=reason,
                    data=origin,
                )
                if decision.changed:
                    follow_up(session, site.settings, "waive", [found.id], now=now)
                return Outcome(call.tr("This obligation is waived."))
            track_obligation(
                session,
                found,
                now=now,
                actor=by,
                channel="web",
                note=call.form.get("note", "").strip()[:1000] or None,
            )
            follow_up(session, site.settings, "track", [found.id], now=now)
            return Outcome(
                call.tr("The obligation is now tracked; its remaining reminders are scheduled.")
            )
        except (ExtensionError, StatusError, TrackingError) as error:
            return Outcome(call.tr("Not done: {error}").format(error=error), ok=False)


async def more_action(site: Site, call: Call) -> Response:
    action = str(call.request.path_params.get("action", ""))
    if action not in MORE_ACTIONS:
        return site.refused(call, status=404)
    outcome = await run_in_threadpool(more, site, call, action)
    if outcome is None:
        return site.refused(call)
    call.form = {}
    return await obligation(site, call, outcome=outcome)


async def acknowledge(site: Site, call: Call) -> Response:
    return await obligation(site, call, act="ack")


async def complete(site: Site, call: Call) -> Response:
    return await obligation(site, call, act="done")


# -- extension requests -------------------------------------------------------------------


def requests_of(session: Session, viewer: Viewer) -> list[dict[str, Any]]:
    """Pending requests the viewer decides (owner) or made (its agency), oldest first."""
    from engine.extensions import list_requests
    from engine.messages.extension import request_ref
    from engine.sources import load_subjects

    pairs = [
        (r, o)
        for r, o in list_requests(session, pending_only=True)
        if viewer.owns(o.plan_id) or o.agency_id == viewer.agency_id
    ]
    subjects = load_subjects(session, {o.id for _, o in pairs})
    return [
        {
            "request": r,
            "ref": request_ref(r.id),
            "obligation": o,
            "subject": subjects[o.id],
            "decides": viewer.owns(o.plan_id),
        }
        for r, o in reversed(pairs)
    ]


async def extensions(site: Site, call: Call, *, done: str | None = None) -> Response:
    def load() -> list[dict[str, Any]]:
        with site.store.session() as session:
            return requests_of(session, call.viewer)

    rows = await run_in_threadpool(load)
    return site.view(call, "extensions", section="extensions", rows=rows, done=done)


def decide(session: Session, site: Site, call: Call, approve: bool) -> str | None:
    """Approve or refuse the request named in the path; what was done, or None when the
    viewer may not decide it (recorded)."""
    from engine import extensions as ext
    from engine.messages.extension import request_ref
    from engine.store.models import Contact, ExtensionRequest, Obligation

    contact = session.get(Contact, call.viewer.contact_id)
    assert contact is not None
    text = str(call.request.path_params.get("id", ""))
    request = session.get(ExtensionRequest, int(text)) if text.isdigit() else None
    obligation = session.get(Obligation, request.obligation_id) if request else None
    owner = obligation.plan.owner_agency_id if obligation is not None else None
    if request is None or obligation is None or not ext.may_decide(contact, owner):
        record_refusal(
            session,
            contact,
            attempted=f"POST {call.request.url.path}",
            reason="only the plan owner's contacts decide on extensions",
            now=call.now,
            obligation_id=obligation.id if obligation else None,
        )
        return None
    origin = {"contact": contact.key}
    ref = request_ref(request.id)
    try:
        if approve:
            ext.approve_extension(
                session,
                request,
                by=contact.name,
                via="web",
                now=call.now,
                settings=site.settings,
                origin=origin,
            )
            text = call.tr("Extension {ref} to {day} approved.")
            return text.format(ref=ref, day=f"{request.new_due_on:%d/%m/%Y}")
        ext.refuse_extension(
            session,
            request,
            by=contact.name,
            via="web",
            now=call.now,
            reason=call.form.get("note", "")[:1000],
            origin=origin,
        )
        return call.tr("Extension request {ref} refused.").format(ref=ref)
    except ExtensionError as error:
        return call.tr("Not done: {error}").format(error=error)


async def decision(site: Site, call: Call, approve: bool) -> Response:
    def run() -> str | None:
        with speaking(call.lang), site.store.session() as session:
            return decide(session, site, call, approve)

    done = await run_in_threadpool(run)
    if done is None:
        return site.refused(call)
    return await extensions(site, call, done=done)


async def approve(site: Site, call: Call) -> Response:
    return await decision(site, call, approve=True)


async def refuse(site: Site, call: Call) -> Response:
    return await decision(site, call, approve=False)
