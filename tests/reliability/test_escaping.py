"""Markup in a task title reaches people as text, on every channel.

A title, an agency name and a plan title full of HTML and of what breaks Telegram's HTML
(``<script>``, ``&``, ``<b>``, a closing tag with no opening one, ``<tg-spoiler>``,
quotes) go out through the real delivery tick: to an SMTP server (HTML part escaped,
text part and subject verbatim) and to the Bot API server, which parses Telegram HTML
as Telegram does and refuses a message that is not valid. The acknowledgement page, the
bot's /status list and the buttons' update after a press show it escaped too. A title
with line breaks cannot add a header to the email.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from engine.acklinks import AckLinks
from engine.config import Settings, TelegramSettings
from engine.delivery import tick
from engine.store.db import Store
from engine.web import create_app
from notifiers.telegram import TelegramNotifier
from tests import factories as f
from tests.fakes.botapi import TOKEN, FakeBotApi
from tests.fakes.smtp import SmtpServer
from tests.telegram.conftest import VirtualClock
from tests.telegram.harness import RunningBot

TITLE = (
    'Rà soát <script>alert("x")</script> & <b>đậm</b> </i> 5 < 6 > 4 &amp; &#x41; '
    "<tg-spoiler>ẩn</tg-spoiler> <a href=\"javascript:alert('x')\">bấm</a> 'nháy'"
)
AGENCY = "Sở Công Thương & <Đối tác>"
PLAN = "Kế hoạch <i>2026</i> & sau"
INJECTED = "Báo cáo\r\nBcc: attacker@evil.example\r\nX-Evil: 1"
CHAT = 4242
NOW = f.at(date(2026, 6, 12))
TOKEN_ENV = "NHACVIEC_TEST_TELEGRAM_TOKEN"


class Elements(HTMLParser):
    """The tags of an HTML document and the hrefs of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs.extend(value or "" for name, value in attrs if name == "href")


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def build(store: Store) -> tuple[int, int]:
    """Two obligations (markup, header injection), each with an email and a Telegram
    reminder due now; the id of the one with markup, and the contact's."""
    with store.session() as s:
        agency = f.agency(s, name=AGENCY)
        person = f.contact(s, agency, chat=CHAT)
        plan = f.plan(s, title=PLAN)
        marked = f.obligation(s, plan, agency, title=TITLE)
        injected = f.obligation(s, plan, agency, title=INJECTED, key="injected")
        for about in (marked, injected):
            for channel in ("email", "telegram"):
                f.notification(s, about, person, when=NOW, channel=channel)
        return marked.id, person.id


@pytest.fixture
def settings(
    tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Settings, FakeBotApi, VirtualClock]]:
    monkeypatch.setenv("NHACVIEC_SECRET", "escaping-secret")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    clock = VirtualClock()
    api = FakeBotApi(clock=clock)
    api.start()
    base = f.settings(tmp_path, smtp=(smtp.host, smtp.port), base_url="https://nv.example.org")
    telegram = TelegramSettings(token_env=TOKEN_ENV, base_url=api.base_url, global_rate=30)
    yield base.model_copy(update={"telegram": telegram}), api, clock
    api.stop()


def test_markup_in_titles_is_text_in_email_telegram_the_web_page_and_the_bot(
    store: Store, smtp: SmtpServer, settings: tuple[Settings, FakeBotApi, VirtualClock]
) -> None:
    config, api, clock = settings
    marked, contact = build(store)
    notifier = TelegramNotifier(config, clock=clock, sleep=clock.sleep)
    report = asyncio.run(
        tick(store, config, now=NOW, worker_id="w", notifiers={"telegram": notifier})
    )
    assert sorted(o.result for o in report.outcomes) == ["sent"] * 4, report.outcomes

    mails = {m.message["Subject"]: m for m in smtp.wait_for(2)}
    mail = next(m for subject, m in mails.items() if "<script>" in subject)
    # the subject is text, cut after a whole word at 120 characters (agency and date first)
    whole = f"[Nhắc việc] {AGENCY} – hạn 19/06/2026: {TITLE}"
    assert len(mail.subject) <= 120 and mail.subject.endswith("…")
    assert whole.startswith(mail.subject[:-1]) and whole[len(mail.subject) - 1] == " "
    message = mail.message
    html = part(message, "html")
    for text in (TITLE, AGENCY, PLAN):
        assert str(escape(text)) in html
    found = elements(html)
    assert found.tags <= {"html", "body", "p", "b", "table", "tr", "th", "td", "a"}
    # the acknowledgement, "done" and extension-request links, all on the configured site
    assert sorted(h.rsplit("/", 2)[0] + "/" + h.split("/")[-2] for h in found.hrefs) == [
        "https://nv.example.org/ack",
        "https://nv.example.org/done",
        "https://nv.example.org/extend",
    ]
    text = part(message, "plain")
    assert f"Nhiệm vụ: {TITLE}" in text and f"Đơn vị: {AGENCY}" in text

    (shown, _) = sorted(api.sent(CHAT), key=lambda m: "<script>" not in m.text)
    assert TITLE in shown.text and AGENCY in shown.text  # as people read it
    assert str(escape(TITLE)) in shown.html

    forged = next(m for m in smtp.received if m is not mail)
    headers = forged.message
    assert headers["Bcc"] is None and headers["X-Evil"] is None
    assert forged.rcpt_tos == ["sct@example.org"]
    assert "Báo cáo Bcc: attacker@evil.example X-Evil: 1" in forged.subject

    links = AckLinks.from_settings(config)
    assert links is not None
    client = TestClient(create_app(store, config, clock=lambda: NOW))
    page = client.get(f"/ack/{links.token(marked, contact, now=NOW)}").text
    assert str(escape(TITLE)) in page and str(escape(AGENCY)) in page
    assert "<script>" not in page and "<tg-spoiler>" not in page

    async def bot() -> None:
        async with RunningBot(config, store, api, clock) as running:
            running.now = NOW + timedelta(hours=1)  # an hour after the reminders went out
            listing = await running.say(CHAT, "/status")
            assert TITLE in listing.text
            await running.press(CHAT, shown.message_id, "Đã nhận")
            await api.wait_until(lambda: shown.edits, what="the buttons to change")

    asyncio.run(bot())
    pressed = [label for row in shown.button_texts() for label in row]
    assert pressed[0].startswith("✅ Đã nhận – Phòng Kế hoạch - SCT")  # the edit was valid


def part(message: EmailMessage, kind: str) -> str:
    body = message.get_body((kind,))
    assert body is not None
    return str(body.get_content())
