"""The signed-in pages in Chromium: the scorecard, an obligation's actions, extensions,
who is refused, and forms without their CSRF token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import expect
from typer.testing import CliRunner

from engine.cli import app
from engine.store.models import AuditEvent, ExtensionRequest, Obligation, Plan
from tests.reports import scenario as report_scenario
from tests.workspace import scenario
from tests.workspace.conftest import Live

FIELDS = ("total", "done_on_time", "done_late", "not_done_in_time", "not_done_overdue",
          "waived", "open", "acknowledged")  # fmt: skip


def status_json(live: Live, tmp_path: Path, plan: str) -> dict[str, Any]:
    """``nhacviec status --json`` on the same database, as of the app's day."""
    config = tmp_path / "cli.toml"
    config.write_text(f'[paths]\ntemplates = "{live.settings.paths.templates}"\n', "utf-8")
    day = live.clock.now.astimezone(live.settings.time.zone).date().isoformat()
    args = ["--config", str(config), "--db", str(live.store.engine.url), "status", "--json",
            "--plan", plan, "--as-of", day]  # fmt: skip
    env = {}
    if live.store.dialect == "postgresql":  # the test's own schema, as libpq reads it
        with live.store.engine.connect() as conn:
            path = conn.execute(sa.text("SHOW search_path")).scalar_one()
        env["PGOPTIONS"] = f"-csearch_path={path}"
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def table_of(page: Any, plan: str) -> dict[str, dict[str, Any]]:
    """The scorecard table of one plan as the browser shows it: agency → field → value."""
    rows: dict[str, dict[str, Any]] = {}
    section = page.locator(f'section[data-plan="{plan}"]')
    for row in section.locator("tr[data-agency]").all():
        cells = {}
        for cell in row.locator("td[data-field]").all():
            name = cell.get_attribute("data-field")
            if name == "on_time_rate":
                value = cell.get_attribute("data-value")
                cells[name] = float(value) if value else None
            else:
                cells[name] = int(cell.inner_text().split()[0])
        rows[row.get_attribute("data-agency")] = cells
    return rows


def test_the_owners_scorecard_shows_the_numbers_of_status_json(
    live: Live, page: Any, tmp_path: Path
) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.SCT_MAIL)
    expect(
        page.get_by_role("heading", name="Tình hình thực hiện đến hết ngày 30/06/2026")
    ).to_be_visible()
    live.shoot(page, "tinh-hinh")
    shown = table_of(page, people.plan_key)
    expected = status_json(live, tmp_path, people.plan_key)
    assert len(expected["agencies"]) == 3
    for row in expected["agencies"]:
        assert shown[row["key"]] == {k: row[k] for k in (*FIELDS, "on_time_rate")}, row["key"]
    assert shown["totals"] == {k: expected["totals"][k] for k in (*FIELDS, "on_time_rate")}
    expect(page.get_by_role("link", name=report_scenario.SXD)).to_be_visible()
    months = page.locator(f'section[data-plan="{people.plan_key}"] table.chart')
    # March: done on time, and late; April: overdue within an extension; May: done
    # within an extension, and overdue; June: nothing decided yet.
    march = months.locator('tr[data-month="2026-03"]').inner_text()
    assert [cell.strip() for cell in march.split("\t")[1:]] == [
        "50%", "1 / 2"]  # fmt: skip
    assert "0 / 1" in months.locator('tr[data-month="2026-04"]').inner_text()
    assert "0 / 2" in months.locator('tr[data-month="2026-05"]').inner_text()
    assert "—" in months.locator('tr[data-month="2026-06"]').inner_text()


def test_an_agency_sees_only_its_own_row(live: Live, page: Any, tmp_path: Path) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.SXD_MAIL)
    shown = table_of(page, people.plan_key)
    expected = status_json(live, tmp_path, people.plan_key)
    (mine,) = [row for row in expected["agencies"] if row["agency"] == report_scenario.SXD]
    assert list(shown) == [mine["key"]]
    assert shown[mine["key"]] == {k: mine[k] for k in (*FIELDS, "on_time_rate")}
    assert page.get_by_text(report_scenario.TNMT).count() == 0


