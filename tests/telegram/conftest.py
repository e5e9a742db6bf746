"""Fixtures for the Telegram tests: the fake Bot API server, settings and a virtual clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from engine.config import PathsSettings, Settings, TelegramSettings
from tests.conftest import ROOT
from tests.fakes.botapi import TOKEN, FakeBotApi

TOKEN_ENV = "NHACVIEC_TEST_TELEGRAM_TOKEN"


class VirtualClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def botapi(clock: VirtualClock) -> Iterator[FakeBotApi]:
    """The Bot API server, judging flood limits by the same virtual clock as the sender."""
    with FakeBotApi(clock=clock) as api:
        yield api


@pytest.fixture
def settings(botapi: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return Settings(
        telegram=TelegramSettings(token_env=TOKEN_ENV, base_url=botapi.base_url, global_rate=30),
        paths=PathsSettings(templates=ROOT / "templates"),
    )
