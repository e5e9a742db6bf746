"""The agency directory (``config/agencies.yaml``): agencies, their aliases and contacts.

File shape (version 1)::

    version: 1
    agencies:
      - key: hn.so-cong-thuong            # stable id, [a-z0-9.-]
        name: Sở Công Thương               # canonical name, as plans print it
        jurisdiction: Hà Nội               # the province/ministry it belongs to
        aliases: [SCT, Sở Công thương Hà Nội]
        contacts:
          - role: coordinator              # coordinator | head | other
            name: Phòng Kế hoạch - SCT
            email: sct.coordinator@example.org
            telegram_chat_id: null         # linked by /start CODE, kept when left out
            webhook_url: null              # an e-office system's http(s) URL
            zalo_user_id: null             # a Zalo follower, linked like Telegram
            language: vi                   # vi | en

The address keys are the channels' (``notifiers.registry``: ``directory_key``).

Contact keys default to ``{agency key}.{role}`` (``.2``, ``.3``… for a second contact of
the same role).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from engine.plans.text import fold
from engine.yamlpos import load_yaml, read_text, validate
from notifiers.registry import CHANNELS

KEY_PATTERN = r"^[a-z0-9][a-z0-9.\-_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The lengths are those of the columns (``engine.store.models``), so that a directory
# PostgreSQL would refuse is refused here, with its file and line, on every database.


class _ContactFields(_Model):
    """A contact's own keys; each channel adds the key of its address (``ContactEntry``)."""

    key: str | None = Field(default=None, pattern=KEY_PATTERN, max_length=160)
    role: Literal["coordinator", "head", "other"] = "coordinator"
    name: str = Field(max_length=200)
    language: Literal["vi", "en"] = "vi"

    @property
    def addresses(self) -> dict[str, str]:
        """``{channel: address}`` as the file gives them (as the store keeps them: text)."""
        found = {}
        for name, known in CHANNELS.items():
            value = getattr(self, known.directory_key, None)
            if value is not None:
                found[name] = known.normalise(value)
        return found


if TYPE_CHECKING:
    ContactEntry = _ContactFields
else:
    # One optional key per channel of the registry, named and typed by it (``email:``,
    # ``telegram_chat_id:``), so that a channel added there is a key of the directory.
    ContactEntry = create_model(
        "ContactEntry",
        __base__=_ContactFields,
        **{
            known.directory_key: (known.directory_type() | None, None)
            for known in CHANNELS.values()
        },
    )


class AgencyEntry(_Model):
    key: str = Field(pattern=KEY_PATTERN, max_length=120)
    name: str = Field(max_length=400)
    jurisdiction: str | None = Field(default=None, max_length=200)
    aliases: list[str] = Field(default_factory=list)
    contacts: list[ContactEntry] = Field(default_factory=list)

    def contact_keys(self) -> list[str]:
        """Each contact's key: explicit, or ``{agency}.{role}`` numbered from the second."""
        counts: dict[str, int] = {}
        keys = []
        for contact in self.contacts:
            counts[contact.role] = counts.get(contact.role, 0) + 1
            n = counts[contact.role]
            keys.append(contact.key or f"{self.key}.{contact.role}" + (f".{n}" if n > 1 else ""))
        return keys


