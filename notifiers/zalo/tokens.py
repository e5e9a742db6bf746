"""The OA access token and the single-use refresh token behind it, kept in a JSON file.

Zalo's OAuth v4 (``POST <oauth_url>/v4/oa/access_token``, header ``secret_key``, form
``refresh_token``, ``app_id``, ``grant_type=refresh_token``) answers
``{"access_token": …, "refresh_token": …, "expires_in": "90000"}``: a new access token
(25 hours) and a *new* refresh token (3 months); the refresh token just used is dead.
So the answer is written to the token file, atomically (a temporary file, fsync, then
``os.replace``), before the new access token is used at all: a crash after the refresh
finds the new tokens in the file, a crash during the write finds the old file whole,
and a token that could not be written is never used (the send fails, transient; the
next one writes it first). Nothing can make the instant between Zalo's answer and the
write safe, so nothing happens in it.

``TokenKeeper.access_token()`` refreshes ``margin`` seconds before the token expires;
``TokenKeeper.refreshed(stale)`` refreshes after the API refused ``stale`` (once: a
caller that finds a token other than ``stale`` already in hand uses that). One
``asyncio.Lock`` makes concurrent sends refresh once, and a lock on the file beside
the token file (``flock``, POSIX) does the same across processes (the scheduler and a
CLI command): holding it, the file is read again, so a token another process refreshed
meanwhile is taken rather than spending a dead refresh token.

The file also records a hash of the refresh token it started from (``seed``): when the
operator gives a new first refresh token (``$NHACVIEC_ZALO_REFRESH_TOKEN``, after
authorising the app again), it differs from the seed and the chain starts over from it.
No token or key is ever logged or put in an error message.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from notifiers.base import TransientError

Clock = Callable[[], float]
REFRESH_PATH = "/v4/oa/access_token"


@dataclass(frozen=True)
class Tokens:
    """What the file holds. ``expires_at`` is a wall-clock time (seconds since the epoch);
    ``access_token`` is empty until the first refresh."""

    access_token: str
    refresh_token: str
    expires_at: float
    seed: str = ""


def seed_of(refresh_token: str) -> str:
    """A hash naming a first refresh token without keeping it."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16]


