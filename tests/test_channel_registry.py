"""One home per channel: the registry names each channel; the code outside it asks it.

``notifiers.registry`` maps each channel's name to its package and what the engine needs
to know about it. The last test lists the code files of ``engine/`` and ``bench/`` that
spell a channel's name as a string literal and finds none but the migrations
(``NOT_YET``: history, never edited); the list may only shrink (a file converted must
leave it, a new file must not join it). Templates and configuration are data folders.
"""

from __future__ import annotations

import ast

import pytest

from notifiers.base import Message, Notifier
from notifiers.registry import CHANNELS, NOTIFIERS, mail_channels, names, reachable
from tests.conftest import ROOT

# Files outside notifiers/ that may still name a channel in a string literal, and why.
NOT_YET: dict[str, str] = {
    # history: migrations are never edited
    "engine/store/migrations/versions/0001_initial_schema.py": "a migration",
    "engine/store/migrations/versions/0003_workspace.py": "a migration",
    "engine/store/migrations/versions/0005_contact_addresses.py": "a migration",
}


def files_naming_a_channel() -> set[str]:
    """Code files of ``engine/`` and ``bench/`` with a string literal that is a channel name."""
    found = set()
    for folder in ("engine", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            if any(
                isinstance(node, ast.Constant) and node.value in CHANNELS for node in ast.walk(tree)
            ):
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_each_channel_is_a_package_whose_notifier_says_what_it_carries() -> None:
    assert names() == ("email", "telegram", "webhook", "zalo")
    for name, entry in CHANNELS.items():
        assert (ROOT / "notifiers" / name / "__init__.py").is_file()
        cls = entry.load_class()
        assert issubclass(cls, Notifier) and cls.channel == name
        assert NOTIFIERS[name] == entry.notifier
    email, telegram = (CHANNELS[n].load_class() for n in ("email", "telegram"))
    assert (email.attachments, email.buttons, email.max_length, email.gated) == (
        True,
        False,
        None,
        True,
    )
    assert (telegram.buttons, telegram.attachments, telegram.max_length) == (True, False, 4096)
    assert mail_channels() == ("email",)


def test_a_plain_notifier_has_the_defaults_of_the_base_class() -> None:
    class Plain(Notifier):
        channel = "plain"

    plain = Plain()
    assert (plain.max_length, plain.rate, plain.buttons, plain.attachments) == (
        None,
        None,
        False,
        False,
    )
    assert (plain.max_in_flight, plain.gated) == (None, False)
    assert plain.prepare(Message("k", "plain", "to", "s", "t")) is None


@pytest.mark.parametrize("name", list(CHANNELS))
def test_each_channel_has_its_templates_in_both_languages(name: str) -> None:
    for language in ("vi", "en"):
        for part in CHANNELS[name].template_parts:
            assert (ROOT / "templates" / language / f"reminder.{part}.j2").is_file()


def test_the_registry_checks_addresses_and_finds_where_a_contact_can_be_reached() -> None:
    email, telegram = CHANNELS["email"], CHANNELS["telegram"]
    webhook, zalo = CHANNELS["webhook"], CHANNELS["zalo"]
    assert webhook.check_address("https://eoffice.hanoi.gov.vn/nhan") and not webhook.linked
    assert not webhook.check_address("ftp://eoffice") and not webhook.check_address("/nhan")
    assert zalo.check_address("8123456789012345678") and zalo.check_address(77) and zalo.linked
    assert not zalo.check_address("@zalo") and not zalo.check_address(True)
    assert zalo.normalise(77) == "77"
    assert email.check_address("kh@sct.example.org") and not email.check_address("kh@sct")
    assert telegram.check_address(-100123) and telegram.check_address("1001")
    assert not telegram.check_address("@someone") and not telegram.check_address(True)

    assert telegram.linked and not email.linked
    # how the audit trail names who sent a command: Telegram's chat id stays a number
    assert telegram.sender(-100123) == {"chat_id": -100123}
    assert zalo.sender(8123456789012345678) == {"address": "8123456789012345678"}
    assert telegram.normalise(-100123) == "-100123" and telegram.normalise("1001") == "1001"

    reached: dict[str, str] = {"email": "kh@sct.example.org"}
    assert reachable(reached) == ("email",)
    reached["telegram"] = "1001"
    assert reachable(reached) == ("email", "telegram")
    del reached["email"]
    assert reachable(reached) == ("telegram",)
    assert reachable({"email": "", "fax": "024 3825 1234"}) == ()


def test_the_files_that_still_name_a_channel_only_shrink() -> None:
    found = files_naming_a_channel()
    new = sorted(found - set(NOT_YET))
    assert not new, f"these files name a channel: ask notifiers.registry instead: {new}"
    done = sorted(set(NOT_YET) - found)
    assert not done, f"these files no longer name a channel: remove them from NOT_YET: {done}"