def test_an_agency_acknowledges_and_then_reports_done_with_its_report_number(
    live: Live, page: Any
) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.TNMT_MAIL)
    page.get_by_role("navigation").get_by_role("link", name="Nghĩa vụ", exact=True).click()
    live.shoot(page, "nghia-vu")
    page.get_by_role("link", name="Báo cáo kết quả quý II").click()
    page.wait_for_url(f"{live.url}/nghia-vu/{people.tnmt_open}")
    expect(page.get_by_text("15/07/2026")).to_be_visible()
    live.shoot(page, "nghia-vu-chi-tiet")
    page.get_by_role("button", name="Xác nhận đã nhận").click()
    page.get_by_text("Đã ghi nhận: Sở Tài nguyên và Môi trường đã nhận nhiệm vụ.").wait_for()
    assert page.get_by_role("button", name="Xác nhận đã nhận").count() == 0

    page.get_by_label("Số báo cáo (nếu có)").fill("245/BC-STNMT")
    page.get_by_label("Ghi chú (nếu có)").fill("Đã gửi qua hệ thống văn bản")
    page.get_by_role("button", name="Đã hoàn thành").click()
    page.get_by_text("Đã ghi nhận hoàn thành, báo cáo số 245/BC-STNMT.").wait_for()
    history = page.locator("#history")
    expect(history.get_by_text("Xác nhận đã nhận")).to_be_visible()
    expect(history.get_by_text("245/BC-STNMT – Đã gửi qua hệ thống văn bản")).to_be_visible()
    live.shoot(page, "nghia-vu-hoan-thanh")
    with live.store.session() as s:
        done = s.get(Obligation, people.tnmt_open)
        assert done is not None and done.status == "done" and done.done_at == live.clock.now
        events = s.execute(sa.select(AuditEvent.event, AuditEvent.actor, AuditEvent.channel)
                           .where(AuditEvent.obligation_id == done.id)).all()  # fmt: skip
    assert [tuple(e) for e in events] == [("acknowledged", "Văn phòng Sở TNMT", "web"),
                                          ("done", "Văn phòng Sở TNMT", "web")]  # fmt: skip


def test_the_plan_owner_approves_an_extension(live: Live, page: Any) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.SCT_MAIL)
    page.get_by_role("navigation").get_by_role("link", name="Gia hạn", exact=True).click()
    request = page.locator(f'section[data-request="GH{people.request_id}"]')
    expect(request.get_by_text("31/08/2026")).to_be_visible()
    expect(request.get_by_text("Chờ số liệu của các quận, huyện")).to_be_visible()
    live.shoot(page, "gia-han")
    request.get_by_role("button", name=f"Đồng ý gia hạn GH{people.request_id}").click()
    page.get_by_text(f"Đã đồng ý gia hạn GH{people.request_id} đến 31/08/2026.").wait_for()
    expect(page.get_by_text("Không có yêu cầu gia hạn nào đang chờ.")).to_be_visible()
    with live.store.session() as s:
        decided = s.get(ExtensionRequest, people.request_id)
        moved = s.get(Obligation, people.sxd_open)
        assert decided is not None and moved is not None
        assert (decided.state, decided.decided_by) == ("approved", "Phòng Kế hoạch - SCT")
        assert moved.due_on.isoformat() == "2026-08-31"


