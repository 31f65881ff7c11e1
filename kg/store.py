"""The embedded Oxigraph store: fast SPARQL over a built graph.

rdflib builds the graph; Oxigraph answers queries (rdflib's in-memory SPARQL
is one to two orders of magnitude slower on grouped joins, see NOTES) and
serialises large outputs.  ``open_graph`` accepts a build folder (its
``store/``) or any RDF file.

Layout: every report is a named graph, and the *default graph holds their
union* (the RDF merge, each triple once).  Queries run on the default graph.
Oxigraph's own "default graph as union" option is not used because up to
0.5.x it returns a triple once per graph holding it (oxigraph#1919): an
enterprise named in 200 reports would have its label 200 times, and every join
on it would multiply the rows.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .errors import InputNotFound, InvalidGraph, QueryError
from .namespaces import PREFIXES

FORMATS = {
    "turtle": (ox.RdfFormat.TURTLE, ".ttl"),
    "ntriples": (ox.RdfFormat.N_TRIPLES, ".nt"),
    "nquads": (ox.RdfFormat.N_QUADS, ".nq"),
    "trig": (ox.RdfFormat.TRIG, ".trig"),
    "jsonld": (ox.RdfFormat.JSON_LD, ".jsonld"),
    "rdfxml": (ox.RdfFormat.RDF_XML, ".rdf"),
}
_BY_SUFFIX = {".ttl": "turtle", ".nt": "ntriples", ".nq": "nquads", ".trig": "trig", ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "rdfxml", ".owl": "rdfxml", ".xml": "rdfxml"}

PREFIX_MAP = {p: str(ns) for p, ns in PREFIXES.items()}
# Turtle output: data IRIs (kgd:) contain "/" which a prefixed name must escape,
# so they are written in full, which reads better.
TURTLE_PREFIXES = {p: ns for p, ns in PREFIX_MAP.items() if p != "kgd"}


def format_for(path: Path) -> ox.RdfFormat:
    name = _BY_SUFFIX.get(path.suffix.lower())
    if name is None:
        raise InvalidGraph(f"{path}: unknown RDF file type (use .ttl, .nt, .nq, .trig, .jsonld or .rdf)")
    return FORMATS[name][0]


def open_graph(path: str | Path) -> ox.Store:
    """A store for a build folder (read its ``store/``) or an RDF file (loaded in memory)."""
    p = Path(path)
    if not p.exists():
        raise InputNotFound(f"{p}: no such file or directory")
    if p.is_dir():
        store_dir = p / "store" if (p / "store").is_dir() else p
        if not (store_dir / "CURRENT").exists() and not any(store_dir.glob("*.sst")):
            nq = p / "graph.nq"
            if nq.exists():
                return open_graph(nq)
            raise InputNotFound(f"{p}: not a kg build folder (no store/ or graph.nq)")
        try:
            return ox.Store.read_only(str(store_dir))
        except OSError as exc:
            raise InvalidGraph(f"{store_dir}: cannot open Oxigraph store ({exc})") from None
    store = ox.Store()
    fmt = format_for(p)
    try:
        store.bulk_load(path=str(p), format=fmt)
    except SyntaxError as exc:
        raise InvalidGraph(f"{p}: not valid RDF: {_one_line(exc)}") from None
    except OSError as exc:
        raise InvalidGraph(f"{p}: cannot read graph ({_one_line(exc)})") from None
    if fmt.supports_datasets and has_named_graphs(store):
        # the union of the named graphs, each triple once, as the default graph
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def has_named_graphs(store: ox.Store) -> bool:
    return next(iter(store.named_graphs()), None) is not None


def has_default_graph(store: ox.Store) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None


def query_options(store: ox.Store) -> dict:
    """Keyword arguments for ``Store.query``: the default graph, or the union if it is empty.

    Stores written by older builds have no union default graph; they are queried
    through Oxigraph's union option (which may repeat shared triples, see above).
    """
    if has_default_graph(store) or not has_named_graphs(store):
        return {}
    return {"use_default_graph_as_union": True}


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def query(store: ox.Store, sparql: str):
    """Run a SPARQL query over the union of all named graphs (the default graph)."""
    try:
        return store.query(sparql, prefixes=PREFIX_MAP, **query_options(store))
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL: {_one_line(exc)}") from None
    except OSError as exc:
        raise QueryError(f"query failed: {_one_line(exc)}") from None


def term_text(term) -> str:
    """A readable cell: IRIs shortened with our prefixes, literals as their value."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        for p, ns in sorted(PREFIX_MAP.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns):
                from urllib.parse import unquote

                return f"{p}:{unquote(iri[len(ns):])}"
        return iri
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)
