"""Small plans, directories and calendars for workflow tests."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from engine.agencies import Directory
from engine.plans.model import PlanFile
from engine.workflow.calendar import WorkCalendar
from engine.workflow.generate import AgencyBook
from engine.workflow.schema import Workflow, load_workflow_file, load_workflow_text

ROOT = Path(__file__).resolve().parents[2]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def calendar(*extra: date) -> WorkCalendar:
    return WorkCalendar(country="VN", extra_days_off=extra, zone=HANOI, send_at=time(8, 0))


def shipped_workflow() -> Workflow:
    return load_workflow_file(ROOT / "workflows" / "scp.yaml").workflow


def directory() -> Directory:
    return Directory.model_validate(
        {
            "agencies": [
                {
                    "key": "hn.sct",
                    "name": "Sở Công Thương",
                    "aliases": ["SCT"],
                    "contacts": [
                        {"role": "coordinator", "name": "KH SCT", "email": "kh@sct.example.org",
                         "telegram_chat_id": 1001},
                        {"role": "head", "name": "Giám đốc SCT", "email": "gd@sct.example.org"},
                    ],
                },
                {
                    "key": "hn.stnmt",
                    "name": "Sở Tài nguyên và Môi trường",
                    "contacts": [
                        {"role": "coordinator", "name": "VP STNMT",
                         "email": "vp@stnmt.example.org"},
                    ],
                },
                {"key": "hn.stc", "name": "Sở Tài chính", "contacts": []},
            ]
        }
    )  # fmt: skip


def book() -> AgencyBook:
    return AgencyBook.from_directory(directory())


def plan(**overrides: Any) -> PlanFile:
    data: dict[str, Any] = {
        "key": "hn-2022",
        "number": "266/KH-UBND",
        "title": "Kế hoạch SXTDBV năm 2022",
        "period": {"start": 2022, "end": 2022},
        "owner": "Sở Công Thương",
        "agencies": [
            {"name": "Sở Công Thương", "duties": ["báo cáo định kỳ"]},
            {"name": "Sở Tài nguyên và Môi trường", "duties": ["tuyên truyền"]},
        ],
        "reporting": [
            {"kind": "report", "text": "báo cáo định kỳ (6 tháng, năm)",
             "frequency": "half-yearly"},
            {"kind": "report", "text": "báo cáo định kỳ (6 tháng, năm)", "frequency": "yearly"},
        ],
        "tasks": [task()],
    }  # fmt: skip
    data.update(overrides)
    return PlanFile.model_validate(data)


def task(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": "1",
        "section": "I",
        "number": "1",
        "title": "Xây dựng tài liệu",
        "lead": ["Sở Công Thương"],
        "coordinators": ["Sở Tài nguyên và Môi trường", "Sở Tài chính"],
        "window_text": "Tháng 3 - 12/2022",
        "occurrences": [{"start": "2022-03-01", "end": "2022-12-31", "label": "Tháng 3-12/2022"}],
    }
    data.update(overrides)
    return data


def workflow(text: str) -> Workflow:
    return load_workflow_text(text, "test.yaml")
