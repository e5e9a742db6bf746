"""Who a sentence or a heading gives the work to.

The genre names the agency in charge in a few fixed ways:

- a heading that is only an agency ("1. Bộ Kế hoạch và Đầu tư:", "2. Giao Sở Xây
  dựng", "6. Trách nhiệm của các tổ chức, doanh nghiệp …"): its items are its tasks;
- a sentence that opens with the agency, possibly after "Giao" or "Đề nghị" and after
  an opening clause ("Sau khi được Quốc hội thông qua, các Bộ, cơ quan, địa phương tập
  trung …"): "Sở X chủ trì, phối hợp với Y …", "Ủy ban nhân dân các tỉnh có trách nhiệm
  …";
- an introduction that addresses the items after it ("… kính đề nghị Ủy ban nhân dân
  các tỉnh, thành phố trực thuộc Trung ương chỉ đạo …, cụ thể như sau:").

The name ends where the work begins: at the role ("chủ trì", "có trách nhiệm", "phối
hợp"), at the first verb of the task ("tăng cường", "tổ chức", "rà soát" …), or at
"theo chức năng", "trong phạm vi". Coordinators are read after "phối hợp (chặt chẽ)
với". Everything here is text; matching to the directory happens when the task is built.
"""

from __future__ import annotations

import re

from engine.plans.text import fold

# What an agency's name starts with (after "các"/"những"), folded. The nouns that are
# also common words ("tổ chức", "đơn vị", "địa phương" …) only count after "các" or
# before a comma: "Các tổ chức, cá nhân liên quan", not "Tổ chức thực hiện".
_HEADS = (
    "so", "bo", "ban", "cuc", "tong cuc", "chi cuc", "vu", "vien", "dai", "bao", "trung tam",
    "uy ban", "ubnd", "hoi dong", "hoi", "hiep hoi", "lien minh", "lien doan", "van phong",
    "kho bac", "cong an", "thanh doan", "tinh doan", "doan", "hoc vien", "co quan", "thanh tra",
    "toa an", "vien kiem sat", "ngan hang", "bao hiem xa hoi", "mat tran", "bo chi huy",
    "ban chi huy", "bo doi", "quan khu", "chu tich", "thu truong", "giam doc", "nguoi dung dau",
    "truong", "benh vien", "cong ty", "tong cong ty", "tap doan", "chinh quyen", "hdnd",
    "kiem toan", "thu tuong", "chinh phu", "quoc hoi", "cap uy",
)  # fmt: skip
# One-word heads are also the first syllable of common words ("Ban hành", "Báo cáo",
# "Bảo đảm", "Hội nghị", "Trường hợp"): as a name they are followed by a capitalised
# word ("Ban Chỉ huy", "Sở Công Thương"), a comma ("Sở, ngành") or a known unit.
_ONE_WORD = {"so", "bo", "ban", "cuc", "vu", "vien", "dai", "bao", "hoi", "doan", "truong"}
# with their marks: folded, "đoạn đường" would be "Đoàn", "bảo đảm" "Báo"
_ONE_WORD_PRINTED = {"sở", "bộ", "ban", "cục", "vụ", "viện", "đài", "báo", "hội", "đoàn", "trường"}
_UNITS = ("ban quan ly", "ban chi dao", "ban dan toc", "ban tuyen giao", "bo phan mot cua")
_COMMON_HEADS = ("to chuc", "don vi", "dia phuong", "doanh nghiep", "ca nhan", "xa", "phuong")
_STOPS = re.compile(
    r"[,]?\s+(?:chủ trì|phối hợp|có trách nhiệm|chịu trách nhiệm|theo chức năng|trong phạm vi"
    r"|căn cứ|tập trung|khẩn trương|chủ động|tiếp tục|tăng cường|nghiên cứu|thực hiện"
    r"|triển khai|(?<![Cc]ác )tổ chức(?!,)|xây dựng|rà soát|hướng dẫn|chỉ đạo|kiểm tra|quán triệt"
    r"|tham mưu|cần|phải|nghiêm túc|kịp thời|làm|đẩy mạnh|đôn đốc|theo dõi|bố trí|ban hành"
    r"|phát huy|thống nhất|tiếp thu|hoàn thiện|hoàn thành|bảo đảm|đảm bảo|lập|trình"
    r"|báo cáo|quan tâm|sớm|giám sát|thẩm định|cung cấp|tiếp nhận|xử lý|nâng cao"
    r"|tiến hành|xác định|cập nhật|đăng tải|niêm yết|công khai|đồng bộ|đề xuất|tổng hợp"
    r"|chấp hành|tuân thủ|phổ biến|tuyên truyền|đánh giá|hỗ trợ|tạo điều kiện|tích cực"
    r"|thường xuyên|định kỳ|được giao|là cơ quan|với vai trò)\b"
    r"|\s*[:;(]|\s+để\s"
)  # lower case on purpose: in "Sở Xây dựng" the capital says it is still the name
_PREFIX = re.compile(
    r"^(?:(?:kính\s+)?(?:giao|đề nghị|yêu cầu|phân công)(?:\s+cho)?\s+|trách nhiệm của\s+)",
    re.IGNORECASE,
)
_OPENING = re.compile(
    r"^(?:sau khi|trên cơ sở|căn cứ|khi|trước mắt|trong thời gian tới|đồng thời)\b[^,]{0,160},\s*",
    re.IGNORECASE,
)
_COORDINATORS = re.compile(r"\bphối hợp(?:\s+chặt chẽ)?\s+với\s+", re.IGNORECASE)
_ADDRESS = re.compile(r"\b(?:kính\s+)?(?:đề nghị|yêu cầu|giao)\s+", re.IGNORECASE)
_MAX_WORDS = 28


