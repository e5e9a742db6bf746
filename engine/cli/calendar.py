"""Reading the calendar: ``agenda``, ``calendar``, ``overdue``, ``status``, ``export ics``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from engine import labels
from engine.cli.app import app, console, print_json, print_line, print_records, state, sub_app
from engine.dates import date_option
from engine.i18n import _

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table
    from rich.text import Text

    from engine.categories import Scorecard
    from engine.cli.app import AppContext
    from engine.workflow.agenda import AgencyScore, AgendaItem
    from engine.workflow.calendar import WorkCalendar

export_app = sub_app("export", "Export obligations to other tools (iCalendar).")

STATUS_STYLE = {
    "open": "cyan",
    "acknowledged": "blue",
    "done": "green",
    "waived": "dim",
    "overdue": "bold red",
    "untracked": "dim italic",
}
STATUS_VI = labels.STATUS
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


class StatusChoice(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    done = "done"
    waived = "waived"
    overdue = "overdue"


def _today(appctx: AppContext, as_of: date | None) -> date:
    if as_of is not None:
        return as_of
    return datetime.now(UTC).astimezone(appctx.settings.time.zone).date()


AGENCY = typer.Option(None, "--agency", help="Agency key, name or alias.")
UNTRACKED = typer.Option(
    False,
    "--untracked",
    help="Only what is not tracked (due before its plan's tracking start), whatever its "
    "due date unless --from/--to say.",
)
PLAN = typer.Option(None, "--plan", help="Plan key or number.")
AS_OF = typer.Option(
    None,
    "--as-of",
    parser=date_option,
    metavar="DD/MM/YYYY",
    help="Judge overdue as of this day (default: today).",
)


@app.command("agenda")
def agenda_command(
    ctx: typer.Context,
    start: date | None = typer.Option(
        None,
        "--from",
        parser=date_option,
        metavar="DD/MM/YYYY",
        help="First due date (default: today).",
    ),
    end: date | None = typer.Option(
        None,
        "--to",
        parser=date_option,
        metavar="DD/MM/YYYY",
        help="Last due date (default: 30 days after --from).",
    ),
    agency: str | None = AGENCY,
    plan: str | None = PLAN,
    status: StatusChoice | None = typer.Option(None, "--status", help="Effective status."),
    as_of: date | None = AS_OF,
    untracked: bool = UNTRACKED,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What falls due between two dates, by due date."""
    from engine.workflow.agenda import agenda, agenda_records

    appctx = state(ctx)
    today = _today(appctx, as_of)
    if untracked:  # all of them: they are in the past
        first, last = start, end
    else:
        first = start or today
        last = end or first + timedelta(days=30)
    filters: dict[str, Any] = {
        "start": first, "end": last, "agency": agency, "plan": plan,
        "status": status.value if status else None, "tracked": not untracked,
    }  # fmt: skip
    with appctx.store().session() as session:
        if as_json:
            print_records(agenda_records(session, today, **filters))
            return
        items = agenda(session, today, **filters)
    if first is None or last is None:
        title = f"Chưa theo dõi (đến hạn trước khi kế hoạch được theo dõi): {len(items)}"
    else:
        title = f"Lịch đến hạn {first:%d/%m/%Y} – {last:%d/%m/%Y}"
    if not items:
        print_line(f"{title}: không có nghĩa vụ nào.")
        return
    console().print(_items_table(items, title))


