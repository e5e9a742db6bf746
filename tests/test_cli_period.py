"""``nhacviec period``: the JSON a script reads, the sentence a person reads, the refusals."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from engine.cli import app


def test_json_output_is_exactly_the_documented_shape(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Tháng 3 - 12/2022", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "{\n"
        '  "expression": "Tháng 3 - 12/2022",\n'
        '  "recurrence": null,\n'
        '  "occurrences": [\n'
        "    {\n"
        '      "start": "2022-03-01",\n'
        '      "end": "2022-12-31"\n'
        "    }\n"
        "  ]\n"
        "}\n"
    )


def test_a_recurring_expression_expands_over_the_within_years(cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["period", "trước ngày 20/6 hàng năm", "--within", "2026-2027", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "expression": "trước ngày 20/6 hàng năm",
        "recurrence": "yearly",
        "occurrences": [
            {"start": None, "end": "2026-06-19"},
            {"start": None, "end": "2027-06-19"},
        ],
    }


def test_a_window_reads_as_one_sentence_in_vietnamese_and_english(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Tháng 3 - 12/2022"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Tháng 3 - 12/2022 → từ 01/03/2022 đến hết 31/12/2022 "
        "(from 1 Mar 2022 to 31 Dec 2022 inclusive)\n"
    )


def test_a_deadline_reads_as_the_last_allowed_day(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Trước 30/6/2024"])
    assert result.stdout == (
        "Trước 30/6/2024 → chậm nhất ngày 29/06/2024 (due on or before 29 Jun 2024)\n"
    )


def test_a_recurrence_is_stated_with_one_line_per_occurrence(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Quý I hàng năm", "--within", "2026 - 2027"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Quý I hàng năm → lặp lại hằng năm, 2 lần (recurs yearly, 2 occurrences):",
        "  Quý I/2026 → từ 01/01/2026 đến hết 31/03/2026 "
        "(from 1 Jan 2026 to 31 Mar 2026 inclusive)",
        "  Quý I/2027 → từ 01/01/2027 đến hết 31/03/2027 "
        "(from 1 Jan 2027 to 31 Mar 2027 inclusive)",
    ]


def test_separate_windows_are_listed_one_a_line(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Quý I, III/2023"])
    assert result.stdout.splitlines() == [
        "Quý I, III/2023 → 2 khoảng thời gian (2 windows):",
        "  Quý I/2023 → từ 01/01/2023 đến hết 31/03/2023 "
        "(from 1 Jan 2023 to 31 Mar 2023 inclusive)",
        "  Quý III/2023 → từ 01/07/2023 đến hết 30/09/2023 "
        "(from 1 Jul 2023 to 30 Sep 2023 inclusive)",
    ]


def test_continuous_covers_the_plan_period(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Thường xuyên", "--within", "2021-2030"])
    assert result.stdout.splitlines() == [
        "Thường xuyên → thường xuyên trong suốt kỳ kế hoạch, 1 lần "
        "(continuous over the plan period, 1 occurrence):",
        "  Thường xuyên → từ 01/01/2021 đến hết 31/12/2030 "
        "(from 1 Jan 2021 to 31 Dec 2030 inclusive)",
    ]


def test_an_impossible_date_is_exit_status_2_quoting_the_expression(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "31/2/2022"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "lỗi: không đọc được cách ghi thời gian '31/2/2022': "
        "31/2/2022 không phải ngày có thật (tháng 2/2022 có 28 ngày)\n"
    )


def test_an_unreadable_expression_says_what_was_expected(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Tháng 13/2022"])
    assert result.exit_code == 2
    assert "'Tháng 13/2022': không có tháng 13 (cần 1-12)" in result.stderr


def test_a_recurring_expression_without_within_is_exit_status_2(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Hàng năm"])
    assert result.exit_code == 2
    assert "'Hàng năm': cách ghi định kỳ cần giai đoạn của kế hoạch (--within)" in result.stderr


def test_a_bad_within_is_exit_status_2(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Hàng năm", "--within", "2030-2021"])
    assert result.exit_code == 2
    assert result.stderr == (
        "lỗi: không đọc được giai đoạn của kế hoạch '2030-2021': "
        "các năm 2030-2021 kết thúc trước khi bắt đầu\n"
    )


def test_brackets_in_the_expression_are_quoted_not_taken_for_markup(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "[/] [bold]x"])
    assert result.exit_code == 2
    assert "không đọc được cách ghi thời gian '[/] [bold]x': cần một tháng" in result.stderr


def test_the_command_needs_no_settings_file_or_database(cli: CliRunner) -> None:
    result = cli.invoke(app, ["--config", "/nonexistent/nhacviec.toml", "period", "Quý II/2023"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Quý II/2023 → từ 01/04/2023 đến hết 30/06/2023")


def test_work_on_demand_says_it_has_no_dates_and_exits_0(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Khi có phát sinh"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Khi có phát sinh → khi có yêu cầu, không có hạn cố định (on demand: no dates)\n"
    )
    shown = cli.invoke(app, ["period", "khi có yêu cầu", "--json"])
    assert json.loads(shown.stdout) == {
        "expression": "khi có yêu cầu",
        "recurrence": "on-demand",
        "occurrences": [],
    }


def test_work_after_an_event_says_it_has_no_dates_and_exits_0(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "Sau khi Đề án được phê duyệt"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Sau khi Đề án được phê duyệt → chờ một sự kiện, không có hạn cố định "
        "(after an event: no dates)\n"
    )
    shown = cli.invoke(app, ["period", "Theo tiến độ dự án", "--json"])
    assert json.loads(shown.stdout)["recurrence"] == "after-event"


def test_a_report_day_of_each_quarter_lists_the_quarters_last_months(cli: CliRunner) -> None:
    result = cli.invoke(app, ["period", "trước ngày 15 tháng cuối quý", "--within", "2026"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "trước ngày 15 tháng cuối quý → lặp lại hằng quý, 4 lần (recurs quarterly, 4 occurrences):",
        "  Hạn 14/03/2026 → chậm nhất ngày 14/03/2026 (due on or before 14 Mar 2026)",
        "  Hạn 14/06/2026 → chậm nhất ngày 14/06/2026 (due on or before 14 Jun 2026)",
        "  Hạn 14/09/2026 → chậm nhất ngày 14/09/2026 (due on or before 14 Sep 2026)",
        "  Hạn 14/12/2026 → chậm nhất ngày 14/12/2026 (due on or before 14 Dec 2026)",
    ]
