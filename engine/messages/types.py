"""The types every kind of message shares: templates, recipients, views, the hand-ins.

Nothing here reads the store: the store side (``engine.sources``) loads what a batch's
messages show (``Source``), makes the letters they attach (``Letters``) and brings the
chat buttons (``Buttons``) before anything is rendered, and hands them in.

Templates live in ``[paths] templates``, one folder per language (``vi``, ``en``; the
contact's language, Vietnamese when the contact's is unknown or a template is missing in
it). An email reads ``T.subject.j2``, ``T.txt.j2`` and ``T.html.j2``; a Telegram message
``T.telegram.j2`` (and the subject, which ``simulate`` and the reports show). HTML and
Telegram templates are autoescaped, text and subject are not. A template that uses a
name its context lacks is an error (``StrictUndefined``), never a silently empty line.
Compiled templates are cached per folder for the life of the process.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import jinja2

from engine.errors import RenderError
from engine.i18n import _
from notifiers.base import Button, Message, PermanentError
from notifiers.registry import CHANNELS

if TYPE_CHECKING:
    from engine.acklinks import AckLinks
    from engine.config import Settings
    from engine.digest.weeks import IsoWeek

LANGUAGES = ("vi", "en")
EMAIL_PARTS = ("subject", "txt", "html")


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
    buttons: Buttons | None = None  # a chat's buttons, handed in; without them none

    @classmethod
    def from_settings(
        cls, settings: Settings, now: datetime, buttons: Buttons | None = None
    ) -> RenderEnv:
        from engine.acklinks import AckLinks

        return cls(
            templates_for(settings.paths.templates),
            settings.time.zone,
            AckLinks.from_settings(settings),
            now,
            settings,
            buttons,
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


# ---- what is handed in -------------------------------------------------------------

ButtonRows = tuple[tuple[Button, ...], ...]


class Row(Protocol):
    """The columns of an outbox row that rendering reads (``engine.outbox.OutboxRow``)."""

    @property
    def id(self) -> int: ...
    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def obligation_id(self) -> int | None: ...
    @property
    def stage(self) -> str: ...
    @property
    def escalation(self) -> bool: ...
    @property
    def channel(self) -> str: ...
    @property
    def template(self) -> str: ...
    @property
    def stop_on(self) -> list[str]: ...
    @property
    def payload(self) -> dict[str, Any] | None: ...


class Buttons(Protocol):
    """A chat message's buttons, handed in by the caller (delivery: the bot's keyboards)."""

    def reminder(self, language: str, obligation_id: int, *, escalation: bool) -> ButtonRows:
        """Under a reminder or an escalation of an open obligation."""

    def decision(self, language: str, request_id: int) -> ButtonRows:
        """Under an extension request still waiting for the plan owner."""


class LetterFile(Protocol):
    """A formal reminder letter as a message attaches it (``engine.store.models.Letter``)."""

    @property
    def number(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def content(self) -> bytes: ...


@dataclass(frozen=True)
class Letters:
    """The letters made for a batch before it is rendered, by row id; ``error`` says
    why none could be made (the letter template cannot be filled)."""

    by_row: Mapping[int, LetterFile] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class RequestFacts:
    """An extension request as the store holds it (instants in UTC)."""

    id: int
    new_due_on: date
    reason: str
    requested_by: str
    requested_via: str
    requested_at: datetime | None
    state: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


class Source(Protocol):
    """What the kinds' renderers read, in a few queries per batch (the store side,
    ``engine.sources.StoreSource``, implements it)."""

    @property
    def letters(self) -> Letters:
        """The letters made for this batch before rendering (``engine.letters``)."""

    def subjects(self, ids: Collection[int]) -> dict[int, Subject]:
        """Obligation, agency, plan and task of each obligation id."""

    def pending(self, ids: Collection[int]) -> dict[int, PendingView]:
        """The pending extension request of each of these obligations that has one."""

    def requests(self, ids: Collection[int]) -> dict[int, RequestFacts]:
        """These extension requests, by id."""

    def digests(
        self, scope: str, week: IsoWeek, today: date, zone: ZoneInfo, ids: Collection[int]
    ) -> Mapping[int, object]:
        """The digests of ``scope`` (``agency``, ``owner``) of these agencies that have
        something to report on ``today`` (``engine.digest.content``)."""


class KindRenderer(Protocol):
    """Renders the rows of one ``Notification.kind`` (``engine.messages.kinds``)."""

    def prepare(self, source: Source, rows: Sequence[Row]) -> None:
        """Take from ``source``, in a few queries, whatever ``render`` needs for these rows."""

    def render(self, row: Row, recipient: Recipient) -> Message:
        """The message of one prepared row; ``RenderError`` or ``PermanentError`` if none."""

    # Optional: ``withheld(row) -> str | None``, why a prepared row that the tick's rules
    # would send is cancelled instead (``engine.delivery.withhold``; the digests use it).


# ---- what messages show ------------------------------------------------------------


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


@dataclass(frozen=True)
class PendingView:
    """An extension request waiting for the plan owner, as the owner's emails show it."""

    id: int
    new_due_on: date
    reason: str
    requested_by: str


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
