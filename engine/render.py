"""From an outbox row to a channel ``Message``: Jinja2 templates and their context.

Templates live in ``[paths] templates``, one folder per language (``vi``, ``en``; the
contact's language, Vietnamese when the contact's is unknown or a template is missing in
it). An email reads ``T.subject.j2``, ``T.txt.j2`` and ``T.html.j2``; a Telegram message
``T.telegram.j2`` (and the subject, which ``simulate`` and the reports show). HTML and
Telegram templates are autoescaped, text and subject are not. A template that uses a
name its context lacks is an error (``StrictUndefined``), never a silently empty line.
Compiled templates are cached per folder for the life of the process.

What a row is about depends on ``Notification.kind``; ``KINDS`` maps each kind to the
class that renders its rows. A kind renderer is built per batch, ``prepare``s once with
every row of its kind in the batch (bulk queries: the tick's cost must grow with the
batch, not with the rows), may say a row that passed the tick's rules is ``withheld``
(it is cancelled; an optional method), then ``render``s each row. ``"obligation"`` is
the reminder and escalation kind, ``"digest"`` the weekly digest
(``engine.digest.messages``); their contexts are documented in ``templates/README.md``.

Rows carry hints from generation in ``Notification.payload``: ``when`` (``opens``,
``before``, ``on_due``, ``after``), ``ack`` (the stage's ``ack_link``: whether it asks
for acknowledgement) and ``letter`` (attach a formal reminder letter), read with
``engine.workflow.options``. Without them
``when`` is derived from the local sending date against the obligation's dates, and a
stage asks for acknowledgement when acknowledging stops it (``"acknowledged"`` in
``stop_on``). Only an obligation that is still ``open`` gets an acknowledgement link
(email) or buttons (Telegram: the keyboard of ``engine.bot.buttons.status_buttons``,
whose labels are in ``templates/*/bot/strings.j2``). An email to a contact of the agency
that owes an open or acknowledged obligation carries ``extend_url``, the page where it
asks for an extension. An email to a contact of that agency or of the plan's owner
about an open or acknowledged obligation carries ``done_url`` (the page where it is
recorded done, with the report number) and ``open_url`` (the obligation's page); to the
owner's contacts, with an extension request waiting, ``approve_url`` and
``pending_request`` (``.id``, ``.new_due_on``, ``.reason``, ``.requested_by``): the
escalation to the owner lets them act. An email of an escalation stage with ``letter`` carries the
stage's formal reminder letter (.docx, ``engine.letters.escalation_letters``: one letter
per obligation and stage, shared by its recipients and its retries).

Two more kinds come with extensions: ``snooze`` (the reminder a snooze brings back;
rendered as ``obligation``) and ``extension`` (an extension request to the plan owner,
or its decision to the agency; ``engine.extension_messages``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import jinja2

from engine.errors import NhacviecError, RenderError
from engine.i18n import _
from engine.workflow.options import StageOptions, when_of
from notifiers.base import Attachment, Button, Message, PermanentError
from notifiers.registry import CHANNELS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.acklinks import AckLinks
    from engine.config import Settings
    from engine.outbox import OutboxRow
    from engine.store.models import Letter

LANGUAGES = ("vi", "en")
EMAIL_PARTS = ("subject", "txt", "html")
T = TypeVar("T")


def vndate(value: date | datetime | None) -> str:
    """``19/06/2026``; an empty string for None."""
    return "" if value is None else value.strftime("%d/%m/%Y")


def ddmm(value: date | datetime | None) -> str:
    """``19/06``; an empty string for None."""
    return "" if value is None else value.strftime("%d/%m")


def pct(value: float | None) -> str:
    """A rate as a whole percentage (``14%``); ``—`` for None (nothing to judge yet)."""
    return "—" if value is None else f"{value:.0%}"


def fit(value: object, width: int, indent: int = 0) -> str:
    """``value`` padded to ``width`` characters for a plain-text column; a longer value
    keeps its own line and the row goes on at the next line, after ``indent + width``
    spaces (``indent``: where the value itself starts on its line)."""
    text = str(value)
    return text.ljust(width) if len(text) <= width else f"{text}\n{'':{indent + width}}"


class Templates:
    """One template folder, compiled once (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html.j2", "telegram.j2"), default=False
            ),
            undefined=jinja2.StrictUndefined,
            auto_reload=False,
            keep_trailing_newline=False,
        )
        self._env.filters["vndate"] = vndate
        self._env.filters["ddmm"] = ddmm
        self._env.filters["pct"] = pct
        self._env.filters["fit"] = fit
        self._cache: dict[str, jinja2.Template] = {}

    def scope(self, context: Mapping[str, Any]) -> Scope:
        """``context`` with the environment's globals, merged once for the several
        templates of one message (``render`` then shares it instead of copying it again
        for each: templates never write into it, their own ``set`` statements write into
        their own context)."""
        return Scope(self._env.globals, **context)

    def render(self, language: str, name: str, part: str, context: Mapping[str, Any]) -> str:
        """Render ``{language}/{name}.{part}.j2`` (Vietnamese if the language lacks it)."""
        template = self._template(language, f"{name}.{part}.j2")
        try:
            if type(context) is not Scope:
                return template.render(context)
            shared = template.new_context(context, shared=True)
            try:
                return "".join(template.root_render_func(shared))
            except Exception:
                self._env.handle_exception()  # as Template.render: raises, traceback mapped
        except jinja2.TemplateError as exc:
            raise RenderError(
                _("template {name}: {exc}").format(name=template.name, exc=exc)
            ) from exc

    def _template(self, language: str, filename: str) -> jinja2.Template:
        path = f"{language}/{filename}"
        template = self._cache.get(path)
        if template is not None:
            return template
        try:
            template = self._env.get_template(path)
        except jinja2.TemplateNotFound:
            if language == "vi":
                raise RenderError(
                    _("template {value} not found").format(value=self.folder / path)
                ) from None
            template = self._template("vi", filename)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(
                _("template {filename}:{lineno}: {message}").format(
                    filename=exc.filename, lineno=exc.lineno, message=exc.message
                )
            ) from exc
        self._cache[path] = template
        return template


