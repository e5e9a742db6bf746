"""The store side of messages: what ``engine.messages`` renders, loaded and made first.

Rendering reads nothing of the store (``engine.messages``); this module does it for
them, before anything is rendered, and hands it in:

- ``StoreSource``, the store's ``engine.messages.types.Source``: obligations with their
  agency, plan and task (``load_subjects``), pending extension requests
  (``load_pending``), extension requests (``load_requests``) and the weekly digests
  (``engine.digest.content``), each in a few queries per batch;
- ``make_letters``: the formal reminder letters of the batch's escalation emails that ask
  for one (``engine.letters.escalation_letters``: it writes ``Letter`` rows and, on
  PostgreSQL, takes the letters' advisory lock), made inside the caller's transaction;
- ``BotButtons``: a chat's keyboards (``engine.bot.buttons``), the labels from
  ``templates/*/bot/strings.j2``;
- ``render_env`` and ``prepare_renderers``: what delivery and ``simulate`` call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import NhacviecError
from engine.messages.kinds import KINDS
from engine.messages.obligation import ObligationMessages, wants_letter
from engine.messages.types import (
    AgencyView,
    ButtonRows,
    KindRenderer,
    Letters,
    ObligationView,
    PendingView,
    PlanView,
    RenderEnv,
    RequestFacts,
    Subject,
    TaskView,
)
from engine.util import chunked

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.digest.weeks import IsoWeek
    from engine.outbox import OutboxRow


class StoreSource:
    """What the renderers of one batch read, from ``session`` (``Source``)."""

    def __init__(self, session: Session, letters: Letters | None = None) -> None:
        self.session = session
        self._letters = letters or Letters()

    @property
    def letters(self) -> Letters:
        return self._letters

    def subjects(self, ids: Collection[int]) -> dict[int, Subject]:
        return load_subjects(self.session, set(ids))

    def pending(self, ids: Collection[int]) -> dict[int, PendingView]:
        return load_pending(self.session, set(ids))

    def requests(self, ids: Collection[int]) -> dict[int, RequestFacts]:
        return load_requests(self.session, set(ids))

    def digests(
        self, scope: str, week: IsoWeek, today: date, zone: ZoneInfo, ids: Collection[int]
    ) -> Mapping[int, object]:
        from engine.digest.content import agency_digests, owner_digests

        if scope == "agency":
            return agency_digests(self.session, week, today, ids)
        return owner_digests(self.session, week, today, zone, ids)


def load_subjects(session: Session, ids: set[int]) -> dict[int, Subject]:
    """Obligation, agency, plan and task of each id, in one query per thousand ids."""
    subjects: dict[int, Subject] = {}
    for chunk in chunked(sorted(ids), 1000):
        for r in session.execute(_subjects_query(), {"ids": chunk}):
            task = TaskView(r[13], r[14], r[15]) if r[12] is not None else None
            subjects[r[0]] = Subject(
                ObligationView(*r[0:8]),
                AgencyView(r[8], r[16]),
                PlanView(r[9], r[10], r[11], r[17]),
                task,
            )
    return subjects


@lru_cache(maxsize=1)
def _subjects_query() -> Any:
    """Built once, the ids an expanding parameter given at execution (as the outbox's
    loading queries: building it and coercing each id cost more than running it)."""
    from sqlalchemy import bindparam, select

    from engine.store.models import Agency, Obligation, Plan, Task

    o, a, p, t = Obligation, Agency, Plan, Task
    return (
        select(
            o.id, o.title, o.period_label, o.opens_on, o.due_on, o.original_due_on,
            o.status, o.role, a.name, p.number, p.title, p.key, t.id, t.number, t.title,
            t.window_text, a.id, p.owner_agency_id,
        )
        .join(a, a.id == o.agency_id)
        .join(p, p.id == o.plan_id)
        .outerjoin(t, t.id == o.task_id)
        .where(o.id.in_(bindparam("ids", expanding=True)))
    )  # fmt: skip


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


def load_requests(session: Session, ids: set[int]) -> dict[int, RequestFacts]:
    """These extension requests, by id."""
    from sqlalchemy import select

    from engine.store.models import ExtensionRequest

    found: dict[int, RequestFacts] = {}
    query = select(ExtensionRequest).where(ExtensionRequest.id.in_(sorted(ids)))
    for r in session.scalars(query):
        found[r.id] = RequestFacts(
            r.id, r.new_due_on, r.reason, r.requested_by, r.requested_via, r.requested_at,
            r.state, r.decided_by, r.decided_at, r.decision_note,
        )  # fmt: skip
    return found


def make_letters(
    session: Session, rows: Sequence[OutboxRow], *, settings: Settings | None, now: datetime
) -> Letters:
    """The letters the rows that ask for one attach (``wants_letter``), made or found now,
    before rendering; without settings none. A letter template that cannot be filled is
    not raised: the rows that want a letter fail saying why, rather than wedge the outbox."""
    from engine.letters import escalation_letters

    wanting = [r for r in rows if wants_letter(r)]
    if settings is None or not wanting:
        return Letters()
    try:
        made = escalation_letters(session, wanting, settings=settings, now=now)
    except NhacviecError as error:
        return Letters(error=str(error))
    return Letters(made)


class BotButtons:
    """``Buttons`` from the bot: a reminder's status keyboard, a request's decision."""

    def __init__(self, folder: Path, zone_name: str) -> None:
        self.folder, self.zone_name = folder, zone_name

    def reminder(self, language: str, obligation_id: int, *, escalation: bool) -> ButtonRows:
        from engine.bot.buttons import status_buttons
        from engine.bot.replies import replies_for

        replies = replies_for(self.folder, self.zone_name)
        return status_buttons(replies, language, obligation_id, "open", None, escalation=escalation)

    def decision(self, language: str, request_id: int) -> ButtonRows:
        from engine.bot.buttons import decision_buttons
        from engine.bot.replies import replies_for

        return decision_buttons(replies_for(self.folder, self.zone_name), language, request_id)


def render_env(settings: Settings, now: datetime) -> RenderEnv:
    """The ``RenderEnv`` of a pass at ``now``, with the bot's buttons handed in."""
    buttons = BotButtons(settings.paths.templates, settings.time.zone.key)
    return RenderEnv.from_settings(settings, now, buttons)


def prepare_renderers(
    session: Session, rows: Sequence[OutboxRow], env: RenderEnv
) -> dict[str, KindRenderer]:
    """The renderer of each kind among ``rows`` (``engine.messages.kinds.KINDS``),
    prepared from the store, the letters made first; a kind without one is left out."""
    by_kind: dict[str, list[OutboxRow]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    reminders = [r for r in rows if KINDS.get(r.kind) is ObligationMessages]  # letters' kind
    letters = make_letters(session, reminders, settings=env.settings, now=env.now)
    source = StoreSource(session, letters)
    renderers: dict[str, KindRenderer] = {}
    for kind, kind_rows in by_kind.items():
        if kind in KINDS:
            renderers[kind] = KINDS[kind](env)
            renderers[kind].prepare(source, kind_rows)
    return renderers
