"""Fixtures for the Zalo tests: the fake OA server, settings pointing at it (alone, and
with the repository's templates: ``engine_settings``), a notifier, a delivery tick.

The notifier's wall clock (token expiry), its pacing clock and the server's clock are
one ``VirtualClock``: a test moves time by advancing it, nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from engine.config import Settings, ZaloSettings
from engine.delivery import TickReport, tick
from engine.store.db import Store
from engine.store.models import Agency, Contact
from notifiers.zalo import ZaloNotifier, webhook_from_settings
from notifiers.zalo.webhook import OnText
from tests import factories as f
from tests.fakes.clock import VirtualClock
from tests.fakes.zaloapi import APP_ID, FIRST_REFRESH, OA_SECRET_KEY, SECRET_KEY, FakeZaloApi

SECRET_ENV = "NHACVIEC_TEST_ZALO_SECRET_KEY"
OA_SECRET_ENV = "NHACVIEC_TEST_ZALO_OA_SECRET_KEY"
REFRESH_ENV = "NHACVIEC_TEST_ZALO_REFRESH_TOKEN"
FOLLOWERS = {str(user) for user in range(1001, 1021)}


@pytest.fixture
def zalo(clock: VirtualClock) -> Iterator[FakeZaloApi]:
    with FakeZaloApi(clock=clock, followers=set(FOLLOWERS)) as api:
        yield api


@pytest.fixture
def settings(zalo: FakeZaloApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv(SECRET_ENV, SECRET_KEY)
    monkeypatch.setenv(OA_SECRET_ENV, OA_SECRET_KEY)
    monkeypatch.setenv(REFRESH_ENV, FIRST_REFRESH)
    return Settings(
        zalo=ZaloSettings(
            app_id=APP_ID,
            secret_key_env=SECRET_ENV,
            oa_secret_key_env=OA_SECRET_ENV,
            refresh_token_env=REFRESH_ENV,
            token_file=tmp_path / "zalo-token.json",
            api_url=zalo.url,
            oauth_url=zalo.url,
            rate=20.0,
        )
    )


@pytest.fixture
def engine_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The repository's templates, workflows and an outbox, with the ``[zalo]`` of the
    fake OA (``settings``)."""
    return f.settings(tmp_path).model_copy(update={"zalo": settings.zalo})


def make_notifier(settings: Settings, clock: VirtualClock) -> ZaloNotifier:
    """The notifier of ``settings``, on ``clock`` for its tokens and its pacing."""
    return ZaloNotifier.from_settings(settings, wall_clock=clock, clock=clock, sleep=clock.sleep)


def deliver(store: Store, settings: Settings, clock: VirtualClock, now: datetime) -> TickReport:
    """One delivery tick at ``now``, the Zalo notifier on the OA server's ``clock``."""

    async def run() -> TickReport:
        async with make_notifier(settings, clock) as notifier:
            given = {"zalo": notifier}
            return await tick(store, settings, now=now, worker_id="w1", notifiers=given)

    return asyncio.run(run())


def post_events(
    settings: Settings,
    clock: VirtualClock,
    on_text: OnText,
    events: Iterable[tuple[bytes, dict[str, str]]],
) -> list[int]:
    """POST signed events (body, headers) to the OA webhook of ``settings`` with
    ``on_text``, replies going out through a notifier on ``clock``; the HTTP statuses."""

    async def run() -> list[int]:
        async with make_notifier(settings, clock) as notifier:
            app = webhook_from_settings(settings, on_text, notifier=notifier, clock=clock)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://z.test") as client:
                return [
                    (await client.post("/", content=body, headers=headers)).status_code
                    for body, headers in events
                ]

    return asyncio.run(run())


def say(
    store: Store, settings: Settings, clock: VirtualClock, zalo: FakeZaloApi,
    texts: list[tuple[str, str]], now: datetime,
) -> list[str]:  # fmt: skip
    """Each (follower, text) POSTed to the OA webhook, signed, the chat service's clock at
    ``now``; the answers the followers received through the OA API, in order."""
    from engine.bot.texts import text_commands

    on_text = text_commands(settings, store, "zalo", now=lambda: now)
    before = len(zalo.received())
    events = [zalo.signed_event(user, text) for user, text in texts]
    assert post_events(settings, clock, on_text, events) == [200] * len(texts)
    return [m.text for m in zalo.received()[before:]]


def refusals(store: Store) -> list[tuple[int | None, str, dict[str, object]]]:
    """The refusals the chat service recorded: (obligation, channel, data), in order."""
    from engine.store.models import AuditEvent

    with store.session() as s:
        rows = s.query(AuditEvent).filter(AuditEvent.event == "refused").order_by(AuditEvent.id)
        return [(e.obligation_id, e.channel, dict(e.data or {})) for e in rows]


# The followers of the chat-command tests: Sở Công Thương's coordinator (a 19-digit id,
# more than a 64-bit int holds), another agency's, the plan owner's, and a stranger.
FOLLOWER = "8123456789012345678"
OTHER = "1003"
OWNER = "1005"
STRANGER = "1002"


def linked_world(s: Session, zalo: FakeZaloApi) -> tuple[Agency, Contact, int]:
    """Sở Công Thương (its coordinator on ``FOLLOWER``), Sở Tài chính (on ``OTHER``) and
    UBND, owner of the plan, (on ``OWNER``): Sở Công Thương, UBND's coordinator and the id
    of the obligation Sở Công Thương owes under UBND's plan."""
    zalo.followers.add(FOLLOWER)
    sct = f.agency(s)
    other = f.agency(s, "hn.so-tai-chinh", "Sở Tài chính")
    mine = f.contact(s, sct, name="Phòng Kế hoạch - SCT", email=None, key="sct")
    mine.set_address("zalo", FOLLOWER)
    theirs = f.contact(s, other, name="Văn phòng STC", email=None, key="stc")
    theirs.set_address("zalo", OTHER)
    ubnd = f.agency(s, "hn.ubnd", "UBND thành phố Hà Nội")
    coordinator = f.contact(s, ubnd, name="Văn phòng UBND", email=None, key="ubnd")
    coordinator.set_address("zalo", OWNER)
    about = f.obligation(s, f.plan(s, owner=ubnd), sct)
    s.flush()
    return sct, coordinator, about.id
