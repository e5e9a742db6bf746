"""Files a command writes with ``-o``: checked before the work, written without traceback.

``plan import -o``, ``export ics -o``: a folder, a missing folder or one that cannot be
written is bad input like any other (``InputError``: the option, the path, what was
expected; exit 2), as ``report`` and ``letter`` already say it.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import InputError
from engine.i18n import _


def check_output(output: Path, suffixes: tuple[str, ...]) -> None:
    """Refuse, before any work is done, an ``-o`` that cannot be the file asked for."""
    expected = " or ".join(suffixes)
    if output.is_dir():
        raise InputError(
            _("-o {value!r} is a folder: expected a file name ending in {expected}").format(
                value=str(output), expected=expected
            )
        )
    if not output.parent.is_dir():
        raise InputError(
            _("-o {value!r}: the folder {value2!r} does not exist").format(
                value=str(output), value2=str(output.parent)
            )
        )


def write_output(output: Path, content: str | bytes) -> None:
    """Write ``content`` to ``output``; an OS refusal (read-only, full) is an ``InputError``."""
    try:
        if isinstance(content, str):
            output.write_text(content, encoding="utf-8")
        else:
            output.write_bytes(content)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(
            _("-o {value!r}: cannot write the file: {reason}").format(
                value=str(output), reason=reason
            )
        ) from exc
