"""Drafts of prose tasks into ``PlanTask``s: keys, agencies, windows, where they are.

The key is the item's path of numbers ("1.a", "3.1.b"; dashes are counted, "2.d3"),
made unique as table keys are. The lead and coordinators go through the directory's
matcher (names outside it stay as printed, each named once in a warning by the
importer); the window is the time label's value where there is one, else the time
phrases of the task's own sentences (``when``). Every task says it was read from the
text, with its lines and page.
"""

from __future__ import annotations

import re
from datetime import date

from engine.agencies import AgencyMatcher
from engine.i18n import _
from engine.plans.document import Document
from engine.plans.model import Occurrence, PlanTask, TaskSource, Warning_
from engine.plans.prose import agents, when
from engine.plans.prose.shapes import Draft
from engine.plans.text import fold, squash

_TITLE_LIMIT = 400


class ProseBuilder:
    def __init__(
        self,
        doc: Document,
        matcher: AgencyMatcher,
        jurisdiction: str | None,
        period: tuple[int, int],
        parse: when.Parse,
    ):
        self.doc = doc
        self.matcher = matcher
        self.jurisdiction = jurisdiction
        self.period = period
        self.parse = parse
        self.warnings: list[Warning_] = []
        self.unmatched: dict[str, list[int]] = {}

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Warning_(line=line, message=message))

    def build(self, drafts: list[Draft]) -> list[PlanTask]:
        keys: list[str] = []
        tasks: list[PlanTask] = []
        for draft in drafts:
            key = self._key(draft, keys)
            keys.append(key)
            tasks.append(self._task(draft, key))
        return tasks

    def _key(self, draft: Draft, taken: list[str]) -> str:
        base = ".".join(draft.path) or str(len(taken) + 1)
        base = re.sub(r"[^A-Za-z0-9._-]", "-", _ascii(base)).strip("-.") or f"t{len(taken) + 1}"
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}-{n}"
        return key

    def _task(self, draft: Draft, key: str) -> PlanTask:
        lead = self._names(draft.lead or "", draft.first)
        if not lead:
            self.warn(
                draft.first,
                _("task {key} (read from the text) names no lead agency").format(key=key),
            )
        coordinators = [n for n in self._names(draft.coordinators, draft.first) if n not in lead]
        occurrences, window_text = self._window(draft, key)
        title = squash(draft.title)
        if len(title) > _TITLE_LIMIT:
            title = title[:_TITLE_LIMIT].rsplit(" ", 1)[0] + " …"
        where = self.doc.locate(draft.first, draft.last)
        return PlanTask(
            key=key,
            section=draft.section,
            number=draft.number,
            title=title,
            content=draft.content if squash(draft.content) != squash(draft.title) else None,
            lead=lead,
            coordinators=coordinators,
            window_text=window_text,
            occurrences=occurrences,
            source_lines=(draft.first, draft.last),
            source=TaskSource(read_from="text", page=where.page),
        )

    def _names(self, text: str, line: int) -> list[str]:
        names: list[str] = []
        for printed in agents.names_in(text):
            # a collective ("các sở, ngành có liên quan") is one name, commas and all
            collective = fold(printed).startswith("cac ") and ":" not in printed
            pieces = [printed] if collective else self.matcher.split(printed, self.jurisdiction)
            for piece in pieces:
                piece = piece.strip(" -–.")
                if not piece:
                    continue
                canonical, matched = self.matcher.canonical(piece, self.jurisdiction)
                if not matched:
                    self.unmatched.setdefault(canonical, []).append(line)
                if canonical not in names:
                    names.append(canonical)
        return names

    def _window(self, draft: Draft, key: str) -> tuple[list[Occurrence], str | None]:
        if draft.time:
            value = "; ".join(draft.time)
            found, reason = when.in_label(value, self.period, self.parse)
            if not found.occurrences:
                self.warn(
                    draft.first,
                    _(
                        "task {key}: the time '{value}' names no dates ({reason}); no occurrences"
                    ).format(key=key, value=value, reason=reason),
                )
                return [], value
            text = value
        else:
            found = when.in_sentence(draft.content, self.period, self.parse)
            if not found.occurrences:
                return [], None
            text = found.text or ""
            self.warn(
                draft.first,
                _(
                    "task {key}: the window '{window}' is read from the task's sentence: check it"
                ).format(key=key, window=text),
            )
        for note in found.notes:
            self.warn(draft.first, f"task {key}: {note}")
        start, end = date(self.period[0], 1, 1), date(self.period[1], 12, 31)
        if any(o.end < start or o.end > end for o in found.occurrences):
            self.warn(
                draft.first,
                _("task {key}: window '{window}' lies outside the plan period").format(
                    key=key, window=text
                ),
            )
        return found.occurrences, text


def _ascii(text: str) -> str:
    return text.replace("đ", "dd").replace("Đ", "DD")
