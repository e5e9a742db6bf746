"""The main job, end to end, on the embedded default: ``make demo`` (``python -m engine.demo``).

In a fresh working folder (``.demo/``) it creates a SQLite store, imports the five seed
plan documents and loads the reviewed plan files, tracked from 1 January of the year
(what earlier years left open is "chưa theo dõi": handled before nhacviec), links a few
coordinators' Telegram chats and Zalo accounts (the OA webhook's path), gives one agency
in four a webhook URL in its copy of the directory (an e-office system), syncs the
shipped workflow, and then lives through a whole year with the clock moving day by day:
each morning at ``send_at`` the engine ticks and delivers what is due to the local outbox
(.eml files, and .json files for Telegram, Zalo and the webhooks), and
during the day the coordinators react as real ones do: most acknowledge (through the
signed email link or the Telegram button), most finish on time, some late, reporting it
through the email page's "Đã hoàn thành" with the report number, the Telegram button or
the CLI, and some never. It ends with the calendar of one month, the status scorecard
and where the messages are.

Everything runs through the product's own paths (the CLI commands, ``tick``, the web
acknowledgement page, the bot's button handling); only the transport is local: the
outbox folder instead of SMTP and Telegram, and an in-process HTTP client for the links.
Coordinators' behaviour is pseudo-random but fixed (derived from the obligation's
number), so two runs tell the same story.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import hashlib
import io
import json
import os
import re
import shutil
import sys
import time as wallclock
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import Message as EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from notifiers.email import EmailNotifier
from notifiers.telegram import TelegramNotifier
from notifiers.webhook import WebhookNotifier
from notifiers.zalo import ZaloNotifier

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.delivery import TickReport
    from engine.store.db import Store

ROOT = Path(__file__).resolve().parent.parent
SECRET_ENV = "NHACVIEC_DEMO_SECRET"
ACTOR = "Điều phối viên (demo)"
# The channels the demo's people use, by their notifiers' names (``notifiers.registry``).
EMAIL, TELEGRAM = EmailNotifier.channel, TelegramNotifier.channel
ZALO, WEBHOOK = ZaloNotifier.channel, WebhookNotifier.channel
_ACK_LINK = re.compile(r"/ack/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def find_seeds() -> Path | None:
    """The plan documents: ``plans/sources`` (shipped), else ``../shared/seeds``."""
    if (ROOT / "plans" / "sources").is_dir():
        return ROOT / "plans" / "sources"
    for parent in ROOT.parents:
        candidate = parent / "shared" / "seeds"
        if candidate.is_dir():
            return candidate
    return None


def settings_text(work: Path) -> str:
    """The demo's settings: SQLite in the work folder, every channel to the outbox."""
    return f"""# Written by `make demo`: the embedded default, everything local.
[database]
url = "sqlite:///{work / "nhacviec.db"}"

[time]
timezone = "Asia/Ho_Chi_Minh"
send_at = "08:00"

[web]
base_url = "http://127.0.0.1:8080"
secret_env = "{SECRET_ENV}"

[delivery]
mode = "outbox"     # email as .eml files, Telegram, Zalo and webhook as .json files

[digest]
enabled = true      # the weekly overdue digests, every Monday (first working day)

[paths]
workflows = "{ROOT / "workflows"}"
templates = "{ROOT / "templates"}"
agencies = "{work / "agencies.yaml"}"  # config/agencies.yaml, with e-office webhooks
plans = "{ROOT / "plans"}"
outbox = "{work / "outbox"}"
"""


def _hash(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:12], 16)


@dataclass(frozen=True)
class Reaction:
    """What one coordinator will do about one obligation, and through which channel."""

    obligation_id: int
    action: str  # ack | done
    day: date
    via: str  # email | telegram | cli
    note: str | None = None  # ack: the .eml with the link; done: the report number
    path: str | None = None  # done by email: the .eml with the link


@dataclass
class Month:
    """What happened in one month, for the running commentary."""

    sent: Counter[str] = field(default_factory=Counter)
    escalations: int = 0
    digests: int = 0
    acks: Counter[str] = field(default_factory=Counter)
    done: Counter[str] = field(default_factory=Counter)
    cancelled: int = 0
    skipped: int = 0


