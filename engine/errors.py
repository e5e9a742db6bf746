"""The project's error tree.

    NhacviecError                 anything the user can fix; the CLI prints it and exits 2
    ├── InputError                bad input at a place: file, line, what was expected
    │   └── InputErrors           several InputErrors collected from one file or run
    └── PeriodError (periods.py)  a time expression that cannot be read

Every error formats its own message, so the CLI only prints ``str(error)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.i18n import N_, _


class NhacviecError(Exception):
    """An error caused by the user's input or environment, not by a bug."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One problem at one place: ``file:line: message``."""

    file: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.file is None:
            if self.line is None:
                return self.message
            return _("line {line}: {message}").format(line=self.line, message=self.message)
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


class InputError(NhacviecError):
    """Bad input at one place."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.problem = Problem(file, line, message)
        super().__init__(str(self.problem))


class InputErrors(NhacviecError):
    """Every problem found in one pass, so the user can fix them all at once."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        head = _(N_("{n} problem found:") if count == 1 else N_("{n} problems found:"))
        head = head.format(n=count)
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))
