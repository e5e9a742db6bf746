"""A plan imported in the default language reads in Vietnamese: the plan file's comments
and every warning the reviewer must look at (the other plan tests read the English msgids)."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from engine import i18n
from engine.agencies import load_directory
from engine.cli import app
from engine.plans.importer import import_plan
from tests.conftest import ROOT
from tests.plans.seeds import seed_path


def test_plan_import_writes_vietnamese_comments_and_warnings(cli: CliRunner) -> None:
    result = cli.invoke(app, ["plan", "import", str(seed_path("001_5b72bc9a7a6ed25c"))])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "# tệp kế hoạch nhacviec nhập từ 001_5b72bc9a7a6ed25c.txt (đọc dạng markdown)."
    )
    assert "# 10 nhiệm vụ, 2 nhiệm vụ định kỳ, 4 cảnh báo" in result.stdout
    warnings = [w["message"] for w in yaml.safe_load(result.stdout)["warnings"]]
    assert warnings == [
        "báo cáo 6 tháng không có ngày trong văn bản; due để trống (null)",
        "báo cáo năm không có ngày trong văn bản; due để trống (null)",
        "nhiệm vụ cuối cùng kết thúc giữa câu ('… động truyền thông, vận'): văn bản có thể bị cắt",
        "cơ quan 'Các doanh nghiệp trên địa bàn TP' không có trong danh bạ: giữ nguyên như "
        "bản in (còn ở các dòng 152, 156, 157, 165, 166)",
    ]
    assert "# ⚠ dòng 150: cơ quan 'Các doanh nghiệp trên địa bàn TP'" in result.stdout


def test_the_same_warning_reads_in_english_on_request() -> None:
    directory = load_directory(ROOT / "config" / "agencies.yaml")
    seed = seed_path("001_5b72bc9a7a6ed25c")
    vietnamese = [w.message for w in import_plan(seed, directory).plan.warnings]
    i18n.use("en")
    english = [w.message for w in import_plan(seed, directory).plan.warnings]
    assert len(vietnamese) == len(english) == 4
    assert all(v != e for v, e in zip(vietnamese, english, strict=True))


LETTER = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG NAM
Số: 1234/UBND-KTN
V/v triển khai thực hiện Chỉ thị số 15/CT-TTg của Thủ tướng Chính phủ
Quảng Nam, ngày 12 tháng 5 năm 2026

Kính gửi: Sở Xây dựng; Sở Tài chính.

Thực hiện Chỉ thị số 15/CT-TTg ngày 02/5/2026 của Thủ tướng Chính phủ, Chủ tịch UBND tỉnh
có ý kiến như sau:

Giao Sở Xây dựng chủ trì, phối hợp với Sở Tài chính nghiên cứu, tham mưu UBND tỉnh ban hành
kế hoạch triển khai thực hiện Chỉ thị số 15/CT-TTg; hoàn thành trước ngày 30/6/2026.

Nơi nhận:
- Như trên;
- Lưu: VT.
"""


def test_a_task_read_from_prose_warns_in_vietnamese(cli: CliRunner, tmp_path: Path) -> None:
    letter = tmp_path / "cv1234.txt"
    letter.write_text(LETTER, encoding="utf-8")
    result = cli.invoke(app, ["plan", "import", str(letter)])
    assert result.exit_code == 0, result.output
    plan = yaml.safe_load(result.stdout)
    assert [t["lead"] for t in plan["tasks"]] == [["Sở Xây dựng"]]
    # the sentence is wrapped over two lines: its deadline is on the second
    assert plan["tasks"][0]["source_lines"] == [12, 13]
    assert plan["tasks"][0]["occurrences"][0]["end"].isoformat() == "2026-06-29"
    assert (
        "nhiệm vụ 1: thời gian 'hoàn thành trước ngày 30/6/2026' được đọc từ câu giao nhiệm "
        "vụ: hãy kiểm tra"
    ) in [w["message"] for w in plan["warnings"]]
