"""The shipped migrations create exactly the schema the models describe, and each upgrades
a store made by the revision before it that already holds data (and downgrades it
again), on SQLite and PostgreSQL."""

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
from engine.store.models import Base, Contact, Letter, Obligation, Plan
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
    command.upgrade(alembic_config(bare_store.engine), "0004")
    assert "ix_obligations_due_on" in indexes()
    with bare_store.session() as s:
        assert s.get(Obligation, 1) is not None
    command.downgrade(alembic_config(bare_store.engine), "0003")
    assert "ix_obligations_due_on" not in indexes()


def _fill_0004_contacts(store: Store) -> None:
    """Contacts as revision 0004 kept them: a column per channel and per flag."""
    rows = [  # (id, key, email, chat id, email flag, telegram flag)
        (1, "hn.sct.coordinator", "sct@example.org", None, None, None),
        (2, "hn.sct.head", "gd.sct@example.org", -1001234567890, "550 mailbox unavailable", None),
        (3, "hn.stc.coordinator", None, 4242, None, "bot was blocked by the user"),
        (4, "hn.stc.head", None, None, None, None),
    ]
    with store.engine.begin() as conn:
        for id_, key, email, chat, email_flag, telegram_flag in rows:
            conn.execute(
                sa.text(
                    "INSERT INTO contacts (id, key, agency_id, name, role, email, "
                    "telegram_chat_id, language, active, email_flag, telegram_flag) VALUES "
                    "(:id, :key, 1, :key, 'coordinator', :email, :chat, 'vi', true, :ef, :tf)"
                ),
                {"id": id_, "key": key, "email": email, "chat": chat, "ef": email_flag,
                 "tf": telegram_flag},
            )  # fmt: skip
        conn.execute(  # a row that points at a contact: the drop must not touch it
            sa.text(
                "INSERT INTO web_sessions (token_hash, contact_id, created_at, expires_at) "
                "VALUES ('h', 2, :t, :t)"
            ),
            {"t": T0},
        )


def test_0005_moves_the_channel_columns_into_address_rows_and_back(bare_store: Store) -> None:
    config = alembic_config(bare_store.engine)
    command.upgrade(config, "0004")
    _fill_0001(bare_store)
    _fill_0004_contacts(bare_store)
    assert bare_store.upgrade() == ("0004", bare_store.head())
    with bare_store.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT contact_id, channel, address, flag, linked_at FROM contact_addresses "
                "ORDER BY contact_id, channel"
            )
        ).all()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("contacts")}
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        pending = conn.execute(sa.text("SELECT contact_id FROM web_sessions")).scalar_one()
    assert [tuple(r) for r in rows] == [
        (1, "email", "sct@example.org", None, None),
        (2, "email", "gd.sct@example.org", "550 mailbox unavailable", None),
        (2, "telegram", "-1001234567890", None, None),
        (3, "telegram", "4242", "bot was blocked by the user", None),
    ]
    assert not columns & {"email", "telegram_chat_id", "email_flag", "telegram_flag"}
    assert pending == 2
    with bare_store.session() as s:
        head = s.get(Contact, 2)
        assert head is not None
        assert head.addresses == {"email": "gd.sct@example.org", "telegram": "-1001234567890"}
        assert head.flags == {"email": "550 mailbox unavailable"}
        nobody = s.get(Contact, 4)
        assert nobody is not None and nobody.addresses == {}

    command.downgrade(config, "0004")
    assert bare_store.revision() == "0004"
    with bare_store.engine.connect() as conn:
        assert "contact_addresses" not in sa.inspect(conn).get_table_names()
        back = conn.execute(
            sa.text(
                "SELECT id, email, telegram_chat_id, email_flag, telegram_flag FROM contacts "
                "ORDER BY id"
            )
        ).all()
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("contacts")}
    assert [tuple(r) for r in back] == [
        (1, "sct@example.org", None, None, None),
        (2, "gd.sct@example.org", -1001234567890, "550 mailbox unavailable", None),
        (3, None, 4242, None, "bot was blocked by the user"),
        (4, None, None, None, None),
    ]
    assert "ix_contacts_telegram_chat_id" in indexes
