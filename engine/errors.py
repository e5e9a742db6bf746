"""The project's error tree, whole: every exception class of ``engine`` and ``notifiers``.

::

    Exception
    ├── NhacviecError          anything the user can fix: the CLI prints str(error), exits 2
    │   ├── InputError         bad input at one place (file, line, what was expected):
    │   │                      settings, workflows, plans, the directory, CLI options
    │   ├── InputErrors        every Problem found in one file or run (yamlpos, schema,
    │   │                      plans.load, cli.workflow, workspace.importing)
    │   ├── PeriodError        a time expression that cannot be read, quoted (periods)
    │   ├── StoreError         the database cannot be reached, or is not at the
    │   │                      expected revision (store.db)
    │   ├── OutboxBusy         another worker holds the SQLite outbox (outbox)
    │   ├── StatusError        an action the obligation's status does not allow
    │   │                      (status, cli.actions; the bot and the web pages reply it)
    │   ├── TrackingError      an obligation that cannot be brought into tracking (tracking)
    │   ├── ExtensionError     an extension request, decision or snooze the rules refuse;
    │   │                      ``code`` says which rule (extensions)
    │   ├── RenderError        a template missing or broken: delivery fails the row
    │   │                      (messages.types, .obligation, .extension, .digest; delivery)
    │   ├── NothingToRemind    an agency with nothing overdue gets no letter (letters)
    │   └── NotOwner           the viewer's agency does not own the plan (workspace.importing)
    ├── DeliveryError          a send failed (notifiers.base: the Notifier contract);
    │   │                      ``permanent`` decides between a retry and failing the row
    │   ├── TransientError     retried with backoff, after ``retry_after`` if given
    │   │                      (notifiers.email, .telegram, .zalo, .outbox)
    │   └── PermanentError     the row fails; ``flag`` marks the address bad
    │                          (notifiers.email, .telegram, .zalo; messages for a message
    │                          too long)
    ├── TokenError             an acknowledgement link that is malformed, forged or
    │                          expired (acklinks; web picks the page)
    ├── Refused                a web link that cannot be used: ``reason`` picks the page,
    │                          ``status`` the HTTP code (web, webact)
    ├── LinkError              a sign-in link that cannot be used (workspace.auth)
    ├── Limited                too many sign-in requests (workspace.auth)
    └── WebhookRefused         a POST to the Zalo webhook that is not a genuine, fresh
                               event: ``status`` is the HTTP answer (notifiers.zalo.webhook)

Every error formats its own message, so the CLI only prints ``str(error)``. The
``NhacviecError`` classes live here; the modules named above raise them (and still
export them under their old names). ``DeliveryError`` and its two kinds stay in
``notifiers.base`` next to the contract they belong to (it imports nothing of
``engine``) and are re-exported here. The last five never reach the user as text: the
web layer turns them into a page (the Zalo webhook, into its HTTP answer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from engine.i18n import N_, _

if TYPE_CHECKING:
    from notifiers.base import DeliveryError, PermanentError, TransientError

_FROM_NOTIFIERS = ("DeliveryError", "PermanentError", "TransientError")


def __getattr__(name: str) -> Any:
    """The delivery errors, from ``notifiers.base`` when first asked for: every command
    imports this module, and most never deliver (``nhacviec --help``: ``bench.cli``)."""
    if name in _FROM_NOTIFIERS:
        from notifiers import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DeliveryError",
    "ExtensionError",
    "InputError",
    "InputErrors",
    "Limited",
    "LinkError",
    "LinkRefusal",
    "NhacviecError",
    "NotOwner",
    "NothingToRemind",
    "OutboxBusy",
    "PeriodError",
    "PermanentError",
    "Problem",
    "Refusal",
    "Refused",
    "RenderError",
    "StatusError",
    "StoreError",
    "TokenError",
    "TrackingError",
    "TransientError",
]


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


class PeriodError(NhacviecError):
    """A time expression that cannot be read: quotes it and says what was expected."""

    def __init__(self, expression: str, reason: str, *, what: str = N_("the time expression")):
        self.expression = expression
        self.reason = reason
        super().__init__(
            _("cannot read {what} '{expression}': {reason}").format(
                what=_(what), expression=expression, reason=reason
            )
        )


class StoreError(NhacviecError):
    """The database cannot be reached or is not in the expected state."""


class OutboxBusy(NhacviecError):
    """Another worker holds the SQLite outbox."""


class StatusError(NhacviecError):
    """An action that the obligation's current status does not allow."""


class TrackingError(NhacviecError):
    """An obligation that cannot be brought into tracking (cancelled by sync)."""


class ExtensionError(NhacviecError):
    """An extension request, a decision or a snooze that the rules do not allow.

    ``code`` says which rule (for replies in the user's language): ``closed`` (done,
    waived or no longer in the plan; ``status``), ``pending`` (``pending`` request),
    ``not_later`` (``due_on``), ``no_reason``, ``decided`` (``request``), ``too_late``
    (a snooze after the last reminder; ``due_on``).
    """

    def __init__(self, message: str, code: str, **context: Any) -> None:
        super().__init__(message)
        self.code = code
        self.context = context


class RenderError(NhacviecError):
    """A template is missing or broken: the row fails and says which template."""


class NothingToRemind(NhacviecError):
    """The agency has nothing overdue: no letter is made."""


class NotOwner(NhacviecError):
    """The viewer's agency does not own the plan it tries to load."""


# -- turned into web pages, never shown as text -----------------------------------------

Refusal = Literal["malformed", "forged", "expired"]
LinkRefusal = Literal["malformed", "forged", "expired", "used"]


class TokenError(Exception):
    """A token that is refused: ``reason`` is malformed, forged or expired."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason)
        self.reason: Refusal = reason


class Refused(Exception):
    """A link that cannot be used: ``reason`` picks the page, ``status`` the HTTP code."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class LinkError(Exception):
    """A sign-in link that cannot be used; ``reason`` picks the page."""

    def __init__(self, reason: LinkRefusal) -> None:
        super().__init__(reason)
        self.reason: LinkRefusal = reason


class Limited(Exception):
    """Too many sign-in requests for this address or from this client."""
