"""The webhook channel: each message a signed JSON POST to the contact's URL.

For e-office systems that want the events rather than a mail. A contact's address on
this channel is an ``http://`` or ``https://`` URL (``check_url``); ``Message.to`` is
that URL. The text is the message's plain text: the channel reads the ``txt`` template
part that email already has (its registry entry: ``text="txt"``, no HTML part), so a
webhook needs no templates of its own.

**The request.** ``POST <url>`` with the body below (UTF-8 JSON) and the headers
``Content-Type: application/json``, ``Idempotency-Key: <key>``, ``X-Nhacviec-Timestamp:
<unix seconds>`` and ``X-Nhacviec-Signature: sha256=<hex>``: the HMAC-SHA256 of the
timestamp, ``.`` and the raw body, keyed with the shared secret (``notifiers.webhook.
signing``; a receiver checks it with ``verify``). Redirects are not followed.

**The body** (``SCHEMA`` 1; every key is always present, null when unknown)::

    {"schema": 1,
     "id": "o12:before_7:c3:webhook",   the outbox key: the same for every resend of
                                        one message, so a receiver drops duplicates
     "kind": "obligation",              "obligation" (reminders, escalations, snoozes,
                                        extension notices) or "digest"
     "obligation_id": 12,               the obligation the message is about
     "stage": "before_7",               the workflow stage (a digest: its scope)
     "due_on": "2026-07-20",            the obligation's due date (ISO 8601)
     "subject": "…", "text": "…",       what an email would say, in plain text
     "language": "vi",                  the contact's language
     "recipient": "Phòng Kế hoạch",     the contact's name
     "ack_url": "https://…/ack/…",      the signed acknowledgement link the text offers
     "done_url": "https://…/done/…",    and the page where the task is marked done
     "sent_at": "2026-07-13T01:00:00Z"} this attempt, UTC (the timestamp header's)

``kind``, ``obligation_id``, ``stage`` and ``due_on`` come from the message's headers
``X-Nhacviec-Kind``, ``-Obligation``, ``-Stage`` and ``-Due-On`` when the renderer sets
them, else from the outbox key (``o<id>:<stage>:c<contact>:<channel>``,
``digest:<week>:<scope>:c<contact>:<channel>``). ``due_on`` comes from the message's
``facts`` (the obligation renderer sets it on every reminder and escalation) or from its
header; a digest has none.

**Answers**, mapped to the contract in ``notifiers.base``:

- 2xx: delivered; the receipt holds the status and the ``id`` (or ``delivery_id``,
  ``message_id``) of a JSON answer, if any;
- 408, 425, 429 and 5xx, a refused or dropped connection, a timeout:
  ``TransientError``; a ``Retry-After`` (seconds or an HTTP date) becomes its
  ``retry_after``, at most a day;
- any other 4xx: ``PermanentError`` with ``flag`` saying the receiver refused ("hook.
  example.vn refused: 410 Gone"), which marks the contact's URL; a 3xx: the same, the
  URL moved ("redirects are not followed");
- a value that is not an http(s) URL: ``PermanentError`` with a flag, nothing sent.

Neither the secret nor the URL's path or query (which may hold a receiver's token)
appear in an error: errors name the receiver by scheme, host and port.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

from engine.errors import NhacviecError
from engine.i18n import _
from notifiers.base import (
    DeliveryError,
    Message,
    Notifier,
    PermanentError,
    Receipt,
    TransientError,
)
from notifiers.webhook.settings import MIN_SECRET, WebhookSettings
from notifiers.webhook.signing import TOLERANCE, sign, verify

if TYPE_CHECKING:
    import httpx

    from engine.config import Settings

__all__ = [
    "SCHEMA",
    "TOLERANCE",
    "WebhookNotifier",
    "WebhookSettings",
    "body_of",
    "check_url",
    "sign",
    "verify",
]

SCHEMA = 1
MAX_URL = 2048
MAX_RETRY_AFTER = 86400.0  # seconds: a receiver cannot park a row for longer than a day
MAX_ANSWER = 64 * 1024  # bytes of an answer read (for its id and an error's detail)
TRANSIENT_STATUSES = frozenset({408, 425, 429})
USER_AGENT = "nhacviec-webhook/1"
HEADER_KIND = "X-Nhacviec-Kind"
HEADER_OBLIGATION = "X-Nhacviec-Obligation"
HEADER_STAGE = "X-Nhacviec-Stage"
HEADER_DUE_ON = "X-Nhacviec-Due-On"
_OBLIGATION_KEY = re.compile(r"o(\d+):([^:]+):c\d+:")
_DIGEST_KEY = re.compile(r"digest:[^:]+:([^:]+):c\d+:")
Clock = Callable[[], float]


def check_url(value: object) -> bool:
    """Whether ``value`` is a webhook address: an absolute http(s) URL with a host, no
    spaces or control characters, at most 2048 characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return False
    if not value.isascii() or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def receiver(url: str) -> str:
    """How errors name a receiver: scheme, host and port, never the path or query."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def event_of(message: Message) -> dict[str, Any]:
    """``kind``, ``obligation_id``, ``stage`` and ``due_on`` of the body (module docstring)."""
    event: dict[str, Any] = dict.fromkeys(("kind", "obligation_id", "stage", "due_on"))
    if match := _OBLIGATION_KEY.match(message.key):
        event.update(kind="obligation", obligation_id=int(match[1]), stage=match[2])
    elif match := _DIGEST_KEY.match(message.key):
        event.update(kind="digest", stage=match[1])
    headers = {name.lower(): value for name, value in message.headers.items()}
    for name, field in (
        (HEADER_KIND, "kind"),
        (HEADER_STAGE, "stage"),
        (HEADER_DUE_ON, "due_on"),
    ):
        if headers.get(name.lower()):
            event[field] = headers[name.lower()]
    if message.facts.get("due_on") and not event["due_on"]:
        event["due_on"] = message.facts["due_on"]
    obligation = headers.get(HEADER_OBLIGATION.lower(), "")
    if obligation.isdigit():
        event["obligation_id"] = int(obligation)
    return event


def body_of(message: Message, timestamp: int) -> bytes:
    """The JSON body of ``message`` sent at ``timestamp`` (unix seconds): the bytes that
    are signed and sent (module docstring)."""
    sent_at = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "schema": SCHEMA,
        "id": message.key,
        **event_of(message),
        "subject": message.subject,
        "text": message.text,
        "language": message.language,
        "recipient": message.to_name,
        "ack_url": message.facts.get("ack_url"),
        "done_url": message.facts.get("done_url"),
        "sent_at": sent_at,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def request_headers(secret: str, key: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery: type, idempotency key, timestamp and signature."""
    return {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "X-Nhacviec-Timestamp": str(timestamp),
        "X-Nhacviec-Signature": sign(secret, timestamp, body),
    }


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds a ``Retry-After`` value asks for (a number or an HTTP date; at most a day),
    or None when there is none or it cannot be read."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP date is GMT
            when = when.replace(tzinfo=UTC)
        seconds = max(0.0, when.timestamp() - now)
    return min(seconds, MAX_RETRY_AFTER)


