"""Fixtures of the digest tests: a real SMTP server, the fake Bot API and a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.botapi import FakeBotApi
from tests.fakes.smtp import SmtpServer
from tests.telegram.conftest import VirtualClock


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def botapi(clock: VirtualClock) -> Iterator[FakeBotApi]:
    with FakeBotApi(clock=clock) as api:
        yield api
