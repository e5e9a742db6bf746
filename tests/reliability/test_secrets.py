"""No secret ever appears in a log line, an error message, an output or the store.

The main paths run with every logger at DEBUG and every output captured: ``nhacviec
tick`` sending email through an SMTP server that requires a login and Telegram messages
with the bot's token; the same with a password the server refuses and a token Telegram
refuses; the bot answering in a chat (python-telegram-bot logs its requests, whose URLs
hold the token) and failing to start with a refused token; the acknowledgement pages
(signed with the web secret) opened, confirmed, forged and expired. The secrets, and
the base64 an SMTP login would carry them in, must appear nowhere: not in any record or
its traceback, not on stdout or stderr, not in the database, not in what was sent.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from engine.acklinks import AckLinks
from engine.cli import app
from engine.config import load_settings
from engine.store.db import Store
from engine.web import create_app
from notifiers.telegram.bot import run_bot
from tests import factories as f
from tests.fakes.botapi import FakeBotApi
from tests.fakes.smtp import SmtpServer
from tests.helpers import cli_url
from tests.reliability.helpers import dump
from tests.telegram.conftest import VirtualClock
from tests.telegram.harness import RunningBot

USER, PASSWORD = "nv-mailer-7f3a", "pw-Secr3t-9c1e-đúng"
WRONG_PASSWORD = "pw-Wr0ng-55aa-sai"
BOT_TOKEN = "987654:REL-secret-token-b7d2e1"
WRONG_TOKEN = "987654:REL-refused-token-0c4f9a"
WEB_SECRET = "web-secret-5e8d1a-0b77c2"
SECRETS = (PASSWORD, WRONG_PASSWORD, BOT_TOKEN, WRONG_TOKEN, WEB_SECRET, USER)
NOW = f.at(date(2026, 6, 12))
CHAT = 5151
FAKE_SERVERS = ("mail.log",)  # aiosmtpd's own log: the test's server, not the product


def forms(secret: str) -> list[str]:
    """The secret, and the base64 an SMTP AUTH exchange would carry it in."""
    encoded = [base64.b64encode(secret.encode()).decode()]
    encoded.append(base64.b64encode(f"\0{USER}\0{secret}".encode()).decode())
    return [secret, *encoded]


def leaks(text: str) -> list[str]:
    return [s for secret in SECRETS for s in forms(secret) if s in text]


@pytest.fixture
def servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SmtpServer, FakeBotApi]]:
    smtp = SmtpServer(credentials=(USER, PASSWORD))
    smtp.start()
    api = FakeBotApi(token=BOT_TOKEN)
    api.start()
    monkeypatch.setenv("REL_SMTP_USER", USER)
    monkeypatch.setenv("REL_TELEGRAM_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("REL_WEB_SECRET", WEB_SECRET)
    yield smtp, api
    api.stop()
    smtp.stop()


def config_file(tmp_path: Path, store: Store, smtp: SmtpServer, api: FakeBotApi) -> Path:
    path = tmp_path / "nhacviec.toml"
    path.write_text(
        f'[database]\nurl = "{cli_url(store)}"\n'
        f'[email]\nhost = "{smtp.host}"\nport = {smtp.port}\nfrom = "Nhắc việc <nv@example.org>"\n'
        'username_env = "REL_SMTP_USER"\npassword_env = "REL_SMTP_PASSWORD"\n'
        f'[telegram]\ntoken_env = "REL_TELEGRAM_TOKEN"\nbase_url = "{api.base_url}"\n'
        '[web]\nsecret_env = "REL_WEB_SECRET"\nbase_url = "https://nv.example.org"\n'
        f'[paths]\ntemplates = "{f.ROOT / "templates"}"\noutbox = "{tmp_path / "outbox"}"\n',
        encoding="utf-8",
    )
    return path


def reminders(store: Store) -> tuple[int, int]:
    """An email and a Telegram reminder due at NOW, for one contact; (obligation, contact)."""
    with store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency, chat=CHAT)
        about = f.obligation(s, f.plan(s), agency)
        for channel in ("email", "telegram"):
            f.notification(s, about, person, when=NOW, channel=channel)
        later = NOW + timedelta(days=3)
        for channel in ("email", "telegram"):
            f.notification(s, about, person, when=later, stage="late-3", channel=channel,
                           escalation=True, stop_on=f.STOP_ON_DONE)  # fmt: skip
        return about.id, person.id


def test_no_secret_reaches_a_log_an_output_the_store_or_a_message(
    store: Store,
    servers: tuple[SmtpServer, FakeBotApi],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    smtp, api = servers
    obligation, contact = reminders(store)
    config = config_file(tmp_path, store, smtp, api)
    cli = CliRunner()
    outputs: list[str] = []

    def tick(at: str) -> None:
        result = cli.invoke(app, ["--config", str(config), "tick", "--now", at, "--json"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)

    # a password the server refuses, a token Telegram refuses: both rows wait
    monkeypatch.setenv("REL_SMTP_PASSWORD", WRONG_PASSWORD)
    monkeypatch.setenv("REL_TELEGRAM_TOKEN", WRONG_TOKEN)
    tick(NOW.isoformat())
    assert '"retried": 2' in outputs[-1] and "535" in outputs[-1]
    # the right ones: everything goes out, with an acknowledgement link in the email
    monkeypatch.setenv("REL_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("REL_TELEGRAM_TOKEN", BOT_TOKEN)
    tick((NOW + timedelta(hours=6)).isoformat())  # Friday 14:00, inside office hours
    assert '"sent": 2' in outputs[-1]
    (mail,) = smtp.wait_for(1)
    email_text = "\n".join(
        str(part.get_content()) for part in mail.message.walk() if not part.is_multipart()
    )
    assert mail.authenticated and "https://nv.example.org/ack/" in email_text

    settings = load_settings(config)
    links = AckLinks.from_settings(settings)
    assert links is not None
    token = links.token(obligation, contact, now=NOW)
    web = TestClient(create_app(store, settings, clock=lambda: NOW + timedelta(hours=1)))
    for path in (f"/ack/{token}", f"/ack/{token}"[:-4] + "AAAA", f"/ack/{token}x"):
        outputs.append(web.get(path).text)
        outputs.append(web.post(path).text)
    late = TestClient(create_app(store, settings, clock=lambda: NOW + timedelta(days=90)))
    outputs.append(late.post(f"/ack/{token}").text)

    async def bot() -> None:
        clock = VirtualClock()
        async with RunningBot(settings, store, api, clock) as running:
            running.now = NOW + timedelta(hours=2)
            outputs.append((await running.say(CHAT, "/status")).text)
        refused = settings.model_copy(deep=True)
        monkeypatch.setenv("REL_TELEGRAM_TOKEN", WRONG_TOKEN)
        stop = asyncio.Event()
        starting = asyncio.create_task(run_bot(refused, store, stop, retry_delay=0.05))
        await api.wait_until(
            lambda: "the Telegram bot cannot start" in caplog.text, what="a refused start"
        )
        stop.set()
        await starting

    asyncio.run(bot())

    records = [r for r in caplog.records if r.name not in FAKE_SERVERS]
    assert any("535" in r.getMessage() or "refused" in r.getMessage() for r in records)
    captured = capfd.readouterr()
    everywhere = {
        "log records": "\n".join(r.getMessage() for r in records),
        "log text with tracebacks": "\n".join(
            line for line in caplog.text.splitlines() if "mail.log" not in line
        ),
        "exceptions in records": "\n".join(repr(r.exc_info) for r in records if r.exc_info),
        "command outputs and pages": "\n".join(outputs),
        "stdout and stderr": captured.out + captured.err,
        "the database": repr(dump(store)),
        "the email": mail.data.decode("ascii", "replace") + email_text,
        "the Telegram messages": repr([(m.html, m.reply_markup) for m in api.sent()]),
        "the Telegram requests": repr([r.params for r in api.requests]),
    }
    assert any("bot<token>/getMe" in r.getMessage() for r in records)  # the URLs were logged
    assert {where: leaks(text) for where, text in everywhere.items() if leaks(text)} == {}
