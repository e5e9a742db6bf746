"""Fixtures for the webhook tests: a real local receiver and messages to send to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.webhook import FakeReceiver


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    """A local HTTP server that checks and records deliveries (``tests.fakes.webhook``)."""
    with FakeReceiver() as server:
        yield server
