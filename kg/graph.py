"""Stage 5: turn an enriched ``Document`` into RDF.

The build writes each statement straight as N-Triples text
(``document_statements``), which is several times faster than building rdflib
terms and serialising them; ``document_triples`` gives the same statements as
rdflib terms for code that wants a ``Graph``.

IRIs are deterministic: entities from type + canonical label (so the same
enterprise in two reports is one node), provenance nodes from the document id
and character offsets.  No blank nodes, so serialisations are reproducible.

Layout of one document's named graph ``kgd:graph/<doc id>``::

    kgd:doc/<id>               a kg:Document ; dcterms:title ; kg:year ; kg:jurisdiction …
    kgd:doc/<id>/s/<n>         a kg:Sentence ; kg:text ; kg:startOffset ; kg:endOffset
    kgd:doc/<id>/m/<s>-<e>-<T> a kg:Mention ; kg:refersTo <entity> ; kg:exact ; offsets
    kgd:<type>/<label>         a kg:<Type> ; rdfs:label "…"@zh ; skos:altLabel …
    <s> kg:undertakenBy <o> + kgd:doc/<id>/r/<hash> a rdf:Statement (evidence)
    <subject> kg:capacity kgd:doc/<id>/q/<s>-<e>-<attr> a kg:Quantity …
"""
from __future__ import annotations

import bisect
from functools import lru_cache
import hashlib
import re
from decimal import Decimal
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from . import lexicon as lexmod
from .doc import Document, Entity
from .namespaces import CUR, KG, KGD, PREFIXES, QUDT, UNIT

ZH = "zh"


@lru_cache(maxsize=1 << 16)
def iri_segment(label: str) -> str:
    """A readable IRI path segment: Chinese kept as is (IRIs allow it), unsafe ASCII %-encoded."""
    return "".join(ch if (ord(ch) > 127 and ch.isprintable() and not ch.isspace()) else quote(ch, safe="-._~()") for ch in label)


@lru_cache(maxsize=1 << 16)
def entity_iri(type_: str, label: str) -> URIRef:
    return KGD[f"{type_.lower()}/{iri_segment(label)}"]


def indicator_iri(name: str) -> URIRef:
    return KGD[f"indicator/{iri_segment(name)}"]


def doc_iri(doc_id: str) -> URIRef:
    return KGD[f"doc/{doc_id}"]


def graph_iri(doc_id: str) -> URIRef:
    return KGD[f"graph/{doc_id}"]


def sentence_iri(doc_id: str, idx: int) -> URIRef:
    return KGD[f"doc/{doc_id}/s/{idx}"]


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def _dec(x: float) -> Literal:
    return Literal(_dec_lexical(x), datatype=XSD.decimal)


def _dec_lexical(x: float) -> str:
    """Shortest plain decimal form of a float: 12.5, 3 (never 3.0 or 1.2E+3)."""
    d = Decimal(repr(float(x))).normalize()
    if d == d.to_integral():
        d = d.quantize(Decimal(1))
    return format(d, "f")


class TripleSet(set):
    """A plain set of rdflib triples with Graph's ``add``: building into it skips
    the indexing a Graph does on every add (3-4x faster for a whole report)."""

    def add(self, triple) -> None:  # noqa: D401 - same signature as Graph.add
        set.add(self, triple)

    def bind(self, *args, **kwargs) -> None:
        pass


def document_graph(doc: Document, version: str, graph=None):
    """All triples of one document (its named graph's content): an rdflib Graph,
    or ``graph`` (any object with ``add``, e.g. a TripleSet) filled and returned."""
    g = new_graph() if graph is None else graph
    for t in document_triples(doc, version):
        g.add(t)
    return g


def document_nquads(doc: Document, version: str) -> list[str]:
    """Sorted N-Quads of one document's named graph (the build's fast path)."""
    suffix = f" <{graph_iri(doc.doc_id)}> .\n"
    return sorted(document_statements(doc, version, line_end=suffix))


def document_triples(doc: Document, version: str) -> TripleSet:
    """Every triple of one document as rdflib terms (for rdflib users: validation, tests)."""
    out = TripleSet()
    for st in document_statements(doc, version):
        s, p, o = st.split(" ", 2)  # subject and predicate are IRIs: no spaces
        out.add((_term(s), _term(p), _term(o)))
    return out


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")


