"""``nhacviec digest``: the weekly digests of a week, listed or rendered; read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from engine import labels
from engine.cli.app import app, console, print_json, state
from engine.dates import date_option
from engine.i18n import _
from notifiers.registry import CHANNELS, mail_channels

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from sqlalchemy.orm import Session

    from engine.config import Settings
    from engine.digest.content import AgencyDigest, OwnerDigest
    from engine.digest.weeks import IsoWeek
    from engine.messages.types import Recipient
    from engine.workflow.calendar import WorkCalendar

READ_ONLY = (
    "Chỉ xem: lệnh này không gửi và không ghi gì. Bản tổng hợp do tick gửi "
    "(nhacviec tick, nhacviec run) vào giờ gửi của ngày làm việc đầu tuần."
)
SCOPE_VI = {"agency": "đơn vị", "owner": "chủ trì KH"}


# The registry's names: typer lists them as the option's choices.
Channel = StrEnum("Channel", {name: name for name in CHANNELS})  # type: ignore[misc]


@dataclass(frozen=True)
class Entry:
    """One digest of the week and who would receive it."""

    scope: str
    digest: AgencyDigest | OwnerDigest
    recipients: list[tuple[Recipient, str]]

    @property
    def agency(self) -> str:
        return self.digest.addressee.name

    @property
    def summary(self) -> str:
        """The counts it reports, zeros left out."""
        from engine.digest.content import AgencyDigest

        d = self.digest
        if isinstance(d, AgencyDigest):
            counts = [("quá hạn", d.overdue), ("sắp đến hạn", d.due_soon),
                      ("đang làm", d.in_progress)]  # fmt: skip
            return ", ".join(f"{what} {n}" for what, n in counts if n)
        counts = [("quá hạn", d.overdue), ("mới quá hạn", d.newly_overdue),
                  ("mới xong", d.newly_done), ("xin gia hạn", d.pending_extensions)]  # fmt: skip
        plans = ", ".join(p.plan.label for p in d.plans)
        return f"KH {plans}: " + ", ".join(f"{what} {n}" for what, n in counts if n)


@app.command("digest")
def digest_command(
    ctx: typer.Context,
    week: str | None = typer.Option(
        None, "--week", help="ISO week, e.g. 2026-W25 (default: the week of --as-of)."
    ),
    agency: str | None = typer.Option(
        None, "--agency", help="Only this agency's digests (key, name or alias)."
    ),
    owner: bool = typer.Option(False, "--owner", help="Only the plan owners' digests."),
    preview: bool = typer.Option(False, "--preview", help="Render the messages (text)."),
    as_json: bool = typer.Option(False, "--json", help="Print the listing as JSON."),
    channel: Channel | None = typer.Option(None, "--channel", help="Only this channel."),
    as_of: date | None = typer.Option(
        None,
        "--as-of",
        parser=date_option,
        metavar="DD/MM/YYYY",
        help="Judge on this day (default: the week's first working day, or today).",
    ),
) -> None:
    """The weekly digests of a week: who gets which, or (--preview) the messages themselves.

    Read-only: it never sends and writes nothing (the tick sends the digests, at send_at
    on the week's first working day). Content is judged on --as-of with today's statuses.
    """
    from engine.workflow.calendar import WorkCalendar

    appctx = state(ctx)
    settings = appctx.settings
    calendar = WorkCalendar.from_settings(settings)
    chosen, day = _week_and_day(calendar, week, as_of, settings)
    out = console()
    if day is None:
        if as_json:
            print_json({"week": chosen.code, "day": None, "digests": []})
            return
        out.print(f"Tuần {chosen.code} không có ngày làm việc: không có bản tổng hợp.")
        return
    with appctx.store().session() as session:
        entries = _entries(session, settings, chosen, day, agency, owner, channel)
        states = _outbox_states(session, chosen, entries, settings.time.zone)
    if as_json:
        print_json(digest_json(chosen.code, day, entries, states))
        return
    heading = _heading(calendar, chosen, day)
    if not entries:
        out.print(f"{heading}\nKhông có bản tổng hợp nào: không ai có việc cần báo.")
    elif preview:
        _preview(out, settings, calendar.send_instant(day), entries, heading)
    else:
        _listing(out, entries, states, heading)
    out.print(f"[dim]{READ_ONLY}[/]")
    if not settings.digest.enabled:
        out.print("[yellow]Lưu ý:[/] \\[digest] enabled = false: tick không gửi bản tổng hợp.")


def _week_and_day(
    calendar: WorkCalendar, week: str | None, as_of: date | None, settings: Settings
) -> tuple[IsoWeek, date | None]:
    """The week and the day it is judged on (None: the week has no working day)."""
    from engine.digest.weeks import IsoWeek
    from engine.errors import InputError

    if week is None:
        day = as_of or datetime.now(settings.time.zone).date()
        return IsoWeek.of(day), day
    chosen = IsoWeek.parse(week)
    if as_of is not None:
        if not chosen.contains(as_of):
            raise InputError(
                _("--as-of {as_of:%d/%m/%Y} is not in the week {code}").format(
                    as_of=as_of, code=chosen.code
                )
            )
        return chosen, as_of
    return chosen, chosen.send_day(calendar)


def _heading(calendar: WorkCalendar, week: IsoWeek, day: date) -> str:
    send = week.send_day(calendar)
    sent = f"gửi {calendar.send_at:%H:%M} ngày {send:%d/%m/%Y}" if send else "không gửi"
    return f"Tuần {week.code} ({sent}), tính đến ngày {day:%d/%m/%Y}"


def _entries(
    session: Session, settings: Settings, week: IsoWeek, day: date, agency: str | None,
    owner: bool, channel: Channel | None,
) -> list[Entry]:  # fmt: skip
    from engine.digest.content import agency_digests, owner_digests, pending_items
    from engine.digest.schedule import coordinators
    from engine.lookup import find_agency
    from engine.outbox import load_recipients

    only = [find_agency(session, agency).id] if agency is not None else None
    # Every agency's and owner's digest: the open obligations, read once for both.
    pending = pending_items(session, day) if only is None else None
    found: list[tuple[str, AgencyDigest | OwnerDigest]] = []
    if not owner:
        digests = agency_digests(session, week, day, only, pending=pending)
        found += [("agency", d) for _, d in sorted(digests.items())]
    owners = owner_digests(session, week, day, settings.time.zone, only, pending=pending)
    found += [("owner", d) for _, d in sorted(owners.items())]
    contacts = coordinators(session, {d.addressee.id for _, d in found})
    people = load_recipients(session, (c for pairs in contacts.values() for c, _ in pairs))
    entries = []
    for scope, digest in found:
        pairs = [(people[c], ch) for c, ch in contacts.get(digest.addressee.id, [])
                 if channel in (None, ch)]  # fmt: skip
        entries.append(Entry(scope, digest, pairs))
    return entries


def _outbox_states(
    session: Session, week: IsoWeek, entries: list[Entry], zone: ZoneInfo
) -> dict[tuple[str, int, str], OutboxState]:
    """(scope, contact, channel) → what the outbox did with that digest of this week, for
    the digests listed: its state, and when it was sent (local time). Their rows are
    looked up by key (unique, indexed), so the cost does not grow with the outbox."""
    from sqlalchemy import select

    from engine.digest.schedule import DigestRow
    from engine.store.models import Notification
    from engine.util import chunked

    keys = {
        DigestRow(week, e.scope, e.digest.addressee.id, person.id, channel).key
        for e in entries
        for person, channel in e.recipients
    }
    n = Notification
    found = {}
    for chunk in chunked(sorted(keys), 1000):
        query = select(n.stage, n.contact_id, n.channel, n.state, n.sent_at).where(
            n.key.in_(chunk), n.kind == "digest"
        )
        for scope, contact, channel, row_state, sent_at in session.execute(query):
            local = sent_at.astimezone(zone) if sent_at else None
            found[(scope, contact, channel)] = (row_state, local)
    return found


OutboxState = tuple[str, "datetime | None"]


def _state_text(state: OutboxState | None) -> str:
    if state is None:
        return "chưa tạo"
    row_state, sent_at = state
    return f"đã gửi {sent_at:%d/%m %H:%M}" if sent_at else labels.outbox(row_state)


def _state_json(state: OutboxState | None) -> dict[str, str | None] | None:
    if state is None:
        return None
    row_state, sent_at = state
    return {"state": row_state, "sent_at": sent_at.isoformat() if sent_at else None}


def digest_json(
    week: str, day: date, entries: list[Entry], states: dict[tuple[str, int, str], OutboxState]
) -> dict[str, object]:
    """The documented JSON of ``nhacviec digest --json``: each digest, what it counts and
    who receives it on which channel, with what the outbox did with it this week."""
    from engine.digest.content import AgencyDigest

    digests = []
    for entry in entries:
        d = entry.digest
        if isinstance(d, AgencyDigest):
            counts = {"overdue": d.overdue, "due_soon": d.due_soon, "in_progress": d.in_progress}
            plans = [p.plan.label for p in d.plans]
        else:
            counts = {
                "overdue": d.overdue,
                "newly_overdue": d.newly_overdue,
                "newly_done": d.newly_done,
                "pending_extensions": d.pending_extensions,
            }
            plans = [p.plan.label for p in d.plans]
        digests.append({
            "scope": entry.scope,
            "agency": entry.agency,
            "plans": plans,
            "counts": counts,
            "recipients": [
                {"contact": person.name, "channel": channel, "address": person.address(channel),
                 "outbox": _state_json(states.get((entry.scope, person.id, channel)))}
                for person, channel in entry.recipients
            ],
        })  # fmt: skip
    return {"week": week, "day": day.isoformat(), "digests": digests}


def _listing(
    out: Console,
    entries: list[Entry],
    states: dict[tuple[str, int, str], OutboxState],
    heading: str,
) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=heading, title_justify="left")
    table.add_column("Loại", no_wrap=True)
    table.add_column("Đơn vị", ratio=2)
    table.add_column("Nội dung", ratio=2)
    table.add_column("Người nhận", ratio=2, overflow="fold")
    table.add_column("Kênh", no_wrap=True)
    table.add_column("Hộp thư đi", no_wrap=True)
    for entry in entries:
        kind, agency, what = SCOPE_VI[entry.scope], escape(entry.agency), escape(entry.summary)
        if not entry.recipients:
            table.add_row(kind, agency, what, "[yellow]không có đầu mối nhận[/]", "—", "—")
        for person, channel in entry.recipients:
            shown = _state_text(states.get((entry.scope, person.id, channel)))
            table.add_row(kind, agency, what, escape(person.address(channel)), channel, shown)
    out.print(table)


def _preview(
    out: Console, settings: Settings, now: datetime, entries: list[Entry], heading: str
) -> None:
    """Each digest once per language and channel, as its recipients would read it (the
    email's text part, which Zalo and the webhook send too; Telegram's text without its
    markup)."""
    from rich.panel import Panel
    from rich.text import Text

    from engine.messages.digest import render_digest
    from engine.messages.types import RenderEnv, templates_for

    env = RenderEnv(templates_for(settings.paths.templates), settings.time.zone, None, now)
    out.print(heading)
    for entry in entries:
        for (language, channel), people in _groups(entry).items():
            message = render_digest(env, "preview", channel, f"digest_{entry.scope}",
                                    entry.digest, people[0])  # fmt: skip
            to = ", ".join(p.address(channel) if p.id else "(không có đầu mối)" for p in people)
            body = _plain(message.text) if _marked_up(channel) else message.text
            out.print(Panel(Text(body), title=Text(message.subject),
                            subtitle=Text(f"{channel} · {language} · {to}")))  # fmt: skip


def _groups(entry: Entry) -> dict[tuple[str, str], list[Recipient]]:
    from engine.messages.types import Recipient

    groups: dict[tuple[str, str], list[Recipient]] = {}
    for person, channel in entry.recipients:
        groups.setdefault((person.lang, channel), []).append(person)
    if not groups:  # nobody would get it: show it as a coordinator would read it
        channel = mail_channels()[0]
        nobody = Recipient(0, 0, "Đầu mối theo dõi kế hoạch", "coordinator", {channel: "-"}, "vi",
                           True)  # fmt: skip
        groups[("vi", channel)] = [nobody]
    return groups


def _marked_up(channel: str) -> bool:
    """Whether the channel's text is markup (Telegram's HTML): a chat channel with a text
    part of its own, not the mail's plain text part (which Zalo sends as it is)."""
    known = CHANNELS[channel]
    return known.chat and known.text not in {CHANNELS[m].text for m in mail_channels()}


def _plain(html: str) -> str:
    """Telegram's HTML as the chat shows it: without tags, entities decoded."""
    import html as entities
    import re

    return entities.unescape(re.sub(r"<[^>]+>", "", html))
