"""The acknowledgement link end to end: email → GET page → POST → acknowledged, once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from engine.acklinks import AckLinks
from engine.config import Settings
from engine.store.db import Store
from engine.store.models import AuditEvent, Obligation
from engine.web import create_app
from tests import factories as f
from tests.delivery.helpers import states
from tests.fakes.smtp import SmtpServer
from tests.helpers import WebClock as Clock
from tests.helpers import run_tick

SECRET = "a-long-random-secret-for-tests"
SENT_AT = f.at(date(2026, 6, 12))


@dataclass
class Site:
    store: Store
    settings: Settings
    clock: Clock
    client: TestClient
    obligation_id: int
    contact_id: int

    def token(self, *, contact_id: int | None = None, at: datetime = SENT_AT) -> str:
        links = AckLinks.from_settings(self.settings)
        assert links is not None
        return links.token(self.obligation_id, contact_id or self.contact_id, now=at)

    def obligation(self) -> Obligation:
        with self.store.session() as s:
            found = s.get(Obligation, self.obligation_id)
            assert found is not None
            return found

    def events(self) -> list[tuple[str, str | None, str]]:
        with self.store.session() as s:
            rows = s.execute(sa.select(AuditEvent.event, AuditEvent.actor, AuditEvent.channel))
            return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.fixture
def site(store: Store, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setenv("NHACVIEC_SECRET", SECRET)
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port), base_url="https://nv.example.org")
    with store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency)
        f.reminder_schedule(s, about := f.obligation(s, f.plan(s), agency), person)
        ids = about.id, person.id
    clock = Clock(SENT_AT + timedelta(hours=2))
    client = TestClient(create_app(store, settings, clock=clock), raise_server_exceptions=False)
    return Site(store, settings, clock, client, *ids)


def link_in(mail_text: str) -> str:
    match = re.search(r"https://nv\.example\.org(/ack/[A-Za-z0-9_.\-]+)", mail_text)
    assert match, mail_text
    return match.group(1)


def test_the_link_in_the_email_opens_a_page_and_its_button_acknowledges(
    site: Site, smtp: SmtpServer
) -> None:
    run_tick(site.store, site.settings, SENT_AT)
    (mail,) = smtp.wait_for(1)
    body = mail.message.get_body(("plain",))
    assert body is not None
    path = link_in(body.get_content())

    page = site.client.get(path)
    assert page.status_code == 200
    assert "Xác nhận đã nhận nhiệm vụ" in page.text
    assert "Báo cáo 6 tháng đầu năm 2026" in page.text
    assert f'<form method="post" action="{path}">' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert site.obligation().status == "open"  # opening the link changes nothing

    done = site.client.post(path)
    assert done.status_code == 200
    assert "Đã ghi nhận" in done.text
    acknowledged = site.obligation()
    assert acknowledged.status == "acknowledged"
    assert acknowledged.acknowledged_at == site.clock.now
    assert site.events() == [("acknowledged", "Phòng Kế hoạch - SCT", "web")]
    with site.store.session() as s:  # the note the report's xlsx shows, in Vietnamese
        assert s.scalars(sa.select(AuditEvent.note)).one() == "nhận qua đường dẫn trong email"
    assert states(site.store)["before-1"] == "cancelled"  # no more acknowledgement nagging
    assert states(site.store)["late-3"] == "pending"  # escalations stay


def test_a_replayed_post_says_it_is_already_acknowledged_and_changes_nothing(site: Site) -> None:
    path = f"/ack/{site.token()}"
    site.client.post(path)
    site.clock.now += timedelta(hours=1)
    again = site.client.post(path)
    assert again.status_code == 200
    assert "Đã xác nhận trước đó" in again.text
    assert len(site.events()) == 1
    assert site.obligation().acknowledged_at == SENT_AT + timedelta(hours=2)
    assert "Đã xác nhận trước đó" in site.client.get(path).text


def test_a_forged_token_is_refused(site: Site) -> None:
    token = site.token()
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for response in (site.client.get(f"/ack/{forged}"), site.client.post(f"/ack/{forged}")):
        assert response.status_code == 403
        assert "Đường dẫn xác nhận không hợp lệ" in response.text
        assert "Traceback" not in response.text
    assert site.obligation().status == "open"


def test_a_token_signed_with_another_secret_is_refused(site: Site) -> None:
    other = AckLinks("another-secret", base_url="x", days=30).token(1, 1, now=SENT_AT)
    assert site.client.post(f"/ack/{other}").status_code == 403
    assert site.obligation().status == "open"


def test_an_expired_token_is_refused(site: Site) -> None:
    site.clock.now = SENT_AT + timedelta(days=30, seconds=1)
    response = site.client.post(f"/ack/{site.token()}")
    assert response.status_code == 403
    assert "đã hết hạn" in response.text
    assert site.obligation().status == "open"


def test_a_token_within_its_days_still_works(site: Site) -> None:
    site.clock.now = SENT_AT + timedelta(days=29)
    assert site.client.post(f"/ack/{site.token()}").status_code == 200
    assert site.obligation().status == "acknowledged"


@pytest.mark.parametrize("token", ["abc", "a.b", "x" * 500, "eyJvIjoxfQ.abc.def%00"])
def test_a_malformed_token_is_a_polite_400(site: Site, token: str) -> None:
    response = site.client.get(f"/ack/{token}", headers={"Accept-Language": "en-GB,en"})
    assert response.status_code == 400
    assert "Đường dẫn không đầy đủ" in response.text  # Vietnamese first, whatever the browser
    site.client.cookies.set("lang", "en")  # the page's "English" switch
    response = site.client.get(f"/ack/{token}")
    assert response.status_code == 400
    assert "This link is incomplete" in response.text


def test_a_contact_of_another_agency_cannot_acknowledge(site: Site) -> None:
    with site.store.session() as s:
        other = f.contact(s, f.agency(s, "hn.stc", "Sở Tài chính"), email="stc@example.org")
        other_id = other.id
    response = site.client.post(f"/ack/{site.token(contact_id=other_id)}")
    assert response.status_code == 403
    assert site.obligation().status == "open"


def test_an_obligation_already_done_is_not_acknowledged(site: Site) -> None:
    with site.store.session() as s:
        s.execute(sa.update(Obligation).values(status="done"))
    response = site.client.post(f"/ack/{site.token()}")
    assert response.status_code == 200
    assert "Nhiệm vụ đã hoàn thành" in response.text
    assert site.events() == []


def test_english_contacts_get_english_pages(site: Site) -> None:
    from engine.store.models import Contact

    with site.store.session() as s:
        s.execute(sa.update(Contact).values(language="en"))
    page = site.client.get(f"/ack/{site.token()}")
    assert "Acknowledge this task" in page.text


def test_without_a_secret_links_are_refused(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    token = site.token()
    monkeypatch.delenv("NHACVIEC_SECRET")
    client = TestClient(create_app(site.store, site.settings, clock=site.clock))
    assert client.post(f"/ack/{token}").status_code == 403
    assert site.obligation().status == "open"


def test_no_token_or_secret_reaches_the_log(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = site.token()
    site.client.get(f"/ack/{token}")
    site.client.post(f"/ack/{token}")
    site.client.post(f"/ack/{token[:-2]}xx")
    # the test client's own request log (httpx2) is not the server's
    server_log = "\n".join(r.getMessage() for r in caplog.records if "httpx" not in r.name)
    assert "acknowledged by contact" in server_log
    assert token[:-2] not in server_log
    assert SECRET not in server_log


def test_healthz_answers_ok(site: Site) -> None:
    response = site.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_says_when_the_database_is_unreachable(tmp_path: Path) -> None:
    from engine.store.db import open_store

    missing = open_store(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    client = TestClient(create_app(missing, f.settings(tmp_path), clock=Clock(datetime.now(UTC))))
    assert client.get("/healthz").status_code == 503
