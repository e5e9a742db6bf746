"""Fixtures of the extension tests: settings with the test workflow, a synced world."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import (
    DeliverySettings,
    EmailSettings,
    PathsSettings,
    Settings,
    TelegramSettings,
    WebSettings,
)
from engine.store.db import Store
from tests.conftest import ROOT
from tests.extensions.world import World, build, write_workflow
from tests.fakes.botapi import TOKEN, FakeBotApi
from tests.helpers import cli_url

SECRET_ENV = "NHACVIEC_TEST_SECRET"
TOKEN_ENV = "NHACVIEC_TEST_TELEGRAM_TOKEN"


def make_settings(
    tmp_path: Path,
    *,
    smtp: tuple[str, int] | None = None,
    telegram: FakeBotApi | None = None,
    mode: str = "auto",
) -> Settings:
    """The repository's templates, the test workflow, an outbox folder under ``tmp_path``
    (``mode="outbox"``: every channel is written there)."""
    values: dict[str, object] = {
        "delivery": DeliverySettings(mode=mode),
        "paths": PathsSettings(
            templates=ROOT / "templates",
            outbox=tmp_path / "outbox",
            workflows=write_workflow(tmp_path / "workflows"),
            plans=ROOT / "plans",
            agencies=ROOT / "config" / "agencies.yaml",
        ),
        "web": WebSettings(secret_env=SECRET_ENV),
    }
    if smtp is not None:
        host, port = smtp
        values["email"] = EmailSettings(
            host=host, port=port, sender="Nhắc việc <nhacviec@example.org>", timeout=5.0
        )
    if telegram is not None:
        values["telegram"] = TelegramSettings(
            token_env=TOKEN_ENV, base_url=telegram.base_url, global_rate=30
        )
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "s3cret-for-tests")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Every channel written to the outbox folder, so rows go out without servers."""
    return make_settings(tmp_path, mode="outbox")


@pytest.fixture
def base(store: Store, settings: Settings, tmp_path: Path) -> list[str]:
    """The CLI's global options for ``settings`` and the test database."""
    paths = settings.paths
    config = tmp_path / "nhacviec.toml"
    config.write_text(
        f'[delivery]\nmode = "outbox"\n\n[web]\nsecret_env = "{SECRET_ENV}"\n\n'
        f'[paths]\ntemplates = "{paths.templates}"\nworkflows = "{paths.workflows}"\n'
        f'outbox = "{paths.outbox}"\n',
        encoding="utf-8",
    )
    return ["--config", str(config), "--db", cli_url(store)]


@pytest.fixture
def world(store: Store, settings: Settings) -> World:
    return build(store, settings)
