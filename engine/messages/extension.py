"""The ``extension`` kind: extension requests to the owner, decisions to the agency.

A row's ``payload`` is ``{"request": id, "event": requested|approved|refused}``
(``engine.extensions``). Templates ``extension.{subject,txt,html,telegram}.j2`` get the
obligation context of ``templates/README.md`` plus ``event`` and ``request`` (``.id``,
``.ref`` such as ``GH7``, ``.new_due_on``, ``.reason``, ``.requested_by``, ``.requested_at``
and ``.decided_at`` as local ``dd/mm/yyyy HH:MM``, ``.decided_by``, ``.decision_note``,
``.state``). A chat's request still pending carries "Đồng ý" / "Từ chối" buttons
(``Buttons.decision``, handed in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from engine.errors import RenderError
from engine.i18n import _
from engine.messages.types import (
    ButtonRows,
    Recipient,
    RenderEnv,
    RequestFacts,
    Row,
    Source,
    Subject,
    render_body,
    subject_line,
)
from notifiers.base import Message


@dataclass(frozen=True)
class RequestView:
    id: int
    new_due_on: date
    reason: str
    requested_by: str
    requested_via: str
    requested_at: str
    state: str
    decided_by: str | None
    decided_at: str | None
    decision_note: str | None

    @property
    def ref(self) -> str:
        return request_ref(self.id)


def request_ref(request_id: int) -> str:
    """How people see a request: ``GH7`` (gia hạn no. 7)."""
    return f"GH{request_id}"


class ExtensionMessages:
    """The ``extension`` kind (see the module docstring)."""

    def __init__(self, env: RenderEnv) -> None:
        self.env = env
        self.subjects: dict[int, Subject] = {}
        self.requests: dict[int, RequestView] = {}

    def prepare(self, source: Source, rows: Sequence[Row]) -> None:
        wanted = {r.obligation_id for r in rows if r.obligation_id is not None}
        self.subjects.update(source.subjects(wanted - self.subjects.keys()))
        ids = {_request_id(r) for r in rows} - {None} - self.requests.keys()
        for request in source.requests({i for i in ids if i is not None}).values():
            self.requests[request.id] = self._view(request)

    def _view(self, request: RequestFacts) -> RequestView:
        def local(instant: datetime | None) -> str | None:
            if instant is None:
                return None
            return instant.astimezone(self.env.zone).strftime("%d/%m/%Y %H:%M")

        return RequestView(
            request.id, request.new_due_on, request.reason, request.requested_by,
            request.requested_via, local(request.requested_at) or "", request.state,
            request.decided_by, local(request.decided_at), request.decision_note,
        )  # fmt: skip

    def render(self, row: Row, recipient: Recipient) -> Message:
        request = self.requests.get(_request_id(row) or 0)
        subject = self.subjects.get(row.obligation_id or 0)
        if request is None or subject is None:
            raise RenderError(
                _("notification {key}: its extension request is missing").format(key=row.key)
            )
        event = str((row.payload or {}).get("event", "requested"))
        context = {
            "obligation": subject.obligation, "agency": subject.agency, "plan": subject.plan,
            "task": subject.task, "contact": recipient, "event": event, "request": request,
            "today": self.env.today,
        }  # fmt: skip
        language, templates = recipient.lang, self.env.templates
        heading = subject_line(templates.render(language, row.template, "subject", context))
        message = Message(
            key=row.key, channel=row.channel, to=recipient.address(row.channel),
            subject=heading, text="", to_name=recipient.name,
            language=language, headers=self.env.headers(),
        )  # fmt: skip
        body = render_body(templates, language, row.template, row.channel, context)
        if body.html is None:
            return replace(message, text=body.text, buttons=self._buttons(event, request, language))
        return replace(message, text=body.text, html=body.html)

    def _buttons(self, event: str, request: RequestView, language: str) -> ButtonRows:
        buttons = self.env.buttons
        if buttons is None or event != "requested" or request.state != "pending":
            return ()
        return buttons.decision(language, request.id)


def _request_id(row: Row) -> int | None:
    value = (row.payload or {}).get("request")
    return value if isinstance(value, int) else None
