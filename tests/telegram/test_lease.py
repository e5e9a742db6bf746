"""The ``telegram-bot`` lease: one holder at a time, renewable, taken over when it lapses."""

from __future__ import annotations

import sqlalchemy as sa

from engine.bot.lease import Lease
from engine.store.db import Store
from engine.store.models import WorkerLock


def test_one_worker_holds_the_lease_until_it_releases_it(store: Store) -> None:
    first, second = Lease(store, owner="w1"), Lease(store, owner="w2")
    assert first.take() is True
    assert second.take() is False
    assert first.take() is True  # renewed
    first.release()
    assert second.take() is True
    with store.session() as s:
        (holder,) = s.scalars(sa.select(WorkerLock)).all()
        assert (holder.name, holder.owner) == ("telegram-bot", "w2")


def test_a_lapsed_lease_is_taken_over(store: Store) -> None:
    assert Lease(store, owner="w1", seconds=0).take() is True  # expires at once: w1 died
    assert Lease(store, owner="w2").take() is True
    assert Lease(store, owner="w1").take() is False
