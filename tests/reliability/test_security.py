"""What an attacker can try: acknowledgement links and Telegram actions.

Links: any change to a valid token (a character flipped, added or removed, a segment
taken from another token, a token signed with another secret or for another purpose)
is refused, unless it only re-encodes the same signed bytes; a token past its days is
refused, one within them is not; a token for an obligation of another agency, or of a
contact no longer active, is refused; a replayed POST changes nothing. Nothing refused
changes the store. Telegram: every command and every button, from a chat that is not
linked and from a chat of another agency, is refused politely, recorded, and changes
no status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode
from starlette.testclient import TestClient

from engine.acklinks import AckLinks
from engine.config import PathsSettings, Settings, TelegramSettings
from engine.store.db import Store
from engine.store.models import AuditEvent, Contact, Obligation
from engine.web import create_app
from tests import factories as f
from tests.fakes.botapi import TOKEN, FakeBotApi
from tests.reliability.mangle import FUZZ
from tests.telegram.conftest import VirtualClock
from tests.telegram.harness import RunningBot
from tests.telegram.world import SCT_CHAT, STC_CHAT, build_world

SECRET = "reliability-secret-0f6c2d4e9a"
DAYS = 30
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Site:
    store: Store
    client: TestClient
    clock: Clock
    links: AckLinks
    mine: int  # the obligation of contact ``me`` (Sở Công Thương)
    theirs: int  # an obligation of Sở Tài chính
    me: int
    them: int
    issued: datetime  # when the tokens of a test were issued (2 hours before the clock)

    def snapshot(self) -> tuple[list[tuple[int, str]], int]:
        """Every obligation's status, and how many audit events: what a refusal keeps."""
        with self.store.session() as s:
            statuses = sorted(
                (i, st) for i, st in s.execute(sa.select(Obligation.id, Obligation.status))
            )
            events = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        return statuses, events or 0


