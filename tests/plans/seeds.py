"""The seed documents (``tests.conftest.SEEDS``), skipping tests when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEEDS

SEED_DIR = SEEDS


def seed_path(stem: str) -> Path:
    """The seed document ``stem``.txt; skips the test when the seeds are not on this machine."""
    path = SEED_DIR / f"{stem}.txt"
    if not path.is_file():
        pytest.skip(f"the seed documents are not at {SEED_DIR}")
    return path


def seed_stems() -> list[str]:
    return sorted(p.stem for p in SEED_DIR.glob("*.txt"))
