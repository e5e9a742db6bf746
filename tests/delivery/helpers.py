"""Small helpers shared by the delivery tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine.store.db import Store
from engine.store.models import DeliveryAttempt, Notification


def states(store: Store) -> dict[str, str]:
    """Each outbox row's stage → state (tests use one contact and channel unless stated)."""
    with store.session() as s:
        rows = s.execute(sa.select(Notification.stage, Notification.state)).all()
    return {stage: state for stage, state in rows}


def row(store: Store, stage: str) -> Notification:
    with store.session() as s:
        return s.scalars(sa.select(Notification).where(Notification.stage == stage)).one()


def attempts(store: Store) -> list[tuple[str, str, str | None]]:
    """(stage, outcome, error) of every delivery attempt, in order."""
    with store.session() as s:
        rows = s.execute(
            sa.select(Notification.stage, DeliveryAttempt.outcome, DeliveryAttempt.error)
            .join(Notification, Notification.id == DeliveryAttempt.notification_id)
            .order_by(DeliveryAttempt.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def update_obligation(store: Store, obligation_id: int, **values: Any) -> None:
    from engine.store.models import Obligation

    with store.session() as s:
        s.execute(sa.update(Obligation).where(Obligation.id == obligation_id).values(**values))
