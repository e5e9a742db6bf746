"""The console script's command tree, built only as far as the command line needs it.

Typer turns every registered command into a Click command (reading each function's
signature and type hints) before it parses anything, and the commands' modules must all
be imported for that. ``nhacviec --help`` only lists names and first sentences, and
``nhacviec agenda`` only needs ``agenda``: here the root group's ``commands`` is a
mapping whose keys come from ``engine.cli.manifest`` and whose values are built (their
module imported, their Click command made by Typer) when first looked up. The command
list of ``--help`` is written from the manifest's short help texts, through Click's own
formatting, so it is the same text the fully built application prints
(``tests/test_cli_startup.py`` compares them).

A command missing from the manifest (a module added without running
``python -m engine.cli.manifest``) still runs: a lookup that the manifest cannot answer
imports every command module and looks again.

Typer (0.29) coerces every parameter's value through a pydantic ``TypeAdapter`` built
the first time the parameter is processed, even for a value left at ``None``: building
them imports ``typer._adapters`` and makes a schema per parameter, tens of milliseconds
for a command of a dozen options. The console script's parameters get ``_Deferred``
instead, which gives what the adapter would give where that is plain (``None``, a
string for a ``str``, the value of a ``parser=``) and builds Typer's own adapter for
anything else, and when the plain way fails, so every error reads as Typer's.

``python -m engine.cli.lazy`` writes the manifest again from the fully built application.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import typer
from typer import _click as click
from typer.core import TyperCommand
from typer.main import get_command, get_command_from_info, get_command_name, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from engine.cli import COMMAND_MODULES
from engine.cli.app import _Group, app
from engine.cli.manifest import COMMANDS
from engine.i18n import help_text

MANIFEST = str(Path(__file__).with_name("manifest.py"))


def _name_of(info: CommandInfo | TyperInfo) -> str | None:
    if isinstance(info, TyperInfo):
        return info.name if isinstance(info.name, str) else None
    if info.name:
        return info.name
    return get_command_name(info.callback.__name__) if info.callback else None


def registered(root: typer.Typer, name: str) -> CommandInfo | TyperInfo | None:
    """What is registered on ``root`` under the command name ``name``."""
    for command in root.registered_commands:
        if _name_of(command) == name:
            return command
    for group in root.registered_groups:
        if _name_of(group) == name:
            return group
    return None


def build(root: typer.Typer, info: CommandInfo | TyperInfo) -> click.Command:
    """The Click command Typer makes of one registered command or group."""
    if isinstance(info, TyperInfo):
        command: click.Command = get_group_from_info(
            info,
            pretty_exceptions_short=root.pretty_exceptions_short,
            rich_markup_mode=root.rich_markup_mode,
            suggest_commands=root.suggest_commands,
        )
    else:
        command = get_command_from_info(
            info,
            pretty_exceptions_short=root.pretty_exceptions_short,
            rich_markup_mode=root.rich_markup_mode,
        )
    defer_coercion(command)
    return command


class _Deferred:
    """A parameter's coercion without a pydantic adapter where the adapter would only
    hand the value back (see the module doc); Typer's own for everything else."""

    def __init__(self, param: Any) -> None:
        self.param = param
        descriptor = param.type_descriptor
        self.annotation = descriptor.annotation
        self.parser = descriptor.parameter_info.parser
        self.multi = param.multiple or param.nargs == -1  # as Typer's RuntimeParam
        self.single = not param.multiple and param.nargs == 1
        self.real: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return () if self.multi else None
        if self.single and isinstance(value, str):
            if self.parser is not None:
                try:
                    return self.parser(value)
                except Exception:  # Typer's adapter says it in its own words
                    pass
            elif self.annotation is str:
                return value
        if self.real is None:
            from typer._coercion import build_runtime_param

            self.real = build_runtime_param(self.param.type_descriptor)
        return self.real.coerce(value, param=param, ctx=ctx)


def defer_coercion(command: click.Command) -> None:
    """Give ``command``'s parameters (and its sub-commands', if a group) ``_Deferred``.
    Its ``--help`` option is made here (Click makes it once and keeps it); no command of
    ``nhacviec`` changes the help option's names."""
    help_option = command.get_help_option(click.Context(command))
    for param in [*command.params, *([help_option] if help_option else [])]:
        if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
            param._runtime_param = _Deferred(param)  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():
        defer_coercion(sub)


