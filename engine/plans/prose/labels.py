"""Label lines: the agencies and the time of a task written as "label: value".

Plans without a table give each task its fields on lines of their own, after the task's
text: "Đơn vị chủ trì thực hiện: Sở Tư pháp.", "- Cơ quan phối hợp: Các sở, ngành.",
"*Thời gian thực hiện: *Thường xuyên." (the emphasis is gone by the time the text is
here). The wording varies ("Cơ quan thực hiện", "Đơn vị chủ trì tham mưu thực hiện",
"Đơn vị phối hợp thực hiện", "Thời hạn hoàn thành", "Tiến độ"); what decides is the
role word: "phối hợp" is a coordinator, "chủ trì"/"thực hiện"/"chịu trách nhiệm" a lead,
"thời gian"/"thời hạn"/"tiến độ" the time, "nội dung"/"sản phẩm" more of the task.
One line may hold several labels: "Đơn vị chủ trì: Phòng Quản lý Công nghiệp; Đơn vị
phối hợp: Phòng Quản lý Năng lượng, Văn phòng Sở." is a lead and its coordinators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Role = Literal["lead", "coordinators", "time", "content"]

_LABEL = re.compile(r"^(?P<dash>[-–•+]\s*)?(?P<name>[^:;,.()]{4,60}?)\s*:\s*(?P<value>.*)$")
_ROLES: list[tuple[Role, re.Pattern[str]]] = [
    ("time", re.compile(r"^(?:thời gian|thời hạn|tiến độ)\b", re.IGNORECASE)),
    (
        "coordinators",
        re.compile(r"^(?:đơn vị|cơ quan|bộ phận|lực lượng)[^:]*\bphối hợp\b", re.IGNORECASE),
    ),
    (
        "lead",
        re.compile(
            r"^(?:đơn vị|cơ quan|bộ phận|lực lượng|người)[^:]*"
            r"\b(?:chủ trì|thực hiện|chịu trách nhiệm|được giao|phụ trách)\b",
            re.IGNORECASE,
        ),
    ),
    ("content", re.compile(r"^(?:nội dung|sản phẩm|kết quả)\b", re.IGNORECASE)),
]


# Where a label's value may end and another label begin: "…; Đơn vị phối hợp: …".
_NEXT = re.compile(r"[;.]\s+(?=[^\s:;][^:;]{3,60}:)")


@dataclass
class Label:
    """One label line: its role, the value after the colon, where it is."""

    role: Role
    name: str
    value: str
    line: int
    dashed: bool


def read_label(text: str, line: int) -> Label | None:
    """The label ``text`` is, or None when it is not a label line."""
    match = _LABEL.match(text.strip())
    if not match:
        return None
    name = match.group("name").strip()
    if re.search(r"thủ tục|hồ sơ", name, re.IGNORECASE):
        return None  # "Cơ quan thực hiện thủ tục hành chính:" describes a procedure
    for role, pattern in _ROLES:
        if pattern.match(name):
            value = match.group("value").strip()
            return Label(role, name, value, line, bool(match.group("dash")))
    return None


def read_labels(text: str, line: int) -> list[Label]:
    """The labels of a line: none, one, or several one after another."""
    label = read_label(text, line)
    if label is None:
        return []
    for cut in _NEXT.finditer(label.value):
        more = read_labels(label.value[cut.end() :], line)
        if more:
            label.value = label.value[: cut.start()].strip()
            for other in more:
                other.dashed = False
            return [label, *more]
    return [label]
