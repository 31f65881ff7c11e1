"""Issue 8: the same input gives byte-identical outputs (no timestamps, no random seeds, sorted output).

Two separate processes build the seed into two differently named folders at
different times, with different hash seeds (so any output that depends on set
or dict iteration order of strings would differ).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "baotou-2022.txt"
COMPARED = ("graph.ttl", "graph.nq", "graph.html")


def _build(inputs: Path, out: Path, hashseed: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED=hashseed)
    proc = subprocess.run([sys.executable, "-m", "kg", "build", str(inputs), "-o", str(out), "-j", "1", "-q"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    a = tmp_path_factory.mktemp("first") / "out"
    b = tmp_path_factory.mktemp("second") / "elsewhere"
    _build(SEED, a, "1")
    time.sleep(1.1)  # a timestamp with one-second resolution would now differ
    _build(SEED.parent, b, "4242")
    return a, b


@pytest.mark.parametrize("name", COMPARED)
def test_two_builds_are_byte_identical(two_builds, name):
    a, b = two_builds
    da, db = (a / name).read_bytes(), (b / name).read_bytes()
    assert len(da) > 1000
    if da != db:  # show where they first differ, not megabytes
        i = next((k for k, (x, y) in enumerate(zip(da, db)) if x != y), min(len(da), len(db)))
        line = da[:i].count(b"\n") + 1
        ctx = lambda d: d[max(0, i - 80): i + 80].decode("utf-8", "replace")  # noqa: E731
        pytest.fail(f"{name} differs at byte {i} (line {line}):\n  {ctx(da)!r}\n  {ctx(db)!r}")


def test_outputs_name_no_build_folder_or_time(two_builds):
    a, b = two_builds
    today = time.strftime("%Y-%m-%d")
    for name in COMPARED:
        text = (a / name).read_text(encoding="utf-8")
        assert str(a) not in text and str(b) not in text, name
        assert today not in text, name
        if name != "graph.html":  # the page embeds vis-network, whose banner has its own release date
            assert not re.search(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d", text), name  # an ISO timestamp


def test_ntriples_lines_are_sorted(two_builds):
    a, _ = two_builds
    # graph.nq: the ontology graph, then one named graph per document, each block sorted and duplicate-free
    lines = (a / "graph.nq").read_text(encoding="utf-8").splitlines()
    blocks: dict[str, list[str]] = {}
    for ln in lines:
        blocks.setdefault(ln.rsplit(" ", 2)[1], []).append(ln)
    for graph, block in blocks.items():
        assert block == sorted(set(block)), graph


def test_turtle_serialisation_is_stable_across_reparse(two_builds, tmp_path):
    """Parse graph.ttl and write it back the way a build does: the same bytes."""
    import pyoxigraph as ox

    from kg.store import TURTLE_PREFIXES

    a, _ = two_builds
    nt = sorted(set(ox.serialize(ox.parse(path=str(a / "graph.ttl"), format=ox.RdfFormat.TURTLE),
                                 format=ox.RdfFormat.N_TRIPLES).decode("utf-8").splitlines(keepends=True)))
    (tmp_path / "g.nt").write_text("".join(nt), encoding="utf-8")
    again = ox.serialize(ox.parse(path=str(tmp_path / "g.nt"), format=ox.RdfFormat.N_TRIPLES),
                         format=ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)
    assert again == (a / "graph.ttl").read_bytes()
