"""Sign-in links and sessions in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.store.db import Store
from engine.store.models import Contact
from engine.workspace.auth import PER_ADDRESS, Auth, Limited, LinkError, normalise_email
from tests import factories as f


def test_a_link_opens_one_session_once_and_an_inactive_contact_loses_it(store: Store) -> None:
    from datetime import date

    now = f.at(date(2026, 6, 30))
    auth = Auth("secret-for-the-store-test")
    with store.session() as s:
        person = f.contact(s, f.agency(s), email="SCT@Example.org")
        asked = auth.request_link(s, "sct@example.org", "127.0.0.1", now=now)
        assert asked.contact is not None and asked.contact.id == person.id
        assert asked.token is not None
        contact, token = auth.redeem(s, asked.token, now=now + timedelta(minutes=14))
        assert contact.id == person.id
        with pytest.raises(LinkError) as again:
            auth.redeem(s, asked.token, now=now + timedelta(minutes=14))
        assert again.value.reason == "used"
        assert auth.session_contact(s, token, now=now + timedelta(days=6)) is not None
        assert auth.session_contact(s, token, now=now + timedelta(days=7, minutes=14)) is None
        s.get(Contact, person.id).active = False  # type: ignore[union-attr]
        s.flush()
        assert auth.session_contact(s, token, now=now) is None


def test_requests_over_the_limit_are_refused_whoever_asks(store: Store) -> None:
    from datetime import date

    now = f.at(date(2026, 6, 30))
    auth = Auth("secret-for-the-store-test")
    with store.session() as s:
        for n in range(PER_ADDRESS):
            asked = auth.request_link(s, "nobody@example.org", f"10.0.0.{n}", now=now)
            assert asked.contact is None and asked.token is None
        with pytest.raises(Limited):
            auth.request_link(s, "nobody@example.org", "10.0.0.99", now=now)
        auth.request_link(s, "nobody@example.org", "10.0.0.99", now=now + timedelta(hours=1))


def test_a_token_of_another_secret_or_purpose_does_not_pass(store: Store) -> None:
    from datetime import date

    from engine.acklinks import AckLinks

    now = f.at(date(2026, 6, 30))
    with store.session() as s:
        f.contact(s, f.agency(s))
        asked = Auth("one-secret").request_link(s, "sct@example.org", "c", now=now)
        assert asked.token is not None
        with pytest.raises(LinkError):
            Auth("another-secret").check_link(s, asked.token, now=now)
        ack = AckLinks("one-secret", base_url="", days=1).token(1, 1, now=now)
        with pytest.raises(LinkError):
            Auth("one-secret").check_link(s, ack, now=now)


def test_addresses_are_compared_trimmed_and_in_lower_case() -> None:
    assert normalise_email("  Ten@So.HaNoi.gov.vn ") == "ten@so.hanoi.gov.vn"
    assert normalise_email("not an address") is None
    assert normalise_email("a@b") is None
