"""Web pages saved from legal-document portals: the document's paragraphs and tables,
none of the site around it. Each test writes its own page, shaped like the portal's."""

from __future__ import annotations

import unicodedata

import pytest

from engine.agencies import Directory, load_directory
from engine.errors import InputError
from engine.plans.detect import detect_format
from engine.plans.html import read_html
from engine.plans.importer import import_bytes
from tests.conftest import ROOT

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

SITE_TOP = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>Kế hoạch 15/KH-UBND 2026 - Thư viện Pháp luật</title>
<style>.content1 { font: 14px Arial; }</style>
<script>var tvpl = {"user": "guest"}; document.write("Đăng nhập");</script></head>
<body>
<div id="header"><ul class="menu"><li>Trang chủ</li><li>Văn bản pháp luật</li><li>Hỏi đáp</li></ul>
<div class="banner">Gói dịch vụ VIP: tra cứu không giới hạn</div></div>
<div class="boxTTVB"><table>
<tr><td><b>Số hiệu:</b></td><td>15/KH-UBND</td>
<td><b>Loại văn bản:</b></td><td>Kế hoạch</td></tr>
<tr><td><b>Nơi ban hành:</b></td><td>Tỉnh Lào Cai</td>
<td><b>Người ký:</b></td><td>Nguyễn Văn A</td></tr>
<tr><td><b>Ngày ban hành:</b></td><td>05/03/2026</td>
<td><b>Ngày hiệu lực:</b></td><td>Đã biết</td></tr>
</table></div>
"""

DOCUMENT = """
<table border="0" width="100%">
<tr><td><b>ỦY BAN NHÂN DÂN<br>TỈNH LÀO CAI</b><br>-------</td>
<td><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</b></td></tr>
<tr><td>Số: 15/KH-UBND</td><td><i>Lào Cai, ngày 05 tháng 3 năm 2026</i></td></tr>
</table>
<p align="center"><b>KẾ HOẠCH</b></p>
<p align="center"><b>Kiểm tra an toàn vật liệu nổ công nghiệp năm 2026</b></p>
<p>Căn cứ Quyết định số 1050/QĐ-SCT ngày 06/3/2026 của Giám đốc Sở Công Thương,
Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:</p>
<p><b>1. Sở Công Thương:</b></p>
<p>a) Chủ trì, phối hợp với Công an tỉnh tổ chức kiểm tra, hoàn thành trong Quý II/2026.</p>
<p align="center"><b>PHỤ LỤC</b></p>
<table border="1" cellspacing="0">
<tr><td rowspan="2"><b>TT</b></td><td rowspan="2"><b>Nội dung</b></td>
<td colspan="2"><b>Thực hiện</b></td><td rowspan="2"><b>Thời gian</b></td></tr>
<tr><td><b>Đơn vị chủ trì</b></td><td><b>Đơn vị phối hợp</b></td></tr>
<tr><td>1</td><td><p>Kiểm tra mỏ đá Bảo Hà</p></td><td rowspan="2">Sở Công Thương</td>
<td><p>- Công an tỉnh;</p><p>- Sở Tài chính</p></td><td>Quý II/2026</td></tr>
<tr><td>2</td><td>Kiểm tra kho mìn Văn Bàn</td><td>Sở Nội vụ</td><td>Quý III/2026</td></tr>
</table>
"""

SITE_BOTTOM = """
<div class="luutru">Lưu trữ</div><div class="ghichu">Ghi chú</div>
<div id="related-docs"><h3>Văn bản liên quan</h3>
<p>Quyết định 1050/QĐ-SCT năm 2026 kiểm tra vật liệu nổ</p></div>
<div id="footer">© 2026 THƯ VIỆN PHÁP LUẬT. Đường dây nóng: (028) 3930.3279</div>
<div class="popup-login" style="display:none">Bạn vừa bị Đăng xuất khỏi Tài khoản</div>
</body></html>
"""


def portal(container: str = '<div class="content1"><div class="content1">{}</div></div>') -> bytes:
    return (SITE_TOP + container.format(DOCUMENT) + SITE_BOTTOM).encode()


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def test_a_saved_page_is_recognised_by_its_content() -> None:
    assert detect_format(portal(), "plan.aspx") == "html"
    assert detect_format(DOCUMENT.encode(), "fragment.txt") == "html"  # a fragment of a page


def test_the_document_is_read_without_the_site_around_it() -> None:
    document = read_html(portal(), "plan.html")
    texts = [line.text for line in document.lines]
    assert texts == [
        "KẾ HOẠCH",
        "Kiểm tra an toàn vật liệu nổ công nghiệp năm 2026",
        "Căn cứ Quyết định số 1050/QĐ-SCT ngày 06/3/2026 của Giám đốc Sở Công Thương, "
        "Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:",
        "1. Sở Công Thương:",
        "a) Chủ trì, phối hợp với Công an tỉnh tổ chức kiểm tra, hoàn thành trong Quý II/2026.",
        "PHỤ LỤC",
    ]
    assert document.lines[0].bold and not document.lines[2].bold
    everything = " ".join(
        texts + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    for furniture in ("Trang chủ", "VIP", "Người ký", "Lưu trữ", "Ghi chú", "liên quan", "Đăng"):
        assert furniture not in everything
    assert document.format == "html"


def test_the_header_table_keeps_its_cells_and_lines() -> None:
    header = read_html(portal(), "plan.html").tables[0]
    assert [row.texts for row in header.rows] == [
        [
            "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI\n-------",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
        ],
        ["Số: 15/KH-UBND", "Lào Cai, ngày 05 tháng 3 năm 2026"],
    ]


def test_colspan_and_rowspan_become_merged_cells() -> None:
    table = read_html(portal(), "plan.html").tables[1]
    rows = table.rows
    assert rows[0].texts == ["TT", "Nội dung", "Thực hiện", "Thực hiện", "Thời gian"]
    assert [c.merged for c in rows[0].cells] == [None, None, None, "left", None]
    assert rows[1].texts == ["TT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian"]
    assert [c.merged for c in rows[1].cells] == ["above", "above", None, None, "above"]
    assert rows[2].texts == [
        "1",
        "Kiểm tra mỏ đá Bảo Hà",
        "Sở Công Thương",
        "- Công an tỉnh;\n- Sở Tài chính",
        "Quý II/2026",
    ]
    assert rows[3].texts == [
        "2",
        "Kiểm tra kho mìn Văn Bàn",
        "Sở Công Thương",
        "Sở Nội vụ",
        "Quý III/2026",
    ]
    assert rows[3].cells[2].merged == "above" and rows[3].cells[2].first == rows[2].first
    assert [r.first for r in rows] == sorted({r.first for r in rows})  # one line a row


@pytest.mark.parametrize(
    "container",
    [
        '<div id="toanvancontent">{}</div>',  # vbpl.vn
        '<div class="main"><div class="doc">{}</div>'
        '<div class="sidebar"><p>Tin mới</p></div></div>',
    ],
)
def test_other_portals_and_unknown_layouts_give_the_same_document(container: str) -> None:
    document = read_html(portal(container), "plan.html")
    assert [line.text for line in document.lines][:2] == [
        "KẾ HOẠCH",
        "Kiểm tra an toàn vật liệu nổ công nghiệp năm 2026",
    ]
    assert len(document.tables) == 2


def test_a_saved_page_imports_with_its_tasks(directory: Directory) -> None:
    one_header_row = DOCUMENT.replace(
        '<tr><td rowspan="2"><b>TT</b></td><td rowspan="2"><b>Nội dung</b></td>\n'
        '<td colspan="2"><b>Thực hiện</b></td><td rowspan="2"><b>Thời gian</b></td></tr>\n'
        "<tr><td><b>Đơn vị chủ trì</b></td><td><b>Đơn vị phối hợp</b></td></tr>",
        "<tr><th>TT</th><th>Nội dung</th><th>Đơn vị chủ trì</th><th>Đơn vị phối hợp</th>"
        "<th>Thời gian</th></tr>",
    )
    assert one_header_row != DOCUMENT
    page = (SITE_TOP + f'<div class="content1">{one_header_row}</div>' + SITE_BOTTOM).encode()
    plan = import_bytes(page, "plan.html", directory).plan
    assert [t.number for t in plan.tasks] == ["1", "2"]
    assert [t.lead for t in plan.tasks] == [["Sở Công Thương"], ["Sở Công Thương"]]


def cp1258(text: str) -> bytes:
    """Windows-1258: letters with their vowel marks (â, ê, ơ …) composed, tone marks
    combining, as Vietnamese Windows wrote them."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def test_a_page_in_the_vietnamese_code_page_is_decoded() -> None:
    page = "<html><body><p>Kế hoạch số 15/KH-UBND của Ủy ban nhân dân tỉnh</p></body></html>"
    document = read_html(cp1258(page), "old.html")
    assert document.lines[0].text == "Kế hoạch số 15/KH-UBND của Ủy ban nhân dân tỉnh"


def test_a_page_without_document_text_is_a_clear_error() -> None:
    page = (
        "<html><body><div class='menu'>Trang chủ</div><script>x()</script></body></html>".encode()
    )
    with pytest.raises(InputError, match=r"plan\.html: an HTML page without any document text"):
        read_html(page, "plan.html")