def test_an_agency_cannot_decide_its_own_extension(live: Live, page: Any) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.SXD_MAIL)
    page.get_by_role("navigation").get_by_role("link", name="Gia hạn", exact=True).click()
    request = page.locator(f'section[data-request="GH{people.request_id}"]')
    expect(request.get_by_text("Đang chờ đơn vị chủ trì kế hoạch quyết định.")).to_be_visible()
    assert request.get_by_role("button").count() == 0
    csrf = page.locator("header input[name=csrf]").input_value()
    answer = page.evaluate(
        """async ([url, csrf]) => {
            const r = await fetch(url, {method: "POST", body: new URLSearchParams({csrf})});
            return r.status; }""",
        [f"/gia-han/{people.request_id}/dong-y", csrf],
    )
    assert answer == 403
    with live.store.session() as s:
        assert s.get(ExtensionRequest, people.request_id).state == "pending"  # type: ignore[union-attr]


def test_a_contact_of_another_agency_is_refused_and_it_is_recorded(live: Live, page: Any) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.SXD_MAIL)
    response = page.goto(f"{live.url}/nghia-vu/{people.tnmt_open}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Không có quyền")).to_be_visible()
    assert page.get_by_text("Báo cáo kết quả quý II").count() == 0
    live.shoot(page, "khong-co-quyen")
    page.goto(f"{live.url}/nghia-vu")
    assert page.get_by_text("Báo cáo kết quả quý II").count() == 0  # not listed either
    with live.store.session() as s:
        (refusal,) = s.scalars(sa.select(AuditEvent).where(AuditEvent.event == "refused"))
    assert (refusal.obligation_id, refusal.actor, refusal.channel) == (
        people.tnmt_open, "Phòng Quản lý - SXD", "web")  # fmt: skip
    assert refusal.data is not None and refusal.data["attempted"].startswith("GET /nghia-vu/")


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    live: Live, page: Any
) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.TNMT_MAIL)
    page.goto(f"{live.url}/nghia-vu/{people.tnmt_open}")
    page.eval_on_selector_all("main input[name=csrf]", "all => all.forEach(e => e.remove())")
    with page.expect_response(f"{live.url}/nghia-vu/{people.tnmt_open}/xac-nhan") as answer:
        page.get_by_role("button", name="Xác nhận đã nhận").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", name="Biểu mẫu không hợp lệ")).to_be_visible()
    live.shoot(page, "csrf")
    with live.store.session() as s:
        assert s.get(Obligation, people.tnmt_open).status == "open"  # type: ignore[union-attr]


def test_the_overdue_list_filters_by_agency(live: Live, page: Any) -> None:
    with live.store.session() as s:
        scenario.build(s)
    live.sign_in(page, scenario.SCT_MAIL)
    page.get_by_role("navigation").get_by_role("link", name="Quá hạn", exact=True).click()
    expect(page.get_by_role("heading", name="Quá hạn tính đến 30/06/2026")).to_be_visible()

    def agencies() -> list[str]:
        return [row.locator("td").nth(1).inner_text() for row in page.locator("tbody tr").all()]

    # Sở Xây dựng's in the plan Sở Công Thương owns (the other one is extended to
    # 31/07), and Sở Công Thương's own in another plan
    assert sorted(agencies()) == [report_scenario.SCT, report_scenario.SXD]
    live.shoot(page, "qua-han")
    page.get_by_label("Đơn vị").select_option(label=report_scenario.SXD)
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**/qua-han?*")
    assert agencies() == [report_scenario.SXD]