class Scope(dict[str, Any]):
    """A message's template context merged with the globals (``Templates.scope``)."""


@lru_cache(maxsize=8)
def templates_for(folder: Path) -> Templates:
    """The compiled templates of ``folder``, shared by every tick of this process."""
    return Templates(folder)


@dataclass(frozen=True)
class Recipient:
    """The contact a row goes to, as delivery and rendering need it."""

    id: int
    agency_id: int
    name: str
    role: str
    addresses: dict[str, str]  # {channel: address} (``ContactAddress`` rows)
    language: str
    active: bool

    @property
    def lang(self) -> str:
        return self.language if self.language in LANGUAGES else "vi"

    def address(self, channel: str) -> str:
        """The contact's address on ``channel`` (an email address, a chat id), as text;
        ``PermanentError`` if there is none."""
        known = CHANNELS[channel]
        value = self.addresses.get(channel)
        if not known.has(value):
            raise PermanentError(f"contact {self.name!r} has no {known.address_name}")
        return str(value)


@dataclass(frozen=True)
class RenderEnv:
    """What every renderer of one batch shares: templates, zone, links, the instant."""

    templates: Templates
    zone: ZoneInfo
    links: AckLinks | None
    now: datetime
    settings: Settings | None = None  # letters need it; without it none is attached

    @classmethod
    def from_settings(cls, settings: Settings, now: datetime) -> RenderEnv:
        from engine.acklinks import AckLinks

        return cls(
            templates_for(settings.paths.templates),
            settings.time.zone,
            AckLinks.from_settings(settings),
            now,
            settings,
        )

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def headers(self) -> dict[str, str]:
        return {"Date": _date_header(self.now, self.zone)}


@lru_cache(maxsize=16)
def _date_header(now: datetime, zone: ZoneInfo) -> str:
    """The Date header of a pass (formatted once, not once per message)."""
    return format_datetime(now.astimezone(zone))


