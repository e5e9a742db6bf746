"""Fixtures of the reliability suite: a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.smtp import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
