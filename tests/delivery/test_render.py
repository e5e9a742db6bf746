"""Rendering: the subject the issue asks for, languages, escaping, links and buttons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.delivery import load_batch
from engine.errors import RenderError
from engine.messages.types import Templates, vndate
from engine.outbox import OutboxRow
from engine.sources import render_env
from engine.store.db import Store
from notifiers.base import Button, Message
from tests import factories as f

SECRET = "s3cret-for-tests"


def render_one(
    store: Store,
    tmp_path: Path,
    *,
    title: str = "Báo cáo 6 tháng đầu năm 2026",
    language: str = "vi",
    channel: str = "email",
    status: str = "open",
    stop_on: tuple[str, ...] = f.STOP_ON_ACK,
    payload: dict[str, object] | None = None,
    day: date = date(2026, 6, 12),
) -> Message:
    settings = f.settings(tmp_path, secret_env="NHACVIEC_TEST_SECRET")
    with store.session() as s:
        agency = f.agency(s)
        person = f.contact(s, agency, language=language, chat=4242)
        about = f.obligation(s, f.plan(s), agency, title=title, status=status)
        row = f.notification(
            s, about, person, when=f.at(day), channel=channel, stop_on=stop_on, payload=payload
        )
        outbox_row = OutboxRow.from_row(
            {c: getattr(row, c) for c in OutboxRow.__dataclass_fields__}
        )
        batch = load_batch(s, [outbox_row], render_env(settings, f.at(day)))
        return batch.render(outbox_row)


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHACVIEC_TEST_SECRET", SECRET)


def test_the_subject_says_what_is_due_for_whom_and_when(
    sqlite_store: Store, tmp_path: Path
) -> None:
    message = render_one(sqlite_store, tmp_path)
    assert message.subject == (
        "[Nhắc việc] Sở Công Thương – hạn 19/06/2026: Báo cáo 6 tháng đầu năm 2026"
    )
    assert message.to == "sct@example.org"
    assert message.to_name == "Phòng Kế hoạch - SCT"
    assert "còn 7 ngày đến hạn" in message.text
    assert message.headers["Date"] == "Fri, 12 Jun 2026 08:00:00 +0700"


def test_an_english_contact_gets_the_english_templates(sqlite_store: Store, tmp_path: Path) -> None:
    message = render_one(sqlite_store, tmp_path, language="en")
    assert message.subject.startswith("[Reminder] Sở Công Thương – due 19/06/2026:")
    assert "due in 7 day(s)" in message.text
    assert message.language == "en"


def test_html_is_escaped_and_text_is_not(sqlite_store: Store, tmp_path: Path) -> None:
    message = render_one(sqlite_store, tmp_path, title="Báo cáo <Quý II> & tổng hợp")
    assert message.html is not None
    assert "Báo cáo &lt;Quý II&gt; &amp; tổng hợp" in message.html
    assert "Báo cáo <Quý II> & tổng hợp" in message.text
    assert "Báo cáo <Quý II> & tổng hợp" in message.subject


def test_a_stage_that_asks_for_acknowledgement_carries_a_signed_link(
    sqlite_store: Store, tmp_path: Path
) -> None:
    message = render_one(sqlite_store, tmp_path)
    assert "http://127.0.0.1:8080/ack/" in message.text
    assert message.html is not None and 'href="http://127.0.0.1:8080/ack/' in message.html


def test_no_link_once_acknowledged(sqlite_store: Store, tmp_path: Path) -> None:
    acknowledged = render_one(sqlite_store, tmp_path, status="acknowledged")
    assert "/ack/" not in acknowledged.text


def test_no_link_when_acknowledging_does_not_stop_the_stage(
    sqlite_store: Store, tmp_path: Path
) -> None:
    assert "/ack/" not in render_one(sqlite_store, tmp_path, stop_on=f.STOP_ON_DONE).text


def test_the_generation_hint_decides_whether_a_link_is_asked(
    sqlite_store: Store, tmp_path: Path
) -> None:
    message = render_one(sqlite_store, tmp_path, payload={"when": "opens", "ack_link": False})
    assert "/ack/" not in message.text
    assert "bắt đầu từ hôm nay" in message.text


def test_without_the_secret_there_is_no_link(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NHACVIEC_TEST_SECRET")
    assert "/ack/" not in render_one(sqlite_store, tmp_path).text


def test_telegram_reminders_of_open_obligations_have_their_buttons(
    sqlite_store: Store, tmp_path: Path
) -> None:
    message = render_one(sqlite_store, tmp_path, channel="telegram")
    assert message.to == "4242"
    assert message.html is None
    assert "<b>Còn 7 ngày đến hạn</b>" in message.text
    assert message.buttons == (
        (Button("Đã nhận", "ack:1"), Button("Đã hoàn thành", "done?:1")),
        (
            Button("Nhắc lại sau 1 ngày", "snooze:1:1d"),
            Button("Nhắc lại sau 1 tuần", "snooze:1:7d"),
        ),
        (Button("Xin gia hạn", "extend?:1"),),
    )


def test_english_contacts_get_english_buttons(sqlite_store: Store, tmp_path: Path) -> None:
    english = render_one(sqlite_store, tmp_path, channel="telegram", language="en")
    assert [[b.text for b in row] for row in english.buttons] == [
        ["Acknowledge", "Done"],
        ["Remind me in 1 day", "Remind me in 1 week"],
        ["Request an extension"],
    ]


def test_no_buttons_once_acknowledged(sqlite_store: Store, tmp_path: Path) -> None:
    message = render_one(sqlite_store, tmp_path, channel="telegram", status="acknowledged")
    assert message.buttons == ()


def test_a_template_using_an_unknown_name_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "vi").mkdir()
    (tmp_path / "vi" / "broken.subject.j2").write_text("{{ obligation.titel }}")
    with pytest.raises(RenderError, match=r"vi/broken.subject.j2"):
        Templates(tmp_path).render("vi", "broken", "subject", {"obligation": {"title": "x"}})


def test_a_missing_english_template_falls_back_to_vietnamese(tmp_path: Path) -> None:
    (tmp_path / "vi").mkdir()
    (tmp_path / "vi" / "only.subject.j2").write_text("Hạn {{ day | vndate }}")
    assert Templates(tmp_path).render("en", "only", "subject", {"day": date(2026, 6, 19)}) == (
        "Hạn 19/06/2026"
    )


def test_vndate_is_day_month_year() -> None:
    assert vndate(date(2026, 1, 2)) == "02/01/2026"
    assert vndate(None) == ""