class Directory(_Model):
    version: Literal[1] = 1
    agencies: list[AgencyEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_keys(self) -> Directory:
        seen: set[str] = set()
        for agency in self.agencies:
            if agency.key in seen:
                raise ValueError(f"agency key '{agency.key}' appears twice")
            seen.add(agency.key)
        return self


def load_directory(path: Path) -> Directory:
    """Read and validate the directory; errors name the file and the line."""
    text = read_text(path)
    data, positions = load_yaml(text, str(path))
    return validate(Directory, data if data is not None else {}, positions, str(path))


# -- matching printed names against the directory ------------------------------------------

_ABBREVIATIONS: list[tuple[str, str]] = [
    ("ubnd", "uy ban nhan dan"),
    ("nn va ptnt", "nong nghiep va phat trien nong thon"),
    ("nnptnt", "nong nghiep va phat trien nong thon"),
    ("ptnt", "phat trien nong thon"),
    ("nn va mt", "nong nghiep va moi truong"),
    ("nnmt", "nong nghiep va moi truong"),
    ("tn va mt", "tai nguyen va moi truong"),
    ("tnmt", "tai nguyen va moi truong"),
    ("kh va dt", "ke hoach va dau tu"),
    ("khdt", "ke hoach va dau tu"),
    ("kh va cn", "khoa hoc va cong nghe"),
    ("khcn", "khoa hoc va cong nghe"),
    ("tt va tt", "thong tin va truyen thong"),
    ("tttt", "thong tin va truyen thong"),
    ("gtvt", "giao thong van tai"),
    ("gd va dt", "giao duc va dao tao"),
    ("gddt", "giao duc va dao tao"),
    ("ld tb va xh", "lao dong thuong binh va xa hoi"),
    ("ldtbxh", "lao dong thuong binh va xa hoi"),
    ("vh tt va dl", "van hoa the thao va du lich"),
    ("vhttdl", "van hoa the thao va du lich"),
    ("bql", "ban quan ly"),
    ("kcn va cx", "khu cong nghiep va che xuat"),
    ("kcn cx", "khu cong nghiep va che xuat"),
    ("kcn", "khu cong nghiep"),
    ("ccn", "cum cong nghiep"),
    ("pt va th", "phat thanh va truyen hinh"),
    ("kt xh", "kinh te xa hoi"),
    ("htx", "hop tac xa"),
    ("dn", "doanh nghiep"),
    ("tp", "thanh pho"),
    ("hn", "ha noi"),
]
_FILLERS = {"cac", "nhung"}
_HEAD_WORDS = (
    "so",
    "ban",
    "bo",
    "cuc",
    "tong cuc",
    "chi cuc",
    "vu",
    "vien",
    "dai",
    "bao",
    "trung tam",
    "uy ban nhan dan",
    "hoi",
    "hiep hoi",
    "lien minh",
    "van phong",
    "kho bac",
    "cong an",
    "thanh doan",
    "tinh doan",
    "hoc vien",
    "co quan",
    "phong",  # a unit of a Sở ("Phòng Quản lý Năng lượng"), not "phòng, chống …"
)
# "Phòng" as prevention: "Phòng, chống tham nhũng", "Phòng cháy, chữa cháy".
_PREVENTION = ("phong chong", "phong chay", "phong ngua", "phong tranh", "phong dich")
_GENERIC_TAIL = re.compile(
    r"^(?P<head>.+?)\s*,?\s+và\s+(?P<tail>(?:các\s+)?(?:đơn vị|cơ quan|ngành|tổ chức)"
    r"(?:\s*,\s*(?:đơn vị|tổ chức))?(?:\s+khác)?(?:\s+có)?\s+liên quan)\W*$",
    re.IGNORECASE,
)


def name_form(name: str) -> str:
    """The form names are compared in: folded, abbreviations expanded, "các" dropped.

    "Sở NN&PTNT", "Sở Nông nghiệp và PTNT" and "SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN"
    all give "so nong nghiep va phat trien nong thon".
    """
    text = f" {fold(name)} "
    for short, full in _ABBREVIATIONS:
        text = text.replace(f" {short} ", f" {full} ")
    text = text.replace(" co lien quan ", " lien quan ")
    return " ".join(word for word in text.split() if word not in _FILLERS)


def _qualifiers(jurisdiction: str | None) -> list[str]:
    """Trailing words that only restate the jurisdiction ("… Hà Nội", "… tỉnh Hòa Bình")."""
    words = ["thanh pho", "tinh"]
    if jurisdiction:
        j = name_form(jurisdiction)
        words = [f"thanh pho {j}", f"tinh {j}", f"cua {j}", j, *words]
    return words


def _strip_qualifier(form: str, jurisdiction: str | None) -> str:
    for qualifier in _qualifiers(jurisdiction):
        if form.endswith(" " + qualifier) and len(form) > len(qualifier) + 4:
            return form[: -len(qualifier) - 1].strip()
    return form


def _is_central(entry: AgencyEntry) -> bool:
    """Ministries and their units can be named by any plan."""
    return entry.jurisdiction is not None and fold(entry.jurisdiction).startswith("bo ")


class AgencyMatcher:
    """Finds the directory entry a printed agency name means.

    ``match(name, jurisdiction)`` ignores case, spacing, diacritics placement, "các" and
    the usual abbreviations. The plan's jurisdiction decides between same-named
    departments (Sở Công Thương of Hà Nội and of Hòa Bình): entries of that jurisdiction
    come first, then entries without a jurisdiction (generic collectives), then
    ministries and their units, which any plan may name. With no jurisdiction a name
    matches only when exactly one entry has it.
    """

    def __init__(self, directory: Directory):
        self.directory = directory
        self.printed: dict[str, str] = {}
        self._index: dict[str, list[AgencyEntry]] = {}
        for entry in directory.agencies:
            for printed in (entry.name, *entry.aliases):
                form = name_form(printed)
                for key in {form, _strip_qualifier(form, entry.jurisdiction)}:
                    bucket = self._index.setdefault(key, [])
                    if entry not in bucket:
                        bucket.append(entry)

    def match(self, name: str, jurisdiction: str | None) -> AgencyEntry | None:
        form = name_form(name)
        if not form:
            return None
        for key in (form, _strip_qualifier(form, jurisdiction)):
            found = self._pick(self._index.get(key, []), jurisdiction)
            if found is not None:
                return found
        return None

    def _pick(self, entries: list[AgencyEntry], jurisdiction: str | None) -> AgencyEntry | None:
        if not entries:
            return None
        if jurisdiction is None:
            # No jurisdiction known: a province's own departments are not meant ("Các
            # sở, ngành" of an unknown issuer is not Hà Nội's), generic and central
            # entries may be.
            open_entries = [e for e in entries if e.jurisdiction is None or _is_central(e)]
            return open_entries[0] if len(open_entries) == 1 else None
        for accept in (
            lambda e: e.jurisdiction == jurisdiction,
            lambda e: e.jurisdiction is None,
            _is_central,
        ):
            chosen = [entry for entry in entries if accept(entry)]
            if chosen:
                return chosen[0]
        return None

    def canonical(self, name: str, jurisdiction: str | None) -> tuple[str, bool]:
        """The directory's name for ``name`` and True; or, for a name outside the
        directory, the name as printed with its standard abbreviations written out
        ("Sở KH&CN" → "Sở Khoa học và Công nghệ") and False. ``printed`` maps a
        written-out name back to what the document printed."""
        name = _FOOTNOTE.sub("", name).strip()
        entry = self.match(name, jurisdiction)
        if entry is not None:
            return entry.name, True
        full = expand_abbreviations(name)
        if full != name:
            self.printed.setdefault(full, name)
        return full, False

    # -- splitting a cell into names ---------------------------------------------------

    def split(self, cell: str, jurisdiction: str | None) -> list[str]:
        """The agency names in one table cell or sentence, in printed order.

        Semicolons and line breaks always separate names. A comma separates two names
        only where that is plainly so: the text after it is a known agency, or the text
        before it is a known agency and the next part starts like an agency name, or
        both sides are proper agency names ("Sở Xây dựng, Sở Tài chính"), or the
        department word is left out ("Sở Công Thương, Kế hoạch và Đầu tư, Tài chính").
        Collective names with commas ("UBND các quận, huyện, thị xã") stay whole, and a
        trailing "và các đơn vị có liên quan" becomes a name of its own.
        """
        parts: list[str] = []
        for part in (_trim(p) for p in re.split(r"[;\n]+", cell)):
            if not part:
                continue
            if parts and ":" in parts[-1] and not self._agency_start(part, jurisdiction):
                parts[-1] = f"{parts[-1]}; {part}"  # "các ngành: Dệt may; Điện, điện tử"
            else:
                parts.append(part)
        names: list[str] = []
        for part in (_without_duty(p) for p in parts):
            for piece in self._split_slash(part, jurisdiction):
                names.extend(self._split_part(piece, jurisdiction))
        return [_without_duty(name) for name in names]

    def _split_slash(self, part: str, jurisdiction: str | None) -> list[str]:
        """ "Bộ Chỉ huy Quân sự tỉnh/Ban Chỉ huy Bộ đội Biên phòng tỉnh": two agencies
        when each side reads as one ("Đơn vị/cá nhân" does not)."""
        if "/" not in part or self.match(part, jurisdiction):
            return [part]
        pieces = [_trim(p) for p in part.split("/")]
        if len(pieces) > 1 and all(_proper_agency(p) for p in pieces):
            return pieces
        return [part]

    def _agency_start(self, text: str, jurisdiction: str | None) -> bool:
        return self.match(text, jurisdiction) is not None or _starts_like_agency(text)

    def _split_part(self, part: str, jurisdiction: str | None) -> list[str]:
        if self.match(part, jurisdiction):
            return [part]
        tail = None
        if (m := _GENERIC_TAIL.match(part)) and not self.match(part, jurisdiction):
            part, tail = _trim(m.group("head")), _trim(m.group("tail"))
        names = self._split_commas(part, jurisdiction) if part else []
        return [*names, tail] if tail else names

    def _split_commas(self, part: str, jurisdiction: str | None) -> list[str]:
        segments = [_trim(s) for s in part.split(",")]
        segments = [s for s in segments if s]
        out: list[str] = []
        current = segments[0] if segments else ""
        elided = fold(current).startswith("so ")
        for index, segment in enumerate(segments[1:], start=1):
            rest = ", ".join(segments[index:])
            if self.match(f"{current}, {segment}", jurisdiction) and not self.match(
                segment, jurisdiction
            ):
                current = f"{current}, {segment}"
            elif self.match(rest, jurisdiction) and _starts_like_agency(segment):
                out.append(current)
                out.append(rest)
                return out
            elif self._separate(current, segment, jurisdiction):
                out.append(current)
                current = segment
            elif elided and self.match(f"Sở {segment}", jurisdiction):
                out.append(current)
                current = f"Sở {segment}"
            else:
                current = f"{current}, {segment}"
        out.append(current)
        return out

    def _separate(self, current: str, segment: str, jurisdiction: str | None) -> bool:
        if self.match(segment, jurisdiction):
            return True
        if self.match(current, jurisdiction) and (
            _starts_like_agency(segment) or fold(segment).startswith("cac ")
        ):
            return True
        if not _proper_agency(current):
            return False
        if fold(segment).startswith("cac "):
            return True  # "Bộ Xây dựng, các địa phương"
        return _proper_agency(segment) or (
            _starts_like_agency(segment) and len(segment.split()) >= 2
        )


_FOOTNOTE = re.compile(r"\s*\[\d{1,2}\]")

# The standard abbreviations of ministry and department names, as printed after the head
# word ("Sở KH&CN", "Bộ TN&MT", "Sở LĐ-TB&XH"), and their full names.
_HEAD = r"(?P<head>(?:Sở|Bộ|Phòng|Ban|Cục|Chi cục|Vụ|Thanh tra|Văn phòng)\s+)"
_PRINTED_SHORT: list[tuple[str, str]] = [
    (r"KH\s*&\s*CN|KHCN|KH và CN", "Khoa học và Công nghệ"),
    (r"KH\s*&\s*ĐT|KHĐT|KH và ĐT|KH-ĐT", "Kế hoạch và Đầu tư"),
    (r"TN\s*&\s*MT|TNMT|TN và MT|TN-MT", "Tài nguyên và Môi trường"),
    (r"NN\s*&\s*PTNT|NNPTNT|NN và PTNT|NN-PTNT", "Nông nghiệp và Phát triển nông thôn"),
    (r"NN\s*&\s*MT|NNMT|NN và MT", "Nông nghiệp và Môi trường"),
    (r"LĐ\s*-?\s*TB\s*&\s*XH|LĐTBXH|LĐ-TBXH|LĐ,\s*TB\s*&\s*XH", "Lao động - Thương binh và Xã hội"),
    (r"GTVT|GT-VT|GT\s*&\s*VT", "Giao thông vận tải"),
    (r"TT\s*&\s*TT|TTTT|TT và TT|TT-TT", "Thông tin và Truyền thông"),
    (r"VH\s*,?\s*TT\s*&\s*DL|VHTTDL|VH-TT-DL|VH,\s*TT\s*và\s*DL", "Văn hóa, Thể thao và Du lịch"),
    (r"VH\s*&\s*TT|VHTT", "Văn hóa và Thể thao"),
    (r"GD\s*&\s*ĐT|GDĐT|GD-ĐT", "Giáo dục và Đào tạo"),
    (r"XD", "Xây dựng"),
    (r"TC", "Tài chính"),
    (r"CT", "Công Thương"),
    (r"NV", "Nội vụ"),
    (r"TP", "Tư pháp"),
    (r"YT", "Y tế"),
    (r"NG", "Ngoại giao"),
]
_SHORT_NAMES = [
    (re.compile(rf"{_HEAD}(?:{short})(?![\wĐđ&])"), full) for short, full in _PRINTED_SHORT
]


def expand_abbreviations(name: str) -> str:
    """ "Sở KH&CN" → "Sở Khoa học và Công nghệ", "Bộ TN&MT" → "Bộ Tài nguyên và Môi
    trường": the abbreviations of ministry and department names written out (after a
    head word only, so "TP" in "UBND TP" stays)."""
    for pattern, full in _SHORT_NAMES:
        name = pattern.sub(rf"\g<head>{full}", name)
    return name


# An agency named with what it does in the cell ("Sở Khoa học và Công nghệ thúc đẩy,
# theo dõi, báo cáo chỉ tiêu", "Các sở, ngành thực hiện công bố dữ liệu"): the verb in
# lower case, then the end, a comma or more lower-case words (a capital after it is a
# name going on: "Ban Chỉ đạo thực hiện Chương trình").
_DUTY = re.compile(
    r"^(?P<head>.+?)\s+(?:chủ trì|thực hiện|thúc đẩy|theo dõi|báo cáo|hướng dẫn|tổng hợp"
    r"|phụ trách|tham mưu)(?=$|[\s,.;:]+(?:$|[a-zà-ỹđ(]))"
)


def _without_duty(part: str) -> str:
    match = _DUTY.match(part)
    if match and len(match.group("head").split()) >= 2 and _starts_like_agency(match.group("head")):
        return _trim(match.group("head"))
    return part


def _trim(text: str) -> str:
    text = re.sub(r"^[\s\-–•+.:,]+", "", text)
    return re.sub(r"[\s.;:,]+$", "", text).strip()


def _starts_like_agency(text: str) -> bool:
    form = " ".join(w for w in fold(text).split() if w not in _FILLERS)
    form = f" {form} ".replace(" ubnd ", " uy ban nhan dan ").strip()
    if form.replace(",", "").startswith(_PREVENTION):
        return False
    return any(form == head or form.startswith(head + " ") for head in _HEAD_WORDS)


def _proper_agency(text: str) -> bool:
    """Starts with a head word followed by a capitalised word: "Sở Xây dựng"."""
    words = text.split()
    if len(words) < 2 or not _starts_like_agency(text):
        return False
    return any(word[:1].isupper() for word in words[1:3])
