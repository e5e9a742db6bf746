"""Email through an SMTP server (aiosmtplib), and the RFC 5322 bytes of a message.

``mime_bytes(message, sender)`` turns a ``Message`` into the exact bytes that go over
SMTP (and into the local outbox's .eml files): multipart/alternative text and HTML, UTF-8
in base64, RFC 2047 headers, ``Message-ID`` derived from the outbox key only, so a resend
after a crash carries the same id. It is written by hand rather than with
``email.message.EmailMessage`` because the standard generator costs about 7 ms per
message, more than the SMTP round trip it precedes; tests parse the result back with the
standard library.

``EmailNotifier`` keeps one SMTP connection for a batch (opened on the first send,
reopened once if the server dropped it, closed on ``__aexit__``), or ``connections`` of
them used at once (``[email] connections``; see ``EmailNotifier``). How SMTP failures map
onto the channel contract (``notifiers.base``):

- transient (the row retries with backoff): connection refused, reset or dropped,
  timeouts, any 4xx reply, and 5xx replies that concern the server conversation rather
  than the recipient (greeting, EHLO, STARTTLS, AUTH, MAIL FROM): those are our
  configuration or the server's state, and failing every row at once would lose them;
- permanent (the row fails at once): a 5xx reply to RCPT TO (unknown mailbox; the
  contact's address is flagged), a 5xx reply to DATA (the message itself was refused),
  an address that is not a valid mailbox.

After a connection-level failure the notifier fails the rest of the batch fast with the
same transient error instead of waiting for a connect timeout per message.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, Self

from engine.errors import NhacviecError
from engine.i18n import _
from notifiers.base import (
    Attachment,
    DeliveryError,
    Message,
    Notifier,
    PermanentError,
    Receipt,
    TransientError,
)

if TYPE_CHECKING:
    import aiosmtplib

    from engine.config import Settings

DEFAULT_SENDER = "Nhắc việc <nhacviec@localhost>"
Gate = Callable[[], Awaitable[None]]
CRLF = "\r\n"
_MAILBOX = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+$")
_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')
_TOKENS = re.compile(r"\S+\s*|\s+")  # a word and the space after it
_LINE_ENDS = re.compile(rb"\r\n|\n|\r(?!\n)")
_LEADING_DOT = re.compile(rb"(?m)^\.")
_RESERVED = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "auto-submitted",
    "content-language",
}


def message_id(key: str) -> str:
    """The Message-ID of the outbox row ``key``: the same for every resend of that row."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@nhacviec>"


def envelope_address(sender: str) -> str:
    """The bare address of a From value such as ``Nhắc việc <nhacviec@example.org>``."""
    return parseaddr(sender)[1]


def mime_bytes(message: Message, sender: str) -> bytes:
    """The RFC 5322 message for ``message`` (see the module docstring), CRLF line ends.

    Raises ``PermanentError`` (flag set) when the recipient is not a valid mailbox.
    """
    boundary = "=_nv_" + hashlib.sha256(message.key.encode()).hexdigest()[:24]
    body = _alternative(message, boundary)
    if message.attachments:
        body = _mixed(body, message.attachments, boundary)
    head = [
        _header("From", _from(sender)),
        _header("To", _address(message.to_name or "", message.to, what="recipient")),
        _header("Subject", _encoded(message.subject, "Subject")),
        _header("Date", message.headers.get("Date") or format_datetime(datetime.now(UTC))),
        _header("Message-ID", message_id(message.key)),
        _header("Auto-Submitted", "auto-generated"),
        _header("Content-Language", message.language),
        "MIME-Version: 1.0",
    ]
    for name, value in message.headers.items():
        if name.lower() not in _RESERVED:
            head.append(_header(name, _encoded(value, name)))
    return (CRLF.join(head) + CRLF + body).encode("ascii")


