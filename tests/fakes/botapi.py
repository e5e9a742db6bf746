"""A local HTTP server that speaks the Telegram Bot API, for tests and the bench.

python-telegram-bot talks to it over real HTTP (``Bot(base_url=server.base_url)``), so the
library's request encoding, reply parsing and error mapping are exercised for real. It
implements what nhacviec uses, with the documented request and reply shapes
(https://core.telegram.org/bots/api): ``getMe``, ``sendMessage``, ``editMessageText``,
``editMessageReplyMarkup``, ``answerCallbackQuery``, ``getUpdates`` (long polling with
``offset``/``timeout``), ``deleteWebhook``, ``setMyCommands``.

Replies are ``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": …,
"description": …, "parameters": {…}}`` with the matching HTTP status.

Test hooks:

- ``requests`` records every call (method, decoded parameters, ``clock()`` at arrival);
- ``fail(chat_id, error, times=…)`` scripts failures of sendMessage to one chat
  (``too_many_requests``, ``blocked``, ``chat_not_found``, ``deactivated``, ``migrated``);
- ``send_text`` / ``press`` / ``enqueue_callback`` queue updates for ``getUpdates``;
- the per-chat flood limit is enforced: a second sendMessage to one chat within
  ``per_chat_interval`` seconds (by ``clock``, which a test may share with the notifier)
  is answered 429 with ``retry_after``.

Texts sent with ``parse_mode=HTML`` are checked the way Telegram does: only its tags, every
tag closed, and ``<``, ``>``, ``&`` escaped outside tags; a message longer than 4096
characters (UTF-16 units, after parsing) is refused.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.http import FakeServer, LocalHttpFake

TOKEN = "123456:TEST-TOKEN-not-a-secret"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Nhắc việc",
    "username": "nhacviec_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_TEXT = 4096
_JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "link_preview_options", "scope"}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id"}
_HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip


@dataclass(frozen=True)
class ApiError:
    """One scripted error reply."""

    code: int
    description: str
    parameters: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def too_many_requests(retry_after: int = 3) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def blocked() -> ApiError:
    return ApiError(403, "Forbidden: bot was blocked by the user")


def deactivated() -> ApiError:
    return ApiError(403, "Forbidden: user is deactivated")


def chat_not_found() -> ApiError:
    return ApiError(400, "Bad Request: chat not found")


def migrated(new_chat_id: int) -> ApiError:
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )


def server_error() -> ApiError:
    return ApiError(502, "Bad Gateway")


@dataclass(frozen=True)
class Request:
    """One call as the server saw it."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    text: str
    html: str
    reply_markup: dict[str, Any] | None
    date: int
    edits: int = 0

    def buttons(self) -> list[list[dict[str, Any]]]:
        return list((self.reply_markup or {}).get("inline_keyboard", []))

    def button_texts(self) -> list[list[str]]:
        return [[button["text"] for button in row] for row in self.buttons()]

    def as_api(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": chat_object(self.chat_id),
            "from": BOT_USER,
            "text": self.text,
        }
        if self.edits:
            message["edit_date"] = self.date
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            message["reply_markup"] = self.reply_markup
        return message


def chat_object(chat_id: int) -> dict[str, Any]:
    """A Chat: positive ids are people, -100… supergroups, other negative ids groups."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


def user_object(user_id: int, name: str | None = None) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name or f"User {user_id}"}


class _TelegramHTML(HTMLParser):
    """Checks text the way Telegram's HTML parse mode does, collecting the plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.plain: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            self.problem = f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problem = f'unexpected end tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if any(ch in data for ch in "<>&"):
            self.problem = "unescaped <, > or & outside a tag"
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&#{name};"))


def parse_html(text: str) -> tuple[str, str | None]:
    """The plain text Telegram would show, and what is wrong with the markup (or None)."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    problem = parser.problem
    if problem is None and parser.stack:
        problem = f'unclosed start tag "{parser.stack[-1]}"'
    if problem is None and parser.rawdata:
        problem = "unfinished tag or entity at the end"
    return "".join(parser.plain), problem


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stall
    server: FakeServer

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        params = decode_params(url.query, body, self.headers.get("Content-Type", ""))
        status, reply = self.server.fake.handle(url.path, params)
        data = json.dumps(reply, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a cancelled long poll): nothing to answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read ``requests`` instead


def decode_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Parameters from the query string and a form or JSON body, decoded like Telegram."""
    raw: dict[str, Any] = dict(parse_qsl(query))
    if body and content_type.startswith("application/json"):
        raw.update(json.loads(body))
    elif body:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, str) and name in _JSON_FIELDS:
            value = json.loads(value)
        elif isinstance(value, str) and name in _INT_FIELDS:
            value = int(value) if value.lstrip("-").isdigit() else value
        params[name] = value
    return params


