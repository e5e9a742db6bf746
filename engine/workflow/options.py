"""A stage's options, typed once: what a workflow stage says about each message it sends.

A workflow stage (``engine.workflow.schema.StageSpec``) has three options that travel
with its messages: ``ack_link`` (whether it asks for acknowledgement), ``letter`` (an
escalation attaches a formal reminder letter) and ``any_time`` (sent whenever due,
outside ``[time] send_window``). The compiled ``Stage`` holds them as ``StageOptions``;
generation hands the same object to each ``NotificationSpec``; sync writes it into the
outbox row's ``payload`` with ``StageOptions.payload``; rendering, the send window and
the reminder a snooze brings back read it back with ``StageOptions.of``. Nothing else
reads or writes these keys of a payload.

The payload of an ``obligation`` (or ``snooze``) row, as stored::

    {"when": "opens"|"before"|"on_due"|"after",  # absent on a snoozed reminder
     "ack": bool,                                  # the stage's ack_link
     "letter": true,                               # only when set
     "any_time": true,                             # only when set
     "snooze": true}                               # only on a snoozed reminder

Rows written before these hints existed may lack ``ack`` (``ack_link`` is then
``None``: the stage asks for acknowledgement when acknowledging stops it), and snoozed
reminders of older versions wrote the key ``ack_link``; both are still read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

WHEN = ("opens", "before", "on_due", "after")


@dataclass(frozen=True, slots=True)
class StageOptions:
    """The options of a stage that its outbox rows carry (module docstring)."""

    ack_link: bool | None = True  # None: not recorded (an old row), see ``asks_for_ack``
    letter: bool = False
    any_time: bool = False

    def payload(self, when: str | None = None, *, snooze: bool = False) -> dict[str, object]:
        """The row's payload: these options, the stage's ``when`` and the snooze mark."""
        payload: dict[str, object] = {} if when is None else {"when": when}
        if self.ack_link is not None:
            payload["ack"] = self.ack_link
        if self.letter:
            payload["letter"] = True
        if self.any_time:
            payload["any_time"] = True
        if snooze:
            payload["snooze"] = True
        return payload

    @classmethod
    def of(cls, payload: Mapping[str, Any] | None) -> StageOptions:
        """The options a row's payload carries (``None`` or ``{}``: nothing recorded)."""
        payload = payload or {}
        ack = payload.get("ack", payload.get("ack_link"))
        return cls(
            ack_link=ack if isinstance(ack, bool) else None,
            letter=bool(payload.get("letter")),
            any_time=bool(payload.get("any_time")),
        )

    def asks_for_ack(self, stop_on: Iterable[str]) -> bool:
        """Whether the stage asks for acknowledgement: its ``ack_link``, or when that was
        not recorded, whether acknowledging stops it."""
        if self.ack_link is not None:
            return self.ack_link
        return "acknowledged" in stop_on


def when_of(payload: Mapping[str, Any] | None) -> str | None:
    """The stage's ``when`` a row's payload carries, if any."""
    hint = (payload or {}).get("when")
    return hint if isinstance(hint, str) else None