class KindRenderer(Protocol):
    """Renders the rows of one ``Notification.kind`` (see the module docstring)."""

    def prepare(self, session: Session, rows: Sequence[OutboxRow]) -> None:
        """Load, in a few queries, whatever ``render`` needs for these rows."""

    def render(self, row: OutboxRow, recipient: Recipient) -> Message:
        """The message of one prepared row; ``RenderError`` or ``PermanentError`` if none."""

    # Optional: ``withheld(row) -> str | None``, why a prepared row that the tick's rules
    # would send is cancelled instead (``engine.delivery.withhold``; the digests use it).


# ---- the "obligation" kind: reminders and escalations ------------------------------


@dataclass(frozen=True)
class ObligationView:
    id: int
    title: str
    period_label: str
    opens_on: date | None
    due_on: date
    original_due_on: date
    status: str
    role: str


@dataclass(frozen=True)
class AgencyView:
    name: str
    id: int | None = None


@dataclass(frozen=True)
class PlanView:
    number: str | None
    title: str
    key: str
    owner_id: int | None = None  # the agency that owns the plan


@dataclass(frozen=True)
class TaskView:
    number: str | None
    title: str
    window_text: str | None


@dataclass(frozen=True)
class StageView:
    name: str
    when: str
    escalation: bool


@dataclass(frozen=True)
class Subject:
    """Everything about one obligation that its messages show."""

    obligation: ObligationView
    agency: AgencyView
    plan: PlanView
    task: TaskView | None


class ObligationMessages:
    """The ``obligation`` kind: the context of ``templates/README.md``."""

    def __init__(self, env: RenderEnv) -> None:
        self.env = env
        self.subjects: dict[int, Subject] = {}
        self.letters: dict[int, Letter] = {}  # by notification id
        self.letter_error: str | None = None  # the letter template cannot be filled
        self.pending: dict[int, PendingView] = {}  # by obligation id

    def prepare(self, session: Session, rows: Sequence[OutboxRow]) -> None:
        wanted = {r.obligation_id for r in rows if r.obligation_id is not None}
        self.subjects.update(load_subjects(session, wanted - self.subjects.keys()))
        self.pending.update(load_pending(session, wanted))
        if self.env.settings is not None and any(wants_letter(r) for r in rows):
            from engine.letters import escalation_letters

            wanting = [r for r in rows if wants_letter(r)]
            try:
                made = escalation_letters(
                    session, wanting, settings=self.env.settings, now=self.env.now
                )
            except NhacviecError as error:  # the rows fail saying why, rather than wedge
                self.letter_error = str(error)
            else:
                self.letters.update(made)

    def render(self, row: OutboxRow, recipient: Recipient) -> Message:
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
        context = templates.scope(self.context(row, recipient, subject))
        language = recipient.lang
        to = recipient.address(row.channel)
        heading = subject_line(templates.render(language, row.template, "subject", context))
        body = render_body(templates, language, row.template, row.channel, context)
        # One Message built whole (not built, then copied with replace()): once per message.
        if body.html is None:
            return Message(row.key, row.channel, to, heading, body.text, None, recipient.name,
                           language, self._buttons(row, subject, language),
                           headers=self.env.headers())  # fmt: skip
        return Message(row.key, row.channel, to, heading, body.text, body.html, recipient.name,
                       language, attachments=self._attachments(row),
                       headers=self.env.headers())  # fmt: skip

    def context(self, row: OutboxRow, recipient: Recipient, subject: Subject) -> dict[str, Any]:
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

    def _ack_url(
        self, row: OutboxRow, recipient: Recipient, obligation: ObligationView
    ) -> str | None:
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

    def _buttons(
        self, row: OutboxRow, subject: Subject, language: str
    ) -> tuple[tuple[Button, ...], ...]:
        from engine.bot.buttons import status_buttons
        from engine.bot.replies import replies_for

        obligation = subject.obligation
        if obligation.status != "open":
            return ()
        replies = replies_for(self.env.templates.folder, self.env.zone.key)
        return status_buttons(
            replies, language, obligation.id, "open", None, escalation=row.escalation
        )

    def _attachments(self, row: OutboxRow) -> tuple[Attachment, ...]:
        from engine.letters import DOCX_MIME

        letter = self.letters.get(row.id)
        if letter is None:
            return ()
        return (Attachment(letter.filename, letter.content, DOCX_MIME),)


