"""The baseline of a tick: the same delivery of due reminders, written by hand.

``HandTick(conn, templates, zone)`` does, on one driver connection (sqlite3 or psycopg, no
SQLAlchemy), what ``engine.delivery.tick`` does for a batch of due email reminders (the
rows of ``bench.data.fill_outbox``), and no more than a careful hand-written script
would:

1. one ``UPDATE … RETURNING`` claims the due rows (``pending`` and due, or ``sending``
   with an expired lease; the first 200 by due time and id), committed;
2. one join reads what the messages show (obligation, agency, plan, task, contact and
   its address on the row's channel);
3. the same three templates (``reminder.subject.j2``, ``.txt.j2``, ``.html.j2`` in the
   contact's language) are rendered with Jinja, a ``render`` each, into ``Message``s
   byte-identical to the engine's (``tests/test_bench_tick_script.py`` and the bench run
   check it), each handed to the channel (``bench.data.NullChannel``);
4. one ``executemany`` UPDATE marks them sent and one ``executemany`` INSERT writes
   their attempts, committed.

Rows whose contact is inactive or whose obligation is cancelled or stopped are left out
of the sending (a cheap test on the joined row); what the engine decides beyond that
(overtaking stages, snoozes, office hours, letters, links: none applies to these rows)
is not done here. Instants are written as the engine stores them (naive UTC; on SQLite
the text SQLAlchemy's DateTime writes).
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from notifiers.base import Message, Notifier

LIMIT = 200
LEASE_SECONDS = 300.0
SUBJECT_LIMIT = 120

_CLAIM = """
UPDATE notifications SET state = 'sending', lease_owner = {m}, lease_until = {m},
       updated_at = {m}
WHERE id IN (SELECT id FROM notifications
             WHERE (state = 'pending' AND due_at <= {m})
                OR (state = 'sending' AND lease_until <= {m})
             ORDER BY due_at, id LIMIT {limit}{lock})
RETURNING id, key, obligation_id, contact_id, channel, template, stage, escalation, stop_on,
          payload, attempts, due_at
"""
_JOIN = """
SELECT n.id, o.id, o.title, o.period_label, o.opens_on, o.due_on, o.original_due_on,
       o.status, o.role, o.cancelled_at, o.tracked, a.name, a.id, p.number, p.title,
       p.owner_agency_id, t.id, t.number, t.title, t.window_text, c.id, c.agency_id, c.name,
       c.language, c.active, ca.address
FROM notifications n
JOIN obligations o ON o.id = n.obligation_id
JOIN agencies a ON a.id = o.agency_id
JOIN plans p ON p.id = o.plan_id
LEFT OUTER JOIN tasks t ON t.id = o.task_id
JOIN contacts c ON c.id = n.contact_id
LEFT OUTER JOIN contact_addresses ca ON ca.contact_id = c.id AND ca.channel = n.channel
WHERE n.id IN ({ids})
"""
_SENT = """
UPDATE notifications SET attempts = {m}, last_error = NULL, receipt = {receipt},
       state = 'sent', sent_at = {m}, lease_owner = NULL, lease_until = NULL, updated_at = {m}
