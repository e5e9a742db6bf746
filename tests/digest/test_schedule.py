"""When digests go out: holidays, an engine that was down, several workers, long chats.

A small world made with the factories: Sở Công Thương's coordinator (sct@example.org)
and its 6-month report due 15/04/2026, never done; ticks at chosen instants.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.config import DigestSettings, Settings, TelegramSettings
from engine.delivery import tick
from engine.simulate import simulate
from engine.status import apply_action
from engine.store.db import Store
from engine.store.models import Notification, Obligation, WorkerLock
from notifiers.telegram import TelegramNotifier
from tests import factories as f
from tests.digest.helpers import text_part
from tests.fakes.botapi import TOKEN, FakeBotApi
from tests.fakes.smtp import SmtpServer
from tests.helpers import run_tick
from tests.telegram.conftest import VirtualClock

DUE = date(2026, 4, 15)
CHAT = 4242
TOKEN_ENV = "NHACVIEC_TEST_DIGEST_TOKEN"


def small_world(store: Store, *, chat: int | None = None) -> int:
    """Sở Công Thương, its coordinator and its overdue report; returns the report's id."""
    with store.session() as s:
        sct = f.agency(s)
        f.contact(s, sct, chat=chat)
        return f.obligation(s, f.plan(s), sct, due_on=DUE).id


def digest_settings(tmp_path: Path, smtp: SmtpServer | None = None, **extra: object) -> Settings:
    base = f.settings(tmp_path, smtp=(smtp.host, smtp.port) if smtp else None)
    return base.model_copy(update={"digest": DigestSettings(enabled=True), **extra})


def digest_keys(store: Store) -> dict[str, str]:
    with store.session() as s:
        rows = s.execute(sa.select(Notification.key, Notification.state)
                         .where(Notification.kind == "digest")).all()  # fmt: skip
    return {key: state for key, state in rows}