@app.command("overdue")
def overdue_command(
    ctx: typer.Context,
    as_of: date | None = AS_OF,
    agency: str | None = AGENCY,
    plan: str | None = PLAN,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Obligations past their due date and not done or waived, oldest first."""
    from engine.workflow.agenda import agenda

    appctx = state(ctx)
    today = _today(appctx, as_of)
    with appctx.store().session() as session:
        items = agenda(session, today, agency=agency, plan=plan, status="overdue")
    if as_json:
        print_json([{**i.as_json(), "days_overdue": (today - i.due).days} for i in items])
        return
    if not items:
        print_line(f"Không có nghĩa vụ quá hạn tính đến {today:%d/%m/%Y}.")
        return
    title = f"Quá hạn tính đến {today:%d/%m/%Y}: {len(items)}"
    console().print(_items_table(items, title, today=today))


@app.command("status")
def status_command(
    ctx: typer.Context,
    plan: str | None = PLAN,
    as_of: date | None = typer.Option(
        None,
        "--as-of",
        parser=date_option,
        metavar="DD/MM/YYYY",
        help="Count as of the end of this day.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The scorecard per agency: the status categories, on-time rate, open and acknowledged.

    Counted against the plans' original due dates, as the 6-month and annual reports
    count (README, "Status categories"); most overdue first.
    """
    from engine.workflow.agenda import plan_ids, status_by_agency

    appctx = state(ctx)
    today = _today(appctx, as_of)
    zone = appctx.settings.time.zone
    with appctx.store().session() as session:
        ids = plan_ids(session, plan) if plan is not None else None
        rows = status_by_agency(session, today, zone, ids)
    if as_json:
        print_json(status_json(rows, today, plan))
        return
    if not rows:
        console().print("Chưa có nghĩa vụ nào (nhacviec sync).")
        return
    from rich.markup import escape

    out = console()
    title = f"Tình hình thực hiện đến hết ngày {today:%d/%m/%Y}"
    out.print(status_table(rows, title, width=out.width))
    for row in rows:
        for flag in row.flags:
            console().print(f"[yellow]⚠[/] {escape(row.label or row.agency)}: {flag.channel} "
                            f"{escape(flag.contact)}: {escape(flag.flag)}")  # fmt: skip


def status_json(rows: list[AgencyScore], as_of: date, plan: str | None) -> dict[str, Any]:
    """The documented JSON of ``nhacviec status --json``."""
    from engine.categories import Scorecard
    from engine.workflow.agenda import card_json

    totals = sum((row.card for row in rows), Scorecard())
    return {
        "as_of": as_of.isoformat(),
        "plan": plan,
        "agencies": [row.as_json() for row in rows],
        "totals": {
            **card_json(totals),
            "open": sum(row.open for row in rows),
            "acknowledged": sum(row.acknowledged for row in rows),
        },
    }


@app.command("calendar")
def calendar_command(
    ctx: typer.Context,
    month: str | None = typer.Option(None, "--month", help="YYYY-MM (default: this month)."),
    agency: str | None = AGENCY,
    plan: str | None = PLAN,
    as_of: date | None = AS_OF,
    show_list: bool = typer.Option(True, "--list/--no-list", help="List the month's items below."),
    as_json: bool = typer.Option(False, "--json", help="Print the month as JSON."),
) -> None:
    """A month grid: days off shaded, each day listing what is due, coloured by status."""
    from engine.workflow.agenda import agenda
    from engine.workflow.calendar import WorkCalendar

    appctx = state(ctx)
    today = _today(appctx, as_of)
    first = _month(month) if month else today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    with appctx.store().session() as session:
        items = agenda(session, today, start=first, end=last, agency=agency, plan=plan)
    cal = WorkCalendar.from_settings(appctx.settings)
    if as_json:
        print_json(month_json(first, last, items, cal))
        return
    out = console()
    out.print(month_grid(first, items, cal, today, width=out.width))
    if show_list and items:
        out.print(_items_table(items, f"Đến hạn trong tháng {first:%m/%Y}: {len(items)}"))


def month_json(
    first: date, last: date, items: list[AgendaItem], cal: WorkCalendar
) -> dict[str, Any]:
    """The documented JSON of ``nhacviec calendar --json``: every day of the month, whether
    it is a working day, and what falls due on it (as ``agenda --json`` shows an item)."""
    by_day: dict[date, list[AgendaItem]] = {}
    for item in items:
        by_day.setdefault(item.due, []).append(item)
    days = []
    day = first
    while day <= last:
        days.append({
            "date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()],
            "working_day": cal.is_working_day(day),
            "items": [item.as_json() for item in by_day.get(day, [])],
        })  # fmt: skip
        day += timedelta(days=1)
    return {"month": f"{first:%Y-%m}", "days": days}


def _month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        from engine.errors import InputError

        raise InputError(
            _("--month {text!r}: expected a month as YYYY-MM, e.g. 2026-06").format(text=text)
        ) from None


@export_app.command("ics")
def export_ics_command(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="The .ics file to write."),
    agency: str | None = AGENCY,
    plan: str | None = PLAN,
    include_cancelled: bool = typer.Option(
        False, "--include-cancelled", help="Also obligations sync cancelled (as cancelled events)."
    ),
) -> None:
    """An iCalendar file: one all-day event per obligation on its due date.

    Event UIDs derive from the obligation keys, so importing a new export updates the
    events already in a calendar instead of adding copies.
    """
    from engine.cli.output import check_output, write_output
    from engine.workflow.agenda import agenda, revisions, to_ical

    appctx = state(ctx)
    check_output(output, (".ics",))
    now = datetime.now(UTC)
    today = now.astimezone(appctx.settings.time.zone).date()
    with appctx.store().session() as session:
        items = agenda(
            session, today, agency=agency, plan=plan, include_cancelled=include_cancelled
        )
        revision = revisions(session)
    name = "nhacviec" + (f" – {agency}" if agency else "") + (f" – {plan}" if plan else "")
    write_output(output, to_ical(items, now, revision, name))
    console().print(f"Wrote {len(items)} events to {output}.")


