"""The sign-in pages: ``/dang-nhap`` (ask for a link), ``/dang-nhap/{token}`` (use it),
``/dang-xuat`` (sign out). The rules are in ``engine.workspace.auth``.

The link goes out by email at once, through the email channel that delivery uses
(``engine.channels``: the ``[email]`` SMTP server, or the outbox folder when there is
none), not through the minute-by-minute outbox: a person is waiting for it, and a
sign-in link must not sit in the database where the outbox keeps what it sends.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from engine.errors import Limited, LinkError
from engine.i18n import _
from engine.workspace.auth import (
    LINK_LIFETIME,
    PRE_COOKIE,
    SESSION_COOKIE,
    LinkRequest,
    normalise_email,
)
from engine.workspace.web import HEADERS, Site, fields

if TYPE_CHECKING:
    from datetime import datetime

    from notifiers.base import Message

log = logging.getLogger("nhacviec.workspace")


async def form_page(site: Site, request: Request) -> Response:
    if await site.viewer(request, site.clock()) is not None:
        return RedirectResponse("/", status_code=303, headers=HEADERS)
    return site.anonymous(request, "signin", state="form", email="", error=None)


async def request_link(site: Site, request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10) as data:
        form = fields(data)
    if site.auth is None:
        return site.html("disabled", status=503)
    key = request.cookies.get(PRE_COOKIE)
    if not site.auth.csrf_ok(key, form.get("csrf")):
        log.info(_("refused a sign-in request without a valid CSRF token"))
        return site.anonymous(request, "csrf", status=403)
    typed = form.get("email", "")[:320]
    email = normalise_email(typed)
    if email is None:
        return site.anonymous(
            request, "signin", status=400, state="form", email=typed, error="bad_email"
        )
    now = site.clock()
    client = request.client.host if request.client else "?"
    auth = site.auth

    def record() -> LinkRequest:
        with site.store.session() as session:
            return auth.request_link(session, email, client, now=now)

    try:
        asked = await run_in_threadpool(record)
    except Limited:
        log.info(_("sign-in requests over the limit (address or client)"))
        return site.anonymous(
            request, "signin", status=429, state="limited", email=typed, error=None
        )
    via = "telegram" if form.get("via") == "telegram" else "email"
    if asked.contact is not None and asked.token is not None:
        sent = await send_link(site, email, asked, now, via)
        if not sent:
            return site.anonymous(
                request, "signin", status=503, state="not_sent", email=typed, error=None
            )
    else:
        log.info(_("sign-in requested for an address no active contact has"))
    return site.anonymous(request, "signin", state="sent", email=email, error=None, via=via)


async def send_link(
    site: Site, email: str, asked: LinkRequest, now: datetime, via: str = "email"
) -> bool:
    """Send the link by email, or to the contact's linked Telegram chat (by the bot);
    False when it could not be sent. A contact without a linked chat gets nothing, and
    the page says the same as for an unknown address."""
    import html as markup

    from notifiers.base import Message

    assert asked.contact is not None and asked.token is not None
    contact = asked.contact
    url = f"{site.settings.web.base_url.rstrip('/')}/dang-nhap/{asked.token}"
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    key = f"signin:{contact.id}:{int(now.timestamp())}"
    if via == "telegram":
        chat = contact.addresses.get("telegram")
        if chat is None:
            log.info(_("sign-in by Telegram asked for contact %s, who has no chat"), contact.id)
            return True
        text = (
            f"Liên kết đăng nhập Nhắc việc cho {markup.escape(contact.name)} "
            f"(dùng được một lần, trong {minutes} phút):\n{markup.escape(url)}"
        )
        return await _send(site, Message(
            key=key, channel="telegram", to=chat, subject="Đăng nhập",
            text=text, to_name=contact.name, language="vi",
        ))  # fmt: skip
    context = {"contact": contact, "url": url, "minutes": minutes}
    text = site.env.get_template("vi/workspace/signin_email.txt.j2").render(context)
    html = site.render("signin_email", **context)
    message = Message(
        key=key, channel="email", to=email, subject="Liên kết đăng nhập Nhắc việc", text=text,
        html=html, to_name=contact.name, language="vi",
    )  # fmt: skip
    return await _send(site, message)


async def _send(site: Site, message: Message) -> bool:
    from engine.channels import Channels
    from notifiers.base import DeliveryError

    channels = Channels(site.settings)
    try:
        notifier = await channels.get(message.channel)
        if isinstance(notifier, str):
            log.warning(_("cannot send a sign-in link: %s"), notifier)
            return False
        await notifier.send(message)
    except DeliveryError as exc:
        log.warning(_("cannot send a sign-in link: %s"), exc.message)
        return False
    finally:
        await channels.aclose()
    log.info(_("sign-in link sent (%s)"), message.channel)
    return True


async def link_page(site: Site, request: Request) -> Response:
    """The link opened: a button that signs in (the GET uses nothing up)."""
    if site.auth is None:
        return site.html("disabled", status=503)
    token, now, auth = request.path_params["token"], site.clock(), site.auth

    def check() -> str:
        with site.store.session() as session:
            return auth.check_link(session, token, now=now).name

    try:
        name = await run_in_threadpool(check)
    except LinkError as refused:
        return refused_link(site, request, refused)
    return site.anonymous(request, "signin_link", reason=None, name=name, action=request.url.path)


async def use_link(site: Site, request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10) as data:
        form = fields(data)
    if site.auth is None:
        return site.html("disabled", status=503)
    if not site.auth.csrf_ok(request.cookies.get(PRE_COOKIE), form.get("csrf")):
        log.info(_("refused a sign-in without a valid CSRF token"))
        return site.anonymous(request, "csrf", status=403)
    token, now, auth = request.path_params["token"], site.clock(), site.auth

    def redeem() -> str:
        with site.store.session() as session:
            contact, session_token = auth.redeem(session, token, now=now)
            log.info(_("contact %s signed in"), contact.id)
            return session_token

    try:
        session_token = await run_in_threadpool(redeem)
    except LinkError as refused:
        return refused_link(site, request, refused)
    response = RedirectResponse("/", status_code=303, headers=HEADERS)
    site.signed_in(response, session_token)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


async def sign_out(site: Site, request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10) as data:
        form = fields(data)
    token = request.cookies.get(SESSION_COOKIE, "")
    if site.auth is None or not site.auth.csrf_ok(token, form.get("csrf")):
        return site.anonymous(request, "csrf", status=403)
    now, auth = site.clock(), site.auth

    def end() -> None:
        with site.store.session() as session:
            auth.end_session(session, token, now=now)

    await run_in_threadpool(end)
    response = RedirectResponse("/dang-nhap", status_code=303, headers=HEADERS)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=site.secure
    )
    return response


def refused_link(site: Site, request: Request, refused: LinkError) -> Response:
    status = 400 if refused.reason == "malformed" else 403
    return site.anonymous(
        request, "signin_link", status=status, reason=refused.reason, name="", action=""
    )


async def style_sheet(site: Site, request: Request) -> Response:
    """The pages' CSS (a file, so that a strict Content-Security-Policy can allow it)."""
    path = site.settings.paths.templates / "vi" / "workspace" / "nhacviec.css"
    text = await run_in_threadpool(path.read_text, "utf-8")
    return Response(
        text,
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )
