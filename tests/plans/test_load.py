"""Plan files into the store: upserts, inactive tasks, the directory, one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from engine.agencies import ContactEntry, Directory, load_directory
from engine.cli import app
from engine.plans.importer import import_plan
from engine.plans.load import LoadReport, load_plan, sync_directory
from engine.plans.model import PlanFile
from engine.plans.yamlout import dump_plan
from engine.store.db import Store
from engine.store.models import Agency, Contact, Plan, Task, TaskAgency
from tests.conftest import ROOT
from tests.helpers import cli_url
from tests.plans.seeds import seed_path

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


@pytest.fixture(scope="module")
def hoa_binh(directory: Directory) -> PlanFile:
    return import_plan(seed_path("003_2a2fdc554bb9deb4"), directory).plan


def load(store: Store, plan: PlanFile, directory: Directory, now: datetime = NOW) -> LoadReport:
    with store.session() as s:
        sync_directory(s, directory, now)
        return load_plan(s, plan, directory, now)


def count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_a_loaded_plan_has_its_tasks_and_their_agencies(
    store: Store, directory: Directory, hoa_binh: PlanFile
) -> None:
    report = load(store, hoa_binh, directory)
    assert report.created and report.tasks_added == 18
    with store.session() as s:
        plan = s.scalars(sa.select(Plan)).one()
        assert (plan.key, plan.number, plan.period_start, plan.period_end) == (
            "hb-2583-qd-ubnd-2020",
            "2583/QĐ-UBND",
            2021,
            2030,
        )
        assert plan.owner is not None and plan.owner.key == "hb.so-cong-thuong"
        assert plan.data["tasks"][16]["lead"] == [
            "Sở Giáo dục và Đào tạo",
            "Sở Lao động - Thương binh và Xã hội",
        ]
        task = s.scalars(sa.select(Task).where(Task.key == "17")).one()
        links = s.execute(
            sa.select(TaskAgency.role, Agency.key)
            .join(Agency, Agency.id == TaskAgency.agency_id)
            .where(TaskAgency.task_id == task.id)
            .order_by(TaskAgency.role, TaskAgency.position)
        ).all()
        assert links == [
            ("coordinator", "hb.cac-so-ban-nganh-tinh"),
            ("coordinator", "hb.ubnd-cac-huyen-thanh-pho"),
            ("coordinator", "all.cac-don-vi-co-lien-quan"),
            ("lead", "hb.so-giao-duc-va-dao-tao"),
            ("lead", "hb.so-lao-dong-thuong-binh-va-xa-hoi"),
        ]
        outside = s.scalars(sa.select(Agency).where(Agency.in_directory.is_(False))).all()
        assert {a.key for a in outside} == {
            "hb.x-cac-dn-to-chuc-ca-nhan-tren-dia-ban-tinh",
            "hb.x-cac-doanh-nghiep-to-chuc-ca-nhan-tren-dia-ban-tinh",
        }


def test_loading_again_updates_in_place_without_duplicates(
    store: Store, directory: Directory, hoa_binh: PlanFile
) -> None:
    load(store, hoa_binh, directory)
    with store.session() as s:
        before = sorted(s.execute(sa.select(Task.key, Task.id)).all())
    again = load(store, hoa_binh, directory, LATER)
    assert not again.created and not again.changed
    assert again.tasks_unchanged == 18
    with store.session() as s:
        assert sorted(s.execute(sa.select(Task.key, Task.id)).all()) == before
        assert s.scalars(sa.select(Plan.loaded_at)).one() == LATER
    assert count(store, Plan) == 1
    assert count(store, Task) == 18
    assert count(store, TaskAgency) == sum(
        len(set(t.lead)) + len(set(t.coordinators)) for t in hoa_binh.tasks
    )


def test_a_task_dropped_from_the_file_becomes_inactive_and_edits_update(
    store: Store, directory: Directory, hoa_binh: PlanFile
) -> None:
    load(store, hoa_binh, directory)
    edited = hoa_binh.model_copy(deep=True)
    edited.tasks = [t for t in edited.tasks if t.key != "5"]
    edited.tasks[0].title = "Tập huấn (sửa)"
    report = load(store, edited, directory, LATER)
    assert report.changed
    # task 1's title, and tasks 6-18 moved up one position: 14 updated
    assert (report.tasks_updated, report.tasks_deactivated) == (14, 1)
    with store.session() as s:
        dropped = s.scalars(sa.select(Task).where(Task.key == "5")).one()
        assert dropped.active is False
        assert s.scalars(sa.select(Task.title).where(Task.key == "1")).one() == "Tập huấn (sửa)"
    back = load(store, hoa_binh, directory, LATER)
    assert back.tasks_added == 0
    with store.session() as s:
        assert s.scalars(sa.select(Task.active).where(Task.key == "5")).one() is True


def test_a_failed_load_leaves_the_store_as_it_was(
    store: Store, directory: Directory, hoa_binh: PlanFile
) -> None:
    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted), store.session() as s:
        sync_directory(s, directory, NOW)
        load_plan(s, hoa_binh, directory, NOW)
        raise Interrupted
    for model in (Agency, Contact, Plan, Task, TaskAgency):
        assert count(store, model) == 0, model.__name__


def test_the_directory_sync_keeps_linked_chats_and_deactivates_leavers(
    store: Store, directory: Directory
) -> None:
    with store.session() as s:
        sync_directory(s, directory, NOW)
        contact = s.scalars(
            sa.select(Contact).where(Contact.key == "hb.so-cong-thuong.coordinator")
        ).one()
        contact.set_address("telegram", "424242")  # linked through /start CODE
    smaller = directory.model_copy(deep=True)
    smaller.agencies = [a for a in smaller.agencies if a.key != "hb.so-tai-chinh"]
    sct = next(a for a in smaller.agencies if a.key == "hb.so-cong-thuong")
    sct.contacts[0] = ContactEntry(
        role="coordinator", name="Phòng Quản lý công nghiệp", email="qlcn@example.org"
    )
    with store.session() as s:
        report = sync_directory(s, smaller, LATER)
    assert (report.contacts_deactivated, report.agencies_left) == (2, 1)
    with store.session() as s:
        contact = s.scalars(
            sa.select(Contact).where(Contact.key == "hb.so-cong-thuong.coordinator")
        ).one()
        assert (contact.name, contact.addresses) == (
            "Phòng Quản lý công nghiệp",
            {"email": "qlcn@example.org", "telegram": "424242"},
        )
        gone = s.scalars(sa.select(Contact).where(Contact.key.like("hb.so-tai-chinh.%"))).all()
        assert [c.active for c in gone] == [False, False]
        left = s.scalars(sa.select(Agency).where(Agency.key == "hb.so-tai-chinh")).one()
        assert left.in_directory is False


# -- through the command line -----------------------------------------------------------


@pytest.fixture
def plan_file(tmp_path: Path, directory: Directory, hoa_binh: PlanFile) -> Path:
    path = tmp_path / "hb.yaml"
    path.write_text(dump_plan(hoa_binh), encoding="utf-8")
    return path


def test_plan_load_then_list_and_show(store: Store, cli: CliRunner, plan_file: Path) -> None:
    db = cli_url(store)
    first = cli.invoke(app, ["--db", db, "plan", "load", str(plan_file)])
    assert first.exit_code == 0, first.output
    assert "Created plan hb-2583-qd-ubnd-2020" in first.stdout
    assert "18 tasks added" in first.stdout
    second = cli.invoke(app, ["--db", db, "plan", "load", str(plan_file)])
    assert "Unchanged: plan hb-2583-qd-ubnd-2020" in second.stdout
    assert "18 unchanged" in second.stdout

    listing = cli.invoke(app, ["--db", db, "plan", "list", "--json"])
    rows = __import__("json").loads(listing.stdout)
    assert [(r["key"], r["period"], r["tasks"], r["owner"]) for r in rows] == [
        ("hb-2583-qd-ubnd-2020", "2021–2030", 18, "Sở Công Thương")
    ]
    readable = cli.invoke(app, ["--db", db, "plan", "list"])
    assert "hb-2583-qd-ubnd-2020" in readable.stdout

    shown = cli.invoke(app, ["--db", db, "plan", "show", "hb-2583-qd-ubnd-2020"])
    assert shown.exit_code == 0, shown.output
    assert "Sở Giáo dục và Đào tạo" in shown.stdout
    assert "Hàng năm" in shown.stdout and "2021- 2030" in shown.stdout
    missing = cli.invoke(app, ["--db", db, "plan", "show", "nope"])
    assert missing.exit_code == 2
    assert "no plan has the key, number or id 'nope'; plans: hb-2583-qd-ubnd-2020" in missing.stderr


def test_a_bad_plan_file_is_refused_with_its_line_and_the_store_is_unchanged(
    store: Store, cli: CliRunner, plan_file: Path, tmp_path: Path
) -> None:
    db = cli_url(store)
    assert cli.invoke(app, ["--db", db, "plan", "load", str(plan_file)]).exit_code == 0
    text = plan_file.read_text(encoding="utf-8")
    lines = text.split("\n")
    index = lines.index("period: {start: 2021, end: 2030}")
    lines[index] = "period: {start: 2031, end: 2030}"
    bad_line = next(i for i, line in enumerate(lines) if line.startswith('  - key: "3"'))
    lines[bad_line] = '  - key: "3 bis"'
    bad = tmp_path / "bad.yaml"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with store.session() as s:
        before = s.scalars(sa.select(Plan.content_hash)).one()

    result = cli.invoke(app, ["--db", db, "plan", "load", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:{index + 1}: period: period end 2030 is before its start 2031" in result.stderr
    assert (
        f"{bad}:{bad_line + 1}: tasks.2.key: expected a short key of letters, digits, '.', '_' "
        "or '-', starting with a letter or a digit (such as 3a or nv-12); got '3 bis'"
    ) in " ".join(result.stderr.split())
    assert "String should match" not in result.stderr and "pattern" not in result.stderr
    with store.session() as s:
        assert s.scalars(sa.select(Plan.content_hash)).one() == before
        assert s.scalar(sa.select(sa.func.count()).select_from(Task)) == 18


def test_every_committed_plan_file_loads(store: Store, directory: Directory) -> None:
    from engine.yamlpos import load_yaml, validate

    paths = sorted((ROOT / "plans").glob("*.yaml"))
    assert len(paths) == 5
    for path in paths:
        data, positions = load_yaml(path.read_text(encoding="utf-8"), str(path))
        load(store, validate(PlanFile, data, positions, str(path)), directory)
    assert count(store, Plan) == 5
    assert count(store, Task) == 14 + 10 + 10 + 18 + 33


def test_values_too_long_for_the_store_are_refused_before_writing(
    store: Store, directory: Directory, hoa_binh: PlanFile
) -> None:
    from engine.errors import InputErrors

    edited = hoa_binh.model_copy(deep=True)
    edited.tasks[2].number = "3" * 41
    with pytest.raises(InputErrors, match=r"tasks\.2\.number: longer than 40 characters"):
        load(store, edited, directory)
    assert count(store, Plan) == 0


def test_a_plan_file_states_monthly_and_quarterly_days_and_refuses_a_day_on_a_yearly_duty(
    store: Store, cli: CliRunner, plan_file: Path, tmp_path: Path
) -> None:
    db = cli_url(store)
    lines = plan_file.read_text(encoding="utf-8").split("\n")
    first = lines.index("reporting:") + 1
    duties = [
        "  - kind: report",
        "    frequency: monthly",
        '    due: "19"',
        "    text: trước ngày 20 hằng tháng",
        "  - kind: report",
        "    frequency: quarterly",
        "    due: 14",  # typed without quotes: still the day 14
        "    text: trước ngày 15 tháng cuối quý",
        "  - kind: report",
        "    frequency: quarterly",
        "    due: 03-20",  # the form before days: its day, 20
        "    text: quý",
    ]
    good = tmp_path / "days.yaml"
    good.write_text("\n".join([*lines[:first], *duties, *lines[first:]]), encoding="utf-8")
    loaded = cli.invoke(app, ["--db", db, "plan", "load", str(good)])
    assert loaded.exit_code == 0, loaded.output

    duties[1] = "    frequency: yearly"
    bad = tmp_path / "bad-day.yaml"
    bad.write_text("\n".join([*lines[:first], *duties, *lines[first:]]), encoding="utf-8")
    refused = cli.invoke(app, ["--db", db, "plan", "load", str(bad)])
    assert refused.exit_code == 2
    assert (
        f"{bad}:{first + 3}: reporting.0.due: '19' is a day of the month, but a "
        'yearly duty needs a month-day "MM-DD"'
    ) in refused.stderr