def asks_for_ack(row: OutboxRow) -> bool:
    """Whether the row's stage asks for acknowledgement (see the module docstring)."""
    return StageOptions.of(row.payload).asks_for_ack(row.stop_on)


def wants_letter(row: OutboxRow) -> bool:
    """An email of an escalation stage that asks for a formal reminder letter."""
    return row.escalation and not CHANNELS[row.channel].chat and StageOptions.of(row.payload).letter


def _when(row: OutboxRow, obligation: ObligationView, today: date) -> str:
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


@dataclass(frozen=True)
class Body:
    """A message's text, and its HTML alternative on a mail channel (None on a chat)."""

    text: str
    html: str | None = None


def render_body(
    templates: Templates, language: str, template: str, channel: str, context: Mapping[str, Any]
) -> Body:
    """The body of a message of ``channel`` from the template parts its registry entry
    names: a chat's one text (stripped), or a mail's text and HTML."""
    known = CHANNELS[channel]
    text = templates.render(language, template, known.text, context)
    if known.html is None:
        return Body(text.strip())
    return Body(text, templates.render(language, template, known.html, context))


SUBJECT_LIMIT = 120  # characters: what a mail list shows of a subject, with room to spare


def subject_line(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """A rendered subject as one line of at most ``limit`` characters. The templates put
    the agency and the due date first, so what a long title loses is its end, cut after
    a whole word and marked with "…"."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" –-:,;.") + "…"


def load_subjects(session: Session, ids: set[int]) -> dict[int, Subject]:
    """Obligation, agency, plan and task of each id, in one query per thousand ids."""
    from sqlalchemy import select

    from engine.store.models import Agency, Obligation, Plan, Task

    o, a, p, t = Obligation, Agency, Plan, Task
    query = (
        select(
            o.id, o.title, o.period_label, o.opens_on, o.due_on, o.original_due_on,
            o.status, o.role, a.name, p.number, p.title, p.key, t.id, t.number, t.title,
            t.window_text, a.id, p.owner_agency_id,
        )
        .join(a, a.id == o.agency_id)
        .join(p, p.id == o.plan_id)
        .outerjoin(t, t.id == o.task_id)
    )  # fmt: skip
    subjects: dict[int, Subject] = {}
    for chunk in chunked(sorted(ids), 1000):
        for r in session.execute(query.where(o.id.in_(chunk))):
            task = TaskView(r[13], r[14], r[15]) if r[12] is not None else None
            subjects[r[0]] = Subject(
                ObligationView(*r[0:8]),
                AgencyView(r[8], r[16]),
                PlanView(r[9], r[10], r[11], r[17]),
                task,
            )
    return subjects


@dataclass(frozen=True)
class PendingView:
    """An extension request waiting for the plan owner, as the owner's emails show it."""

    id: int
    new_due_on: date
    reason: str
    requested_by: str


def load_pending(session: Session, ids: set[int]) -> dict[int, PendingView]:
    """The pending extension request of each of these obligations that has one."""
    from sqlalchemy import select

    from engine.store.models import ExtensionRequest as R

    found: dict[int, PendingView] = {}
    for chunk in chunked(sorted(ids), 1000):
        query = select(R.obligation_id, R.id, R.new_due_on, R.reason, R.requested_by).where(
            R.obligation_id.in_(chunk), R.state == "pending"
        )
        for oid, rid, new_due_on, reason, by in session.execute(query):
            found[oid] = PendingView(rid, new_due_on, reason, by)
    return found


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _extension_messages(env: RenderEnv) -> KindRenderer:
    from engine.extension_messages import ExtensionMessages

    return ExtensionMessages(env)


def _digests(env: RenderEnv) -> KindRenderer:
    from engine.digest.messages import DigestMessages  # imports this module

    return DigestMessages(env)


KINDS: dict[str, Callable[[RenderEnv], KindRenderer]] = {
    "obligation": ObligationMessages,
    "snooze": ObligationMessages,  # engine.extensions: the reminder a snooze brings back
    "extension": _extension_messages,  # engine.extensions: requests and decisions
    "digest": _digests,
}
"""``Notification.kind`` → its renderer."""
