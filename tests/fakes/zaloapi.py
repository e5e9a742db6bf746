"""A local HTTP server that speaks the Zalo OA API v3 and OAuth v4, for tests.

The notifier talks to it over real HTTP (httpx, ``[zalo] api_url`` and ``oauth_url``
pointing here), so request encoding, headers and reply parsing are exercised for real.
It implements what nhacviec uses, with the shapes Zalo documents (see
``notifiers.zalo``):

- ``POST /v3.0/oa/message/cs`` (header ``access_token``, JSON body): ``{"error": 0,
  "message": "Success", "data": {"message_id": …}}``; an unknown token answers -216
  "Access token is invalid", an expired one -220 "access_token is expired or removed",
  a user who is not a follower -213, a text over 2000 characters -210; always HTTP 200,
  as Zalo does;
- ``POST /v4/oa/access_token`` (header ``secret_key``, form ``app_id``,
  ``refresh_token``, ``grant_type=refresh_token``): a new access token and a new
  refresh token with ``expires_in`` "90000"; the refresh token used is dead from then
  on (single use). A wrong key or a dead refresh token answers ``{"error": …,
  "error_name": …, "error_description": …}`` (the shape integrations report; the exact
  codes are the fake's own).

Test hooks: ``messages`` (what followers received, in order), ``requests`` (every call,
failed ones too, with the access token used), ``fail(user_id, code, message, times=…)``
scripts errors, ``expire_tokens()`` makes every access token issued so far expired,
``on_send`` is called (in the server thread) with each message request before it is
accepted, ``issue(refresh_token)`` sets the valid refresh token, ``signed_event`` builds
a webhook POST Zalo would send.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from notifiers.zalo.webhook import signature
from tests.fakes.http import FakeServer, LocalHttpFake

APP_ID = "1234567890123456789"
SECRET_KEY = "app-secret-key-not-a-secret"
OA_SECRET_KEY = "oa-secret-key-not-a-secret"
FIRST_REFRESH = "refresh-0-not-a-secret"
LIFETIME = 90000  # seconds, as Zalo's expires_in
MAX_TEXT = 2000


@dataclass(frozen=True)
class Request:
    """One call as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    answer: dict[str, Any]

    @property
    def error(self) -> int:
        return int(self.answer.get("error", 0) or 0)


@dataclass(frozen=True)
class Received:
    """A message a follower received."""

    user_id: str
    message_id: str
    text: str
    buttons: list[dict[str, Any]]
    access_token: str


@dataclass
class _Token:
    expires_at: float
    expired: bool = False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: FakeServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, answer, extra = self.server.fake.handle(urlsplit(self.path).path, headers, raw)
        data = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read ``requests``


