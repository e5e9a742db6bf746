"""Engines, sessions and schema migrations.

``open_store(url)`` gives a ``Store`` (engine + session factory). ``Store.upgrade()`` runs
the Alembic migrations shipped in ``engine/store/migrations``; it is what ``nhacviec init``
calls and it is safe to run any number of times.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import NhacviecError

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(NhacviecError):
    """The database cannot be reached or is not in the expected state."""


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` and use psycopg 3 for it."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


@dataclass
class Store:
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def upgrade(self) -> tuple[str | None, str]:
        """Bring the schema to the newest revision; return (before, after) revisions."""
        before = self.revision()
        command.upgrade(alembic_config(self.engine), "head")
        return before, self.head()

    def revision(self) -> str | None:
        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except OperationalError as exc:
            raise StoreError(f"cannot open the database: {exc.orig}") from exc

    def head(self) -> str:
        head = ScriptDirectory.from_config(alembic_config(self.engine)).get_current_head()
        assert head is not None
        return head

    def require_current(self) -> None:
        """Refuse to work on a database that ``nhacviec init`` has not brought up to date.

        A SQLite file that does not exist is refused before connecting: connecting would
        create it, leaving an empty ``nhacviec.db`` wherever a read command was run.
        """
        missing = self.missing_file()
        if missing is not None:
            raise StoreError(
                f"the database {str(missing)!r} does not exist; run `nhacviec init` to create "
                "it, or give the settings file (--config) or the database (--db) to use"
            )
        current = self.revision()
        if current != self.head():
            state = "has no schema" if current is None else f"is at revision {current}"
            raise StoreError(f"the database {state}; run `nhacviec init` to create or upgrade it")

    def missing_file(self) -> Path | None:
        """The SQLite file this store would create on connecting, or None (it exists, it
        lives in memory, or the store is not SQLite)."""
        database = self.engine.url.database
        if self.dialect != "sqlite" or not database or database == ":memory:":
            return None
        if database.startswith("file:") or self.engine.url.query.get("mode") == "memory":
            return None
        path = Path(database)
        return None if path.exists() else path

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str, **engine_kwargs: Any) -> Store:
    engine = make_engine(url, **engine_kwargs)
    return Store(engine, sessionmaker(engine, expire_on_commit=False))