class WebhookNotifier(Notifier):
    """Posts ``Message``s to webhook URLs; see the module docstring for the contract.

    One ``httpx.AsyncClient`` per batch: opened on entering (or by the first ``send``
    outside ``async with``), closed by ``aclose``; it keeps up to ``max_in_flight``
    connections. ``clock`` is the wall clock in unix seconds (the timestamp, ``sent_at``
    and a ``Retry-After`` date are read against it): tests pass a fixed one. Proxies and
    certificates from the environment are not used (``trust_env=False``).

    Receipt detail: ``{"status": int, "id": str | None}``.
    """

    channel: ClassVar[str] = "webhook"

    def __init__(
        self,
        *,
        secret: str,
        timeout: float = 10.0,
        max_in_flight: int = 8,
        clock: Clock = time.time,
    ) -> None:
        self._secret = secret
        self.timeout = timeout
        self.max_in_flight = max(1, max_in_flight)
        self.clock = clock
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The notifier of ``[webhook]``; ``NhacviecError`` when its secret is not set or
        is shorter than 16 characters."""
        section: WebhookSettings = settings.webhook
        secret = settings.secret(section.secret_env) or ""
        if not secret.strip():
            raise NhacviecError(
                _(
                    "The webhook channel is not configured: ${secret_env} (the secret "
                    "deliveries are signed with) is not set"
                ).format(secret_env=section.secret_env)
            )
        if len(secret) < MIN_SECRET:
            raise NhacviecError(
                _(
                    "The webhook secret in ${secret_env} is too short: at least {count} "
                    "characters are needed"
                ).format(secret_env=section.secret_env, count=MIN_SECRET)
            )
        return cls(
            secret=secret,
            timeout=section.timeout,
            max_in_flight=section.max_in_flight,
        )

    def __repr__(self) -> str:  # never the secret
        return f"WebhookNotifier(timeout={self.timeout:g}, max_in_flight={self.max_in_flight})"

    async def __aenter__(self) -> Self:
        self._open()
        return self

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def _open(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            limits = httpx.Limits(
                max_connections=self.max_in_flight, max_keepalive_connections=self.max_in_flight
            )
            self._client = httpx.AsyncClient(
                # Waiting for a free connection is the tick's concurrency, not a failure.
                timeout=httpx.Timeout(self.timeout, pool=None),
                limits=limits,
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    async def send(self, message: Message) -> Receipt:
        """POST ``message`` to ``message.to``, signed (see the module docstring)."""
        url = message.to
        if not check_url(url):
            raise PermanentError(
                "the webhook address is not an http(s) URL", flag="not an http(s) URL"
            )
        if not (message.key.isascii() and message.key.isprintable()):
            raise PermanentError(f"the message key {message.key!r} cannot be an HTTP header")
        now = self.clock()
        timestamp = int(now)
        body = body_of(message, timestamp)
        headers = request_headers(self._secret, message.key, timestamp, body)
        status, answer, answer_headers = await self._post(url, body, headers)
        return self._outcome(url, status, answer, answer_headers, now)

    async def _post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, bytes, httpx.Headers]:
        import httpx

        client = self._open()
        where = receiver(url)
        try:
            async with client.stream("POST", url, content=body, headers=headers) as response:
                answer = await _read_capped(response)
                return response.status_code, answer, response.headers
        except httpx.TimeoutException:
            raise TransientError(
                f"webhook {where} did not answer within {self.timeout:g} s"
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            raise PermanentError(
                f"webhook {where}: not a URL nhacviec can post to", flag="not an http(s) URL"
            ) from None
        except httpx.TransportError as error:
            raise TransientError(
                f"webhook {where}: {type(error).__name__}: {_scrub(error, url)}"
            ) from None

    def _outcome(
        self, url: str, status: int, answer: bytes, headers: httpx.Headers, now: float
    ) -> Receipt:
        if 200 <= status < 300:
            return Receipt(self.channel, {"status": status, "id": _answer_id(answer)})
        raise classify(url, status, answer, headers, now)


def classify(
    url: str, status: int, answer: bytes, headers: Mapping[str, str], now: float
) -> DeliveryError:
    """The channel error for an answer that is not 2xx (module docstring)."""
    where = receiver(url)
    code = _status_text(status)
    said = f"webhook {where} answered {code}{_detail(answer)}"
    if status in TRANSIENT_STATUSES or status >= 500 or status < 300:
        return TransientError(said, retry_after=retry_after(headers.get("Retry-After"), now))
    host = urlsplit(url).hostname or where
    if status < 400:
        return PermanentError(
            f"{said} (redirects are not followed)",
            flag=f"{host} redirects ({code}): the webhook URL moved",
        )
    return PermanentError(said, flag=f"{host} refused: {code}")


async def _read_capped(response: httpx.Response) -> bytes:
    """At most ``MAX_ANSWER`` bytes of an answer (a receiver cannot make us buffer more)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_ANSWER:
            break
    return b"".join(chunks)[:MAX_ANSWER]


def _status_text(status: int) -> str:
    """``410 Gone``; the number alone for a status HTTP does not name."""
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _detail(answer: bytes) -> str:
    """A short, one-line excerpt of an error answer, for the row's last error."""
    text = " ".join(answer[:400].decode("utf-8", "replace").split())
    if not text:
        return ""
    return ": " + (text[:200] + "…" if len(text) > 200 else text)


def _answer_id(answer: bytes) -> str | None:
    """The id a receiver gave the delivery in a JSON answer, if it gave one."""
    try:
        data = json.loads(answer) if answer else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for name in ("id", "delivery_id", "message_id"):
        value = data.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


def _scrub(error: Exception, url: str) -> str:
    """An httpx error's text without the URL (whose path or query may hold a token)."""
    text = " ".join(str(error).split()) or "no detail"
    return text.replace(url, receiver(url))
