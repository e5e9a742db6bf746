"""The delivery tests read the logs' and summaries' English msgids (a message's own
language is its contact's, from the templates, whatever the CLI's is)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """Every test here in English."""
