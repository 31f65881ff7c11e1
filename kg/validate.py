"""Graph validation (SHACL shapes in ontology/shapes.ttl, run with pyshacl)."""
from __future__ import annotations

from pathlib import Path

from .errors import InvalidGraph


def validate_file(path: Path, fmt: str = "turtle") -> None:
    """Raise InvalidGraph if the file does not parse (SHACL: see issue #8)."""
    import pyoxigraph as ox

    try:
        for _ in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES if fmt == "ntriples" else ox.RdfFormat.TURTLE):
            pass
    except SyntaxError as exc:
        raise InvalidGraph(f"{path}: {exc}") from None


def cli_validate(args) -> int:
    validate_file(Path(args.graph))
    print(f"{args.graph}: valid")
    return 0
