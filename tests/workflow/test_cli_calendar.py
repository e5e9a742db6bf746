"""Reading the calendar: agenda, calendar, overdue, status, export ics."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from icalendar import Calendar
from typer.testing import CliRunner

from engine.cli import app
from engine.status import apply_action
from engine.store.db import Store, open_store
from engine.store.models import Agency, Contact, ContactAddress, Obligation
from engine.workflow.sync import sync_session
from tests.workflow.helpers import HANOI, calendar, directory, plan, shipped_workflow, task
from tests.workflow.store_helpers import put_directory, put_plan

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

NOW = datetime(2022, 1, 10, 3, tzinfo=UTC)


def tasks() -> list[dict[str, object]]:
    return [
        task(),
        task(key="2", number="2", title="Hội nghị phổ biến", coordinators=[],
             occurrences=[{"start": "2022-06-01", "end": "2022-06-30"}]),
        task(key="3", number="3", title="Khảo sát", coordinators=[],
             occurrences=[{"end": "2022-06-15"}]),
    ]  # fmt: skip


@pytest.fixture
def db(sqlite_store: Store) -> str:
    """A store with the small 2022 plan synced, and one obligation done late."""
    with sqlite_store.session() as s:
        put_directory(s, directory())
        put_plan(s, plan(tasks=tasks()), NOW)
    with sqlite_store.session() as s:
        sync_session(s, [shipped_workflow()], calendar(), now=NOW)
    with sqlite_store.session() as s:
        survey = s.scalars(sa.select(Obligation).where(Obligation.title == "Khảo sát")).one()
        late = datetime(2022, 6, 17, 3, tzinfo=UTC)
        apply_action(s, survey, "done", now=late, zone=HANOI, actor="sct", channel="cli")
    return str(sqlite_store.engine.url)


def invoke(cli: CliRunner, db: str, *args: str) -> str:
    result = cli.invoke(app, ["--db", db, *args], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_agenda_json_lists_what_falls_due(cli: CliRunner, db: str) -> None:
    out = invoke(cli, db, "agenda", "--from", "2022-06-01", "--to", "2022-06-30",
                 "--as-of", "2022-06-20", "--json")  # fmt: skip
    items = json.loads(out)
    assert [(i["due"], i["agency"], i["title"], i["status"]) for i in items] == [
        ("2022-06-15", "Sở Công Thương", "Khảo sát", "done"),
        ("2022-06-15", "Sở Công Thương", "Báo cáo 6 tháng đầu năm 2022", "overdue"),
        ("2022-06-15", "Sở Tài nguyên và Môi trường", "Báo cáo 6 tháng đầu năm 2022", "overdue"),
        ("2022-06-30", "Sở Công Thương", "Hội nghị phổ biến", "open"),
    ]
    assert set(items[0]) == {"id", "plan", "task", "rule", "agency", "title", "period", "opens",
                             "due", "status"}  # fmt: skip
    assert items[3]["opens"] == "2022-06-01" and items[3]["task"] == "2"
    assert items[1]["task"] is None and items[1]["period"] == "6 tháng đầu năm 2022"


def test_agenda_filters_by_agency_plan_and_status(cli: CliRunner, db: str) -> None:
    def ids(*args: str) -> list[str]:
        out = invoke(cli, db, "agenda", "--from", "2022-01-01", "--to", "2022-12-31",
                     "--as-of", "2022-06-20", "--json", *args)  # fmt: skip
        return [f"{i['agency']}|{i['title']}" for i in json.loads(out)]

    assert ids("--agency", "SCT", "--status", "overdue") == [
        "Sở Công Thương|Báo cáo 6 tháng đầu năm 2022"
    ]
    assert ids("--agency", "hn.stnmt", "--status", "open") == [
        "Sở Tài nguyên và Môi trường|Báo cáo năm 2022",
        "Sở Tài nguyên và Môi trường|Phối hợp: Xây dựng tài liệu",
    ]
    assert len(ids("--plan", "266/KH-UBND")) == len(ids("--plan", "hn-2022")) == 9


def test_an_unknown_agency_is_an_error(cli: CliRunner, db: str) -> None:
    result = cli.invoke(app, ["--db", db, "agenda", "--agency", "Sở Ngoại vụ"])
    assert result.exit_code == 2
    assert "no agency has the key, name or alias 'Sở Ngoại vụ'" in result.stderr


def test_overdue_lists_what_is_late(cli: CliRunner, db: str) -> None:
    items = json.loads(invoke(cli, db, "overdue", "--as-of", "2022-06-20", "--json"))
    assert [(i["agency"], i["title"], i["days_overdue"]) for i in items] == [
        ("Sở Công Thương", "Báo cáo 6 tháng đầu năm 2022", 5),
        ("Sở Tài nguyên và Môi trường", "Báo cáo 6 tháng đầu năm 2022", 5),
    ]
    text = invoke(cli, db, "overdue", "--as-of", "2022-06-20")
    assert "Quá hạn tính đến 20/06/2022: 2" in text


def test_status_counts_per_agency_in_the_status_categories(cli: CliRunner, db: str) -> None:
    store = open_store(db)
    with store.session() as s:  # the annual report acknowledged; the coordinator's chat broken
        annual = s.scalars(sa.select(Obligation).join(Agency).where(
            Agency.key == "hn.sct", Obligation.title == "Báo cáo năm 2022")).one()  # fmt: skip
        apply_action(s, annual, "ack", now=datetime(2022, 6, 1, 3, tzinfo=UTC), zone=HANOI,
                     actor="sct", channel="cli")  # fmt: skip
        s.execute(sa.update(ContactAddress)
                  .where(ContactAddress.contact_id == sa.select(Contact.id).where(
                      Contact.key == "hn.sct.coordinator").scalar_subquery(),
                         ContactAddress.channel == "telegram")
                  .values(flag="bot was blocked by the user"))  # fmt: skip
    store.dispose()
    report = json.loads(invoke(cli, db, "status", "--as-of", "2022-06-20", "--json"))
    assert report["as_of"] == "2022-06-20" and report["plan"] is None
    sct = next(r for r in report["agencies"] if r["key"] == "hn.sct")
    # Task 3 (due 15/06) done on 17/06: late. The 6-month report (due 15/06): overdue. Tasks
    # 1 and 2 and the annual report (acknowledged): not done, still in time.
    assert sct == {
        "agency": "Sở Công Thương", "key": "hn.sct", "jurisdiction": None, "total": 5,
        "done_on_time": 0,
        "done_late": 1, "done_within_extension": 0, "not_done_in_time": 3,
        "not_done_overdue": 1, "not_done_within_extension": 0, "waived": 0,
        "on_time_rate": 0.0, "open": 3, "acknowledged": 1,
        "flags": [{"contact": "hn.sct.coordinator", "channel": "telegram",
                   "flag": "bot was blocked by the user"}],
    }  # fmt: skip
    assert [r["key"] for r in report["agencies"]][:2] == ["hn.sct", "hn.stnmt"]  # most overdue
    stc = next(r for r in report["agencies"] if r["key"] == "hn.stc")
    assert stc["on_time_rate"] is None  # nothing decided yet
    totals = report["totals"]
    # the annual reports (they open on 15/11) have not started on 20/06: not counted yet
    assert totals["total"] == sum(r["total"] for r in report["agencies"]) == 8
    assert totals["open"] + totals["acknowledged"] == (
        totals["not_done_in_time"] + totals["not_done_overdue"]
    )
    # As of 16/06 the survey was not done yet: it counts as overdue on that day.
    earlier = json.loads(invoke(cli, db, "status", "--as-of", "2022-06-16", "--json"))
    sct = next(r for r in earlier["agencies"] if r["key"] == "hn.sct")
    assert (sct["done_late"], sct["not_done_overdue"]) == (0, 2)
    text = invoke(cli, db, "status", "--as-of", "2022-06-20", "--plan", "hn-2022")
    assert "Tình hình thực hiện đến hết ngày 20/06/2022" in text
    assert "Sở Công Thương ⚠" in text and "0%" in text
    assert "⚠ Sở Công Thương: telegram hn.sct.coordinator: bot was blocked by the user" in text


def test_the_month_grid_fits_100_columns_and_shades_days_off(cli: CliRunner, db: str) -> None:
    out = invoke(cli, db, "calendar", "--month", "2022-06", "--as-of", "2022-06-20")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "Tháng 06/2022" in out
    header = next(line for line in lines if "T2" in line)
    assert [w for w in header.replace("┃", " ").split()] == ["T2", "T3", "T4", "T5", "T6", "T7",
                                                             "CN"]  # fmt: skip
    week = next(line for line in lines if "13 " in line and "19 nghỉ" in line)
    assert "18 nghỉ" in week  # Saturday and Sunday are marked as days off
    assert "SCT NV3 Kh" in out
    assert "SCT BC 6T" in out
    assert "Đến hạn trong tháng 06/2022: 4" in out


def test_the_grid_marks_tet_as_days_off(cli: CliRunner, db: str) -> None:
    out = invoke(cli, db, "calendar", "--month", "2026-02", "--as-of", "2026-02-01", "--no-list")
    for day in ("16 nghỉ", "17 nghỉ", "18 nghỉ", "19 nghỉ", "20 nghỉ"):
        assert day in out
    assert "13 nghỉ" not in out


def test_a_bad_month_is_an_error(cli: CliRunner, db: str) -> None:
    result = cli.invoke(app, ["--db", db, "calendar", "--month", "June"])
    assert result.exit_code == 2
    assert "expected a month as YYYY-MM" in result.stderr


def test_export_ics_writes_one_all_day_event_per_obligation(
    cli: CliRunner, db: str, tmp_path: Path
) -> None:
    target = tmp_path / "sct.ics"
    out = invoke(cli, db, "export", "ics", "--agency", "Sở Công Thương", "-o", str(target))
    assert "Wrote 5 events" in out
    cal = Calendar.from_ical(target.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == 5
    by_summary = {str(e["SUMMARY"]): e for e in events}
    survey = by_summary["[SCT] Khảo sát (hạn 15/06/2022)"]
    assert survey.decoded("DTSTART") == date(2022, 6, 15)
    assert survey.decoded("DTEND") == date(2022, 6, 16)
    # a second export gives the same UIDs, so calendars update the events in place
    again = tmp_path / "again.ics"
    invoke(cli, db, "export", "ics", "--agency", "SCT", "-o", str(again))
    uids = sorted(str(e["UID"]) for e in events)
    second = Calendar.from_ical(again.read_bytes()).walk("VEVENT")
    assert uids == sorted(str(e["UID"]) for e in second)
    assert len(set(uids)) == 5


@pytest.mark.parametrize("width", [80, 120])
def test_the_scorecard_keeps_every_column_at_80_and_120_columns(
    cli: CliRunner, db: str, width: int
) -> None:
    result = cli.invoke(app, ["--db", db, "status", "--as-of", "2022-06-20"],
                        env={"COLUMNS": str(width)})  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    words = result.stdout.split()
    for header in ("Đơn", "vị", "HT", "đúng", "quá", "trong", "Miễn", "Tỷ", "lệ", "Chưa", "Đã",
                   "nhận"):  # fmt: skip
        assert header in words
    total = next(line for line in lines if "Tổng cộng" in line)
    # the nine columns of the total row: agency, 8 numbers
    cells = total.replace("│", " ").split()
    assert cells[:2] == ["Tổng", "cộng"] and len(cells[2:]) == 8
    # the footnote is whole, however it wraps
    assert "⚠: có địa chỉ liên hệ bị lỗi (trên một kênh bất kỳ)." in " ".join(words)


def test_at_80_columns_the_grid_counts_what_a_day_cell_cannot_name(cli: CliRunner, db: str) -> None:
    result = cli.invoke(app, ["--db", db, "calendar", "--month", "2022-06", "--as-of",
                              "2022-06-20"], env={"COLUMNS": "80"})  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    grid = out.split("Đến hạn trong tháng")[0]
    assert "…" not in grid  # nothing cut
    week = next(i for i, line in enumerate(lines) if "15" in line and "19 nghỉ" in line)
    # 15/06 (a Wednesday): the survey, done late, and the 6-month reports of two agencies,
    # overdue on 20/06
    assert "3 việc" in lines[week + 1].split("│")[3]
    assert "2 quá hạn" in lines[week + 2].split("│")[3]
    # the list below the grid names them in full
    assert "Khảo sát" in out and "Đến hạn trong tháng 06/2022: 4" in out


def test_the_ics_description_and_categories_are_in_vietnamese_words(
    cli: CliRunner, db: str, tmp_path: Path
) -> None:
    target = tmp_path / "sct.ics"
    invoke(cli, db, "export", "ics", "--agency", "SCT", "-o", str(target))
    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(target.read_bytes()).walk("VEVENT")}
    survey = events["[SCT] Khảo sát (hạn 15/06/2022)"]
    assert "Trạng thái: hoàn thành" in str(survey["DESCRIPTION"])
    assert [str(c) for c in survey["CATEGORIES"].cats] == ["hoàn thành", "chủ trì"]
    for event in events.values():
        words = " ".join([str(event["DESCRIPTION"]), *map(str, event["CATEGORIES"].cats)])
        for internal in ("open", "acknowledged", "done", "lead", "coordinator", "reporter"):
            assert internal not in words.split(), (internal, words)