class Demo:
    """One run of the main job (see the module docstring)."""

    def __init__(self, work: Path, year: int, until: date, console: Console) -> None:
        self.work = work
        self.year = year
        self.until = until
        self.console = console
        self.config = work / "nhacviec.toml"
        self.plan: dict[date, list[Reaction]] = defaultdict(list)
        self.seen: set[int] = set()
        self.chats: dict[int, int] = {}  # contact id -> linked chat id
        self.agency_chats: dict[int, int] = {}  # agency id -> a linked coordinator's chat
        self.webhooks: list[str] = []  # agencies whose coordinator has a webhook URL
        self.months: dict[int, Month] = defaultdict(Month)
        self._settings: Settings | None = None
        self._store: Store | None = None

    # ------------------------------------------------------------------ plumbing

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from engine.config import load_settings

            self._settings = load_settings(self.config)
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            from engine.store.db import open_store

            self._store = open_store(self.settings.database.url)
        return self._store

    def at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.settings.time.zone).astimezone(UTC)

    def step(self, number: int, text: str) -> None:
        self.console.print(f"\n[bold cyan]▶ {number}/7[/] [bold]{text}[/]")

    def cli(self, *args: str, show: bool = True) -> None:
        """Run ``nhacviec ARGS`` in this process, as a user would type it."""
        from engine.cli import app

        argv = ["--config", str(self.config), *args]
        if show:
            self.console.print(f"[dim]$ nhacviec {' '.join(_quote(a) for a in args)}[/]")
            result = app(args=argv, standalone_mode=False)
        else:  # a coordinator's routine command: its output is summarised monthly instead
            with contextlib.redirect_stdout(io.StringIO()):
                result = app(args=argv, standalone_mode=False)
        if result not in (None, 0):
            raise SystemExit(f"nhacviec {' '.join(args)} failed with status {result}")

    # ------------------------------------------------------------------ the steps

    def run(self) -> None:
        started = wallclock.monotonic()
        os.environ.setdefault(SECRET_ENV, "demo-secret-not-for-production")
        self.prepare()
        self.import_plans()
        self.link_telegram()
        self.sync()
        self.live_the_year()
        self.finish(wallclock.monotonic() - started)

    def prepare(self) -> None:
        self.step(1, f"A fresh SQLite store in {self.work}")
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        self.config.write_text(settings_text(self.work), encoding="utf-8")
        self.write_directory()
        self.console.print(f"Settings written to {self.config} (every channel goes to files).")
        self.cli("init")

    def write_directory(self) -> None:
        """The shipped directory, with a webhook URL for the coordinators of one agency in
        four: their e-office systems take the events."""
        import yaml

        data = yaml.safe_load((ROOT / "config" / "agencies.yaml").read_text("utf-8"))
        for agency in data["agencies"]:
            if _hash(WEBHOOK, agency["key"]) % 4:
                continue
            for contact in agency.get("contacts") or []:
                if contact.get("role") == "coordinator":
                    contact["webhook_url"] = f"https://eoffice.example.vn/nhacviec/{agency['key']}"
                    self.webhooks.append(agency["key"])
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (self.work / "agencies.yaml").write_text(text, encoding="utf-8")

    def import_plans(self) -> None:
        self.step(2, "Importing the plan documents and loading the reviewed plan files")
        seeds = find_seeds()
        reviewed = sorted((ROOT / "plans").glob("*.yaml"))
        if seeds is None:
            self.console.print(
                "The plan documents (plans/sources) are missing; "
                "loading the reviewed plan files only."
            )
        else:
            imported = self.work / "imported"
            imported.mkdir()
            for seed in sorted(seeds.glob("*.txt")):
                target = imported / f"{seed.stem}.yaml"
                self.cli("plan", "import", str(seed), "-o", str(target))
                same = [p for p in reviewed if p.read_bytes() == target.read_bytes()]
                if same:
                    self.console.print(f"  = identical to the reviewed plans/{same[0].name}")
        start = f"{self.year}-01-01"
        for plan in reviewed:
            self.cli("plan", "load", str(plan), "--track-from", start)

    def link_telegram(self) -> None:
        """Half of the coordinators link a Telegram chat (invitation code, then /start);
        of the others, some follow the Zalo OA and send it their code, and a few agencies'
        e-office systems take the events at a webhook URL."""
        self.step(3, "Some coordinators link Telegram or Zalo; some e-office systems a webhook")
        from sqlalchemy import select

        from engine.bot.links import new_invite
        from engine.bot.service import BotService, Sender
        from engine.store.models import Agency, Contact

        now = self.at(date(self.year, 1, 1), time(7, 0))
        with self.store.session() as session:
            contacts = session.scalars(
                select(Contact)
                .join(Agency, Agency.id == Contact.agency_id)
                .where(Contact.role == "coordinator", Contact.active.is_(True))
                .order_by(Contact.key)
            ).all()
            chosen = [c for c in contacts if _hash(TELEGRAM, c.key) % 2 == 0]
            codes = {c.id: (c.key, new_invite(session, c, now)) for c in chosen}
            agency_of = {c.id: c.agency_id for c in chosen}
        bot = BotService(self.settings, self.store, now=lambda: now, channel=TELEGRAM)
        for index, (contact_id, (key, code)) in enumerate(sorted(codes.items())):
            chat_id = 700_000 + index
            reply = bot.start(Sender(chat_id, user=key), [code])
            if reply.linked:
                self.chats[contact_id] = chat_id
                self.agency_chats.setdefault(agency_of[contact_id], chat_id)
        self.console.print(
            f"{len(self.chats)} of {len(contacts)} coordinators sent /start CODE with the code "
            "from `nhacviec contacts invite`; their reminders now also go to Telegram."
        )
        others = [c for c in contacts if c.id not in self.chats]
        self.link_zalo([c for c in others if _hash(ZALO, c.key) % 3 == 0], now)
        self.console.print(
            f"{len(self.webhooks)} agencies' e-office systems take the reminders as signed "
            "JSON POSTs at the webhook_url of their coordinator in the directory (here: "
            "written to the outbox folder)."
        )

    def link_zalo(self, chosen: list[Any], now: datetime) -> None:
        """Followers of the OA send it the code, as the OA webhook receives it."""
        from engine.bot.links import new_invite
        from engine.bot.texts import text_commands

        with self.store.session() as session:
            codes = [new_invite(session, session.merge(c), now) for c in chosen]
        from sqlalchemy import func, select

        from engine.store.models import ContactAddress

        on_text = text_commands(self.settings, self.store, ZALO, now=lambda: now)
        for index, code in enumerate(codes):
            on_text(str(8_100_000_000_000_000_000 + index), f"/start {code}")
        with self.store.session() as session:
            linked = session.scalar(select(func.count()).where(ContactAddress.channel == ZALO))
        self.console.print(
            f"{linked} others followed the Zalo Official Account and sent it their code; "
            "their reminders now also go to Zalo."
        )

    def sync(self) -> None:
        self.step(4, f"Syncing the shipped workflow on 01/01/{self.year}")
        start = self.at(date(self.year, 1, 1), time(7, 0))
        local = start.astimezone(self.settings.time.zone)
        self.cli("sync", "--now", local.isoformat(timespec="minutes"), "--show", "3")
        self.untracked()

    def untracked(self) -> None:
        """What earlier years left open was handled before nhacviec: the plans are tracked
        from 1 January (``plan load --track-from``), so it is not tracked, not chased."""
        from sqlalchemy import func, select

        from engine.store.models import Obligation

        with self.store.session() as session:
            count = session.scalar(
                select(func.count()).where(
                    Obligation.tracked.is_(False), Obligation.cancelled_at.is_(None)
                )
            )
        self.console.print(
            f"{count} obligations due before 01/01/{self.year} (the 2020 and 2022 plans, and "
            "2021-2025 of the Hòa Bình plan) are not tracked (chưa theo dõi): no reminders, "
            "not overdue; `nhacviec agenda --untracked` lists them."
        )

    # ------------------------------------------------------------------ the year

    def live_the_year(self) -> None:
        self.step(5, f"Living through {self.year} day by day (tick at 08:00, reactions by day)")
        asyncio.run(self._year())

    async def _year(self) -> None:
        from engine.delivery import tick

        day = date(self.year, 1, 1)
        send_at = self.settings.time.send_time
        while day <= self.until:
            report = await tick(
                self.store, self.settings, now=self.at(day, send_at), worker_id="demo"
            )
            self.note_deliveries(day, report)
            self.react(day)
            if (day + timedelta(days=1)).month != day.month or day == self.until:
                self.summarise(day)
            day += timedelta(days=1)

    def note_deliveries(self, day: date, report: TickReport) -> None:
        month = self.months[day.month]
        month.cancelled += len(report.cancelled)
        month.skipped += len(report.skipped)
        for outcome in report.sent:
            row = outcome.row
            month.sent[row.channel] += 1
            month.escalations += row.escalation
            month.digests += row.kind == "digest"
            if row.obligation_id is None or row.obligation_id in self.seen:
                continue
            self.seen.add(row.obligation_id)
            self.plan_reactions(day, row.obligation_id, row.contact_id, outcome.receipt or {})

    def plan_reactions(
        self, day: date, obligation_id: int, contact_id: int, receipt: dict[str, Any]
    ) -> None:
        """Decide, once, how this obligation's coordinator reacts (fixed per obligation)."""
        from engine.store.models import Obligation

        with self.store.session() as session:
            obligation = session.get(Obligation, obligation_id)
            assert obligation is not None
            due = obligation.due_on
        h = _hash("react", obligation_id)
        on_telegram = contact_id in self.chats
        if h % 100 < 75:  # three in four acknowledge within a few days
            via = TELEGRAM if on_telegram and h % 3 == 0 else EMAIL
            ack_day = day + timedelta(days=1 + (h >> 8) % 4)
            path = receipt.get("path") if via == EMAIL else None
            if via == TELEGRAM or path:
                self.plan[ack_day].append(Reaction(obligation_id, "ack", ack_day, via, path))
        fate = (h >> 16) % 100
        if fate < 60:  # done on time, a little before the due date
            done_day = max(day + timedelta(days=2), due - timedelta(days=(h >> 24) % 12))
        elif fate < 82:  # done late
            done_day = max(day + timedelta(days=2), due + timedelta(days=2 + (h >> 24) % 25))
        else:  # never done this year
            return
        path = receipt.get("path")
        if on_telegram and (h >> 32) % 2 == 0:
            via = TELEGRAM
        elif path and (h >> 36) % 2 == 0:  # the email page's "Đã hoàn thành", with the number
            via = EMAIL
        else:
            via = "cli"
        note = f"{(h >> 40) % 300 + 1}/BC-{obligation_id}" if via != TELEGRAM else None
        self.plan[done_day].append(Reaction(obligation_id, "done", done_day, via, note, path))

    def react(self, day: date) -> None:
        month = self.months[day.month]
        for reaction in self.plan.pop(day, []):
            now = self.at(day, time(15, 0))
            if reaction.action == "ack" and self.acknowledge(reaction, now):
                month.acks[reaction.via] += 1
            elif reaction.action == "done" and self.finish_work(reaction, now):
                month.done[reaction.via] += 1

    def acknowledge(self, reaction: Reaction, now: datetime) -> bool:
        """Through the link in the email (GET shows the page, the button POSTs), or the
        Telegram button; False when it was no longer needed (already done, waived)."""
        if reaction.via == TELEGRAM:
            return self.press(reaction.obligation_id, f"ack:{reaction.obligation_id}", now)
        token = _ack_token(Path(reaction.note or ""))
        if token is None:
            return False
        from starlette.testclient import TestClient

        from engine.web import create_app

        before = self._status(reaction.obligation_id)
        with TestClient(create_app(self.store, self.settings, clock=lambda: now)) as client:
            client.get(f"/ack/{token}")  # what a person sees first; changes nothing
            page = client.post(f"/ack/{token}")
        after = self._status(reaction.obligation_id)
        return page.status_code == 200 and before == "open" and after == "acknowledged"

    def done_by_email(self, reaction: Reaction, now: datetime) -> bool:
        """The email link's page: GET shows it, its "Đã hoàn thành" form POSTs the report
        number; False when the link is gone (the token expired) or nothing changed."""
        token = _ack_token(Path(reaction.path or ""))
        if token is None:
            return False
        from starlette.testclient import TestClient

        from engine.web import create_app

        with TestClient(create_app(self.store, self.settings, clock=lambda: now)) as client:
            client.get(f"/done/{token}")
            page = client.post(f"/done/{token}", data={"report": reaction.note or ""})
        return page.status_code == 200 and self._status(reaction.obligation_id) == "done"

    def _status(self, obligation_id: int) -> str:
        from engine.store.models import Obligation

        with self.store.session() as session:
            obligation = session.get(Obligation, obligation_id)
            assert obligation is not None
            return obligation.status

    def press(self, obligation_id: int, data: str, now: datetime) -> bool:
        from engine.bot.service import BotService, Sender
        from engine.store.models import Obligation

        with self.store.session() as session:
            obligation = session.get(Obligation, obligation_id)
            assert obligation is not None
            agency_id = obligation.agency_id
        chat = self.agency_chats.get(agency_id)
        if chat is None:
            return False
        bot = BotService(self.settings, self.store, now=lambda: now, channel=TELEGRAM)
        reply = bot.press(Sender(chat), data)
        return reply.changed

    def finish_work(self, reaction: Reaction, now: datetime) -> bool:
        if self._status(reaction.obligation_id) not in ("open", "acknowledged"):
            return False
        if reaction.via == TELEGRAM:  # "Đã hoàn thành", then "Xác nhận"
            self.press(reaction.obligation_id, f"done?:{reaction.obligation_id}", now)
            return self.press(reaction.obligation_id, f"done!:{reaction.obligation_id}", now)
        if reaction.via == EMAIL:
            return self.done_by_email(reaction, now)
        self.cli(
            "done", str(reaction.obligation_id), "--by", ACTOR, "--note", reaction.note or "",
            "--now", now.isoformat(), show=False,
        )  # fmt: skip
        return True

    def summarise(self, day: date) -> None:
        month = self.months[day.month]
        sent = sum(month.sent.values())
        stopped = (
            f" · {month.cancelled} no longer needed, {month.skipped} overtaken"
            if month.cancelled or month.skipped
            else ""
        )
        self.console.print(
            f"  {day:%m/%Y}  sent {sent:3} ({month.sent[EMAIL]} email, "
            f"{month.sent[TELEGRAM]} Telegram, {month.sent[ZALO]} Zalo, "
            f"{month.sent[WEBHOOK]} webhook; {month.escalations} escalations, "
            f"{month.digests} weekly digests) · acknowledged {sum(month.acks.values())} "
            f"({month.acks[EMAIL]} by link, {month.acks[TELEGRAM]} by button) · done "
            f"{sum(month.done.values())} ({month.done[EMAIL]} by link, {month.done['cli']} "
            f"CLI, {month.done[TELEGRAM]} Telegram){stopped}"
        )

    # ------------------------------------------------------------------ the end

    def finish(self, seconds: float) -> None:
        as_of = min(self.until, date(self.year, 12, 31))
        self.step(6, f"The calendar of June {self.year} and the status as of {as_of:%d/%m/%Y}")
        self.cli("calendar", "--month", f"{self.year}-06", "--as-of", as_of.isoformat())
        self.cli("status", "--as-of", as_of.isoformat())
        self.step(7, "Where the messages are")
        outbox = self.settings.paths.outbox
        emails = sorted(outbox.rglob("*.eml"))
        chats = Counter(
            json.loads(path.read_text("utf-8")).get("channel", TELEGRAM)
            for path in outbox.rglob("*.json")
        )
        self.console.print(
            f"{len(emails)} emails (.eml, open them with any mail client) and "
            f"{chats[TELEGRAM]} Telegram, {chats[ZALO]} Zalo and {chats[WEBHOOK]} webhook "
            f"messages (.json) in {outbox}/<date>/"
        )
        if emails:
            self.console.print(f"For example: {emails[0]}")
        self.console.print(
            f"The store is {self.work / 'nhacviec.db'}; try "
            f"`.venv/bin/nhacviec --config {self.config} show 1` or `… agenda --plan "
            f"hn-draft-qd-ubnd-2026-2030`. Done in {seconds:.0f} s."
        )


def _quote(arg: str) -> str:
    return f'"{arg}"' if " " in arg else arg


def _ack_token(path: Path) -> str | None:
    """The acknowledgement token in an outbox .eml's text part, if it carries one."""
    if not path.is_file():
        return None
    message: EmailMessage = email.message_from_bytes(path.read_bytes())
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                found = _ACK_LINK.search(payload.decode(part.get_content_charset() or "utf-8"))
                return found.group(1) if found else None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.demo", description=__doc__)
    parser.add_argument("--workdir", type=Path, default=Path(".demo"), help="default: .demo")
    parser.add_argument("--year", type=int, default=2026, help="the year to live through")
    parser.add_argument(
        "--until", type=date.fromisoformat, help="stop on this day (default: 31/12 of --year)"
    )
    args = parser.parse_args(argv)
    until = args.until or date(args.year, 12, 31)
    if not sys.stdout.isatty():  # piped or logged: the tables are laid out for 100 columns
        os.environ.setdefault("COLUMNS", "100")
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        "[bold]nhacviec demo[/]: a year of reminders for the example plans, on SQLite, "
        "delivered to a local outbox folder."
    )
    Demo(args.workdir.resolve(), args.year, until, console).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
