"""Generation: plans × workflows × calendar → obligations and their schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime

from engine.agencies import Directory
from engine.workflow.generate import AgencyBook, generate, stage_day
from engine.workflow.phrases import parse_offset
from notifiers import registry
from tests.workflow.helpers import (
    book,
    calendar,
    directory,
    plan,
    shipped_workflow,
    task,
    workflow,
)

SIMPLE = """
version: 1
name: w
reminders:
  r:
    - {name: open, at: when it opens, to: [agency.coordinator], channels: [email]}
    - {name: d14, at: 14 days before due, to: [agency.coordinator], channels: [email, telegram]}
    - {name: late, at: 1 day after due, to: [agency.head, owner.coordinator], channels: [email]}
rules:
  - {name: lead, each: task lead, reminders: r}
"""


def test_a_task_gives_one_obligation_for_its_lead_with_the_tasks_window() -> None:
    result = generate([plan()], [workflow(SIMPLE)], book(), calendar())
    [ob] = result.obligations
    assert ob.key == "w:lead:hn-2022:t.1:hn.sct:2022"
    assert (ob.agency_name, ob.role, ob.title) == ("Sở Công Thương", "lead", "Xây dựng tài liệu")
    assert (ob.opens_on, ob.due_on, ob.period_label) == (
        date(2022, 3, 1),
        date(2022, 12, 31),
        "Tháng 3-12/2022",
    )


def test_each_stage_reaches_each_contact_on_each_channel_it_has() -> None:
    result = generate([plan()], [workflow(SIMPLE)], book(), calendar())
    rows = {(n.stage, n.contact, n.channel): n.scheduled_at for n in result.notifications}
    assert rows == {
        # 1 March 2022 is a Tuesday: 08:00 in Hà Nội is 01:00 UTC
        ("open", "hn.sct.coordinator", "email"): datetime(2022, 3, 1, 1, tzinfo=UTC),
        # 31/12/2022 − 14 days = Saturday 17/12: moved back to Friday 16/12
        ("d14", "hn.sct.coordinator", "email"): datetime(2022, 12, 16, 1, tzinfo=UTC),
        ("d14", "hn.sct.coordinator", "telegram"): datetime(2022, 12, 16, 1, tzinfo=UTC),
        # 1/1/2023 is a Sunday and 2/1/2023 the New Year holiday observed: Tuesday 3/1
        ("late", "hn.sct.head", "email"): datetime(2023, 1, 3, 1, tzinfo=UTC),
        # the owner (Sở Công Thương itself) has a coordinator too
        ("late", "hn.sct.coordinator", "email"): datetime(2023, 1, 3, 1, tzinfo=UTC),
    }
    late = [n for n in result.notifications if n.stage == "late"]
    assert all(n.escalation and n.template == "escalation" for n in late)


def test_coordinators_are_due_working_days_before_the_lead() -> None:
    text = SIMPLE + "  - {name: co, each: task coordinator, due: 5 working days before due, "
    text += "reminders: r}\n"
    result = generate([plan()], [workflow(text)], book(), calendar())
    co = {ob.agency: ob for ob in result.obligations if ob.rule == "co"}
    assert set(co) == {"hn.stnmt", "hn.stc"}
    # 31/12/2022 is a Saturday: five working days before it is Monday 26/12
    assert co["hn.stnmt"].due_on == date(2022, 12, 26)
    assert co["hn.stnmt"].opens_on == date(2022, 3, 1)
    assert co["hn.stnmt"].role == "coordinator"


def test_an_agency_without_contacts_gets_obligations_and_a_warning() -> None:
    text = SIMPLE + "  - {name: co, each: task coordinator, reminders: r}\n"
    result = generate([plan()], [workflow(text)], book(), calendar())
    assert any(ob.agency == "hn.stc" for ob in result.obligations)
    stc = {(n.stage, n.contact) for n in result.notifications if ":hn.stc:" in n.obligation}
    assert stc == {("late", "hn.sct.coordinator")}  # only the plan owner hears of it
    assert result.warnings == [
        "Sở Tài chính có 1 nghĩa vụ nhưng không có người liên hệ nào có địa chỉ trên kênh nào "
        "(email, telegram, webhook, zalo): sẽ không ai được nhắc"
    ]


def test_a_contact_reached_only_on_zalo_or_a_webhook_is_someone_to_remind() -> None:
    """The warning is the registry's: an address on any channel counts, and the warning
    names every channel there is."""
    text = SIMPLE + "  - {name: co, each: task coordinator, reminders: r}\n"
    entries = directory().model_dump(mode="json", exclude_none=True)
    stc = next(a for a in entries["agencies"] if a["key"] == "hn.stc")

    def warnings() -> list[str]:
        found = AgencyBook.from_directory(Directory.model_validate(entries))
        return generate([plan()], [workflow(text)], found, calendar()).warnings

    (warning,) = warnings()
    assert f"({', '.join(registry.names())})" in warning
    for address in ({"zalo_user_id": "1001"}, {"webhook_url": "https://eoffice.example.vn/h"}):
        stc["contacts"] = [{"role": "coordinator", "name": "Văn phòng STC", **address}]
        assert warnings() == []


def test_the_warning_reads_in_english_with_the_channel_names(english: None) -> None:
    text = SIMPLE + "  - {name: co, each: task coordinator, reminders: r}\n"
    result = generate([plan()], [workflow(text)], book(), calendar())
    assert result.warnings == [
        "Sở Tài chính has 1 obligation but no contact with an address on any channel "
        "(email, telegram, webhook, zalo): nobody will be reminded"
    ]


def test_names_missing_from_the_directory_get_a_derived_key() -> None:
    p = plan(tasks=[task(lead=["Sở Xây dựng"])])
    result = generate([p], [workflow(SIMPLE)], book(), calendar())
    [ob] = result.obligations
    assert ob.agency == "unlisted.so-xay-dung"
    assert "chưa có trong danh bạ cơ quan" in result.warnings[0]


def test_reports_use_the_plan_dates_or_the_workflow_defaults() -> None:
    p = plan(
        period={"start": 2026, "end": 2027},
        reporting=[
            {"text": "6 tháng (trước ngày 20/6)", "frequency": "half-yearly", "due": "06-19"},
            {"text": "năm", "frequency": "yearly"},
        ],
    )
    result = generate([p], [shipped_workflow()], book(), calendar())
    reports = sorted(
        (ob.due_on, ob.title, ob.agency) for ob in result.obligations if ob.rule == "bao-cao"
    )
    assert reports == [
        (date(2026, 6, 19), "Báo cáo 6 tháng đầu năm 2026", "hn.sct"),
        (date(2026, 6, 19), "Báo cáo 6 tháng đầu năm 2026", "hn.stnmt"),
        (date(2026, 12, 15), "Báo cáo năm 2026", "hn.sct"),
        (date(2026, 12, 15), "Báo cáo năm 2026", "hn.stnmt"),
        (date(2027, 6, 19), "Báo cáo 6 tháng đầu năm 2027", "hn.sct"),
        (date(2027, 6, 19), "Báo cáo 6 tháng đầu năm 2027", "hn.stnmt"),
        (date(2027, 12, 15), "Báo cáo năm 2027", "hn.sct"),
        (date(2027, 12, 15), "Báo cáo năm 2027", "hn.stnmt"),
    ]
    first = next(ob for ob in result.obligations if ob.rule == "bao-cao")
    assert first.key == "scp:bao-cao:hn-2022:d.report-half-yearly:hn.sct:6 tháng đầu năm 2026"
    assert first.opens_on == date(2026, 5, 20)  # "opens: 30 ngày trước hạn"


def test_quarterly_and_monthly_reports_fall_in_each_period() -> None:
    p = plan(reporting=[{"text": "quý", "frequency": "quarterly", "due": "03-20"}])
    result = generate([p], [shipped_workflow()], book(), calendar())
    dues = sorted({ob.due_on for ob in result.obligations if ob.rule == "bao-cao"})
    assert dues == [date(2022, 3, 20), date(2022, 6, 20), date(2022, 9, 20), date(2022, 12, 20)]
    labels = {ob.period_label for ob in result.obligations if ob.rule == "bao-cao"}
    assert "quý II năm 2022" in labels


def test_plan_drafting_is_due_the_year_before_for_each_later_year() -> None:
    p = plan(
        period={"start": 2026, "end": 2030},
        reporting=[{"kind": "plan_drafting", "text": "Hàng năm xây dựng", "frequency": "yearly"}],
    )
    result = generate([p], [shipped_workflow()], book(), calendar())
    drafts = sorted((ob.due_on, ob.title, ob.agency) for ob in result.obligations
                    if ob.rule == "ke-hoach-nam")  # fmt: skip
    assert drafts == [
        (date(year - 1, 10, 31), f"Xây dựng Kế hoạch năm {year}", "hn.sct")
        for year in range(2027, 2031)
    ]


def test_plan_drafting_needs_the_plan_to_state_it_unless_the_rule_says_otherwise() -> None:
    p = plan(period={"start": 2026, "end": 2027}, reporting=[])
    assert not [o for o in generate([p], [shipped_workflow()], book(), calendar()).obligations
                if o.rule == "ke-hoach-nam"]  # fmt: skip
    text = SIMPLE + "  - {name: kh, each: plan drafting, if_plan_states: false, reminders: r}\n"
    result = generate([p], [workflow(text)], book(), calendar())
    [draft] = [o for o in result.obligations if o.rule == "kh"]
    assert (draft.due_on, draft.period_label) == (date(2026, 10, 31), "Kế hoạch năm 2027")


def test_rules_select_plans_sections_and_agencies() -> None:
    text = SIMPLE + (
        "  - {name: only-ii, each: task lead, where: {sections: ['II*']}, reminders: r}\n"
        "  - {name: not-sct, each: task coordinator, except: {agencies: ['hn.stc']}, "
        "reminders: r}\n"
        "  - {name: other-plans, each: task lead, where: {plans: ['hb-*']}, reminders: r}\n"
    )
    result = generate([plan()], [workflow(text)], book(), calendar())
    rules = sorted((ob.rule, ob.agency) for ob in result.obligations)
    assert rules == [("lead", "hn.sct"), ("not-sct", "hn.stnmt")]


def test_multi_year_tasks_give_one_obligation_per_occurrence() -> None:
    occurrences = [
        {"start": date(y, 1, 1), "end": date(y, 12, 31), "label": f"Năm {y}"} for y in (2027, 2028)
    ]
    p = plan(tasks=[task(occurrences=occurrences)])
    keys = [ob.key for ob in generate([p], [workflow(SIMPLE)], book(), calendar()).obligations]
    assert keys == ["w:lead:hn-2022:t.1:hn.sct:2027", "w:lead:hn-2022:t.1:hn.sct:2028"]


def test_reminders_never_land_on_a_weekend_or_tet() -> None:
    cal = calendar()
    p = plan(tasks=[task(occurrences=[{"start": date(2026, 1, 5), "end": date(2026, 3, 2)}])])
    result = generate([p], [shipped_workflow()], book(), cal)
    days = {n.stage: cal.local_date(n.scheduled_at) for n in result.notifications}
    assert all(cal.is_working_day(day) for day in days.values())
    # 14 days before 2/3/2026 is Monday 16/2, first day of Tết: back to Friday 13/2
    assert days["nhac-14-ngay"] == date(2026, 2, 13)


def test_stages_before_the_obligation_opens_are_dropped() -> None:
    cal = calendar()
    offset = parse_offset("14 days before due")
    assert stage_day(offset, date(2026, 6, 10), date(2026, 6, 19), cal) is None
    assert stage_day(offset, None, date(2026, 6, 19), cal) == date(2026, 6, 5)
    opens = parse_offset("when it opens")
    # opens on Saturday 20/6: announced on Monday 22/6 …
    assert stage_day(opens, date(2026, 6, 20), date(2026, 6, 30), cal) == date(2026, 6, 22)
    # … unless that is after the due date
    assert stage_day(opens, date(2026, 6, 20), date(2026, 6, 21), cal) is None
    assert stage_day(opens, None, date(2026, 6, 21), cal) is None


def test_a_due_date_on_a_day_off_stays_as_written() -> None:
    p = plan(reporting=[{"text": "năm", "frequency": "yearly", "due": "12-31"}])
    result = generate([p], [shipped_workflow()], book(), calendar())
    report = next(ob for ob in result.obligations if ob.rule == "bao-cao")
    assert report.due_on == date(2022, 12, 31)  # a Saturday


def test_generation_is_deterministic() -> None:
    first = generate([plan()], [shipped_workflow()], book(), calendar())
    second = generate([plan()], [shipped_workflow()], book(), calendar())
    assert first.obligations == second.obligations
    assert first.notifications == second.notifications
    assert [o.spec_hash() for o in first.obligations] == [o.spec_hash() for o in second.obligations]


def test_a_moved_due_date_moves_the_reminders_but_not_the_obligation() -> None:
    first = generate([plan()], [workflow(SIMPLE)], book(), calendar())
    key = first.obligations[0].key
    moved = generate(
        [plan()], [workflow(SIMPLE)], book(), calendar(), due_overrides={key: date(2023, 1, 31)}
    )
    assert moved.obligations[0].due_on == date(2022, 12, 31)
    late = {n.scheduled_at for n in moved.notifications if n.stage == "late@2023-01-31"}
    assert late == {datetime(2023, 2, 1, 1, tzinfo=UTC)}
    assert not [n for n in moved.notifications if n.stage == "late"]  # a new round


def test_two_reminders_on_one_day_for_one_person_are_sent_once() -> None:
    text = """
