"""The shipped migrations create exactly the schema the models describe, and 0002
upgrades a store made by 0001 that already holds data, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from engine.store.db import Store, alembic_config, open_store
from engine.store.models import Base, Letter, Obligation, Plan
from tests.conftest import PG_URL, require_postgres

T0 = datetime(2026, 1, 5, 1, 0)


def test_models_and_migrations_agree(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def bare_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store with no schema at all (the migrations are the test's to run)."""
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{tmp_path / 'old.db'}")
        yield store
        store.dispose()
        return
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = open_store(PG_URL)
    with admin.engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    store = open_store(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield store
    finally:
        store.dispose()
        with admin.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _fill_0001(store: Store) -> None:
    """Rows as revision 0001 knew them, written with SQL (the models are newer)."""
    rows = [
        "INSERT INTO agencies (id, key, name, aliases, in_directory) "
        "VALUES (1, 'hn.sct', 'Sở Công Thương', '[]', true)",
        "INSERT INTO plans (id, key, title, period_start, period_end, content_hash, data, "
        "loaded_at) VALUES (1, 'p', 'Kế hoạch', 2021, 2030, 'h', '{}', :t)",
        "INSERT INTO obligations (id, key, workflow, rule, plan_id, agency_id, role, title, "
        "period_label, due_on, original_due_on, status, spec_hash, created_at, updated_at) "
        "VALUES (1, 'k', 'scp', 'r', 1, 1, 'lead', 'Báo cáo', 'năm 2022', '2022-12-15', "
        "'2022-12-15', 'open', 'h', :t, :t)",
        "INSERT INTO letters (id, number, agency_id, plan_id, created_at, filename, content) "
        "VALUES (1, '1/CV-NV', 1, 1, :t, 'cv.docx', :blob)",
    ]
    with store.engine.begin() as conn:
        for sql in rows:
            conn.execute(sa.text(sql), {"t": T0, "blob": b"PK"})


def test_0002_upgrades_a_0001_store_with_data_in_it(bare_store: Store) -> None:
    command.upgrade(alembic_config(bare_store.engine), "0001")
    assert bare_store.revision() == "0001"
    _fill_0001(bare_store)
    before, after = bare_store.upgrade()
    assert (before, after) == ("0001", bare_store.head())
    with bare_store.session() as s:
        plan = s.get(Plan, 1)
        obligation = s.get(Obligation, 1)
        letter = s.get(Letter, 1)
        assert plan is not None and obligation is not None and letter is not None
        assert plan.track_from is None  # loaded before: everything stays tracked
        assert obligation.tracked is True
        assert obligation.due_on == date(2022, 12, 15)
        assert (letter.key, letter.items, letter.content) == (None, None, b"PK")
        assert plan.loaded_at == T0.replace(tzinfo=UTC)
    with bare_store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    command.downgrade(alembic_config(bare_store.engine), "0001")
    assert bare_store.revision() == "0001"


def test_0003_adds_the_workspace_tables_and_takes_them_away_again(bare_store: Store) -> None:
    config = alembic_config(bare_store.engine)
    command.upgrade(config, "0002")
    _fill_0001(bare_store)
    command.upgrade(config, "0003")
    tables = set(sa.inspect(bare_store.engine).get_table_names())
    assert {"signin_requests", "web_sessions", "import_drafts"} <= tables
    with bare_store.session() as s:
        assert s.get(Plan, 1) is not None  # what was stored is still there
    command.downgrade(config, "0002")
    tables = set(sa.inspect(bare_store.engine).get_table_names())
    assert not {"signin_requests", "web_sessions", "import_drafts"} & tables
    assert bare_store.revision() == "0002"


def test_0004_adds_the_due_date_index_and_takes_it_away(bare_store: Store) -> None:
    def indexes() -> set[str]:
        with bare_store.engine.connect() as conn:
            return {i["name"] for i in sa.inspect(conn).get_indexes("obligations")}

    command.upgrade(alembic_config(bare_store.engine), "0003")
    _fill_0001(bare_store)
    assert "ix_obligations_due_on" not in indexes()
    assert bare_store.upgrade() == ("0003", "0004")
    assert "ix_obligations_due_on" in indexes()
    with bare_store.session() as s:
        assert s.get(Obligation, 1) is not None
    command.downgrade(alembic_config(bare_store.engine), "0003")
    assert "ix_obligations_due_on" not in indexes()
