"""The shapes task lists take in the body, read into drafts of tasks.

Three shapes, from the most explicit to the least:

1. **Label blocks** (a plan's "Nhiệm vụ, giải pháp" without a table): items followed by
   label lines for the lead, the coordinators and the time. One block of labels is one
   task: the items since the previous block are its text (two dashes before one block
   are one task); an item that carries the labels itself is the task; an item of the
   same list without labels is a task without them. When a document has such blocks,
   they are its tasks: the sentences of "Tổ chức thực hiện" are then the agencies'
   general duties, which the body reader keeps.
2. **Agency headings** ("1. Bộ Kế hoạch và Đầu tư:", "2. Giao Sở Xây dựng"): each item
   under the heading is a task of that agency, its own sub-items being part of it; a
   heading with only paragraphs under it is one task.
3. **Assignment sentences**: an item that opens with the agency ("Sở X chủ trì, phối hợp
   với Y …", "Giao …", "Đề nghị …"), or an item of a list whose introduction addresses
   an agency ("… kính đề nghị Ủy ban nhân dân các tỉnh …, cụ thể như sau:"); outside a
   list, a paragraph only when it assigns in so many words ("Giao Sở X chủ trì …").

What is never a task: an item without an agency of its own, of its heading or of its
introduction; a topic ("Về …"), whose items are looked at instead; an introduction
ending in a colon; and the closing clauses of the genre ("… chịu trách nhiệm thi hành
Quyết định này", "… tổ chức thực hiện./.", "Trong quá trình thực hiện, nếu có khó
khăn, vướng mắc …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.plans.document import Line
from engine.plans.prose import agents
from engine.plans.prose.labels import Label, read_label
from engine.plans.prose.outline import Node
from engine.plans.text import fold

_DOC = (
    r"(?:chỉ thị|quyết định|kế hoạch|công văn|thông báo|nghị quyết|văn bản|chương trình"
    r"|thông tư|nghị định|quy chế|quy định|đề án)"
)
_CLOSING = [
    re.compile(rf"\b(?:thực hiện|thi hành|triển khai)\b[^.;]{{0,40}}\b{_DOC}\s+này\b", re.I),
    re.compile(r"\b(?:các\s+)?nội dung (?:đã\s+)?nêu trên\b", re.IGNORECASE),
    # "Giao UBND tổ chức thực hiện Nghị quyết.", "… giám sát việc thực hiện Nghị quyết"
    re.compile(rf"\bthực hiện\s+{_DOC}(?:\s+này)?\s*[./;]*\s*$", re.IGNORECASE),
    re.compile(rf"\bgiám sát\s+(?:việc\s+)?(?:tổ chức\s+)?thực hiện\s+{_DOC}(?:\s+này|\W*$)", re.I),
    # "căn cứ Chương trình, triển khai thực hiện": carry out the attached document
    re.compile(rf"\bcăn cứ\s+(?:nội dung\s+)?{_DOC}\W{{0,3}}(?:\w+\s+){{0,3}}thực hiện\b", re.I),
    re.compile(r"^(?:trong\s+)?quá trình (?:tổ chức\s+)?(?:triển khai\s+)?thực hiện\b", re.I),
]
_ENDS_EXECUTION = re.compile(
    r"\b(?:tổ chức|triển khai|nghiêm túc|khẩn trương|biết,?)\s+thực hiện\W*$", re.IGNORECASE
)
_TOPIC = re.compile(r"^về\s+", re.IGNORECASE)
_SECTION = re.compile(
    r"^(?:tổ chức thực hiện|kinh phí|mục đích|yêu cầu|mục tiêu|quan điểm|nội dung"
    r"|nhiệm vụ|giải pháp|hiệu lực|chế độ báo cáo|trách nhiệm)\b",
    re.IGNORECASE,
)
# Sections that state purposes, requirements or targets: nothing under them is a task.
_PURPOSE = re.compile(
    r"^(?:mục đích|yêu cầu|mục tiêu|quan điểm|sự cần thiết|căn cứ|kết quả đạt được"
    r"|đối tượng áp dụng|phạm vi điều chỉnh|giải thích từ ngữ)\b",
    re.IGNORECASE,
)
_FORM = re.compile(r"\.{4,}|…{2,}")  # the dotted blanks of a form
# The fields of an administrative procedure as a decision publishes it ("Cơ quan giải
# quyết thủ tục hành chính: …", "Trình tự thực hiện: …"): descriptions, not assignments.
_FIELD = re.compile(
    r"^(?:trình tự|cách thức|thành phần|số lượng|thời hạn giải quyết|đối tượng thực hiện"
    r"|cơ quan (?:thực hiện|giải quyết|có thẩm quyền|được ủy quyền|phối hợp)|kết quả"
    r"|lệ phí|phí|tên mẫu|yêu cầu, điều kiện|căn cứ pháp lý)\b[^:]{0,60}:",
    re.IGNORECASE,
)
# What happened, not what to do: "Ngày 16/6/2025, Quốc hội đã thông qua …"
_NARRATIVE = re.compile(r"^ngày\s+\d|\sđã\s", re.IGNORECASE)
_GIVES = re.compile(r"^(?:chủ trì|có trách nhiệm|chịu trách nhiệm)\b", re.IGNORECASE)
_GIAO = re.compile(r"^(?:giao|đề nghị)\s+", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"^(?:hoạt động|nhiệm vụ|công việc|nội dung)\s*(?:\d{1,2}|[IVX]+)?\s*[.:]?\s*$", re.I
)
_CHAIRS = re.compile(r"^(?:khẩn trương\s+|chủ động\s+)?(?:chủ trì|phối hợp)\b", re.IGNORECASE)


@dataclass
class Draft:
    """A task as found in the text, before its agencies and window are read."""

    shape: str
    number: str | None
    path: list[str]
    title: str
    content: str
    lines: list[Line]
    lead: str | None = None  # the agencies in charge, as printed
    coordinators: str = ""
    time: list[str] = field(default_factory=list)  # the values of time labels
    section: str | None = None
    lead_from: str = ""  # where the lead was read: label, heading, sentence, addressee

    @property
    def first(self) -> int:
        return min(line.number for line in self.lines)

    @property
    def last(self) -> int:
        return max(line.number for line in self.lines)


def first_sentence(text: str) -> str:
    match = re.search(r"(?<=[^\d\s][.;])\s+(?=[A-ZĐÀ-Ỹ])", text)
    return text[: match.start()] if match else text


def is_closing(text: str) -> bool:
    """One of the genre's closing clauses, not a task."""
    if any(p.search(text) for p in _CLOSING):
        return True
    return bool(_ENDS_EXECUTION.search(first_sentence(text)))


