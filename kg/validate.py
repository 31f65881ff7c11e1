"""Graph validation: the SHACL shapes in ``ontology/shapes.ttl``, run with pyshacl.

The data graph is validated with the ontology (``ontology/kg.ttl``) merged in,
so ``sh:targetClass``/``sh:class`` see ``rdfs:subClassOf`` (a ``kg:Zone`` is a
``kg:IndustryMember``) without running RDFS inference, which would add
thousands of triples and take much longer.  Files are parsed with Oxigraph
(50x faster than rdflib's Turtle parser) and handed to pyshacl as an rdflib
graph.

``validate_file`` raises ``InvalidGraph`` (exit code 9) with a one-line
summary; ``kg validate`` also prints one readable line per violation.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .errors import InputNotFound, InvalidGraph

_FORMATS = {
    "turtle": "TURTLE", "ttl": "TURTLE",
    "ntriples": "N_TRIPLES", "nt": "N_TRIPLES",
    "nquads": "N_QUADS", "nq": "N_QUADS",
    "trig": "TRIG",
    "jsonld": "JSON_LD",
    "rdfxml": "RDF_XML",
}
_BY_SUFFIX = {".ttl": "turtle", ".nt": "ntriples", ".nq": "nquads", ".trig": "trig",
              ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "rdfxml", ".owl": "rdfxml", ".xml": "rdfxml"}

SHOW = 5  # violations quoted in the one-line summary


@dataclass(frozen=True, order=True)
class Violation:
    focus: str
    path: str
    value: str
    message: str
    shape: str

    def __str__(self) -> str:
        where = self.focus + (f" {self.path}" if self.path else "")
        val = f" (value {self.value})" if self.value and self.value != self.focus else ""
        return f"{where}: {self.message}{val}"


# ---------------------------------------------------------------- loading
def _short(term) -> str:
    """A readable name for a term: prefixed IRI, or the literal's lexical form."""
    from rdflib import Literal, URIRef

    from .namespaces import PREFIXES

    if isinstance(term, URIRef):
        s = str(term)
        for prefix, ns in PREFIXES.items():
            if prefix != "kgd" and s.startswith(str(ns)):
                return f"{prefix}:{s[len(str(ns)):]}"
        return f"<{s}>"
    if isinstance(term, Literal):
        text = str(term)
        if len(text) > 40:
            text = text[:40] + "…"
        return repr(text) + (f"@{term.language}" if term.language else "")
    return str(term) if term is not None else ""


def _to_rdflib(term):
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise InvalidGraph(f"unsupported RDF term {term!r}")  # RDF-star triple terms


