"""The shipped workflow on the five example plans does what their text says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

import pytest
import sqlalchemy as sa

from engine.agencies import Directory, load_directory
from engine.plans.load import load_plan, sync_directory
from engine.plans.model import PlanFile
from engine.store.db import Store
from engine.store.models import Notification, Obligation
from engine.workflow.generate import AgencyBook, Generation, ObligationSpec, generate
from engine.workflow.sync import directory_matcher, sync_session
from engine.yamlpos import load_yaml, read_text, validate
from tests.workflow.helpers import ROOT, calendar, shipped_workflow

HN_2022 = "hn-2022-sxtdbv.yaml"
HN_2026 = "hn-2026-2030-sxtdbv-du-thao.yaml"
SCT = "hn.so-cong-thuong"


@cache
def the_directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


@cache
def plan_file(name: str) -> PlanFile:
    path = ROOT / "plans" / name
    data, positions = load_yaml(read_text(path), str(path))
    return validate(PlanFile, data, positions, str(path))


def all_plans() -> list[PlanFile]:
    return [plan_file(p.name) for p in sorted((ROOT / "plans").glob("*.yaml"))]


def book() -> AgencyBook:
    return AgencyBook.from_directory(the_directory(), directory_matcher(the_directory()))


@cache
def generated(*names: str) -> Generation:
    plans = [plan_file(n) for n in names] if names else all_plans()
    return generate(plans, [shipped_workflow()], book(), calendar())


def of_rule(result: Generation, rule: str) -> list[ObligationSpec]:
    return [ob for ob in result.obligations if ob.rule == rule]


def test_the_2022_plan_gives_sct_one_obligation_per_task_with_its_window() -> None:
    p = plan_file(HN_2022)
    leads = {ob.task: ob for ob in of_rule(generated(HN_2022), "chu-tri")}
    assert sorted(leads) == sorted(t.key for t in p.tasks)
    for t in p.tasks:
        [occurrence] = t.occurrences
        ob = leads[t.key]
        assert (ob.agency, ob.opens_on, ob.due_on) == (SCT, occurrence.start, occurrence.end)
    assert leads["1"].opens_on == date(2022, 3, 1) and leads["1"].due_on == date(2022, 12, 31)


def test_the_2022_plan_gives_six_month_and_annual_reports_to_every_agency_it_names() -> None:
    p = plan_file(HN_2022)
    reports = of_rule(generated(HN_2022), "bao-cao")
    names = {a.name for a in p.agencies}
    assert len(names) == 11
    got = {(ob.agency_name, ob.title, ob.due_on) for ob in reports}
    # the plan gives no dates: the workflow's defaults, 15/6 and 15/12
    expected = {(n, "Báo cáo 6 tháng đầu năm 2022", date(2022, 6, 15)) for n in names}
    expected |= {(n, "Báo cáo năm 2022", date(2022, 12, 15)) for n in names}
    assert got == expected
    assert len(reports) == 22


def test_the_2026_2030_plan_reports_before_20_6_and_15_12_every_year() -> None:
    p = plan_file(HN_2026)
    reports = of_rule(generated(HN_2026), "bao-cao")
    agencies = {a.name for a in p.agencies}
    for year in range(2026, 2031):
        half = {ob.agency_name for ob in reports if ob.due_on == date(year, 6, 19)}
        annual = {ob.agency_name for ob in reports if ob.due_on == date(year, 12, 14)}
        assert half == annual == agencies, year
    assert {ob.due_on.strftime("%m-%d") for ob in reports} == {"06-19", "12-14"}
    # one report per agency and period, however many sentences of the plan state it
    assert len(reports) == len({ob.key for ob in reports}) == len(agencies) * 2 * 5
    sct = sorted((ob.due_on, ob.title) for ob in reports if ob.agency == SCT)
    assert sct[:2] == [
        (date(2026, 6, 19), "Báo cáo 6 tháng đầu năm 2026"),
        (date(2026, 12, 14), "Báo cáo năm 2026"),
    ]


def test_tasks_9_and_10_of_the_2026_2030_plan_start_in_2027() -> None:
    leads = of_rule(generated(HN_2026), "chu-tri")
    years = {
        task: sorted(ob.due_on.year for ob in leads if ob.task == task) for task in ("1", "9", "10")
    }
    assert years == {"1": [2026, 2027, 2028, 2029, 2030], "9": [2027, 2028, 2029, 2030],
                     "10": [2027, 2028, 2029, 2030]}  # fmt: skip
    first = min((ob for ob in leads if ob.task == "9"), key=lambda ob: ob.due_on)
    assert (first.opens_on, first.due_on) == (date(2027, 1, 1), date(2027, 12, 31))


def test_the_2026_2030_plan_has_the_yearly_plan_drafted_by_31_10_of_the_year_before() -> None:
    drafts = sorted(
        (ob.due_on, ob.title, ob.agency) for ob in of_rule(generated(HN_2026), "ke-hoach-nam")
    )
    assert drafts == [
        (date(year - 1, 10, 31), f"Xây dựng Kế hoạch năm {year}", SCT) for year in range(2027, 2031)
    ]
    # plans that do not say so get none
    assert not of_rule(generated(HN_2022), "ke-hoach-nam")


def test_reminders_never_land_on_a_weekend_or_a_holiday() -> None:
    cal = calendar()
    result = generated()
    days = {cal.local_date(n.scheduled_at) for n in result.notifications}
    assert len(result.notifications) > 1000
    off = sorted(day for day in days if not cal.is_working_day(day))
    assert off == []
    tet_2026 = [date(2026, 2, 16) + timedelta(days=i) for i in range(5)]
    assert not set(tet_2026) & days
    # the local send time is 08:00 in Hà Nội
    assert {n.scheduled_at.astimezone(cal.zone).time().isoformat() for n in
            result.notifications} == {"08:00:00"}  # fmt: skip


def test_a_reminder_due_in_tet_moves_to_the_working_day_before() -> None:
    cal = calendar()
    # No reminder of the shipped plans falls in Tết 2026 by itself: move the plan's
    # six-month report date (19/6) to 27/2, just after Tết.
    original = plan_file(HN_2026)
    duties = [
        r.model_copy(update={"due": "02-27"}) if r.due == "06-19" else r for r in original.reporting
    ]
    p = original.model_copy(update={"reporting": duties})
    result = generate([p], [shipped_workflow()], book(), cal)
    key = next(
        ob.key
        for ob in result.obligations
        if ob.rule == "bao-cao" and ob.agency == SCT and ob.due_on == date(2026, 2, 27)
    )
    days = {n.stage: cal.local_date(n.scheduled_at) for n in result.notifications
            if n.obligation == key}  # fmt: skip
    # 7 days before 27/2/2026 is Friday 20/2, a Tết holiday: moved to Friday 13/2
    assert days["nhac-7-ngay"] == date(2026, 2, 13)
    assert days["nhac-2-ngay-lam-viec"] == date(2026, 2, 25)


@pytest.fixture
def loaded(store: Store) -> Store:
    now = datetime(2021, 12, 1, tzinfo=UTC)
    with store.session() as s:
        sync_directory(s, the_directory(), now)
        for p in all_plans():
            load_plan(s, p, the_directory(), now)
    return store


def sync(store: Store, now: datetime) -> None:
    with store.session() as s:
        sync_session(s, [shipped_workflow()], calendar(), now=now,
                     matcher=directory_matcher(the_directory()))  # fmt: skip


def test_editing_a_window_moves_its_obligation_and_reminders_without_duplicates(
    loaded: Store,
) -> None:
    now = datetime(2021, 12, 1, tzinfo=UTC)
    sync(loaded, now)

    def snapshot() -> tuple[int, int, Obligation, list[tuple[str, str, datetime]]]:
        with loaded.session() as s:
            obs = s.scalar(sa.select(sa.func.count()).select_from(Obligation))
            notes = s.scalar(sa.select(sa.func.count()).select_from(Notification))
            ob = s.scalars(
                sa.select(Obligation).where(
                    Obligation.rule == "chu-tri",
                    Obligation.key.contains("hn-266-kh-ubnd-2021"),
                    Obligation.task.has(key="3"),
                )
            ).one()
            query = (
                sa.select(Notification.stage, Notification.state, Notification.scheduled_at)
                .where(Notification.obligation_id == ob.id)
                .order_by(Notification.stage_order, Notification.id)
            )
            rows = [(stage, state, at) for stage, state, at in s.execute(query)]
            return obs or 0, notes or 0, ob, rows

    obs_before, notes_before, ob_before, rows_before = snapshot()
    assert (ob_before.opens_on, ob_before.due_on) == (date(2022, 4, 1), date(2022, 10, 31))
    p = plan_file(HN_2022)
    tasks = [
        t.model_copy(update={
            "window_text": "Tháng 5 - 11/2022",
            "occurrences": [t.occurrences[0].model_copy(
                update={"start": date(2022, 5, 1), "end": date(2022, 11, 30)})],
        }) if t.key == "3" else t
        for t in p.tasks
    ]  # fmt: skip
    with loaded.session() as s:
        load_plan(s, p.model_copy(update={"tasks": tasks}), the_directory(), now)
    sync(loaded, now)
    obs_after, notes_after, ob_after, rows_after = snapshot()
    assert (obs_after, notes_after) == (obs_before, notes_before)
    assert ob_after.id == ob_before.id
    assert (ob_after.opens_on, ob_after.due_on) == (date(2022, 5, 1), date(2022, 11, 30))
    assert [r[0] for r in rows_after] == [r[0] for r in rows_before]
    moved = dict((stage, at) for stage, _state, at in rows_after)
    # Sunday 1/5/2022, then 2/5 and 3/5, the observed 30/4 and 1/5 holidays: Wednesday 4/5
    assert moved["bat-dau"] == datetime(2022, 5, 4, 1, tzinfo=UTC)
    assert moved["den-han"] == datetime(2022, 11, 30, 1, tzinfo=UTC)
    assert all(state == "pending" for _stage, state, _at in rows_after)
