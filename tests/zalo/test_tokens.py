"""The OA token: refreshed before it expires and once when refused, every new refresh
token on disk before the access token that came with it is used, one refresh for many
concurrent sends."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from engine.config import Settings
from notifiers.base import Message, Receipt, TransientError
from notifiers.zalo import ZaloNotifier, token_file
from notifiers.zalo import tokens as tokens_module
from tests.fakes.clock import VirtualClock
from tests.fakes.zaloapi import LIFETIME, FakeZaloApi, Request
from tests.zalo.conftest import REFRESH_ENV, make_notifier


def message(user_id: str) -> Message:
    return Message(f"o7:before:c{user_id}:zalo", "zalo", user_id, "", "Nhắc việc: báo cáo quý")


async def send(notifier: ZaloNotifier, *user_ids: str) -> list[Receipt]:
    return [await notifier.send(message(user_id)) for user_id in user_ids]


def send_all(settings: Settings, clock: VirtualClock, *user_ids: str) -> list[Receipt]:
    async def run() -> list[Receipt]:
        async with make_notifier(settings, clock) as notifier:
            return await send(notifier, *user_ids)

    return asyncio.run(run())


def on_disk(settings: Settings) -> dict[str, object]:
    data: dict[str, object] = json.loads(token_file(settings).read_text(encoding="utf-8"))
    return data


def test_the_first_send_refreshes_with_the_first_refresh_token_and_keeps_the_new_one(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    send_all(settings, clock, "1001")
    (refresh,) = zalo.refreshes()
    assert refresh.headers["secret_key"] and refresh.body["grant_type"] == "refresh_token"
    assert refresh.body["refresh_token"] == "refresh-0-not-a-secret"
    stored = on_disk(settings)
    assert stored["refresh_token"] == zalo.refresh_token != "refresh-0-not-a-secret"
    assert stored["access_token"] == zalo.received("1001")[0].access_token
    assert stored["expires_at"] == clock.now + LIFETIME
    assert oct(token_file(settings).stat().st_mode & 0o777) == "0o600"


def test_the_token_is_refreshed_shortly_before_it_expires(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    send_all(settings, clock, "1001")
    clock.now += LIFETIME - 3600  # an hour left: the token in the file is used
    send_all(settings, clock, "1002")
    assert len(zalo.refreshes()) == 1
    clock.now += 3600 - 300  # five minutes left: refreshed before sending
    send_all(settings, clock, "1003")
    assert len(zalo.refreshes()) == 2
    assert [r.error for r in zalo.sends()] == [0, 0, 0]  # never refused
    assert on_disk(settings)["refresh_token"] == zalo.refresh_token


def test_a_refused_token_is_refreshed_once_and_the_message_sent_again(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    send_all(settings, clock, "1001")
    zalo.expire_tokens()  # revoked, or the clocks disagree
    (receipt,) = send_all(settings, clock, "1002")
    assert [r.error for r in zalo.sends()] == [0, -220, 0]
    assert len(zalo.refreshes()) == 2
    assert receipt.detail["message_id"] == zalo.received("1002")[0].message_id
    assert on_disk(settings)["refresh_token"] == zalo.refresh_token


def test_a_token_refused_again_after_the_refresh_is_a_transient_error(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    send_all(settings, clock, "1001")
    zalo.fail("1002", -216, "Access token is invalid", times=2)
    with pytest.raises(TransientError, match="freshly refreshed"):
        send_all(settings, clock, "1002")
    assert len(zalo.refreshes()) == 2  # one refresh for the refusal, not a loop


def test_every_token_is_on_disk_before_it_is_used(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    seen: list[bool] = []

    def check(request: Request) -> None:  # the server, as the request arrives
        stored = on_disk(settings)
        seen.append(
            stored["access_token"] == request.headers["access_token"]
            and stored["refresh_token"] == zalo.refresh_token
        )

    zalo.on_send = check
    send_all(settings, clock, "1001")
    zalo.expire_tokens()
    send_all(settings, clock, "1002")
    clock.now += LIFETIME
    send_all(settings, clock, "1003")
    assert len(zalo.refreshes()) == 3
    assert seen == [True] * 4  # the refused one too: it was the file's until refused


def test_a_crash_while_writing_keeps_the_old_file_and_never_uses_the_unwritten_token(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    send_all(settings, clock, "1001")
    before = on_disk(settings)
    zalo.expire_tokens()
    real_replace = os.replace

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    async def run() -> None:
        async with make_notifier(settings, clock) as notifier:
            monkeypatch.setattr(tokens_module.os, "replace", disk_full)
            with pytest.raises(TransientError, match="cannot be written"):
                await notifier.send(message("1002"))
            assert on_disk(settings) == before  # whole, the old tokens
            assert [r.error for r in zalo.sends()] == [0, -220]  # the new token unused
            assert not list(token_file(settings).parent.glob(".zalo-token.*"))
            monkeypatch.setattr(tokens_module.os, "replace", real_replace)
            await notifier.send(message("1002"))  # written first, then used

    asyncio.run(run())
    assert len(zalo.refreshes()) == 2  # the new refresh token was not lost
    assert on_disk(settings)["refresh_token"] == zalo.refresh_token
    assert zalo.received("1002")[0].access_token == on_disk(settings)["access_token"]


def test_another_notifier_takes_the_tokens_from_the_file(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    async def run() -> None:
        async with make_notifier(settings, clock) as one, make_notifier(settings, clock) as two:
            await send(one, "1001")
            zalo.expire_tokens()
            await send(two, "1002")  # refreshes: the file now has a new chain link
            await send(one, "1003")  # reads it rather than spending a dead refresh token
            clock.now += LIFETIME
            await send(one, "1004")

    asyncio.run(run())
    assert len(zalo.refreshes()) == 3
    assert all(r.error == 0 for r in zalo.refreshes())
    assert len(zalo.received()) == 4


def test_concurrent_sends_refresh_once(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    users = [str(user) for user in range(1001, 1011)]

    async def run() -> None:
        async with make_notifier(settings, clock) as notifier:
            await asyncio.gather(*(notifier.send(message(u)) for u in users))  # no token yet
            zalo.expire_tokens()
            await asyncio.gather(*(notifier.send(message(u)) for u in users))  # all refused

    asyncio.run(run())
    assert len(zalo.refreshes()) == 2
    assert all(r.error == 0 for r in zalo.refreshes())
    assert len(zalo.received()) == 20


def test_a_new_first_refresh_token_starts_a_new_chain(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    send_all(settings, clock, "1001")
    zalo.issue("refresh-reauthorised")  # the app was authorised again: the old chain is dead
    monkeypatch.setenv(REFRESH_ENV, "refresh-reauthorised")
    clock.now += LIFETIME
    send_all(settings, clock, "1002")
    assert zalo.refreshes()[-1].body["refresh_token"] == "refresh-reauthorised"
    assert zalo.refreshes()[-1].error == 0
    clock.now += LIFETIME  # the same variable again: the file's chain goes on
    send_all(settings, clock, "1003")
    assert zalo.refreshes()[-1].body["refresh_token"] != "refresh-reauthorised"
    assert len(zalo.received()) == 3


def test_a_dead_refresh_token_says_to_authorise_again_without_showing_it(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock, tmp_path: Path
) -> None:
    zalo.issue("refresh-elsewhere")  # ours was spent by someone else
    with pytest.raises(TransientError) as caught:
        send_all(settings, clock, "1001")
    assert "authorise the app again" in caught.value.message
    assert "Invalid refresh token" in caught.value.message
    assert "refresh-0-not-a-secret" not in caught.value.message
    assert not token_file(settings).exists()


def test_two_notifiers_sharing_the_file_refresh_once(
    settings: Settings, zalo: FakeZaloApi, clock: VirtualClock
) -> None:
    """As the scheduler and a CLI command would: each its own state, one token file."""

    async def run() -> None:
        async with make_notifier(settings, clock) as one, make_notifier(settings, clock) as two:
            await asyncio.gather(send(one, "1001"), send(two, "1002"))  # neither has a token
            zalo.expire_tokens()
            await asyncio.gather(send(one, "1003"), send(two, "1004"))  # both refused

    asyncio.run(run())
    assert [r.error for r in zalo.refreshes()] == [0, 0]
    assert len(zalo.received()) == 4
    assert on_disk(settings)["refresh_token"] == zalo.refresh_token
