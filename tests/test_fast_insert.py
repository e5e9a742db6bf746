"""``FastInsert`` (the driver's executemany or COPY) stores exactly what a Core
``insert()`` of the same values stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from engine.store.db import Store
from engine.store.fast import FastInsert
from engine.store.models import Agency, AuditEvent, Contact, Notification, Obligation, Plan

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
HANOI = timezone(timedelta(hours=7))
NOTE_COLUMNS = [
    "key", "kind", "obligation_id", "stage", "stage_order", "escalation", "contact_id",
    "channel", "template", "stop_on", "scheduled_at", "due_at", "state", "attempts",
    "last_error", "payload", "created_at", "updated_at",
]  # fmt: skip


def _parents(store: Store) -> None:
    with store.session() as s:
        agency = Agency(key="hn.sct", name="Sở Công Thương", aliases=["SCT"])
        s.add(agency)
        s.flush()
        plan = Plan(key="p", title="Kế hoạch", period_start=2026, period_end=2026,
                    content_hash="h", data={}, loaded_at=T0)  # fmt: skip
        contact = Contact(key="c", agency_id=agency.id, name="Đầu mối", role="coordinator")
        contact.set_address("email", "a@example.org")
        s.add_all([plan, contact])
        s.flush()
        for n in (1, 2):
            s.add(Obligation(
                id=n, key=f"o{n}", workflow="scp", rule="r", plan_id=plan.id,
                agency_id=agency.id, role="lead", title="Báo cáo \"năm\" ✓", period_label="Năm",
                opens_on=date(2026, 1, 1) if n == 1 else None, due_on=date(2026, 12, 15),
                original_due_on=date(2026, 12, 15), status="open", spec_hash="h",
                created_at=T0, updated_at=T0, tracked=n == 1,
            ))  # fmt: skip


def _notes(offset: int) -> list[tuple[Any, ...]]:
    payloads: list[Any] = [{"when": "before", "ack": True}, {"when": "on_due", "ack": False},
                           {"letter": True, "ý": "é"}]  # fmt: skip
    instants = [T0, T0.replace(microsecond=123456), datetime(2026, 3, 1, 8, 0, tzinfo=HANOI)]
    rows = []
    for n in range(6):
        at = instants[n % 3]
        rows.append((
            f"n{offset + n}", "obligation", 1 + n % 2, f"s{offset + n}", n, n % 2 == 0,
            1, "email", "reminder", ("done", "waived") if n % 2 else [], at, at + timedelta(1),
            "pending", n, None if n % 3 else "lý do", payloads[n % 3], T0, at,
        ))  # fmt: skip
    return rows


def _stored(store: Store, table: str, first: int, last: int) -> list[tuple[Any, ...]]:
    """Every column as the database holds it (as text), for the ids first..last."""
    columns = [c["name"] for c in sa.inspect(store.engine).get_columns(table) if c["name"] != "id"]
    text = ", ".join(f"CAST({c} AS TEXT)" for c in columns)
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            f"SELECT {text} FROM {table} WHERE id BETWEEN {first} AND {last} ORDER BY id"
        ))]  # fmt: skip


def _without_keys(rows: list[tuple[Any, ...]], *positions: int) -> list[tuple[Any, ...]]:
    return [tuple(v for i, v in enumerate(r) if i not in positions) for r in rows]


def test_notifications_are_stored_as_a_core_insert_stores_them(store: Store) -> None:
    _parents(store)
    table = Notification.__table__
    core = [dict(zip(NOTE_COLUMNS, r, strict=True)) for r in _notes(0)]
    for row in core:
        row["stop_on"] = list(row["stop_on"])
    with store.engine.begin() as conn:
        conn.execute(table.insert(), core)  # type: ignore[attr-defined]
    with store.engine.begin() as conn:
        assert FastInsert(conn, table, NOTE_COLUMNS).write(iter(_notes(100))) == 6  # type: ignore[arg-type]
    by_core, fast = _stored(store, "notifications", 1, 6), _stored(store, "notifications", 7, 12)
    key, stage = NOTE_COLUMNS.index("key"), NOTE_COLUMNS.index("stage")
    assert _without_keys(fast, key, stage) == _without_keys(by_core, key, stage)
    with store.session() as s:
        read = s.scalars(sa.select(Notification).order_by(Notification.id)).all()
        for a, b in zip(read[:6], read[6:], strict=True):
            assert (a.scheduled_at, a.stop_on, a.payload, a.escalation, a.last_error) == (
                b.scheduled_at, b.stop_on, b.payload, b.escalation, b.last_error)  # fmt: skip


def test_dates_booleans_and_json_events_are_stored_alike(store: Store) -> None:
    _parents(store)
    columns = ["obligation_id", "at", "event", "actor", "channel", "note", "data"]
    rows = [(1, T0, "created", "sync", "system", None, {"due_on": "2026-12-15"}),
            (2, T0.replace(microsecond=5), "cancelled", None, "cli", "ghi chú", None),
            (None, T0, "note", "sync", "system", None, [1, "é", True])]  # fmt: skip
    table = AuditEvent.__table__
    with store.engine.begin() as conn:
        conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])  # type: ignore[attr-defined]
        FastInsert(conn, table, columns).write(rows)  # type: ignore[arg-type]
    assert _stored(store, "audit_events", 4, 6) == _stored(store, "audit_events", 1, 3)


def test_a_naive_instant_is_refused(store: Store) -> None:
    _parents(store)
    row = (None, datetime(2026, 1, 1), "note", "sync", "system", None, {})
    with pytest.raises(ValueError, match="naive datetime"), store.engine.begin() as conn:
        columns = ["obligation_id", "at", "event", "actor", "channel", "note", "data"]
        FastInsert(conn, AuditEvent.__table__, columns).write([row])  # type: ignore[arg-type]
