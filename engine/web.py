"""The web part of ``nhacviec run``: acknowledgement pages and a health check (Starlette).

- ``GET /ack/{token}`` (and ``/done/…``, ``/o/…``, ``/approve/…``: the same page) shows
  the obligation and what this contact may do (``engine.webact``): "Xác nhận đã nhận",
  "Đã hoàn thành" with an optional report number and note, and for the plan owner's
  contacts the approval of a pending extension. It never changes anything: mail scanners
  and link previews open links.
- ``POST /ack/{token}`` acknowledges through ``engine.status.apply_action`` (channel
  ``web``, actor the contact's name): the audit event, the status, and the cancelled
  acknowledgement reminders, in one transaction. A replay finds the obligation already
  acknowledged, says so and changes nothing. ``POST /done/{token}`` records it done
  (form fields ``report`` and ``note``), ``POST /approve/{token}`` approves the pending
  extension request (plan owner only); each says what it did, or that it was done.
- ``GET /extend/{token}`` (the same token) shows a form asking for a new due date and a
  reason, or the request already pending; ``POST /extend/{token}`` records the request
  through ``engine.extensions.request_extension`` (channel ``web``): a form with a bad
  date or no reason is shown again with what to fix (400). The acknowledgement page
  links to it while the obligation is open or acknowledged.
- ``GET /healthz`` answers ``{"status": "ok"}`` while the database answers, 503 if not.
- ``POST /zalo/webhook``, with a ``[zalo]`` section and its OA secret key: the Zalo
  Official Account's events (``notifiers.zalo.webhook``, signatures checked); a
  follower's text links them by code or acts through the bot's authorisation path
  (``engine.bot.texts``). Without the secret key it is not served, and a warning says why.

A token that is malformed (400), forged or expired (403), that names an obligation or a
contact that is gone (404), or a contact no longer registered for the agency that owes
the obligation (403) gets a polite page, never a traceback. A page is in the language
``engine.weblang`` chooses: the ``lang`` cookie of the switch in its footer, else the
recipient contact's, else Vietnamese. Tokens are not logged, and the access log is off
because request paths carry them. Pages are ``templates/{vi,en}/web/*.html.j2`` (autoescaped).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from engine.acklinks import AckClaim, AckLinks
from engine.errors import ExtensionError, NhacviecError, Refused, TokenError
from engine.i18n import _
from engine.messages.types import LANGUAGES, AgencyView, ObligationView, PlanView, vndate
from engine.sources import load_subjects
from engine.webheaders import SecurityHeaders
from engine.weblang import LanguageSwitch, page_language, switch_url

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.store.db import Store
    from engine.store.models import Contact, ExtensionRequest, Obligation
    from engine.webact import Act, PageView

log = logging.getLogger("nhacviec.web")
Clock = Callable[[], datetime]
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


def wall_clock() -> datetime:
    return datetime.now(UTC)


def _claim(links: AckLinks | None, token: str, now: datetime) -> AckClaim:
    if links is None:
        raise Refused("disabled", 403)
    try:
        return links.check(token, now=now)
    except TokenError as exc:
        raise Refused(exc.reason, 400 if exc.reason == "malformed" else 403) from None


def _parties(session: Session, claim: AckClaim, lock: bool) -> tuple[Obligation, Contact]:
    """The obligation and contact a token names; ``Refused`` if gone or not allowed."""
    from engine.store.models import Contact, Obligation

    obligation = session.get(Obligation, claim.obligation_id, with_for_update=lock)
    contact = session.get(Contact, claim.contact_id)
    if obligation is None or contact is None:
        raise Refused("unknown", 404)
    if not contact.active or contact.agency_id != obligation.agency_id:
        raise Refused("not_allowed", 403)
    return obligation, contact


@dataclass(frozen=True)
class ExtendView:
    """What the extension page shows; ``state`` says which page.

    ``form`` (with ``error``: ``bad_date``, ``not_later``, ``no_reason``, or None),
    ``requested`` (just recorded), ``pending`` (a request waits for the owner), ``closed``
    (done, waived or no longer in the plan).
    """

    state: str
    language: str
    contact_name: str
    obligation: ObligationView
    agency: AgencyView
    plan: PlanView
    request: dict[str, Any] | None = None
    error: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    status: int = 200


def extension_page(
    store: Store,
    links: AckLinks | None,
    token: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    form: dict[str, str] | None,
) -> ExtendView:
    """Check ``token``; with a ``form`` (``due``, ``reason``), record the request.

    Raises ``Refused`` for a token or contact that cannot be used.
    """
    from engine import extensions as ext
    from engine.status import local_date

    claim = _claim(links, token, now)
    with store.session() as session:
        obligation, contact = _parties(session, claim, form is not None)
        subject = load_subjects(session, {obligation.id})[obligation.id]
        language = contact.language if contact.language in LANGUAGES else "vi"
        page = ExtendView("form", language, contact.name, subject.obligation, subject.agency,
                          subject.plan, values=form or {})  # fmt: skip
        pending = ext.pending_request(session, obligation.id)
        try:
            ext.check_extendable(obligation)
        except ExtensionError:
            return replace(page, state="closed")
        if pending is not None:
            return replace(page, state="pending", request=_request_view(pending))
        if form is None:
            return page
        day = ext.parse_day(form.get("due", ""), local_date(now, zone))
        if day is None:
            return replace(page, error="bad_date", status=400)
        try:
            request = ext.request_extension(
                session, obligation, new_due_on=day, reason=form.get("reason", ""),
                by=contact.name, via="web", now=now, origin={"contact": contact.key},
            )  # fmt: skip
        except ExtensionError as error:
            return replace(page, error=error.code, status=400)
        log.info(_("extension requested for obligation %s by contact %s (web)"), obligation.id,
                 contact.id)  # fmt: skip
        return replace(page, state="requested", request=_request_view(request))


def _request_view(request: ExtensionRequest) -> dict[str, Any]:
    return {"id": request.id, "new_due_on": request.new_due_on, "reason": request.reason,
            "requested_by": request.requested_by}  # fmt: skip


class Pages:
    """The web templates of one folder, autoescaped."""

    def __init__(self, folder: Path, zone: ZoneInfo) -> None:
        self.zone = zone
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.env.filters["vndate"] = vndate

    def render(self, language: str, name: str, switch: str = "", **context: Any) -> str:
        """``switch``: the address of the page in the other language (the footer's link)."""
        template = self.env.get_template(f"{language}/web/{name}.html.j2")
        return template.render(context, switch=switch)

    def ack(self, view: PageView, prefix: str, token: str, switch: str = "") -> str:
        """The obligation page; ``prefix`` is where the app is served ("" at the root)."""
        at = view.at.astimezone(self.zone).strftime("%H:%M %d/%m/%Y") if view.at else ""

        def url(page: str) -> str:
            return f"{prefix}/{page}/{token}"

        return self.render(
            view.language, "ack", switch, state=view.state, contact={"name": view.contact_name},
            obligation=view.obligation, agency=view.agency, plan=view.plan, at=at,
            action=url("ack"), done_action=url("done"), approve_action=url("approve"),
            extend=url("extend"), role=view.role, can_ack=view.can_ack, can_done=view.can_done,
            can_extend=view.can_extend, request=view.request, recorded=view.recorded,
            error=view.error, values=view.values or {},
        )  # fmt: skip

    def extend(self, view: ExtendView, action: str, switch: str = "") -> str:
        return self.render(
            view.language, "extend", switch, state=view.state, contact={"name": view.contact_name},
            obligation=view.obligation, agency=view.agency, plan=view.plan, action=action,
            request=view.request, error=view.error, values=view.values,
        )  # fmt: skip


def refused_page(pages: Pages, request: Request, refused: Refused) -> Response:
    """The page of a link that cannot be used: in the cookie's language, else Vietnamese
    (the token may not say whose it is)."""
    lang = page_language(request)
    page = pages.render(lang, "refused", switch_url(request, lang), reason=refused.reason)
    return HTMLResponse(page, status_code=refused.status, headers=PRIVATE_HEADERS)


def create_app(store: Store, settings: Settings, *, clock: Clock = wall_clock) -> Starlette:
    """The ASGI application (see the module docstring); ``clock`` is injected by tests.

    The coordinators' workspace (``engine.workspace``) is served beside these pages."""
    from engine.workspace import routes as workspace_routes

    links = AckLinks.from_settings(settings)
    pages = Pages(settings.paths.templates, settings.time.zone)
    zone = settings.time.zone

    async def answer(request: Request, act: Act | None) -> Response:
        from engine.webact import obligation_page

        token = request.path_params["token"]
        form = None
        if act == "done":
            async with request.form(max_files=0, max_fields=10) as data:
                form = {k: str(v)[:2000] for k, v in data.items() if isinstance(v, str)}
        try:
            now = clock()
            claim = _claim(links, token, now)
            view = await run_in_threadpool(
                obligation_page, store, settings, claim, now=now, act=act, form=form
            )
        except Refused as refused:
            log.info(_("refused an acknowledgement link (%s)"), refused.reason)
            return refused_page(pages, request, refused)
        prefix = request.url.path.rsplit("/", 2)[0]
        lang = page_language(request, view.language)
        page = pages.ack(replace(view, language=lang), prefix, token, switch_url(request, lang))
        return HTMLResponse(page, status_code=view.status, headers=PRIVATE_HEADERS)

    async def extension(request: Request) -> Response:
        token = request.path_params["token"]
        form = None
        if request.method == "POST":
            async with request.form(max_files=0, max_fields=10) as data:
                form = {k: str(v)[:2000] for k, v in data.items() if isinstance(v, str)}
        try:
            view = await run_in_threadpool(
                extension_page, store, links, token, now=clock(), zone=zone, form=form
            )
        except Refused as refused:
            log.info(_("refused an extension link (%s)"), refused.reason)
            return refused_page(pages, request, refused)
        lang = page_language(request, view.language)
        page = pages.extend(replace(view, language=lang), request.url.path,
                            switch_url(request, lang))  # fmt: skip
        return HTMLResponse(page, status_code=view.status, headers=PRIVATE_HEADERS)

    async def show(request: Request) -> Response:
        return await answer(request, act=None)

    async def confirm(request: Request) -> Response:
        return await answer(request, act="ack")

    async def complete(request: Request) -> Response:
        return await answer(request, act="done")

    async def approve(request: Request) -> Response:
        return await answer(request, act="approve")

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(store.revision)
        except NhacviecError:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return Starlette(
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(LanguageSwitch, secure=settings.web.base_url.startswith("https://")),
        ],
        routes=[
            Route("/ack/{token}", show, methods=["GET"]),
            Route("/ack/{token}", confirm, methods=["POST"]),
            Route("/done/{token}", show, methods=["GET"]),
            Route("/done/{token}", complete, methods=["POST"]),
            Route("/o/{token}", show, methods=["GET"]),
            Route("/approve/{token}", show, methods=["GET"]),
            Route("/approve/{token}", approve, methods=["POST"]),
            Route("/extend/{token}", extension, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *_webhook_routes(store, settings, clock),
            *workspace_routes(store, settings, clock),
        ],
    )


def _webhook_routes(store: Store, settings: Settings, clock: Clock) -> list[BaseRoute]:
    """Each configured channel's webhook (the registry's ``webhook``: Zalo's OA) at
    ``/<channel>/webhook``, where its settings let it check what it receives."""
    from engine.bot.texts import text_commands
    from notifiers.registry import CHANNELS, load_class

    routes: list[BaseRoute] = []
    for name, entry in CHANNELS.items():
        if entry.webhook is None or getattr(settings, entry.section, None) is None:
            continue
        factory: Any = load_class(entry.webhook)
        on_text = text_commands(settings, store, name, now=clock)
        try:
            app = factory(settings, on_text, path=f"/{name}/webhook")
        except NhacviecError as exc:
            log.warning(_("the %s webhook is not served: %s"), name, exc)
            continue
        routes.extend(app.routes)
    return routes


# ---- serving it inside `nhacviec run` --------------------------------------------------


def listen(bind: str) -> socket.socket:
    """A listening socket for ``host:port`` (``[::1]:8080`` for IPv6); errors say which."""
    host, _sep, port = bind.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, int(port)))
    except (OSError, ValueError) as exc:
        raise NhacviecError(
            _("cannot listen on [web] bind = {bind!r}: {exc}").format(bind=bind, exc=exc)
        ) from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def serve(app: Starlette, sock: socket.socket, stopping: asyncio.Event) -> None:
    """Serve ``app`` on ``sock`` with uvicorn until ``stopping`` is set."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # `nhacviec run` owns SIGTERM and SIGINT

    config = uvicorn.Config(app, access_log=False, log_level="warning", lifespan="off")
    server = Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stop = asyncio.create_task(stopping.wait())
    await asyncio.wait({serving, stop}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stop.cancel()
    await serving
