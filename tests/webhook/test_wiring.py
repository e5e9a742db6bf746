"""The one registry line the integrator adds, tried without editing the registry: the
engine's ``Channels`` builds, opens and closes the webhook notifier from the settings."""

from __future__ import annotations

import asyncio

import pytest

from engine.channels import Channels
from engine.config import Settings
from notifiers.base import Message
from notifiers.registry import CHANNELS, NOTIFIERS, ChannelEntry
from notifiers.webhook import WebhookNotifier, WebhookSettings, check_url
from tests.conftest import ROOT
from tests.fakes.webhook import NOW, SECRET, FakeReceiver

ENV = "NHACVIEC_TEST_WEBHOOK_SECRET"
ENTRY = ChannelEntry(
    name="webhook",
    notifier="notifiers.webhook:WebhookNotifier",
    section="webhook",
    directory_key="webhook_url",  # the contact's key in config/agencies.yaml
    address_name="webhook URL",
    check_address=check_url,
    text="txt",  # the plain text of the email: no templates of its own
)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CHANNELS, "webhook", ENTRY)
    monkeypatch.setitem(NOTIFIERS, "webhook", ENTRY.notifier)


def settings(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> Settings:
    if secret is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, secret)
    return Settings(webhook=WebhookSettings(secret_env=ENV, max_in_flight=3))


@pytest.mark.usefixtures("registered")
def test_the_entry_names_a_notifier_of_its_channel_that_carries_plain_text() -> None:
    cls = ENTRY.load_class()

    assert cls is WebhookNotifier and cls.channel == "webhook"
    assert (cls.buttons, cls.attachments, cls.max_length, cls.gated) == (False, False, None, False)
    assert ENTRY.template_parts == ("subject", "txt")


def test_every_template_with_a_subject_has_the_txt_part_the_webhook_reads() -> None:
    for language in ("vi", "en"):
        folder = ROOT / "templates" / language
        subjects = sorted(folder.glob("*.subject.j2"))
        assert subjects
        for subject in subjects:
            kind = subject.name.removesuffix(".subject.j2")
            assert (folder / f"{kind}.txt.j2").is_file(), f"{language}/{kind}.txt.j2"


@pytest.mark.usefixtures("registered")
def test_the_engine_builds_opens_and_closes_it_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, receiver: FakeReceiver
) -> None:
    async def run() -> tuple[WebhookNotifier, bool]:
        channels = Channels(settings(monkeypatch, SECRET))
        notifier = await channels.get("webhook")
        assert isinstance(notifier, WebhookNotifier)
        notifier.clock = lambda: NOW
        await notifier.send(Message("o1:before:c2:webhook", "webhook", receiver.url(), "S", "T"))
        opened = notifier._client is not None
        await channels.aclose()
        return notifier, opened

    notifier, opened = asyncio.run(run())

    assert opened and notifier._client is None and notifier.max_in_flight == 3
    assert [d.verified for d in receiver.deliveries] == [True]


@pytest.mark.usefixtures("registered")
def test_without_its_secret_the_channel_is_unavailable_saying_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def run() -> object:
        channels = Channels(settings(monkeypatch, None))
        try:
            return await channels.get("webhook")
        finally:
            await channels.aclose()

    reason = asyncio.run(run())

    assert reason == (
        f"Kênh webhook chưa được cấu hình: biến ${ENV} (khóa bí mật dùng để ký các lần gửi) "
        "chưa đặt"
    )
