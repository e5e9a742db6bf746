"""Acting in bulk: ``waive``, ``done``, ``ack`` and ``track`` with filters show what they
would change, ask on a terminal, and give each obligation its own audit event."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.store.db import Store
from engine.store.models import AuditEvent, Obligation
from tests import factories as f
from tests.adoption.helpers import Cli, write_config
from tests.helpers import cli_url

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

NOW = "2026-03-02T09:00"


@dataclass
class Desk:
    """Plan 266 of Hà Nội: SCT owes three overdue items (one done already), one later; STC
    owes one overdue item."""

    late: list[int]  # SCT, open, due before 01/02/2026
    done: int  # SCT, done, due before 01/02/2026
    later: int  # SCT, due in June
    other: int  # STC, overdue


@pytest.fixture
def desk(store: Store) -> Desk:
    return make_desk(store)


def make_desk(store: Store) -> Desk:
    with store.session() as s:
        plan = f.plan(s)
        sct = f.agency(s)
        stc = f.agency(s, "hn.so-tai-chinh", "Sở Tài chính")
        late = [
            f.obligation(s, plan, sct, title=f"Nhiệm vụ {n}", period_label="năm 2025",
                         due_on=date(2025, 12, 10 + n)).id
            for n in range(3)
        ]  # fmt: skip
        done = f.obligation(s, plan, sct, title="Báo cáo năm 2025", period_label="năm 2025",
                            due_on=date(2025, 12, 15), status="done").id  # fmt: skip
        later = f.obligation(s, plan, sct).id
        other = f.obligation(s, plan, stc, title="Nhiệm vụ 9", period_label="năm 2025",
                             due_on=date(2025, 12, 20)).id  # fmt: skip
    return Desk(late, done, later, other)


@pytest.fixture
def cli(store: Store, tmp_path: Path) -> Cli:
    return Cli(store, write_config(tmp_path, digest=False))


def events(store: Store, event: str) -> list[tuple[int | None, str | None, str | None]]:
    with store.session() as s:
        rows = s.execute(
            sa.select(AuditEvent.obligation_id, AuditEvent.actor, AuditEvent.note)
            .where(AuditEvent.event == event)
            .order_by(AuditEvent.obligation_id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def statuses(store: Store) -> dict[int, str]:
    with store.session() as s:
        return {oid: st for oid, st in s.execute(sa.select(Obligation.id, Obligation.status))}


REASON = "Đã xử lý trước khi áp dụng nhacviec"
WAIVE = ("waive", "--agency", "hn.so-cong-thuong", "--due-before", "2026-02-01",
         "--reason", REASON, "--by", "Văn phòng", "--now", NOW)  # fmt: skip


def test_a_dry_run_shows_what_would_change_and_changes_nothing(
    cli: Cli, store: Store, desk: Desk
) -> None:
    before = statuses(store)
    _, out, _ = cli(*WAIVE, "--dry-run")
    assert "waive: 4 obligations selected" in out
    for n in range(3):
        assert f"Nhiệm vụ {n} (năm 2025)" in out
    assert "overdue → waived" in out
    assert "done (refused: it is already done; reopen it first)" in out
    assert "Nhiệm vụ 9" not in out and "6 tháng đầu năm 2026" not in out  # other filters
    assert "waive: 3 would change, 1 refused." in out
    assert "Nothing changed (--dry-run)." in out
    assert statuses(store) == before
    assert events(store, "waived") == []


def test_without_a_terminal_it_needs_yes_and_then_gives_each_obligation_its_event(
    cli: Cli, store: Store, desk: Desk
) -> None:
    code, out, err = cli(*WAIVE, ok=False)
    assert code == 2
    assert "waive would change 3 obligations: pass --yes to change them" in err
    assert events(store, "waived") == []
    _, out, _ = cli(*WAIVE, "--yes")
    assert "3 obligations waived, 1 left as they were" in out
    assert events(store, "waived") == [
        (n, "Văn phòng", "Đã xử lý trước khi áp dụng nhacviec") for n in desk.late
    ]
    now = statuses(store)
    assert [now[n] for n in desk.late] == ["waived"] * 3
    assert (now[desk.done], now[desk.later], now[desk.other]) == ("done", "open", "open")


def test_ids_and_filters_combine_and_an_unknown_id_is_an_error(
    cli: Cli, store: Store, desk: Desk
) -> None:
    ids = [str(n) for n in (*desk.late[:2], desk.other)]
    _, out, _ = cli("done", *ids, "--status", "overdue", "--note", "12/BC", "--yes", "--now", NOW)
    assert "3 obligations done" in out
    assert [n for n, _, note in events(store, "done")] == sorted([*desk.late[:2], desk.other])
    code, _, err = cli("ack", "9999", str(desk.later), "--yes", ok=False)
    assert code == 2 and "no obligation #9999" in err
    code, _, err = cli("ack", "--status", "late", "--yes", ok=False)
    assert code == 2 and "--status 'late': expected one of" in err
    code, _, err = cli("ack", "--yes", ok=False)
    assert code == 2 and "name obligations by ID, or filter them" in err


def test_on_a_terminal_it_asks_first(sqlite_store: Store, tmp_path: Path) -> None:
    store, desk = sqlite_store, make_desk(sqlite_store)
    config = write_config(tmp_path, digest=False)
    args = ["--config", str(config), "--db", cli_url(store), *WAIVE]
    assert "Waive these 3 obligations? [y/N]" in on_a_terminal(args, answer="n")
    assert events(store, "waived") == []
    answered = on_a_terminal(args, answer="y")
    assert "3 obligations waived" in answered
    assert [n for n, _, _ in events(store, "waived")] == desk.late


def on_a_terminal(args: list[str], *, answer: str) -> str:
    """Run ``nhacviec ARGS`` in a pseudo-terminal, answer the question, return the output."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "dumb"}
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", *args], stdin=follower, stdout=follower,
        stderr=follower, cwd=f.ROOT, env=env, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    output = b""
    answered = False
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError(f"no prompt within 60 s: {output!r}")
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"[y/N]" in output:
            os.write(leader, f"{answer}\r".encode())
            answered = True
    process.wait(timeout=60)
    os.close(leader)
    return output.decode("utf-8", "replace")
