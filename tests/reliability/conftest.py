"""The reliability tests check what happens (exit status, the file and line named, nothing
lost or sent twice), not the language: they read the catalogue's English msgids
(tests/test_cli_i18n.py checks the Vietnamese of each)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """Every test here in English."""
