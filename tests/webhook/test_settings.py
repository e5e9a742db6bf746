"""``[webhook]`` in the settings file, and the notifier built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import Settings, load_settings
from engine.errors import InputErrors, NhacviecError
from notifiers.webhook import WebhookNotifier, WebhookSettings
from tests.fakes.webhook import SECRET

ENV = "NHACVIEC_TEST_WEBHOOK_SECRET"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nhacviec.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_section_is_read_from_the_settings_file(tmp_path: Path) -> None:
    path = write(tmp_path, f'[webhook]\nsecret_env = "{ENV}"\ntimeout = 4.5\nmax_in_flight = 3\n')
    settings = load_settings(path)

    assert settings.webhook == WebhookSettings(secret_env=ENV, timeout=4.5, max_in_flight=3)


def test_without_the_section_the_defaults_apply(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[time]\n"))

    assert settings.webhook == WebhookSettings(
        secret_env="NHACVIEC_WEBHOOK_SECRET", timeout=10.0, max_in_flight=8
    )


@pytest.mark.usefixtures("english")
def test_the_secret_itself_is_never_a_key_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[webhook]\nsecret = "hunter2hunter2hunter2"\n')
    with pytest.raises(InputErrors) as caught:
        load_settings(path)

    assert f"{path}:2: unknown key 'secret'" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("line", ["timeout = 0", "max_in_flight = 0", "max_in_flight = 65"])
def test_bad_values_are_named_with_file_and_line(tmp_path: Path, line: str) -> None:
    path = write(tmp_path, f"[webhook]\n{line}\n")
    with pytest.raises(InputErrors) as caught:
        load_settings(path)

    assert f"{path}:2: webhook.{line.split()[0]}:" in str(caught.value)


def settings_with(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> Settings:
    if secret is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, secret)
    return Settings(webhook=WebhookSettings(secret_env=ENV, timeout=2.5, max_in_flight=5))


def test_the_notifier_takes_its_secret_timeout_and_concurrency_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    channel = WebhookNotifier.from_settings(settings_with(monkeypatch, SECRET))

    assert (channel.timeout, channel.max_in_flight) == (2.5, 5)
    assert channel._secret == SECRET
    assert SECRET not in repr(channel)


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_a_missing_secret_is_an_error_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch, secret: str | None
) -> None:
    with pytest.raises(NhacviecError) as caught:
        WebhookNotifier.from_settings(settings_with(monkeypatch, secret))

    assert str(caught.value) == (
        f"Kênh webhook chưa được cấu hình: biến ${ENV} (khóa bí mật dùng để ký các lần gửi) "
        "chưa đặt"
    )


@pytest.mark.usefixtures("english")
def test_a_missing_secret_is_an_error_in_english_too(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NhacviecError) as caught:
        WebhookNotifier.from_settings(settings_with(monkeypatch, None))

    assert str(caught.value) == (
        f"The webhook channel is not configured: ${ENV} (the secret deliveries are signed "
        "with) is not set"
    )


def test_a_short_secret_is_refused_without_showing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NhacviecError) as caught:
        WebhookNotifier.from_settings(settings_with(monkeypatch, "short-secret"))

    assert str(caught.value) == (
        f"Khóa bí mật webhook trong biến ${ENV} quá ngắn: cần ít nhất 16 ký tự"
    )
    assert "short-secret" not in str(caught.value)
