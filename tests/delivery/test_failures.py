"""Failures: retries with backoff through an outage, permanent refusals, pacing channels."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.config import DeliverySettings, Settings
from engine.delivery import backoff
from engine.store.db import Store
from engine.store.models import Contact, ContactAddress
from notifiers.base import PermanentError, TransientError
from tests import factories as f
from tests.delivery.helpers import attempts, row
from tests.fakes.notifier import Scripted
from tests.fakes.smtp import SmtpServer
from tests.helpers import run_tick

NOW = f.at(date(2026, 6, 12))


def setup_rows(store: Store, emails: tuple[str, ...] = ("sct@example.org",)) -> None:
    with store.session() as s:
        agency = f.agency(s)
        about = f.obligation(s, f.plan(s), agency)
        for n, address in enumerate(emails):
            person = f.contact(s, agency, email=address, chat=5000 + n)
            f.notification(s, about, person, when=NOW, stage=f"before-7-{n}")


def test_backoff_grows_exponentially_with_jitter_up_to_its_cap() -> None:
    settings = DeliverySettings(backoff_seconds=60, backoff_max_seconds=3600)
    delays = [backoff("o1:s:c1:email", n, settings) for n in range(1, 10)]
    for n, delay in enumerate(delays[:6], start=1):
        assert 0.5 * 60 * 2 ** (n - 1) <= delay < 60 * 2 ** (n - 1)
    assert all(1800 <= d < 3600 for d in delays[6:])
    assert backoff("o1:s:c1:email", 1, settings) == backoff("o1:s:c1:email", 1, settings)
    assert backoff("o2:s:c1:email", 1, settings) != backoff("o1:s:c1:email", 1, settings)


def test_a_stopped_server_means_retries_and_everything_arrives_once_it_is_back(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port))
    setup_rows(store, ("a@example.org", "b@example.org"))
    smtp.stop()
    now = NOW
    for attempt in (1, 2, 3):
        report = run_tick(store, settings, now)
        assert [o.result for o in report.outcomes] == ["retried", "retried"]
        assert all("connect" in (o.detail or "").lower() for o in report.outcomes)
        waiting = [row(store, "before-7-0"), row(store, "before-7-1")]
        assert [(w.state, w.attempts) for w in waiting] == [("pending", attempt)] * 2
        earliest = min(w.due_at for w in waiting)
        assert now + timedelta(seconds=30 * 2 ** (attempt - 1)) <= earliest
        assert run_tick(store, settings, earliest - timedelta(seconds=1)).outcomes == []
        now = max(w.due_at for w in waiting)
    smtp.start()
    report = run_tick(store, settings, now)
    assert [o.result for o in report.outcomes] == ["sent", "sent"]
    assert sorted(m.rcpt_tos[0] for m in smtp.wait_for(2)) == ["a@example.org", "b@example.org"]
    assert [a[1] for a in attempts(store) if a[0] == "before-7-0"] == [
        "retry", "retry", "retry", "sent",
    ]  # fmt: skip
    assert run_tick(store, settings, now + timedelta(days=1)).outcomes == []


def test_retries_give_up_after_max_attempts(store: Store, tmp_path: Path) -> None:
    from tests.fakes.smtp import free_port

    settings = f.settings(tmp_path, smtp=("127.0.0.1", free_port()), delivery={"max_attempts": 3})
    setup_rows(store)
    now = NOW
    for _ in range(3):
        run_tick(store, settings, now)
        now = row(store, "before-7-0").due_at
    failed = row(store, "before-7-0")
    assert (failed.state, failed.attempts) == ("failed", 3)
    assert failed.last_error is not None and failed.last_error.startswith(
        "gave up after 3 attempts"
    )


def test_a_550_fails_at_once_and_flags_the_address(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    smtp.refuse["gone@example.org"] = "550 5.1.1 <gone@example.org>: mailbox unknown"
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port))
    setup_rows(store, ("gone@example.org", "ok@example.org"))
    report = run_tick(store, settings, NOW)
    assert {o.to: o.result for o in report.outcomes} == {
        "gone@example.org": "failed",
        "ok@example.org": "sent",
    }
    failed = row(store, "before-7-0")
    assert (failed.state, failed.attempts) == ("failed", 1)
    with store.session() as s:
        a = ContactAddress
        flags = dict(s.execute(sa.select(a.address, a.flag).where(a.channel == "email")).all())
    assert flags["ok@example.org"] is None
    assert (
        "550 5.1.1" in flags["gone@example.org"] and "mailbox unknown" in flags["gone@example.org"]
    )
    assert run_tick(store, settings, NOW + timedelta(days=1)).outcomes == []


def test_a_4xx_reply_retries(store: Store, smtp: SmtpServer, tmp_path: Path) -> None:
    smtp.refuse["*"] = "452 4.2.2 mailbox full"
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port))
    setup_rows(store)
    (outcome,) = run_tick(store, settings, NOW).outcomes
    assert outcome.result == "retried"
    assert outcome.detail is not None and "452" in outcome.detail
    smtp.refuse.clear()
    assert [
        o.result for o in run_tick(store, settings, row(store, "before-7-0").due_at).outcomes
    ] == ["sent"]


def telegram_row(store: Store) -> None:
    with store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency, chat=1001)
        f.notification(s, f.obligation(s, f.plan(s), agency), person, when=NOW, channel="telegram")


def test_a_channel_asking_to_wait_is_obeyed_without_using_up_retries(
    store: Store, tmp_path: Path
) -> None:
    telegram_row(store)
    paced = Scripted(TransientError("429 Too Many Requests", retry_after=37.0))
    report = run_tick(store, f.settings(tmp_path), NOW, notifiers={"telegram": paced})
    assert [o.result for o in report.outcomes] == ["retried"]
    waiting = row(store, "before-7")
    assert waiting.due_at == NOW + timedelta(seconds=37)
    assert waiting.attempts == 0
    assert attempts(store) == [("before-7", "retry", "429 Too Many Requests")]
    run_tick(store, f.settings(tmp_path), waiting.due_at, notifiers={"telegram": paced})
    assert [m.to for m in paced.sent] == ["1001"]


def test_a_group_that_became_a_supergroup_is_followed(store: Store, tmp_path: Path) -> None:
    telegram_row(store)
    migrating = Scripted(PermanentError("group upgraded", migrate_to_chat_id=-100123))
    report = run_tick(store, f.settings(tmp_path), NOW, notifiers={"telegram": migrating})
    assert [o.result for o in report.outcomes] == ["retried", "sent"]
    assert [m.to for m in migrating.sent] == ["-100123"]
    with store.session() as s:
        (contact,) = s.scalars(sa.select(Contact)).all()
        assert contact.addresses == {"email": "sct@example.org", "telegram": "-100123"}


def test_a_blocked_bot_fails_the_row_and_flags_the_chat(store: Store, tmp_path: Path) -> None:
    telegram_row(store)
    blocked = Scripted(PermanentError("Forbidden", flag="bot was blocked by the user"))
    run_tick(store, f.settings(tmp_path), NOW, notifiers={"telegram": blocked})
    assert row(store, "before-7").state == "failed"
    with store.session() as s:
        (contact,) = s.scalars(sa.select(Contact)).all()
        assert contact.flags == {"telegram": "bot was blocked by the user"}


def test_a_notifier_bug_is_retried_not_fatal(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    telegram_row(store)
    buggy = Scripted(KeyError("oops"))  # type: ignore[arg-type]
    report = run_tick(store, f.settings(tmp_path), NOW, notifiers={"telegram": buggy})
    assert [(o.result, o.detail) for o in report.outcomes] == [("retried", "KeyError: 'oops'")]
    assert "notifier Scripted failed" in caplog.text


def test_a_broken_template_fails_the_row_naming_the_template(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    setup_rows(store)
    with store.session() as s:
        s.execute(sa.text("UPDATE notifications SET template = 'missing'"))
    report = run_tick(store, f.settings(tmp_path, smtp=(smtp.host, smtp.port)), NOW)
    (outcome,) = report.failed
    assert outcome.detail is not None and "vi/missing.subject.j2 not found" in outcome.detail
    assert smtp.received == []


@pytest.fixture
def login_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(credentials=("nhacviec", "đúng-mật-khẩu"))
    server.start()
    yield server
    server.stop()


def with_login(settings: Settings, user_env: str, password_env: str) -> Settings:
    assert settings.email is not None
    email = settings.email.model_copy(
        update={"username_env": user_env, "password_env": password_env}
    )
    return settings.model_copy(update={"email": email})


def test_smtp_login_uses_the_credentials_named_by_the_settings(
    store: Store, login_smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", "nhacviec")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "đúng-mật-khẩu")
    settings = f.settings(tmp_path, smtp=(login_smtp.host, login_smtp.port))
    setup_rows(store)
    report = run_tick(store, with_login(settings, "TEST_SMTP_USER", "TEST_SMTP_PASSWORD"), NOW)
    assert [o.result for o in report.outcomes] == ["sent"]
    (mail,) = login_smtp.wait_for(1)
    assert mail.authenticated


def test_a_refused_login_is_retried_and_the_password_is_never_shown(
    store: Store, login_smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", "nhacviec")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "sai-mat-khau")
    settings = f.settings(tmp_path, smtp=(login_smtp.host, login_smtp.port))
    setup_rows(store)
    (outcome,) = run_tick(
        store, with_login(settings, "TEST_SMTP_USER", "TEST_SMTP_PASSWORD"), NOW
    ).outcomes
    assert outcome.result == "retried"
    assert outcome.detail is not None and "535" in outcome.detail
    assert "sai-mat-khau" not in (row(store, "before-7-0").last_error or "")
    with store.session() as s:
        (contact,) = s.scalars(sa.select(Contact)).all()
        assert contact.flags == {}  # not the recipient's fault


def test_a_missing_credential_variable_keeps_mail_waiting_and_says_which(
    store: Store, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("TEST_SMTP_USER", "nhacviec")
    settings = f.settings(tmp_path, smtp=(smtp.host, smtp.port))
    setup_rows(store)
    run_tick(store, with_login(settings, "TEST_SMTP_USER", "TEST_SMTP_PASSWORD"), NOW)
    waiting = row(store, "before-7-0")
    assert (waiting.state, waiting.attempts) == ("pending", 0)
    assert waiting.last_error == "[email] password_env names $TEST_SMTP_PASSWORD, which is not set"
    assert smtp.received == []
