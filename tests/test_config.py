"""Settings: where they are found, what they default to, and how bad ones are reported."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from engine.config import load_settings
from engine.errors import InputError, InputErrors
from tests.conftest import ROOT

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nhacviec.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_file_the_embedded_defaults_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NHACVIEC_CONFIG", raising=False)
    monkeypatch.delenv("NHACVIEC_DB", raising=False)
    settings = load_settings()
    assert settings.database.url == "sqlite:///nhacviec.db"
    assert settings.time.timezone == "Asia/Ho_Chi_Minh"
    assert settings.time.send_time == time(8, 0)
    assert settings.time.holidays == "VN"
    assert settings.email is None


def test_the_shipped_settings_file_is_valid_and_points_at_the_shipped_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NHACVIEC_DB", raising=False)
    settings = load_settings(ROOT / "config" / "nhacviec.toml")
    assert settings.paths.workflows.resolve() == ROOT / "workflows"
    assert settings.paths.agencies.resolve() == ROOT / "config" / "agencies.yaml"


def test_env_var_names_the_file_and_db_overrides_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[time]\nsend_at = "07:30"\nextra_days_off = [2026-01-02]\n')
    monkeypatch.setenv("NHACVIEC_CONFIG", str(path))
    monkeypatch.setenv("NHACVIEC_DB", "postgresql+psycopg://u@h/db")
    settings = load_settings()
    assert settings.time.send_time == time(7, 30)
    assert settings.time.extra_days_off == [date(2026, 1, 2)]
    assert settings.database.url == "postgresql+psycopg://u@h/db"
    assert load_settings(db_url="sqlite:///x.db").database.url == "sqlite:///x.db"


def test_unknown_keys_are_named_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[time]\ntimezone = "Asia/Ho_Chi_Minh"\nsend_att = "08:00"\n')
    with pytest.raises(InputErrors) as caught:
        load_settings(path)
    assert f"{path}:3: unknown key 'send_att'" in str(caught.value)


def test_wrong_types_say_what_was_expected(tmp_path: Path) -> None:
    text = '[email]\nhost = "smtp"\nport = "twenty-five"\nfrom = "a@b"\n[time]\nsend_at = "8h"\n'
    path = write(tmp_path, text)
    with pytest.raises(InputErrors) as caught:
        load_settings(path)
    message = str(caught.value)
    assert f"{path}:3: email.port:" in message
    assert f"{path}:6: time.send_at: expected a time of day as HH:MM" in message


def test_secrets_are_named_by_environment_variable_only(tmp_path: Path) -> None:
    path = write(tmp_path, '[email]\nhost = "smtp"\nfrom = "a@b"\npassword = "hunter2"\n')
    with pytest.raises(InputErrors, match="unknown key 'password'"):
        load_settings(path)


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="settings file not found"):
        load_settings(tmp_path / "nope.toml")


def test_broken_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[time]\nsend_at = "08:00\n')
    with pytest.raises(InputError, match=rf"{path}:2: not valid TOML"):
        load_settings(path)
