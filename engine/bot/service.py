"""What the bot does on any linked chat channel: each command or press gives a ``Reply``.

``BotService`` turns what a chat sent (``/start CODE``, ``/status``, ``/overdue``,
``/ack ID [note]``, ``/done ID [note]``, ``/extend ID DATE REASON``, ``/help``, a button
press) into database changes and a ``Reply`` (a new message, an answer to the press, an
edit of the pressed message); the channel's own code carries replies back: Telegram's
bot (``notifiers.telegram.bot``), Zalo's OA webhook (``engine.bot.texts``). It names no
channel: the caller says which one it serves. Each call is one transaction.

Rules:

- ``/start`` and ``/help`` work in any chat; every other command and every press needs a
  chat linked to a contact (``/start CODE``), else it is refused and recorded.
- Acting on an obligation needs a linked contact of its agency or of its plan's owner
  (``links.authorize``); a refusal is answered politely and recorded (``refused``).
- ``/ack ID`` and the "Đã nhận" button acknowledge; ``/done ID`` reports done at once
  (the typed number is the confirmation), the "Đã hoàn thành" button first asks
  "Xác nhận đã hoàn thành?" with ``done!:ID`` / ``cancel:ID`` buttons.
- A status change goes through ``engine.status.apply_action`` (the service's channel, the
  contact's name as actor; the sender's address and name in the event's data), which
  cancels the reminders it stops; ``Reply.changed`` asks for the buttons of every sent
  message to be brought up to date (Telegram's: ``notifiers.telegram.buttons``).
- Extensions and snoozes go through ``engine.extensions``. "Nhắc lại sau 1 ngày / 1
  tuần" (``snooze:ID:1d``/``:7d``) snoozes the obligation for every contact of the chat
  that may act on it. "Xin gia hạn" (``extend?:ID``) asks, with a message the person
  answers by replying (Telegram's ForceReply, which also reaches a bot in a group with
  privacy mode on), for "DATE REASON"; ``/extend ID DATE REASON`` does it in one go (on
  a channel without replies, Zalo, the button says to type ``#extend ID DATE REASON``).
  Only a contact of the agency that owes it may ask. The plan owner's coordinators get
  the request (through the outbox) with "Đồng ý" (``extapprove:REQ``: approved at once)
  and "Từ chối" (``extrefuse:REQ``: asks for the reason the same way); only contacts of
  the plan owner may decide. A question starts with "✏️" and its first line carries the
  reference the answer is about (``#ID`` for an obligation, ``GH7`` for request 7), so
  an answer is understood after a restart too; replies to any other message of the bot
  (a reminder, a request notice) mean nothing to it.

Replies are in the language of the chat's first linked contact; unlinked chats get
Vietnamese with an English line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from engine import extensions as ext
from engine.bot import links
from engine.bot.buttons import Rows, last_changes, status_buttons
from engine.bot.replies import Replies, language_of, plain, replies_for
from engine.errors import ExtensionError, NhacviecError, StatusError
from engine.ids import parse_id
from engine.status import Action, apply_action, local_date
from engine.store.models import Agency, Contact, ExtensionRequest, Obligation
from notifiers.base import Button

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.store.db import Store
    from engine.workflow.calendar import WorkCalendar

LIST_LIMIT = 30  # obligations shown per agency by /status and /overdue
OPEN = ("open", "acknowledged")
NOT_THE_AGENCY = "only the agency that owes it may ask for an extension"
QUESTION = "✏"  # the bot's questions (templates/*/bot/extension.j2) start with "✏️"
_REQUEST_REF = re.compile(r"\bGH(\d+)\b")
_OBLIGATION_REF = re.compile(r"#(\d+)")
REQUEST_BUTTONS = ("extapprove", "extrefuse", "extinfo")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Sender:
    """Where a command or press came from."""

    chat_id: int | str  # the sender's address on the channel (a Telegram chat id: a number)
    user: str | None = None  # the person's name, if the channel tells it (audit trail)


@dataclass
class Reply:
    """What to show in return. Every field is optional."""

    text: str | None = None  # a new message to the chat (Telegram HTML)
    buttons: Rows = ()
    toast: str | None = None  # the answer to a button press (plain text)
    alert: bool = False  # show the toast as a dialog (refusals)
    edit: tuple[str, Rows] | None = None  # new text and buttons for the pressed message
    changed: bool = False  # an obligation's status changed: update sent messages' buttons
    linked: bool = False  # a chat was linked: its contact can now get Telegram reminders
    force_reply: bool = False  # ``text`` is a question the person answers by replying
    keyboard: Rows | None = None  # new buttons for the pressed message (text unchanged)


@dataclass
class _Chat:
    """A chat as the service sees it during one call."""

    sender: Sender
    contacts: list[Contact]
    agencies: dict[int, str] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return language_of(self.contacts[0].language) if self.contacts else "vi"

    @property
    def linked(self) -> bool:
        return bool(self.contacts)


class BotService:
    """The bot's behaviour over one store; ``now`` is the clock (a parameter for tests).

    ``channel`` is the linked channel whose senders it serves, a name of
    ``notifiers.registry`` given by the channel's own code (Telegram's bot,
    ``notifiers.telegram.bot``; Zalo's OA webhook, ``engine.bot.texts``): senders are
    found by their address on it, and status changes, extensions, snoozes and refusals are
    recorded with it. ``answers_by_reply`` says whether a person can answer one of its
    questions by replying to it (Telegram's ForceReply); on a channel where they cannot,
    a question ("Xin gia hạn") says which command to type instead
    (``#extend N DD/MM/YYYY lý do``).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        now: Callable[[], datetime] = utcnow,
        *,
        channel: str,
        answers_by_reply: bool = True,
    ) -> None:
        from notifiers.registry import entry

        if not entry(channel).linked:
            raise ValueError(f"{channel!r} is not a linked channel: the bot cannot serve it")
        self.settings = settings
        self.store = store
        self.now = now
        self.channel = channel
        self.answers_by_reply = answers_by_reply
        self.zone = settings.time.zone
        self.replies: Replies = replies_for(settings.paths.templates, settings.time.timezone)

    # ------------------------------------------------------------------ commands

    def start(self, sender: Sender, args: Sequence[str]) -> Reply:
        """``/start CODE``: link the chat to the contact whose one-time code it is."""
        now = self.now()
        with self.store.session() as session:
            chat = self._chat(session, sender)
            if not args:
                outcome = "linked_already" if chat.linked else "missing_code"
                return Reply(self._render(chat, "start", outcome=outcome))
            contact = links.redeem(session, " ".join(args), self.channel, str(sender.chat_id), now)
            if contact is None:
                links.record_refusal(
                    session,
                    chat_id=sender.chat_id,
                    channel=self.channel,
                    attempted="/start",
                    reason="wrong, spent or expired invitation code",
                    now=now,
                    user=sender.user,
                )
                return Reply(self._render(chat, "start", outcome="refused"))
            chat = self._chat(session, sender)
            agency = chat.agencies.get(contact.agency_id, "")
            text = self._render(chat, "start", outcome="linked", contact=contact, agency=agency)
            return Reply(text, linked=True)

    def help(self, sender: Sender) -> Reply:
        with self.store.session() as session:
            chat = self._chat(session, sender)
            return Reply(self._render(chat, "help"))

    def listing(self, sender: Sender, *, overdue_only: bool) -> Reply:
        """``/status`` (the open obligations of the chat's agencies) or ``/overdue``."""
        command = "/overdue" if overdue_only else "/status"
        now = self.now()
        with self.store.session() as session:
            chat = self._chat(session, sender)
            if not chat.linked:
                return self._not_linked(session, chat, command, now)
            today = local_date(now, self.zone)
            groups = [
                self._group(session, agency_id, name, today, overdue_only)
                for agency_id, name in chat.agencies.items()
            ]
            return Reply(self._render(chat, "list", groups=groups, overdue_only=overdue_only))

    def command(self, sender: Sender, action: Action, args: Sequence[str]) -> Reply:
        """``/ack ID [note]`` or ``/done ID [note]``."""
        now = self.now()
        with self.store.session() as session:
            chat = self._chat(session, sender)
            if not chat.linked or not args:
                if not chat.linked:
                    return self._not_linked(session, chat, f"/{action}", now, args[:1])
                return Reply(self._render(chat, "result", outcome="usage", action=action))
            note = " ".join(args[1:]).strip() or None
            text, changed, _ = self._act(session, chat, action, args[0], note, now)
            return Reply(text, changed=changed)

    # ------------------------------------------------------------------ buttons

    def press(self, sender: Sender, data: str) -> Reply:
        """A button press; ``data`` is ``ack:ID``, ``done?:ID``, ``done!:ID``,
        ``cancel:ID``, ``info:ID``, ``snooze:ID:1d``, ``extend?:ID``, ``extapprove:REQ``,
        ``extrefuse:REQ`` or ``extinfo:REQ``.

        Every press passes ``_authorized`` (an obligation's buttons) or
        ``_authorized_request`` (a request's), which refuse and record; a press from an
        unlinked chat is recorded against the obligation it names, so ``show ID`` has it.
        """
        kind, _, ref = data.partition(":")
        now = self.now()
        with self.store.session() as session:
            chat = self._chat(session, sender)
            if not chat.linked:
                named = _request_obligation(session, ref) if kind in REQUEST_BUTTONS else [ref]
                refused = self._not_linked(session, chat, f"button {data}", now, named)
                return Reply(toast=plain(refused.text or ""), alert=True)
            if kind == "ack":
                text, changed, ok = self._act(session, chat, "ack", ref, None, now, via=data)
                return Reply(toast=plain(text), alert=not ok, changed=changed)
            if kind == "done!":
                text, changed, ok = self._act(session, chat, "done", ref, None, now, via=data)
                return Reply(toast=plain(text), alert=not ok, edit=(text, ()), changed=changed)
            if kind == "done?":
                return self._confirm_done(session, chat, ref, now, data)
            if kind == "cancel":
                return self._cancel(session, chat, ref, now, data)
            if kind == "info":
                return self._info(session, chat, ref, now, data)
            if kind == "snooze":
                return self._snooze(session, chat, ref, now, data)
            if kind == "extend?":
                return self._ask_extension(session, chat, ref, now, data)
            if kind in REQUEST_BUTTONS:
                return self._decision(session, chat, kind, ref, now, data)
        return Reply()  # a button of an older version: answered, nothing to do

    def _confirm_done(
        self, session: Session, chat: _Chat, ref: str, now: datetime, data: str
    ) -> Reply:
        found = self._authorized(session, chat, "done", ref, now, data)
        if isinstance(found, str):
            return Reply(toast=plain(found), alert=True)
        obligation, _ = found
        if obligation.status not in OPEN or obligation.cancelled_at is not None:
            outcome = "unchanged" if obligation.status == "done" else "refused_status"
            text = self._render(
                chat,
                "result",
                **self._result_context(obligation, outcome, "done"),
            )
            return Reply(toast=plain(text), alert=outcome != "unchanged")
        lang = chat.language
        buttons: Rows = (
            (Button(self.replies.label(lang, "confirm_yes"), f"done!:{obligation.id}"),),
            (Button(self.replies.label(lang, "cancel"), f"cancel:{obligation.id}"),),
        )
        text = self._render(
            chat, "confirm_done", obligation=obligation, agency=obligation.agency.name
        )
        return Reply(text, buttons)

    def _cancel(self, session: Session, chat: _Chat, ref: str, now: datetime, data: str) -> Reply:
        """ "Hủy" under "Xác nhận đã hoàn thành?": only a chat that may report it done."""
        found = self._authorized(session, chat, "done", ref, now, data)
        if isinstance(found, str):
            return Reply(toast=plain(found), alert=True)
        obligation, _ = found
        return Reply(edit=(self._render(chat, "cancelled", obligation=obligation), ()))

    def _info(self, session: Session, chat: _Chat, ref: str, now: datetime, data: str) -> Reply:
        found = self._authorized(session, chat, "info", ref, now, data)
        if isinstance(found, str):
            return Reply(toast=plain(found), alert=True)
        obligation, _ = found
        change = last_changes(session, [obligation.id]).get(obligation.id)
        rows = status_buttons(self.replies, chat.language, obligation.id, obligation.status, change)
        return Reply(toast=rows[0][0].text if rows else "")

    # ------------------------------------------------------------------ acting

    def _act(
        self,
        session: Session,
        chat: _Chat,
        action: Action,
        ref: str,
        note: str | None,
        now: datetime,
        via: str | None = None,
    ) -> tuple[str, bool, bool]:
        """Apply ``action``; return (reply text, status changed, accepted)."""
        attempted = via or f"/{action} {ref}"
        found = self._authorized(session, chat, action, ref, now, attempted)
        if isinstance(found, str):
            return found, False, False
        obligation, contact = found
        try:
            decision, event = apply_action(
                session,
                obligation,
                action,
                now=now,
                zone=self.zone,
                actor=contact.name,
                channel=self.channel,
                note=note,
            )
        except StatusError as error:
            links.record_refusal(
                session,
                chat_id=chat.sender.chat_id,
                channel=self.channel,
                attempted=attempted,
                reason=str(error),
                now=now,
                obligation=obligation,
                contact=contact,
                user=chat.sender.user,
            )
            context = self._result_context(obligation, "refused_status", action)
            return self._render(chat, "result", **context), False, False
        event.data = {**(event.data or {}), **self._origin(chat, contact)}
        if decision.changed:  # the stages timed from the acknowledgement
            from engine.bulk import follow_up

            follow_up(session, self.settings, action, [obligation.id], now=now)
        outcome = "changed" if decision.changed else "unchanged"
        context = self._result_context(obligation, outcome, action, actor=contact.name)
        context.update(at=self.replies.when(now), note=note)
        return self._render(chat, "result", **context), decision.changed, True

    def _authorized(
        self, session: Session, chat: _Chat, action: str, ref: str, now: datetime, attempted: str
    ) -> tuple[Obligation, Contact] | str:
        """The obligation and the contact acting for the chat, or the refusal's text.

        The one authorisation path of every command and button on an obligation (a
        request's buttons: ``_authorized_request``): an unknown number (a huge one
        included) and a chat that may not act are refused, and every refusal recorded.
        """
        obligation = _get(session, ref)
        if obligation is None:
            links.record_refusal(
                session,
                chat_id=chat.sender.chat_id,
                channel=self.channel,
                attempted=attempted,
                reason="unknown obligation",
                now=now,
                contact=chat.contacts[0],
                user=chat.sender.user,
            )
            return self._render(chat, "result", outcome="not_found", action=action, ref=ref)
        return self._allowed(session, chat, action, obligation, now, attempted)

    def _allowed(
        self, session: Session, chat: _Chat, action: str, obligation: Obligation, now: datetime,
        attempted: str,
    ) -> tuple[Obligation, Contact] | str:  # fmt: skip
        """Whether the (linked) chat may act on ``obligation``: its contact, or the
        recorded refusal's text."""
        contact = links.authorize(chat.contacts, obligation, links.plan_owner(session, obligation))
        if contact is None:
            links.record_refusal(
                session,
                chat_id=chat.sender.chat_id,
                channel=self.channel,
                attempted=attempted,
                reason="the chat is not linked to the obligation's agency or the plan owner",
                now=now,
                obligation=obligation,
                contact=chat.contacts[0],
                user=chat.sender.user,
            )
            return self._render(
                chat,
                "result",
                outcome="not_allowed",
                action=action,
                obligation=obligation,
                agency=obligation.agency.name,
            )
        return obligation, contact

    def _result_context(
        self, obligation: Obligation, outcome: str, action: str, actor: str | None = None
    ) -> dict[str, Any]:
        status = "cancelled" if obligation.cancelled_at is not None else obligation.status
        late_days = 0
        if obligation.done_at is not None and obligation.done_late:
            done_on = local_date(obligation.done_at, self.zone)
            late_days = (done_on - obligation.original_due_on).days
        return {
            "outcome": outcome,
            "action": action,
            "obligation": obligation,
            "status": status,
            "actor": actor,
            "late_days": late_days,
        }

    def _origin(self, chat: _Chat, contact: Contact) -> dict[str, Any]:
        origin: dict[str, Any] = {**links.where_from(self.channel, chat.sender.chat_id),
                                  "contact": contact.key}  # fmt: skip
        if chat.sender.user:
            origin[f"{self.channel}_user"] = chat.sender.user
        return origin

    # ------------------------------------------------------------------ extensions, snoozes

    def extend_command(self, sender: Sender, args: Sequence[str]) -> Reply:
        """``/extend ID DATE REASON``: ask the plan owner for a new due date."""
        now = self.now()
        with self.store.session() as session:
            chat = self._chat(session, sender)
            if not chat.linked:
                return self._not_linked(session, chat, "/extend", now, args[:1])
            if len(args) < 3:
                return Reply(self._ext(chat, "usage"))
            attempted = f"/extend {args[0]}"
            reason = " ".join(args[2:])
            return Reply(self._request(session, chat, args[0], args[1], reason, now, attempted))

    def refuse_command(self, sender: Sender, args: Sequence[str]) -> Reply:
        """``#refuse GH7 REASON``: refuse extension request 7, on a channel where "Từ chối"
        cannot ask for the reason by reply (Zalo); only the plan owner's contacts may."""
        now = self.now()
        with self.store.session() as session:
            chat = self._chat(session, sender)
            if not chat.linked:
                named = _request_obligation(session, args[0]) if args else []
                return self._not_linked(session, chat, "/refuse", now, named)
            if len(args) < 2:
                return Reply(self._ext(chat, "refuse_usage"))
            ref = args[0].upper().removeprefix("GH")
            return self._refuse(session, chat, ref, " ".join(args[1:]), now)

    def answer(self, sender: Sender, text: str, question: str) -> Reply:
        """A text replying to one of the bot's questions (``question``: its text): "DATE
        REASON" for "Xin gia hạn #ID", or the reason for refusing request ``GH7``."""
        first = question.strip().splitlines()[0] if question.strip() else ""
        request, obligation = _REQUEST_REF.search(first), _OBLIGATION_REF.search(first)
        if not first.startswith(QUESTION) or (request is None and obligation is None):
            return Reply()  # a reply to a reminder or a notice: nothing is asked there
        now = self.now()
        with self.store.session() as session:
            chat = self._chat(session, sender)
            if not chat.linked:
                named = [obligation.group(1)] if obligation is not None else []
                if request is not None:
                    named = _request_obligation(session, request.group(1))
                return self._not_linked(session, chat, "a reply", now, named)
            if request is not None:
                return self._refuse(session, chat, request.group(1), text, now)
            assert obligation is not None
            day, _, reason = text.strip().partition(" ")
            ref = obligation.group(1)
            return Reply(self._request(session, chat, ref, day, reason, now, f"reply #{ref}"))

    def _request(
        self, session: Session, chat: _Chat, ref: str, day_text: str, reason: str,
        now: datetime, attempted: str,
    ) -> str:  # fmt: skip
        """Record an extension request from the chat; return the reply's text."""
        found = self._authorized(session, chat, "extend", ref, now, attempted)
        if isinstance(found, str):
            return found
        obligation, contact = found
        if contact.agency_id != obligation.agency_id:  # the owner decides, it does not ask
            return self._refused(session, chat, obligation, contact, attempted, NOT_THE_AGENCY)
        day = ext.parse_day(day_text, local_date(now, self.zone))
        if day is None:
            return self._ext(chat, "bad_date", text=day_text, obligation=obligation)
        try:
            request = ext.request_extension(
                session, obligation, new_due_on=day, reason=reason, by=contact.name,
                via=self.channel, now=now, origin=self._origin(chat, contact),
            )  # fmt: skip
        except ExtensionError as error:
            self._record(session, chat, attempted, str(error), now, obligation, contact)
            return self._ext(chat, "refused", error=error, obligation=obligation)
        return self._ext(chat, "requested", request=request, obligation=obligation)

    def _ask_extension(
        self, session: Session, chat: _Chat, ref: str, now: datetime, data: str
    ) -> Reply:
        found = self._authorized(session, chat, "extend", ref, now, data)
        if isinstance(found, str):
            return Reply(toast=plain(found), alert=True)
        obligation, contact = found
        if contact.agency_id != obligation.agency_id:
            text = self._refused(session, chat, obligation, contact, data, NOT_THE_AGENCY)
            return Reply(toast=plain(text), alert=True)
        try:
            ext.check_request(obligation, ext.pending_request(session, obligation.id),
                              date.max, "?")  # fmt: skip
        except ExtensionError as error:
            text = self._ext(chat, "refused", error=error, obligation=obligation)
            return Reply(toast=plain(text), alert=True)
        example = obligation.due_on + timedelta(days=30)
        outcome = "ask" if self.answers_by_reply else "ask_command"
        text = self._ext(chat, outcome, obligation=obligation, agency=obligation.agency.name,
                         example=example)  # fmt: skip
        return Reply(text, force_reply=self.answers_by_reply)

    def _decision(
        self, session: Session, chat: _Chat, kind: str, ref: str, now: datetime, data: str
    ) -> Reply:
        """A press on "Đồng ý", "Từ chối" (asks for the reason) or a decision's label."""
        found = self._authorized_request(session, chat, ref, now, data, decide=kind != "extinfo")
        if isinstance(found, str):
            return Reply(toast=plain(found), alert=True)
        request, obligation, decider = found
        if kind == "extinfo":
            at = self.replies.when(request.decided_at) if request.decided_at else ""
            return Reply(toast=plain(self._ext(chat, "state", request=request, at=at)))
        try:
            ext.check_decision(request, obligation, approve=kind == "extapprove")
        except ExtensionError as error:
            text = self._ext(chat, "refused", error=error, obligation=obligation)
            return Reply(toast=plain(text), alert=True)
        if kind == "extrefuse":
            outcome = "refuse_ask" if self.answers_by_reply else "refuse_command"
            text = self._ext(chat, outcome, request=request, obligation=obligation)
            return Reply(text, force_reply=self.answers_by_reply)
        try:
            ext.approve_extension(
                session, request, by=decider.name, via=self.channel, now=now,
                settings=self.settings, origin=self._origin(chat, decider),
            )  # fmt: skip
        except NhacviecError as error:  # the workflows cannot be read now: nothing written
            return Reply(toast=plain(str(error)), alert=True)
        text = self._ext(chat, "approved", request=request, obligation=obligation,
                         actor=decider.name, at=self.replies.when(now))  # fmt: skip
        return Reply(toast=plain(text), keyboard=self._decided(chat, request), changed=True)

    def _refuse(self, session: Session, chat: _Chat, ref: str, reason: str, now: datetime) -> Reply:
        found = self._authorized_request(session, chat, ref, now, f"refuse GH{ref}", decide=True)
        if isinstance(found, str):
            return Reply(found)
        request, obligation, decider = found
        try:
            ext.refuse_extension(
                session, request, by=decider.name, via=self.channel, now=now,
                reason=reason, origin=self._origin(chat, decider),
            )  # fmt: skip
        except ExtensionError as error:
            return Reply(self._ext(chat, "refused", error=error, obligation=obligation))
        text = self._ext(chat, "refused_done", request=request, obligation=obligation,
                         actor=decider.name, at=self.replies.when(now))  # fmt: skip
        return Reply(text)

    def _authorized_request(
        self, session: Session, chat: _Chat, ref: str, now: datetime, attempted: str,
        *, decide: bool,
    ) -> tuple[ExtensionRequest, Obligation, Contact] | str:  # fmt: skip
        """The extension request ``ref`` names, its obligation and the contact acting for
        the chat, or the (recorded) refusal's text: to ``decide`` (approve, refuse) only
        the plan owner's contacts; to see its state, whoever may act on the obligation."""
        request = ext.request_by_ref(session, ref)
        if request is None:
            reason = "unknown extension request"
            self._record(session, chat, attempted, reason, now, None, chat.contacts[0])
            return self._ext(chat, "request_not_found", ref=ref)
        obligation = session.get(Obligation, request.obligation_id)
        assert obligation is not None
        if not decide:
            found = self._allowed(session, chat, "info", obligation, now, attempted)
            return found if isinstance(found, str) else (request, *found)
        owner = links.plan_owner(session, obligation)
        for contact in chat.contacts:
            if ext.may_decide(contact, owner):
                return request, obligation, contact
        reason = "only the plan owner's contacts decide on extensions"
        self._record(session, chat, attempted, reason, now, obligation, chat.contacts[0])
        return self._ext(chat, "not_owner", obligation=obligation)

    def _decided(self, chat: _Chat, request: ExtensionRequest) -> Rows:
        """The pressed request's buttons become who decided what, when."""
        at = self.replies.when(request.decided_at) if request.decided_at else ""
        macro = "approved_by" if request.state == "approved" else "refused_by"
        label = self.replies.label(chat.language, macro, request.decided_by or "?", at)
        return ((Button(label, f"extinfo:{request.id}"),),)

    def _snooze(self, session: Session, chat: _Chat, ref: str, now: datetime, data: str) -> Reply:
        obligation_ref, _, duration = ref.partition(":")
        found = self._authorized(session, chat, "snooze", obligation_ref, now, data)
        if isinstance(found, str):
            return Reply(toast=plain(found), alert=True)
        obligation, _ = found
        try:
            days = ext.parse_snooze(duration)
        except NhacviecError:
            return Reply()  # a button of another version
        owner = links.plan_owner(session, obligation)
        until = None
        for contact in chat.contacts:
            if contact.agency_id not in (obligation.agency_id, owner):
                continue
            try:
                until = ext.snooze(
                    session, obligation, contact, days=days, now=now, calendar=self.calendar,
                    by=contact.name, via=self.channel, origin=self._origin(chat, contact),
                ).until  # fmt: skip
            except ExtensionError as error:
                self._record(session, chat, data, str(error), now, obligation, contact)
                text = self._ext(chat, "refused", error=error, obligation=obligation)
                return Reply(toast=plain(text), alert=True)
        assert until is not None  # _authorized found one contact at least
        text = self._ext(chat, "snoozed", obligation=obligation, until=self.replies.when(until))
        return Reply(toast=plain(text))

    @cached_property
    def calendar(self) -> WorkCalendar:
        from engine.workflow.calendar import WorkCalendar

        return WorkCalendar.from_settings(self.settings)

    def _refused(
        self, session: Session, chat: _Chat, obligation: Obligation, contact: Contact,
        attempted: str, reason: str,
    ) -> str:  # fmt: skip
        self._record(session, chat, attempted, reason, now=self.now(), obligation=obligation,
                     contact=contact)  # fmt: skip
        return self._ext(chat, "not_allowed", obligation=obligation, agency=obligation.agency.name)

    def _record(
        self, session: Session, chat: _Chat, attempted: str, reason: str, now: datetime,
        obligation: Obligation | None, contact: Contact | None,
    ) -> None:  # fmt: skip
        links.record_refusal(
            session, chat_id=chat.sender.chat_id, channel=self.channel, attempted=attempted,
            reason=reason, now=now,
            obligation=obligation, contact=contact, user=chat.sender.user,
        )  # fmt: skip

    def _ext(self, chat: _Chat, outcome: str, **context: Any) -> str:
        return self._render(chat, "extension", outcome=outcome, **context)

    # ------------------------------------------------------------------ helpers

    def _chat(self, session: Session, sender: Sender) -> _Chat:
        contacts = links.linked_contacts(session, self.channel, str(sender.chat_id))
        ids = {c.agency_id for c in contacts}
        rows = session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids)))
        names = {agency_id: name for agency_id, name in rows}
        agencies = {c.agency_id: names[c.agency_id] for c in contacts}
        return _Chat(sender, contacts, agencies)

    def _not_linked(
        self, session: Session, chat: _Chat, attempted: str, now: datetime,
        named: Sequence[str] = (),
    ) -> Reply:  # fmt: skip
        """Refuse (and record) anything from an unlinked chat; ``named`` is the obligation
        number it named, if any, so that the refusal shows in that obligation's history."""
        obligation = _get(session, named[0].partition(":")[0]) if named else None
        links.record_refusal(
            session,
            chat_id=chat.sender.chat_id,
            channel=self.channel,
            attempted=attempted,
            reason="the chat is not linked to a contact",
            now=now,
            obligation=obligation,
            user=chat.sender.user,
        )
        return Reply(self.replies.render("vi", "not_linked", {}))

    def _group(
        self, session: Session, agency_id: int, name: str, today: Any, overdue_only: bool
    ) -> dict[str, Any]:
        where = [
            Obligation.agency_id == agency_id,
            Obligation.status.in_(OPEN),
            Obligation.cancelled_at.is_(None),
            Obligation.tracked.is_(True),
        ]
        if overdue_only:
            where.append(Obligation.due_on < today)
        total = session.scalar(select(func.count()).select_from(Obligation).where(*where)) or 0
        rows = session.scalars(
            select(Obligation)
            .where(*where)
            .order_by(Obligation.due_on, Obligation.id)
            .limit(LIST_LIMIT)
        )
        items = [
            {
                "id": o.id,
                "title": o.title,
                "period": o.period_label,
                "due_on": o.due_on,
                "status": o.status,
                "days_late": max(0, (today - o.due_on).days),
            }
            for o in rows
        ]
        return {"agency": name, "rows": items, "total": total, "more": max(0, total - len(items))}

    def _render(self, chat: _Chat, name: str, **context: Any) -> str:
        context.setdefault("bilingual", not chat.linked)
        context.setdefault("note", None)
        context.setdefault(
            "contacts",
            [{"name": c.name, "agency": chat.agencies.get(c.agency_id, "")} for c in chat.contacts],
        )
        return self.replies.render(chat.language, name, context)


def _request_obligation(session: Session, ref: str) -> list[str]:
    """The obligation number of the request ``ref`` names (as a list: none or one)."""
    request = ext.request_by_ref(session, ref)
    return [] if request is None else [str(request.obligation_id)]


def _get(session: Session, ref: str) -> Obligation | None:
    number = parse_id(ref)
    return None if number is None else session.get(Obligation, number)