class LazyCommands(MutableMapping[str, click.Command]):
    """Command name → Click command, each built on first lookup."""

    def __init__(self, root: typer.Typer, manifest: Mapping[str, tuple[tuple[str, ...], str]]):
        self.root = root
        self.manifest = manifest
        self.built: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name in self.built:
            return self.built[name]
        modules = self.manifest[name][0] if name in self.manifest else COMMAND_MODULES
        for module in modules:
            importlib.import_module(f"engine.cli.{module}")
        info = registered(self.root, name)
        if info is None and name in self.manifest:  # the manifest is out of date
            for module in COMMAND_MODULES:
                importlib.import_module(f"engine.cli.{module}")
            info = registered(self.root, name)
        if info is None:
            raise KeyError(name)
        command = self.built[name] = build(self.root, info)
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("commands cannot be removed")

    def __iter__(self) -> Iterator[str]:
        yield from self.manifest
        yield from (name for name in self.built if name not in self.manifest)

    def __len__(self) -> int:
        return len(self.manifest) + sum(1 for name in self.built if name not in self.manifest)

    def __contains__(self, name: object) -> bool:
        return name in self.manifest or name in self.built


class LazyRoot(_Group):
    """The root group: the command list of ``--help`` from the manifest's short help."""

    commands: LazyCommands

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        listed = {
            name: TyperCommand(name=name, help=help_text(short))
            for name, (_, short) in self.commands.manifest.items()
        }
        original, self.commands = self.commands, listed  # type: ignore[assignment]
        try:
            super().format_commands(ctx, formatter)
        finally:
            self.commands = original


def root_group() -> LazyRoot:
    """The root Click group of ``app`` with its commands built on demand."""
    solo = typer.Typer()  # ``app``'s callback alone: its options, help and settings
    solo.registered_callback = app.registered_callback
    solo.info = app.info
    solo.pretty_exceptions_short = app.pretty_exceptions_short
    solo.rich_markup_mode = app.rich_markup_mode
    solo.suggest_commands = app.suggest_commands
    solo._add_completion = app._add_completion
    group = get_command(solo)
    assert isinstance(group, _Group)
    group.__class__ = LazyRoot
    defer_coercion(group)
    group.commands = LazyCommands(app, COMMANDS)
    return group  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> None:
    # A command's imports (SQLAlchemy, pydantic, the models) make some 80,000 objects
    # that live as long as the process; with the default young-generation threshold (700)
    # the collector runs 190 times over them, once over everything, before an empty
    # ``agenda`` is done (tens of ms). With 10,000 it runs 28 times, never over all.
    gc.set_threshold(10_000, *gc.get_threshold()[1:])
    app.load_on_demand()
    root_group()(args=argv, prog_name="nhacviec")


def _modules(info: CommandInfo | TyperInfo) -> set[str]:
    """The command modules whose functions make up a command or a group."""
    if isinstance(info, CommandInfo):
        assert info.callback is not None
        return {info.callback.__module__.removeprefix("engine.cli.")}
    group = info.typer_instance
    assert group is not None
    found = {m for c in group.registered_commands for m in _modules(c)}
    return found.union(*(_modules(g) for g in group.registered_groups))


def manifest_of(root: typer.Typer) -> dict[str, tuple[tuple[str, ...], str]]:
    """Command name → (modules to import, the first paragraph of its help, words joined
    by one space: all that Click's short help reads), in ``--help`` order."""
    eager = get_command(root)
    assert isinstance(eager, _Group)
    found = {}
    for name in eager.list_commands(click.Context(eager)):
        command = eager.commands[name]
        if command.hidden or command.deprecated or command.short_help:
            raise ValueError(f"{name}: hidden, deprecated or short_help is not in the manifest")
        info = registered(root, name)
        assert info is not None
        modules = tuple(m for m in COMMAND_MODULES if m in _modules(info))
        first = inspect.cleandoc(command.help or "").split("\n\n", 1)[0]
        found[name] = (modules, " ".join(first.split()))
    return found


def manifest_source(commands: Mapping[str, tuple[tuple[str, ...], str]]) -> str:
    lines = [
        '"""The commands of ``nhacviec``: name → (modules that define it, first paragraph of',
        "its help). Written by ``python -m engine.cli.lazy``; do not edit by hand.",
        '"""',
        "",
        "COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {",
    ]
    for name, (modules, short) in commands.items():
        lines.append(f"    {name!r}: (")
        lines.append(f"        {modules!r},")
        lines.append(f"        {short!r},")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import shutil
    import subprocess

    with open(MANIFEST, "w", encoding="utf-8") as out:
        out.write(manifest_source(manifest_of(app)))
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff:  # the project's formatting, so that `ruff format --check` stays clean
        subprocess.run([ruff, "format", "--quiet", MANIFEST], check=True)
    print(f"wrote {MANIFEST}")
    sys.exit(0)