def wire_bytes(data: bytes) -> bytes:
    """What goes over the connection after DATA's 354 for the message ``data``: line
    ends made CRLF, a line's leading "." doubled, the final ".", as aiosmtplib's ``data``
    sends it (done ahead, off the SMTP round trips: ``EmailNotifier.prepare``)."""
    data = _LINE_ENDS.sub(b"\r\n", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return _LEADING_DOT.sub(b"..", data) + b".\r\n"


def _header(name: str, value: str) -> str:
    return f"{name}: {value}"


@lru_cache(maxsize=16)
def _from(sender: str) -> str:
    return _address(*parseaddr(sender), what="sender")


@lru_cache(maxsize=4096)  # subjects and names repeat across a batch
def _encoded(value: str, name: str = "") -> str:
    """A header value folded to 78 columns after ``name: ``, RFC 2047 encoded unless ASCII."""
    value = " ".join(value.split())  # no CR/LF may reach a header (header injection)
    if value.isascii():
        return Header(value, "us-ascii", header_name=name).encode(maxlinelen=78, linesep=CRLF)
    return _encoded_words(value, len(name) + 2)


def _encoded_words(value: str, indent: int) -> str:
    """UTF-8 base64 encoded-words (RFC 2047), one per line of at most 78 columns.

    Cuts fall after a space, so that each encoded-word holds whole words ("Sở ",
    "Khoa học"): the folding whitespace between two encoded-words is not part of the text,
    but some mail readers show it anyway, and a cut inside a word then reads "Kho a".
    Only a word too long for a line on its own is cut, between characters, never inside
    one.
    """
    words: list[str] = []
    budget = (78 - indent - 12) // 4 * 3  # bytes whose base64 fits the first line
    chunk = ""
    for token in _TOKENS.findall(value):
        if chunk and len((chunk + token).encode()) > budget:
            words.append(_word(chunk))
            chunk, budget = "", (78 - 1 - 12) // 4 * 3
        for char in token:
            if chunk and len((chunk + char).encode()) > budget:  # a word longer than a line
                words.append(_word(chunk))
                chunk, budget = "", (78 - 1 - 12) // 4 * 3
            chunk += char
    words.append(_word(chunk))
    return (CRLF + " ").join(words)


def _word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode("ascii") + "?="


@lru_cache(maxsize=4096)
def _address(name: str, address: str, *, what: str) -> str:
    if not address.isascii() or not _MAILBOX.match(address):
        raise PermanentError(
            f"invalid {what} address {address!r}", flag=f"invalid email address {address!r}"
        )
    name = " ".join(name.split())
    if not name:
        return address
    if not name.isascii():
        return f"{_encoded_words(name, 6)}{CRLF} <{address}>"
    if _SPECIALS.search(name):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}" <{address}>'
    return f"{name} <{address}>"


def _base64_lines(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", CRLF)


def _text_part(text: str, subtype: str) -> str:
    canonical = text.replace("\r\n", "\n").replace("\n", CRLF).encode("utf-8")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: base64{CRLF}{CRLF}"
        f"{_base64_lines(canonical)}"
    )


def _alternative(message: Message, boundary: str) -> str:
    """The body: text/plain alone, or multipart/alternative with the HTML version."""
    if message.html is None:
        return _text_part(message.text, "plain")
    alt = boundary + "_alt"
    return (
        f'Content-Type: multipart/alternative;{CRLF} boundary="{alt}"{CRLF}{CRLF}'
        f"--{alt}{CRLF}{_text_part(message.text, 'plain')}"
        f"--{alt}{CRLF}{_text_part(message.html, 'html')}"
        f"--{alt}--{CRLF}"
    )


def _mixed(body: str, attachments: tuple[Attachment, ...], boundary: str) -> str:
    mixed = boundary + "_mix"
    parts = [f'Content-Type: multipart/mixed;{CRLF} boundary="{mixed}"{CRLF}{CRLF}']
    parts.append(f"--{mixed}{CRLF}{body}")
    for item in attachments:
        filename = (
            Header(item.filename, "utf-8").encode()
            if not item.filename.isascii()
            else item.filename
        )
        parts.append(
            f"--{mixed}{CRLF}Content-Type: {item.mime_type}{CRLF}"
            f'Content-Disposition: attachment; filename="{filename}"{CRLF}'
            f"Content-Transfer-Encoding: base64{CRLF}{CRLF}{_base64_lines(item.content)}"
        )
    parts.append(f"--{mixed}--{CRLF}")
    return "".join(parts)


class _Connection:
    """One SMTP connection of the notifier, opened on first use and reused."""

    smtp: aiosmtplib.SMTP | None = None


