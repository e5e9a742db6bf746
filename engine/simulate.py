"""``nhacviec simulate``: every notification that would go out in a span, in order.

A dry run of ``delivery.tick``: the same eligibility (pending rows by ``due_at``, rows
of an expired lease by ``lease_until``), the same ``verdict`` (cancelled, overtaken)
against the obligations' *current* statuses, the same rendering, but nothing is sent and
nothing is written. A coordinator checks a workflow with it before trusting it.

The instants are the distinct times at which rows become due in [start, end]: for a
row never tried that is its ``scheduled_at``; a row backing off after a failure becomes
due at its retry time; a row already due before ``start`` (a backlog) is listed at
``start``, which is when a tick would send it; a reminder held by a snooze is decided
again when the snooze ends, and a row due while ``[time] send_window`` is closed is listed
when the window next opens (``engine.sendwindow``). Running ``nhacviec tick --now AT`` for
each listed instant, in order, sends exactly what is listed for it (as long as every
send succeeds and nobody acknowledges in between; simulate cannot foresee either).

Rows that would not go out are not listed but counted in ``held`` with the reason (their
channel is not configured, the contact has no address, a template is broken).

With ``[digest] enabled`` the weekly digests are listed too: those already in the outbox
like any row, and those of the weeks not prepared yet as the ticks would prepare them
(``engine.digest.simulated_rows``), judged with the current statuses on their day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.channels import load_notifier, notifier_name
from engine.delivery import snoozed_until, verdict, withhold
from engine.errors import NhacviecError, RenderError
from engine.i18n import _
from engine.messages.types import KindRenderer, Recipient
from engine.outbox import (
    LIVE_STATES,
    OutboxRow,
    load_recipients,
    load_snoozes,
    load_standings,
    row_columns,
    table,
)
from engine.sendwindow import SendWindow, held_until
from engine.sources import prepare_renderers, render_env
from engine.util import chunked
from notifiers.base import DeliveryError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.store.db import Store

Group = tuple[int, int, str]


@dataclass(frozen=True)
class Planned:
    """One message that would go out at ``at``."""

    at: datetime
    row: OutboxRow
    to: str
    subject: str

    def as_json(self, settings: Settings) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(settings.time.zone).isoformat(),
            "obligation": self.row.obligation_id,
            "stage": self.row.stage,
            "channel": self.row.channel,
            "to": self.to,
            "subject": self.subject,
        }


@dataclass
class Simulation:
    planned: list[Planned] = field(default_factory=list)
    held: list[tuple[OutboxRow, str]] = field(default_factory=list)
    skipped: int = 0
    cancelled: int = 0


def simulate(store: Store, settings: Settings, *, start: datetime, end: datetime) -> Simulation:
    """What ticks at each instant of [start, end] would send (see the module docstring)."""
    if end < start:
        raise NhacviecError(
            _("the span ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})").format(
                end=end, start=start
            )
        )
    session = store.sessions()
    try:
        return _Dry(session, settings, start, end).run()
    finally:
        session.rollback()
        session.close()


class _Dry:
    def __init__(self, session: Session, settings: Settings, start: datetime, end: datetime):
        self.session = session
        self.settings = settings
        self.start = start
        self.end = end
        self.result = Simulation()
        self.channels: dict[str, str | None] = {}
        self.window = SendWindow.from_settings(settings)

    def run(self) -> Simulation:
        candidates, universe = self._load()
        if not candidates:
            return self.result
        self.state = {r.id: r.state for r in universe}
        self.groups: dict[Group, list[OutboxRow]] = defaultdict(list)
        for r in universe:
            if r.obligation_id is not None:
                self.groups[(r.obligation_id, r.contact_id, r.channel)].append(r)
        rows = [row for row, _ in candidates]
        self.recipients = load_recipients(self.session, (r.contact_id for r in rows))
        self.standings = load_standings(
            self.session, (r.obligation_id for r in rows if r.obligation_id is not None)
        )
        self.snoozes = load_snoozes(self.session, rows, self.start)
        self.by_instant: dict[datetime, list[tuple[datetime, OutboxRow]]] = defaultdict(list)
        for row, due in candidates:
            self.by_instant[max(due, self.start)].append((due, row))
        while self.by_instant:  # a snooze may add a later instant while we go
            instant = min(self.by_instant)
            ordered = sorted(self.by_instant.pop(instant), key=lambda item: (item[0], item[1].id))
            self._instant(instant, [row for _, row in ordered])
        return self.result

    def _load(self) -> tuple[list[tuple[OutboxRow, datetime]], list[OutboxRow]]:
        """The rows due by ``end`` (with the instant each becomes due) and their siblings."""
        from sqlalchemy import and_, or_, select

        from engine.store.models import Notification

        n = table(Notification).c
        due = or_(
            and_(n.state == "pending", n.due_at <= self.end),
            and_(n.state == "sending", n.lease_until <= self.end),
        )
        query = select(*row_columns(), n.lease_until).where(due)
        candidates: list[tuple[OutboxRow, datetime]] = []
        for r in self.session.execute(query):
            row = OutboxRow.from_row(r._mapping)
            candidates.append((row, r.lease_until if row.state == "sending" else row.due_at))
        if self.settings.digest.enabled:
            from engine.digest.schedule import simulated_rows

            candidates.extend(simulated_rows(self.session, self.settings, self.start, self.end))
        obligations = sorted({r.obligation_id for r, _ in candidates if r.obligation_id})
        universe: dict[int, OutboxRow] = {r.id: r for r, _ in candidates}
        for chunk in chunked(obligations, 1000):
            query = select(*row_columns()).where(
                n.obligation_id.in_(chunk), n.state.in_(LIVE_STATES), n.scheduled_at <= self.end
            )
            for r in self.session.execute(query):
                universe.setdefault(r.id, OutboxRow.from_row(r._mapping))
        return candidates, list(universe.values())

    def _instant(self, now: datetime, rows: list[OutboxRow]) -> None:
        """Decide every row due at ``now`` against the states before it, as one tick does."""
        siblings = {g: [replace(r, state=self.state[r.id]) for r in group]
                    for g, group in self.groups.items()}  # fmt: skip
        decided = [(row, verdict(row, self.recipients.get(row.contact_id), self.standings,
                                 siblings, now, self.snoozes)[0]) for row in rows]  # fmt: skip
        env = render_env(self.settings, now)
        renderers = prepare_renderers(self.session, [r for r, _d in decided], env)
        for row, outcome in decided:
            outcome = withhold((outcome, None), row, renderers.get(row.kind))[0]
            opens = held_until(self.window, row.payload, now) if outcome == "send" else None
            if opens is not None:  # outside office hours: decided again when they start
                if opens <= self.end:
                    self.by_instant[opens].append((opens, row))
                continue
            if outcome == "cancel":
                self.state[row.id] = "cancelled"
                self.result.cancelled += 1
            elif outcome == "skip":
                self.state[row.id] = "skipped"
                self.result.skipped += 1
            elif outcome == "snooze":
                until = snoozed_until(row, self.snoozes, now)
                if until is not None and until <= self.end:
                    self.by_instant[until].append((until, row))
            else:
                self._send(now, row, renderers.get(row.kind))

    def _send(self, now: datetime, row: OutboxRow, renderer: KindRenderer | None) -> None:
        problem = self._channel_problem(row.channel)
        if problem is not None:  # a tick leaves the row pending until the channel works
            self.result.held.append((row, problem))
            return
        self.state[row.id] = "failed"
        if renderer is None:
            self.result.held.append((row, f"no renderer for notifications of kind {row.kind!r}"))
            return
        recipient: Recipient = self.recipients[row.contact_id]
        try:
            message = renderer.render(row, recipient)
        except (RenderError, DeliveryError) as exc:
            self.result.held.append((row, str(exc)))
            return
        self.state[row.id] = "sent"
        self.result.planned.append(Planned(now, row, message.to, message.subject))

    def _channel_problem(self, channel: str) -> str | None:
        """Why ``channel`` cannot send (not configured), or None; nothing is opened."""
        if channel not in self.channels:
            try:
                load_notifier(notifier_name(self.settings, channel), self.settings)
                self.channels[channel] = None
            except NhacviecError as exc:
                self.channels[channel] = str(exc)
        return self.channels[channel]
