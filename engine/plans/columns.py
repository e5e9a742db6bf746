"""The vocabulary of appendix table headers: which column holds which task field.

Headers vary between documents ("Danh mục" or "Tên nhiệm vụ, đề án" for the title,
"Đơn vị thực hiện" or "Đơn vị chủ trì, đơn vị phối hợp" for a cell naming both lead and
coordinating agencies, "Năm 2026" under "Dự kiến kinh phí" for a yearly budget). Each
pattern is matched against the folded header text (no case, no diacritics).
"""

from __future__ import annotations

import re
from typing import Literal

from engine.plans.text import fold

Kind = Literal[
    "number",
    "title",
    "content",
    "objective",
    "deliverables",
    "lead",
    "coordinators",
    "agencies",
    "window",
    "budget",
    "budget_total",
    "budget_year",
    "note",
]

_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    ("number", re.compile(r"^s?tt$|^so thu tu$|^thu tu(?: cac buoc)?$|^buoc$")),
    # Columns a task table carries that no task field holds: recognised, so that they
    # are neither a warning nor taken for the lead ("Cơ quan trình" beside the drafting
    # body, "Cơ quan thẩm tra/chuẩn bị ý kiến", "Hồ sơ", "Người đứng đầu").
    ("note", re.compile(r"ghi chu|^co quan trinh$|tham tra|^ho so\b|nguoi dung dau|^dia diem")),
    (
        "agencies",
        re.compile(
            r"(don vi|co quan) chu tri.*(don vi|co quan)? ?phoi hop|^(don vi|co quan) thuc hien$"
        ),
    ),
    (
        "lead",
        re.compile(
            r"chu tri|soan thao|nguoi thuc hien|ca nhan thuc hien|nguoi phu trach"
            r"|trach nhiem thuc hien|don vi thuc hien|co quan thuc hien|^thuc hien$"
        ),
    ),
    ("coordinators", re.compile(r"phoi hop")),
    ("window", re.compile(r"thoi gian|thoi han|tien do|thoi diem|han hoan thanh|^moc")),
    ("budget_year", re.compile(r"\bnam (19|20)\d\d\b")),
    ("budget_total", re.compile(r"^tong cong$|^tong so$|^tong$")),
    ("budget", re.compile(r"kinh phi|du toan|nguon von")),
    ("content", re.compile(r"^dieu khoan")),
    ("deliverables", re.compile(r"chi tieu|ket qua|san pham|dau ra")),
    ("objective", re.compile(r"^muc tieu")),
    (
        "title",
        re.compile(
            r"danh muc|ten nhiem vu|ten de an|ten du an|^nhiem vu|^ten hoat dong|van ban"
            r"|\bluat\b.*\bnghi dinh\b|\bnghi dinh\b.*\bthong tu\b|^ten don vi|^cong viec"
            # an inspection plan's rows are the units it inspects
            r"|(?:don vi|co so|doanh nghiep|to chuc)\b.*\bduoc (?:thanh tra|kiem tra)"
        ),
    ),
    ("content", re.compile(r"noi dung|^hoat dong|^cac hoat dong|^doi tuong (?:duoc )?kiem tra")),
]


# The same patterns with every space optional: OCR of a tightly set header cell runs
# words together ("Cơ quan chủtrì", "Cơ quanphối hợp"); tried only when none matches.
_RUN_TOGETHER = [(kind, re.compile(p.pattern.replace(" ", " ?"))) for kind, p in _PATTERNS]


def column_kind(header: str) -> Kind | None:
    """The task field a header names, or None for a header this importer does not know."""
    folded = fold(header)
    if not folded:
        return None
    for patterns in (_PATTERNS, _RUN_TOGETHER):
        for kind, pattern in patterns:
            if pattern.search(folded):
                return kind
    return None


def budget_year(header: str) -> int | None:
    match = re.search(r"\bnam ((?:19|20)\d\d)\b", fold(header))
    return int(match.group(1)) if match else None


def looks_like_header(cells: list[str]) -> bool:
    """A row naming at least two known columns, one of them an agency or time column,
    or a title column next to a number column."""
    kinds = [column_kind(text) for text in cells if text.strip()]
    known = {kind for kind in kinds if kind is not None}
    if len(known) < 2:
        return False
    if known & {"lead", "coordinators", "agencies", "window"}:
        return True
    return "number" in known and bool(known & {"title", "content"})
