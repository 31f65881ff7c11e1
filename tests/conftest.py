"""Shared fixtures: the seed report built once per test session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = ROOT / "seeds" / "baotou-2022.txt"
GOLD = ROOT / "tests" / "data" / "baotou-2022.dev-gold.json"


@pytest.fixture(scope="session")
def seed_doc():
    from kg.pipeline import process_file

    return process_file(SEED)


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory):
    """``kg build seeds/baotou-2022.txt`` into a temporary folder (no HTML: tested elsewhere)."""
    from kg.build import build

    out = tmp_path_factory.mktemp("seed-build")
    res = build([SEED], out, jobs=1, html=True, progress=False)
    return out, res