def nquad_lines(triples, graph_name) -> list[str]:
    """Sorted, de-duplicated N-Quads lines of ``triples`` (rdflib terms) in ``graph_name``.

    The same text rdflib's ``nt`` serialiser writes (UTF-8, same escapes), but
    without its per-triple overhead: IRIs are formatted once and reused.
    """
    suffix = f" <{graph_name}> .\n" if graph_name is not None else " .\n"
    iris: dict = {}
    out = set()
    for s, p, o in triples:
        ss = iris.get(s)
        if ss is None:
            ss = iris[s] = s.n3()
        ps = iris.get(p)
        if ps is None:
            ps = iris[p] = p.n3()
        if isinstance(o, Literal):
            if o.language:
                os_ = f'"{_esc(o)}"@{o.language}'
            elif o.datatype:
                os_ = f'"{_esc(o)}"^^<{o.datatype}>'
            else:
                os_ = f'"{_esc(o)}"'
        else:
            os_ = iris.get(o)
            if os_ is None:
                os_ = iris[o] = o.n3()
        out.add(f"{ss} {ps} {os_}{suffix}")
    return sorted(out)


# ---------------------------------------------------------------- N-Triples terms as strings
# Building rdflib URIRef/Literal objects only to serialise them again cost more
# than the rest of the graph stage; the statements below are written directly
# in the text ``nquad_lines`` produces for the same terms (tests compare both).
_INVALID_IRI_CHARS = '<>" {}|\\^`'  # what rdflib's URIRef.n3 refuses


_INVALID_IRI_RE = re.compile("[" + re.escape(_INVALID_IRI_CHARS) + "]")  # one scan, not one per character


def _iri(iri: str) -> str:
    """``<iri>``; an IRI rdflib could not serialise is an error, as it was there."""
    if _INVALID_IRI_RE.search(iri):
        raise ValueError(f'"{iri}" does not look like a valid URI')
    return f"<{iri}>"


class _Vocab:
    """``V.label`` / ``V["label"]`` → ``<namespace + label>`` (computed once, then an attribute)."""

    def __init__(self, ns) -> None:
        self._ns = str(ns)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        ref = _iri(self._ns + name)
        setattr(self, name, ref)
        return ref

    def __getitem__(self, name: str) -> str:
        return getattr(self, name)  # an instance attribute once computed


_KG, _KGD, _RDF, _RDFS, _SKOS, _PROV, _DCTERMS, _QUDT, _UNIT, _CUR = (
    _Vocab(ns) for ns in (KG, KGD, RDF, RDFS, SKOS, PROV, DCTERMS, QUDT, UNIT, CUR))
_XSD_INTEGER, _XSD_DECIMAL = f"^^<{XSD.integer}>", f"^^<{XSD.decimal}>"


def _zh(text: str) -> str:
    return f'"{_esc(text)}"@{ZH}'


def _plain(text: str) -> str:
    return f'"{_esc(text)}"'


def _int_lit(n: int) -> str:
    lexical = str(n) if type(n) is int else str(_int(n))  # rdflib's lexical form for anything else
    return f'"{lexical}"{_XSD_INTEGER}'


def _dec_lit(x: float) -> str:
    return f'"{_dec_lexical(x)}"{_XSD_DECIMAL}'


@lru_cache(maxsize=1 << 16)
def _entity_ref(type_: str, label: str) -> str:
    return _iri(entity_iri(type_, label))


def _indicator_ref(name: str) -> str:
    return _iri(indicator_iri(name))


_UNESCAPE = re.compile(r"\\(.)", re.S)
_UNESCAPED = {"\\": "\\", "n": "\n", '"': '"', "r": "\r"}  # the inverse of _esc


@lru_cache(maxsize=1 << 16)
def _term(nt: str):
    """The rdflib term of one N-Triples term written by this module."""
    if nt.startswith("<"):
        return URIRef(nt[1:-1])
    close = nt.rindex('"')  # quotes inside the value are escaped
    value = _UNESCAPE.sub(lambda m: _UNESCAPED[m.group(1)], nt[1:close])
    rest = nt[close + 1 :]
    if rest.startswith("@"):
        return Literal(value, lang=rest[1:])
    if rest.startswith("^^"):
        return Literal(value, datatype=URIRef(rest[3:-1]))
    return Literal(value)


