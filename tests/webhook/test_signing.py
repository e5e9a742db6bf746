"""``verify``, the receiving side of the signature: genuine and fresh, or refused."""

from __future__ import annotations

import pytest

from notifiers.webhook import sign, verify
from tests.fakes.webhook import NOW, SECRET

BODY = b'{"id":"o1:before:c2:webhook"}'
TIMESTAMP = int(NOW)
# openssl: printf '%s' '1780000000.{"id":"o1:before:c2:webhook"}' |
#          openssl dgst -sha256 -hmac 'test-webhook-secret-0123456789'
OPENSSL = "sha256=c134052a2a9b1277abfa2db752a71d56dac788474366fd816f71f1d99af5d708"


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body_as_openssl_computes_it() -> None:
    assert sign(SECRET, TIMESTAMP, BODY) == OPENSSL
    assert sign(SECRET.encode(), str(TIMESTAMP), BODY) == OPENSSL


def test_a_genuine_fresh_delivery_verifies() -> None:
    assert verify(SECRET, str(TIMESTAMP), BODY, OPENSSL, now=NOW)
    assert verify(SECRET, TIMESTAMP, BODY, OPENSSL, now=NOW + 300)  # at the tolerance
    assert verify(SECRET.encode(), TIMESTAMP, BODY, f" {OPENSSL} ", now=NOW - 300)


@pytest.mark.parametrize(
    "body",
    [
        b'{"id":"o1:before:c2:webhook "}',
        b'{"id":"o2:before:c2:webhook"}',
        BODY + b"\n",
        b"",
    ],
)
def test_a_tampered_body_is_refused(body: bytes) -> None:
    assert not verify(SECRET, TIMESTAMP, body, OPENSSL, now=NOW)


@pytest.mark.parametrize("now", [NOW + 301, NOW - 301, NOW + 86400])
def test_a_stale_or_future_timestamp_is_refused_even_when_signed(now: float) -> None:
    assert not verify(SECRET, TIMESTAMP, BODY, OPENSSL, now=now)
    assert verify(SECRET, TIMESTAMP, BODY, OPENSSL, now=now, tolerance=90000)


def test_a_replay_with_a_new_timestamp_but_the_old_signature_is_refused() -> None:
    assert not verify(SECRET, TIMESTAMP + 600, BODY, OPENSSL, now=NOW + 600)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        (None, OPENSSL),
        (TIMESTAMP, None),
        ("", OPENSSL),
        ("-1780000000", OPENSSL),
        ("1780000000.5", OPENSSL),
        ("１７８０００００００", OPENSSL),  # full-width digits are digits to str.isdigit
        (TIMESTAMP, OPENSSL.removeprefix("sha256=")),
        (TIMESTAMP, OPENSSL.replace("sha256=", "sha1=")),
        (TIMESTAMP, OPENSSL.upper()),
        (TIMESTAMP, OPENSSL[:-1]),
        (TIMESTAMP, OPENSSL[:-1] + "é"),
        (TIMESTAMP, ""),
    ],
)
def test_missing_or_malformed_headers_are_refused(
    timestamp: str | int | None, signature: str | None
) -> None:
    assert not verify(SECRET, timestamp, BODY, signature, now=NOW)


def test_another_secret_is_refused() -> None:
    assert not verify(SECRET + "x", TIMESTAMP, BODY, OPENSSL, now=NOW)
    assert not verify("", TIMESTAMP, BODY, OPENSSL, now=NOW)
