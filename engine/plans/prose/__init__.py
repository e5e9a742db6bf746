"""Tasks written in the body of a document rather than in a table.

Real plans and công văn often assign their tasks in prose: lettered, numbered,
parenthesised or dashed items ("a) Chủ trì, phối hợp với … trình Chính phủ trong quý
III năm 2012"), label lines after each item ("Đơn vị chủ trì: …", "Thời gian thực hiện:
…"), agency headings whose items are that agency's tasks ("1. Sở Tài chính:"), or one
sentence ("Giao Sở Công Thương chủ trì … trước ngày 15/9/2025").

    document lines ──outline──► items in levels, labels attached (``outline``)
                   ──shapes──►  drafts: label blocks, else agency headings and
                                assignment sentences (``shapes``, ``agents``)
                   ──build──►   PlanTask, read_from "text" (``build``, ``when``)

``read_prose`` is what the importer calls when the document has no task table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.agencies import AgencyMatcher
from engine.plans.document import Document, Line
from engine.plans.model import PlanTask, Warning_
from engine.plans.prose.build import ProseBuilder
from engine.plans.prose.outline import outline
from engine.plans.prose.shapes import assignment_tasks, count_labelled, label_tasks
from engine.plans.prose.when import Parse

__all__ = ["ProseTasks", "read_prose"]


# "(Có Phụ lục Danh mục các nhiệm vụ kèm theo)", "Chi tiết các nhiệm vụ … tại Phụ lục
# kèm theo": the tasks are in an appendix, and the text around them is not the list.
_TASK_APPENDIX = re.compile(
    r"(?:nhiệm vụ[^.;()]{0,80}\b(?:tại|theo|trong)\s+phụ lục|phụ lục[^.;()]{0,40}\bnhiệm vụ)"
    r"[^.;]{0,80}\b(?:kèm theo|đính kèm)",
    re.IGNORECASE,
)


@dataclass
class ProseTasks:
    tasks: list[PlanTask]
    warnings: list[Warning_]
    unmatched: dict[str, list[int]]
    items_read: int
    appendix_reference: Line | None = None  # the line that puts the tasks in an appendix


def appendix_reference(doc: Document) -> Line | None:
    """The line saying the tasks are listed in an appendix, if the body has one."""
    return next((line for line in doc.lines if _TASK_APPENDIX.search(line.text)), None)


def read_prose(
    doc: Document,
    matcher: AgencyMatcher,
    jurisdiction: str | None,
    period: tuple[int, int],
    parse: Parse,
) -> ProseTasks:
    """The tasks the body's text assigns: none when it assigns none, or when it says
    its tasks are in an appendix (which, if the importer is here, the file lacks)."""
    reference = appendix_reference(doc)
    if reference is not None:
        return ProseTasks([], [], {}, 0, reference)
    root = outline(doc.lines)
    labelled = count_labelled(root) >= 2
    drafts = label_tasks(root) if labelled else assignment_tasks(root)
    drafts.sort(key=lambda draft: draft.first)
    builder = ProseBuilder(doc, matcher, jurisdiction, period, parse)
    tasks = builder.build(drafts)
    return ProseTasks(tasks, builder.warnings, builder.unmatched, len(drafts))
