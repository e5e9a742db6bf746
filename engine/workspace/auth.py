"""Sign-in without passwords, sessions and CSRF tokens for the workspace.

A contact asks for a link at ``/dang-nhap`` with the email address registered for them
(its address on the mail channel, ``SIGNIN_CHANNEL``; case does not matter). Every
request is a ``SigninRequest`` row, an
unknown address too (it gets no link, and the page says the same as for a known one, so
the page does not tell who is registered). At most ``PER_ADDRESS`` requests per address
and ``PER_CLIENT`` per client (IP) are taken in ``WINDOW``; more are refused (429).

The link ``/dang-nhap/{token}`` is signed with the ``[web] secret_env`` secret
(``itsdangerous``, its own salt: an acknowledgement token never passes) and names the
request and a random nonce, of which the row keeps only the SHA-256. It is refused
``LINK_LIFETIME`` after it was issued, and once it has been used (``used_at`` set by
compare-and-set: two tabs opening it at once give one session). Opening it (GET) shows
a button; only the POST signs in, because mail scanners open links.

A session is a random token in an HttpOnly, SameSite=Strict cookie (``Secure`` when the
site is served over https); the ``WebSession`` row holds its SHA-256, the contact and
when it ends (``SESSION_LIFETIME``, or sign-out). A contact made inactive loses every
session at once (``session_contact`` checks it on each request).

CSRF: every form carries ``csrf``, an HMAC of the session token (or, before sign-in, of
a random ``nv_pre`` cookie) under the secret; a POST whose field does not match is
refused (403) before anything is read or written.

Time is a parameter everywhere (``now``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select, update

from engine.errors import Limited, LinkError
from engine.store.models import Contact, ContactAddress, SigninRequest, WebSession
from notifiers.registry import mail_channels

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SALT = "nhacviec.signin.v1"
LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=7)
WINDOW = timedelta(hours=1)
PER_ADDRESS = 5
PER_CLIENT = 30
SESSION_COOKIE = "nv_session"
PRE_COOKIE = "nv_pre"
SIGNIN_CHANNEL = mail_channels()[0]  # the channel whose addresses sign in (email)
_EMAIL = re.compile(r"^[^@\s]{1,200}@[^@\s]{1,118}\.[^@\s]{1,60}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_email(text: str) -> str | None:
    """The address as compared (trimmed, lower case), or None when it is not one."""
    address = text.strip().lower()
    return address if _EMAIL.match(address) else None


class _Signer(TimestampSigner):
    """Signs with the instant it is given instead of the machine clock."""

    def __init__(self, *args: object, issue_at: datetime, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._issue_at = issue_at

    def get_timestamp(self) -> int:
        return int(self._issue_at.timestamp())


@dataclass(frozen=True)
class LinkRequest:
    """What a request gave: the contact and the link's token, or neither (unknown)."""

    contact: Contact | None
    token: str | None