@dataclass
class _Failures:
    queue: deque[ApiError] = field(default_factory=deque)
    forever: ApiError | None = None

    def next(self) -> ApiError | None:
        return self.queue.popleft() if self.queue else self.forever


class FakeBotApi(LocalHttpFake):
    """The server; use as a context manager (``with FakeBotApi() as api:``)."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        clock: Callable[[], float] = time.monotonic,
        per_chat_interval: float = 1.0,
    ) -> None:
        self.token = token
        self.clock = clock
        self.per_chat_interval = per_chat_interval
        self.requests: list[Request] = []
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._message_ids: dict[int, Iterator[int]] = {}
        self._last_send: dict[int, float] = {}
        self._failures: dict[int, _Failures] = {}
        self._closing = False

    # ----------------------------------------------------------------- lifecycle

    handler = _Handler

    def closing(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()  # release long polls now, not at their timeout

    @property
    def base_url(self) -> str:
        """What to give ``Bot(base_url=…)`` / ``[telegram] base_url``: the token follows it."""
        return f"{self.root}/bot"

    # ----------------------------------------------------------------- test hooks

    def fail(self, chat_id: int, error: ApiError, *, times: int | None = 1) -> None:
        """Answer the next ``times`` sendMessage calls to ``chat_id`` with ``error``
        (``times=None``: every call from now on, as a blocked bot sees)."""
        with self._lock:
            failures = self._failures.setdefault(chat_id, _Failures())
            if times is None:
                failures.forever = error
            else:
                failures.queue.extend([error] * times)

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        name: str | None = None,
        reply_to: int | None = None,
    ) -> int:
        """Queue a text message from a person in ``chat_id``; return its update_id.

        ``reply_to``: the id of a message of the bot's in that chat this one replies to
        (as a person answering a ForceReply question does)."""
        with self._lock:
            message_id = self._next_message_id(chat_id)
            replied = self.messages[(chat_id, reply_to)].as_api() if reply_to else None
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat_object(chat_id),
            "from": user_object(user_id or abs(chat_id), name),
            "text": text,
        }
        if replied is not None:
            message["reply_to_message"] = replied
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._enqueue({"message": message})

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> int:
        """Queue the service message Telegram posts in a group that became a supergroup."""
        with self._lock:
            message_id = self._next_message_id(old_chat_id)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat_object(old_chat_id),
            "from": user_object(1),
            "migrate_to_chat_id": new_chat_id,
        }
        return self._enqueue({"message": message})

    def press(
        self, chat_id: int, message_id: int, label: str, *, user_id: int | None = None
    ) -> str:
        """Press the button labelled ``label`` on a message the bot sent; return the query id.

        Fails (AssertionError) when the message has no such button: a person can only press
        what is on the screen.
        """
        with self._lock:
            stored = self.messages[(chat_id, message_id)]
            data = [
                b["callback_data"] for row in stored.buttons() for b in row if b["text"] == label
            ]
        assert data, f"no button {label!r} on message {message_id}: {stored.button_texts()}"
        return self.enqueue_callback(chat_id, data[0], message_id=message_id, user_id=user_id)

    def enqueue_callback(
        self, chat_id: int, data: str, *, message_id: int | None = None, user_id: int | None = None
    ) -> str:
        """Queue a callback query with arbitrary ``data`` (what a forged client could send)."""
        with self._lock:
            stored = self.messages.get((chat_id, message_id or 0))
        message = (
            stored.as_api()
            if stored
            else {"message_id": message_id or 1, "date": 0, "chat": chat_object(chat_id)}
        )
        query_id = str(next(self._callback_ids))
        query = {
            "id": query_id,
            "from": user_object(user_id or abs(chat_id)),
            "message": message,
            "chat_instance": str(chat_id),
            "data": data,
        }
        self._enqueue({"callback_query": query})
        return query_id

    def calls(self, method: str, chat_id: int | None = None) -> list[Request]:
        """Recorded successful calls of ``method`` (to ``chat_id`` if given)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method
                and r.status == 200
                and (chat_id is None or r.chat_id == chat_id)
            ]

    def requests_of(self, method: str, chat_id: int | None = None) -> list[Request]:
        """Every recorded call of ``method`` (to ``chat_id`` if given), failed ones too."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and (chat_id is None or r.chat_id == chat_id)
            ]

    def sent(self, chat_id: int | None = None) -> list[StoredMessage]:
        """Messages the bot sent (as they are now, after edits), in order."""
        with self._lock:
            return [m for m in self.messages.values() if chat_id in (None, m.chat_id)]

    async def wait_until(
        self, condition: Callable[[], Any], *, timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        """Poll ``condition`` (from a test's event loop) until it is truthy; return it."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.005)

    async def wait_for_call(
        self, method: str, chat_id: int | None = None, *, count: int = 1
    ) -> list[Request]:
        return list(
            await self.wait_until(
                lambda: (calls := self.calls(method, chat_id)) and len(calls) >= count and calls,
                what=f"{count} {method} call(s) to {chat_id}",
            )
        )

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    # ----------------------------------------------------------------- the API

    def handle(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix, _, method = path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return self._record(method, params, ApiError(401, "Unauthorized"))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._record(method, params, ApiError(404, "Not Found"))
        if method == "getUpdates":
            result = self._api_getUpdates(params)  # records itself, before it waits
            return 200, {"ok": True, "result": result}
        with self._lock:
            outcome = handler(params)
            return self._record(method, params, outcome)

    def _record(
        self, method: str, params: dict[str, Any], outcome: Any
    ) -> tuple[int, dict[str, Any]]:
        status = outcome.code if isinstance(outcome, ApiError) else 200
        with self._lock:
            self.requests.append(Request(method, params, self.clock(), status))
        if isinstance(outcome, ApiError):
            return outcome.code, outcome.body()
        return 200, {"ok": True, "result": outcome}

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return ApiError(400, "Bad Request: chat not found")
        failure = self._failures.get(chat_id)
        error = failure.next() if failure else None
        if error is not None:
            return error
        now = self.clock()
        last = self._last_send.get(chat_id)
        if last is not None and now - last < self.per_chat_interval:
            wait = max(1, round(self.per_chat_interval - (now - last)))
            return too_many_requests(wait)
        text, problem = self._check_text(params)
        if problem:
            return ApiError(400, f"Bad Request: {problem}")
        self._last_send[chat_id] = now
        stored = StoredMessage(
            chat_id=chat_id,
            message_id=self._next_message_id(chat_id),
            text=text,
            html=params.get("text", ""),
            reply_markup=params.get("reply_markup"),
            date=int(time.time()),
        )
        self.messages[(chat_id, stored.message_id)] = stored
        return stored.as_api()

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        stored = self.messages.get((params.get("chat_id", 0), params.get("message_id", 0)))
        if stored is None:
            return ApiError(400, "Bad Request: message to edit not found")
        text, problem = self._check_text(params)
        if problem:
            return ApiError(400, f"Bad Request: {problem}")
        markup = params.get("reply_markup")
        if params.get("text") == stored.html and markup == stored.reply_markup:
            return _not_modified()
        stored.text, stored.html, stored.reply_markup = text, params.get("text", ""), markup
        stored.edits += 1
        return stored.as_api()

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        stored = self.messages.get((params.get("chat_id", 0), params.get("message_id", 0)))
        if stored is None:
            return ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if markup == stored.reply_markup:
            return _not_modified()
        stored.reply_markup = markup
        stored.edits += 1
        return stored.as_api()

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._lock:
            self.requests.append(Request("getUpdates", params, self.clock()))
            # Telegram forgets the updates confirmed by a higher offset.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            return self._updates[:limit]

    # ----------------------------------------------------------------- helpers

    def _check_text(self, params: dict[str, Any]) -> tuple[str, str | None]:
        source = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            text, problem = parse_html(source)
            if problem:
                return text, f"can't parse entities: {problem}"
        else:
            text = source
        if not text.strip():
            return text, "message text is empty"
        if utf16_len(text) > MAX_TEXT:
            return text, "message is too long"
        return text, None

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _enqueue(self, update: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._lock.notify_all()
            return update_id


def _not_modified() -> ApiError:
    return ApiError(
        400,
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
    )
