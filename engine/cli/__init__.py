"""The ``nhacviec`` command line. Importing this package registers every command."""

from engine.cli import (
    actions,  # noqa: F401  (registers commands)
    admin,  # noqa: F401  (registers commands)
    calendar,  # noqa: F401
    contacts,  # noqa: F401  (registers commands)
    delivery,  # noqa: F401  (registers commands)
    digest,  # noqa: F401
    extensions,  # noqa: F401  (registers commands)
    letter,  # noqa: F401
    period,  # noqa: F401
    plan,  # noqa: F401
    report,  # noqa: F401
    web,  # noqa: F401  (registers commands)
    workflow,  # noqa: F401
)
from engine.cli.app import app, main

__all__ = ["app", "main"]
