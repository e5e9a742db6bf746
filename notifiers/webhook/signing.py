"""Signing a webhook delivery, and checking one on the receiving side.

A delivery carries ``X-Nhacviec-Timestamp: <unix seconds>`` and ``X-Nhacviec-Signature:
sha256=<hex>``, the hex HMAC-SHA256, keyed with the shared secret, of the timestamp, a
``.`` and the raw body bytes exactly as received (before any JSON parsing). Signing the
timestamp with the body lets a receiver refuse a replayed delivery: ``verify`` accepts
one only within ``tolerance`` seconds of its own clock.

This module imports only the standard library, so that a receiver written in Python can
copy it as it is (the README's Webhook section shows a receiver).
"""

from __future__ import annotations

import hashlib
import hmac

SCHEME = "sha256="
TOLERANCE = 300  # seconds either side of the receiver's clock


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def sign(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """The ``X-Nhacviec-Signature`` value of ``body`` sent at ``timestamp``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return SCHEME + hmac.new(_key(secret), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str | bytes,
    timestamp: int | str | None,
    body: bytes,
    signature: str | None,
    now: float,
    tolerance: float = TOLERANCE,
) -> bool:
    """Whether a delivery is genuine and fresh.

    ``timestamp`` and ``signature`` are the values of ``X-Nhacviec-Timestamp`` and
    ``X-Nhacviec-Signature`` (None when the header is missing), ``body`` the raw request
    body, ``now`` the receiver's clock in unix seconds (``time.time()``). False when a
    header is missing or malformed, when the timestamp is more than ``tolerance`` seconds
    away from ``now`` (a replay, or a clock far off), or when the signature does not
    match; the comparison takes the same time wherever the signatures differ.
    """
    if timestamp is None or signature is None:
        return False
    text = str(timestamp).strip()
    if not text.isascii() or not text.isdigit():
        return False
    if abs(now - int(text)) > tolerance:
        return False
    expected = sign(secret, text, body)
    given = signature.strip()
    # compare_digest needs ASCII on both sides for str; a non-ASCII header is no match.
    if not given.isascii():
        return False
    return hmac.compare_digest(expected, given)
