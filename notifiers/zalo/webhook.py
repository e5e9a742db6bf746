"""What Zalo POSTs to the OA's webhook: checking its signature, reading a follower's text.

Zalo signs each event with the OA secret key: the header ``X-ZEvent-Signature`` is
``mac=<hex>``, the SHA-256 of ``app_id + body + timestamp + oa_secret_key``, where
``body`` is the raw request body and ``timestamp`` the event's ``timestamp`` field
(milliseconds since the epoch, as text). ``verify`` recomputes it and compares in
constant time, checks that the event is for our app, and refuses a timestamp more than
``max_age`` seconds away from now (a replayed event); ``Deduplicator`` drops an event
seen before inside that window (Zalo retries an event it got no 200 for).

A follower's text arrives as ``{"event_name": "user_send_text", "sender": {"id": …},
"message": {"msg_id": …, "text": …}, …}``; a button of type ``oa.query.*`` makes the
follower send its payload the same way. ``webhook_app(on_text, …)`` is the Starlette
endpoint: it verifies, hands ``(user_id, text)`` to ``on_text`` and, when that returns a
reply (a text or an ``Answer`` with buttons), sends it to the follower after answering
200 (Zalo wants the answer within two seconds). Other events are answered 200 and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.i18n import _
from notifiers.base import Answer

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-ZEvent-Signature"
OnText = Callable[[str, str], "str | Answer | Awaitable[str | Answer | None] | None"]
SendReply = Callable[[str, Answer], Awaitable[object]]


class WebhookRefused(Exception):
    """The request is not a genuine, fresh Zalo event; ``status`` is the HTTP answer."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class TextEvent:
    """A follower wrote to the OA."""

    user_id: str
    text: str
    msg_id: str


def signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The hex MAC Zalo puts after ``mac=`` in ``X-ZEvent-Signature``."""
    data = app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()
    return hashlib.sha256(data).hexdigest()


def verify(
    header: str | None,
    body: bytes,
    *,
    app_id: str,
    oa_secret_key: str,
    now: float,
    max_age: float = 900.0,
) -> dict[str, Any]:
    """The event in ``body`` if ``header`` signs it and it is fresh; else ``WebhookRefused``."""
    try:
        event = json.loads(body)
    except ValueError:
        raise WebhookRefused("the body is not JSON", 400) from None
    if not isinstance(event, dict):
        raise WebhookRefused("the body is not a JSON object", 400)
    timestamp = str(event.get("timestamp") or "")
    given = (header or "").strip()
    given = given[4:].strip() if given.lower().startswith("mac=") else given
    expected = signature(app_id, body, timestamp, oa_secret_key)
    if not given or not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise WebhookRefused("bad signature")
    if not hmac.compare_digest(str(event.get("app_id") or "").encode(), app_id.encode()):
        raise WebhookRefused("an event for another app")
    try:
        sent_at = int(timestamp) / 1000
    except ValueError:
        raise WebhookRefused("no timestamp") from None
    if abs(now - sent_at) > max_age:
        raise WebhookRefused("a stale timestamp (replayed?)")
    return event


def text_event(event: dict[str, Any]) -> TextEvent | None:
    """The follower's text of a ``user_send_text`` event (None for any other event)."""
    if event.get("event_name") != "user_send_text":
        return None
    sender, message = event.get("sender"), event.get("message")
    if not isinstance(sender, dict) or not isinstance(message, dict):
        return None
    user_id, text = sender.get("id"), message.get("text")
    if not isinstance(user_id, str | int) or not isinstance(text, str):
        return None
    return TextEvent(str(user_id), text, str(message.get("msg_id") or ""))


class Deduplicator:
    """The message ids seen lately (a bounded memory: the replay window's worth)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, msg_id: str) -> bool:
        if not msg_id:
            return True
        if msg_id in self._seen:
            return False
        self._seen[msg_id] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


def webhook_app(
    on_text: OnText,
    *,
    app_id: str,
    oa_secret_key: str,
    send_reply: SendReply | None = None,
    clock: Callable[[], float] = time.time,
    max_age: float = 900.0,
    path: str = "/",
) -> Starlette:
    """A Starlette app answering Zalo's POSTs at ``path`` (see the module docstring).

    ``on_text(user_id, text)`` (plain or async) returns the reply to send (a text, or an
    ``Answer`` with buttons), or None; ``send_reply(user_id, answer)`` sends it (a
    ``ZaloNotifier``'s ``reply``). Answers: 200 for a genuine event, 400 for a body
    that is not JSON, 401 for a bad signature, another app or a stale timestamp.
    """
    seen = Deduplicator()

    async def receive(request: Request) -> Response:
        body = await request.body()
        try:
            event = verify(
                request.headers.get(SIGNATURE_HEADER),
                body,
                app_id=app_id,
                oa_secret_key=oa_secret_key,
                now=clock(),
                max_age=max_age,
            )
        except WebhookRefused as refused:
            log.warning(_("Zalo webhook refused a request: %s"), refused.reason)
            return JSONResponse({"error": refused.reason}, status_code=refused.status)
        text = text_event(event)
        if text is None or not seen.first_time(text.msg_id):
            return JSONResponse({"ok": True})
        reply = on_text(text.user_id, text.text)
        if inspect.isawaitable(reply):
            reply = await reply
        task = None
        if isinstance(reply, str):
            reply = Answer(reply)
        if reply and reply.text and send_reply is not None:
            task = BackgroundTask(_reply, send_reply, text.user_id, reply)
        return JSONResponse({"ok": True}, background=task)

    return Starlette(routes=[Route(path, receive, methods=["POST"])])


async def _reply(send_reply: SendReply, user_id: str, answer: Answer) -> None:
    try:
        await send_reply(user_id, answer)
    except Exception as error:  # the event was handled; only the answer is lost
        log.warning(_("the reply to Zalo follower %s failed: %s"), user_id, error)
