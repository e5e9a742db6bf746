"""Where the seed documents are, from the main checkout or from a git worktree."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

# conftest's SEEDS is right for the main checkout; a git worktree sits one level deeper.
SEED_DIR = next(
    (p / "shared" / "seeds" for p in ROOT.parents if (p / "shared" / "seeds").is_dir()), SEEDS
)


def seed_path(stem: str) -> Path:
    """The seed document ``stem``.txt; skips the test when the seeds are not on this machine."""
    path = SEED_DIR / f"{stem}.txt"
    if not path.is_file():
        pytest.skip(f"the seed documents are not at {SEED_DIR}")
    return path


def seed_stems() -> list[str]:
    return sorted(p.stem for p in SEED_DIR.glob("*.txt"))