def path_of(node: Node) -> list[str]:
    """The numbers from the outermost numbered item to ``node`` (dashes counted)."""
    out: list[str] = []
    current: Node | None = node
    while current is not None and current.kind != "root":
        if current.kind == "roman":
            break
        if current.number:
            number = current.number.strip("()")
            if out and out[-1].startswith(number + "."):
                pass  # "3.1" under "3": the number already says it
            else:
                out.append(number)
        elif current.parent is not None:
            same = [c for c in current.parent.children if c.kind == current.kind]
            out.append(f"{current.kind[0]}{same.index(current) + 1}")
        current = current.parent
    return list(reversed(out))


def section_of(node: Node) -> str | None:
    current = node.parent
    while current is not None and current.kind != "root":
        if current.kind in ("roman", "decimal", "article") and current.text:
            return current.text.rstrip(" :")[:120]
        current = current.parent
    return None


def _draft(node: Node, shape: str, **fields: object) -> Draft:
    number = node.number or (node.parent.number if node.parent else None)
    draft = Draft(
        shape=shape,
        number=number,
        path=path_of(node),
        title=node.own_text(),
        content=node.full_text(),
        lines=node.lines(),
        section=section_of(node),
    )
    for name, value in fields.items():
        setattr(draft, name, value)
    return draft


