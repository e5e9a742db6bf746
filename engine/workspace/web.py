"""Plumbing shared by the workspace's pages: templates, the session, CSRF, responses.

``Site`` holds what every handler needs; ``page`` wraps a handler so that it runs only
for a signed-in contact (anyone else is sent to ``/dang-nhap``) and, for a POST, only
with the form's CSRF token (403 otherwise, before anything is read or written). Pages
are ``templates/{vi,en}/workspace/*.html.j2``, autoescaped, strict about missing names,
in the language ``engine.weblang`` chooses (the ``lang`` cookie of the header's switch,
else the signed-in contact's, else Vietnamese); ``Call.tr`` translates the words the
handlers write into it.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from engine.i18n import _
from engine.messages.types import vndate
from engine.weblang import gettext_in, page_language, switch_url
from engine.workspace.access import Viewer, viewer_of
from engine.workspace.auth import PRE_COOKIE, SESSION_COOKIE, SESSION_LIFETIME, Auth

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.store.db import Store

log = logging.getLogger("nhacviec.workspace")
UTC_ZONE = ZoneInfo("UTC")
Clock = Callable[[], datetime]
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
FORM_LIMIT = 4000  # characters kept of one form field
UPLOAD_LIMIT = 30 * 1024 * 1024  # a scanned plan of 60 pages is well under this


@dataclass
class Call:
    """One request to a signed-in page: who, the form (POST), the CSRF token to embed."""

    request: Request
    viewer: Viewer
    form: dict[str, str]
    csrf: str
    now: datetime
    uploads: dict[str, Upload] = field(default_factory=dict)
    zone: ZoneInfo = UTC_ZONE
    lang: str = "vi"

    def tr(self, message: str) -> str:
        """``message`` (an English msgid) in the page's language."""
        return gettext_in(self.lang)(message)

    @property
    def today(self) -> date:
        """The local day of ``now`` (the app's zone)."""
        return self.now.astimezone(self.zone).date()


@dataclass(frozen=True)
class Upload:
    """A file sent with a form: its name as the browser gave it, and its bytes
    (``None`` when it was larger than ``UPLOAD_LIMIT``)."""

    filename: str
    content: bytes | None


Handler = Callable[["Site", Call], Awaitable[Response]]


