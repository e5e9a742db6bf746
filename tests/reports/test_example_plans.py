"""The categories on a shipped example plan, against a table computed by hand.

Hà Nội's plan 266/KH-UBND for 2022 (``plans/hn-2022-sxtdbv.yaml``) is loaded with the
shipped directory and synced with the shipped workflow on 10/01/2022. Its second half of
2022 then holds 39 obligations: Sở Công Thương leads 14 tasks (13 due 31/12/2022, task 3
due 31/10/2022) and owes the annual report (due 15/12/2022); 12 coordinating inputs of
"Các sở, ngành và đơn vị có liên quan" (due 24/10 or 26/12); 10 other agencies' annual
reports; 2 other coordinating inputs (the workflow leaves businesses and consumers out).
What happens to them (Hà Nội time):

- Sở Công Thương: task 1 done 20/12/2022; the annual report done 15/12/2022 at 23:00 (its
  last allowed day); task 2 done 05/01/2023; task 5 extended to 31/01/2023 and done
  10/01/2023; task 6 extended to 31/01/2023, not done; task 3 acknowledged, not done;
  task 4 waived; task 7 done 16/01/2023; tasks 8-14 not done.
- Sở Tài nguyên và Môi trường: the annual report done 16/12/2022 (a day late).
- Các sở, ngành và đơn vị có liên quan: its input to task 1 done on 26/12/2022, its due day.
- Everyone else: nothing.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from docx import Document
from sqlalchemy.orm import Session

from engine.agencies import load_directory
from engine.categories import Scorecard
from engine.config import PathsSettings, Settings
from engine.letters import make_letter
from engine.lookup import find_plan
from engine.plans.load import load_plan, sync_directory
from engine.plans.model import PlanFile
from engine.report import build_report, default_as_of, parse_report_period
from engine.status import Action, apply_action
from engine.store.db import Store
from engine.store.models import Agency, ExtensionRequest, Obligation, Task
from engine.workflow.sync import run_sync
from engine.yamlpos import load_yaml, read_text, validate
from tests.reports.factories import HANOI, ROOT, at

PLAN_FILE = ROOT / "plans" / "hn-2022-sxtdbv.yaml"
PLAN_KEY = "hn-266-kh-ubnd-2021"
SYNCED = datetime(2022, 1, 10, 1, 0, tzinfo=UTC)
SCT, TNMT = "Sở Công Thương", "Sở Tài nguyên và Môi trường"
OTHERS = "Các sở, ngành và đơn vị có liên quan"


def _settings() -> Settings:
    return Settings(
        paths=PathsSettings(
            workflows=ROOT / "workflows",
            templates=ROOT / "templates",
            agencies=ROOT / "config" / "agencies.yaml",
            plans=ROOT / "plans",
        )
    )


def _load_and_sync(store: Store) -> None:
    settings = _settings()
    data, positions = load_yaml(read_text(PLAN_FILE), str(PLAN_FILE))
    plan = validate(PlanFile, data, positions, str(PLAN_FILE))
    directory = load_directory(settings.paths.agencies)
    with store.session() as s:
        sync_directory(s, directory, SYNCED)
        load_plan(s, plan, directory, SYNCED)
    run_sync(store, settings, now=SYNCED)


def _find(s: Session, agency: str, *, task: str | None = None, rule: str) -> Obligation:
    query = (
        sa.select(Obligation)
        .join(Agency, Agency.id == Obligation.agency_id)
        .outerjoin(Task, Task.id == Obligation.task_id)
        .where(Agency.name == agency, Obligation.rule == rule)
    )
    if task is not None:
        query = query.where(Task.key == task)
    else:
        query = query.where(Obligation.period_label == "năm 2022")
    return s.scalars(query).one()


def _act(s: Session, obligation: Obligation, action: Action, when: datetime) -> None:
    apply_action(s, obligation, action, now=when, zone=HANOI, actor="test", channel="cli")


def _extend(s: Session, obligation: Obligation, to: date) -> None:
    """What an approved extension does to the obligation (the request is kept as a row)."""
    s.add(
        ExtensionRequest(
            obligation_id=obligation.id, requested_by="test", requested_via="cli",
            requested_at=at(date(2022, 12, 20)), new_due_on=to, reason="chờ số liệu",
            state="approved", decided_by="coordinator", decided_at=at(date(2022, 12, 21)),
        )
    )  # fmt: skip
    obligation.due_on = to


def _happen(store: Store) -> None:
    with store.session() as s:
        lead = {key: _find(s, SCT, task=key, rule="chu-tri") for key in "1234567"}
        _act(s, lead["1"], "done", at(date(2022, 12, 20)))
        _act(s, _find(s, SCT, rule="bao-cao"), "done", at(date(2022, 12, 15), time(23, 0)))
        _act(s, lead["2"], "done", at(date(2023, 1, 5)))
        _extend(s, lead["5"], date(2023, 1, 31))
        _act(s, lead["5"], "done", at(date(2023, 1, 10)))
        _extend(s, lead["6"], date(2023, 1, 31))
        _act(s, lead["3"], "ack", at(date(2022, 4, 5)))
        _act(s, lead["4"], "waive", at(date(2022, 5, 1)))
        _act(s, lead["7"], "done", at(date(2023, 1, 16)))
        _act(s, _find(s, TNMT, rule="bao-cao"), "done", at(date(2022, 12, 16), time(9, 0)))
        _act(s, _find(s, OTHERS, task="1", rule="phoi-hop"), "done", at(date(2022, 12, 26)))


def _cards(store: Store, as_of: date) -> tuple[dict[str, Scorecard], int]:
    with store.session() as s:
        plan = find_plan(s, PLAN_KEY)
        report = build_report(s, plan, parse_report_period("2022-H2"), as_of=as_of, zone=HANOI)
    return report.by_agency, len(report.rows)


def card(on_time: int, late: int, in_time: int, overdue: int, **extra: int) -> Scorecard:
    return Scorecard(on_time, late, in_time, overdue, **extra)


def test_the_example_plan_as_of_15_january_2023_matches_the_hand_table(store: Store) -> None:
    _load_and_sync(store)
    _happen(store)
    cards, rows = _cards(store, date(2023, 1, 15))
    assert rows == 39
    # Sở Công Thương: on time = task 1 and the report; late = task 2 and task 5 (within its
    # extension); overdue = task 3, task 6 (within its extension), task 7 (done the day
    # after), tasks 8-14; task 4 waived.
    assert cards[SCT] == card(2, 2, 0, 10, done_within_extension=1,
                              not_done_within_extension=1, waived=1)  # fmt: skip
    assert cards[SCT].on_time_rate == 2 / 14
    assert cards[TNMT] == card(0, 1, 0, 0)
    assert cards[OTHERS] == card(1, 0, 0, 11)
    untouched = {name: c for name, c in cards.items() if name not in (SCT, TNMT, OTHERS)}
    assert sum(c.total for c in untouched.values()) == 11
    assert all(c == card(0, 0, 0, c.total) for c in untouched.values())
    total = sum(cards.values(), Scorecard())
    assert total == card(3, 3, 0, 32, done_within_extension=1, not_done_within_extension=1,
                         waived=1)  # fmt: skip
    assert total.on_time_rate == 3 / 38


def test_the_example_plan_at_the_end_of_the_half_matches_the_hand_table(store: Store) -> None:
    _load_and_sync(store)
    _happen(store)
    as_of = default_as_of(parse_report_period("2022-H2"), today=date(2023, 3, 1))
    assert as_of == date(2022, 12, 31)
    cards, _ = _cards(store, as_of)
    # On 31/12/2022 tasks due that day are still in time, and what was done in January was
    # not done yet: on time = task 1 and the report; overdue = task 3 (due 31/10); in time =
    # tasks 2, 5, 6, 7 and 8-14.
    assert cards[SCT] == card(2, 0, 11, 1, waived=1)
    assert cards[SCT].on_time_rate == 2 / 3
    assert cards[TNMT] == card(0, 1, 0, 0)
    # Its inputs due 24/10 (task 3) and 26/12 are overdue by then; one was done on its day.
    assert cards[OTHERS] == card(1, 0, 0, 11)


def test_the_example_plans_letter_lists_what_is_overdue_now(store: Store) -> None:
    _load_and_sync(store)
    _happen(store)
    with store.session() as s:
        sct = s.scalars(sa.select(Agency).where(Agency.key == "hn.so-cong-thuong")).one()
        plan = find_plan(s, PLAN_KEY)
        letter = make_letter(s, agency=sct, plan=plan, as_of=date(2023, 1, 15),
                             now=at(date(2023, 1, 16)), settings=_settings())  # fmt: skip
        titles = {t.key: t.title for t in s.scalars(sa.select(Task).where(Task.plan_id == plan.id))}
    document = Document(io.BytesIO(letter.content))
    rows = [[c.text for c in row.cells] for row in document.tables[1].rows[1:]]
    # The 6-month report (due 15/06/2022, never done), task 3 (due 31/10/2022) and tasks
    # 8-14 (due 31/12/2022); task 6 is extended to 31/01/2023 and task 7 is done by now,
    # so neither is chased.
    expected = ["Báo cáo 6 tháng đầu năm 2022", titles["3"]]
    expected += [titles[str(n)] for n in range(8, 15)]
    assert sorted(r[1] for r in rows) == sorted(expected)
    assert [r[3] for r in rows] == ["15/06/2022", "31/10/2022"] + ["31/12/2022"] * 7
    assert [r[4] for r in rows] == ["214", "76"] + ["15"] * 7
    assert "Kính gửi: Sở Công Thương." in [p.text for p in document.paragraphs]
