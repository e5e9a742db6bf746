"""``nhacviec contacts invite|list``."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from engine.bot import links
from engine.cli import app
from engine.store.db import Store
from engine.store.models import Contact
from tests.helpers import cli_url
from tests.telegram.world import NOW, SCT_CHAT, STC_CHAT, World, build_world

ISSUED = "2026-06-10T09:00+07:00"


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def invoke(cli: CliRunner, store: Store, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, ["--db", cli_url(store), *args])
    return result.exit_code, result.stdout, result.stderr


def code_in(output: str) -> str:
    match = re.search(r"/start ([A-Z0-9]+)", output)
    assert match, output
    return match.group(1)


def test_invite_prints_a_one_time_code_and_stores_only_its_hash(
    cli: CliRunner, store: Store, world: World
) -> None:
    status, out, _ = invoke(
        cli, store, "contacts", "invite", "hn.so-cong-thuong.coordinator", "--now", ISSUED
    )
    assert status == 0
    assert out.splitlines()[0] == (
        "Invitation for Phòng Kế hoạch - SCT (hn.so-cong-thuong.coordinator), "
        "valid until 17/06/2026 09:00:"
    )
    code = code_in(out)
    with store.session() as s:
        contact = s.get(Contact, world.sct_contact)
        assert contact is not None
        assert contact.invite_code_hash == links.hash_code(code)
        assert code not in (contact.invite_code_hash or "")
        linked = links.redeem(s, code, "telegram", "7007", NOW)
        assert linked is not None and linked.id == world.sct_contact
        assert links.redeem(s, code, "telegram", "8008", NOW) is None  # spent


def test_inviting_again_replaces_the_code(cli: CliRunner, store: Store, world: World) -> None:
    first = code_in(
        invoke(cli, store, "contacts", "invite", str(world.stc_contact), "--now", ISSUED)[1]
    )
    second = code_in(
        invoke(cli, store, "contacts", "invite", str(world.stc_contact), "--now", ISSUED)[1]
    )
    with store.session() as s:
        assert links.redeem(s, first, "telegram", "7007", NOW) is None
        assert links.redeem(s, second, "telegram", "7007", NOW) is not None


def test_invite_json_and_days(cli: CliRunner, store: Store, world: World) -> None:
    status, out, _ = invoke(
        cli, store, "contacts", "invite", str(world.stc_contact), "--days", "2", "--json",
        "--now", ISSUED,
    )  # fmt: skip
    assert status == 0
    data = json.loads(out)
    assert data["contact"] == "hn.so-tai-chinh.coordinator"
    assert data["start"] == f"/start {data['code']}"
    assert data["expires"] == "2026-06-12T09:00:00+07:00"


def test_inviting_an_unknown_contact_is_exit_status_2(
    cli: CliRunner, store: Store, world: World
) -> None:
    status, _, err = invoke(cli, store, "contacts", "invite", "hn.khong-co")
    assert status == 2
    assert "no contact 'hn.khong-co'" in err


def test_list_shows_links_invitations_and_flags(
    cli: CliRunner, store: Store, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.session() as s:
        assert links.flag_chat(s, "telegram", str(STC_CHAT), "bot was blocked by the user") == 1
        contact = s.get(Contact, world.ubnd_contact)
        assert contact is not None
        contact.set_address("telegram", None)
        links.new_invite(s, contact, NOW)
    status, out, _ = invoke(cli, store, "contacts", "list", "--json", "--now", ISSUED)
    assert status == 0
    rows = {row["key"]: row for row in json.loads(out)}
    assert rows["hn.so-tai-chinh.coordinator"]["flags"] == {
        "telegram": "bot was blocked by the user"
    }
    assert rows["hn.so-cong-thuong.coordinator"]["linked"] == {"telegram": True, "zalo": False}
    assert rows["hn.so-cong-thuong.coordinator"]["addresses"] == {
        "email": "hn.so-cong-thuong@example.org",
        "telegram": str(SCT_CHAT),
    }
    assert rows["hn.ubnd.coordinator"]["linked"] == {"telegram": False, "zalo": False}
    assert rows["hn.ubnd.coordinator"]["invited_until"] is not None
    monkeypatch.setenv("COLUMNS", "200")
    status, out, _ = invoke(cli, store, "contacts", "list", "--now", ISSUED)
    assert status == 0
    assert "telegram: bot was blocked by the user" in out
    assert "linked (1001)" in out
    assert "invited" in out
    status, out, _ = invoke(cli, store, "contacts", "list", "--agency", "hn.ubnd", "--json")
    assert [row["key"] for row in json.loads(out)] == ["hn.ubnd.coordinator"]
