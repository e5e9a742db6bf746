"""Signed acknowledgement links: ``{[web] base_url}/ack/{token}`` (and ``/extend/{token}``,
the extension request page, with the same token).

A token names one obligation and one contact and is signed with the secret held in the
environment variable that ``[web] secret_env`` names (``itsdangerous``, salted, so a token
of another purpose never passes). It carries the instant it was issued; it is refused
``[web] token_days`` after that. Time is a parameter: issuing and checking take ``now``,
so a token issued by ``nhacviec tick --now`` in a simulated future is not "expired"
before it was issued, it is simply young.

Without the secret there are no links: ``AckLinks.from_settings`` returns None and emails
carry no acknowledgement link (``nhacviec run`` warns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from engine.errors import TokenError
from engine.ids import parse_id

if TYPE_CHECKING:
    from engine.config import Settings

SALT = "nhacviec.ack.v1"
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")


@dataclass(frozen=True)
class AckClaim:
    """What a valid token says: this contact may acknowledge this obligation."""

    obligation_id: int
    contact_id: int
    issued_at: datetime


class _Signer(TimestampSigner):
    """Signs with the instant it is given instead of the machine clock."""

    def __init__(self, *args: Any, issue_at: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._issue_at = issue_at

    def get_timestamp(self) -> int:
        return int(self._issue_at.timestamp())


class AckLinks:
    """Issues and checks acknowledgement tokens (see the module docstring)."""

    def __init__(self, secret: str, *, base_url: str, days: int) -> None:
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self.lifetime = timedelta(days=days)

    @classmethod
    def from_settings(cls, settings: Settings) -> AckLinks | None:
        secret = settings.secret(settings.web.secret_env)
        if not secret:
            return None
        return cls(secret, base_url=settings.web.base_url, days=settings.web.token_days)

    def token(self, obligation_id: int, contact_id: int, *, now: datetime) -> str:
        serializer = URLSafeTimedSerializer(
            self._secret, salt=SALT, signer=_Signer, signer_kwargs={"issue_at": now}
        )
        return serializer.dumps({"o": obligation_id, "c": contact_id})

    def url(self, obligation_id: int, contact_id: int, *, now: datetime) -> str:
        return f"{self.base_url}/ack/{self.token(obligation_id, contact_id, now=now)}"

    def extend_url(self, obligation_id: int, contact_id: int, *, now: datetime) -> str:
        """The page where the contact asks for a new due date (the same kind of token:
        it says this contact may act on this obligation)."""
        return f"{self.base_url}/extend/{self.token(obligation_id, contact_id, now=now)}"

    def page_url(self, page: str, obligation_id: int, contact_id: int, *, now: datetime) -> str:
        """Another page of the same token: ``done`` (record it done, with the report
        number), ``o`` (the obligation and what this contact may do), ``approve`` (the
        plan owner approves the pending extension)."""
        return f"{self.base_url}/{page}/{self.token(obligation_id, contact_id, now=now)}"

    def check(self, token: str, *, now: datetime) -> AckClaim:
        """The claim of a valid token; ``TokenError`` says why another is refused."""
        if len(token) > 400 or not _TOKEN.match(token):
            raise TokenError("malformed")
        serializer = URLSafeTimedSerializer(self._secret, salt=SALT)
        try:
            payload, issued = serializer.loads(token, return_timestamp=True)
        except BadSignature as exc:
            raise TokenError("forged") from exc
        if not (isinstance(payload, dict) and _ids(payload)):
            raise TokenError("malformed")
        if now - issued > self.lifetime:
            raise TokenError("expired")
        return AckClaim(payload["o"], payload["c"], issued)


def _ids(payload: dict[object, object]) -> bool:
    """Both numbers are record ids (in range for the store: ``engine.ids``)."""
    return all(
        isinstance(value, int) and not isinstance(value, bool) and parse_id(value) is not None
        for value in (payload.get("o"), payload.get("c"))
    )
