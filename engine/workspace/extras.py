"""The month calendar, the agency's iCal feed, the xlsx report and the letters.

- ``/lich?thang=YYYY-MM`` is the month grid of ``nhacviec calendar`` (Monday first,
  days off marked with their name, today outlined), each day listing what falls due
  that the viewer sees, coloured by status; and the address of the viewer's agency's
  iCal feed.
- ``/lich/{token}.ics`` is that feed (``engine.workflow.agenda.to_ical``: what the
  agency owes, one all-day event per obligation, UIDs stable across fetches). Calendar
  programs fetch it without a session, so the token is the key: signed with the
  ``[web] secret_env`` secret (its own salt), naming the agency, without an expiry (a
  subscription lasts); changing the secret revokes every feed.
- ``/bao-cao`` offers the xlsx report of ``nhacviec report`` for a plan the viewer's
  agency owns (``/bao-cao.xlsx?plan=KEY&period=2026-H1``), and lists the formal
  reminder letters (``/cong-van/{id}``: the .docx) sent to or about the viewer's agency,
  or about any agency of the plans it owns.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from engine.i18n import N_
from engine.store.models import Agency, Letter, Plan
from engine.workspace.access import Viewer, record_refusal, visible_plans
from engine.workspace.pages import STATUS, Filters, listing, said
from engine.workspace.web import HEADERS, Call, Site

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FEED_SALT = "nhacviec.ical.v1"
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
            N_("Saturday"), N_("Sunday"))  # fmt: skip
PER_DAY = 6
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# -- the month calendar -------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    off: str | None  # why it is not a working day ("Thứ Bảy", a holiday's name)
    items: list[Any]


def month_of(text: str, today: date) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def weeks(call: Call, site: Site, first: date, items: list[Any]) -> list[list[Day]]:
    from engine.workflow.calendar import WorkCalendar

    cal = WorkCalendar.from_settings(site.settings)
    by_day: dict[date, list[Any]] = {}
    for plan, item in items:
        by_day.setdefault(item.due, []).append((plan, item))
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    monday = first - timedelta(days=first.weekday())
    rows = []
    while monday <= last:
        week = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            off = None
            if not cal.is_working_day(day):
                off = cal.holiday_name(day) or call.tr(WEEKDAYS[day.weekday()])
                off = call.tr("Day off in lieu") if off == "extra day off" else off
            week.append(Day(day, day.month == first.month, off, by_day.get(day, [])))
        rows.append(week)
        monday += timedelta(days=7)
    return rows


def feed_token(site: Site, agency_id: int) -> str | None:
    if site.auth is None:
        return None
    secret = site.settings.secret(site.settings.web.secret_env) or ""
    return str(URLSafeSerializer(secret, salt=FEED_SALT).dumps({"a": agency_id}))


async def calendar(site: Site, call: Call) -> Response:
    first = month_of(call.request.query_params.get("thang", ""), call.today)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    plan = call.request.query_params.get("plan", "")
    filters = Filters(plan, "", "", first, last)

    def load() -> dict[str, Any]:
        with site.store.session() as session:
            return listing(session, call.viewer, filters, call.today, limit=None)

    found = await run_in_threadpool(load)
    token = feed_token(site, call.viewer.agency_id)
    base = site.settings.web.base_url.rstrip("/")
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return site.view(
        call, "calendar", section="calendar", first=first,
        weeks=weeks(call, site, first, found["items"]), plans=found["plans"], plan=plan,
        today=call.today, statuses=said(call, STATUS), weekdays=[call.tr(d) for d in WEEKDAYS],
        per_day=PER_DAY, previous=previous, following=following,
        feed=f"{base}/lich/{token}.ics" if token else None, count=len(found["items"]),
    )  # fmt: skip


async def feed(site: Site, request: Request) -> Response:
    """The iCal feed of one agency (no session: the signed token is the key)."""
    from engine.workflow.agenda import agenda, revisions, to_ical

    token = request.path_params["token"]
    secret = site.settings.secret(site.settings.web.secret_env)
    try:
        if not secret or len(token) > 200:
            raise BadSignature("no secret")
        payload = URLSafeSerializer(secret, salt=FEED_SALT).loads(token)
        agency_id = int(payload["a"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return Response("Liên kết lịch không hợp lệ.\n", status_code=403,
                        media_type="text/plain; charset=utf-8", headers=HEADERS)  # fmt: skip
    now = site.clock()
    today = now.astimezone(site.zone).date()

    def load() -> bytes | None:
        with site.store.session() as session:
            agency = session.get(Agency, agency_id)
            if agency is None:
                return None
            items = agenda(session, today, agency=agency.key)
            items = [item for item in items if item.agency_key == agency.key]
            return to_ical(items, now, revisions(session), f"Nhắc việc – {agency.name}")

    body = await run_in_threadpool(load)
    if body is None:
        return Response("Không có đơn vị này.\n", status_code=404,
                        media_type="text/plain; charset=utf-8", headers=HEADERS)  # fmt: skip
    return Response(body, media_type="text/calendar; charset=utf-8", headers=HEADERS)


# -- the report and the letters -----------------------------------------------------------


PERIODS = ("H1", "H2", "", "Q1", "Q2", "Q3", "Q4")


def period_choices(today: date) -> list[tuple[str, str]]:
    from engine.report import parse_report_period

    choices = []
    for year in (today.year, today.year - 1):
        for part in PERIODS:
            code = f"{year}-{part}" if part else str(year)
            choices.append((code, parse_report_period(code).label))
    return choices


def letters_of(session: Session, viewer: Viewer) -> list[tuple[Letter, str]]:
    query = (
        select(Letter, Agency.name)
        .join(Agency, Agency.id == Letter.agency_id)
        .where(or_(Letter.agency_id == viewer.agency_id,
                   Letter.plan_id.in_(sorted(viewer.owned_plans))))
        .order_by(Letter.created_at.desc(), Letter.id.desc())
        .limit(200)
    )  # fmt: skip
    return [(letter, name) for letter, name in session.execute(query)]


async def downloads(site: Site, call: Call, error: str | None = None) -> Response:
    def load() -> tuple[list[Plan], list[tuple[Letter, str]]]:
        with site.store.session() as session:
            owned = [p for p in visible_plans(session, call.viewer) if call.viewer.owns(p.id)]
            return owned, letters_of(session, call.viewer)

    owned, letters = await run_in_threadpool(load)
    return site.view(call, "downloads", section="downloads", plans=owned, letters=letters,
                     periods=period_choices(call.today), error=error,
                     status=400 if error else 200)  # fmt: skip


async def report_xlsx(site: Site, call: Call) -> Response:
    from engine.errors import InputError
    from engine.report import build_report, default_as_of, parse_report_period, write_xlsx

    query = call.request.query_params
    try:
        period = parse_report_period(query.get("period", ""))
    except InputError:
        return await downloads(site, call, call.tr("The report period is not valid."))
    key = query.get("plan", "")

    def build() -> tuple[str, bytes] | None:
        from engine.store.models import Contact

        with site.store.session() as session:
            plan = session.scalars(select(Plan).where(Plan.key == key)).first()
            if plan is None or not call.viewer.owns(plan.id):
                contact = session.get(Contact, call.viewer.contact_id)
                assert contact is not None
                record_refusal(session, contact, attempted=f"GET {call.request.url.path}",
                               reason="only the plan owner's contacts get its report",
                               now=call.now, data={"plan": key})  # fmt: skip
                return None
            day = default_as_of(period, call.today)
            report = build_report(session, plan, period, as_of=day, zone=site.zone)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bao-cao.xlsx"
            write_xlsx(report, path)
            return f"bao-cao-{plan.key}-{period.code}.xlsx", path.read_bytes()

    made = await run_in_threadpool(build)
    if made is None:
        return site.refused(call)
    name, content = made
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=XLSX, headers=headers)


async def letter_docx(site: Site, call: Call) -> Response:
    text = str(call.request.path_params.get("id", ""))

    def load() -> tuple[str, bytes] | None:
        from engine.store.models import Contact

        with site.store.session() as session:
            letter = session.get(Letter, int(text)) if text.isdigit() else None
            if letter is not None and (letter.agency_id == call.viewer.agency_id
                                       or call.viewer.owns(letter.plan_id or 0)):  # fmt: skip
                return letter.filename, letter.content
            contact = session.get(Contact, call.viewer.contact_id)
            assert contact is not None
            record_refusal(session, contact, attempted=f"GET {call.request.url.path}",
                           reason="a letter of another agency, or none", now=call.now)  # fmt: skip
            return None

    found = await run_in_threadpool(load)
    if found is None:
        return site.refused(call, status=404)
    name, content = found
    safe = "".join(c for c in name if c.isalnum() or c in "-_.") or "cong-van.docx"
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{safe}"'}
    return Response(content, media_type=DOCX, headers=headers)
