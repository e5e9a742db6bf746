"""The extension request page behind the email link: GET shows, only the form's POST asks."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date, time

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from engine.acklinks import AckLinks
from engine.config import Settings
from engine.status import apply_action
from engine.store.db import Store
from engine.store.models import AuditEvent, ExtensionRequest, Notification, Obligation
from engine.web import create_app
from notifiers.outbox import safe_name
from tests.extensions.world import World
from tests.factories import HANOI
from tests.helpers import at, run_tick

NOW = at(date(2026, 6, 24), time(10, 0))


@pytest.fixture
def client(store: Store, settings: Settings) -> TestClient:
    return TestClient(create_app(store, settings, clock=lambda: NOW))


def token(settings: Settings, obligation_id: int, contact_id: int) -> str:
    links = AckLinks.from_settings(settings)
    assert links is not None
    return links.token(obligation_id, contact_id, now=at(date(2026, 6, 23)))


def requests(store: Store) -> list[ExtensionRequest]:
    with store.session() as s:
        return list(s.scalars(sa.select(ExtensionRequest)))


def email_text(settings: Settings, day: date, key: str) -> str:
    path = settings.paths.outbox / day.isoformat() / f"{safe_name(key)}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def test_reminder_emails_to_the_agency_carry_the_extension_link_and_the_owners_do_not(
    store: Store, settings: Settings, world: World
) -> None:
    run_tick(store, settings, at(date(2026, 6, 23)))
    day = date(2026, 6, 23)
    reminder = email_text(settings, day, f"o{world.task1}:d7:c{world.sct}:email")
    link = re.search(r"Xin gia hạn: (http://127\.0\.0\.1:8080/extend/\S+)", reminder)
    assert link is not None
    to_the_head = email_text(settings, day, f"o{world.task2}:late7:c{world.sct_head}:email")
    assert "/extend/" in to_the_head
    to_the_owner = email_text(settings, day, f"o{world.task2}:late7:c{world.ubnd}:email")
    assert "/extend/" not in to_the_owner


def test_the_page_shows_a_form_and_a_get_changes_nothing(
    client: TestClient, store: Store, settings: Settings, world: World
) -> None:
    page = client.get(f"/extend/{token(settings, world.task1, world.sct)}")
    assert page.status_code == 200
    assert "Xin gia hạn nhiệm vụ" in page.text
    assert '<input type="date" name="due" required' in page.text
    assert "Rà soát hạ tầng thương mại điện tử" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert requests(store) == []


def test_posting_the_form_asks_the_plan_owner(
    client: TestClient, store: Store, settings: Settings, world: World
) -> None:
    url = f"/extend/{token(settings, world.task1, world.sct)}"
    posted = client.post(url, data={"due": "2026-07-31", "reason": "Chờ số liệu của Cục Thống kê"})
    assert posted.status_code == 200
    assert "Đã gửi đề nghị gia hạn GH1" in posted.text
    assert "31/07/2026" in posted.text
    (request,) = requests(store)
    assert (request.requested_by, request.requested_via, request.new_due_on, request.reason) == (
        "Phòng Kế hoạch - SCT",
        "web",
        date(2026, 7, 31),
        "Chờ số liệu của Cục Thống kê",
    )
    with store.session() as s:
        event = s.scalars(sa.select(AuditEvent).where(AuditEvent.event == "extension_requested"))
        assert [(e.channel, e.at.astimezone(HANOI)) for e in event] == [("web", NOW)]
        owner = s.scalars(sa.select(Notification).where(Notification.stage == "gia-han-1"))
        assert {(n.contact_id, n.channel) for n in owner} == {
            (world.ubnd, "email"),
            (world.ubnd, "telegram"),
        }
    again = client.get(url)
    assert "Đang chờ xem xét" in again.text and "GH1" in again.text
    twice = client.post(url, data={"due": "2026-08-15", "reason": "Thêm"})
    assert "Đang chờ xem xét" in twice.text
    assert len(requests(store)) == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"due": "", "reason": "Chờ số liệu"}, "Không đọc được hạn mới"),
        (
            {"due": "2026-06-30", "reason": "Chờ số liệu"},
            "Hạn mới phải sau hạn hiện tại (30/06/2026)",
        ),
        ({"due": "2026-07-31", "reason": "   "}, "Cần ghi lý do xin gia hạn"),
    ],
)
def test_a_form_that_cannot_be_accepted_is_shown_again_saying_what_to_fix(
    client: TestClient,
    store: Store,
    settings: Settings,
    world: World,
    form: dict[str, str],
    message: str,
) -> None:
    page = client.post(f"/extend/{token(settings, world.task1, world.sct)}", data=form)
    assert page.status_code == 400
    assert message in page.text
    assert f'value="{form["due"]}"' in page.text  # what was typed is kept
    assert requests(store) == []


def test_a_done_obligation_offers_no_form(
    client: TestClient, store: Store, settings: Settings, world: World
) -> None:
    with store.session() as s:
        ob = s.get(Obligation, world.task1)
        assert ob is not None
        apply_action(s, ob, "done", now=NOW, zone=HANOI, actor="SCT", channel="cli")
    page = client.get(f"/extend/{token(settings, world.task1, world.sct)}")
    assert "Không thể xin gia hạn" in page.text and "<form" not in page.text


def test_a_link_of_another_agencys_contact_is_refused(
    client: TestClient, store: Store, settings: Settings, world: World
) -> None:
    page = client.post(
        f"/extend/{token(settings, world.task1, world.stc)}",
        data={"due": "2026-07-31", "reason": "x"},
        headers={"accept-language": "en"},
    )
    assert page.status_code == 403
    assert requests(store) == []
    forged = client.get("/extend/abc.def.ghi")
    assert forged.status_code == 403


def test_the_acknowledgement_page_links_to_the_extension_page(
    client: TestClient, settings: Settings, world: World
) -> None:
    signed = token(settings, world.task1, world.sct)
    page = client.get(f"/ack/{signed}")
    assert f'href="/extend/{signed}"' in page.text
