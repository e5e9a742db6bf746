"""A follower links their Zalo account by sending their one-time code to the OA, then gets
the agency's reminders there, with buttons: the OA webhook, ``links.link_by_text``, the
registry, delivery and the Zalo notifier against the local OA server, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date

from engine.bot import links
from engine.config import Settings
from engine.store.db import Store
from engine.store.models import AuditEvent, Contact, Obligation
from tests import factories as f
from tests.fakes.clock import VirtualClock
from tests.fakes.zaloapi import FakeZaloApi
from tests.zalo.conftest import deliver, post_events

Event = tuple[bytes, dict[str, str]]

NOW = f.at(date(2026, 6, 12))
FOLLOWER = "1001"


def send(store: Store, settings: Settings, clock: VirtualClock, events: list[Event]) -> list[int]:
    """POST Zalo's signed events to the OA webhook the engine links followers with; the
    HTTP statuses. Replies go out through a notifier on the OA server's clock."""
    on_text = links.link_by_text(store.session, "zalo", now=lambda: NOW)

    return post_events(settings, clock, on_text, events)


def world(store: Store) -> tuple[int, int, str]:
    """A contact without a Zalo address, invited; a reminder for them. (contact, obligation,
    code)"""
    with store.session() as s:
        agency = f.agency(s)
        contact = f.contact(s, agency, name="Phòng Kế hoạch - SCT", email=None)
        about = f.obligation(s, f.plan(s), agency)
        code = links.new_invite(s, contact, NOW)
        return contact.id, about.id, code


def test_a_follower_links_by_code_then_gets_the_reminder_with_buttons(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    contact_id, about_id, code = world(store)

    linking = [zalo.signed_event(FOLLOWER, f"/start {code}")]
    assert send(store, engine_settings, clock, linking) == [200]

    (answer,) = zalo.received(FOLLOWER)
    assert answer.text.startswith("Đã liên kết với Phòng Kế hoạch - SCT (Sở Công Thương)")
    with store.session() as s:
        contact = s.get(Contact, contact_id)
        assert contact is not None and contact.addresses == {"zalo": FOLLOWER}
        (linked,) = [e for e in s.query(AuditEvent) if e.event == "zalo_linked"]
        assert linked.data == {"contact": contact.key, "address": FOLLOWER}
        f.notification(s, s.get_one(Obligation, about_id), contact, when=NOW, channel="zalo")

    report = deliver(store, engine_settings, clock, NOW)

    assert [(o.result, o.to) for o in report.outcomes] == [("sent", FOLLOWER)]
    reminder = zalo.received(FOLLOWER)[-1]
    assert "Báo cáo 6 tháng đầu năm 2026" in reminder.text
    assert reminder.text.startswith("Kính gửi Phòng Kế hoạch - SCT,")
    shown = [(b["title"], b["payload"]) for b in reminder.buttons]
    assert shown[:2] == [("Đã nhận", f"ack:{about_id}"), ("Đã hoàn thành", f"done?:{about_id}")]


def test_a_wrong_code_links_nothing_and_says_so(
    store: Store, engine_settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    contact_id, _about, _code = world(store)

    events = [zalo.signed_event(FOLLOWER, text) for text in ("#link ABCDEFGHJK", "xin chào")]
    assert send(store, engine_settings, clock, events) == [200, 200]

    (answer,) = zalo.received(FOLLOWER)  # the greeting is not a code: no answer
    assert answer.text.startswith("Rất tiếc, mã mời này không đúng")
    with store.session() as s:
        contact = s.get(Contact, contact_id)
        assert contact is not None and contact.addresses == {}
