"""A name two agencies share is refused the same way by every command that takes one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.store.db import Store
from tests import factories as f
from tests.test_cli_actions import invoke

BOTH = (
    "'Sở Công Thương' khớp với 2 cơ quan: hb.so-cong-thuong (Sở Công Thương, Hòa Bình); "
    "hn.so-cong-thuong (Sở Công Thương, Hà Nội); hãy nêu một mã"
)


@pytest.fixture
def two_departments(store: Store) -> None:
    with store.session() as s:
        plan = f.plan(s)
        hanoi = f.agency(s)
        hoabinh = f.agency(s, "hb.so-cong-thuong", jurisdiction="Hòa Bình")
        f.obligation(s, plan, hanoi)
        f.obligation(s, plan, hoabinh, title="Báo cáo của Hòa Bình")


@pytest.mark.parametrize(
    "args",
    [
        ["agenda", "--from", "2026-01-01", "--to", "2026-12-31"],
        ["waive", "--agency", "Sở Công Thương", "--reason", "x", "--dry-run"],
        ["letter", "-o", "thu.docx"],
        ["digest"],
    ],
)
def test_every_command_lists_both_with_their_province_and_stops(
    cli: CliRunner,
    store: Store,
    two_departments: None,
    args: list[str],
    tmp_path: Path,
) -> None:
    if "--agency" not in args:
        args = [*args, "--agency", "Sở Công Thương"]
    args = [str(tmp_path / a) if a.endswith(".docx") else a for a in args]
    code, out, err = invoke(cli, store, *args)
    assert code == 2
    assert BOTH in " ".join(err.split())
    assert out == ""


def test_a_key_names_one_of_them(cli: CliRunner, store: Store, two_departments: None) -> None:
    code, out, _ = invoke(
        cli, store, "agenda", "--from", "2026-01-01", "--to", "2026-12-31",
        "--agency", "hb.so-cong-thuong", "--json",
    )  # fmt: skip
    assert code == 0
    assert [item["title"] for item in json.loads(out)] == ["Báo cáo của Hòa Bình"]
