"""A plan imported in the default language reads in Vietnamese: the plan file's comments
and every warning the reviewer must look at (the other plan tests read the English msgids)."""

from __future__ import annotations

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
