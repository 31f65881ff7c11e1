"""The pipeline: ingest → extract → resolve → relations → quantities.

``process_text`` turns one report into an enriched ``Document``; the graph,
store and output stages live in their own modules.
"""
from __future__ import annotations

from pathlib import Path

from . import extract as extract_mod
from . import ingest
from . import lexicon as lexmod
from .doc import Document
from .relations import extract_relations
from .resolve import resolve

EXTRACTOR_VERSION = "0.1.0"


def process_text(text: str, source: str = "report.txt") -> Document:
    """Run every stage on the text of one report."""
    lex = lexmod.load()
    doc = ingest.make_document(text, source)
    _, _, written = ingest.detect_title(text)
    extract_mod.detect_jurisdiction(doc, lex, written)
    ctx = extract_mod.Context(lex, doc.jurisdiction_code)
    extract_mod.extract(doc, ctx)
    resolve(doc)
    extract_relations(doc)
    _quantities(doc)
    return doc


def _quantities(doc: Document) -> None:
    try:
        from .quantities import extract_quantities
    except ImportError:  # pragma: no cover - module is part of the package
        return
    doc.quantities = extract_quantities(doc)


def process_file(path: str | Path, max_bytes: int = ingest.DEFAULT_MAX_BYTES) -> Document:
    text = ingest.read_text(path, max_bytes=max_bytes)
    return process_text(text, source=Path(path).name)