def test_an_agency_asks_for_an_extension_and_the_owner_waives_another(
    live: Live, page: Any
) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.TNMT_MAIL)
    page.goto(f"{live.url}/nghia-vu/{people.tnmt_open}")
    assert page.get_by_role("heading", name="Miễn thực hiện").count() == 0  # the owner's
    page.get_by_label("Gia hạn đến ngày").fill("31/07/2026")
    page.get_by_label("Lý do", exact=True).fill("Chờ số liệu quý II")
    page.get_by_role("button", name="Gửi yêu cầu gia hạn").click()
    page.get_by_text("Đã gửi yêu cầu gia hạn đến 31/07/2026").wait_for()
    expect(page.get_by_text("Đang chờ đơn vị chủ trì kế hoạch quyết định")).to_be_visible()
    live.shoot(page, "nghia-vu-xin-gia-han")
    csrf = page.locator("header input[name=csrf]").input_value()
    status = page.evaluate(
        """async ([url, csrf]) => (await fetch(url, {method: "POST",
            body: new URLSearchParams({csrf, reason: "x"})})).status""",
        [f"/nghia-vu/{people.tnmt_open}/mien", csrf],
    )
    assert status == 403  # waiving is the plan owner's

    live.sign_in(page, scenario.SCT_MAIL)
    page.goto(f"{live.url}/nghia-vu/{people.sxd_open}")
    page.get_by_label("Lý do miễn").fill("Nhiệm vụ đã được điều chỉnh")
    page.get_by_role("button", name="Miễn thực hiện").click()
    page.get_by_text("Đã miễn thực hiện nghĩa vụ này.").wait_for()
    assert page.locator("[data-status]").inner_text() == "Miễn thực hiện"
    with live.store.session() as s:
        waived = s.get(Obligation, people.sxd_open)
        assert waived is not None and waived.status == "waived"
        mine = ExtensionRequest.obligation_id == people.tnmt_open
        asked = s.scalars(sa.select(ExtensionRequest).where(mine)).one()
        assert (asked.state, asked.requested_via) == ("pending", "web")
        refused = s.scalars(sa.select(AuditEvent).where(AuditEvent.event == "refused")).one()
        assert refused.data is not None and refused.data["attempted"].endswith("/mien")


def test_the_plan_owner_refuses_an_extension_with_a_reason(live: Live, page: Any) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.SCT_MAIL)
    page.goto(f"{live.url}/gia-han")
    request = page.locator(f'section[data-request="GH{people.request_id}"]')
    request.get_by_label("Lý do từ chối").fill("Không đủ căn cứ")
    request.get_by_role("button", name=f"Từ chối GH{people.request_id}").click()
    page.get_by_text(f"Đã từ chối yêu cầu gia hạn GH{people.request_id}.").wait_for()
    with live.store.session() as s:
        refused = s.get(ExtensionRequest, people.request_id)
        kept = s.get(Obligation, people.sxd_open)
        assert refused is not None and kept is not None
        assert (refused.state, refused.decision_note) == ("refused", "Không đủ căn cứ")
        assert kept.due_on.isoformat() == "2026-07-31"  # the extension it had, not moved


def test_the_owner_moves_the_tracking_start_and_the_scorecard_follows(
    live: Live, page: Any, tmp_path: Path
) -> None:
    with live.store.session() as s:
        people = scenario.build(s)
    live.sign_in(page, scenario.SCT_MAIL)
    section = page.locator(f'section[data-plan="{people.plan_key}"]')
    section.get_by_label("Bắt đầu theo dõi kế hoạch từ ngày").fill("01/05/2026")
    section.get_by_role("button", name="Đổi ngày bắt đầu theo dõi").click()
    page.get_by_text("theo dõi từ 01/05/2026").first.wait_for()
    assert page.get_by_role("status").inner_text().endswith("thôi theo dõi.")
    shown = table_of(page, people.plan_key)
    expected = status_json(live, tmp_path, people.plan_key)
    assert shown["totals"] == {k: expected["totals"][k] for k in (*FIELDS, "on_time_rate")}
    assert expected["totals"]["total"] < 7  # March and April are no longer counted
    with live.store.session() as s:
        plan = s.scalars(sa.select(Plan).where(Plan.key == people.plan_key)).one()
        assert plan.track_from is not None and plan.track_from.isoformat() == "2026-05-01"

    live.sign_in(page, scenario.SXD_MAIL)  # an agency cannot
    csrf = page.locator("header input[name=csrf]").input_value()
    status = page.evaluate(
        """async ([url, csrf]) => (await fetch(url, {method: "POST",
            body: new URLSearchParams({csrf, track_from: "01/01/2020"})})).status""",
        [f"/ke-hoach/{people.plan_key}/theo-doi-tu", csrf],
    )
    assert status == 403
