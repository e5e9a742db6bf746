"""Shared fixtures.

``store`` runs a test on SQLite and on PostgreSQL (127.0.0.1:5432, database ``test``, or
``$NHACVIEC_TEST_PG``). Each PostgreSQL test gets a schema of its own, created by the
real migrations. In CI (``CI=true``) a missing PostgreSQL fails the run; elsewhere the
PostgreSQL half skips with the reason shown in pytest's summary.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import i18n
from engine.store.db import Store, open_store
from tests.fakes.botapi import FakeBotApi
from tests.fakes.clock import VirtualClock
from tests.fakes.smtp import SmtpServer

ROOT = Path(__file__).resolve().parent.parent


def _find_seeds() -> Path:
    """The seed documents: plans/sources in the repository (a copy of ../shared/seeds),
    else ../shared/seeds beside the checkout (or beside a parent, for git worktrees)."""
    if (ROOT / "plans" / "sources").is_dir():
        return ROOT / "plans" / "sources"
    for parent in ROOT.parents:
        candidate = parent / "shared" / "seeds"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "seeds"


SEEDS = _find_seeds()
PG_URL = os.environ.get("NHACVIEC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_pg_problem: str | None = None
_pg_checked = False


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None if it can (checked once per run)."""
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        import sqlalchemy as sa

        try:
            engine = open_store(PG_URL, connect_args={"connect_timeout": 3}).engine
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
        except Exception as exc:
            _pg_problem = f"PostgreSQL at {PG_URL} is not reachable: {type(exc).__name__}: {exc}"
    return _pg_problem


def require_postgres() -> None:
    problem = postgres_unavailable()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: PostgreSQL is required)")
        pytest.skip(problem)


def make_pg_store() -> Iterator[Store]:
    """A fresh PostgreSQL schema with the migrations applied; dropped afterwards."""
    require_postgres()
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = open_store(PG_URL)
    with admin.engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    store = open_store(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        store.upgrade()
        yield store
    finally:
        store.dispose()
        with admin.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_sqlite_store(directory: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{directory / 'nhacviec.db'}")
    store.upgrade()
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    if request.param == "sqlite":
        yield from make_sqlite_store(tmp_path)
    else:
        yield from make_pg_store()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    yield from make_sqlite_store(tmp_path)


@pytest.fixture
def pg_store() -> Iterator[Store]:
    yield from make_pg_store()


@pytest.fixture(autouse=True)
def _language() -> Iterator[None]:
    """Each test starts in the CLI's default language, Vietnamese (``engine.i18n``): a
    CLI run sets the language for the rest of the process."""
    i18n.use(i18n.DEFAULT)
    yield
    i18n.use(i18n.DEFAULT)


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages in English, in the library and in every CLI run ($NHACVIEC_LANG), for
    tests about something other than the language: their expectations are the
    catalogue's msgids (tests/test_cli_i18n.py checks the Vietnamese of each)."""
    monkeypatch.setenv(i18n.ENV, "en")
    i18n.use("en")


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on loopback that records what it receives."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def botapi(clock: VirtualClock) -> Iterator[FakeBotApi]:
    """The local Bot API server, judging flood limits by the same virtual clock as the sender."""
    with FakeBotApi(clock=clock) as api:
        yield api