class EmailNotifier(Notifier):
    """Sends through one SMTP server; see the module docstring for the error mapping.

    ``connections`` (``[email] connections``, default 1) is how many SMTP connections a
    batch may use at once: one is reused for the whole batch; with more, that many
    messages are on the wire at once (``max_in_flight``), each connection reused the
    same way. More than one helps when the server, not nhacviec, is the slower side
    (and the server accepts parallel connections from one client).
    """

    channel: ClassVar[str] = "email"
    attachments: ClassVar[bool] = True  # the formal reminder letters (.docx)

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        starttls: bool = False,
        ssl: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        connections: int = 1,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.envelope_from = envelope_address(sender)
        self.max_in_flight = max(1, connections)  # a connection carries one message at a time
        self._starttls = starttls
        self._ssl = ssl
        self._username = username
        self._password = password
        self._timeout = timeout
        self._connections = [_Connection() for _ in range(self.max_in_flight)]
        self._free: asyncio.Queue[_Connection] | None = None
        self._down: str | None = None
        self._prepared: dict[str, tuple[bytes, bytes]] = {}  # key → (bytes, wire bytes)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The notifier of the ``[email]`` section; a missing credential variable is an error."""
        section = settings.email
        if section is None:
            raise NhacviecError(_("no [email] section in the settings"))
        username = _credential(settings, section.username_env, "username")
        password = _credential(settings, section.password_env, "password")
        return cls(
            host=section.host,
            port=section.port,
            sender=section.sender,
            starttls=section.starttls,
            ssl=section.ssl,
            username=username,
            password=password,
            timeout=section.timeout,
            connections=section.connections,
        )

    async def __aenter__(self) -> Self:
        self._down = None
        self._prepared.clear()
        self._free = asyncio.Queue()  # made here: it belongs to the running event loop
        for connection in self._connections:
            self._free.put_nowait(connection)
        return self

    async def aclose(self) -> None:
        for connection in self._connections:
            await self._close(connection)

    def prepare(self, message: Message) -> None:
        """Build the message's bytes ahead of ``send`` (optional hook: the tick calls it
        while earlier messages are on the wire). Errors surface in ``send``."""
        with contextlib.suppress(PermanentError):
            data = mime_bytes(message, self.sender)
            self._prepared[message.key] = (data, wire_bytes(data))

    gated: ClassVar[bool] = True  # ``send`` takes ``before_accept`` (see its docstring)

    async def send(self, message: Message, *, before_accept: Gate | None = None) -> Receipt:
        """Send one message on a free connection of the batch (see the module docstring).

        ``before_accept``, when given, is awaited after MAIL, RCPT and DATA's 354, before
        the message (whose final ``.`` makes the server accept it): the outbox
        worker waits there until the outcomes of the messages before it are recorded, so
        that a crash can leave at most one accepted-but-unrecorded message per
        connection (a message cut off before its ``.`` is dropped by the server). The
        commands go through aiosmtplib's connection (``gated_sendmail``).
        """
        prepared = self._prepared.pop(message.key, None)
        if prepared is None:
            data = mime_bytes(message, self.sender)
            prepared = (data, wire_bytes(data))
        if self._down is not None:
            raise TransientError(self._down)
        if self._free is None:  # used without ``async with``: one connection at a time
            await self.__aenter__()
        assert self._free is not None
        connection = await self._free.get()
        try:
            response = await self._sendmail(connection, message.to, prepared, before_accept)
        except DeliveryError:
            raise
        except Exception as exc:
            raise self._classify(exc) from exc
        finally:
            self._free.put_nowait(connection)
        return Receipt(self.channel, {"message_id": message_id(message.key), "reply": response})

    async def _sendmail(
        self, connection: _Connection, to: str, data: tuple[bytes, bytes], gate: Gate | None
    ) -> str:
        import aiosmtplib

        smtp = await self._connection(connection)
        try:
            return await self._transaction(smtp, to, data, gate)
        except aiosmtplib.SMTPServerDisconnected:
            # A reused connection may have been closed by the server between messages
            # (idle timeout, per-connection limit): one fresh connection, one more try.
            await self._close(connection)
            smtp = await self._connection(connection)
            return await self._transaction(smtp, to, data, gate)

    async def _transaction(
        self, smtp: aiosmtplib.SMTP, to: str, data: tuple[bytes, bytes], gate: Gate | None
    ) -> str:
        message, wire = data
        if gate is None:
            _refused, reply = await smtp.sendmail(self.envelope_from, [to], message)
            return reply
        return await gated_sendmail(smtp, self.envelope_from, to, message, gate, wire=wire)

    async def _connection(self, connection: _Connection) -> aiosmtplib.SMTP:
        import aiosmtplib

        if connection.smtp is not None and connection.smtp.is_connected:
            return connection.smtp
        smtp = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self._ssl,
            start_tls=self._starttls,
            username=self._username,
            password=self._password,
            timeout=self._timeout,
        )
        try:
            await smtp.connect()
        except Exception as exc:
            error = self._classify(exc)
            if isinstance(error, TransientError):
                self._down = error.message
            raise error from exc
        connection.smtp = smtp
        return smtp

    async def _close(self, connection: _Connection) -> None:
        import aiosmtplib

        smtp, connection.smtp = connection.smtp, None
        if smtp is None or not smtp.is_connected:
            return
        try:
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()

    def _classify(self, exc: Exception) -> DeliveryError:
        error = classify(exc, server=f"{self.host}:{self.port}")
        if isinstance(error, TransientError) and _is_connection_error(exc):
            self._down = error.message
        return error


