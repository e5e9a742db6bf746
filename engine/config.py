"""Settings: one TOML file, found at ``--config``, ``$NHACVIEC_CONFIG`` or ./config/nhacviec.toml.

Secrets never live in the file: it names the environment variables that hold them
(``password_env``, ``token_env``, ``secret_env``). Unknown keys and wrong types are errors
naming the key, the file and the line. Relative paths in ``[paths]`` are resolved against
the directory of the settings file (against the working directory when there is no file);
the default database is a SQLite file in the working directory.
"""

from __future__ import annotations

import os
import re
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.errors import InputError
from engine.i18n import _
from engine.yamlpos import load_toml, read_text, validate
from notifiers.webhook.settings import WebhookSettings

DEFAULT_CONFIG = Path("config/nhacviec.toml")
DEFAULT_DB_URL = "sqlite:///nhacviec.db"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class DatabaseSettings(_Section):
    url: str = DEFAULT_DB_URL

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql(\+psycopg)?)://", value):
            raise ValueError("expected a sqlite:/// or postgresql+psycopg:// URL")
        return value


class TimeSettings(_Section):
    """The zone, the calendar, and when messages go out: reminders are scheduled at
    ``send_at`` on working days and only sent inside ``send_window`` (office hours on
    working days, ``engine.sendwindow``), which must contain ``send_at``."""

    timezone: str = "Asia/Ho_Chi_Minh"
    send_at: str = "08:00"
    send_window: str = "07:30-17:00"
    holidays: str = "VN"
    extra_days_off: list[date] = Field(default_factory=list)

    @field_validator("send_window")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        from engine.sendwindow import OFF, parse_window

        if value != OFF:
            parse_window(value)
        return value

    @model_validator(mode="after")
    def _send_at_inside(self) -> TimeSettings:
        from engine.sendwindow import OFF, parse_window

        if self.send_window == OFF:
            return self
        start, end = parse_window(self.send_window)
        hour, minute = self.send_time.hour, self.send_time.minute
        if not start <= hour * 60 + minute < end:
            raise ValueError(
                f"send_at {self.send_at!r} is outside send_window {self.send_window!r}: "
                "reminders would wait for the next opening"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone such as Asia/Ho_Chi_Minh") from exc
        return value

    @field_validator("send_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError('expected a time of day as HH:MM, e.g. "08:00"')
        return value

    @property
    def send_time(self) -> time:
        hour, minute = self.send_at.split(":")
        return time(int(hour), int(minute))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class EmailSettings(_Section):
    host: str
    port: int = 25
    sender: str = Field(alias="from")
    starttls: bool = False
    ssl: bool = False
    username_env: str | None = None
    password_env: str | None = None
    timeout: float = 30.0
    connections: Annotated[int, Field(ge=1, le=16)] = 1  # SMTP connections used at once


class TelegramSettings(_Section):
    token_env: str = "NHACVIEC_TELEGRAM_TOKEN"
    base_url: str = "https://api.telegram.org/bot"
    global_rate: float = 25.0  # messages per second across all chats
    webhook_url: str | None = None


class ZaloSettings(_Section):
    """The Zalo Official Account channel (``notifiers.zalo``).

    Like every secret, the app's secret key, the OA secret key (webhook signatures) and
    the first refresh token are named by environment variables, never written here. The
    tokens Zalo hands out afterwards (each refresh token works once) live in
    ``token_file``: by default ``zalo-token.json`` next to the SQLite database, or next
    to the settings file. The base URLs are Zalo's; tests point them at a local server.
    """

    app_id: str | None = None
    secret_key_env: str = "NHACVIEC_ZALO_SECRET_KEY"
    oa_secret_key_env: str = "NHACVIEC_ZALO_OA_SECRET_KEY"
    refresh_token_env: str = "NHACVIEC_ZALO_REFRESH_TOKEN"
    token_file: Path | None = None
    api_url: str = "https://openapi.zalo.me"
    oauth_url: str = "https://oauth.zaloapp.com"
    rate: Annotated[float, Field(gt=0)] = 10.0  # messages per second, all followers
    timeout: Annotated[float, Field(gt=0)] = 30.0


class WebSettings(_Section):
    bind: str = "127.0.0.1:8080"
    base_url: str = "http://127.0.0.1:8080"
    secret_env: str = "NHACVIEC_SECRET"
    token_days: int = 30


class PathsSettings(_Section):
    workflows: Path = Path("workflows")
    templates: Path = Path("templates")
    agencies: Path = Path("config/agencies.yaml")
    plans: Path = Path("plans")
    outbox: Path = Path("outbox")


class DeliverySettings(_Section):
    max_attempts: Annotated[int, Field(ge=1)] = 8
    backoff_seconds: Annotated[float, Field(gt=0)] = 60.0
    backoff_max_seconds: Annotated[float, Field(gt=0)] = 6 * 3600.0
    lease_seconds: Annotated[int, Field(ge=10)] = 300
    batch_size: Annotated[int, Field(ge=1)] = 200
    concurrency: Annotated[int, Field(ge=1)] = 8  # messages in flight per channel
    mode: Literal["auto", "outbox"] = "auto"


class DigestSettings(_Section):
    """The weekly digests (``engine.digest``): off unless ``enabled``.

    Off by default so that an engine started without a settings file sends only what the
    workflows schedule; the shipped ``config/nhacviec.toml`` turns them on.
    """

    enabled: bool = False


class LettersSettings(_Section):
    """Formal reminder letters (công văn đôn đốc).

    ``number_format`` builds the letter number from ``{seq}`` (the letter's sequence
    number in its year, from 1), ``{year}`` and ``{yy}``. Empty names print as the dotted
    blanks of a draft; ``issuer`` defaults to the plan owner's name. ``template`` is
    relative to ``[paths] templates``.
    """

    number_format: str = "{seq}/CV-NV"
    issuer: str | None = None
    superior: str | None = None
    place: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    template: Path = Path("letters/cong-van-don-doc.docx")

    @field_validator("number_format")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        import string

        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"expected a pattern such as {{seq}}/CV-NV ({exc})") from exc
        if "seq" not in names or not names <= {"seq", "year", "yy"}:
            raise ValueError("expected a pattern with {seq} and optionally {year}, {yy}")
        return value


class UiSettings(_Section):
    """What the terminal speaks: ``vi`` (the default) or ``en`` (``engine.i18n``)."""

    language: Literal["vi", "en"] = "vi"


class Settings(_Section):
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    time: TimeSettings = Field(default_factory=TimeSettings)
    email: EmailSettings | None = None
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    zalo: ZaloSettings | None = None
    web: WebSettings = Field(default_factory=WebSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)  # notifiers.webhook
    paths: PathsSettings = Field(default_factory=PathsSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    letters: LettersSettings = Field(default_factory=LettersSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    source: Path | None = Field(default=None, exclude=True)

    def secret(self, env_name: str | None) -> str | None:
        """The value of the environment variable a setting names (None if unset)."""
        return os.environ.get(env_name) if env_name else None

    def with_db(self, url: str) -> Settings:
        return self.model_copy(update={"database": DatabaseSettings(url=url)})


def find_config(explicit: Path | None) -> Path | None:
    """``--config`` wins, then ``$NHACVIEC_CONFIG``, then ./config/nhacviec.toml if present."""
    if explicit is not None:
        return explicit
    env = os.environ.get("NHACVIEC_CONFIG")
    if env:
        return Path(env)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def load_settings(config: Path | None = None, db_url: str | None = None) -> Settings:
    """Load the settings; ``db_url`` (``--db``) or ``$NHACVIEC_DB`` override the database."""
    path = find_config(config)
    if path is None:
        settings = Settings()
    else:
        if path.is_dir():
            inside = path / "nhacviec.toml"
            hint = _("; did you mean {path}?").format(path=inside) if inside.is_file() else ""
            raise InputError(
                _(
                    "is a folder: --config takes the settings file itself (a .toml file "
                    "such as nhacviec.toml){hint}"
                ).format(hint=hint),
                file=str(path),
            )
        if not path.is_file():
            raise InputError(_("settings file not found"), file=str(path))
        text = read_text(path)
        data, positions = load_toml(text, str(path))
        settings = validate(Settings, data, positions, str(path))
        settings = _resolve_paths(settings, path.parent)
        settings = settings.model_copy(update={"source": path})
    override = db_url or os.environ.get("NHACVIEC_DB")
    if override:
        try:
            settings = settings.with_db(override)
        except ValueError as exc:
            raise InputError(
                _(
                    "database URL {override!r} (from --db or $NHACVIEC_DB): expected a "
                    "sqlite:/// or postgresql+psycopg:// URL"
                ).format(override=override)
            ) from exc
    return settings


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    values: dict[str, Any] = {
        name: (value if value.is_absolute() else (base / value))
        for name, value in settings.paths.model_dump().items()
    }
    return settings.model_copy(update={"paths": PathsSettings(**values)})
