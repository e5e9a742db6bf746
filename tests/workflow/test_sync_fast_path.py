"""The first sync's bulk writes (``FastInsert``: sqlite3 ``executemany`` / PostgreSQL
``COPY``) store exactly what SQLAlchemy's own insert of the same values stores: the same
sync is run twice on one store, once writing through a Core ``insert()`` (every value
through the column types' bind processing, as the ORM does) and once through the fast
path, and every column of every row it wrote is compared as the database holds it."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection, Table

from bench.synthetic import World
from engine.store.db import Store
from engine.workflow import sync as sync_module
from engine.workflow.sync import run_sync

NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
SYNCED = ("notifications", "audit_events", "obligations")  # children first


class CoreInsert:
    """``FastInsert``'s interface, written the slow way: one Core ``insert()`` per chunk
    of dicts, so that SQLAlchemy converts every value."""

    calls = 0
    collector: ClassVar[set[bool]] = set()  # gc.isenabled() at each write

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str]) -> None:
        self.connection, self.table, self.columns = connection, table, list(columns)

    def write(self, rows: Iterable[Sequence[Any]]) -> int:
        CoreInsert.calls += 1
        CoreInsert.collector.add(gc.isenabled())
        values = [dict(zip(self.columns, row, strict=True)) for row in rows]
        for row in values:  # a tuple is not JSON to SQLAlchemy's JSON type; a list is
            if isinstance(row.get("stop_on"), tuple):
                row["stop_on"] = list(row["stop_on"])
        if values:
            self.connection.execute(self.table.insert(), values)
        return len(values)


def _snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of the synced tables, cast to text by the database, in id order."""
    out = {}
    inspector = sa.inspect(store.engine)
    with store.engine.connect() as conn:
        for table in SYNCED:
            columns = [c["name"] for c in inspector.get_columns(table)]
            text = ", ".join(f"CAST({c} AS TEXT)" for c in columns)
            rows = conn.execute(sa.text(f"SELECT {text} FROM {table} ORDER BY id"))
            out[table] = [tuple(r) for r in rows]
    return out


def _rewind(store: Store, before: dict[str, int]) -> None:
    """Delete what the sync wrote and let the next sync's ids start where its did."""
    with store.engine.begin() as conn:
        for table in SYNCED:
            conn.execute(sa.text(f"DELETE FROM {table} WHERE id > {before[table]}"))
            if store.dialect == "postgresql":
                conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"{max(before[table], 1)}, {'true' if before[table] else 'false'})"
                ))  # fmt: skip


def _max_ids(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {t}")).scalar_one()
            for t in SYNCED
        }


def test_the_first_sync_stores_byte_for_byte_what_a_core_insert_stores(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(plans=2, tasks=3, agencies=6)
    settings = world.settings(tmp_path / "world", store.engine.url.render_as_string(False))
    world.load(store, settings, NOW)
    with store.engine.begin() as conn:  # one plan tracked from 2026: untracked rows too
        conn.execute(sa.text("UPDATE plans SET track_from = '2026-01-01' WHERE key = :key"),
                     {"key": "tn-2-kh-ubnd-2020"})  # fmt: skip
    before = _max_ids(store)

    with monkeypatch.context() as patched:
        patched.setattr(sync_module, "FastInsert", CoreInsert)
        core_report = run_sync(store, settings, now=NOW)
    assert CoreInsert.calls >= 3  # obligations, audit events, notifications
    assert CoreInsert.collector == {False}  # paused while the sync writes …
    assert gc.isenabled()  # … and running again afterwards
    by_core = _snapshot(store)
    _rewind(store, before)

    fast_report = run_sync(store, settings, now=NOW)
    by_fast = _snapshot(store)

    assert fast_report.as_json() == core_report.as_json()
    states = {row[13] for row in by_fast["notifications"]}
    assert {"pending", "skipped", "cancelled"} <= states, states  # every kind of new row
    assert len(by_fast["obligations"]) == world.obligations
    for table in SYNCED:
        assert len(by_fast[table]) == len(by_core[table]), table
        for fast, core in zip(by_fast[table], by_core[table], strict=True):
            assert fast == core, table