async def gated_sendmail(
    smtp: aiosmtplib.SMTP,
    sender: str,
    to: str,
    data: bytes,
    gate: Gate,
    *,
    wire: bytes | None = None,
) -> str:
    """``smtp.sendmail(sender, [to], data)``, awaiting ``gate`` before the message itself.

    The same transaction through aiosmtplib's commands: MAIL with the SIZE that
    ``sendmail`` declares, RCPT, DATA, then the message (``wire``: ``wire_bytes(data)``,
    made ahead if given) and its final "."; the same errors (``SMTPSenderRefused``; a
    refused recipient is ``SMTPRecipientsRefused``; a refused DATA or message is
    ``SMTPDataError``; after a refusal the envelope is reset with RSET). The gate is
    awaited after the server's 354 (go ahead), just before the message is written: until
    the server has read the final "." the message is not accepted, so a connection
    closed before that (the process killed) delivers nothing, and waiting there leaves
    the database the most time (three round trips to the mail server) to record the
    outcomes before it.

    ``sender`` and ``to`` must be bare addresses that ``mime_bytes`` accepted (its
    mailbox check is stricter than aiosmtplib's, which refuses only what would break the
    command line): they go into the commands as they are, without ``mail``'s and
    ``rcpt``'s parsing of each one again for every message.
    """
    import aiosmtplib
    from aiosmtplib import SMTPStatus

    if smtp.is_ehlo_or_helo_needed:  # as ``sendmail``: EHLO, or HELO if EHLO is refused
        try:
            await smtp.ehlo()
        except aiosmtplib.SMTPHeloError:
            if not smtp.is_connected:
                raise
            await smtp.helo()
    # ``data`` has CRLF line ends only (``mime_bytes``): its length is the SIZE.
    size = (f"size={len(data)}".encode(),) if smtp.supports_extension("size") else ()
    try:
        reply = await smtp.execute_command(b"MAIL", b"FROM:<%s>" % sender.encode(), *size)
        if reply.code != SMTPStatus.completed:
            raise aiosmtplib.SMTPSenderRefused(reply.code, reply.message, sender)
        reply = await smtp.execute_command(b"RCPT", b"TO:<%s>" % to.encode())
        if reply.code not in (SMTPStatus.completed, SMTPStatus.will_forward):
            refused = aiosmtplib.SMTPRecipientRefused(reply.code, reply.message, to)
            raise aiosmtplib.SMTPRecipientsRefused([refused])
        reply = await smtp.execute_command(b"DATA")
        if reply.code != SMTPStatus.start_input:
            raise aiosmtplib.SMTPDataError(reply.code, reply.message)
    except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
        if smtp.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException):
                await smtp.rset()
        raise
    # The server now reads everything as the message until a line with a lone ".":
    # nothing else may be sent on this connection, so if anything fails before the
    # message is written the connection is closed (the message is then not delivered).
    try:
        await gate()
        protocol = smtp.protocol
        if protocol is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        protocol.write(wire if wire is not None else wire_bytes(data))
        # No await between the write and read_response: it marks the reply as
        # expected before anything can arrive.
        response = await protocol.read_response(timeout=smtp.timeout)
    except BaseException:
        smtp.close()
        raise
    if response.code != SMTPStatus.completed:
        with contextlib.suppress(aiosmtplib.SMTPException):
            await smtp.rset()
        raise aiosmtplib.SMTPDataError(response.code, response.message)
    return response.message


def _credential(settings: Settings, env: str | None, what: str) -> str | None:
    if env is None:
        return None
    value = settings.secret(env)
    if value is None:
        raise NhacviecError(
            _("[email] {what}_env names ${env}, which is not set").format(what=what, env=env)
        )
    return value


def _is_connection_error(exc: Exception) -> bool:
    # aiosmtplib's connect, disconnect and timeout errors are OSErrors, like socket errors
    return isinstance(exc, OSError)


def classify(exc: Exception, *, server: str) -> DeliveryError:
    """The channel error for an aiosmtplib (or socket) exception; see the module docstring."""
    import aiosmtplib

    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = exc.recipients[0]
        text = f"{refused.code} {refused.message}".strip()
        if refused.code >= 500:
            return PermanentError(f"recipient refused: {text}", flag=f"refused by {server}: {text}")
        return TransientError(f"recipient deferred: {text}")
    if isinstance(exc, aiosmtplib.SMTPDataError) and exc.code >= 500:
        return PermanentError(f"message refused: {exc.code} {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return TransientError(f"SMTP server {server} replied {exc.code} {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return TransientError(f"SMTP server {server} timed out")
    if isinstance(exc, aiosmtplib.SMTPException | OSError):
        return TransientError(f"SMTP server {server}: {_one_line(exc)}")
    if isinstance(exc, ValueError):  # aiosmtplib refuses an address it cannot send
        return PermanentError(f"invalid address: {exc}", flag=f"invalid email address: {exc}")
    return TransientError(f"unexpected {type(exc).__name__}: {_one_line(exc)}")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
