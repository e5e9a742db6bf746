"""The Zalo Official Account channel: consultation messages of the OA API v3 over httpx.

What Zalo documents, as found (developers.zalo.me, "Gửi tin Tư vấn"; "Xác thực và ủy
quyền cho ứng dụng"; "Webhook", quoted by integrations such as hoangnd25/monorepo
``wip/zalo-platform-integration.md`` and the Postman guides of hexasync.vn/beehexa.com):

- send: ``POST https://openapi.zalo.me/v3.0/oa/message/cs``, header ``access_token: <OA
  access token>``, JSON ``{"recipient": {"user_id": …}, "message": {"text": …,
  "attachment": {"type": "template", "payload": {"buttons": [{"title": …, "type":
  "oa.query.hide", "payload": "#ack 12"}]}}}}``; the answer ``{"error": 0, "message":
  "Success", "data": {"message_id": …}}``, or ``error`` < 0 and a ``message`` (HTTP 200
  either way). A text has at most 2000 characters (longer ones are split here, at
  paragraph boundaries, into parts that read on their own, sent in order; the buttons
  go on the last part). ``oa.query.*`` buttons make the follower send ``payload`` back
  to the OA, which the webhook receives (``notifiers.zalo.webhook``);
- the access token lives 25 hours (``expires_in`` "90000"); the refresh token, 3
  months and once (``notifiers.zalo.tokens``);
- a consultation message only reaches a follower who wrote to the OA in the last 7
  days (-230/-232): outside that window Zalo wants a transaction or ZNS template
  message, which this channel does not send.

Zalo's codes, mapped to the contract of ``notifiers.base``:

- -216 "Access token is invalid", -220 "access_token is expired or removed": the token
  is refreshed once and the message sent again; refused again: ``TransientError``;
- -32 (too many calls a minute): ``TransientError(retry_after=60)``; -211, -218 (the
  OA's quota, the follower's daily limit): ``TransientError(retry_after=3600)``; -200
  and unknown codes, HTTP 5xx and 429, timeouts, network errors: ``TransientError``;
- -213 (not a follower), -227 (locked or away 45 days), -230/-232 (no interaction in 7
  days), -244 (refuses this kind of message), -201 on the ``user_id`` (no such user) or
  a ``to`` that is not a user id: ``PermanentError(flag=…)``, the address needs fixing;
- -201 on another field, -210, -233, -248 (the message itself is wrong):
  ``PermanentError`` without a flag;
- -204, -205, -209, -212, -219, -221, -223, -224, -235, -320, -321 (the OA, the app or
  their payment is not set up for this): ``TransientError``, our configuration, as
  email treats a refused login: failing every row at once would lose them.

Tokens and keys never appear in logs or error texts: the token travels in a header,
never a URL, and every message is scrubbed of the secrets the notifier holds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from engine.errors import NhacviecError
from engine.i18n import _
from notifiers.base import (
    Answer,
    Button,
    DeliveryError,
    Message,
    Notifier,
    PermanentError,
    Receipt,
    TransientError,
)
from notifiers.text import split_text as _split
from notifiers.zalo.tokens import Clock, TokenKeeper, Tokens, TokenStore
from notifiers.zalo.webhook import webhook_app

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

    from engine.config import Settings, ZaloSettings
    from notifiers.zalo.webhook import OnText

__all__ = [
    "MAX_TEXT",
    "TokenKeeper",
    "TokenStore",
    "Tokens",
    "ZaloNotifier",
    "split_text",
    "token_file",
    "webhook_from_settings",
]

MAX_TEXT = 2000
SEND_PATH = "/v3.0/oa/message/cs"
BUTTON_TYPE = "oa.query.hide"  # the payload comes back as the follower's text, unshown
TOKEN_FILE = "zalo-token.json"
Sleep = Callable[[float], Awaitable[None]]
log = logging.getLogger(__name__)

EXPIRED = {-216, -220}
RETRY_AFTER = {-32: 60.0, -211: 3600.0, -218: 3600.0}
ADDRESS = {
    -213: "user has not followed the OA",
    -227: "user is locked or has been away for more than 45 days",
    -230: "user has not interacted with the OA in the last 7 days",
    -232: "user has not interacted with the OA",
    -244: "user has restricted this kind of message from the OA",
}
MESSAGE_WRONG = {-201, -210, -233, -248}


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """A plain text in parts of at most ``limit`` UTF-16 units that read on their own
    (``notifiers.text``: at paragraphs, a heading moving down with what it heads)."""
    return _split(text, limit)


def token_file(settings: Settings) -> Path:
    """Where the tokens are kept: ``[zalo] token_file`` (relative to the settings file),
    else ``zalo-token.json`` next to the SQLite database, else next to the settings."""
    base = settings.source.parent if settings.source is not None else Path.cwd()
    section = settings.zalo
    if section is not None and section.token_file is not None:
        path = section.token_file
        return path if path.is_absolute() else base / path
    url = settings.database.url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).absolute().parent / TOKEN_FILE
    return base / TOKEN_FILE


def _section(settings: Settings) -> ZaloSettings:
    if settings.zalo is None:
        raise NhacviecError(_("no [zalo] section in the settings"))
    return settings.zalo


def _missing(problems: list[str]) -> None:
    if problems:
        raise NhacviecError(
            _("Zalo is not configured: {problems}").format(problems="; ".join(problems))
        )


class Pacer:
    """Starts spaced ``1 / rate`` seconds apart across all followers, on an injectable
    clock; a start is reserved before sleeping, so concurrent sends share the rate."""

    def __init__(self, rate: float, clock: Clock, sleep: Sleep) -> None:
        self.interval = 1.0 / rate
        self.clock, self.sleep = clock, sleep
        self._next = 0.0

    async def wait(self) -> None:
        now = self.clock()
        at = max(now, self._next)
        self._next = at + self.interval
        if at > now:
            await self.sleep(at - now)


class ZaloNotifier(Notifier):
    """Sends ``Message``s to Zalo followers (``to``: the follower's user id, as text).

    See the module docstring for what Zalo does and how its errors map. Receipt detail:
    ``{"user_id": str, "message_id": str, "message_ids": [str, …]}``, ``message_id``
    being the part with the buttons (the last).
    """

    channel: ClassVar[str] = "zalo"
    max_length: ClassVar[int | None] = MAX_TEXT  # longer texts are split
    rate: ClassVar[float | None] = 20.0  # what Zalo is said to accept; [zalo] rate paces
    buttons: ClassVar[bool] = True
    attachments: ClassVar[bool] = False
    max_in_flight: int | None = 4

    def __init__(
        self,
        *,
        keeper: TokenKeeper,
        api_url: str = "https://openapi.zalo.me",
        rate: float = 10.0,
        timeout: float = 30.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.keeper = keeper
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.pacer = Pacer(rate, clock, sleep)
        self._client: httpx.AsyncClient | None = None
        self._followers: dict[str, asyncio.Lock] = {}  # one message at a time each

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        wall_clock: Clock = time.time,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> Self:
        """The notifier of ``[zalo]``; ``NhacviecError`` naming whatever is missing.

        ``wall_clock`` dates the tokens' expiry (it is written to the token file);
        ``clock`` and ``sleep`` pace the sends. Tests pass a virtual clock for all three.
        """
        section = _section(settings)
        secret_key = settings.secret(section.secret_key_env)
        first = settings.secret(section.refresh_token_env)
        store = TokenStore(token_file(settings))
        problems = []
        if not section.app_id:
            problems.append(_("[zalo] app_id is not set"))
        if not secret_key:
            problems.append(
                _("${variable} (the app's secret key) is not set").format(
                    variable=section.secret_key_env
                )
            )
        if not first and not store.path.is_file():
            problems.append(
                _("no refresh token: ${variable} is not set and {path} does not exist").format(
                    variable=section.refresh_token_env, path=store.path
                )
            )
        _missing(problems)
        keeper = TokenKeeper(
            store,
            app_id=section.app_id or "",
            secret_key=secret_key or "",
            oauth_url=section.oauth_url,
            first_refresh_token=first,
            clock=wall_clock,
        )
        return cls(
            keeper=keeper,
            api_url=section.api_url,
            rate=section.rate,
            timeout=section.timeout,
            clock=clock,
            sleep=sleep,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
        self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    async def send(self, message: Message) -> Receipt:
        """Send ``message.text`` (split if long) to follower ``message.to``; buttons last."""
        user_id = _user_id(message.to)
        parts = split_text(message.text)
        buttons = [b for row in message.buttons for b in row]
        ids: list[str] = []
        async with self._followers.setdefault(user_id, asyncio.Lock()):
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                ids.append(await self._send_part(user_id, part, buttons if last else []))
        return Receipt(
            self.channel, {"user_id": user_id, "message_id": ids[-1], "message_ids": ids}
        )

    async def _send_part(self, user_id: str, text: str, buttons: list[Button]) -> str:
        body = _body(user_id, text, buttons)
        client = self._http()
        token = await self.keeper.access_token(client)
        answer = await self._post(client, token, body)
        if answer.get("error") in EXPIRED:
            log.info(_("Zalo refused the OA access token; refreshing it once"))
            token = await self.keeper.refreshed(client, token)
            answer = await self._post(client, token, body)
            if answer.get("error") in EXPIRED:
                raise TransientError(
                    self._scrub(
                        f"Zalo refused a freshly refreshed OA access token: {_describe(answer)}"
                    )
                )
        if answer.get("error") != 0:
            raise self._map_error(answer)
        data = answer.get("data")
        return str(data.get("message_id", "")) if isinstance(data, dict) else ""

    async def _post(
        self, client: httpx.AsyncClient, token: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        import httpx

        await self.pacer.wait()
        try:
            response = await client.post(
                self.api_url + SEND_PATH, headers={"access_token": token}, json=body
            )
        except httpx.HTTPError as error:
            raise TransientError(f"cannot reach Zalo: {type(error).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            wait = _retry_after(response.headers.get("Retry-After"))
            raise TransientError(f"Zalo answered HTTP {response.status_code}", retry_after=wait)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("error"), int):
            raise TransientError(f"Zalo answered HTTP {response.status_code} without a result")
        return answer

    def _map_error(self, answer: dict[str, Any]) -> DeliveryError:
        code = int(answer["error"])
        text = self._scrub(_describe(answer))
        if code in ADDRESS:
            return PermanentError(f"Zalo refused the follower: {text}", flag=ADDRESS[code])
        if code == -201 and "user_id" in text.lower():
            return PermanentError(f"Zalo refused the follower: {text}", flag="unknown Zalo user id")
        if code in MESSAGE_WRONG:
            return PermanentError(f"Zalo refused the message: {text}")
        if code in RETRY_AFTER:
            return TransientError(f"Zalo limit reached: {text}", retry_after=RETRY_AFTER[code])
        return TransientError(f"Zalo error: {text}")

    def _scrub(self, text: str) -> str:
        for secret in self.keeper.secrets():
            text = text.replace(secret, "<secret>")
        return text

    async def reply(self, user_id: str, answer: Answer | str) -> Receipt:
        """Send the webhook's answer to a follower (a text, with buttons if given)."""
        if isinstance(answer, str):
            answer = Answer(answer)
        message = Message(f"zalo-reply:{user_id}", "zalo", user_id, "", answer.text,
                          buttons=answer.buttons)  # fmt: skip
        return await self.send(message)


def _body(user_id: str, text: str, buttons: list[Button]) -> dict[str, Any]:
    message: dict[str, Any] = {"text": text}
    if buttons:
        message["attachment"] = {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": b.text, "type": BUTTON_TYPE, "payload": b.data} for b in buttons
                ]
            },
        }
    return {"recipient": {"user_id": user_id}, "message": message}


