"""The digests of Monday 19/12/2022 on two example plans, against expectations by hand.

The scenario (what was done, acknowledged, waived, left late) is told in
``tests/digest/scenario.py``. As of 19/12/2022 "due soon" runs to 02/01/2023.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from engine.cli import app
from engine.store.db import Store
from engine.store.models import Notification, WorkerLock
from notifiers.telegram import TelegramNotifier
from tests.digest.helpers import Digest, html_part, read_text, scorecards, text_part
from tests.digest.scenario import (
    HB,
    HN,
    MONDAY,
    STC_CHAT,
    TELEGRAM_TOKEN_ENV,
    coordinator_email,
    find,
    happen,
    load,
    settings,
)
from tests.fakes.botapi import TOKEN, FakeBotApi
from tests.fakes.smtp import Received, SmtpServer
from tests.helpers import cli_url, run_tick
from tests.telegram.conftest import VirtualClock

HN_LABEL, HB_LABEL = "266/KH-UBND", "2583/QĐ-UBND"
SIX, YEAR = "6 tháng đầu năm 2022", "năm 2022"
# Agencies of the plans whose coordinators must hear nothing this week.
NOTHING_TO_REPORT = (
    "hn.so-tai-nguyen-va-moi-truong",  # both reports done
    "hb.so-lao-dong-thuong-binh-va-xa-hoi",  # its 2022 task done on 16/12
    "hb.so-nong-nghiep-va-phat-trien-nong-thon",  # only 2021–2030 tasks, not acknowledged
    "hb.so-thong-tin-va-truyen-thong",
    "hb.so-van-hoa-the-thao-va-du-lich",
    "hb.ban-quan-ly-cac-khu-cong-nghiep-tinh-hoa-binh",
)


@pytest.fixture
def world(store: Store) -> Store:
    load(store)
    happen(store)
    return store


Expected = dict[str, dict[str, list[tuple[int, int | None]]]]


def expected_agency_digests(s: Session) -> dict[str, Expected]:
    """Agency key → plan → heading → (obligation, days late or left), worked out by hand."""

    def o(agency: str, rule: str, task: str | None = None, period: str | None = None) -> int:
        return find(s, agency, rule=rule, task=task, period=period).id

    overdue, soon, ongoing = "Quá hạn", "Sắp đến hạn", "Đã nhận, đang thực hiện"
    sct, hb_sct = "hn.so-cong-thuong", "hb.so-cong-thuong"
    expected: dict[str, Expected] = {}
    # 6-month report 15/06 → 187 days late; task 3 (acknowledged) 31/10 → 49; task 2
    # (acknowledged) and tasks 5-14 due 31/12: 12 days left. Task 1 and the annual report
    # are done, task 4 is waived.
    expected[sct] = {HN_LABEL: {
        overdue: [(o(sct, "bao-cao", period=SIX), 187), (o(sct, "chu-tri", "3"), 49)],
        soon: sorted((o(sct, "chu-tri", str(n)), 12) for n in (2, *range(5, 15))),
    }}  # fmt: skip
    for agency in ("hn.so-giao-thong-van-tai", "hn.so-nong-nghiep-va-phat-trien-nong-thon",
                   "hn.so-thong-tin-va-truyen-thong"):  # fmt: skip
        expected[agency] = {HN_LABEL: {overdue: [
            (o(agency, "bao-cao", period=SIX), 187), (o(agency, "bao-cao", period=YEAR), 4)
        ]}}  # fmt: skip
    # Its 6-month report was done on its last day.
    skhcn = "hn.so-khoa-hoc-va-cong-nghe"
    expected[skhcn] = {HN_LABEL: {overdue: [(o(skhcn, "bao-cao", period=YEAR), 4)]}}
    # In English: its coordinator reads English.
    stc = "hn.so-tai-chinh"
    expected[stc] = {HN_LABEL: {"Overdue": [(o(stc, "bao-cao", period=YEAR), 4)]}}
    # Its input to task 11 is due 26/12.
    vien = "hn.vien-nghien-cuu-phat-trien-kinh-te-xa-hoi-ha-noi"
    expected[vien] = {HN_LABEL: {soon: [(o(vien, "phoi-hop", "11"), 7)]}}
    # The 2022 report (14/12 → 5 days); tasks 2 and 8 of 2022 (task 1 is done).
    expected[hb_sct] = {HB_LABEL: {
        overdue: [(o(hb_sct, "bao-cao", period=YEAR), 5)],
        soon: sorted((o(hb_sct, "chu-tri", t, "Năm 2022"), 12) for t in ("2", "8")),
    }}  # fmt: skip
    sgddt = "hb.so-giao-duc-va-dao-tao"
    expected[sgddt] = {HB_LABEL: {soon: [(o(sgddt, "chu-tri", "17", "Năm 2022"), 12)]}}
    # Its 2021 occurrence was never done: 31/12/2021 → 353 days.
    hb_skhcn = "hb.so-khoa-hoc-va-cong-nghe"
    expected[hb_skhcn] = {HB_LABEL: {
        overdue: [(o(hb_skhcn, "chu-tri", "18", "Năm 2021"), 353)],
        soon: [(o(hb_skhcn, "chu-tri", "18", "Năm 2022"), 12)],
    }}  # fmt: skip
    # Task 10 (due 31/12/2030) acknowledged: in progress (no days to count).
    stnmt = "hb.so-tai-nguyen-va-moi-truong"
    expected[stnmt] = {HB_LABEL: {ongoing: [(o(stnmt, "chu-tri", "10"), None)]}}
    return expected


def by_recipient(received: list[Received]) -> dict[tuple[str, str], Received]:
    """The digests among the mails, by (recipient, scope)."""
    found = {}
    for mail in received:
        subject = mail.subject
        if "Tổng hợp tuần" in subject or "Weekly digest" in subject:
            found[(mail.rcpt_tos[0], "agency")] = mail
        elif "Tình hình thực hiện kế hoạch" in subject or "Plan overview" in subject:
            found[(mail.rcpt_tos[0], "owner")] = mail
    return found


def test_a_monday_morning_tick_sends_exactly_the_expected_digests_and_a_second_none(
    world: Store,
    smtp: SmtpServer,
    botapi: FakeBotApi,
    clock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TELEGRAM_TOKEN_ENV, TOKEN)
    config = settings(smtp=(smtp.host, smtp.port), telegram_url=botapi.base_url)
    telegram = TelegramNotifier(config, clock=clock, sleep=clock.sleep)
    report = run_tick(world, config, MONDAY, notifiers={"telegram": telegram})
    assert report.failed == report.retried == report.cancelled == []

    with world.session() as s:
        expected = expected_agency_digests(s)
        email = {key: coordinator_email(s, key) for key in [*expected, *NOTHING_TO_REPORT]}
    owners = {email["hn.so-cong-thuong"], email["hb.so-cong-thuong"]}
    sent = {(o.row.stage, o.row.channel, o.to) for o in report.sent if o.row.kind == "digest"}
    assert sent == {
        *(("agency", "email", email[key]) for key in expected),
        ("agency", "telegram", str(STC_CHAT)),
        *(("owner", "email", address) for address in owners),
    }
    assert not {email[key] for key in NOTHING_TO_REPORT} & {to for _, _, to in sent}

    mails = by_recipient(smtp.wait_for(len([o for o in report.sent if o.row.channel == "email"])))
    assert len(mails) == len(expected) + 2
    for key, plans in expected.items():
        mail = mails[(email[key], "agency")]
        assert read_text(text_part(mail.message)).plans == plans, key
        assert "<table" in html_part(mail.message)
    assert mails[(email["hn.so-tai-chinh"], "agency")].subject == (
        "[Reminder] Weekly digest 2022-W51 – Sở Tài chính: 1 overdue, 0 due soon"
    )
    (chat,) = botapi.sent(STC_CHAT)  # English too, and short enough for one message
    annual_stc = expected["hn.so-tai-chinh"][HN_LABEL]["Overdue"][0][0]
    assert chat.text.startswith("📋 Weekly digest 2022-W51 – Sở Tài chính")
    assert f"#{annual_stc} Báo cáo năm 2022 – due 15/12, 4 day(s) late, acknowledged" in chat.text

    second = run_tick(
        world, config, MONDAY + timedelta(minutes=1), notifiers={"telegram": telegram}
    )
    later = run_tick(world, config, MONDAY + timedelta(days=2), notifiers={"telegram": telegram})
    assert [o for o in second.outcomes + later.outcomes if o.row.kind == "digest"] == []
    with world.session() as s:
        rows = s.scalars(sa.select(Notification.state).where(Notification.kind == "digest")).all()
        assert rows == ["sent"] * len(sent)
        assert s.scalars(sa.select(WorkerLock.name)).all() == ["digest:2022-W51"]


def test_the_owner_digests_list_the_most_overdue_and_what_changed_last_week(
    world: Store, smtp: SmtpServer
) -> None:
    report = run_tick(world, settings(smtp=(smtp.host, smtp.port)), MONDAY)
    mails = by_recipient(smtp.wait_for(len(report.sent)))
    with world.session() as s:
        hn = owner_text(mails, coordinator_email(s, "hn.so-cong-thuong"))
        hb = owner_text(mails, coordinator_email(s, "hb.so-cong-thuong"))

        def o(agency: str, rule: str, task: str | None = None, period: str | None = None) -> int:
            return find(s, agency, rule=rule, task=task, period=period).id

        # Hà Nội: 19 overdue: 8 six-month reports (187 days), the input of "các sở, ngành
        # và đơn vị có liên quan" to task 3 (24/10: 56 days), task 3 itself (49 days) and 9
        # annual reports (4 days, due in the previous week: newly overdue).
        six = {"hn.so-cong-thuong", "hn.so-giao-thong-van-tai",
               "hn.so-nong-nghiep-va-phat-trien-nong-thon", "hn.so-thong-tin-va-truyen-thong",
               "hn.cac-co-quan-bao-chi-thanh-pho-ha-noi", "hn.cac-so-ban-nganh-thanh-pho",
               "hn.ubnd-cac-quan-huyen-thi-xa",
               "hn.cac-hiep-hoi-va-to-chuc-xa-hoi-tren-dia-ban-thanh"}  # fmt: skip
        annual = six - {"hn.so-cong-thuong"} | {"hn.so-khoa-hoc-va-cong-nghe", "hn.so-tai-chinh"}
        top = hn.plans[HN_LABEL]["10 việc quá hạn lâu nhất"]
        assert {i for i, _ in top[:8]} == {o(a, "bao-cao", period=SIX) for a in six}
        assert [d for _, d in top[:8]] == [187] * 8
        assert top[8:] == [(o("hn.cac-so-nganh-va-don-vi-co-lien-quan", "phoi-hop", "3"), 56),
                           (o("hn.so-cong-thuong", "chu-tri", "3"), 49)]  # fmt: skip
        newly = hn.plans[HN_LABEL]["Mới quá hạn"]
        assert {i for i, _ in newly} == {o(a, "bao-cao", period=YEAR) for a in annual}
        assert [d for _, d in newly] == [4] * 9
        assert hn.ids(HN_LABEL, "Mới hoàn thành") == [
            o("hn.so-cong-thuong", "chu-tri", "1"),  # 13/12
            o("hn.so-cong-thuong", "bao-cao", period=YEAR),  # 14/12
            o("hn.so-tai-nguyen-va-moi-truong", "bao-cao", period=YEAR),  # 16/12, late
        ]
        assert hn.ids(HN_LABEL, "Đề nghị gia hạn chờ quyết định") == [
            o("hn.so-cong-thuong", "chu-tri", "6")
        ]
        # Hòa Bình: what 2021 left (task 18 of Sở Khoa học và Công nghệ) and the four 2022
        # reports due 14/12, newly overdue; done last week: two tasks of 2022.
        reports = {"hb.so-cong-thuong", "hb.cac-so-ban-nganh-tinh", "hb.ubnd-cac-huyen-thanh-pho",
                   "all.cac-don-vi-co-lien-quan"}  # fmt: skip
        top = hb.plans[HB_LABEL]["5 việc quá hạn lâu nhất"]
        assert top[0] == (o("hb.so-khoa-hoc-va-cong-nghe", "chu-tri", "18", "Năm 2021"), 353)
        assert {i for i, _ in top[1:]} == {o(a, "bao-cao", period=YEAR) for a in reports}
        assert {i for i, _ in hb.plans[HB_LABEL]["Mới quá hạn"]} == {i for i, _ in top[1:]}
        assert hb.ids(HB_LABEL, "Mới hoàn thành") == [
            o("hb.so-cong-thuong", "chu-tri", "1", "Năm 2022"),
            o("hb.so-lao-dong-thuong-binh-va-xa-hoi", "chu-tri", "17", "Năm 2022"),
        ]
    assert set(hn.plans) == {HN_LABEL} and set(hb.plans) == {HB_LABEL}  # its own plans only
    assert "Đề nghị gia hạn" not in " ".join(hb.plans[HB_LABEL])


def owner_text(mails: dict[tuple[str, str], Received], address: str) -> Digest:
    return read_text(text_part(mails[(address, "owner")].message))


def test_the_owner_digest_counts_match_nhacviec_status_json(
    world: Store, smtp: SmtpServer, cli: CliRunner
) -> None:
    report = run_tick(world, settings(smtp=(smtp.host, smtp.port)), MONDAY)
    mails = by_recipient(smtp.wait_for(len(report.sent)))
    with world.session() as s:
        owner_of = {HN: coordinator_email(s, "hn.so-cong-thuong"),
                    HB: coordinator_email(s, "hb.so-cong-thuong")}  # fmt: skip
    for plan, address in owner_of.items():
        result = cli.invoke(app, ["--db", cli_url(world), "status", "--plan", plan,
                                  "--as-of", "2022-12-19", "--json"])  # fmt: skip
        assert result.exit_code == 0, result.output
        status = json.loads(result.stdout)
        (table,) = scorecards(html_part(mails[(address, "owner")].message))
        assert table[1:] == [
            *(row(a["agency"], a) for a in status["agencies"]),
            row("Tổng cộng", status["totals"]),
        ]
    # By hand, Hà Nội's Sở Công Thương: on time: task 1 and the annual report; in time:
    # task 2 and tasks 5-14; overdue: the 6-month report and task 3; task 4 waived; tasks 2
    # and 3 acknowledged.
    (table,) = scorecards(html_part(mails[(owner_of[HN], "owner")].message))
    sct = next(r for r in table if r[0] == "Sở Công Thương")
    assert sct == ["Sở Công Thương", "2", "0", "11", "2", "1", "50%", "2"]


def row(name: str, counts: dict[str, object]) -> list[str]:
    """A scorecard row as the owner digest prints it, from ``status --json`` counts."""

    def count(n: object, extended: object) -> str:
        return f"{n} ({extended})" if extended else str(n)

    rate = counts["on_time_rate"]
    return [
        name,
        str(counts["done_on_time"]),
        count(counts["done_late"], counts["done_within_extension"]),
        str(counts["not_done_in_time"]),
        count(counts["not_done_overdue"], counts["not_done_within_extension"]),
        str(counts["waived"]),
        "—" if rate is None else f"{float(str(rate)):.0%}",
        str(counts["acknowledged"]),
    ]