version: 1
reminders:
  r:
    - {name: d1, at: 1 day before due, to: [agency.coordinator, agency.head], channels: [email]}
    - {name: due, at: on the due date, to: [agency.coordinator], channels: [email]}
    - {name: late, at: 1 day after due, to: [agency.coordinator], channels: [email]}
rules:
  - {name: lead, each: task lead, reminders: r}
"""
    # due Sunday 21/6/2026: "1 day before" (Saturday) and "on the due date" both go out
    # on Friday 19/6; the coordinator gets the later stage only, the head keeps d1
    p = plan(tasks=[task(occurrences=[{"start": "2026-06-01", "end": "2026-06-21"}])])
    result = generate([p], [workflow(text)], book(), calendar())
    rows = sorted((n.stage, n.contact, n.when, str(n.scheduled_at.date()))
                  for n in result.notifications)  # fmt: skip
    assert rows == [
        ("d1", "hn.sct.head", "before", "2026-06-19"),
        ("due", "hn.sct.coordinator", "before", "2026-06-19"),  # not "today is the day"
        ("late", "hn.sct.coordinator", "after", "2026-06-22"),
    ]


def test_reporting_days_read_from_the_body_become_monthly_and_quarterly_obligations() -> None:
    """End to end: sentences of a plan's body → the plan file's YAML → generation."""
    import yaml

    from engine.agencies import AgencyMatcher
    from engine.plans.body import BodyReader
    from engine.plans.document import Line
    from engine.plans.model import PlanFile
    from engine.plans.yamlout import dump_plan
    from tests.workflow.helpers import directory

    sentences = [
        "V. CHẾ ĐỘ BÁO CÁO",
        "Sở Tài nguyên và Môi trường báo cáo tiến độ về Sở Công Thương trước ngày 20 hằng tháng.",
        "Sở Công Thương báo cáo UBND Thành phố trước ngày 15 tháng cuối quý.",
    ]
    lines = [Line(n, text) for n, text in enumerate(sentences, start=1)]
    body = BodyReader(AgencyMatcher(directory()), None, "UBND thành phố Hà Nội").read(lines)
    written = dump_plan(plan(period={"start": 2026, "end": 2026}, reporting=body.reporting))
    assert 'due: "19"  # ngày 19 hằng tháng' in written
    assert 'due: "14"  # ngày 14 tháng cuối mỗi quý' in written
    reloaded = PlanFile.model_validate(yaml.safe_load(written))

    cal = calendar()
    result = generate([reloaded], [shipped_workflow()], book(), cal)
    # the shipped rule: every agency of the plan reports, for each frequency the plan states
    reports = [ob for ob in result.obligations if ob.rule == "bao-cao" and ob.agency == "hn.sct"]
    monthly = sorted(ob.due_on for ob in reports if ob.period_label.startswith("tháng"))
    assert monthly == [date(2026, month, 19) for month in range(1, 13)]
    quarterly = sorted(
        (ob.due_on, ob.period_label) for ob in reports if ob.period_label.startswith("quý")
    )
    assert quarterly == [
        (date(2026, 3, 14), "quý I năm 2026"),
        (date(2026, 6, 14), "quý II năm 2026"),
        (date(2026, 9, 14), "quý III năm 2026"),
        (date(2026, 12, 14), "quý IV năm 2026"),
    ]
    # 14/3/2026 is a Saturday: the report is due as written, its reminders on working days
    keys = {ob.key for ob in reports if ob.due_on == date(2026, 3, 14)}
    days = {
        n.stage: cal.local_date(n.scheduled_at)
        for n in result.notifications
        if n.obligation in keys
    }
    assert days["nhac-2-ngay-lam-viec"] == date(2026, 3, 12)  # Thursday
    assert all(cal.is_working_day(day) for day in days.values())


def test_a_legacy_month_day_on_a_monthly_duty_means_its_day() -> None:
    p = plan(reporting=[{"text": "tháng", "frequency": "monthly", "due": "01-05"}])
    result = generate([p], [shipped_workflow()], book(), calendar())
    dues = sorted(ob.due_on for ob in result.obligations if ob.rule == "bao-cao")
    assert dues[:2] == [date(2022, 1, 5), date(2022, 1, 5)]
    assert {d.day for d in dues} == {5}
