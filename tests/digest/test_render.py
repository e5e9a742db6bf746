"""Every digest template, in both languages, on the example week: complete and well formed."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest

from engine.digest.content import Digest, agency_digests, owner_digests
from engine.digest.weeks import IsoWeek
from engine.messages.digest import render_digest
from engine.messages.types import Recipient, RenderEnv, templates_for
from engine.store.db import Store
from tests.conftest import ROOT
from tests.digest.scenario import MONDAY, happen, load
from tests.factories import HANOI
from tests.fakes.botapi import parse_html

DAY = date(2022, 12, 19)
VOID = frozenset({"br", "meta", "img", "hr"})


@pytest.fixture(scope="module")
def digests(tmp_path_factory: pytest.TempPathFactory) -> list[Digest]:
    from tests.conftest import make_sqlite_store

    stores = make_sqlite_store(tmp_path_factory.mktemp("render"))
    store: Store = next(stores)
    try:
        load(store)
        happen(store)
        with store.session() as s:
            week = IsoWeek.of(DAY)
            found: list[Digest] = [*agency_digests(s, week, DAY).values()]
            found += owner_digests(s, week, DAY, HANOI).values()
        return found
    finally:
        stores.close()


def recipient(language: str) -> Recipient:
    return Recipient(
        1,
        1,
        "Đầu mối",
        "coordinator",
        {"email": "dm@example.org", "telegram": "77"},
        language,
        True,
    )


class _Balanced(HTMLParser):
    """Counts open elements: an email whose tags do not close is a broken email."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_digest_renders_well_formed_email_and_telegram(
    digests: list[Digest], language: str
) -> None:
    env = RenderEnv(templates_for(ROOT / "templates"), HANOI, None, MONDAY)
    assert len(digests) == 21  # 19 agencies with something to report, 2 owners
    for digest in digests:
        scope = "owner" if hasattr(digest, "owner") else "agency"
        email = render_digest(env, "k", "email", f"digest_{scope}", digest, recipient(language))
        assert "\n" not in email.subject and email.subject.strip() == email.subject
        assert email.html is not None
        checker = _Balanced()
        checker.feed(email.html)
        assert checker.open == []
        chat = render_digest(env, "k", "telegram", f"digest_{scope}", digest, recipient(language))
        text, problem = parse_html(chat.text)
        assert problem is None, problem
        for item in (i for p in getattr(digest, "plans", []) for i in _items(p)):
            assert f"#{item}" in email.text and f"#{item}" in text
        greeting = "Kính gửi Đầu mối," if language == "vi" else "Dear Đầu mối,"
        assert email.text.startswith(greeting)


def _items(section: object) -> list[int]:
    """The obligation numbers a section lists (agency: all three lists; owner: the most
    overdue and the changes)."""
    names = ("overdue", "due_soon", "in_progress", "most_overdue", "newly_overdue")
    found = [i.id for name in names for i in getattr(section, name, [])]
    found += [d.item.id for d in getattr(section, "newly_done", [])]
    found += [r.item.id for r in getattr(section, "pending_extensions", [])]
    return found


def test_a_plan_without_a_number_is_named_by_its_title_never_by_its_key(
    digests: list[Digest],
) -> None:
    from dataclasses import replace

    from engine.digest.content import PlanRef

    env = RenderEnv(templates_for(ROOT / "templates"), HANOI, None, MONDAY)
    digest = next(d for d in digests if not hasattr(d, "owner") and getattr(d, "plans", None))
    title = ("Dự thảo Kế hoạch thực hiện Quyết định của Ủy ban nhân dân Thành phố về phát "
             "triển kinh tế số giai đoạn 2026 - 2030")  # fmt: skip
    draft = PlanRef(id=99, key="hn-draft-qd-ubnd-2026-2030", number=None, title=title)
    sections = [replace(digest.plans[0], plan=draft), *digest.plans[1:]]  # type: ignore[attr-defined]
    undated = replace(digest, plans=sections)  # type: ignore[type-var]
    email = render_digest(env, "k", "email", "digest_agency", undated, recipient("vi"))
    chat = render_digest(env, "k", "telegram", "digest_agency", undated, recipient("vi"))
    assert email.html is not None
    for text in (email.text, email.html, chat.text):
        assert "hn-draft-qd-ubnd-2026-2030" not in text
    assert f"■ {title}" in email.text
    assert "Dự thảo Kế hoạch thực hiện Quyết định của Ủy ban nhân dân…" in chat.text