class Auth:
    """Sign-in links, sessions and CSRF tokens under one secret (module docstring)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    # -- links --------------------------------------------------------------------------

    def request_link(
        self, session: Session, email: str, client: str, *, now: datetime
    ) -> LinkRequest:
        """Record a request for ``email`` (normalised) from ``client``; ``Limited`` when
        over the limits. A registered, active contact gets a token."""
        since = now - WINDOW
        by_address = session.scalar(
            select(func.count()).where(SigninRequest.email == email, SigninRequest.at > since)
        )
        by_client = session.scalar(
            select(func.count()).where(SigninRequest.client == client, SigninRequest.at > since)
        )
        if (by_address or 0) >= PER_ADDRESS or (by_client or 0) >= PER_CLIENT:
            raise Limited(email)
        contact = session.scalars(
            select(Contact)
            .join(ContactAddress, ContactAddress.contact_id == Contact.id)
            .where(
                ContactAddress.channel == SIGNIN_CHANNEL,
                func.lower(ContactAddress.address) == email,
                Contact.active.is_(True),
            )
            .order_by(Contact.id)
            .limit(1)
        ).first()
        row = SigninRequest(email=email, client=client[:64], at=now)
        session.add(row)
        if contact is None:
            session.flush()
            return LinkRequest(None, None)
        nonce = secrets.token_urlsafe(24)
        row.contact_id = contact.id
        row.nonce_hash = digest(nonce)
        row.expires_at = now + LINK_LIFETIME
        session.flush()
        serializer = URLSafeTimedSerializer(
            self._secret, salt=SALT, signer=_Signer, signer_kwargs={"issue_at": now}
        )
        return LinkRequest(contact, serializer.dumps({"r": row.id, "n": nonce}))

    def _claim(self, session: Session, token: str, now: datetime) -> SigninRequest:
        if len(token) > 400 or not _TOKEN.match(token):
            raise LinkError("malformed")
        serializer = URLSafeTimedSerializer(self._secret, salt=SALT)
        try:
            payload, issued = serializer.loads(token, return_timestamp=True)
        except BadSignature:
            raise LinkError("forged") from None
        if not (isinstance(payload, dict) and isinstance(payload.get("r"), int)):
            raise LinkError("malformed")
        row = session.get(SigninRequest, payload["r"])
        nonce = payload.get("n")
        if row is None or row.nonce_hash is None or not isinstance(nonce, str):
            raise LinkError("forged")
        if not hmac.compare_digest(row.nonce_hash, digest(nonce)):
            raise LinkError("forged")
        if row.used_at is not None:
            raise LinkError("used")
        if now - issued > LINK_LIFETIME or (row.expires_at is not None and now > row.expires_at):
            raise LinkError("expired")
        return row

    def check_link(self, session: Session, token: str, *, now: datetime) -> Contact:
        """The contact a usable link signs in (it stays usable); ``LinkError`` if not."""
        row = self._claim(session, token, now)
        contact = session.get(Contact, row.contact_id)
        if contact is None or not contact.active:
            raise LinkError("forged")
        return contact

    def redeem(self, session: Session, token: str, *, now: datetime) -> tuple[Contact, str]:
        """Use the link: mark it used (once) and open a session; the contact and the
        session's token (for the cookie)."""
        contact = self.check_link(session, token, now=now)
        row = self._claim(session, token, now)
        used = session.execute(
            update(SigninRequest)
            .where(SigninRequest.id == row.id, SigninRequest.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise LinkError("used")
        return contact, self.open_session(session, contact, now=now)

    # -- sessions -----------------------------------------------------------------------

    def open_session(self, session: Session, contact: Contact, *, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        session.add(
            WebSession(
                token_hash=digest(token),
                contact_id=contact.id,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        session.flush()
        return token

    def session_contact(self, session: Session, token: str, *, now: datetime) -> Contact | None:
        """The active contact of a live session, or None."""
        if not token or len(token) > 100:
            return None
        row = session.scalars(
            select(WebSession).where(WebSession.token_hash == digest(token))
        ).first()
        if row is None or row.ended_at is not None or now >= row.expires_at:
            return None
        contact = session.get(Contact, row.contact_id)
        return contact if contact is not None and contact.active else None

    def end_session(self, session: Session, token: str, *, now: datetime) -> None:
        session.execute(
            update(WebSession)
            .where(WebSession.token_hash == digest(token), WebSession.ended_at.is_(None))
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )

    # -- CSRF ---------------------------------------------------------------------------

    def csrf(self, key: str) -> str:
        """The form token bound to ``key`` (the session or pre-session cookie)."""
        mac = hmac.new(self._secret.encode(), f"csrf|{key}".encode(), hashlib.sha256)
        return mac.hexdigest()

    def csrf_ok(self, key: str | None, given: str | None) -> bool:
        if not key or not given:
            return False
        return hmac.compare_digest(self.csrf(key), given)
