"""Reminder letters (công văn đôn đốc): what they list, how they are numbered and stored."""

from __future__ import annotations

import io
import zipfile
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from docx import Document
from docxtpl import DocxTemplate
from sqlalchemy.orm import Session

from engine.config import load_settings
from engine.errors import InputError, InputErrors
from engine.letters import (
    NothingToRemind,
    letter_context,
    letter_day,
    make_letter,
)
from engine.letters_template import build_template
from engine.lookup import find_agency
from engine.store.db import Store
from engine.store.models import Agency, Letter, Plan
from tests.reports import factories as f
from tests.reports.factories import ROOT, at

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

AS_OF = date(2026, 6, 30)
NOW = at(date(2026, 7, 2), time(9, 0))
TEMPLATE = ROOT / "templates" / "letters" / "cong-van-don-doc.docx"
T1 = "Tuyên truyền về sản xuất và tiêu dùng bền vững"
REPORT = "Báo cáo 6 tháng đầu năm 2026"
OTHER = "Rà soát cơ chế chính sách"


def _build(s: Session) -> tuple[Agency, Plan]:
    """Sở Công Thương, with two overdue items in plan 266 and one in plan 96 as of 30/06."""
    sct = f.agency(s, aliases=["SCT"])
    tnmt = f.agency(s, "hn.so-tai-nguyen-va-moi-truong", "Sở Tài nguyên và Môi trường")
    f.agency(s, "hb.so-cong-thuong", "Sở Công Thương", jurisdiction="Hòa Bình")
    plan = f.plan(s, owner=sct)
    other = f.plan(s, key="hn-96-2020", number="96/KH-UBND")
    t1 = f.task(s, plan, "1", T1, position=1)
    f.obligation(s, plan, sct, task=t1, due=date(2026, 3, 31))
    f.obligation(s, plan, sct, due=date(2026, 6, 19), role="reporter", title=REPORT,
                 period="6 tháng đầu năm 2026", status="acknowledged")  # fmt: skip
    f.obligation(s, other, sct, due=date(2026, 4, 15), title=OTHER)
    # Not overdue: due on the day itself, extended past it, done, waived, cancelled.
    not_overdue: list[tuple[str, dict[str, Any]]] = [
        ("Hạn đúng ngày", {"due": AS_OF}),
        ("Được gia hạn", {"due": date(2026, 5, 31), "extended_to": date(2026, 7, 31)}),
        ("Đã xong", {"due": date(2026, 3, 1), "status": "done", "done_at": at(date(2026, 3, 5))}),
        ("Được miễn", {"due": date(2026, 3, 1), "status": "waived"}),
        ("Đã hủy", {"due": date(2026, 3, 1), "cancelled": True}),
    ]
    for title, extra in not_overdue:
        f.obligation(s, plan, sct, title=title, **extra)
    f.obligation(s, plan, tnmt, due=date(2026, 3, 31), title="Việc của đơn vị khác")
    return sct, plan


def _text(content: bytes) -> tuple[list[str], list[list[list[str]]]]:
    """The paragraphs and the tables (rows of cell texts) of a .docx."""
    document = Document(io.BytesIO(content))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    return [p.text for p in document.paragraphs], tables


def _letter(store: Store, *, plan: bool = True, **kwargs: Any) -> Letter:
    with store.session() as s:
        agency = s.scalars(sa.select(Agency).where(Agency.key == "hn.so-cong-thuong")).one()
        chosen = s.scalars(sa.select(Plan).where(Plan.key == "hn-266-2021")).one()
        values: dict[str, Any] = {"as_of": AS_OF, "now": NOW, "settings": f.settings()}
        values.update(kwargs)
        return make_letter(s, agency=agency, plan=chosen if plan else None, **values)


def test_a_letter_names_the_agency_and_each_overdue_task_with_its_due_date(
    store: Store,
) -> None:
    with store.session() as s:
        _build(s)
    letter = _letter(store, settings=f.settings(place="Hà Nội"))
    paragraphs, (header, items, footer) = _text(letter.content)
    assert "Kính gửi: Sở Công Thương." in paragraphs
    assert "Tính đến ngày 30/06/2026, Sở Công Thương còn 2 nhiệm vụ" in paragraphs[1]
    assert items == [
        ["STT", "Nhiệm vụ", "Kỳ", "Hạn", "Số ngày quá hạn", "Trạng thái"],
        ["1", T1, "Năm 2026", "31/03/2026", "91", "Chưa xác nhận"],
        ["2", REPORT, "6 tháng đầu năm 2026", "19/06/2026", "11", "Đã nhận, chưa hoàn thành"],
    ]
    left, right = header[0]
    assert "SỞ CÔNG THƯƠNG" in left  # the plan's owner issues it when [letters] says nobody
    assert "Số: 1/CV-NV" in left
    assert "V/v đôn đốc thực hiện nhiệm vụ quá hạn theo Kế hoạch số 266/KH-UBND" in left
    assert right.startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc")
    assert "Hà Nội, ngày 02 tháng 7 năm 2026" in right
    assert footer[0][0].startswith("Nơi nhận:")


def test_without_a_plan_the_letter_lists_every_plan_and_says_which(store: Store) -> None:
    with store.session() as s:
        _build(s)
    letter = _letter(store, plan=False)
    paragraphs, (_, items, _) = _text(letter.content)
    assert [row[1] for row in items[1:]] == [
        f"{T1} (Kế hoạch 266/KH-UBND)",
        f"{OTHER} (Kế hoạch 96/KH-UBND)",
        f"{REPORT} (Kế hoạch 266/KH-UBND)",
    ]
    assert [row[3] for row in items[1:]] == ["31/03/2026", "15/04/2026", "19/06/2026"]
    assert paragraphs[1].startswith("Thực hiện các kế hoạch đã ban hành,")
    assert letter.plan_id is None


