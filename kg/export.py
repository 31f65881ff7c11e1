"""``kg export``: stream a built graph to an RDF format.

Dataset formats (N-Quads, TriG, JSON-LD) keep every report's named graph and
are streamed from the Oxigraph store graph by graph (N-Quads from a build
folder is its canonical ``graph.nq``): nothing is held in memory beyond
Oxigraph's write buffer.  The store's default graph, the derived union, is
not repeated in them.  Graph formats (Turtle, N-Triples,
RDF/XML) hold the union of the named graphs; from a build folder they are
re-encoded from its ``graph.ttl`` (already the sorted, de-duplicated union),
again as a stream.  Output is written to a temporary file and renamed.

    kg export out --format nquads -o corpus.nq
    kg export out --format trig             # → out/export.trig
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pyoxigraph as ox

from .errors import InputNotFound, InvalidGraph, OutputError
from .output import atomic_path
from .store import FORMATS, PREFIX_MAP, TURTLE_PREFIXES, format_for, has_default_graph, open_graph

DATASET_FORMATS = {"nquads", "trig", "jsonld"}


def export(source: str | Path, fmt: str, out: str | Path) -> Path:
    """Write ``source`` (a build folder or an RDF file) to ``out`` in format ``fmt``."""
    if fmt not in FORMATS:
        raise InvalidGraph(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    src = Path(source)
    if not src.exists():
        raise InputNotFound(f"{src}: no such file or directory")
    out = Path(out)
    rdf_format = FORMATS[fmt][0]
    prefixes = _prefixes(rdf_format)
    try:
        with atomic_path(out) as tmp:
            nq = src / "graph.nq" if src.is_dir() else None
            if fmt == "nquads" and nq is not None and nq.is_file():
                with nq.open("rb") as fin, tmp.open("wb") as fout:  # already canonical: sorted per graph
                    shutil.copyfileobj(fin, fout, 1 << 20)
            elif fmt in DATASET_FORMATS:
                ox.serialize(named_quads(open_graph(src)), output=str(tmp), format=rdf_format,
                             **({"prefixes": prefixes} if prefixes else {}))
            else:
                ox.serialize(_union_triples(src), output=str(tmp), format=rdf_format,
                             **({"prefixes": prefixes} if prefixes else {}))
            tmp.chmod(0o644)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write export ({exc.strerror or ' '.join(str(exc).split())})") from None
    except SyntaxError as exc:
        raise InvalidGraph(f"{src}: not valid RDF: {' '.join(str(exc).split())}") from None
    return out


def named_quads(store: ox.Store):
    """Every named graph's quads, graph by graph in IRI order (the default graph only if there are none:
    in a kg store it is the derived union)."""
    graphs = sorted(store.named_graphs(), key=str)
    if not graphs:
        yield from store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    for g in graphs:
        yield from store.quads_for_pattern(None, None, None, g)


def _prefixes(rdf_format: ox.RdfFormat) -> dict[str, str] | None:
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return TURTLE_PREFIXES
    if rdf_format == ox.RdfFormat.RDF_XML:
        return PREFIX_MAP
    return None


def _union_triples(src: Path):
    """Triples of the union of all named graphs, each once, streamed."""
    ttl = src / "graph.ttl" if src.is_dir() else None
    if ttl is not None and ttl.is_file():
        return (ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE))
    if src.is_file() and not format_for(src).supports_datasets:
        return (ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(src), format=format_for(src)))
    store = open_graph(src)
    if has_default_graph(store):  # a kg store: the default graph is the union
        return (ox.Triple(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    # several named graphs may hold the same triple: DISTINCT keeps one
    return iter(store.query("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT DISTINCT ?s ?p ?o WHERE { "
                            "GRAPH ?g { ?s ?p ?o } } } }"))


def default_output(source: Path, fmt: str) -> Path:
    ext = FORMATS[fmt][1]
    if source.is_dir():
        return source / f"export{ext}"
    return source.with_name(f"{source.stem}.export{ext}")


def cli_export(args) -> int:
    src = Path(args.graph)
    out = Path(args.out) if args.out else default_output(src, args.format)
    if out.resolve() == src.resolve():
        raise OutputError(f"{out}: the export would overwrite its own input")
    export(src, args.format, out)
    print(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: kg export OUT --format nquads")
