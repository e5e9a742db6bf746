"""Security headers on every response of the web part (``engine.web``), as ASGI middleware.

The pages are plain HTML, styled inline or by the workspace's own stylesheet, with forms
that post to themselves: no script, no frame, nothing from elsewhere. The policy says
exactly that, so an injected ``<script>`` would not run, and no other site may frame the
one-button pages
(clickjacking: ``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for browsers
that predate it). ``nosniff`` keeps a browser from reading a response as another type;
``no-referrer`` keeps the tokens in the paths from leaking to any link followed.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "form-action 'self'",
        "connect-src 'self'",  # no script of ours runs; a browser's own tools may post here
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response (a page may not remove them;
    a header the page set itself, ``Referrer-Policy`` say, is replaced)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