class _Statements(dict):
    """De-duplicated ``"<s> <p> o"`` statement strings (N-Triples without the final `` .``),
    each followed by ``line_end`` (an N-Quads graph and terminator: written once, not
    concatenated again to every statement afterwards).

    A dict (keys only), not a set: it iterates in insertion order, where each node's
    statements are written together, so sorting them finds long presorted runs and
    takes half the time it takes on a set's hash order."""

    def __init__(self, line_end: str = "") -> None:
        super().__init__()
        self.line_end = line_end

    def add(self, s: str, p: str, o: str) -> None:
        self[f"{s} {p} {o}{self.line_end}"] = None


class _DocRefs:
    """The IRIs of one document's own nodes (document, sentences, mentions …)."""

    def __init__(self, doc_id: str) -> None:
        self.base = f"{KGD}doc/{doc_id}"
        self.doc = _iri(self.base)

    def node(self, path: str) -> str:
        return _iri(f"{self.base}/{path}")

    def sentence(self, idx: int) -> str:
        return f"<{self.base}/s/{idx}>"  # base is valid and idx a number


def document_statements(doc: Document, version: str, line_end: str = "") -> _Statements:
    """Every statement of one document, as N-Triples text without the final `` .``
    (followed by ``line_end``)."""
    g = _Statements(line_end)
    refs = _DocRefs(doc.doc_id)
    d = refs.doc
    g.add(d, _RDF.type, _KG.Document)
    g.add(d, _DCTERMS.title, _zh(doc.title or doc.source))
    g.add(d, _KG.sourceFile, _plain(doc.source))
    g.add(d, _KG.sha256, _plain(doc.sha256))
    g.add(d, _KG.extractorVersion, _plain(version))
    if doc.year:
        g.add(d, _KG.year, _int_lit(doc.year))
    jur = None
    if doc.jurisdiction:
        jur = next((e for e in doc.entities if e.attrs.get("code") == doc.jurisdiction_code), None)
        if jur is not None:
            g.add(d, _KG.jurisdiction, _entity_ref(jur.type, jur.label))
    used_sentences: set[int] = set()
    lex = lexmod.load()
    for e in doc.entities:
        _add_entity(g, doc, e, refs, used_sentences, lex)
    for r in doc.relations:
        _add_relation(g, doc, r, refs, used_sentences)
    for q in doc.quantities:
        _add_quantity(g, doc, q, jur, refs, used_sentences)
    _add_sentences(g, doc, refs, used_sentences)
    return g


def _add_sentences(g: _Statements, doc: Document, refs: _DocRefs, used: set[int]) -> None:
    """Only sentences some mention, relation or quantity points into."""
    line_starts = _line_starts(doc.text)
    for idx in sorted(used):
        s = doc.sentences[idx]
        si = refs.sentence(idx)
        g.add(si, _RDF.type, _KG.Sentence)
        g.add(si, _KG.inDocument, refs.doc)
        g.add(si, _KG.startOffset, _int_lit(s.start))
        g.add(si, _KG.endOffset, _int_lit(s.end))
        g.add(si, _KG.text, _zh(doc.text[s.start : s.end]))
        g.add(si, _KG.line, _int_lit(bisect.bisect_right(line_starts, s.start)))


def _line_starts(text: str) -> list[int]:
    """Offsets at which each line starts (line n starts at index n-1)."""
    starts = [0]
    i = text.find("\n")
    while i != -1:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


def _add_entity(g: _Statements, doc: Document, e: Entity, refs: _DocRefs, used: set, lex) -> None:
    ei = _entity_ref(e.type, e.label)
    g.add(ei, _RDF.type, _KG[e.type])
    g.add(ei, _RDFS.label, _zh(e.label))
    g.add(ei, _KG.mentionedIn, refs.doc)
    for alias in sorted(e.aliases):
        g.add(ei, _SKOS.altLabel, _zh(alias))
    code = e.attrs.get("code")
    if code:
        g.add(ei, _KG.divisionCode, _plain(code))
        g.add(ei, _KG.officialName, _zh(lex.divisions[code].name))
    if e.type == "Industry":
        _add_broader_chain(g, e.label, e.attrs.get("broader"), lex)
    for m in e.mentions:
        mi = refs.node(f"m/{m.start}-{m.end}-{m.type}")
        g.add(mi, _RDF.type, _KG.Mention)
        g.add(mi, _KG.refersTo, ei)
        g.add(mi, _KG.inSentence, refs.sentence(m.sentence))
        g.add(mi, _KG.startOffset, _int_lit(m.start))
        g.add(mi, _KG.endOffset, _int_lit(m.end))
        g.add(mi, _KG.exact, _zh(doc.text[m.start : m.end]))
        g.add(mi, _KG.rule, _plain(m.rule))
        used.add(m.sentence)


