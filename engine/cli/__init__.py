"""The ``nhacviec`` command line. Importing this package registers every command."""

from engine.cli import (  # noqa: F401  (registers commands)
    admin,
    calendar,
    workflow,
)
from engine.cli.app import app, main

__all__ = ["app", "main"]