# -- rendering ------------------------------------------------------------------------------


def _styled_status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, '')}]{STATUS_VI.get(status, status)}[/]"


def _items_table(items: list[AgendaItem], title: str, today: date | None = None) -> Table:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", expand=False, pad_edge=False)
    table.add_column("Hạn", no_wrap=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("Đơn vị", max_width=28)
    table.add_column("Nghĩa vụ", ratio=1)
    table.add_column("Kỳ", max_width=22)
    table.add_column("Trạng thái", no_wrap=True)
    for item in items:
        late = f" ({(today - item.due).days} ngày)" if today else ""
        table.add_row(
            f"{item.due:%d/%m/%Y}", str(item.id), escape(item.agency), escape(item.title),
            escape(item.period), _styled_status(item.status) + late,
        )  # fmt: skip
    return table


STATUS_HEADERS = (
    "HT\nđúng hạn", "HT\nquá hạn", "Chưa HT\ntrong hạn", "Chưa HT\nquá hạn", "Miễn",
    "Tỷ lệ\nđúng\nhạn", "Chưa\nnhận", "Đã\nnhận",
)  # fmt: skip
STATUS_CAPTION = (
    "HT: hoàn thành. (n): trong đó n việc trong thời gian được gia hạn. "
    "⚠: có địa chỉ liên hệ bị lỗi (trên một kênh bất kỳ)."
)


WIDE = 110  # columns from which the status table has room for its boxed, two-word headers


def status_table(rows: list[AgencyScore], title: str, width: int = WIDE) -> Table:
    """The scorecard as a table: one row per agency and a total; a number in brackets is
    the part of its column within an approved extension (gia hạn).

    Every column stays whatever the ``width``: below ``WIDE`` columns (an 80-column
    terminal, a pipe) the headers stand one word per line and the box loses its vertical
    rules, which leaves the agency names room to wrap."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from engine.categories import Scorecard

    narrow = width < WIDE
    table = Table(title=title, title_justify="left", show_footer=True,
                  caption=STATUS_CAPTION, caption_justify="left",
                  box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD)  # fmt: skip
    totals = sum((row.card for row in rows), Scorecard())
    total_cells = _score_cells(totals, sum(r.open for r in rows), sum(r.acknowledged for r in rows))
    table.add_column("Đơn vị", "Tổng cộng", min_width=14 if narrow else 20, ratio=1)
    for header, footer in zip(STATUS_HEADERS, total_cells, strict=True):
        shown = header.replace(" ", "\n") if narrow else header
        table.add_column(shown, footer, justify="right", no_wrap=True)
    for row in rows:
        name = escape(row.label or row.agency) + (" [yellow]⚠[/]" if row.flags else "")
        table.add_row(name, *_score_cells(row.card, row.open, row.acknowledged))
    return table


def _score_cells(card: Scorecard, open_: int, acknowledged: int) -> list[str]:
    def with_extension(count: int, extended: int) -> str:
        return f"{count} ({extended})" if extended else str(count)

    overdue = with_extension(card.not_done_overdue, card.not_done_within_extension)
    rate = card.on_time_rate
    return [
        str(card.done_on_time),
        with_extension(card.done_late, card.done_within_extension),
        str(card.not_done_in_time),
        f"[bold red]{overdue}[/]" if card.not_done_overdue else overdue,
        str(card.waived),
        "—" if rate is None else f"{rate:.0%}",
        str(open_),
        str(acknowledged),
    ]


MAX_LINES = 4


def _counts(items: list[AgendaItem]) -> list[Text]:
    """A narrow day cell: how many items, and how many of them are overdue."""
    from rich.text import Text

    if not items:
        return []
    overdue = sum(1 for item in items if item.status == "overdue")
    worst = "overdue" if overdue else items[0].status
    lines = [Text(f"{len(items)} việc", style=STATUS_STYLE.get(worst, ""))]
    if overdue and overdue < len(items):
        lines.append(Text(f"{overdue} quá hạn", style=STATUS_STYLE["overdue"]))
    elif overdue:
        lines[0] = Text(f"{overdue} quá hạn", style=STATUS_STYLE["overdue"])
    return lines


COMPACT_CELL = 10  # a day cell narrower than this shows counts, not the items


def month_grid(
    first: date, items: list[AgendaItem], cal: WorkCalendar, today: date, width: int = 140
) -> Table:
    """A Monday-first grid of one month; each cell lists what falls due that day.

    Where a day cell is too narrow to name its items (an 80-column terminal gives each
    day about 10 columns), it counts them instead ("11 việc", "2 quá hạn") and the list
    under the grid names them: nothing is cut to "CQBCTP B…"."""
    from rich.table import Table

    by_day: dict[date, list[AgendaItem]] = {}
    for item in items:
        by_day.setdefault(item.due, []).append(item)
    table = Table(title=f"Tháng {first:%m/%Y}", show_lines=True, expand=True, padding=(0, 0, 0, 1))
    for name in WEEKDAYS:
        table.add_column(name, ratio=1, no_wrap=True, overflow="ellipsis", min_width=8)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    monday = first - timedelta(days=first.weekday())
    compact = width // 7 - 3 < COMPACT_CELL
    while monday <= last:
        week = [monday + timedelta(days=i) for i in range(7)]
        table.add_row(
            *(_day_cell(day, first, by_day.get(day, []), cal, today, compact) for day in week)
        )
        monday += timedelta(days=7)
    table.caption = "Ngày nghỉ: nền tối, đánh dấu «nghỉ». " + " ".join(
        f"[{style}]■ {STATUS_VI[s]}[/]" for s, style in STATUS_STYLE.items()
    )
    return table


def _day_cell(
    day: date,
    first: date,
    items: list[AgendaItem],
    cal: WorkCalendar,
    today: date,
    compact: bool = False,
) -> RenderableType:
    from rich.padding import Padding
    from rich.text import Text

    if day.month != first.month:
        return Text(str(day.day), style="dim")
    off = not cal.is_working_day(day)
    head = Text(f"{day.day:>2}", style="bold underline" if day == today else "bold")
    if off:
        head.append(" nghỉ", style="italic")
    lines = [head]
    if compact:
        lines.extend(_counts(items))
    else:
        for item in items[:MAX_LINES]:
            lines.append(Text(item.short, style=STATUS_STYLE[item.status]))
        if len(items) > MAX_LINES:
            lines.append(Text(f"+{len(items) - MAX_LINES} nữa", style="italic"))
    text = Text("\n").join(lines)
    text.no_wrap = True
    text.overflow = "ellipsis"
    return Padding(text, (0, 0), style="on grey23", expand=True) if off else text