def starts_like_agency(text: str) -> bool:
    """The text starts like an agency's name ("Sở …", "Các Bộ, ngành …", "UBND …")."""
    words = fold(text).split()
    collective = bool(words) and words[0] in ("cac", "nhung")
    if collective:
        words = words[1:]
    form = " ".join(words)
    heads = [h for h in _HEADS if form == h or form.startswith(h + " ")]
    if heads:
        head = max(heads, key=len)
        printed = text.strip().split()
        skip = 1 if fold(printed[0]) in ("cac", "nhung") else 0
        if head in _ONE_WORD and printed[skip].lower().strip(",") not in _ONE_WORD_PRINTED:
            return False
        if head not in _ONE_WORD or collective or form.startswith(_UNITS):
            return True
        rest = printed[1 + skip :]
        return bool(rest) and (rest[0][:1].isupper() or printed[0].endswith(","))
    if any(form.startswith(h) for h in _COMMON_HEADS):
        head = next(h for h in _COMMON_HEADS if form.startswith(h))
        before_comma = text.split(",")[0]
        return collective or (len(fold(before_comma).split()) <= len(head.split()) and "," in text)
    return False


def agency_heading(text: str) -> str | None:
    """The agency a heading names, when the heading is only an agency (with "Giao",
    "Trách nhiệm của" or "Đề nghị" before it and a colon after it), else None."""
    name = _PREFIX.sub("", text.strip()).strip()
    name = re.sub(r"\s*:\s*$", "", name).strip(" .")
    if not name or ":" in name or ";" in name or len(name.split()) > 24:
        return None
    if not starts_like_agency(name) or re.search(r"\.\s", name):
        return None
    stop = _STOPS.search(name)
    if stop is not None:
        return None
    return name


def subject(text: str) -> tuple[str, str] | None:
    """(agency, rest) when the sentence opens with the agency it gives the work to."""
    body = text.strip()
    opened = _OPENING.match(body)
    if opened:
        body = body[opened.end() :]
    prefix = _PREFIX.match(body)
    if prefix:
        body = body[prefix.end() :]
    if not starts_like_agency(body):
        return None
    stop = _STOPS.search(body)
    if stop is None or stop.start() == 0:
        return None
    name = body[: stop.start()].strip(" ,")
    if len(name.split()) > _MAX_WORDS or re.search(r"\d", name):
        return None  # a name does not run on, nor cite a document's number
    if re.search(r"\s(?:không|chưa|chẳng)$", name) or fold(name) in ("cac", "nhung"):
        return None  # "cơ quan thuế không có trách nhiệm …" assigns nothing
    rest = body[stop.start() :].lstrip(" ,:;")
    if len(rest.split()) < 3:
        return None  # a name and nothing to do: a list of recipients
    return name, rest


def coordinators(text: str) -> str:
    """The agencies after "phối hợp với" in the task's first sentence, as printed."""
    match = _COORDINATORS.search(text)
    if not match:
        return ""
    rest = text[match.end() :]
    stop = _STOPS.search(rest)
    end = stop.start() if stop else len(rest)
    names = rest[:end]
    return names if len(names.split()) <= _MAX_WORDS else ""


def addressee(text: str) -> str | None:
    """The agency an introduction ("…, cụ thể như sau:") asks to do the items after it."""
    for match in _ADDRESS.finditer(text):
        rest = text[match.end() :]
        if not starts_like_agency(rest):
            continue
        stop = _STOPS.search(rest)
        if stop is None or stop.start() == 0:
            continue
        name = rest[: stop.start()].strip(" ,")
        if len(name.split()) <= _MAX_WORDS:
            return name
    return None


def names_in(text: str) -> list[str]:
    """The agencies a lead label or heading lists, as printed: parts between semicolons,
    a sentence cut to the agency it opens with, "X và Y" two names when both sides read
    as agencies ("… Lai Châu và các sở, ngành có liên quan")."""
    out: list[str] = []
    for part in re.split(r"\s*;\s*", text.strip(" .")):
        if not part:
            continue
        if len(part.split()) > 12 and (found := subject(part)) is not None:
            part = found[0]
        out.extend(split_and(part))
    return out


def split_and(text: str) -> list[str]:
    pieces = re.split(r"\s+và\s+", text)
    out = [pieces[0]]
    for piece in pieces[1:]:
        if starts_like_agency(piece):
            out.append(piece)
        else:
            out[-1] = f"{out[-1]} và {piece}"
    return [p.strip(" ,.") for p in out if p.strip(" ,.")]


_GENERIC = set(
    [
        "cac",
        "co",
        "quan",
        "don",
        "vi",
        "so",
        "ban",
        "nganh",
        "dia",
        "phuong",
        "to",
        "chuc",
        "ca",
        "nhan",
        "lien",
        "va",
        "doan",
        "the",
        "khac",
        "huu",
        "duoc",
        "giao",
    ]
)


def is_generic(name: str) -> bool:
    """ "các cơ quan, đơn vị", "các sở, ban, ngành liên quan": a collective naming no one,
    which the items under it then name themselves."""
    words = fold(name).split()
    return bool(words) and words[0] == "cac" and all(w in _GENERIC for w in words)