def test_the_letter_is_stored_with_its_bytes_and_a_file_name(store: Store) -> None:
    with store.session() as s:
        _build(s)
    made = _letter(store)
    with store.session() as s:
        stored = s.scalars(sa.select(Letter)).one()
        assert stored.content == made.content
        assert stored.number == "1/CV-NV"
        assert stored.filename == "1-CV-NV_hn.so-cong-thuong.docx"
        assert stored.created_at == NOW
        assert stored.plan_id is not None and stored.obligation_id is None


def test_letters_are_numbered_in_sequence_and_again_from_one_each_year(store: Store) -> None:
    with store.session() as s:
        _build(s)
    numbers = [_letter(store).number for _ in range(3)]
    assert numbers == ["1/CV-NV", "2/CV-NV", "3/CV-NV"]
    # 31/12 at 23:30 in Hà Nội is still 2026 there (16:30 UTC); 01/01 00:30 is 2027.
    assert _letter(store, now=at(date(2026, 12, 31), time(23, 30))).number == "4/CV-NV"
    assert _letter(store, now=at(date(2027, 1, 1), time(0, 30))).number == "1/CV-NV"


def test_the_number_pattern_and_an_explicit_number_are_used(store: Store) -> None:
    with store.session() as s:
        _build(s)
    custom = f.settings(number_format="{seq:02d}/CV-SCT-{yy}")
    assert _letter(store, settings=custom).number == "01/CV-SCT-26"
    assert _letter(store, number="123/SCT-KH").number == "123/SCT-KH"
    assert _letter(store, settings=custom).number == "03/CV-SCT-26"  # the explicit one counts


def test_nothing_overdue_makes_no_letter(store: Store) -> None:
    with store.session() as s:
        _build(s)
    with pytest.raises(NothingToRemind, match="nothing to remind about"):
        _letter(store, as_of=date(2026, 3, 31))  # the first item is due that very day
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0


def test_an_agency_name_with_an_ampersand_is_written_as_text(store: Store) -> None:
    with store.session() as s:
        nn = f.agency(s, "hn.so-nn", "Sở Nông nghiệp & PTNT <Hà Nội>")
        plan = f.plan(s)
        f.obligation(s, plan, nn, due=date(2026, 3, 31), title="Trồng cây & chăm sóc")
        letter = make_letter(s, agency=nn, as_of=AS_OF, now=NOW, settings=f.settings())
    paragraphs, (_, items, _) = _text(letter.content)
    assert "Kính gửi: Sở Nông nghiệp & PTNT <Hà Nội>." in paragraphs
    assert items[1][1].startswith("Trồng cây & chăm sóc")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("hn.so-tai-nguyen-va-moi-truong", "hn.so-tai-nguyen-va-moi-truong"),
        ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "hn.so-tai-nguyen-va-moi-truong"),
        ("so tai nguyen va moi truong", "hn.so-tai-nguyen-va-moi-truong"),
        ("sct", "hn.so-cong-thuong"),  # an alias
        ("tài nguyên", "hn.so-tai-nguyen-va-moi-truong"),  # part of one name
    ],
)
def test_agencies_are_found_by_key_name_or_alias_without_accents(
    store: Store, text: str, key: str
) -> None:
    with store.session() as s:
        _build(s)
        assert find_agency(s, text).key == key


def test_an_ambiguous_agency_lists_the_candidates(store: Store) -> None:
    with store.session() as s:
        _build(s)
        with pytest.raises(InputError) as caught:
            find_agency(s, "so cong thuong")
        assert "matches 2 agencies" in str(caught.value)
        assert "hb.so-cong-thuong (Sở Công Thương, Hòa Bình)" in str(caught.value)
        assert "hn.so-cong-thuong (Sở Công Thương, Hà Nội)" in str(caught.value)
        with pytest.raises(InputError, match="no agency has the key, name or alias"):
            find_agency(s, "Sở Tư pháp")


@pytest.mark.parametrize(
    ("day", "parts"),
    [
        (date(2026, 3, 5), ("05", "3", "2026")),
        (date(2026, 1, 15), ("15", "01", "2026")),
        (date(2026, 2, 9), ("09", "02", "2026")),
        (date(2026, 12, 31), ("31", "12", "2026")),
    ],
)
def test_the_date_line_follows_the_decree(day: date, parts: tuple[str, str, str]) -> None:
    shown = letter_day(day)
    assert (shown["day"], shown["month"], shown["year"]) == parts


def _parts(content: bytes) -> dict[str, bytes]:
    """The parts of a .docx package, but its core properties (they may carry a time)."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return {n: package.read(n) for n in package.namelist() if n != "docProps/core.xml"}


def test_the_shipped_template_is_what_the_builder_makes() -> None:
    built = io.BytesIO()
    build_template().save(built)
    assert _parts(TEMPLATE.read_bytes()) == _parts(built.getvalue())


def test_the_template_asks_for_exactly_what_the_code_gives() -> None:
    wanted = DocxTemplate(str(TEMPLATE)).get_undeclared_template_variables()
    with_plan = letter_context(
        agency=Agency(name="A"), plan=None, items=[], number="1", as_of=AS_OF, dated=AS_OF,
        settings=f.settings(),
    )  # fmt: skip
    assert wanted == set(with_plan)


def test_a_number_pattern_without_seq_is_a_settings_error(tmp_path: Path) -> None:
    config = tmp_path / "nhacviec.toml"
    config.write_text('[letters]\nplace = "Hà Nội"\nnumber_format = "CV-{nam}"\n', "utf-8")
    with pytest.raises(InputErrors, match=r"nhacviec.toml:3: letters.number_format: .*\{seq\}"):
        load_settings(config)
