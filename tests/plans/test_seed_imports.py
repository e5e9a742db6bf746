"""Each seed document, imported, agrees with an expected file written by reading it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.agencies import Directory, load_directory
from engine.plans.importer import import_plan
from tests.conftest import ROOT
from tests.plans.expectations import differences
from tests.plans.seeds import SEED_DIR, seed_path

pytestmark = pytest.mark.usefixtures("english")  # the warnings in the catalogue's English

EXPECTED = Path(__file__).parent / "expected"
SEED_NAMES = sorted(p.stem for p in EXPECTED.glob("*.yaml"))


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def expected_for(seed: str) -> dict[str, Any]:
    data = yaml.safe_load((EXPECTED / f"{seed}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_there_is_an_expected_file_for_every_seed() -> None:
    if not SEED_DIR.is_dir():
        pytest.skip(f"the seed documents are not at {SEED_DIR}")
    assert sorted(p.stem for p in SEED_DIR.glob("*.txt")) == SEED_NAMES


@pytest.mark.parametrize("seed", SEED_NAMES)
def test_the_import_agrees_with_the_document_read_by_hand(seed: str, directory: Directory) -> None:
    plan = import_plan(seed_path(seed), directory).plan
    problems = differences(expected_for(seed), plan)
    assert not problems, f"{seed}: {len(problems)} differences\n  " + "\n  ".join(problems)
