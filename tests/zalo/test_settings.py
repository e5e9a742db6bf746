"""The [zalo] settings section: what is missing is said, Vietnamese first; where the
token file goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import Settings, ZaloSettings, load_settings
from engine.errors import NhacviecError
from notifiers.zalo import ZaloNotifier, token_file, webhook_from_settings
from tests.zalo.conftest import OA_SECRET_ENV, REFRESH_ENV, SECRET_ENV


def bare(**kw: object) -> Settings:
    return Settings(
        zalo=ZaloSettings(
            secret_key_env=SECRET_ENV,
            oa_secret_key_env=OA_SECRET_ENV,
            refresh_token_env=REFRESH_ENV,
            **kw,  # type: ignore[arg-type]
        )
    )


@pytest.fixture(autouse=True)
def _no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (SECRET_ENV, OA_SECRET_ENV, REFRESH_ENV):
        monkeypatch.delenv(name, raising=False)


def test_without_a_zalo_section_the_error_says_so_in_vietnamese() -> None:
    with pytest.raises(NhacviecError, match=r"không có mục \[zalo\]"):
        ZaloNotifier.from_settings(Settings())


def test_every_missing_piece_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(NhacviecError) as caught:
        ZaloNotifier.from_settings(bare(token_file=tmp_path / "none.json"))
    text = str(caught.value)
    assert text.startswith("Zalo chưa được cấu hình")
    assert "app_id" in text and f"${SECRET_ENV}" in text and f"${REFRESH_ENV}" in text
    assert str(tmp_path / "none.json") in text


def test_in_english_the_same_problems(tmp_path: Path, english: None) -> None:
    with pytest.raises(NhacviecError) as caught:
        ZaloNotifier.from_settings(bare(app_id="42", token_file=tmp_path / "none.json"))
    assert str(caught.value) == (
        f"Zalo is not configured: ${SECRET_ENV} (the app's secret key) is not set; no refresh "
        f"token: ${REFRESH_ENV} is not set and {tmp_path / 'none.json'} does not exist"
    )


def test_a_token_file_stands_in_for_the_first_refresh_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "k")
    path = tmp_path / "zalo-token.json"
    path.write_text('{"refresh_token": "r", "access_token": "", "expires_at": 0}')
    notifier = ZaloNotifier.from_settings(bare(app_id="42", token_file=path))
    assert notifier.keeper.store.path == path


def test_the_webhook_needs_the_oa_secret_key(english: None) -> None:
    with pytest.raises(NhacviecError, match=rf"\${OA_SECRET_ENV} \(the OA secret key"):
        webhook_from_settings(bare(app_id="42"), lambda user, text: None)


def test_the_token_file_goes_next_to_the_database_or_the_settings(tmp_path: Path) -> None:
    db = Settings(database={"url": f"sqlite:///{tmp_path}/data/nhacviec.db"}, zalo=ZaloSettings())  # type: ignore[arg-type]
    assert token_file(db) == tmp_path / "data" / "zalo-token.json"
    config = tmp_path / "config" / "nhacviec.toml"
    pg = Settings(
        database={"url": "postgresql+psycopg://localhost/nv"},  # type: ignore[arg-type]
        zalo=ZaloSettings(token_file=Path("secrets/zalo.json")),
        source=config,
    )
    assert token_file(pg) == tmp_path / "config" / "secrets" / "zalo.json"
    assert (
        token_file(pg.model_copy(update={"zalo": ZaloSettings()}))
        == config.parent / "zalo-token.json"
    )


def test_the_section_is_read_from_the_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "nhacviec.toml"
    config.write_text('[zalo]\napp_id = "42"\napi_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.zalo is not None and settings.zalo.app_id == "42"
    assert settings.zalo.api_url == "http://127.0.0.1:9"
    config.write_text('[zalo]\napp_id = "42"\nsecret_key = "in the file"\n', encoding="utf-8")
    with pytest.raises(NhacviecError) as caught:  # a secret never goes in the file
        load_settings(config)
    assert "secret_key" in str(caught.value) and ":3" in str(caught.value)
