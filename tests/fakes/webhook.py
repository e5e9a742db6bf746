"""A local HTTP server that receives webhook deliveries, as an e-office system would.

The webhook notifier posts to it over real HTTP (httpx, a real socket). It checks each
delivery as the README tells a receiver to: the signature and timestamp with
``notifiers.webhook.verify`` (against ``clock``, which a test shares with the notifier),
then the ``Idempotency-Key`` against the keys it has already accepted. A delivery that
fails the check is answered ``401`` with ``{"error": "invalid signature"}``; a duplicate
``200`` with the id of the first and ``"duplicate": true``; anything else ``200``
with ``{"id": "d<n>"}``, unless the test scripted another answer.

Test hooks:

- ``deliveries`` records every request (path, headers, raw body, whether it verified,
  whether its key was a duplicate, the answer's status, the client's port);
- ``answer(status, times=…, headers=…, body=…)`` scripts the next answers to genuine
  deliveries (``times=None``: every one from now on);
- ``hold(times=…)`` keeps the next answers back until ``release()`` (or ``stop``): a
  receiver slower than the notifier's timeout, without any test sleeping.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from notifiers.webhook import verify
from tests.fakes.http import FakeServer, LocalHttpFake

SECRET = "test-webhook-secret-0123456789"  # not a real one
NOW = 1_780_000_000.0  # 2026-05-28T20:26:40Z: the wall clock tests share


@dataclass(frozen=True)
class Delivery:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    verified: bool
    duplicate: bool
    status: int
    client_port: int

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: FakeServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer, held = self.server.fake.receive(self.path, headers, body, self.client_address)
        if held is not None:
            held.wait(timeout=30)
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the notifier gave up waiting (a timeout): nothing to answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read ``deliveries`` instead


_ACCEPTED = Answer(200)  # unscripted: answered with the id it is given


def _json(data: dict[str, Any]) -> Answer:
    body = json.dumps(data).encode()
    return Answer(200, body, {"Content-Type": "application/json"})


class FakeReceiver(LocalHttpFake):
    """The server; use as a context manager (``with FakeReceiver() as receiver:``)."""

    handler = _Handler

    def __init__(
        self,
        *,
        secret: str = SECRET,
        clock: Callable[[], float] = lambda: NOW,
        tolerance: float = 300,
    ) -> None:
        self.secret = secret
        self.clock = clock
        self.tolerance = tolerance
        self.deliveries: list[Delivery] = []
        self._accepted: dict[str, str] = {}  # idempotency key -> the id given to it
        self._script: deque[Answer] = deque()
        self._forever: Answer | None = None
        self._holds = 0
        self._released = threading.Event()
        self._lock = threading.Lock()

    def closing(self) -> None:
        self.release()

    def url(self, path: str = "/hook") -> str:
        return f"{self.root}{path}"

    # ----------------------------------------------------------------- test hooks

    def answer(
        self,
        status: int,
        *,
        times: int | None = 1,
        headers: dict[str, str] | None = None,
        body: bytes | dict[str, Any] = b"",
    ) -> None:
        """Answer the next ``times`` genuine deliveries with ``status`` (None: all)."""
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        answer = Answer(status, raw, dict(headers or {}))
        with self._lock:
            if times is None:
                self._forever = answer
            else:
                self._script.extend([answer] * times)

    def hold(self, times: int = 1) -> None:
        """Keep the next ``times`` answers back until ``release()``."""
        with self._lock:
            self._holds += times
            self._released.clear()

    def release(self) -> None:
        self._released.set()

    def accepted(self) -> list[Delivery]:
        """The deliveries answered 2xx that were not duplicates, in order."""
        with self._lock:
            return [d for d in self.deliveries if 200 <= d.status < 300 and not d.duplicate]

    # ----------------------------------------------------------------- receiving

    def receive(
        self, path: str, headers: dict[str, str], body: bytes, client: tuple[Any, ...]
    ) -> tuple[Answer, threading.Event | None]:
        genuine = verify(
            self.secret,
            headers.get("x-nhacviec-timestamp"),
            body,
            headers.get("x-nhacviec-signature"),
            now=self.clock(),
            tolerance=self.tolerance,
        )
        key = headers.get("idempotency-key", "")
        with self._lock:
            duplicate = genuine and key in self._accepted
            answer = self._answer(genuine, duplicate, key)
            if genuine and not duplicate and 200 <= answer.status < 300:
                self._accepted[key] = f"d{len(self._accepted) + 1}"
                if answer is _ACCEPTED:
                    answer = _json({"id": self._accepted[key]})
            held = None
            if self._holds:
                self._holds -= 1
                held = self._released
            self.deliveries.append(
                Delivery(path, headers, body, genuine, duplicate, answer.status, int(client[1]))
            )
        return answer, held

    def _answer(self, genuine: bool, duplicate: bool, key: str) -> Answer:
        if not genuine:
            return Answer(401, b'{"error": "invalid signature"}')
        if duplicate:
            return _json({"id": self._accepted[key], "duplicate": True})
        if self._script:
            return self._script.popleft()
        if self._forever is not None:
            return self._forever
        return _ACCEPTED