@pytest.fixture
def site(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setenv("NHACVIEC_SECRET", SECRET)
    settings = f.settings(tmp_path, base_url="https://nv.example.org", token_days=DAYS)
    issued = f.at(date(2026, 6, 12))
    with store.session() as s:
        plan = f.plan(s)
        sct, stc = f.agency(s), f.agency(s, "hn.so-tai-chinh", "Sở Tài chính")
        me = f.contact(s, sct)
        them = f.contact(s, stc, name="Phòng Ngân sách - STC", email="stc@example.org")
        mine = f.obligation(s, plan, sct)
        theirs = f.obligation(s, plan, stc)
        ids = mine.id, theirs.id, me.id, them.id
    links = AckLinks.from_settings(settings)
    assert links is not None
    clock = Clock(issued + timedelta(hours=2))
    client = TestClient(create_app(store, settings, clock=clock), raise_server_exceptions=False)
    with client:
        yield Site(store, client, clock, links, *ids, issued)


def same_signed_bytes(a: str, b: str) -> bool:
    """Whether two tokens decode to the same three segments (base64 has spare bits)."""
    try:
        return [base64_decode(x) for x in a.split(".")] == [base64_decode(x) for x in b.split(".")]
    except Exception:
        return False


@st.composite
def tampered(draw: st.DrawFn, token: str, other: str) -> str:
    """``token`` changed the way someone holding it (and another one) might try."""
    how = draw(st.sampled_from(["flip", "insert", "delete", "cut", "graft", "extend"]))
    i = draw(st.integers(0, len(token) - 1))
    if how == "flip":
        return token[:i] + draw(st.sampled_from(ALPHABET)) + token[i + 1 :]
    if how == "insert":
        return token[:i] + draw(st.sampled_from(ALPHABET)) + token[i:]
    if how == "delete":
        return token[:i] + token[i + 1 :]
    if how == "cut":
        return token[:i]
    if how == "extend":
        return token + draw(st.text(alphabet=ALPHABET, min_size=1, max_size=8))
    mine, theirs = token.split("."), other.split(".")
    part = draw(st.integers(0, 2))  # a segment of another valid token: payload, time or MAC
    return ".".join(theirs[k] if k == part else mine[k] for k in range(3))


@FUZZ
@given(data=st.data())
def test_a_tampered_token_is_refused_unless_it_is_the_same_token(
    site: Site, data: st.DataObject
) -> None:
    token = site.links.token(site.mine, site.me, now=site.issued)
    other = site.links.token(site.theirs, site.them, now=site.issued - timedelta(days=1))
    forged = data.draw(tampered(token, other))
    before = site.snapshot()
    for response in (site.client.get(f"/ack/{forged}"), site.client.post(f"/ack/{forged}")):
        if same_signed_bytes(forged, token):
            continue  # the same signed bytes, spelled with base64's spare bits
        assert response.status_code in (400, 403, 404), forged
        assert "Traceback" not in response.text
    if not same_signed_bytes(forged, token):
        assert site.snapshot() == before


def test_tokens_signed_with_another_secret_or_for_another_purpose_are_refused(
    site: Site,
) -> None:
    claim = {"o": site.mine, "c": site.me}
    forgeries = [
        AckLinks("guessed-secret", base_url="x", days=DAYS).token(site.mine, site.me,
                                                                    now=site.issued),
        URLSafeTimedSerializer(SECRET).dumps(claim),  # the right secret, no salt
        URLSafeTimedSerializer(SECRET, salt="nhacviec.ack.v2").dumps(claim),
        URLSafeTimedSerializer(SECRET, salt="nhacviec.ack.v1").dumps({"o": str(site.mine),
                                                                      "c": site.me}),
    ]  # fmt: skip
    before = site.snapshot()
    for token in forgeries:
        assert site.client.post(f"/ack/{token}").status_code in (400, 403), token
    assert site.snapshot() == before


@FUZZ
@given(late=st.integers(1, 10 * 365 * 86400), early=st.integers(0, DAYS * 86400))
def test_a_token_past_its_days_is_refused_and_one_within_them_is_not(
    site: Site, late: int, early: int
) -> None:
    issued = site.issued
    token = site.links.token(site.mine, site.me, now=issued)
    lifetime = timedelta(days=DAYS)
    site.clock.now = issued + lifetime + timedelta(seconds=late)
    expired = site.client.get(f"/ack/{token}")
    assert expired.status_code == 403 and "đã hết hạn" in expired.text
    site.clock.now = issued + lifetime - timedelta(seconds=early)
    assert site.client.get(f"/ack/{token}").status_code == 200
    site.clock.now = issued + timedelta(hours=2)  # as it was, for the next example


def test_a_token_for_another_agencys_obligation_or_an_inactive_contact_is_refused(
    site: Site,
) -> None:
    before = site.snapshot()
    cross = site.links.token(site.theirs, site.me, now=site.issued)
    assert site.client.post(f"/ack/{cross}").status_code == 403
    missing = site.links.token(10_000, site.me, now=site.issued)
    assert site.client.post(f"/ack/{missing}").status_code == 404
    with site.store.session() as s:
        s.execute(sa.update(Contact).where(Contact.id == site.me).values(active=False))
    mine = site.links.token(site.mine, site.me, now=site.issued)
    assert site.client.post(f"/ack/{mine}").status_code == 403
    assert site.snapshot()[0] == before[0]
    assert site.snapshot()[1] == before[1]


def test_a_replayed_post_acknowledges_once(site: Site) -> None:
    token = site.links.token(site.mine, site.me, now=site.issued)
    answers = []
    for _ in range(3):
        answers.append(site.client.post(f"/ack/{token}"))
        site.clock.now += timedelta(minutes=5)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "Đã ghi nhận" in answers[0].text
    assert all("Đã xác nhận trước đó" in a.text for a in answers[1:])
    with site.store.session() as s:
        events = s.execute(sa.select(AuditEvent.event, AuditEvent.channel)).all()
        acknowledged_at = s.scalar(
            sa.select(Obligation.acknowledged_at).where(Obligation.id == site.mine)
        )
    assert [tuple(e) for e in events] == [("acknowledged", "web")]
    assert acknowledged_at == site.issued + timedelta(hours=2)


# ---- Telegram -------------------------------------------------------------------------

STRANGER = 9090  # a chat nobody linked
TOKEN_ENV = "NHACVIEC_TEST_TELEGRAM_TOKEN"


def telegram_settings(api: FakeBotApi) -> Settings:
    return Settings(
        telegram=TelegramSettings(token_env=TOKEN_ENV, base_url=api.base_url, global_rate=30),
        paths=PathsSettings(templates=f.ROOT / "templates"),
    )


def test_every_telegram_action_from_an_unlinked_or_foreign_chat_is_refused_and_recorded(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    world = build_world(store)
    target = world.report_sct
    commands = [f"/ack {target}", f"/done {target} 245/BC", "/status", "/overdue"]
    buttons = [f"ack:{target}", f"done?:{target}", f"done!:{target}", f"info:{target}"]
    clock = VirtualClock()
    with FakeBotApi(clock=clock) as api:

        async def scenario() -> None:
            async with RunningBot(telegram_settings(api), store, api, clock) as bot:
                for command in commands:
                    reply = await bot.say(STRANGER, command)
                    assert reply.text.startswith("Chat này chưa được liên kết"), command
                for data in buttons:
                    answer = await bot.forge(STRANGER, data)
                    assert answer.params["show_alert"] == "true", data
                    assert "chưa được liên kết" in answer.params["text"], data
                for data in buttons[:3]:  # Sở Tài chính's chat, on Sở Công Thương's report
                    answer = await bot.forge(STC_CHAT, data)
                    assert answer.params["show_alert"] == "true", data
                    assert "may not" in answer.params["text"], data
                reply = await bot.say(STC_CHAT, f"/done {target}")
                assert "may not" in reply.text

        asyncio.run(scenario())
        assert [m for m in api.sent(SCT_CHAT)] == []  # nothing told the owner's chat
    with store.session() as s:
        statuses = set(s.scalars(sa.select(Obligation.status)))
        refused = [(e.data or {}) for e in s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert statuses == {"open"}
    assert [(r["chat_id"], r["attempted"]) for r in refused] == [
        *[(STRANGER, command.split()[0]) for command in commands],
        *[(STRANGER, f"button {data}") for data in buttons],
        *[(STC_CHAT, data) for data in buttons[:3]],
        (STC_CHAT, f"/done {target}"),
    ]
