"""A contact whose directory entry gives a ``webhook_url:`` gets its reminders as signed
POSTs to that URL: the directory, the registry, delivery and the notifier the engine
builds from the settings, against a local receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.agencies import Directory
from engine.plans.load import sync_directory
from engine.store.db import Store
from engine.store.models import Agency, Contact
from notifiers.webhook import WebhookSettings
from tests import factories as f
from tests.fakes.webhook import SECRET, FakeReceiver
from tests.helpers import run_tick

ENV = "NHACVIEC_TEST_WEBHOOK_SECRET"
NOW = f.at(date(2026, 6, 12))


@pytest.fixture
def live_receiver() -> Iterator[FakeReceiver]:
    """A receiver checking timestamps against the wall clock, as the engine's notifier
    (built from the settings, not by the test) stamps them."""
    with FakeReceiver(clock=time.time) as server:
        yield server


def directory(url: str) -> Directory:
    return Directory.model_validate(
        {
            "agencies": [
                {
                    "key": "hn.so-cong-thuong",
                    "name": "Sở Công Thương",
                    "contacts": [{"name": "Văn phòng điện tử SCT", "webhook_url": url}],
                }
            ]
        }
    )


def test_a_reminder_reaches_the_contacts_webhook_signed(
    store: Store, tmp_path: Path, live_receiver: FakeReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, SECRET)
    settings = f.settings(tmp_path).model_copy(update={"webhook": WebhookSettings(secret_env=ENV)})
    url = live_receiver.url("/nhacviec")
    with store.session() as s:
        sync_directory(s, directory(url), NOW)
        contact = s.scalars(sa.select(Contact)).one()
        assert contact.addresses == {"webhook": url}
        agency = s.get(Agency, contact.agency_id)
        assert agency is not None
        about = f.obligation(s, f.plan(s), agency)
        row = f.notification(s, about, contact, when=NOW, channel="webhook")
        about_id, key = about.id, row.key

    report = run_tick(store, settings, NOW)

    assert [(o.result, o.to) for o in report.outcomes] == [("sent", url)]
    (delivery,) = live_receiver.accepted()
    body = delivery.json()
    assert delivery.verified and delivery.path == "/nhacviec" and delivery.key == key
    assert (body["kind"], body["obligation_id"], body["recipient"]) == (
        "obligation",
        about_id,
        "Văn phòng điện tử SCT",
    )
    assert "Báo cáo 6 tháng đầu năm 2026" in body["text"]
    assert "19/06/2026" in body["text"]  # the due date, as the email's text says it


def test_a_directory_url_that_is_not_http_is_refused_with_its_line(tmp_path: Path) -> None:
    from engine.agencies import load_directory
    from engine.errors import InputErrors

    path = tmp_path / "agencies.yaml"
    path.write_text(
        "version: 1\nagencies:\n  - key: hn.sct\n    name: Sở Công Thương\n    contacts:\n"
        "      - name: Văn thư\n        webhook_url: ftp://eoffice.example.vn\n",
        encoding="utf-8",
    )
    with pytest.raises(InputErrors) as raised:
        load_directory(path)
    (problem,) = raised.value.problems
    assert (problem.file, problem.line) == (str(path), 7)
    assert "webhook_url" in problem.message and "ftp://eoffice.example.vn" in problem.message