WHERE id = {m} AND lease_owner = {m} AND state = 'sending'
"""
_ATTEMPT = """
INSERT INTO delivery_attempts (notification_id, at, worker, outcome, error)
VALUES ({m}, {m}, {m}, 'sent', NULL)
"""

Obligation = namedtuple(
    "Obligation", "id title period_label opens_on due_on original_due_on status role"
)
Agency = namedtuple("Agency", "name id")
Plan = namedtuple("Plan", "number title owner_id")
Task = namedtuple("Task", "number title window_text")
Contact = namedtuple("Contact", "id agency_id name")
Stage = namedtuple("Stage", "name when escalation")


def _vndate(value: date | datetime | None) -> str:
    return "" if value is None else value.strftime("%d/%m/%Y")


def _ddmm(value: date | datetime | None) -> str:
    return "" if value is None else value.strftime("%d/%m")


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _when(options: dict[str, Any], obligation: Obligation, today: date) -> str:
    """The stage's ``when``: the row's hint, else from the local date (as the engine)."""
    hint = options.get("when")
    if hint is not None:
        return str(hint)
    if today > obligation.due_on:
        return "after"
    if today == obligation.due_on:
        return "on_due"
    if obligation.opens_on is not None and today <= obligation.opens_on:
        return "opens"
    return "before"


def subject_line(text: str) -> str:
    """One line of at most 120 characters, a long one cut after a whole word with "…"."""
    line = " ".join(text.split())
    if len(line) <= SUBJECT_LIMIT:
        return line
    cut = line[: SUBJECT_LIMIT - 1]
    space = cut.rfind(" ")
    if space > SUBJECT_LIMIT // 2:
        cut = cut[:space]
    return cut.rstrip(" –-:,;.") + "…"


class HandTick:
    """A hand-written tick on one connection (see the module docstring)."""

    def __init__(self, conn: Any, templates: Path, zone: ZoneInfo) -> None:
        """``conn``: a sqlite3 or psycopg connection (``Store.engine.raw_connection()``'s
        ``driver_connection``: the store's own pragmas and search path)."""
        self.conn = conn
        self.sqlite = type(conn).__module__.startswith("sqlite3")
        mark, lock = ("?", "") if self.sqlite else ("%s", " FOR UPDATE SKIP LOCKED")
        self.mark = mark
        self.claim_sql = _CLAIM.format(m=mark, limit=LIMIT, lock=lock)
        receipt = mark if self.sqlite else f"{mark}::jsonb"
        self.sent_sql = _SENT.format(m=mark, receipt=receipt)
        self.attempt_sql = _ATTEMPT.format(m=mark)
        self.zone = zone
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=jinja2.StrictUndefined,
        )
        env.filters["vndate"] = _vndate
        env.filters["ddmm"] = _ddmm
        self.env = env
        self._templates: dict[tuple[str, str, str], jinja2.Template] = {}

    def _template(self, language: str, name: str, part: str) -> jinja2.Template:
        found = self._templates.get((language, name, part))
        if found is None:
            try:
                found = self.env.get_template(f"{language}/{name}.{part}.j2")
            except jinja2.TemplateNotFound:
                found = self.env.get_template(f"vi/{name}.{part}.j2")
            self._templates[(language, name, part)] = found
        return found

    def _instant(self, value: datetime) -> Any:
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else naive

    async def tick(self, now: datetime, worker: str, channel: Notifier) -> list[Message]:
        """Claim, read, render, send and record every due row; the messages sent."""
        conn, at = self.conn, self._instant(now)
        lease = self._instant(now + timedelta(seconds=LEASE_SECONDS))
        sent: list[Message] = []
        while True:
            claimed = conn.execute(self.claim_sql, (worker, lease, at, at, at)).fetchall()
            conn.commit()
            if not claimed:
                return sent
            batch = await self._deliver(sorted(claimed, key=lambda r: (r[11], r[0])), now, channel)
            conn.cursor().executemany(
                self.sent_sql,
                [(attempts + 1, json.dumps(receipt), at, at, nid, worker)
                 for nid, attempts, receipt, _m in batch],
            )  # fmt: skip
            conn.cursor().executemany(self.attempt_sql, [(b[0], at, worker) for b in batch])
            conn.commit()
            sent.extend(b[3] for b in batch)

    async def _deliver(
        self, claimed: Iterable[tuple[Any, ...]], now: datetime, channel: Notifier
    ) -> list[tuple[int, int, dict[str, Any], Message]]:
        claimed = list(claimed)
        marks = ", ".join(self.mark for _ in claimed)
        joined = {
            r[0]: r for r in self.conn.execute(_JOIN.format(ids=marks), [c[0] for c in claimed])
        }
        today = now.astimezone(self.zone).date()
        headers = format_datetime(now.astimezone(self.zone))
        done = []
        for claimed_row in claimed:
            nid, key, _o, _c, chan, template, stage, escalation, stop_on, payload, attempts = (
                claimed_row[:11]
            )
            j = joined[nid]
            stop = json.loads(stop_on) if isinstance(stop_on, str) else stop_on
            options = (json.loads(payload) if isinstance(payload, str) else payload) or {}
            if not j[24] or j[9] is not None or j[7] in (stop or ()) or not j[10]:
                continue  # the engine cancels these rows
            due_on, opens_on = _day(j[5]), _day(j[4])
            assert due_on is not None
            obligation = Obligation(j[1], j[2], j[3], opens_on, due_on, _day(j[6]), j[7], j[8])
            context = {
                "obligation": obligation,
                "agency": Agency(j[11], j[12]),
                "plan": Plan(j[13], j[14], j[15]),
                "task": Task(j[17], j[18], j[19]) if j[16] is not None else None,
                "contact": Contact(j[20], j[21], j[22]),
                "stage": Stage(stage, _when(options, obligation, today), bool(escalation)),
                "today": today,
                "days_left": (due_on - today).days,
                "ack_url": None,
                "extend_url": None,
                "letter": None,
                "done_url": None,
                "open_url": None,
                "approve_url": None,
                "pending_request": None,
            }
            language = j[23] if j[23] in ("vi", "en") else "vi"
            message = Message(
                key, chan, j[25], subject_line(self._template(language, template, "subject")
                                               .render(context)),
                self._template(language, template, "txt").render(context),
                self._template(language, template, "html").render(context),
                j[22], language, headers={"Date": headers},
                facts={"due_on": due_on.isoformat()},
            )  # fmt: skip
            receipt = await channel.send(message)
            done.append((nid, attempts, receipt.detail, message))
        return done
