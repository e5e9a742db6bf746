"""Engines, sessions and schema migrations.

``open_store(url)`` gives a ``Store`` (engine + session factory). ``Store.upgrade()`` runs
the Alembic migrations shipped in ``engine/store/migrations``; it is what ``nhacviec init``
calls and it is safe to run any number of times.

Every command checks the schema revision before it works (``require_current``); that
check reads the ``alembic_version`` row with one query and takes the newest shipped
revision from the migration files' ``revision``/``down_revision`` lines, so Alembic (and
the Mako and Pygments it brings) is imported only by ``upgrade``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import StoreError
from engine.i18n import _

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


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
    from alembic.config import Config

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
        from alembic import command

        before = self.revision()
        command.upgrade(alembic_config(self.engine), "head")
        return before, self.head()

    def revision(self) -> str | None:
        """The schema revision stored in the database (None: no schema yet)."""
        try:
            with self.engine.connect() as conn:
                if not conn.dialect.has_table(conn, VERSION_TABLE):
                    return None
                found = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
        except OperationalError as exc:
            raise StoreError(_("cannot open the database: {orig}").format(orig=exc.orig)) from exc
        if len(found) > 1:
            revisions = ", ".join(sorted(row[0] for row in found))
            raise StoreError(
                _("the database has several schema revisions ({revisions})").format(
                    revisions=revisions
                )
            )
        return found[0][0] if found else None

    def head(self) -> str:
        """The newest revision the shipped migrations bring a database to."""
        return shipped_head()

    def require_current(self) -> None:
        """Refuse to work on a database that ``nhacviec init`` has not brought up to date.

        A SQLite file that does not exist is refused before connecting: connecting would
        create it, leaving an empty ``nhacviec.db`` wherever a read command was run.
        """
        missing = self.missing_file()
        if missing is not None:
            raise StoreError(
                _(
                    "the database {value!r} does not exist; run `nhacviec init` to "
                    "create it, or give the settings file (--config) or the database "
                    "(--db) to use"
                ).format(value=str(missing))
            )
        current = self.revision()
        if current != self.head():
            state = "has no schema" if current is None else f"is at revision {current}"
            raise StoreError(
                _("the database {state}; run `nhacviec init` to create or upgrade it").format(
                    state=state
                )
            )

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


@cache
def shipped_head(versions: Path = MIGRATIONS / "versions") -> str:
    """The one revision no shipped migration revises, read from the migration files'
    ``revision`` and ``down_revision`` lines (what Alembic's ``ScriptDirectory`` finds,
    without importing Alembic)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            found = _QUOTED.findall(value)  # none for None, several for a merge
            (revisions if name == "revision" else revised).update(found)
    heads = sorted(revisions - revised)
    if len(heads) != 1:
        raise StoreError(
            _("the shipped migrations have {count} heads: {heads}").format(
                count=len(heads), heads=heads
            )
        )
    return heads[0]


def open_store(url: str, **engine_kwargs: Any) -> Store:
    engine = make_engine(url, **engine_kwargs)
    return Store(engine, sessionmaker(engine, expire_on_commit=False))