def test_a_holiday_monday_moves_the_digest_to_tuesday(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    small_world(store)
    config = digest_settings(tmp_path, smtp)
    # Monday 27/04/2026 is Hùng Kings' day (observed): nothing goes out, nothing is made.
    assert run_tick(store, config, f.at(date(2026, 4, 27))).outcomes == []
    assert run_tick(store, config, f.at(date(2026, 4, 28), time(7, 59))).outcomes == []
    assert digest_keys(store) == {}
    report = run_tick(store, config, f.at(date(2026, 4, 28)))
    assert [(o.row.key, o.result) for o in report.outcomes] == [
        ("digest:2026-W18:agency:c1:email", "sent")
    ]
    (mail,) = smtp.wait_for(1)
    assert mail.subject == "[Nhắc việc] Tổng hợp tuần 18/2026 – Sở Công Thương: 1 việc quá hạn, " \
        "0 việc sắp đến hạn"  # fmt: skip
    assert parsedate_to_datetime(str(mail.message["Date"])) == f.at(date(2026, 4, 28))
    assert "hạn 15/04/2026 · quá hạn 13 ngày" in text_part(mail.message)


def test_a_week_without_a_working_day_has_no_digest_and_the_next_one_does(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    small_world(store)
    config = digest_settings(tmp_path, smtp)
    for day in range(16, 23):  # Tết 2026: 16-20 February off, then the weekend
        assert run_tick(store, config, f.at(date(2026, 2, day))).outcomes == []
    assert run_tick(store, config, f.at(date(2026, 2, 22), time(23, 59))).outcomes == []
    assert digest_keys(store) == {}
    report = run_tick(store, config, f.at(date(2026, 2, 23)))
    assert [o.row.key for o in report.sent] == []  # due 15/04: not within 14 days yet
    with store.session() as s:
        assert s.get(WorkerLock, "digest:2026-W09") is not None  # the week was looked at


def test_a_digest_missed_while_down_goes_out_later_that_week_but_never_the_next(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    small_world(store)
    config = digest_settings(tmp_path, smtp)
    # Down on Monday 04/05/2026; back on Wednesday afternoon: judged on Wednesday.
    wednesday = datetime.combine(date(2026, 5, 6), time(14, 30), tzinfo=f.HANOI)
    report = run_tick(store, config, wednesday)
    assert [o.row.key for o in report.sent] == ["digest:2026-W19:agency:c1:email"]
    (mail,) = smtp.wait_for(1)
    text = text_part(mail.message)
    assert "tính đến ngày 06/05/2026" in text and "quá hạn 21 ngày" in text
    with store.session() as s:
        row = s.scalars(sa.select(Notification).where(Notification.kind == "digest")).one()
        assert row.scheduled_at == f.at(date(2026, 5, 4))  # the week's send instant
    # Down again from Thursday to the end of the next week (W20): back on Monday 18/05,
    # the W21 digest goes out, and W20's never will.
    assert run_tick(store, config, wednesday + timedelta(days=1)).outcomes == []
    report = run_tick(store, config, f.at(date(2026, 5, 18)))
    assert [o.row.key for o in report.sent] == ["digest:2026-W21:agency:c1:email"]
    assert set(digest_keys(store)) == {
        "digest:2026-W19:agency:c1:email",
        "digest:2026-W21:agency:c1:email",
    }
    assert len(smtp.wait_for(2)) == 2


def test_a_digest_still_waiting_when_its_week_ends_is_cancelled_not_sent(
    store: Store, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NHACVIEC_TELEGRAM_TOKEN", raising=False)
    small_world(store, chat=CHAT)
    config = digest_settings(tmp_path, smtp)  # Telegram not configured: its row waits
    first = run_tick(store, config, f.at(date(2026, 5, 4)))
    assert {(o.row.channel, o.result) for o in first.outcomes} == {
        ("email", "sent"), ("telegram", "retried")
    }  # fmt: skip
    later = run_tick(store, config, f.at(date(2026, 5, 11)))  # W20, and the row is due again
    cancelled = [(o.row.key, o.detail) for o in later.cancelled]
    assert cancelled == [
        ("digest:2026-W19:agency:c1:telegram",
         "the week 2026-W19 is over: a digest is never sent late"),
    ]  # fmt: skip
    assert {o.row.key for o in later.sent} == {"digest:2026-W20:agency:c1:email"}


def test_a_digest_whose_agency_has_nothing_left_by_send_time_is_cancelled(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    report_id = small_world(store)
    config = digest_settings(tmp_path, smtp)
    smtp.handler.data_reply = "451 4.3.0 try again later"
    monday = f.at(date(2026, 5, 4))
    assert [o.result for o in run_tick(store, config, monday).outcomes] == ["retried"]
    with store.session() as s:  # the report is sent in before the retry
        report = s.get(Obligation, report_id)
        assert report is not None
        apply_action(s, report, "done", now=monday + timedelta(minutes=30), zone=f.HANOI,
                     actor="sct", channel="cli")  # fmt: skip
    smtp.handler.data_reply = None
    retry = run_tick(store, config, monday + timedelta(hours=3))
    assert [(o.result, o.detail) for o in retry.outcomes] == [
        ("cancelled", "nothing to report any more")
    ]
    assert smtp.received == []


def test_without_digest_enabled_the_tick_sends_no_digest(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    small_world(store)
    config = f.settings(tmp_path, smtp=(smtp.host, smtp.port))
    assert run_tick(store, config, f.at(date(2026, 5, 4))).outcomes == []
    assert digest_keys(store) == {}


def many_agencies(store: Store, count: int) -> None:
    """``count`` agencies, each with a coordinator and an overdue report."""
    with store.session() as s:
        plan = f.plan(s)
        for n in range(count):
            agency = f.agency(s, key=f"hn.agency-{n}", name=f"Đơn vị số {n}")
            f.contact(s, agency, email=f"dv{n}@example.org")
            f.obligation(s, plan, agency, due_on=DUE)


def test_two_workers_on_postgresql_send_each_digest_once(
    pg_store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    many_agencies(pg_store, 30)
    config = digest_settings(tmp_path, smtp, delivery=f.settings(tmp_path).delivery.model_copy(
        update={"batch_size": 4}))  # fmt: skip
    monday = f.at(date(2026, 5, 4))

    async def both() -> list[int]:
        reports = await asyncio.gather(
            tick(pg_store, config, now=monday, worker_id="worker-a"),
            tick(pg_store, config, now=monday, worker_id="worker-b"),
        )
        return [len(r.sent) for r in reports]

    assert sum(asyncio.run(both())) == 30
    assert sum(asyncio.run(both())) == 0  # and again: nothing
    received = smtp.wait_for(30)
    assert len(received) == 30
    assert len({m.message_id for m in received}) == 30
    assert Counter(m.rcpt_tos[0] for m in received).most_common(1)[0][1] == 1
    with pg_store.session() as s:
        assert s.scalars(sa.select(WorkerLock.name)).all() == ["digest:2026-W19"]
        states = s.scalars(sa.select(Notification.state).where(Notification.kind == "digest"))
        assert Counter(states) == {"sent": 30}


def test_a_long_telegram_digest_is_split_into_messages_telegram_accepts(
    store: Store,
    tmp_path: Path,
    botapi: FakeBotApi,
    clock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with store.session() as s:
        sct = f.agency(s)
        f.contact(s, sct, email=None, chat=CHAT)
        plan = f.plan(s)
        ids = [
            f.obligation(s, plan, sct, due_on=DUE - timedelta(days=n), key=f"t{n}",
                         title=f"Nhiệm vụ <số {n}> & liên kết: xây dựng, phổ biến và nhân rộng "
                               "các mô hình sản xuất và tiêu dùng bền vững").id
            for n in range(60)
        ]  # fmt: skip
    telegram = TelegramSettings(token_env=TOKEN_ENV, base_url=botapi.base_url)
    config = digest_settings(tmp_path, telegram=telegram)
    notifier = TelegramNotifier(config, clock=clock, sleep=clock.sleep)
    report = run_tick(store, config, f.at(date(2026, 5, 4)), notifiers={"telegram": notifier})
    assert [o.result for o in report.outcomes] == ["sent"]
    parts = botapi.sent(CHAT)
    assert len(parts) >= 2
    assert all(len(p.text.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    shown = [int(n) for p in parts for n in re.findall(r"^#(\d+) ", p.text, re.MULTILINE)]
    assert shown == ids[::-1]  # most overdue first: the earliest due date, the last made
    assert f"#{ids[-1]} Nhiệm vụ &lt;số 59&gt; &amp; liên kết: " in parts[0].html  # escaped
    assert f"#{ids[-1]} Nhiệm vụ <số 59> & liên kết: " in parts[0].text


def test_simulate_lists_the_digests_the_ticks_then_send(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    small_world(store)
    config = digest_settings(tmp_path, smtp)
    start, end = f.at(date(2026, 4, 27), time(0)), f.at(date(2026, 5, 10), time(23, 59))
    planned = simulate(store, config, start=start, end=end).planned
    assert [(p.at, p.row.key, p.to) for p in planned] == [
        (f.at(date(2026, 4, 28)), "digest:2026-W18:agency:c1:email", "sct@example.org"),
        (f.at(date(2026, 5, 4)), "digest:2026-W19:agency:c1:email", "sct@example.org"),
    ]
    assert [p.as_json(config)["obligation"] for p in planned] == [None, None]
    for p in planned:
        sent = run_tick(store, config, p.at).sent
        assert [(o.row.key, o.subject) for o in sent] == [(p.row.key, p.subject)]
    # Once a week is prepared its rows are real: listed by what they are, never twice.
    again = simulate(store, config, start=start, end=end)
    assert (again.planned, again.cancelled) == ([], 0)


def test_an_owner_with_its_own_work_gets_two_digests(
    store: Store, smtp: SmtpServer, tmp_path: Path
) -> None:
    with store.session() as s:
        sct = f.agency(s)
        stc = f.agency(s, key="hn.so-tai-chinh", name="Sở Tài chính")
        f.contact(s, sct)
        f.contact(s, stc, email="stc@example.org", language="en")
        plan = f.plan(s)
        plan.owner_agency_id = sct.id
        f.obligation(s, plan, sct, due_on=DUE)
        f.obligation(s, plan, stc, due_on=DUE)
    report = run_tick(store, digest_settings(tmp_path, smtp), f.at(date(2026, 5, 4)))
    assert sorted((o.to, o.subject) for o in report.sent) == [
        ("sct@example.org", "[Nhắc việc] Tình hình thực hiện kế hoạch – tuần 19/2026: 2 việc "
                            "quá hạn, 0 mới quá hạn, 0 mới hoàn thành"),
        ("sct@example.org", "[Nhắc việc] Tổng hợp tuần 19/2026 – Sở Công Thương: 1 việc quá "
                            "hạn, 0 việc sắp đến hạn"),
        ("stc@example.org", "[Reminder] Weekly digest 2026-W19 – Sở Tài chính: 1 overdue, "
                            "0 due soon"),
    ]  # fmt: skip