# Labels inside the item's own sentence: "a) Rà soát … (Cơ quan chủ trì: Sở Tư pháp;
# thời gian: Quý II/2026)", "- Tổng hợp kết quả … Thời gian hoàn thành: Trước ngày …".
_INLINE = re.compile(
    r"(?P<name>(?:đơn vị|cơ quan)\s+(?:chủ trì|thực hiện|phối hợp)[^:;()]{0,40}"
    r"|thời gian(?:\s+(?:thực hiện|hoàn thành))?|thời hạn(?:\s+hoàn thành)?|tiến độ)\s*:\s*",
    re.IGNORECASE,
)


@dataclass
class Inline:
    lead: str | None = None
    coordinators: str = ""
    time: list[str] = field(default_factory=list)


def inline_labels(text: str) -> Inline:
    found = Inline()
    matches = list(_INLINE.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = re.split(r"\)|\.\s", text[match.end() : end])[0].strip(" .;,")
        name = fold(match.group("name"))
        if not value:
            continue
        if name.startswith(("thoi", "tien")):
            found.time.append(value)
        elif "phoi hop" in name:
            found.coordinators = value
        else:
            found.lead = value
    return found


def _with_inline(draft: Draft, text: str) -> Draft:
    found = inline_labels(text)
    if found.lead:
        draft.lead, draft.lead_from = found.lead, "label"
    if found.coordinators:
        draft.coordinators = found.coordinators
    if found.time and not draft.time:
        draft.time = found.time
    return draft


# -- 1. label blocks ------------------------------------------------------------------


def count_labelled(node: Node) -> int:
    own = 1 if any(label.role in ("lead", "time") for label in node.labels) else 0
    return own + sum(count_labelled(child) for child in node.children)


def label_tasks(node: Node) -> list[Draft]:
    """The label blocks under ``node`` (see the module docstring)."""
    out: list[Draft] = []
    blocks: list[tuple[list[Node], Node]] = []
    pending: list[Node] = []
    for child in node.children:
        if child.labels:
            blocks.append(([*pending, child], child))
            pending = []
        elif child.has_labels_below():
            out.extend(_leaves(pending, {b.level for _, b in blocks}))
            pending = []
            out.extend(label_tasks(child))
        else:
            pending.append(child)
    single = len(blocks) == 1 and not pending and len(blocks[0][0]) == len(node.children)
    if single and node.kind not in ("root", "roman") and not node.labels:
        # one block under a heading: the heading is the task, its items its text
        return [_apply_labels(_draft(node, "label"), blocks[0][1].labels)]
    for items, holder in blocks:
        out.append(_labelled(items[0], holder.labels, items))
    if blocks:  # unlabelled items beside labelled ones (not headings beside sections)
        out.extend(_leaves(pending, {holder.level for _, holder in blocks}))
    return out


def _leaves(nodes: list[Node], levels: set[str]) -> list[Draft]:
    """Items of a labelled list that have no labels of their own: tasks without them,
    when they are items of the same level as the labelled ones (not a decision's
    articles beside its plan's items) and not a closing clause."""
    return [
        _draft(n, "label")
        for n in nodes
        if not n.children
        and n.kind != "dash"
        and n.level in levels
        and not is_closing(n.own_text())
        and not _PURPOSE.match(n.text)
    ]


def _labelled(first: Node, labels: list[Label], items: list[Node]) -> Draft:
    draft = _draft(first, "label")
    if len(items) > 1:
        draft.content = "\n".join(item.full_text() for item in items)
        draft.lines = [line for item in items for line in item.lines()]
    if first.kind == "dash" and first.parent is not None:
        draft.number = first.parent.number
    return _apply_labels(draft, labels, first)


def _inherited(node: Node) -> tuple[str, str] | None:
    """A lead for a labelled item whose labels name none: the agency its own sentence
    opens with, else the agency heading it is under."""
    found = agents.subject(node.own_text())
    if found is not None:
        return found[0], "sentence"
    current = node.parent
    while current is not None and current.kind != "root":
        heading = agents.agency_heading(current.text)
        if heading is not None:
            return heading, "heading"
        current = current.parent
    return None


def _lead_value(value: str) -> tuple[str, str]:
    """(lead, coordinators) of a lead label's value: "Sở Nội vụ chủ trì, phối hợp với
    các sở, ngành …" is Sở Nội vụ, with the agencies after "phối hợp với"."""
    found = agents.subject(value)
    if found is None or not _CHAIRS.match(found[1]):
        return value, ""
    return found[0], agents.coordinators(first_sentence(found[1]))


def _sub_item_leads(node: Node) -> list[tuple[str, str]]:
    """An empty "Cơ quan thực hiện:" followed by one item per agency ("+ Sở Văn hóa và
    Thể thao chủ trì, …", "+ Sở Xây dựng đăng tải …"): those agencies."""
    out = []
    for child in node.children:
        if child.kind in ("plus", "dash") and (found := agents.subject(child.own_text())):
            out.append((found[0], agents.coordinators(first_sentence(found[1]))))
    return out


def _apply_labels(draft: Draft, labels: list[Label], node: Node | None = None) -> Draft:
    values = [_lead_value(label.value) for label in labels if label.role == "lead"]
    if values and not any(lead for lead, _ in values) and node is not None:
        values = _sub_item_leads(node)
    leads = [lead for lead, _ in values if lead]
    draft.lead = "; ".join(leads) if leads else None
    draft.lead_from = "label" if leads else ""
    if not leads and node is not None and (inherited := _inherited(node)) is not None:
        draft.lead, draft.lead_from = inherited
    chairs = [coordinators for _, coordinators in values if coordinators]
    draft.coordinators = "; ".join(
        [*chairs, *(lb.value for lb in labels if lb.role == "coordinators")]
    )
    draft.time = [label.value for label in labels if label.role == "time"]
    extra = [label.value for label in labels if label.role == "content"]
    if extra:
        draft.content = "\n".join([draft.content, *extra])
        if _PLACEHOLDER.match(draft.title) and extra[0]:
            # "a) Hoạt động 1" then "- Nội dung: Triển khai …": the content says what it is
            draft.title = f"{draft.title.rstrip(' .:')}: {extra[0]}"
    lines = {line.number for line in draft.lines}
    draft.lines += [Line(lb.line, lb.value) for lb in labels if lb.line not in lines]
    return draft


# -- 2 and 3. agency headings and assignment sentences -----------------------------


def assignment_tasks(root: Node) -> list[Draft]:
    out = _paragraph_tasks(root.paras, root, introduced=False)
    _walk(root, _intro(root), out)
    return out


def _paragraph_tasks(
    paras: list[Line], parent: Node, *, introduced: bool, block: bool = False
) -> list[Draft]:
    """Paragraphs outside any list that assign in so many words ("Giao Sở X chủ trì",
    "Sở X có trách nhiệm"), or open with the agency right after an introduction ("…
    Phó Thủ tướng có ý kiến như sau:"). With ``block`` the introduction is a heading
    ("3. Về kiến nghị đầu tư tuyến cao tốc:") and introduces all its paragraphs."""
    out: list[Draft] = []
    for lines in unwrapped(paras, parent.follows):
        text = " ".join(line.text.strip() for line in lines)
        found = agents.subject(text)
        after_intro = introduced
        if not block:
            introduced = text.endswith(":")
        if found is None or text.endswith(":") or is_closing(text):
            continue
        if _GIAO.match(text) or _GIVES.match(found[1]) or after_intro:
            out.append(_paragraph(lines, text, found[0]))
    return out


# A sentence goes on past the end of its line (the hard wrap of a PDF's text layer or a
# plain-text copy) when the line stops without closing punctuation and the next one goes
# on in lower case, or the line stops on a word no sentence ends with ("… đề nghị" /
# "Ủy ban nhân dân các tỉnh …").
_OPEN_END = re.compile(r"[^.;:!?…]$")
_HANGING = re.compile(
    r"(?:,|\b(?:của|và|với|cho|các|về|tại|đề nghị|giao|để|theo|trên|thuộc|là|có|được"
    r"|trong|đến|từ|hoặc|cùng|như|gồm|những|đối với|phối hợp|chủ trì))$",
    re.IGNORECASE,
)


def _continues(last: Line, line: Line) -> bool:
    before, text = last.text.strip(), line.text.strip()
    if _OPEN_END.search(before) is None:
        return False
    return text[:1].islower() or _HANGING.search(before) is not None


def unwrapped(paras: list[Line], follows: set[int]) -> list[list[Line]]:
    """Consecutive paragraph lines grouped into the paragraphs they were wrapped from: a
    line continues the one printed right before it (``follows``: nothing in between)
    when that one ends without closing punctuation and this one goes on in lower case,
    or that one hangs on a word no sentence ends with."""
    groups: list[list[Line]] = []
    for line in paras:
        if groups and line.number in follows and _continues(groups[-1][-1], line):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _paragraph(lines: list[Line], text: str, lead: str) -> Draft:
    return Draft(
        shape="sentence",
        number=None,
        path=[],
        title=text,
        content=text,
        lines=lines,
        lead=lead,
        coordinators=agents.coordinators(first_sentence(text)),
        lead_from="sentence",
    )


def _intro(node: Node) -> str | None:
    """The addressee of the paragraph that introduces ``node``'s items."""
    texts = [node.own_text()] if node.kind != "root" else []
    if node.kind == "root":
        first_item = node.children[0].first if node.children else None
        before = [p for p in node.paras if first_item is None or p.number < first_item]
        last = unwrapped(before, node.follows)[-1] if before else []
        texts = [" ".join(p.text.strip() for p in last)] if last else []
    for text in reversed(texts):
        if text.rstrip().endswith(":"):
            return agents.addressee(text)
    return None


def _walk(node: Node, context: str | None, out: list[Draft]) -> None:
    for child in node.children:
        own = child.own_text()
        heading = agents.agency_heading(child.text) if (child.children or child.paras) else None
        if heading is not None:
            out.extend(_heading_tasks(child, heading))
        elif _PURPOSE.match(child.text) and child.kind != "article":
            continue
        elif _TOPIC.match(child.text) and (draft := _topic_assignment(child)) is not None:
            out.append(draft)  # "2. Về dự án …: Bộ Xây dựng khẩn trương rà soát …"
            _walk(child, context, out)
        elif _TOPIC.match(child.text) or _SECTION.match(child.text):
            if _TOPIC.match(child.text) and child.paras:
                # "1. Về kiến nghị …:" then "Giao Bộ Tài chính …", "Bộ Xây dựng khẩn trương …"
                introduced = child.text.rstrip().endswith(":")
                out.extend(_paragraph_tasks(child.paras, child, introduced=introduced,
                                            block=True))  # fmt: skip
            _walk(child, context if _TOPIC.match(child.text) else None, out)
        elif not child.children and child.paras and child.text.rstrip().endswith(":"):
            out.extend(_paragraph_tasks(child.paras, child, introduced=True))
        elif child.children and own.rstrip().endswith(":"):
            opens = agents.subject(own)  # "1. Sở Tài chính có trách nhiệm:" and its items
            _walk(child, _intro(child) or (opens[0] if opens else None) or context, out)
        elif is_closing(own) or _FORM.search(own) or _is_field(child.text):
            # a closing clause, a form to fill in, a field ("Cơ quan thực hiện: …")
            if child.children and not _FORM.search(own):
                _walk(child, None, out)
        elif (found := agents.subject(own)) is not None:
            coordinators = agents.coordinators(first_sentence(found[1]))
            draft = _draft(child, "sentence", lead=found[0], coordinators=coordinators,
                           lead_from="sentence")  # fmt: skip
            out.append(_with_inline(draft, own))
        elif inline_labels(own).lead:
            out.append(_with_inline(_draft(child, "label"), own))
        elif context is not None and not _NARRATIVE.search(first_sentence(own)):
            coordinators = agents.coordinators(first_sentence(own))
            draft = _draft(child, "addressee", lead=context, coordinators=coordinators,
                           lead_from="addressee")  # fmt: skip
            out.append(_with_inline(draft, own))
        elif child.children:
            _walk(child, None, out)


def _topic_assignment(node: Node) -> Draft | None:
    """A topic under the requests a conclusion answers that assigns after its colon, on
    the same line ("1. Về hỗ trợ kinh phí …: Giao Bộ Tài chính chủ trì, phối hợp với Bộ
    Y tế …", "2. Về dự án …: Bộ Xây dựng khẩn trương …"): the task of the agency the text
    after a colon opens with."""
    head, colon, _ = node.text.partition(":")
    if not colon or not node.text[len(head) + 1 :].strip():
        return None  # "3. Về kiến nghị …:" alone: its paragraphs are looked at
    if not _answers_requests(node):
        return None  # "Về những nội dung còn có ý kiến khác nhau": what was settled
    own = node.own_text()
    for colon_at in (m.start() for m in re.finditer(":", own)):
        rest = own[colon_at + 1 :].strip()  # "… 02 cấp: tăng số lượng …: giao Bộ Nội vụ …"
        if (found := agents.subject(rest)) is not None:
            break
    else:
        return None
    if is_closing(rest) or _NARRATIVE.search(first_sentence(rest)):
        return None
    coordinators = agents.coordinators(first_sentence(found[1]))
    draft = _draft(node, "sentence", lead=found[0], coordinators=coordinators,
                   lead_from="sentence")  # fmt: skip
    return _with_inline(draft, rest)


_REQUESTS = re.compile(r"\b(?:kiến nghị|đề nghị|đề xuất)\b", re.IGNORECASE)


def _answers_requests(node: Node) -> bool:
    """``node`` is under a heading of requests the document answers ("II. VỀ MỘT SỐ KIẾN
    NGHỊ CỦA TỈNH", "3. Về các đề xuất của Bộ"): its topics say who is to do what."""
    current = node.parent
    while current is not None and current.kind != "root":
        if _REQUESTS.search(current.text):
            return True
        current = current.parent
    return False


def _is_field(text: str) -> bool:
    return read_label(text, 0) is not None or bool(_FIELD.match(text))


def _heading_tasks(node: Node, agency: str) -> list[Draft]:
    out: list[Draft] = []
    generic = agents.is_generic(agency)
    for child in node.children:
        own = child.own_text()
        if is_closing(own):
            continue
        coordinators = agents.coordinators(first_sentence(own))
        lead, lead_from = agency, "heading"
        if generic and (found := agents.subject(own)) is not None:
            lead, lead_from = found[0], "sentence"  # "Giao các cơ quan, đơn vị:" then each
        draft = _draft(child, "heading", lead=lead, coordinators=coordinators,
                       lead_from=lead_from)  # fmt: skip
        out.append(_with_inline(draft, own))
    if not node.children and node.paras:
        text = " ".join(p.text for p in node.paras)
        if not is_closing(text):
            draft = _draft(node, "heading", lead=agency, lead_from="heading")
            draft.title = node.paras[0].text
            draft.content = "\n".join(p.text for p in node.paras)
            draft.coordinators = agents.coordinators(first_sentence(text))
            out.append(draft)
    return out
