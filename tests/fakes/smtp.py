"""A real SMTP server on loopback (aiosmtpd) that records what it receives.

``SmtpServer`` runs aiosmtpd's ``Controller`` on 127.0.0.1 and a free port, in its own
thread. It can be told to refuse recipients (``refuse``: an address → a reply such as
``"550 5.1.1 mailbox unknown"``, or ``"*"`` for everyone), to refuse messages at DATA
(``data_reply``), to hold DATA until released (``hold``), to require a login
(``credentials``), and it can be stopped and started again on the same port
(``stop``/``start``), as a real server goes down and comes back.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: tuple[str, int]
    authenticated: bool = False

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class RecordingHandler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}
        self.data_reply: str | None = None
        self.hold: threading.Event | None = None
        self.holding = threading.Event()
        self.changed = threading.Condition()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = self.refuse.get(address) or self.refuse.get("*")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold is not None:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait)
        if self.data_reply:
            return self.data_reply
        with self.changed:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    bytes(envelope.content),
                    tuple(session.peer),
                    bool(session.authenticated),
                )
            )
            self.changed.notify_all()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SmtpServer:
    """See the module docstring."""

    host = "127.0.0.1"

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.handler = RecordingHandler()
        self.credentials = credentials
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        with self.handler.changed:
            return list(self.handler.received)

    @property
    def refuse(self) -> dict[str, str]:
        return self.handler.refuse

    def start(self) -> None:
        options: dict[str, Any] = {}
        if self.credentials is not None:  # AUTH over plain text: loopback tests only
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(self.handler, hostname=self.host, port=self.port, **options)
        self._controller.start()

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        given = (data.login.decode(), data.password.decode())
        return AuthResult(success=given == self.credentials, handled=False)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Wait until ``count`` messages have arrived (a condition, not a sleep)."""
        with self.handler.changed:
            arrived = self.handler.changed.wait_for(
                lambda: len(self.handler.received) >= count, timeout
            )
            assert arrived, f"{len(self.handler.received)} of {count} messages arrived"
            return list(self.handler.received)
