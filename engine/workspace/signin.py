"""The sign-in pages: ``/dang-nhap`` (ask for a link), ``/dang-nhap/{token}`` (use it),
``/dang-xuat`` (sign out). The rules are in ``engine.workspace.auth``.

The link goes out by email at once, through the email channel that delivery uses
(``engine.channels``: the ``[email]`` SMTP server, or the outbox folder when there is
none), not through the minute-by-minute outbox: a person is waiting for it, and a
sign-in link must not sit in the database where the outbox keeps what it sends.

The form also offers each configured chat channel the registry marks ``linked``
(Telegram's bot, Zalo's OA: "Gửi qua Telegram", "Gửi qua Zalo"): the link then goes to
the chat the contact with that email address has linked. The mail channel is the
registry's ``mail_channels()``; ``via`` (the button pressed) is one of these names.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from engine.errors import Limited, LinkError
from engine.i18n import LANGUAGES, _
from engine.weblang import gettext_in, page_language
from engine.workspace.auth import (
    LINK_LIFETIME,
    PRE_COOKIE,
    SESSION_COOKIE,
    LinkRequest,
    normalise_email,
)
from engine.workspace.web import HEADERS, Site, fields
from notifiers.registry import CHANNELS, mail_channels

if TYPE_CHECKING:
    from datetime import datetime

    from notifiers.base import Message

log = logging.getLogger("nhacviec.workspace")


def mail_channel() -> str:
    """The channel a sign-in link goes by unless a chat is asked for (email)."""
    return mail_channels()[0]


def chat_channels(site: Site) -> tuple[str, ...]:
    """The linked chat channels the settings configure: a link can be sent to a chat on
    them (in the registry's order)."""
    return tuple(
        name
        for name, known in CHANNELS.items()
        if known.linked and getattr(site.settings, known.section, None) is not None
    )


def signin_page(site: Site, request: Request, status: int = 200, **context: object) -> Response:
    """The sign-in page, with the channels its buttons offer."""
    return site.anonymous(
        request, "signin", status, mail=mail_channel(), chats=chat_channels(site), **context
    )


async def form_page(site: Site, request: Request) -> Response:
    if await site.viewer(request, site.clock()) is not None:
        return RedirectResponse("/", status_code=303, headers=HEADERS)
    return signin_page(site, request, state="form", email="", error=None)


async def request_link(site: Site, request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10) as data:
        form = fields(data)
    if site.auth is None:
        return site.html("disabled", status=503, request=request)
    key = request.cookies.get(PRE_COOKIE)
    if not site.auth.csrf_ok(key, form.get("csrf")):
        log.info(_("refused a sign-in request without a valid CSRF token"))
        return site.anonymous(request, "csrf", status=403)
    typed = form.get("address", "")[:320]  # the contact's email address, however it goes
    email = normalise_email(typed)
    if email is None:
        return signin_page(site, request, 400, state="form", email=typed, error="bad_email")
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
        return signin_page(site, request, 429, state="limited", email=typed, error=None)
    asked_via = form.get("via")
    via = asked_via if asked_via in chat_channels(site) else mail_channel()
    if asked.contact is not None and asked.token is not None:
        sent = await send_link(site, email, asked, now, via)
        if not sent:
            return signin_page(site, request, 503, state="not_sent", email=typed, error=None)
    else:
        log.info(_("sign-in requested for an address no active contact has"))
    return signin_page(site, request, state="sent", email=email, error=None, via=via)


async def send_link(
    site: Site, email: str, asked: LinkRequest, now: datetime, via: str | None = None
) -> bool:
    """Send the link by email (``via`` the mail channel, the default), or to the chat the
    contact linked on ``via`` (a linked chat channel: Telegram's bot, Zalo's OA); False
    when it could not be sent. A contact without a linked chat there gets nothing, and
    the page says the same as for an unknown address. It is in the contact's language."""
    import html as markup

    from notifiers.base import Message

    assert asked.contact is not None and asked.token is not None
    contact = asked.contact
    url = f"{site.settings.web.base_url.rstrip('/')}/dang-nhap/{asked.token}"
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    key = f"signin:{contact.id}:{int(now.timestamp())}"
    via = via or mail_channel()
    lang = contact.language if contact.language in LANGUAGES else "vi"
    tr = gettext_in(lang)
    if CHANNELS[via].chat:
        chat = contact.addresses.get(via)
        if chat is None:
            log.info(_("sign-in by %s asked for contact %s, who has no chat"), via, contact.id)
            return True
        escape = markup.escape if CHANNELS[via].load_class().html_text else str
        text = tr(
            "nhacviec sign-in link for {name} (single use, within {minutes} minutes):\n{url}"
        ).format(name=escape(contact.name), minutes=minutes, url=escape(url))
        return await _send(site, Message(
            key=key, channel=via, to=chat, subject=tr("Sign-in"),
            text=text, to_name=contact.name, language=lang,
        ))  # fmt: skip
    context = {"contact": contact, "url": url, "minutes": minutes}
    text = site.env.get_template(f"{lang}/workspace/signin_email.txt.j2").render(context)
    html = site.render("signin_email", lang, **context)
    message = Message(
        key=key, channel=via, to=email, subject=tr("nhacviec sign-in link"), text=text,
        html=html, to_name=contact.name, language=lang,
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
    """The link opened: a button that signs in (the GET uses nothing up), in the
    language of the contact it signs in unless the switch chose one."""
    if site.auth is None:
        return site.html("disabled", status=503, request=request)
    token, now, auth = request.path_params["token"], site.clock(), site.auth

    def check() -> tuple[str, str]:
        with site.store.session() as session:
            contact = auth.check_link(session, token, now=now)
            return contact.name, contact.language

    try:
        name, language = await run_in_threadpool(check)
    except LinkError as refused:
        return refused_link(site, request, refused)
    return site.anonymous(request, "signin_link", reason=None, name=name, action=request.url.path,
                          lang=page_language(request, language))  # fmt: skip


async def use_link(site: Site, request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10) as data:
        form = fields(data)
    if site.auth is None:
        return site.html("disabled", status=503, request=request)
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
