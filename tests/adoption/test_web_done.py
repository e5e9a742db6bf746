"""Finishing without Telegram: the email link's page records "Đã hoàn thành" with a report
number, and the owner's escalation email carries links to approve, finish and open.

The pages are served by the real application on a real HTTP server (uvicorn on a
loopback port, as ``nhacviec run`` serves them) and driven as a browser does: GET the
link from the email, then POST the page's form."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.config import Settings
from engine.extensions import request_extension
from engine.store.db import Store
from engine.store.models import AuditEvent, ExtensionRequest, Obligation
from engine.web import create_app, listen
from tests import factories as f
from tests.adoption.helpers import mail_texts
from tests.helpers import WebClock as Clock
from tests.helpers import run_tick, served

SECRET = "a-long-random-secret-for-tests"
DUE = date(2026, 6, 19)


@dataclass
class Live:
    """The web pages on a real server, the store and the outbox behind them."""

    base: str
    store: Store
    settings: Settings
    clock: Clock
    obligation: int
    agency_contact: int
    owner_contact: int

    def get(self, url: str) -> tuple[int, str]:
        return _http(urllib.request.Request(url))

    def post(self, url: str, **fields: str) -> tuple[int, str]:
        body = urllib.parse.urlencode(fields).encode()
        return _http(urllib.request.Request(url, data=body, method="POST"))

    def events(self) -> list[AuditEvent]:
        with self.store.session() as s:
            query = sa.select(AuditEvent).where(AuditEvent.obligation_id == self.obligation)
            return list(s.scalars(query.order_by(AuditEvent.id)))

    def status(self) -> str:
        with self.store.session() as s:
            found = s.get(Obligation, self.obligation)
            assert found is not None
            return found.status


def _http(request: urllib.request.Request) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


@pytest.fixture
def live(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    monkeypatch.setenv("NHACVIEC_SECRET", SECRET)
    sock = listen("127.0.0.1:0")
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = f.settings(tmp_path, base_url=base)
    with store.session() as s:
        owner = f.agency(s, "hn.ubnd", "UBND thành phố Hà Nội")
        boss = f.contact(s, owner, name="Văn phòng UBND", email="vp@ubnd.example.org")
        sct = f.agency(s)
        person = f.contact(s, sct)
        about = f.obligation(s, f.plan(s, owner=owner), sct, due_on=DUE)
        f.reminder_schedule(s, about, person)
        f.notification(s, about, boss, when=f.at(DUE + timedelta(days=3)), stage="late-3-owner",
                       order=5, template="escalation", stop_on=f.STOP_ON_DONE,
                       escalation=True)  # fmt: skip
        ids = about.id, person.id, boss.id
    clock = Clock(f.at(DUE - timedelta(days=7), time(10, 0)))
    with served(create_app(store, settings, clock=clock), sock):
        yield Live(base, store, settings, clock, *ids)


def link(text: str, label: str) -> str:
    found = re.search(rf"{re.escape(label)}: (http://127\.0\.0\.1:\d+/\S+)", text)
    assert found, text
    return found.group(1)


def test_the_reminder_page_records_done_with_the_report_number(live: Live) -> None:
    run_tick(live.store, live.settings, f.at(DUE - timedelta(days=7)))
    (mail,) = mail_texts(live.settings.paths.outbox)
    done_link = link(mail, "Đã hoàn thành? Báo hoàn thành (kèm số báo cáo)")
    assert "/done/" in done_link

    code, page = live.get(done_link)
    assert code == 200
    assert '<button type="submit">Xác nhận đã nhận</button>' in page
    assert '<button type="submit">Đã hoàn thành</button>' in page
    assert 'name="report"' in page and 'name="note"' in page
    assert (live.status(), live.events()) == ("open", [])  # a GET changes nothing

    code, page = live.post(done_link, report="245/BC-SCT", note="Gửi kèm phụ lục số liệu")
    assert code == 200
    assert "Đã ghi nhận hoàn thành" in page
    assert "báo cáo số <b>245/BC-SCT</b>" in page
    assert live.status() == "done"
    (event,) = live.events()
    assert (event.event, event.actor, event.channel) == ("done", "Phòng Kế hoạch - SCT", "web")
    assert event.note == "245/BC-SCT – Gửi kèm phụ lục số liệu"
    assert (event.data or {})["report_number"] == "245/BC-SCT"

    code, again = live.post(done_link, report="999/BC")  # a replay changes nothing
    assert code == 200 and "Nhiệm vụ đã hoàn thành" in again
    assert len(live.events()) == 1


def test_a_report_number_too_long_is_shown_again_and_nothing_is_recorded(live: Live) -> None:
    from engine.acklinks import AckLinks

    links = AckLinks.from_settings(live.settings)
    assert links is not None
    url = links.page_url("done", live.obligation, live.agency_contact, now=live.clock.now)
    code, page = live.post(url, report="x" * 121, note="ghi chú")
    assert code == 400
    assert "Số báo cáo dài quá" in page and ">ghi chú</textarea>" in page
    assert (live.status(), live.events()) == ("open", [])


def test_the_owners_escalation_email_carries_links_to_approve_finish_and_open(
    live: Live,
) -> None:
    with live.store.session() as s:
        overdue = s.get(Obligation, live.obligation)
        assert overdue is not None
        request_extension(s, overdue, new_due_on=date(2026, 7, 31), reason="Chờ số liệu",
                          by="Phòng Kế hoạch - SCT", via="cli", now=f.at(DUE))  # fmt: skip
    late = f.at(DUE + timedelta(days=3))
    live.clock.now = late + timedelta(hours=1)
    run_tick(live.store, live.settings, late)
    owner = next(t for t in mail_texts(live.settings.paths.outbox)
                 if "Kính gửi Văn phòng UBND" in t and "quá hạn" in t)  # fmt: skip
    assert "Sở Công Thương đề nghị gia hạn (GH1) đến 31/07/2026; lý do: Chờ số liệu." in owner
    approve = link(owner, "Đồng ý gia hạn")
    assert "/done/" in link(owner, "Đã hoàn thành? Báo hoàn thành (kèm số báo cáo)")
    code, page = live.get(link(owner, "Xem nhiệm vụ"))
    assert code == 200
    assert "Nhiệm vụ của Sở Công Thương" in page and "Đề nghị gia hạn GH1" in page
    assert "Xác nhận đã nhận</button>" not in page  # the owner does not acknowledge for them

    code, page = live.get(approve)
    assert code == 200 and "Đồng ý gia hạn</button>" in page
    with live.store.session() as s:
        assert s.scalars(sa.select(ExtensionRequest.state)).one() == "pending"
    code, page = live.post(approve)
    assert code == 200 and "Đã đồng ý gia hạn" in page
    with live.store.session() as s:
        request = s.scalars(sa.select(ExtensionRequest)).one()
        assert (request.state, request.decided_by) == ("approved", "Văn phòng UBND")
        moved = s.get(Obligation, live.obligation)
        assert moved is not None and moved.due_on == date(2026, 7, 31)
    approved = [e for e in live.events() if e.event == "extension_approved"]
    assert [(e.actor, e.channel) for e in approved] == [("Văn phòng UBND", "web")]


def test_another_agencys_contact_is_refused(live: Live) -> None:
    from engine.acklinks import AckLinks

    with live.store.session() as s:
        stranger = f.contact(s, f.agency(s, "hn.stc", "Sở Tài chính"), email="stc@example.org")
        stranger_id = stranger.id
    links = AckLinks.from_settings(live.settings)
    assert links is not None
    url = links.page_url("done", live.obligation, stranger_id, now=live.clock.now)
    assert live.post(url, report="1/BC")[0] == 403
    assert live.status() == "open"
