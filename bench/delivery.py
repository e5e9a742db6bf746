"""Delivery throughput: emails through ``tick`` against a bare aiosmtplib loop.

Both send to the same aiosmtpd server (a separate process, discarding what it gets) on
loopback: the bare loop sends one prebuilt message N times on one reused connection;
the engine claims, renders, sends and records N due outbox rows in one ``tick`` (one
SMTP connection, batches of ``[delivery] batch_size``). The goal is an engine at 0.8×
the bare loop or better. Also measured: a tick with nothing due while many rows are
stored for later (its cost must follow what is due, not what is stored).
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import ROOT, BenchContext

NAME = "delivery"
NOW = datetime(2026, 6, 12, 1, 0, tzinfo=UTC)
SENDER = "Nhắc việc <nhacviec@example.org>"


def run(ctx: BenchContext) -> dict[str, Any]:
    count = 2000 if ctx.quick else 10000
    rounds = 1 if ctx.quick else 3
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(port)
        result: dict[str, Any] = {
            "method": f"{count} emails; median of {rounds} rounds, bare loop and engine "
            "alternating; aiosmtpd Sink in its own process on loopback",
        }
        for backend in ("sqlite", "postgresql"):
            url = _database(ctx, backend)
            if url is None:
                result[backend] = "skipped: PostgreSQL not reachable"
                continue
            result[backend] = _compare(ctx, url, port, count, rounds)
        result["idle_tick"] = _idle_tick(ctx, 20000 if ctx.quick else 100000)
        return result
    finally:
        server.terminate()
        server.wait()


def _compare(ctx: BenchContext, url: str, port: int, count: int, rounds: int) -> dict[str, Any]:
    bare, engine = [], []
    for _ in range(rounds):
        bare.append(asyncio.run(_bare_loop(port, count)))
        engine.append(_engine(ctx, url, port, count))
    ratio = statistics.median(bare) / statistics.median(engine)
    ctx.log(
        f"  {url.split(':')[0]}: bare {count / statistics.median(bare):.0f}/s, "
        f"engine {count / statistics.median(engine):.0f}/s, ratio {ratio:.2f}"
    )
    return {
        "bare_per_second": round(count / statistics.median(bare)),
        "engine_per_second": round(count / statistics.median(engine)),
        "ratio_to_bare": round(ratio, 2),
        "bare_seconds": [round(s, 2) for s in bare],
        "engine_seconds": [round(s, 2) for s in engine],
    }


async def _bare_loop(port: int, count: int) -> float:
    import aiosmtplib

    from notifiers.base import Message
    from notifiers.email import mime_bytes

    data = mime_bytes(
        Message(key="bench", channel="email", to="p0@example.org", subject="[Nhắc việc] Hạn "
                "19/06/2026: Báo cáo 6 tháng đầu năm 2026 – Sở Công Thương",
                text="Kính gửi\n" * 20, html="<p>Kính gửi</p>" * 20),
        SENDER,
    )  # fmt: skip
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await smtp.connect()
    started = time.perf_counter()
    for n in range(count):
        await smtp.sendmail("nhacviec@example.org", [f"p{n}@example.org"], data)
    elapsed = time.perf_counter() - started
    await smtp.quit()
    return elapsed


def _engine(ctx: BenchContext, url: str, port: int, count: int) -> float:
    from engine.config import EmailSettings, PathsSettings, Settings
    from engine.delivery import tick

    store, drop = _store(ctx, url)
    try:
        _rows(store, count, NOW)
        settings = Settings(
            email=EmailSettings(host="127.0.0.1", port=port, sender=SENDER),
            paths=PathsSettings(templates=ROOT / "templates", outbox=ctx.workdir / "outbox"),
        )
        started = time.perf_counter()
        report = asyncio.run(tick(store, settings, now=NOW, worker_id="bench"))
        elapsed = time.perf_counter() - started
        assert len(report.sent) == count, report.counts()
        return elapsed
    finally:
        drop()


def _idle_tick(ctx: BenchContext, stored: int) -> dict[str, Any]:
    """A tick with nothing due, over an empty outbox and over ``stored`` future rows."""
    from engine.config import PathsSettings, Settings
    from engine.delivery import tick

    settings = Settings(paths=PathsSettings(templates=ROOT / "templates"))
    timings = {}
    for label, rows in (("empty", 0), ("stored", stored)):
        store, drop = _store(ctx, f"sqlite:///{ctx.workdir / f'idle-{label}.db'}")
        try:
            if rows:
                _rows(store, rows, NOW + timedelta(days=30))
            samples = []
            for _ in range(5):
                started = time.perf_counter()
                asyncio.run(tick(store, settings, now=NOW, worker_id="bench"))
                samples.append(time.perf_counter() - started)
            timings[label] = statistics.median(samples)
        finally:
            drop()
    ctx.log(
        f"  idle tick: {timings['empty'] * 1000:.1f} ms empty, "
        f"{timings['stored'] * 1000:.1f} ms with {stored} rows stored for later"
    )
    return {
        "stored_rows": stored,
        "empty_ms": round(timings["empty"] * 1000, 1),
        "stored_ms": round(timings["stored"] * 1000, 1),
    }


def _database(ctx: BenchContext, backend: str) -> str | None:
    if backend == "sqlite":
        return f"sqlite:///{ctx.workdir / 'delivery.db'}"
    if ctx.pg_url is None:
        return None
    try:
        from engine.store.db import open_store

        probe = open_store(ctx.pg_url, connect_args={"connect_timeout": 3})
        probe.revision()
        probe.dispose()
    except Exception:
        return None
    return ctx.pg_url


def _store(ctx: BenchContext, url: str) -> tuple[Any, Any]:
    """A migrated store, and how to throw it away."""
    import sqlalchemy as sa

    from engine.store.db import open_store

    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.unlink(missing_ok=True)
        store = open_store(url)
        store.upgrade()

        def drop_file() -> None:
            store.dispose()
            path.unlink(missing_ok=True)

        return store, drop_file
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = open_store(url)
    with admin.engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    store = open_store(url, connect_args={"options": f"-csearch_path={schema}"})
    store.upgrade()

    def drop_schema() -> None:
        store.dispose()
        with admin.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return store, drop_schema


def _rows(store: Any, count: int, due: datetime) -> None:
    """``count`` reminders of one obligation, each to a contact of its own."""
    import sqlalchemy as sa

    from engine.store.models import Agency, Contact, Notification, Obligation, Plan

    with store.session() as s:
        agency = Agency(key="hn.sct", name="Sở Công Thương", aliases=[])
        plan = Plan(key="p", title="Kế hoạch", period_start=2026, period_end=2026,
                    content_hash="0", data={}, loaded_at=NOW)  # fmt: skip
        s.add_all([agency, plan])
        s.flush()
        obligation = Obligation(
            key="o", workflow="w", rule="r", plan_id=plan.id, agency_id=agency.id, role="lead",
            title="Báo cáo 6 tháng đầu năm 2026", period_label="6 tháng đầu năm 2026",
            due_on=due.date() + timedelta(days=7), original_due_on=due.date() + timedelta(days=7),
            spec_hash="h", created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        s.add(obligation)
        s.flush()
        s.execute(sa.insert(Contact), [
            {"key": f"c{n}", "agency_id": agency.id, "name": f"Người nhận {n}",
             "role": "coordinator", "email": f"p{n}@example.org", "language": "vi"}
            for n in range(count)
        ])  # fmt: skip
        ids = s.scalars(sa.select(Contact.id).order_by(Contact.id)).all()
        s.execute(sa.insert(Notification), [
            {"key": f"o{obligation.id}:before-7:c{cid}:email", "kind": "obligation",
             "obligation_id": obligation.id, "stage": "before-7", "stage_order": 1,
             "contact_id": cid, "channel": "email", "template": "reminder",
             "stop_on": ["acknowledged", "done", "waived"], "scheduled_at": due, "due_at": due,
             "state": "pending", "attempts": 0, "created_at": NOW, "updated_at": NOW}
            for cid in ids
        ])  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the SMTP server did not start on port {port}")
