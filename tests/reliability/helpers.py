"""What the reliability tests share: an outbox filled in bulk, settings files, real
``nhacviec`` processes, a dump of every table, and the URL of a test store.

The outbox is realistic in shape: ``obligations`` obligations of one plan, each owed by
an agency of its own with ``per_obligation`` coordinators, one reminder per contact,
all due at ``NOW``. Every row has its own obligation, contact and channel group, so no
row overtakes another: every row must go out exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine.store.db import Store
from engine.store.models import (
    Agency,
    Base,
    Contact,
    ContactAddress,
    DeliveryAttempt,
    Notification,
    Obligation,
)
from tests import factories as f

NOW = f.at(date(2026, 6, 12))  # 08:00 in Hà Nội, a Friday
DUE = date(2026, 6, 19)


def fill_outbox(
    store: Store,
    obligations: int,
    per_obligation: int,
    *,
    channel: str = "email",
    chat_base: int = 10_000,
    title: str = "Báo cáo 6 tháng đầu năm 2026",
) -> int:
    """Add ``obligations × per_obligation`` due reminders (see the module docstring);
    return how many. Telegram rows go to chats ``chat_base + n``, one chat per contact."""
    with store.session() as s:
        plan = f.plan(s)
        s.execute(
            sa.insert(Agency),
            [{"key": f"a{n}", "name": f"Sở số {n}", "jurisdiction": "Hà Nội", "aliases": [],
              "in_directory": True} for n in range(obligations)],
        )  # fmt: skip
        agencies = s.execute(sa.select(Agency.id, Agency.key).order_by(Agency.id)).all()
        s.execute(
            sa.insert(Obligation),
            [{"key": f"report:{plan.key}:{key}", "workflow": "scp", "rule": "report",
              "plan_id": plan.id, "duty": "report-6m", "agency_id": aid, "role": "lead",
              "title": title, "period_label": "6 tháng đầu năm 2026", "due_on": DUE,
              "original_due_on": DUE, "status": "open", "spec_hash": "h",
              "created_at": f.CREATED, "updated_at": f.CREATED} for aid, key in agencies],
        )  # fmt: skip
        owed = s.execute(sa.select(Obligation.id, Obligation.agency_id)).all()
        s.execute(
            sa.insert(Contact),
            [{"key": f"c{aid}.{n}", "agency_id": aid, "name": f"Người nhận {aid}.{n}",
              "role": "coordinator", "language": "vi", "active": True}
             for _, aid in owed for n in range(per_obligation)],
        )  # fmt: skip
        people = s.execute(sa.select(Contact.id, Contact.agency_id).order_by(Contact.id)).all()
        numbers = {aid: 0 for _, aid in owed}
        addresses = []
        for cid, aid in people:
            n, numbers[aid] = numbers[aid], numbers[aid] + 1
            addresses += [
                {"contact_id": cid, "channel": "email", "address": f"p{aid}.{n}@example.org"},
                {"contact_id": cid, "channel": "telegram",
                 "address": str(chat_base + aid * per_obligation + n)},
            ]  # fmt: skip
        s.execute(sa.insert(ContactAddress), addresses)
        by_agency = {aid: oid for oid, aid in owed}
        rows = [
            {"key": f"o{by_agency[aid]}:before-7:c{cid}:{channel}", "kind": "obligation",
             "obligation_id": by_agency[aid], "stage": "before-7", "stage_order": 1,
             "escalation": False, "contact_id": cid, "channel": channel, "template": "reminder",
             "stop_on": list(f.STOP_ON_ACK), "scheduled_at": NOW, "due_at": NOW,
             "state": "pending", "attempts": 0, "created_at": f.CREATED,
             "updated_at": f.CREATED}
            for cid, aid in people
        ]  # fmt: skip
        s.execute(sa.insert(Notification), rows)
    return len(rows)


def outbox_states(store: Store) -> Counter[str]:
    with store.session() as s:
        return Counter(s.scalars(sa.select(Notification.state)))


def attempt_outcomes(store: Store) -> dict[int, list[str]]:
    """Each notification id → the outcomes of its attempts, in order."""
    found: dict[int, list[str]] = {}
    with store.session() as s:
        query = sa.select(DeliveryAttempt.notification_id, DeliveryAttempt.outcome).order_by(
            DeliveryAttempt.id
        )
        for nid, outcome in s.execute(query):
            found.setdefault(nid, []).append(outcome)
    return found


def notification_keys(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {k: i for k, i in s.execute(sa.select(Notification.key, Notification.id))}


# ---- the store as data ------------------------------------------------------------------


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and Alembic's version), sorted: equal dumps mean an
    unchanged store, whatever the backend."""
    tables = [*Base.metadata.sorted_tables]
    found: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        for table in tables:
            rows = conn.execute(sa.select(table)).all()
            found[table.name] = sorted((tuple(r) for r in rows), key=repr)
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        found["alembic_version"] = [tuple(r) for r in version]
    return found


# ---- settings files and real processes ---------------------------------------------------


def write_config(
    tmp_path: Path,
    db_url: str,
    *,
    smtp: tuple[str, int] | None = None,
    delivery: dict[str, Any] | None = None,
    extra: str = "",
) -> Path:
    """A settings file for ``nhacviec``: this repository's templates, an outbox folder in
    ``tmp_path``, the SMTP server if given, ``[delivery]`` values if given."""
    lines = [
        f'[database]\nurl = "{db_url}"',
        f'[paths]\ntemplates = "{f.ROOT / "templates"}"\noutbox = "{tmp_path / "outbox"}"\n'
        f'workflows = "{f.ROOT / "workflows"}"\nplans = "{tmp_path / "plans"}"\n'
        f'agencies = "{f.ROOT / "config" / "agencies.yaml"}"',
    ]
    if smtp is not None:
        host, port = smtp
        lines.append(
            f'[email]\nhost = "{host}"\nport = {port}\nfrom = "Nhắc việc <nv@example.org>"'
        )
    if delivery:
        lines.append("[delivery]\n" + "\n".join(f"{k} = {v!r}" for k, v in delivery.items()))
    path = tmp_path / "nhacviec.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def nhacviec_command(config: Path, *args: str) -> list[str]:
    """``nhacviec --config CONFIG ARGS…`` as a separate Python process."""
    return [sys.executable, "-c", "from engine.cli import main; main()", "--config", str(config),
            *args]  # fmt: skip


def start_nhacviec(config: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHACVIEC_")}
    env["NHACVIEC_LANG"] = "en"  # the tests read the summaries' English msgids
    return subprocess.Popen(
        nhacviec_command(config, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=f.ROOT,
        env=env,
    )


def iso(instant: Any, seconds: float = 0) -> str:
    return str((instant + timedelta(seconds=seconds)).isoformat())
