"""The Typer application, its shared options and its error handling.

Commands live in sibling modules and register themselves on ``app`` (or on a sub-app
such as ``plan_app``). Heavy imports (SQLAlchemy, telegram, pendulum) stay inside the
command functions so that ``nhacviec --help`` starts fast.

Every ``NhacviecError`` raised by a command is printed as one clear message on stderr and
the process exits with status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import typer.core
from typer import _click as click
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType, CommandInfo, TyperInfo

from engine import i18n
from engine.cli.clicktext import click_message
from engine.errors import NhacviecError
from engine.i18n import _

if TYPE_CHECKING:
    from rich.console import Console

    from engine.config import Settings
    from engine.store.db import Store

# Typer's own words ("Options", "[default: …]", "Missing command.") go through
# ``gettext.gettext`` of the stdlib's default domain: ours has them.
typer.core._ = _  # type: ignore[attr-defined]


class _Formatter(click.HelpFormatter):
    """Click's help formatter, with its own words ("Usage: ", headings) translated."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(_(heading))


class _Context(click.Context):
    formatter_class = _Formatter


@contextmanager
def _translated_help(command: click.Command, ctx: Any) -> Iterator[None]:
    """``command``'s help texts (its own, its parameters', its sub-commands' short help)
    in the current language while its help is written: the Click objects keep the
    English msgids, so that one application speaks either language."""
    if i18n.language() == "en":
        yield
        return
    objects: list[Any] = [command, *command.get_params(ctx)]
    commands = getattr(command, "commands", None)
    if isinstance(commands, dict):  # not the lazy root's: that would build them all
        objects.extend(commands.values())
    saved = [(o, o.help, getattr(o, "epilog", None)) for o in objects]
    try:
        for o, text, epilog in saved:
            o.help = i18n.help_text(text)
            if epilog:
                o.epilog = i18n.help_text(epilog)
        yield
    finally:
        for o, text, epilog in saved:
            o.help = text
            if epilog:
                o.epilog = epilog


class _Command(TyperCommand):
    context_class = _Context

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _translated_help(self, ctx):
            super().format_help(ctx, formatter)


class _Group(TyperGroup):
    """Turns the project's own errors into a message and exit status 2; speaks the
    language of the run (``engine.i18n.choose``), Click's and Typer's words included."""

    context_class = _Context

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = sys.argv[1:] if args is None else list(args)
        i18n.use(i18n.choose(argv))
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.ClickException as exc:
            _show_click_error(exc)
            sys.exit(exc.exit_code)
        except typer.Abort:
            click.echo(_("Aborted!"), err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _translated_help(self, ctx):
            super().format_help(ctx, formatter)

    def invoke(self, ctx: Any) -> Any:  # Typer's (vendored) click.Context
        try:
            return super().invoke(ctx)
        except NhacviecError as exc:
            from rich.markup import escape

            # The message quotes user input, which may contain "[…]" (Rich markup).
            word = _("error:")
            err_console().print(f"[bold red]{word}[/] {escape(str(exc))}", highlight=False)
            ctx.exit(exc.exit_code)


def _show_click_error(exc: click.exceptions.ClickException) -> None:
    """What Click's ``exc.show()`` prints, in the current language."""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.exceptions.UsageError) and ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = _("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0]
            )
            hint += "\n"
        click.echo(f"{ctx.get_usage()}\n{hint}", err=True, color=ctx.color)
    click.echo(_("Error: {message}").format(message=click_message(exc)), err=True)


_SETTINGS: dict[str, Any] = {
    "cls": _Group,
    "no_args_is_help": True,
    "add_completion": True,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
}


class _Typer(typer.Typer):
    """Typer whose commands print their help in the language of the run."""

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=cls or _Command, **kwargs)


def _make_app(**kwargs: Any) -> typer.Typer:
    return _Typer(**_SETTINGS, **kwargs)


class RootApp(_Typer):
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
        if self._loading or _importing_a_command_module():
            return  # a command module's own ``@app.command()``: the rest load after it
        self._loading = True  # the imports below register commands: no recursion
        import importlib

        from engine.cli import COMMAND_MODULES

        for module in COMMAND_MODULES:
            importlib.import_module(f"engine.cli.{module}")


def _importing_a_command_module() -> bool:
    """Whether a command module is being imported now (it registers its commands through
    ``registered_commands``; importing the others then would meet it half-initialised,
    as ``engine.cli.extensions`` imports from ``engine.cli.actions``)."""
    import sys

    from engine.cli import COMMAND_MODULES

    for module in COMMAND_MODULES:
        loaded = sys.modules.get(f"engine.cli.{module}")
        if loaded is not None and getattr(loaded.__spec__, "_initializing", False):
            return True
    return False


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


def _check_env_language() -> None:
    import os

    value = os.environ.get(i18n.ENV)
    if value and value not in i18n.LANGUAGES:
        raise NhacviecError(
            _("${name}={value}: expected vi or en").format(name=i18n.ENV, value=value)
        )


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
    lang: str | None = typer.Option(  # checked in the callback: vi or en
        None,
        "--lang",
        metavar="vi|en",  # read before parsing (``_Group.main``): not eager, so that
        # ``--lang en --help`` prints help before Typer converts the value (with pydantic)
        help="The language of messages and help: vi (the default) or en (else "
        "$NHACVIEC_LANG, else [ui] language in the settings file).",
    ),
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        help="Print the version of nhacviec and exit.",
    ),
) -> None:
    if lang is None:
        _check_env_language()
    elif lang in i18n.LANGUAGES:
        i18n.use(lang)
    else:
        raise typer.BadParameter(_("expected vi or en"), param_hint="'--lang'")
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


_RICH_EMOJI = re.compile(r":\S*?:")  # what Rich might read as an emoji code (":smile:")


def print_line(text: str) -> None:
    """``console().print(text)`` of one line of plain text, without importing Rich (a
    tenth of the start-up of a command that prints one line) when Rich would print
    ``text`` and a newline as they are: no markup (``[``), nothing like an emoji code,
    printable characters of one cell each, no edge whitespace, and it fits the width
    Rich would wrap it at. Anything else goes through Rich."""
    if _plain_for_rich(text):
        sys.stdout.write(text + "\n")
    else:
        console().print(text)


def _plain_for_rich(text: str) -> bool:
    if "[" in text or _RICH_EMOJI.search(text) or not text.isprintable() or text != text.strip():
        return False
    if not all(char < "\u1100" or "\u1e00" <= char <= "\u1eff" or "\u2010" <= char <= "\u2027"
               for char in text):  # fmt: skip
        return False  # one cell each: below Hangul (the first wide letters), ạ ế ộ, – “ ” …
    if sys.platform == "win32" or os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return False
    width = _rich_width()
    return width > 0 and len(text) <= width


def _rich_width() -> int:
    """The width Rich's ``Console`` wraps at (``Console.size``, not on Windows): $COLUMNS,
    else the first standard stream that is a terminal, else 80."""
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns or 80
        except (AttributeError, ValueError, OSError):
            continue
    return 80


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, UTF-8, no Rich formatting."""
    import json

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
    import json

    encode = json.JSONEncoder(ensure_ascii=False, separators=(",\n    ", ": ")).encode
    parts = ["  {\n    " + encode(r)[1:-1] + "\n  }" if r else "  {}" for r in records]
    return "[\n" + ",\n".join(parts) + "\n]" if parts else "[]"