class TokenStore:
    """The token file: ``load`` what is there, ``save`` atomically (mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Tokens | None:
        """The tokens in the file (None when there is no file or it holds no token)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise TransientError(
                f"the Zalo token file {self.path} cannot be read: {error}"
            ) from None
        if not isinstance(data, dict) or not data.get("refresh_token"):
            return None
        return Tokens(
            access_token=str(data.get("access_token") or ""),
            refresh_token=str(data["refresh_token"]),
            expires_at=float(data.get("expires_at") or 0),
            seed=str(data.get("seed") or ""),
        )

    def save(self, tokens: Tokens) -> None:
        """Replace the file with ``tokens``: whole or not at all, on disk when it returns."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".zalo-token.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(asdict(tokens), file)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _fsync_directory(self.path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class TokenKeeper:
    """Hands out a valid OA access token, refreshing it as the module docstring says."""

    def __init__(
        self,
        store: TokenStore,
        *,
        app_id: str,
        secret_key: str,
        oauth_url: str,
        first_refresh_token: str | None = None,
        clock: Clock = time.time,
        margin: float = 600.0,
    ) -> None:
        self.store = store
        self.app_id = app_id
        self.oauth_url = oauth_url.rstrip("/")
        self.clock = clock
        self.margin = margin
        self._secret_key = secret_key
        self._first = first_refresh_token or ""
        self._tokens: Tokens | None = None
        self._unsaved: Tokens | None = None  # refreshed, but the file write failed
        self._lock = asyncio.Lock()
        self.refreshes = 0  # how many times this keeper asked Zalo (tests, logs)

    def secrets(self) -> tuple[str, ...]:
        """Everything that must never reach a log or an error text."""
        held = [self._secret_key, self._first]
        for tokens in (self._tokens, self._unsaved):
            if tokens is not None:
                held += [tokens.access_token, tokens.refresh_token]
        return tuple(secret for secret in held if secret)

    async def access_token(self, client: httpx.AsyncClient) -> str:
        """A token valid for at least ``margin`` more seconds (refreshed if need be)."""
        async with self._lock:
            tokens = self._current()
            if tokens.access_token and tokens.expires_at - self.margin > self.clock():
                return tokens.access_token
            return await self._refresh(client, tokens)

    async def refreshed(self, client: httpx.AsyncClient, stale: str) -> str:
        """A new token after the API refused ``stale`` (the one in hand if it is newer)."""
        async with self._lock:
            tokens = self._current()
            if tokens.access_token and tokens.access_token != stale:
                return tokens.access_token
            return await self._refresh(client, tokens)

    def _current(self) -> Tokens:
        """The freshest tokens known: in memory, in the file, or the first refresh token."""
        if self._unsaved is not None:
            self._save(self._unsaved)  # write before use; raises again if it still fails
        on_disk = self.store.load()
        first_seed = seed_of(self._first) if self._first else ""
        if first_seed and (on_disk is None or on_disk.seed != first_seed):
            on_disk = Tokens("", self._first, 0.0, seed=first_seed)  # a new chain
        if on_disk is None:
            raise TransientError(
                f"no Zalo refresh token: none in {self.store.path} and the environment "
                "variable of [zalo] refresh_token_env is not set"
            )
        if self._tokens is None or on_disk != self._tokens:
            self._tokens = on_disk  # another process may have refreshed
        return self._tokens

    async def _refresh(self, client: httpx.AsyncClient, tokens: Tokens) -> str:
        async with self._file_lock():
            latest = self.store.load()
            if (
                latest is not None
                and latest != tokens
                and latest.seed == tokens.seed
                and latest.access_token
                and latest.expires_at - self.margin > self.clock()
            ):  # refreshed by another process while we waited
                self._tokens = latest
                return latest.access_token
            return await self._refresh_locked(client, tokens)

    @contextlib.asynccontextmanager
    async def _file_lock(self) -> AsyncIterator[None]:
        """Hold ``<token file>.lock`` (waiting in a thread, so the loop goes on)."""
        path = self.store.path.with_name(self.store.path.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    async def _refresh_locked(self, client: httpx.AsyncClient, tokens: Tokens) -> str:
        self.refreshes += 1
        answer = await self._ask(client, tokens.refresh_token)
        try:
            expires_in = float(answer.get("expires_in") or 0)
        except (TypeError, ValueError):
            expires_in = 0.0
        new = Tokens(
            access_token=str(answer["access_token"]),
            refresh_token=str(answer["refresh_token"]),
            expires_at=self.clock() + (expires_in or 3600.0),
            seed=tokens.seed,
        )
        self._unsaved = new
        self._save(new)
        return new.access_token

    def _save(self, tokens: Tokens) -> None:
        try:
            self.store.save(tokens)
        except OSError as error:
            raise TransientError(
                f"Zalo gave new tokens but {self.store.path} cannot be written "
                f"({error.strerror or type(error).__name__}); they are kept in memory "
                "and written before they are used"
            ) from None
        self._tokens, self._unsaved = tokens, None

    async def _ask(self, client: httpx.AsyncClient, refresh_token: str) -> dict[str, Any]:
        try:
            response = await client.post(
                self.oauth_url + REFRESH_PATH,
                headers={"secret_key": self._secret_key},
                data={
                    "refresh_token": refresh_token,
                    "app_id": self.app_id,
                    "grant_type": "refresh_token",
                },
            )
        except httpx.HTTPError as error:
            raise TransientError(
                f"cannot reach Zalo to refresh the OA token: {type(error).__name__}"
            ) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if (
            response.status_code != 200
            or not isinstance(answer, dict)
            or not answer.get("access_token")
            or not answer.get("refresh_token")
        ):
            raise TransientError(self._refusal(response.status_code, answer))
        return answer

    def _refusal(self, status: int, answer: object) -> str:
        described = f"HTTP {status}"
        if isinstance(answer, dict):
            parts = [
                str(answer[key])
                for key in ("error", "error_name", "error_description", "message")
                if answer.get(key) not in (None, "")
            ]
            described = ", ".join(parts) or described
        for secret in self.secrets():
            described = described.replace(secret, "<secret>")
        return (
            f"Zalo refused to refresh the OA token ({described}): authorise the app again "
            f"and set the new refresh token, or put it in {self.store.path}"
        )