class FakeZaloApi(LocalHttpFake):
    """The server; use as a context manager (``with FakeZaloApi() as zalo:``)."""

    handler = _Handler

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        followers: set[str] | None = None,
        refresh_token: str = FIRST_REFRESH,
    ) -> None:
        self.clock = clock
        self.followers = followers if followers is not None else set()
        self.messages: list[Received] = []
        self.requests: list[Request] = []
        self.on_send: Callable[[Request], None] | None = None
        self._refresh_token = refresh_token
        self._tokens: dict[str, _Token] = {}
        self._failures: dict[str, deque[tuple[int, str]]] = {}
        self._http_failures: deque[tuple[int, dict[str, str]]] = deque()
        self._serials = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """What ``[zalo] api_url`` and ``oauth_url`` take: the server's root."""
        return self.root

    # ----------------------------------------------------------------- test hooks

    def issue(self, refresh_token: str) -> None:
        """Make ``refresh_token`` the one valid refresh token (as an authorisation does)."""
        with self._lock:
            self._refresh_token = refresh_token

    @property
    def refresh_token(self) -> str:
        """The refresh token the server would accept now."""
        with self._lock:
            return self._refresh_token

    def expire_tokens(self) -> None:
        """Every access token issued so far is expired from now on (-220)."""
        with self._lock:
            for token in self._tokens.values():
                token.expired = True

    def fail(self, user_id: str, code: int, message: str, *, times: int = 1) -> None:
        """Answer the next ``times`` messages to ``user_id`` with error ``code``."""
        with self._lock:
            self._failures.setdefault(user_id, deque()).extend([(code, message)] * times)

    def fail_http(self, status: int, *, headers: dict[str, str] | None = None) -> None:
        """Answer the next message request with HTTP ``status`` (a proxy or Zalo down)."""
        with self._lock:
            self._http_failures.append((status, headers or {}))

    def refreshes(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/access_token")]

    def sends(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/message/cs")]

    def received(self, user_id: str | None = None) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if user_id in (None, m.user_id)]

    def signed_event(
        self,
        user_id: str,
        text: str,
        *,
        at: float | None = None,
        msg_id: str | None = None,
        key: str = OA_SECRET_KEY,
        app_id: str = APP_ID,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of the ``user_send_text`` event Zalo would POST."""
        timestamp = str(int((self.clock() if at is None else at) * 1000))
        event = {
            "app_id": app_id,
            "user_id_by_app": f"app-{user_id}",
            "event_name": "user_send_text",
            "sender": {"id": user_id},
            "recipient": {"id": "oa-42"},
            "message": {"msg_id": msg_id or f"msg-{next(self._serials)}", "text": text},
            "timestamp": timestamp,
        }
        body = json.dumps(event, ensure_ascii=False).encode()
        mac = signature(app_id, body, timestamp, key)
        return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}

    # ----------------------------------------------------------------- the API

    def handle(
        self, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """The HTTP status, JSON answer and extra headers for one request."""
        if path == "/v4/oa/access_token":
            body = dict(parse_qsl(raw.decode()))
            with self._lock:
                answer = self._refresh(headers, body)
                self.requests.append(Request(path, headers, body, answer))
            return 200, answer, {}
        if path == "/v3.0/oa/message/cs":
            try:
                body = json.loads(raw)
            except ValueError:
                return 400, {"error": -201, "message": "body is invalid!"}, {}
            request = Request(path, headers, body, {})
            if self.on_send is not None:
                self.on_send(request)
            with self._lock:
                if self._http_failures:
                    status, extra = self._http_failures.popleft()
                    self.requests.append(Request(path, headers, body, {"http": status}))
                    return status, {"message": "scripted HTTP failure"}, extra
                answer = self._send(headers.get("access_token", ""), body)
                self.requests.append(Request(path, headers, body, answer))
            return 200, answer, {}
        return 404, {"error": -209, "message": "Not supported this api"}, {}

    def _refresh(self, headers: dict[str, str], body: dict[str, str]) -> dict[str, Any]:
        if headers.get("secret_key") != SECRET_KEY or body.get("app_id") != APP_ID:
            return {"error": -14002, "error_name": "Invalid app", "error_description": "wrong"}
        if body.get("grant_type") != "refresh_token":
            return {"error": -14003, "error_name": "Invalid grant_type"}
        if not body.get("refresh_token") or body["refresh_token"] != self._refresh_token:
            return {
                "error": -14014,
                "error_name": "Invalid refresh token",
                "error_description": "refresh token is invalid or was used",
            }
        serial = next(self._serials)
        access = f"access-{serial}-not-a-secret"
        self._refresh_token = f"refresh-{serial}-not-a-secret"
        self._tokens[access] = _Token(self.clock() + LIFETIME)
        return {
            "access_token": access,
            "refresh_token": self._refresh_token,
            "expires_in": str(LIFETIME),
        }

    def _send(self, access_token: str, body: dict[str, Any]) -> dict[str, Any]:
        token = self._tokens.get(access_token)
        if token is None:
            return {"error": -216, "message": "Access token is invalid"}
        if token.expired or token.expires_at <= self.clock():
            return {"error": -220, "message": "access_token is expired or removed"}
        user_id = str((body.get("recipient") or {}).get("user_id") or "")
        failures = self._failures.get(user_id)
        if failures:
            code, message = failures.popleft()
            return {"error": code, "message": message}
        if not user_id.isdigit():
            return {"error": -201, "message": "user_id is invalid!"}
        if user_id not in self.followers:
            return {"error": -213, "message": "User has not followed OA"}
        message = body.get("message") or {}
        text = message.get("text")
        if not isinstance(text, str) or not text.strip():
            return {"error": -201, "message": "text is invalid!"}
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            return {"error": -210, "message": "Parameter exceeds allowable limit"}
        buttons = ((message.get("attachment") or {}).get("payload") or {}).get("buttons") or []
        message_id = f"mid-{next(self._serials)}"
        self.messages.append(Received(user_id, message_id, text, list(buttons), access_token))
        return {"error": 0, "message": "Success", "data": {"message_id": message_id}}
