"""The schema is created by the shipped migrations, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from engine.store.db import Store
from engine.store.models import Agency, AuditEvent, Obligation, Plan


def test_upgrade_twice_changes_nothing(store: Store) -> None:
    head = store.head()
    assert store.upgrade() == (head, head)
    assert store.revision() == head


def test_instants_come_back_in_utc_whatever_zone_went_in(store: Store) -> None:
    hanoi = timezone(timedelta(hours=7))
    at = datetime(2026, 6, 19, 8, 0, tzinfo=hanoi)
    with store.session() as s:
        s.add(AuditEvent(at=at, event="note", channel="cli"))
    with store.session() as s:
        event = s.scalars(sa.select(AuditEvent)).one()
        assert event.at == datetime(2026, 6, 19, 1, 0, tzinfo=UTC)
        assert event.at.tzinfo is not None


def test_naive_instants_are_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), store.session() as s:
        s.add(AuditEvent(at=datetime(2026, 1, 1), event="note", channel="cli"))
        s.flush()


def test_obligation_keys_are_unique(store: Store) -> None:
    now = datetime(2026, 1, 5, tzinfo=UTC)
    with store.session() as s:
        agency = Agency(key="hn.sct", name="Sở Công Thương", aliases=[])
        plan = Plan(
            key="p",
            title="t",
            period_start=2026,
            period_end=2026,
            content_hash="x",
            data={},
            loaded_at=now,
        )
        s.add_all([agency, plan])
        s.flush()
        fields = dict(
            workflow="w",
            rule="r",
            plan_id=plan.id,
            agency_id=agency.id,
            role="lead",
            title="t",
            period_label="Năm 2026",
            due_on=date(2026, 12, 31),
            original_due_on=date(2026, 12, 31),
            spec_hash="h",
            created_at=now,
            updated_at=now,
        )
        s.add(Obligation(key="k", **fields))
    with pytest.raises(sa.exc.IntegrityError), store.session() as s:
        s.add(Obligation(key="k", **fields))
