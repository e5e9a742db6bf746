"""The ``nhacviec`` command line. Importing this package registers every command."""

from engine.cli import (
    actions,  # noqa: F401  (registers commands)
    admin,  # noqa: F401  (registers commands)
    contacts,  # noqa: F401  (registers commands)
    delivery,  # noqa: F401  (registers commands)
)
from engine.cli.app import app, main

__all__ = ["app", "main"]
