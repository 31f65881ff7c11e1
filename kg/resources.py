"""Where the ontology and shapes live, whether kg runs from a checkout or an install."""
from __future__ import annotations

import hashlib
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).parent


def ontology_dir() -> Path:
    for cand in (PACKAGE.parent / "ontology", Path(sys.prefix) / "share" / "kg" / "ontology"):
        if (cand / "kg.ttl").exists():
            return cand
    raise FileNotFoundError("ontology/kg.ttl not found (reinstall kg)")


def ontology_file() -> Path:
    return ontology_dir() / "kg.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the extractor's code, data and ontology: a change invalidates build caches."""
    h = hashlib.sha256()
    files = sorted(PACKAGE.rglob("*.py")) + sorted((PACKAGE / "data").glob("*")) + [ontology_file()]
    for f in files:
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]
