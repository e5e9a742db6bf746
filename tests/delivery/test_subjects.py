"""Subjects a mail list can show: agency and due date first, at most 120 characters, and
display names every mail reader decodes as written."""

from __future__ import annotations

import base64
import re
from email.header import decode_header, make_header
from pathlib import Path

from engine.messages.types import subject_line
from engine.store.db import Store
from notifiers.email import mime_bytes
from tests.delivery.test_email import SENDER, message, parse
from tests.delivery.test_render import render_one

LONG_TITLE = (
    "Xây dựng, trình Hội đồng nhân dân tỉnh ban hành Nghị quyết quy định chính sách hỗ trợ "
    "phát triển hợp tác xã nông nghiệp ứng dụng công nghệ cao gắn với chuỗi giá trị giai "
    "đoạn 2026 - 2030 và định hướng đến năm 2035"
)


def test_a_short_subject_is_one_line_and_left_as_it_is() -> None:
    assert subject_line("[Nhắc việc]  Sở Tài chính –\n hạn 19/06/2026: Báo cáo") == (
        "[Nhắc việc] Sở Tài chính – hạn 19/06/2026: Báo cáo"
    )


def test_a_long_subject_keeps_its_start_and_loses_the_end_of_its_title_after_a_word() -> None:
    whole = f"[Nhắc việc] Sở Nông nghiệp và Môi trường – hạn 30/06/2026: {LONG_TITLE}"
    line = subject_line(whole)
    assert len(line) <= 120
    assert line.startswith("[Nhắc việc] Sở Nông nghiệp và Môi trường – hạn 30/06/2026: Xây dựng")
    assert line.endswith("…")
    assert whole.startswith(line[:-1]) and whole[len(line) - 1] == " "  # a whole word


def test_a_long_reminder_subject_names_the_agency_and_due_date_then_the_title(
    sqlite_store: Store, tmp_path: Path
) -> None:
    long = render_one(sqlite_store, tmp_path, title=LONG_TITLE).subject
    assert len(long) <= 120 and long.endswith("…")
    assert long.startswith("[Nhắc việc] Sở Công Thương – hạn 19/06/2026: Xây dựng, trình")


def test_encoded_words_hold_whole_words_so_no_reader_shows_a_word_cut_in_two() -> None:
    name = "Sở Khoa học và Công nghệ tỉnh Hòa Bình – Phòng Quản lý công nghệ và thị trường"
    data = mime_bytes(message(to_name=name, subject=LONG_TITLE), SENDER)
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    fields = {}
    for field in ("To", "Subject"):
        value = re.search(rf"^{field}: (.*?)\r\n(?=\S)", head, re.M | re.S)
        assert value is not None
        fields[field] = value[1]
        encoded = re.findall(r"=\?utf-8\?b\?(.*?)\?=", value[1])
        words = [base64.b64decode(w).decode() for w in encoded]
        assert len(words) > 1
        assert all(w.endswith(" ") for w in words[:-1]), words  # cut after a space
    # a reader that follows RFC 2047 reads the text exactly ...
    phrase = fields["To"].rsplit("<", 1)[0]
    assert str(make_header(decode_header(phrase))).strip() == name
    assert parse(data)["Subject"] == LONG_TITLE
    # ... and one that shows the folding space between encoded-words shows "Sở  Khoa học",
    # never "Sở Kho a học" (Python's address parser is such a reader)
    shown = parse(data)["To"].addresses[0].display_name
    assert " ".join(shown.split()) == name
