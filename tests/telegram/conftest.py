"""Fixtures for the Telegram tests: the fake Bot API server, settings and a virtual clock."""

from __future__ import annotations

import pytest

from engine.config import PathsSettings, Settings, TelegramSettings
from tests.conftest import ROOT
from tests.fakes.botapi import TOKEN, FakeBotApi
from tests.fakes.clock import VirtualClock  # noqa: F401  (tests import it from here too)

TOKEN_ENV = "NHACVIEC_TEST_TELEGRAM_TOKEN"


@pytest.fixture
def settings(botapi: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return Settings(
        telegram=TelegramSettings(token_env=TOKEN_ENV, base_url=botapi.base_url, global_rate=30),
        paths=PathsSettings(templates=ROOT / "templates"),
    )


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """The CLI and log lines these tests read are the catalogue's English msgids (the
    bot's own replies are in the chat's language, whatever the CLI's is)."""
