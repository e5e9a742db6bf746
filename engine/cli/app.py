"""The Typer application, its shared options and its error handling.

Commands live in sibling modules and register themselves on ``app`` (or on a sub-app
such as ``plan_app``). Heavy imports (SQLAlchemy, telegram, pendulum) stay inside the
command functions so that ``nhacviec --help`` starts fast.

Every ``NhacviecError`` raised by a command is printed as one clear message on stderr and
the process exits with status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo, TyperInfo

from engine.errors import NhacviecError

if TYPE_CHECKING:
    from rich.console import Console

    from engine.config import Settings
    from engine.store.db import Store


class _Group(TyperGroup):
    """Turns the project's own errors into a message and exit status 2."""

    def invoke(self, ctx: Any) -> Any:  # Typer's (vendored) click.Context
        try:
            return super().invoke(ctx)
        except NhacviecError as exc:
            from rich.markup import escape

            # The message quotes user input, which may contain "[…]" (Rich markup).
            err_console().print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            ctx.exit(exc.exit_code)


_SETTINGS: dict[str, Any] = {
    "cls": _Group,
    "no_args_is_help": True,
    "add_completion": True,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
}


def _make_app(**kwargs: Any) -> typer.Typer:
    return typer.Typer(**_SETTINGS, **kwargs)


class RootApp(typer.Typer):
    """The root application, whose commands live in the modules of ``COMMAND_MODULES``.

    Whoever reads its commands (Typer building the application for ``CliRunner`` or a
    call of ``app(…)``) gets all of them: the first read imports every command module.
    The console script (``engine.cli.lazy``) calls ``load_on_demand`` first and imports
    only the module of the command typed.
    """

    _loading: bool = False

    @property
    def registered_commands(self) -> list[CommandInfo]:
        self._load()
        return self._commands

    @registered_commands.setter
    def registered_commands(self, value: list[CommandInfo]) -> None:
        self._commands = value

    @property
    def registered_groups(self) -> list[TyperInfo]:
        self._load()
        return self._groups

    @registered_groups.setter
    def registered_groups(self, value: list[TyperInfo]) -> None:
        self._groups = value

    def load_on_demand(self) -> None:
        """From now on, commands are registered only as their modules are imported."""
        self._loading = True

    def _load(self) -> None:
        if self._loading:
            return
        self._loading = True  # the imports below register commands: no recursion
        import importlib

        from engine.cli import COMMAND_MODULES

        for module in COMMAND_MODULES:
            importlib.import_module(f"engine.cli.{module}")


app = RootApp(
    **_SETTINGS, help="nhacviec (nhắc việc): reminders for agency deadlines in Vietnamese plans."
)


def sub_app(name: str, help: str) -> typer.Typer:
    """A command group such as ``nhacviec plan …``."""
    sub = _make_app(help=help)
    app.add_typer(sub, name=name)
    return sub


# The URLs ``DatabaseSettings`` accepts (``engine.config``), without importing it.
_KNOWN_URL = re.compile(r"^(sqlite|postgresql(\+psycopg)?)://")


@dataclass
class AppContext:
    """What every command may need, built lazily from ``--config`` and ``--db``."""

    config_path: Path | None = None
    db_url: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from engine.config import load_settings

            self._settings = load_settings(self.config_path, self.db_url)
        return self._settings

    def store(self, *, require_schema: bool = True) -> Store:
        if self._store is None:
            from engine.store.db import open_store

            self._store = open_store(self._database_url())
        if require_schema:
            self._store.require_current()
        return self._store

    def _database_url(self) -> str:
        """The store's URL. Given by ``--db`` or ``$NHACVIEC_DB`` (and of a known kind),
        it needs nothing from the settings file, which is then read (with pydantic, a
        tenth of a second) only if the command asks for a setting; otherwise, or for an
        unknown kind of URL (whose error ``load_settings`` gives), from the settings."""
        override = self.db_url or os.environ.get("NHACVIEC_DB")
        if self._settings is None and override and _KNOWN_URL.match(override):
            return override
        return self.settings.database.url

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()
            self._store = None


def _print_version(value: bool) -> None:
    if value:
        from engine import __version__

        typer.echo(f"nhacviec {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None,
        "--config",
        metavar="FILE.toml",
        help="The settings file, not its folder (else $NHACVIEC_CONFIG, else "
        "./config/nhacviec.toml).",
    ),
    db: str | None = typer.Option(
        None, "--db", help="Database URL, overriding the settings file and $NHACVIEC_DB."
    ),
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        help="Print the version of nhacviec and exit.",
    ),
) -> None:
    state = AppContext(config_path=config, db_url=db)
    ctx.obj = state
    ctx.call_on_close(state.close)


def state(ctx: typer.Context) -> AppContext:
    """The AppContext of the root command, from any sub-command's context."""
    obj = ctx.find_root().obj
    if not isinstance(obj, AppContext):  # invoked without the root callback (tests)
        obj = AppContext()
        ctx.find_root().obj = obj
    return obj


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, UTF-8, no Rich formatting."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")


def print_records(records: list[dict[str, Any]]) -> None:
    """``print_json`` of a list of flat records (values str, int, float, bool or None),
    byte for byte, through the C encoder: ``indent`` makes ``json`` use its pure-Python
    encoder, several times slower on 100,000 records."""
    sys.stdout.write(records_json(records))
    sys.stdout.write("\n")


def records_json(records: list[dict[str, Any]]) -> str:
    """``json.dumps(records, ensure_ascii=False, indent=2)`` for flat records (rows of a
    query: every record holds values of the same types)."""
    # Without indent, the separators are written as given: the item separator carries
    # the newline and the indentation of a record's keys.
    # The records are checked by their first one: they are rows of one query, whose
    # columns hold the same type in every row (checking every value costs as much as
    # encoding it).
    if records and any(isinstance(v, (dict, list, tuple)) for v in records[0].values()):
        raise TypeError(f"not a flat record: {records[0]!r}")
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",\n    ", ": ")).encode
    parts = ["  {\n    " + encode(r)[1:-1] + "\n  }" if r else "  {}" for r in records]
    return "[\n" + ",\n".join(parts) + "\n]" if parts else "[]"
