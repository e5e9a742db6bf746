"""``agenda --json`` takes a faster road (``agenda_records``, ``records_json``) to the
same bytes: every record equals ``AgendaItem.as_json`` of the item ``agenda`` lists, and
the text equals ``json.dumps(..., indent=2)``, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from engine.cli.app import records_json
from engine.status import apply_action
from engine.store.db import Store
from engine.store.models import Obligation
from engine.workflow.agenda import agenda, agenda_records
from engine.workflow.sync import sync_session
from tests.workflow.helpers import HANOI, calendar, directory, plan, shipped_workflow, task
from tests.workflow.store_helpers import put_directory, put_plan

NOW = datetime(2022, 1, 10, 3, tzinfo=UTC)
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
)  # fmt: skip


@given(st.lists(st.dictionaries(st.text(), SCALARS)))
def test_records_are_written_as_json_dumps_indents_them(records: list[dict[str, Any]]) -> None:
    assert records_json(records) == json.dumps(records, ensure_ascii=False, indent=2)


def test_a_nested_value_is_refused() -> None:
    with pytest.raises(TypeError, match="not a flat record"):
        records_json([{"a": [1]}])


@pytest.fixture
def synced(store: Store) -> Store:
    """The 2022 plan synced, then one obligation done late, one waived, one acknowledged,
    one cancelled and one not tracked."""
    tasks = [
        task(),
        task(key="2", number="2", title="Hội nghị phổ biến", coordinators=[],
             occurrences=[{"start": "2022-06-01", "end": "2022-06-30"}]),
        task(key="3", number="3", title="Khảo sát", coordinators=[],
             occurrences=[{"end": "2022-06-15"}]),
    ]  # fmt: skip
    with store.session() as s:
        put_directory(s, directory())
        put_plan(s, plan(tasks=tasks), NOW)
    with store.session() as s:
        sync_session(s, [shipped_workflow()], calendar(), now=NOW)
    with store.session() as s:
        rows = s.scalars(sa.select(Obligation).order_by(Obligation.due_on, Obligation.id)).all()
        assert len(rows) >= 8, len(rows)
        late = datetime(2022, 6, 17, 3, tzinfo=UTC)
        for row, action in zip(rows[2:5], ("done", "waive", "ack"), strict=True):
            apply_action(s, row, action, now=late, zone=HANOI, actor="sct", channel="cli")
        rows[5].cancelled_at = late
        rows[6].tracked = False
    return store


FILTERS: list[dict[str, Any]] = [
    {},
    {"start": date(2022, 1, 1), "end": date(2022, 12, 31)},
    {"start": date(2022, 6, 1), "end": date(2022, 6, 30), "status": "overdue"},
    {"status": "done"},
    {"status": "open", "start": date(2022, 1, 1)},
    {"status": "acknowledged"},
    {"status": "waived"},
    {"tracked": False},
    {"tracked": None, "include_cancelled": True},
    {"agency": "Sở Công Thương"},
    {"plan": "266/KH-UBND", "end": date(2022, 9, 30)},
]


@pytest.mark.parametrize("today", [date(2022, 1, 3), date(2022, 6, 20), date(2023, 1, 1)])
def test_the_records_are_the_items_as_json(synced: Store, today: date) -> None:
    with synced.session() as s:
        for filters in FILTERS:
            items = agenda(s, today, **filters)
            records = agenda_records(s, today, **filters)
            assert records == [item.as_json() for item in items], filters
            assert records_json(records) == json.dumps(
                [item.as_json() for item in items], ensure_ascii=False, indent=2, default=str
            )


def test_every_status_is_among_what_is_compared(synced: Store) -> None:
    with synced.session() as s:
        seen = {r["status"] for r in agenda_records(s, date(2022, 6, 20), tracked=None)}
    assert seen == {"open", "acknowledged", "done", "waived", "overdue", "untracked"}