def _add_broader_chain(g: _Statements, label: str, broader: str | None, lex) -> None:
    """skos:broader links up the industry taxonomy (光伏产业 → 新能源产业 → …)."""
    seen = {label}
    child = _entity_ref("Industry", label)
    while broader and broader not in seen:
        seen.add(broader)
        parent = _entity_ref("Industry", broader)
        g.add(child, _SKOS.broader, parent)
        g.add(parent, _RDF.type, _KG.Industry)
        g.add(parent, _RDFS.label, _zh(broader))
        child = parent
        broader = lex.industries.get(broader, {}).get("parent")


def _add_relation(g: _Statements, doc: Document, r, refs: _DocRefs, used: set) -> None:
    s = _entity_ref(*r.subj)
    o = _entity_ref(*r.obj)
    p = _KG[r.kind]
    g.add(s, p, o)
    h = hashlib.sha1(f"{r.kind}|{r.subj}|{r.obj}".encode()).hexdigest()[:12]
    ri = refs.node(f"r/{h}")
    g.add(ri, _RDF.type, _RDF.Statement)
    g.add(ri, _RDF.subject, s)
    g.add(ri, _RDF.predicate, p)
    g.add(ri, _RDF.object, o)
    g.add(ri, _KG.rule, _plain(r.rule))
    g.add(ri, _PROV.wasDerivedFrom, refs.doc)
    if r.sentence >= 0:
        g.add(ri, _KG.inSentence, refs.sentence(r.sentence))
        g.add(ri, _KG.startOffset, _int_lit(r.start))
        g.add(ri, _KG.endOffset, _int_lit(r.end))
        g.add(ri, _KG.exact, _zh(doc.text[r.start : r.end]))
        used.add(r.sentence)


_QUANTITY_PROPS = {
    "capacity", "installedCapacity", "investment", "outputValue", "output", "revenue",
    "growthRate", "share", "count", "area", "length",
}


def _add_quantity(g: _Statements, doc: Document, q, jur, refs: _DocRefs, used: set) -> None:
    if q.subject is not None:
        subj = _entity_ref(*q.subject)
    elif jur is not None:
        subj = _entity_ref(jur.type, jur.label)
    else:
        return
    attr = q.attribute if q.attribute in _QUANTITY_PROPS else "otherQuantity"
    qi = refs.node(f"q/{q.start}-{q.end}-{q.attribute}")
    g.add(subj, _KG[attr], qi)
    g.add(qi, _RDF.type, _KG.Quantity)
    g.add(qi, _KG.attribute, _plain(q.attribute))
    g.add(qi, _KG.value, _dec_lit(q.value))
    g.add(qi, _KG.unitText, _zh(q.unit))
    if q.norm_value is not None:
        g.add(qi, _KG.normalizedValue, _dec_lit(q.norm_value))
    if q.norm_unit:
        ns = _CUR if q.norm_unit == "CNY" else _UNIT
        g.add(qi, _QUDT.unit, ns[q.norm_unit])
    g.add(qi, _KG.quantityKind, _KG[q.kind])
    if q.year:
        g.add(qi, _KG.year, _int_lit(q.year))
    if q.product:
        g.add(qi, _KG.product, _zh(q.product))
    if q.qualifier:
        g.add(qi, _KG.qualifier, _plain(q.qualifier))
    if q.indicator:
        ii = _indicator_ref(q.indicator)
        g.add(qi, _KG.indicator, ii)
        g.add(ii, _RDF.type, _KG.Indicator)
        g.add(ii, _RDFS.label, _zh(q.indicator))
    g.add(qi, _KG.exact, _zh(doc.text[q.start : q.end]))
    g.add(qi, _KG.startOffset, _int_lit(q.start))
    g.add(qi, _KG.endOffset, _int_lit(q.end))
    g.add(qi, _KG.inSentence, refs.sentence(q.sentence))
    g.add(qi, _PROV.wasDerivedFrom, refs.doc)
    used.add(q.sentence)


def to_nquads(g: Graph, graph_name: URIRef | None) -> list[str]:
    """Sorted N-Quads (or N-Triples) lines: a canonical, diff-able form."""
    data = g.serialize(format="nt")
    suffix = f" <{graph_name}> .\n" if graph_name is not None else " .\n"
    lines = []
    for line in data.splitlines():
        line = line.strip()
        if not line:
            continue
        assert line.endswith(" .")
        lines.append(line[:-2] + suffix)
    return sorted(set(lines))
