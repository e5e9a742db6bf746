"""Two example plans in December 2022, what happened to them, and who should hear of it.

Loaded with the shipped directory and synced with the shipped workflow on 10/01/2022:
Hà Nội's plan 266/KH-UBND for 2022 (``plans/hn-2022-sxtdbv.yaml``, owner hn Sở Công
Thương) and Hòa Bình's plan 2583/QĐ-UBND for 2021–2030 (``plans/hb-2021-2030-sxtdbv.yaml``,
owner hb Sở Công Thương). What happened (Hà Nội time):

Hà Nội, 2022 (6-month reports due 15/06, annual reports due 15/12, tasks due 31/12
except task 3, due 31/10; coordinating inputs due 24/10 or 26/12):

- Sở Công Thương: task 1 done 13/12 and the annual report done 14/12 (both on time);
  task 3 acknowledged 05/04; task 2 acknowledged 01/12; task 4 waived 01/05; an
  extension of task 6 to 31/01/2023 requested 16/12, not decided; the rest not done.
- Sở Tài nguyên và Môi trường: the 6-month report done 10/06, the annual one 16/12 (a day
  late): nothing left.
- Sở Tài chính (its coordinator reads English and has a linked Telegram chat): the
  6-month report done 20/06 (late), the annual one acknowledged 12/12.
- Sở Khoa học và Công nghệ: the 6-month report done 15/06 at 23:00 (its last day).
- "Các sở, ngành và đơn vị có liên quan" (no contact): its input to task 1 done 10/12.
- Everyone else: nothing.

Hòa Bình (yearly tasks due 31/12, yearly reports due 14/12, inputs due 24/12 or 26/12):

- Everything due in 2021 done on 20/01/2022, except Sở Khoa học và Công nghệ's task 18 of
  2021.
- Sở Công Thương: its 2022 task 1 done 15/12; tasks 2 and 8 of 2022 and its 2022 report
  not done.
- Sở Lao động - Thương binh và Xã hội: its 2022 task 17 done 16/12: nothing left.
- Sở Tài nguyên và Môi trường: task 10 (2021–2030) acknowledged 01/03/2022.

Every reminder due before the Monday went out in its time (their rows are marked sent),
so a tick on Monday 19/12/2022 08:00 sends the week's digests and the reminders due
that very instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.agencies import load_directory
from engine.config import (
    DigestSettings,
    EmailSettings,
    PathsSettings,
    Settings,
    TelegramSettings,
)
from engine.plans.load import load_plan, sync_directory
from engine.plans.model import PlanFile
from engine.status import Action, apply_action
from engine.store.db import Store
from engine.store.models import (
    Agency,
    Contact,
    ExtensionRequest,
    Notification,
    Obligation,
    Plan,
    Task,
)
from engine.workflow.sync import run_sync
from engine.yamlpos import load_yaml, read_text, validate
from tests import helpers
from tests.conftest import ROOT
from tests.helpers import HANOI

SYNCED = datetime(2022, 1, 10, 1, 0, tzinfo=UTC)
MONDAY = datetime(2022, 12, 19, 8, 0, tzinfo=HANOI)  # 2022-W51
HN, HB = "hn-266-kh-ubnd-2021", "hb-2583-qd-ubnd-2020"
PLAN_FILES = ("hn-2022-sxtdbv.yaml", "hb-2021-2030-sxtdbv.yaml")
STC_CHAT = 2002
TELEGRAM_TOKEN_ENV = "NHACVIEC_TEST_DIGEST_TOKEN"


at = helpers.at_hour(time(9, 0))  # the digests go out on Monday at 09:00


def settings(
    *,
    smtp: tuple[str, int] | None = None,
    telegram_url: str | None = None,
    outbox: str | None = None,
    enabled: bool = True,
) -> Settings:
    values: dict[str, object] = {
        "paths": PathsSettings(
            workflows=ROOT / "workflows",
            templates=ROOT / "templates",
            agencies=ROOT / "config" / "agencies.yaml",
            plans=ROOT / "plans",
            **({"outbox": outbox} if outbox else {}),
        ),
        "digest": DigestSettings(enabled=enabled),
    }
    if smtp is not None:
        values["email"] = EmailSettings(
            host=smtp[0], port=smtp[1], sender="Nhắc việc <nhacviec@example.org>", timeout=5.0
        )
    if telegram_url is not None:
        values["telegram"] = TelegramSettings(token_env=TELEGRAM_TOKEN_ENV, base_url=telegram_url)
    return Settings(**values)  # type: ignore[arg-type]


def load(store: Store) -> None:
    """Load both plans and the directory, sync on 10/01/2022."""
    config = settings(enabled=False)
    directory = load_directory(config.paths.agencies)
    with store.session() as s:
        sync_directory(s, directory, SYNCED)
        for name in PLAN_FILES:
            path = ROOT / "plans" / name
            data, positions = load_yaml(read_text(path), str(path))
            plan = validate(PlanFile, data, positions, str(path))
            # Followed from the plans' start: the Hòa Bình plan's 2021 work is chased too.
            load_plan(s, plan, directory, SYNCED, track_from=date(plan.period.start, 1, 1))
    run_sync(store, config, now=SYNCED)


def find(
    s: Session, agency: str, *, rule: str, task: str | None = None, period: str | None = None
) -> Obligation:
    """The obligation of agency ``agency`` (a key) under ``rule`` (of task key ``task``,
    or of period label ``period``)."""
    query = (
        sa.select(Obligation)
        .join(Agency, Agency.id == Obligation.agency_id)
        .outerjoin(Task, Task.id == Obligation.task_id)
        .where(Agency.key == agency, Obligation.rule == rule, Obligation.cancelled_at.is_(None))
    )
    if task is not None:
        query = query.where(Task.key == task)
    if period is not None:
        query = query.where(Obligation.period_label == period)
    return s.scalars(query).one()


def act(s: Session, obligation: Obligation, action: Action, when: datetime) -> None:
    apply_action(s, obligation, action, now=when, zone=HANOI, actor="test", channel="cli",
                 note=f"{action} {when:%d/%m}")  # fmt: skip


def happen(store: Store) -> None:
    """What happened during 2022 (module docstring)."""
    with store.session() as s:
        _hanoi(s)
        _hoa_binh(s)
        _link_stc(s)
        _reminders_went_out(s)


def _hanoi(s: Session) -> None:
    sct = "hn.so-cong-thuong"
    act(s, find(s, sct, rule="chu-tri", task="1"), "done", at(date(2022, 12, 13), time(10)))
    act(
        s, find(s, sct, rule="bao-cao", period="năm 2022"), "done", at(date(2022, 12, 14), time(16))
    )
    act(s, find(s, sct, rule="chu-tri", task="3"), "ack", at(date(2022, 4, 5)))
    act(s, find(s, sct, rule="chu-tri", task="2"), "ack", at(date(2022, 12, 1)))
    act(s, find(s, sct, rule="chu-tri", task="4"), "waive", at(date(2022, 5, 1)))
    six = find(s, sct, rule="chu-tri", task="6")
    s.add(ExtensionRequest(obligation_id=six.id, requested_by="Phòng Kế hoạch - SCT",
                           requested_via="web", requested_at=at(date(2022, 12, 16)),
                           new_due_on=date(2023, 1, 31), reason="Chờ số liệu quý IV"))  # fmt: skip
    tnmt = "hn.so-tai-nguyen-va-moi-truong"
    act(s, find(s, tnmt, rule="bao-cao", period="6 tháng đầu năm 2022"), "done",
        at(date(2022, 6, 10)))  # fmt: skip
    act(s, find(s, tnmt, rule="bao-cao", period="năm 2022"), "done", at(date(2022, 12, 16)))
    stc = "hn.so-tai-chinh"
    act(s, find(s, stc, rule="bao-cao", period="6 tháng đầu năm 2022"), "done",
        at(date(2022, 6, 20)))  # fmt: skip
    act(s, find(s, stc, rule="bao-cao", period="năm 2022"), "ack", at(date(2022, 12, 12)))
    act(s, find(s, "hn.so-khoa-hoc-va-cong-nghe", rule="bao-cao", period="6 tháng đầu năm 2022"),
        "done", at(date(2022, 6, 15), time(23)))  # fmt: skip
    act(s, find(s, "hn.cac-so-nganh-va-don-vi-co-lien-quan", rule="phoi-hop", task="1"), "done",
        at(date(2022, 12, 10)))  # fmt: skip


def _hoa_binh(s: Session) -> None:
    kept = find(s, "hb.so-khoa-hoc-va-cong-nghe", rule="chu-tri", task="18", period="Năm 2021")
    of_2021 = s.scalars(
        sa.select(Obligation)
        .join(Plan, Plan.id == Obligation.plan_id)
        .where(Plan.key == HB, Obligation.due_on < date(2022, 1, 1), Obligation.id != kept.id)
        .order_by(Obligation.id)
    ).all()
    for obligation in of_2021:
        act(s, obligation, "done", at(date(2022, 1, 20)))
    sct = "hb.so-cong-thuong"
    act(
        s, find(s, sct, rule="chu-tri", task="1", period="Năm 2022"), "done", at(date(2022, 12, 15))
    )
    act(s, find(s, "hb.so-lao-dong-thuong-binh-va-xa-hoi", rule="chu-tri", task="17",
                period="Năm 2022"), "done", at(date(2022, 12, 16)))  # fmt: skip
    act(s, find(s, "hb.so-tai-nguyen-va-moi-truong", rule="chu-tri", task="10"), "ack",
        at(date(2022, 3, 1)))  # fmt: skip


def _link_stc(s: Session) -> None:
    """Sở Tài chính's coordinator reads English and linked a Telegram chat."""
    contact = s.scalars(
        sa.select(Contact).where(Contact.key == coordinator_key(s, "hn.so-tai-chinh"))
    ).one()
    contact.language = "en"
    contact.set_address("telegram", str(STC_CHAT))
    s.flush()


def _reminders_went_out(s: Session) -> None:
    n = Notification
    s.execute(
        sa.update(n)
        .where(n.state == "pending", n.due_at < MONDAY)
        .values(state="sent", sent_at=n.due_at)
    )


def coordinator_key(s: Session, agency: str) -> str:
    return s.scalars(
        sa.select(Contact.key)
        .join(Agency, Agency.id == Contact.agency_id)
        .where(Agency.key == agency, Contact.role == "coordinator")
    ).one()


def coordinator_email(s: Session, agency: str) -> str:
    contact = s.scalars(
        sa.select(Contact)
        .join(Agency, Agency.id == Contact.agency_id)
        .where(Agency.key == agency, Contact.role == "coordinator")
    ).one()
    return contact.addresses["email"]
