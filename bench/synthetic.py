"""Synthetic plans and agencies: as many obligations as a benchmark asks for.

``World(plans, tasks)`` is ``plans`` ten-year plans (2021-2030) of ``tasks`` yearly tasks
each ("Hàng năm": one occurrence a year), each task led by one agency with one other
coordinating, over a directory of ``agencies`` agencies (a coordinator and a head each,
with an email address). Every plan also states the half-yearly and yearly reports of its
two "Tổ chức thực hiện" agencies and the drafting of next year's plan. With the shipped
``scp`` workflow a plan gives ``20 × tasks + 49`` obligations (10 years × lead and
coordinator per task; 2 agencies × 2 reports × 10 years; 9 drafts), and each obligation
about 6 reminders. ``write(folder)`` writes the directory (YAML) next to the settings;
``load(store, settings, now)`` loads the directory and the plans into a store, ready for
``run_sync``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bench.harness import ROOT
from notifiers.email import EmailNotifier
from notifiers.registry import entry

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.plans.model import PlanFile
    from engine.store.db import Store

YEARS = range(2021, 2031)
# A contact's email address in the agency directory: the email channel's key there.
MAIL_KEY = entry(EmailNotifier.channel).directory_key
JURISDICTION = "Tỉnh Thử Nghiệm"


def obligations_per_plan(tasks: int) -> int:
    return 20 * tasks + 49


@dataclass(frozen=True)
class World:
    plans: int
    tasks: int
    agencies: int = 200
    contacts: bool = True  # False: nobody to remind, so sync writes no reminders

    @property
    def obligations(self) -> int:
        return self.plans * obligations_per_plan(self.tasks)

    def settings(self, folder: Path, db_url: str) -> Settings:
        """Settings that read this world's directory and the shipped workflows."""
        from engine.config import DatabaseSettings, PathsSettings, Settings

        self.write(folder)
        return Settings(
            database=DatabaseSettings(url=db_url),
            paths=PathsSettings(
                workflows=ROOT / "workflows",
                templates=ROOT / "templates",
                agencies=folder / "agencies.yaml",
                plans=folder / "plans",
                outbox=folder / "outbox",
            ),
        )

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "plans").mkdir(exist_ok=True)
        directory = {"version": 1, "agencies": [self._agency(a) for a in range(self.agencies)]}
        (folder / "agencies.yaml").write_text(yaml.safe_dump(directory, allow_unicode=True))

    def _agency(self, a: int) -> dict[str, Any]:
        contacts = [
            {"role": "coordinator", "name": f"Đầu mối theo dõi kế hoạch (Sở số {a})",
             MAIL_KEY: f"so{a}.coordinator@example.org"},
            {"role": "head", "name": f"Lãnh đạo Sở số {a}", MAIL_KEY: f"so{a}.head@example.org"},
        ]  # fmt: skip
        return {
            "key": f"tn.so-{a}",
            "name": self.agency_name(a),
            "jurisdiction": JURISDICTION,
            "contacts": contacts if self.contacts else [],
        }

    @staticmethod
    def agency_name(a: int) -> str:
        return f"Sở Thử Nghiệm Số {a}"

    def plan_files(self) -> list[PlanFile]:
        return [self._plan(p) for p in range(self.plans)]

    def _plan(self, p: int) -> PlanFile:
        from engine.plans.model import PlanFile

        name = self.agency_name
        owner, other = name(p % self.agencies), name((p + 1) % self.agencies)
        tasks = [
            {
                "key": str(t + 1),
                "number": str(t + 1),
                "title": f"Nhiệm vụ {t + 1} của kế hoạch {p + 1}: tập huấn, truyền thông, "
                "khảo sát về sản xuất và tiêu dùng bền vững",
                "lead": [name((p * 7 + t) % self.agencies)],
                "coordinators": [name((p * 7 + t + 1) % self.agencies)],
                "window_text": "Hàng năm",
                "occurrences": [
                    {"start": date(y, 1, 1), "end": date(y, 12, 31), "label": f"Năm {y}"}
                    for y in YEARS
                ],
            }
            for t in range(self.tasks)
        ]
        return PlanFile.model_validate({
            "key": f"tn-{p + 1}-kh-ubnd-2020",
            "number": f"{p + 1}/KH-UBND",
            "issuer": "UBND Tỉnh Thử Nghiệm",
            "jurisdiction": JURISDICTION,
            "issued_on": date(2020, 12, 1),
            "title": f"Kế hoạch số {p + 1} thực hiện sản xuất và tiêu dùng bền vững 2021-2030",
            "period": {"start": YEARS[0], "end": YEARS[-1]},
            "owner": owner,
            "agencies": [{"name": owner, "duties": ["Chủ trì, theo dõi, tổng hợp."]},
                         {"name": other, "duties": ["Phối hợp, báo cáo định kỳ."]}],
            "reporting": [
                {"kind": "report", "frequency": "half-yearly", "due": "06-14",
                 "text": "báo cáo 6 tháng trước ngày 15/6 hàng năm"},
                {"kind": "report", "frequency": "yearly", "due": "12-14",
                 "text": "báo cáo năm trước ngày 15/12 hàng năm"},
                {"kind": "plan_drafting", "frequency": "yearly",
                 "text": "xây dựng kế hoạch năm sau"},
            ],
            "tasks": tasks,
        })  # fmt: skip

    def load(self, store: Store, settings: Settings, now: datetime) -> None:
        """The directory and every plan, in one transaction (not what is measured); each
        plan tracked from its start, so that every obligation is tracked."""
        from engine.agencies import load_directory
        from engine.plans.load import load_plan, sync_directory

        directory = load_directory(settings.paths.agencies)
        with store.session() as session:
            sync_directory(session, directory, now)
            for plan in self.plan_files():
                load_plan(session, plan, directory, now, track_from=date(YEARS[0], 1, 1))
