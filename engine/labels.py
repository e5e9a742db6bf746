"""The Vietnamese words for the engine's internal values, where a person reads them.

Statuses, roles and outbox states are stored as English identifiers (``open``,
``coordinator``, ``pending``); what a coordinator reads — the CLI's tables, the iCal
description and categories, digests' listings — says them in Vietnamese, from here, so
that the words are the same everywhere and no identifier leaks into Vietnamese text.
"""

from __future__ import annotations

from engine.i18n import N_

STATUS = {
    "open": "chưa nhận",
    "acknowledged": "đã nhận",
    "done": "hoàn thành",
    "waived": "miễn",
    "overdue": "quá hạn",
    "untracked": "chưa theo dõi",
    "cancelled": "đã hủy",
}

ROLE = {
    "lead": "chủ trì",
    "coordinator": "phối hợp",
    "reporter": "báo cáo",
    "owner": "cơ quan chủ quản kế hoạch",
}

OUTBOX = {
    "pending": "chờ gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "gửi lỗi",
    "cancelled": "đã hủy",
    "skipped": "bỏ qua",
}


EXTENSION = {
    "pending": "chờ quyết định",
    "approved": "chấp thuận",
    "refused": "từ chối",
    "withdrawn": "rút lại",
}


# What one pass of delivery did with a notification (``engine.delivery.Result``), and what
# a sync did with obligations: words of the CLI's catalogue (``engine.i18n``).
RESULT = {
    "sent": N_("sent"),
    "retried": N_("retried"),
    "failed": N_("failed"),
    "skipped": N_("skipped"),
    "cancelled": N_("cancelled"),
    "snoozed": N_("snoozed"),
    "held": N_("held"),
    "added": N_("added"),
    "changed": N_("changed"),
    "reinstated": N_("reinstated"),
}


def result(value: str) -> str:
    """A result of ``RESULT`` in the language of the CLI."""
    from engine.i18n import _

    return _(RESULT[value]) if value in RESULT else value


def said(value: str) -> str:
    """An internal value inside a message of the CLI: its Vietnamese word when the CLI
    speaks Vietnamese (``engine.i18n``), the identifier itself in English."""
    from engine.i18n import language

    if language() == "en":
        return value
    for words in (STATUS, EXTENSION, OUTBOX, ROLE):
        if value in words:
            return words[value]
    return value


def status(value: str) -> str:
    return STATUS.get(value, value)


def role(value: str) -> str:
    return ROLE.get(value, value)


def outbox(value: str) -> str:
    return OUTBOX.get(value, value)
