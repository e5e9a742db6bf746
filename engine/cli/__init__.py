"""The ``nhacviec`` command line.

``main`` (the console script) imports only what the command typed needs: the command
list of ``nhacviec --help`` comes from ``engine.cli.manifest`` and a command's module is
imported when it runs (``engine.cli.lazy``). ``app``, the Typer application, is there
for tests and for running commands in-process (``CliRunner().invoke(app, …)``): the
first time Typer reads its commands, every command module is imported.
"""

from __future__ import annotations

# Every module that registers commands; ``engine.cli.manifest`` says which holds which.
COMMAND_MODULES = (
    "actions",
    "admin",
    "calendar",
    "contacts",
    "delivery",
    "digest",
    "extensions",
    "letter",
    "period",
    "plan",
    "report",
    "web",
    "workflow",
)

from engine.cli.app import app  # noqa: E402  (after COMMAND_MODULES, which it reads)

__all__ = ["COMMAND_MODULES", "app", "main"]


def main(argv: list[str] | None = None) -> None:
    """The console script ``nhacviec``."""
    from engine.cli.lazy import main as lazy_main

    lazy_main(argv)