def _parse_into(graph, path: Path, fmt: str) -> None:
    """Add every triple of ``path`` (all named graphs merged) to an rdflib graph."""
    import pyoxigraph as ox

    name = _FORMATS.get(fmt)
    if name is None:
        raise InvalidGraph(f"{path}: unknown RDF format {fmt!r}")
    cache: dict = {}

    def conv(t):
        r = cache.get(t)
        if r is None:
            r = cache[t] = _to_rdflib(t)
        return r

    try:
        for q in ox.parse(path=str(path), format=getattr(ox.RdfFormat, name)):
            graph.add((conv(q.subject), conv(q.predicate), conv(q.object)))
    except SyntaxError as exc:
        raise InvalidGraph(f"{path}: not valid RDF: {' '.join(str(exc).split())}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidGraph(f"{path}: cannot read graph ({exc})") from None


def resolve_graph_path(path: str | Path) -> tuple[Path, str]:
    """A build folder → its graph.ttl (or graph.nq); a file → itself, format from its suffix."""
    p = Path(path)
    if not p.exists():
        raise InputNotFound(f"{p}: no such file or directory")
    if p.is_dir():
        for name, fmt in (("graph.ttl", "turtle"), ("graph.nq", "nquads")):
            if (p / name).is_file():
                return p / name, fmt
        raise InputNotFound(f"{p}: not a kg build folder (no graph.ttl or graph.nq)")
    fmt = _BY_SUFFIX.get(p.suffix.lower())
    if fmt is None:
        raise InvalidGraph(f"{p}: unknown RDF file type (use .ttl, .nt, .nq, .trig, .jsonld or .rdf)")
    return p, fmt


def load_graph(path: str | Path, fmt: str | None = None):
    """The data graph of ``path`` with the ontology merged in (an rdflib Graph)."""
    from rdflib import Graph

    from .resources import ontology_file

    p = Path(path)
    if fmt is None:
        p, fmt = resolve_graph_path(p)
    g = Graph()
    _parse_into(g, ontology_file(), "turtle")
    _parse_into(g, p, fmt)
    return g


# ---------------------------------------------------------------- validation
def _shapes_graph(shapes: str | Path | None):
    from rdflib import Graph

    from .resources import shapes_file

    sp = Path(shapes) if shapes else shapes_file()
    if not sp.is_file():
        raise InputNotFound(f"{sp}: no such shapes file")
    g = Graph()
    try:
        g.parse(str(sp), format="turtle")
    except Exception as exc:  # rdflib raises many parser exception types
        raise InvalidGraph(f"{sp}: shapes file is not valid Turtle ({' '.join(str(exc).split())[:200]})") from None
    return g


def validate_graph(data, shapes: str | Path | None = None) -> list[Violation]:
    """Run the SHACL shapes over an rdflib graph (the ontology must already be merged in)."""
    import logging

    from pyshacl import validate
    from rdflib import Namespace, URIRef
    from rdflib.namespace import RDF

    SH = Namespace("http://www.w3.org/ns/shacl#")
    logging.getLogger("pyshacl").setLevel(logging.ERROR)
    conforms, report, _ = validate(
        data, shacl_graph=_shapes_graph(shapes), inference="none", advanced=True,
        allow_warnings=True, abort_on_first=False, meta_shacl=False, inplace=True,
    )
    if conforms:
        return []
    out = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(r, SH.resultSeverity) != SH.Violation:
            continue
        msg = report.value(r, SH.resultMessage)
        shape = report.value(r, SH.sourceShape)
        out.add(Violation(
            focus=_short(report.value(r, SH.focusNode)),
            path=_short(report.value(r, SH.resultPath)) if report.value(r, SH.resultPath) is not None else "",
            value=_short(report.value(r, SH.value)) if report.value(r, SH.value) is not None else "",
            message=str(msg) if msg is not None else _short(report.value(r, SH.sourceConstraintComponent)),
            shape=_short(shape) if isinstance(shape, URIRef) else "",
        ))
    return sorted(out)


def check_file(path: str | Path, fmt: str | None = None, shapes: str | Path | None = None) -> list[Violation]:
    """Violations of the graph in ``path`` (a build folder or an RDF file); [] if it conforms."""
    return validate_graph(load_graph(path, fmt), shapes)


def summary(path: str | Path, violations: list[Violation]) -> str:
    """One line: how many violations, and the first few."""
    n = len(violations)
    head = "; ".join(str(v) for v in violations[:SHOW])
    more = f"; … and {n - SHOW} more (run `kg validate` for all)" if n > SHOW else ""
    return f"{path}: graph fails SHACL validation, {n} violation{'s' if n != 1 else ''}: {head}{more}"


def validate_file(path: str | Path, fmt: str = "turtle", shapes: str | Path | None = None) -> None:
    """Raise InvalidGraph (exit 9) if the file does not parse or violates the shapes."""
    violations = check_file(path, fmt, shapes)
    if violations:
        raise InvalidGraph(summary(path, violations))


def cli_validate(args) -> int:
    t0 = time.perf_counter()
    path, fmt = resolve_graph_path(args.graph)
    data = load_graph(path, fmt)
    violations = validate_graph(data, getattr(args, "shapes", None))
    secs = time.perf_counter() - t0
    if violations:
        for v in violations:
            print(f"violation: {v}")
        raise InvalidGraph(summary(args.graph, violations))
    print(f"{args.graph}: valid ({len(data)} triples with the ontology, checked in {secs:.2f} s)")
    return 0
