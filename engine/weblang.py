"""The language of a web page: Vietnamese unless the reader asked for English.

First to last:

1. the ``lang`` cookie, set by the switch in every page's header or footer ("English"
   on a Vietnamese page, "Tiếng Việt" on an English one): a GET with ``?lang=en`` (or
   ``vi``) sets it and sends the browser back to the same address without the parameter
   (``LanguageSwitch``, ASGI middleware around the whole app);
2. the contact the page is for: the signed-in contact on the workspace's pages, the
   recipient of the email link on the one-button pages (``Contact.language``);
3. Vietnamese.

Never the browser's ``Accept-Language``: the users are Vietnamese civil servants whose
browsers often say English; Vietnamese comes first. The words written in the Python
source are English msgids (``engine.i18n``), translated for each request by
``gettext_in(lang)``; ``python -m engine.locale`` extracts them from ``tr("…")`` calls
as from ``_("…")``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.i18n import DEFAULT, LANGUAGES, catalogue

COOKIE = "lang"
PARAM = "lang"
COOKIE_LIFETIME = 365 * 24 * 3600  # a preference, kept a year


def gettext_in(lang: str) -> Callable[[str], str]:
    """``gettext`` of ``lang``'s catalogue (English: the msgid itself)."""
    return catalogue(lang if lang in LANGUAGES else DEFAULT).gettext


def chosen(request: HTTPConnection) -> str | None:
    """The language the ``lang`` cookie asks for, or None."""
    value = request.cookies.get(COOKIE)
    return value if value in LANGUAGES else None


def page_language(request: HTTPConnection, contact_language: str | None = None) -> str:
    """The cookie's language, else the contact's, else Vietnamese."""
    found = chosen(request)
    if found is not None:
        return found
    return contact_language if contact_language in LANGUAGES else DEFAULT


def switch_url(request: HTTPConnection, lang: str, path: str | None = None) -> str:
    """The address of this page in the other language: ``?lang=en`` added to its path
    and query (the page itself is shown again once the cookie is set). ``path``: where
    the page is read with a GET, when this request was a POST to another address (its
    query is then dropped)."""
    other = "vi" if lang == "en" else "en"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != PARAM]
    if path is not None and path != request.url.path:
        query = []
    return f"{path or request.url.path}?{urlencode([*query, (PARAM, other)])}"


class LanguageSwitch:
    """A GET (or HEAD) with ``?lang=vi|en`` sets the cookie and redirects (303) to the
    same address without the parameter; every other request goes through unchanged."""

    def __init__(self, app: ASGIApp, *, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        lang = request.query_params.get(PARAM)
        if lang not in LANGUAGES:
            await self.app(scope, receive, send)
            return
        query = [(k, v) for k, v in request.query_params.multi_items() if k != PARAM]
        target = URL(path=request.url.path, query=urlencode(query))
        response = RedirectResponse(str(target), status_code=303)
        response.headers["Cache-Control"] = "no-store"
        # Lax, not Strict: the cookie must come along when a reminder's link is opened
        # from a mail program (a navigation from another site).
        response.set_cookie(COOKIE, lang, max_age=COOKIE_LIFETIME, path="/", httponly=True,
                            samesite="lax", secure=self.secure)  # fmt: skip
        await response(scope, receive, send)
