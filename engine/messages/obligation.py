"""The ``obligation`` kind: reminders and escalations (and ``snooze``, the reminder a
snooze brings back, rendered alike); the context of ``templates/README.md``.

Rows carry hints from generation in ``Notification.payload``: ``when`` (``opens``,
``before``, ``on_due``, ``after``), ``ack`` (the stage's ``ack_link``: whether it asks
for acknowledgement) and ``letter`` (attach a formal reminder letter), read with
``engine.workflow.options``. Without them
``when`` is derived from the local sending date against the obligation's dates, and a
stage asks for acknowledgement when acknowledging stops it (``"acknowledged"`` in
``stop_on``). Only an obligation that is still ``open`` gets an acknowledgement link
(email) or buttons (a chat: ``Buttons.reminder``, handed in by delivery: the keyboard of
the bot, whose labels are in ``templates/*/bot/strings.j2``). An email to a contact of
the agency that owes an open or acknowledged obligation carries ``extend_url``, the page
where it asks for an extension. An email to a contact of that agency or of the plan's
owner about an open or acknowledged obligation carries ``done_url`` (the page where it is
recorded done, with the report number) and ``open_url`` (the obligation's page); to the
owner's contacts, with an extension request waiting, ``approve_url`` and
``pending_request`` (``.id``, ``.new_due_on``, ``.reason``, ``.requested_by``): the
escalation to the owner lets them act. An email of an escalation stage with ``letter``
carries the stage's formal reminder letter (.docx), made before rendering by the store
side (``engine.sources.make_letters``: one letter per obligation and stage, shared by
its recipients and its retries) and handed in (``Source.letters``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from engine.errors import RenderError
from engine.i18n import _
from engine.messages.types import (
    ButtonRows,
    LetterFile,
    ObligationView,
    PendingView,
    Recipient,
    RenderEnv,
    Row,
    Source,
    StageView,
    Subject,
    render_body,
    subject_line,
)
from engine.util import DOCX_MIME
from engine.workflow.options import StageOptions, when_of
from notifiers.base import Attachment, Message
from notifiers.registry import CHANNELS


class ObligationMessages:
    """The ``obligation`` kind (see the module docstring)."""

    def __init__(self, env: RenderEnv) -> None:
        self.env = env
        self.subjects: dict[int, Subject] = {}
        self.letters: dict[int, LetterFile] = {}  # by notification id
        self.letter_error: str | None = None  # the letter template cannot be filled
        self.pending: dict[int, PendingView] = {}  # by obligation id

    def prepare(self, source: Source, rows: Sequence[Row]) -> None:
        wanted = {r.obligation_id for r in rows if r.obligation_id is not None}
        self.subjects.update(source.subjects(wanted - self.subjects.keys()))
        self.pending.update(source.pending(wanted))
        letters = source.letters
        self.letters.update(letters.by_row)
        if letters.error is not None:
            self.letter_error = letters.error

    def render(self, row: Row, recipient: Recipient) -> Message:
        if row.obligation_id is None or row.obligation_id not in self.subjects:
            raise RenderError(
                _("notification {key}: its obligation is missing").format(key=row.key)
            )
        if self.letter_error is not None and wants_letter(row):
            raise RenderError(
                _("notification {key}: no letter: {letter_error}").format(
                    key=row.key, letter_error=self.letter_error
                )
            )
        subject = self.subjects[row.obligation_id]
        templates = self.env.templates
        own = self.context(row, recipient, subject)
        context = templates.scope(own)
        language = recipient.lang
        to = recipient.address(row.channel)
        heading = subject_line(templates.render(language, row.template, "subject", context))
        body = render_body(templates, language, row.template, row.channel, context)
        facts = {"due_on": subject.obligation.due_on.isoformat()}
        for name in ("ack_url", "done_url"):  # the links the text offers, for data channels
            if own[name]:
                facts[name] = own[name]
        # One Message built whole (not built, then copied with replace()): once per message.
        if body.html is None:
            return Message(row.key, row.channel, to, heading, body.text, None, recipient.name,
                           language, self._buttons(row, subject, language),
                           headers=self.env.headers(), facts=facts)  # fmt: skip
        return Message(row.key, row.channel, to, heading, body.text, body.html, recipient.name,
                       language, attachments=self._attachments(row),
                       headers=self.env.headers(), facts=facts)  # fmt: skip

    def context(self, row: Row, recipient: Recipient, subject: Subject) -> dict[str, Any]:
        today = self.env.today
        obligation = subject.obligation
        return {
            "obligation": obligation,
            "agency": subject.agency,
            "plan": subject.plan,
            "task": subject.task,
            "contact": recipient,
            "stage": StageView(row.stage, _when(row, obligation, today), row.escalation),
            "today": today,
            "days_left": (obligation.due_on - today).days,
            "ack_url": self._ack_url(row, recipient, obligation),
            "extend_url": self._extend_url(recipient, subject),
            "letter": self.letters.get(row.id),
            **self._action_urls(recipient, subject),
        }

    def _action_urls(self, recipient: Recipient, subject: Subject) -> dict[str, Any]:
        """``done_url``, ``open_url``, and for the owner ``approve_url`` with the
        ``pending_request`` (module docstring); None where they do not apply."""
        links, obligation = self.env.links, subject.obligation
        urls: dict[str, Any] = dict.fromkeys(("done_url", "open_url", "approve_url"))
        urls["pending_request"] = None
        owner = subject.plan.owner_id is not None and recipient.agency_id == subject.plan.owner_id
        ours = subject.agency.id is not None and recipient.agency_id == subject.agency.id
        if links is None or obligation.status not in ("open", "acknowledged"):
            return urls
        if not (ours or owner):
            return urls
        now = self.env.now
        urls["done_url"] = links.page_url("done", obligation.id, recipient.id, now=now)
        urls["open_url"] = links.page_url("o", obligation.id, recipient.id, now=now)
        pending = self.pending.get(obligation.id)
        if owner and not ours and pending is not None:
            urls["approve_url"] = links.page_url("approve", obligation.id, recipient.id, now=now)
            urls["pending_request"] = pending
        return urls

    def _ack_url(self, row: Row, recipient: Recipient, obligation: ObligationView) -> str | None:
        links = self.env.links
        if links is None or obligation.status != "open" or not asks_for_ack(row):
            return None
        return links.url(obligation.id, recipient.id, now=self.env.now)

    def _extend_url(self, recipient: Recipient, subject: Subject) -> str | None:
        links, obligation = self.env.links, subject.obligation
        if links is None or obligation.status not in ("open", "acknowledged"):
            return None
        if subject.agency.id is None or recipient.agency_id != subject.agency.id:
            return None  # only the agency that owes it asks for more time
        return links.extend_url(obligation.id, recipient.id, now=self.env.now)

    def _buttons(self, row: Row, subject: Subject, language: str) -> ButtonRows:
        buttons, obligation = self.env.buttons, subject.obligation
        if buttons is None or obligation.status != "open":
            return ()
        return buttons.reminder(language, obligation.id, escalation=row.escalation)

    def _attachments(self, row: Row) -> tuple[Attachment, ...]:
        letter = self.letters.get(row.id)
        if letter is None:
            return ()
        return (Attachment(letter.filename, letter.content, DOCX_MIME),)


def asks_for_ack(row: Row) -> bool:
    """Whether the row's stage asks for acknowledgement (see the module docstring)."""
    return StageOptions.of(row.payload).asks_for_ack(row.stop_on)


def wants_letter(row: Row) -> bool:
    """An email of an escalation stage that asks for a formal reminder letter."""
    return row.escalation and not CHANNELS[row.channel].chat and StageOptions.of(row.payload).letter


def _when(row: Row, obligation: ObligationView, today: date) -> str:
    hint = when_of(row.payload)
    if hint is not None:
        return hint
    if today > obligation.due_on:
        return "after"
    if today == obligation.due_on:
        return "on_due"
    if obligation.opens_on is not None and today <= obligation.opens_on:
        return "opens"
    return "before"
