"""In which order a batch's messages start on a channel that sends several at once."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.delivery import by_recipient_in_turn
from engine.outbox import OutboxRow

AT = datetime(2026, 6, 12, 1, 0, tzinfo=UTC)


def outbox_row(row_id: int, contact: int) -> OutboxRow:
    return OutboxRow(
        id=row_id, key=f"o{row_id}:s:c{contact}:telegram", kind="obligation",
        obligation_id=row_id, stage="s", stage_order=1, escalation=False, contact_id=contact,
        channel="telegram", template="reminder", stop_on=["done"], scheduled_at=AT, due_at=AT,
        state="sending", attempts=0, lease_owner="w", payload=None,
    )  # fmt: skip


def test_a_chat_with_many_messages_takes_its_turn_with_the_others() -> None:
    rows = [outbox_row(n, contact) for n, contact in enumerate([7, 7, 7, 8, 8, 9], 1)]
    assert [r.id for r in by_recipient_in_turn(rows)] == [1, 4, 6, 2, 5, 3]


def test_rows_already_spread_over_chats_keep_their_order() -> None:
    rows = [outbox_row(n, contact) for n, contact in enumerate([7, 8, 9, 7, 8], 1)]
    assert [r.id for r in by_recipient_in_turn(rows)] == [1, 2, 3, 4, 5]


def test_an_empty_batch_has_no_order() -> None:
    assert by_recipient_in_turn([]) == []
