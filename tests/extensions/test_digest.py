"""Pending extension requests appear in the plan owner's weekly digest until decided."""

from __future__ import annotations

import email
import email.policy
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from engine.cli import app
from engine.config import DigestSettings, Settings
from engine.store.db import Store
from notifiers.outbox import safe_name
from tests.extensions.world import World
from tests.helpers import at, run_tick

MONDAY = date(2026, 6, 29)  # the first working day of week 2026-W27


def owner_digest(settings: Settings, day: date, week: str, contact: int) -> str:
    key = f"digest:{week}:owner:c{contact}:email"
    path = Path(settings.paths.outbox) / day.isoformat() / f"{safe_name(key)}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return " ".join(str(body.get_content()).split())  # type: ignore[attr-defined]


def test_a_pending_request_is_in_the_owners_digest_and_leaves_it_once_decided(
    cli: CliRunner, base: list[str], store: Store, settings: Settings, world: World
) -> None:
    weekly = settings.model_copy(update={"digest": DigestSettings(enabled=True)})
    asked = cli.invoke(app, [*base, "extend", str(world.task1), "--to", "2026-07-31",
                             "--reason", "Chờ số liệu của Cục Thống kê", "--by", "Phòng KH SCT",
                             "--now", "2026-06-26T10:00"])  # fmt: skip
    assert asked.exit_code == 0, asked.stderr
    run_tick(store, weekly, at(MONDAY))
    text = owner_digest(weekly, MONDAY, "2026-W27", world.ubnd)
    assert "Đề nghị gia hạn chờ quyết định (1):" in text
    assert (
        "hạn 30/06/2026 → đề nghị 31/07/2026 (Phòng KH SCT, 26/06/2026): Chờ số liệu của Cục "
        "Thống kê"
    ) in text
    decided = cli.invoke(app, [*base, "extension", "approve", "1", "--now", "2026-06-30T09:00"])
    assert decided.exit_code == 0, decided.stderr
    next_monday = date(2026, 7, 6)
    run_tick(store, weekly, at(next_monday))
    assert "Đề nghị gia hạn" not in owner_digest(weekly, next_monday, "2026-W28", world.ubnd)
