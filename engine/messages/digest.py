"""The ``digest`` kind of outbox row: its content is computed when it is sent.

A digest row carries its week, scope (``agency``/``owner``) and agency in its payload.
At send time (``prepare``, once per batch, one computation per week and scope, read by
the store side: ``Source.digests``, ``engine.digest.content``) the digests are read as
of the local date of the tick; then a row is withheld (cancelled, not sent) when its
week is over or its agency has nothing to report any more, and rendered otherwise with
``templates/{vi,en}/digest_agency.*`` or ``digest_owner.*`` (context in
``templates/README.md``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine.digest.weeks import IsoWeek
from engine.errors import InputError, RenderError
from engine.i18n import _
from engine.messages.types import Recipient, RenderEnv, Row, Source, render_body, subject_line
from notifiers.base import Message

SCOPES = ("agency", "owner")


@dataclass(frozen=True)
class DigestRef:
    """What a digest row is about, read from its payload."""

    week: IsoWeek
    scope: str
    agency_id: int

    @classmethod
    def of(cls, row: Row) -> DigestRef:
        payload = row.payload or {}
        try:
            week = IsoWeek.parse(str(payload["week"]))
            scope, agency_id = str(payload["scope"]), int(payload["agency_id"])
        except (KeyError, TypeError, ValueError, InputError):
            raise RenderError(
                _(
                    "notification {key}: a digest row needs week, scope and agency_id in "
                    "its payload, got {payload!r}"
                ).format(key=row.key, payload=payload)
            ) from None
        if scope not in SCOPES:
            raise RenderError(
                _("notification {key}: unknown digest scope {scope!r}").format(
                    key=row.key, scope=scope
                )
            )
        return cls(week, scope, agency_id)


class DigestMessages:
    """Renders the digest rows of a batch (see the module docstring)."""

    def __init__(self, env: RenderEnv) -> None:
        self.env = env
        self.digests: dict[DigestRef, object] = {}

    def prepare(self, source: Source, rows: Sequence[Row]) -> None:
        today = self.env.today
        wanted: dict[tuple[str, IsoWeek], set[int]] = defaultdict(set)
        for row in rows:
            try:
                ref = DigestRef.of(row)
            except RenderError:
                continue  # render says what is wrong with it
            if ref.week.contains(today):
                wanted[(ref.scope, ref.week)].add(ref.agency_id)
        for (scope, week), ids in wanted.items():
            found = source.digests(scope, week, today, self.env.zone, ids)
            for agency_id, digest in found.items():
                self.digests[DigestRef(week, scope, agency_id)] = digest

    def withheld(self, row: Row) -> str | None:
        """Why the row is cancelled rather than sent: its week is over, or there is
        nothing to report any more (everything was done since the row was made)."""
        try:
            ref = DigestRef.of(row)
        except RenderError:
            return None
        if self.env.today > ref.week.sunday:
            return f"the week {ref.week.code} is over: a digest is never sent late"
        if ref not in self.digests:
            return "nothing to report any more"
        return None

    def render(self, row: Row, recipient: Recipient) -> Message:
        ref = DigestRef.of(row)
        digest = self.digests.get(ref)
        if digest is None:
            raise RenderError(
                _("notification {key}: its digest was not prepared").format(key=row.key)
            )
        return render_digest(self.env, row.key, row.channel, row.template, digest, recipient)


def render_digest(
    env: RenderEnv, key: str, channel: str, template: str, digest: object, recipient: Recipient
) -> Message:
    """The message of one digest (``engine.digest.content``: an ``AgencyDigest`` or an
    ``OwnerDigest``) to one recipient on one channel."""
    context: dict[str, Any] = {
        "digest": digest,
        "contact": recipient,
        "today": env.today,
        "channel": channel,  # how a reader marks a task done differs by channel
    }
    language = recipient.lang
    templates = env.templates
    message = Message(
        key=key,
        channel=channel,
        to=recipient.address(channel),
        subject=subject_line(templates.render(language, template, "subject", context)),
        text="",
        to_name=recipient.name,
        language=language,
        headers=env.headers(),
    )
    body = render_body(templates, language, template, channel, context)
    return replace(message, text=body.text, html=body.html)