def daytime(value: datetime | None, zone: Any) -> str:
    return value.astimezone(zone).strftime("%H:%M %d/%m/%Y") if value else ""


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def iso_day(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


def iso_instant(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%H:%M %d/%m/%Y") if value else ""


class Site:
    """The workspace of one app (see the module docstring)."""

    def __init__(self, store: Store, settings: Settings, clock: Clock) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.zone = settings.time.zone
        secret = settings.secret(settings.web.secret_env)
        self.auth = Auth(secret) if secret else None
        self.secure = settings.web.base_url.startswith("https://")
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(settings.paths.templates),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.env.filters["vndate"] = vndate
        self.env.filters["daytime"] = lambda value: daytime(value, self.zone)
        self.env.filters["isod"] = iso_day
        self.env.filters["isodt"] = iso_instant
        self.env.filters["pct"] = lambda r: (
            "—" if r is None else f"{r * 100:.0f}%".replace(".", ",")
        )

    def render(self, template: str, lang: str = "vi", **context: Any) -> str:
        return self.env.get_template(f"{lang}/workspace/{template}.html.j2").render(context)

    def html(
        self,
        template: str,
        status: int = 200,
        *,
        request: Request | None = None,
        lang: str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """The page in ``lang`` (default: the cookie's language of ``request``, else
        Vietnamese), with the header's switch to the other language."""
        if lang is None:
            lang = page_language(request) if request is not None else "vi"
        context.setdefault("viewer", None)
        context.setdefault("csrf", "")
        context.setdefault("section", "")
        context["switch"] = switch_url(request, lang, shown_at(request)) if request else ""
        page = self.render(template, lang, **context)
        return HTMLResponse(page, status_code=status, headers=HEADERS)

    def cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.secure,
        )

    # -- anonymous pages (sign-in): the pre-session cookie carries their CSRF key ------

    def pre_key(self, request: Request) -> tuple[str, bool]:
        """The pre-session key of this browser, and whether it is new (to be set)."""
        key = request.cookies.get(PRE_COOKIE, "")
        if 20 <= len(key) <= 64:
            return key, False
        return secrets.token_urlsafe(24), True

    def anonymous(self, request: Request, template: str, status: int = 200, **ctx: Any) -> Response:
        """A page for someone not signed in, with the CSRF token of its forms (``lang``
        in ``ctx``: its language, else the cookie's, else Vietnamese)."""
        if self.auth is None:
            return self.html("disabled", status=503, request=request)
        key, new = self.pre_key(request)
        response = self.html(
            template, status=status, request=request, csrf=self.auth.csrf(key), **ctx
        )
        if new:
            self.cookie(response, PRE_COOKIE, key, max_age=3600)
        return response

    # -- signed-in pages ----------------------------------------------------------------

    async def viewer(self, request: Request, now: datetime) -> Viewer | None:
        token = request.cookies.get(SESSION_COOKIE, "")
        if self.auth is None or not token:
            return None
        auth = self.auth

        def load() -> Viewer | None:
            with self.store.session() as session:
                contact = auth.session_contact(session, token, now=now)
                return viewer_of(session, contact) if contact is not None else None

        return await run_in_threadpool(load)

    def page(
        self, handler: Handler, *, uploads: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            now = self.clock()
            viewer = await self.viewer(request, now)
            if viewer is None or self.auth is None:
                return RedirectResponse("/dang-nhap", status_code=303, headers=HEADERS)
            token = request.cookies[SESSION_COOKIE]
            lang = page_language(request, viewer.language)
            form: dict[str, str] = {}
            files: dict[str, Upload] = {}
            if request.method == "POST":
                async with request.form(max_files=int(uploads), max_fields=2000) as data:
                    form = fields(data)
                    files = await read_uploads(data)
                if not self.auth.csrf_ok(token, form.get("csrf")):
                    log.info(_("refused a POST without a valid CSRF token (%s)"), request.url.path)
                    return self.html("csrf", status=403, request=request, lang=lang,
                                     viewer=viewer)  # fmt: skip
            call = Call(request, viewer, form, self.auth.csrf(token), now, files, self.zone, lang)
            return await handler(self, call)

        return endpoint

    def signed_in(self, response: Response, token: str) -> None:
        self.cookie(response, SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()))

    def view(self, call: Call, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        return self.html(template, status=status, request=call.request, lang=call.lang,
                         viewer=call.viewer, csrf=call.csrf, **ctx)  # fmt: skip

    def refused(self, call: Call, status: int = 403) -> HTMLResponse:
        return self.view(call, "refused", status=status)


# Where the page a POST answers with is read with a GET (its language switch goes there).
SHOWN_AT = [
    (re.compile(r"^/nghia-vu/(\d+)/[^/]+$"), r"/nghia-vu/\1"),
    (re.compile(r"^/gia-han/\d+/[^/]+$"), "/gia-han"),
    (re.compile(r"^/ke-hoach/[^/]+/theo-doi-tu$"), "/"),
    (re.compile(r"^/lien-he/\d+/[^/]+$"), "/lien-he"),
]


def shown_at(request: Request) -> str:
    """The address a GET reads this request's page at (a POST's page: its GET twin)."""
    path = request.url.path
    if request.method == "POST":
        for pattern, replacement in SHOWN_AT:
            if pattern.match(path):
                return pattern.sub(replacement, path)
    return path


def fields(data: FormData) -> dict[str, str]:
    """The text fields of a form (uploads are read by the page that takes them)."""
    return {k: v[:FORM_LIMIT] for k, v in data.multi_items() if isinstance(v, str)}


async def read_uploads(data: FormData) -> dict[str, Upload]:
    from starlette.datastructures import UploadFile

    found = {}
    for key, value in data.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read(UPLOAD_LIMIT + 1)
            name = (value.filename or "")[-200:]
            found[key] = Upload(name, content if len(content) <= UPLOAD_LIMIT else None)
    return found