def _describe(answer: dict[str, Any]) -> str:
    return f"{answer.get('error')} {answer.get('message') or ''}".strip()


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _user_id(to: str) -> str:
    user_id = to.strip()
    if not user_id.isdigit():
        raise PermanentError(f"{to!r} is not a Zalo user id (a number)", flag="not a Zalo user id")
    return user_id


def webhook_from_settings(
    settings: Settings,
    on_text: OnText,
    *,
    notifier: ZaloNotifier | None = None,
    clock: Clock = time.time,
    path: str = "/",
) -> Starlette:
    """The webhook endpoint of ``[zalo]`` (``notifiers.zalo.webhook.webhook_app``) at
    ``path``, replying through ``notifier`` (one made from the settings if not given);
    ``NhacviecError`` naming what is missing."""
    section = _section(settings)
    oa_secret_key = settings.secret(section.oa_secret_key_env)
    problems = []
    if not section.app_id:
        problems.append(_("[zalo] app_id is not set"))
    if not oa_secret_key:
        problems.append(
            _("${variable} (the OA secret key, for webhook signatures) is not set").format(
                variable=section.oa_secret_key_env
            )
        )
    _missing(problems)
    ZaloNotifier.from_settings(settings)  # what is missing for the replies, said now
    send_reply = notifier.reply if notifier is not None else _replier(settings)
    return webhook_app(
        on_text,
        app_id=section.app_id or "",
        oa_secret_key=oa_secret_key or "",
        send_reply=send_reply,
        clock=clock,
        path=path,
    )


def _replier(settings: Settings) -> Callable[[str, Answer | str], Awaitable[Receipt]]:
    """Replies each through a notifier of its own, opened and closed around it: the web
    server that serves the webhook has no lifetime to close a shared one in."""

    async def reply(user_id: str, answer: Answer | str) -> Receipt:
        async with ZaloNotifier.from_settings(settings) as notifier:
            return await notifier.reply(user_id, answer)

    return reply
