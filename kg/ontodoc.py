"""``kg ontology-doc``: the ontology reference (Markdown) generated from ontology/kg.ttl.

The reference is never written by hand: every class, property and named
individual of the ``kg:`` namespace gets its Chinese and English labels, its
comment, its place in the hierarchy, domain and range, and ONE example triple.

Examples come from a built graph when one is given (a build folder, graph.ttl,
graph.nq, an Oxigraph store or a :class:`kg.api.KnowledgeGraph`).  The example
for a term is the first such fact the report states (ties broken
by IRI), so it reads like the report and does not change when unrelated parts
of the graph do.  A term the graph never uses gets a synthetic example built
from its domain and range, marked as such.

``kg ontology-doc`` (no ``--graph``) builds the bundled seed report into a
temporary folder for its examples, so ``docs/ontology.md`` can be regenerated
and compared byte for byte (tests/test_ontodoc.py).
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import unquote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .namespaces import KG, KGD, PREFIXES

EXAMPLE_MAX_CHARS = 60
SEED_NAME = "baotou-2022.txt"

# Longest namespace first, so kgd: is not shortened as kg:.
_PREFIXES = sorted(((p, str(ns)) for p, ns in PREFIXES.items()), key=lambda kv: (-len(kv[1]), kv[0]))
_PREFIXES.insert(0, ("xsd", str(XSD)))


# ---------------------------------------------------------------- formatting
def curie(term) -> str:
    """``kg:Project``, ``kgd:enterprise/包钢`` (percent-escapes decoded) or ``<iri>``."""
    iri = str(term)
    for p, ns in _PREFIXES:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{p}:{unquote(iri[len(ns):])}"
    return f"<{iri}>"


def _literal(lit: Literal) -> str:
    text = str(lit)
    if len(text) > EXAMPLE_MAX_CHARS:
        text = text[:EXAMPLE_MAX_CHARS] + "…"
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    if lit.language:
        return f'"{text}"@{lit.language}'
    if lit.datatype == XSD.integer:
        return text
    if lit.datatype is not None and lit.datatype != XSD.string:
        return f'"{text}"^^{curie(lit.datatype)}'
    return f'"{text}"'


def term_md(term) -> str:
    if isinstance(term, Literal):
        return _literal(term)
    return curie(term)


def triple_md(s, p, o) -> str:
    pred = "a" if p == RDF.type else curie(p)
    return f"{term_md(s)} {pred} {term_md(o)} ."


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_SLUGS: dict = {}


def _slugs(terms: list) -> dict:
    """GitHub's anchors for the term headings, in document order: ``kg:Project`` -> ``kgproject``;
    a second heading with the same lowercase text (kg:Indicator, kg:indicator) gets ``-1``."""
    seen: dict[str, int] = {}
    out = {}
    for t in terms:
        base = re.sub(r"[^\w\- ]", "", curie(t).lower()).replace(" ", "-")
        n = seen.get(base, 0)
        seen[base] = n + 1
        out[t] = base if n == 0 else f"{base}-{n}"
    return out


def _link(term) -> str:
    """Markdown link to a term's section, or the term in code when it has none."""
    c = curie(term)
    if term in _SLUGS:
        return f"[`{c}`](#{_SLUGS[term]})"
    return f"`{c}`"


# ---------------------------------------------------------------- the ontology
class _Onto:
    def __init__(self, path: str | Path):
        self.g = Graph()
        self.g.parse(str(path), format="turtle")
        g = self.g
        ns = str(KG)
        mine = lambda t: isinstance(t, URIRef) and str(t).startswith(ns)  # noqa: E731
        self.classes = sorted({c for c in g.subjects(RDF.type, OWL.Class) if mine(c)}, key=str)
        self.object_props = sorted({p for p in g.subjects(RDF.type, OWL.ObjectProperty) if mine(p)}, key=str)
        self.datatype_props = sorted({p for p in g.subjects(RDF.type, OWL.DatatypeProperty) if mine(p)}, key=str)
        cls_set = set(self.classes)
        self.individuals = sorted({s for c in cls_set for s in g.subjects(RDF.type, c) if mine(s)}, key=str)
        self.ontology = next(iter(sorted(g.subjects(RDF.type, OWL.Ontology), key=str)), None)

    def label(self, term, lang: str) -> str:
        for lit in sorted(self.g.objects(term, RDFS.label), key=str):
            if isinstance(lit, Literal) and lit.language == lang:
                return str(lit)
        return ""

    def comment(self, term) -> str:
        vals = sorted(str(c) for c in self.g.objects(term, RDFS.comment))
        return " ".join(vals)

    def objs(self, term, pred) -> list:
        return sorted(self.g.objects(term, pred), key=str)

    def subs(self, term, pred) -> list:
        return sorted(self.g.subjects(pred, term), key=str)

    def closure_down(self, term, pred) -> list:
        """``term`` and everything below it by ``pred`` (subClassOf / subPropertyOf), sorted."""
        seen, todo = {term}, [term]
        while todo:
            t = todo.pop()
            for s in self.g.subjects(pred, t):
                if s not in seen:
                    seen.add(s)
                    todo.append(s)
        return sorted(seen, key=str)

    def types_of(self, individual) -> list:
        return [c for c in self.objs(individual, RDF.type) if c in set(self.classes)]


# ---------------------------------------------------------------- examples from a graph
_FAR = 1 << 60


class _Examples:
    """Picks one triple per term from a built graph (a pyoxigraph Store)."""

    def __init__(self, store):
        from .store import query as store_query

        self._q = lambda text: store_query(store, text)
        self.pos: dict[str, int] = {}
        rows = self._q(
            "SELECT ?n (MIN(?so) AS ?pos) WHERE { { ?n kg:startOffset ?so } UNION "
            "{ ?m kg:refersTo ?n ; kg:startOffset ?so } } GROUP BY ?n"
        )
        for r in rows:
            self.pos[r["n"].value] = int(r["pos"].value)
        for r in self._q("SELECT ?d WHERE { ?d a kg:Document }"):
            self.pos[r["d"].value] = -1

    @staticmethod
    def _rdflib(term):
        import pyoxigraph as ox

        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            return Literal(term.value, datatype=URIRef(term.datatype.value))
        return None  # blank nodes: the graph has none, skip if any

    def _best(self, rows, s_var: str, p_var: str | None, o_var: str, p_fixed=None):
        ns = str(KG)
        best = None
        for r in rows:
            s, o = r[s_var], r[o_var]
            p = URIRef(r[p_var].value) if p_var else p_fixed
            s_, o_ = self._rdflib(s), self._rdflib(o)
            if s_ is None or o_ is None:
                continue
            ps = self.pos.get(str(s_), _FAR)
            po = self.pos.get(str(o_), _FAR) if isinstance(o_, URIRef) else ps
            key = (
                str(s_).startswith(ns),  # ontology terms (the store also holds the ontology) last
                max(ps, po),  # where the report can first have stated the fact
                min(ps, po),
                len(str(o_)),
                str(s_), str(p), str(o_),
            )
            if best is None or key < best[0]:
                best = (key, (s_, p, o_))
        return best[1] if best else None

    def for_class(self, classes: list) -> tuple | None:
        values = " ".join(f"<{c}>" for c in classes)
        rows = self._q(f"SELECT ?s ?c WHERE {{ VALUES ?c {{ {values} }} ?s a ?c }}")
        return self._best(rows, "s", None, "c", p_fixed=RDF.type)

    def for_property(self, props: list) -> tuple | None:
        values = " ".join(f"<{p}>" for p in props)
        rows = self._q(f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o }}")
        return self._best(rows, "s", "p", "o")

    def for_individual(self, ind) -> tuple | None:
        rows = self._q(f"SELECT ?s ?p ?o WHERE {{ VALUES ?o {{ <{ind}> }} ?s ?p ?o FILTER(?p != rdf:type) }}")
        return self._best(rows, "s", "p", "o")


def _as_store(example_graph):
    """A pyoxigraph Store from a path, a Store, a KnowledgeGraph or an rdflib Graph."""
    import pyoxigraph as ox

    if example_graph is None:
        return None
    if isinstance(example_graph, ox.Store):
        return example_graph
    if hasattr(example_graph, "store") and isinstance(getattr(example_graph, "store"), ox.Store):
        return example_graph.store
    if isinstance(example_graph, Graph):
        store = ox.Store()
        data = example_graph.serialize(format="nt", encoding="utf-8")
        store.load(data, format=ox.RdfFormat.N_TRIPLES)
        return store
    from .store import open_graph

    return open_graph(Path(example_graph))


# ---------------------------------------------------------------- synthetic examples
def _example_node(onto: _Onto, cls) -> URIRef:
    if cls is None:
        cls = KG.Entity
    local = str(cls).rsplit("#", 1)[-1]
    zh = onto.label(cls, "zh") or local
    return KGD[f"{local.lower()}/示例{zh}"]


def _example_value(onto: _Onto, prop, rng):
    if rng == XSD.integer:
        return Literal(2022 if prop == KG.year else 42, datatype=XSD.integer)
    if rng == XSD.decimal:
        return Literal("30", datatype=XSD.decimal)
    if rng == XSD.string:
        return Literal("示例")
    if rng is not None and (rng in set(onto.classes)):
        return _example_node(onto, rng)
    if prop in set(onto.object_props):
        return _example_node(onto, rng)
    return Literal("示例", lang="zh")


def _synthetic_property(onto: _Onto, prop) -> tuple:
    dom = next(iter(onto.objs(prop, RDFS.domain)), None)
    rng = next(iter(onto.objs(prop, RDFS.range)), None)
    if dom is None:
        # A sub-property inherits its parent's domain.
        for parent in onto.objs(prop, RDFS.subPropertyOf):
            dom = next(iter(onto.objs(parent, RDFS.domain)), None) or dom
    if rng is None:
        for parent in onto.objs(prop, RDFS.subPropertyOf):
            rng = next(iter(onto.objs(parent, RDFS.range)), None) or rng
    return (_example_node(onto, dom), prop, _example_value(onto, prop, rng))


def _synthetic_individual(onto: _Onto, ind) -> tuple:
    types = onto.types_of(ind)
    for p in onto.object_props:
        if any(t in onto.objs(p, RDFS.range) for t in types):
            dom = next(iter(onto.objs(p, RDFS.domain)), None)
            return (_example_node(onto, dom), p, ind)
    return (ind, RDF.type, types[0] if types else OWL.NamedIndividual)


# ---------------------------------------------------------------- the document
def _heading_block(onto: _Onto, term, kind: str) -> list[str]:
    zh, en = onto.label(term, "zh"), onto.label(term, "en")
    out = [f"### {curie(term)}", ""]
    names = " / ".join(x for x in (zh, en) if x)
    out.append(f"**{names}** — {kind}" if names else f"*{kind}*")
    out.append("")
    comment = onto.comment(term)
    if comment:
        out += [comment, ""]
    return out


def _facts(rows: list[tuple[str, str]]) -> list[str]:
    if not rows:
        return []
    out = ["| | |", "|---|---|"]
    out += [f"| {k} | {_cell(v)} |" for k, v in rows]
    return out + [""]


def _example_lines(triple, synthetic: bool, have_graph: bool) -> list[str]:
    if not synthetic:
        note = "Example:"
    elif have_graph:
        note = "Example (synthetic: the example graph has no such triple):"
    else:
        note = "Example (synthetic):"
    return [note, "", "```turtle", triple_md(*triple), "```", ""]


def _class_tree(onto: _Onto) -> list[str]:
    classes = set(onto.classes)
    parents = {c: [p for p in onto.objs(c, RDFS.subClassOf) if p in classes] for c in onto.classes}
    roots = [c for c in onto.classes if not parents[c]]
    lines: list[str] = []

    def walk(c, depth):
        outside = [p for p in onto.objs(c, RDFS.subClassOf) if p not in classes]
        extra = f" (⊑ {', '.join('`' + curie(p) + '`' for p in outside)})" if outside else ""
        zh = onto.label(c, "zh")
        lines.append(f"{'  ' * depth}- {_link(c)} {zh}{extra}")
        for child in sorted((k for k in onto.classes if c in parents[k]), key=str):
            walk(child, depth + 1)

    for r in roots:
        walk(r, 0)
    return lines


def render_markdown(ontology_path: str | Path | None = None, example_graph=None, example_source: str | None = None) -> str:
    """The ontology reference as Markdown.

    ``example_graph``: a build folder, RDF file, pyoxigraph Store, KnowledgeGraph or rdflib Graph
    to take example triples from (synthetic examples otherwise); ``example_source`` says in the
    text where the examples come from (no absolute paths: the output is committed).
    """
    from .resources import ontology_file

    ontology_path = Path(ontology_path) if ontology_path else ontology_file()
    onto = _Onto(ontology_path)
    store = _as_store(example_graph)
    ex = _Examples(store) if store is not None else None
    _SLUGS.clear()
    _SLUGS.update(_slugs(onto.classes + onto.object_props + onto.datatype_props + onto.individuals))

    lines: list[str] = []
    title_zh = onto.label(onto.ontology, "zh") if onto.ontology else ""
    title_en = onto.label(onto.ontology, "en") if onto.ontology else ""
    version = str(next(iter(onto.objs(onto.ontology, OWL.versionInfo)), "")) if onto.ontology else ""
    src = "ontology/kg.ttl" if ontology_path.name == "kg.ttl" else ontology_path.name
    lines += [
        "# Ontology reference",
        "",
        f"<!-- Generated by `kg ontology-doc` from {src}. Do not edit by hand: edit the ontology and regenerate. -->",
        "",
    ]
    if onto.ontology is not None:
        head = " — ".join(x for x in (title_zh, title_en) if x)
        lines += [f"**{head}**" + (f", version {version}" if version else "") + f" (`{onto.ontology}`).", ""]
        if onto.comment(onto.ontology):
            lines += [onto.comment(onto.ontology), ""]
    if ex is not None:
        where = f" of {example_source}" if example_source else ""
        lines += [f"Each term has one example triple taken from the graph{where}: the fact the "
                  "report states first. Terms that graph does not use get a synthetic example, marked as such.", ""]
    else:
        lines += ["Examples are synthetic (built from each term's domain and range); pass a built graph "
                  "(`kg ontology-doc --graph out`) for examples from real reports.", ""]
    lines += ["IRIs are abbreviated with these prefixes:", "", "| Prefix | Namespace |", "|---|---|"]
    used_prefixes = ["kg", "kgd", "rdf", "rdfs", "owl", "xsd", "skos", "prov", "dcterms", "oa", "qudt", "unit", "cur"]
    ns_map = dict(PREFIXES, xsd=XSD)
    lines += [f"| `{p}:` | `{ns_map[p]}` |" for p in used_prefixes if p in ns_map]
    lines += [""]

    # summary table
    lines += ["## Contents", "", "| Term | Kind | 中文 | English |", "|---|---|---|---|"]
    groups = [("Class", onto.classes), ("Object property", onto.object_props),
              ("Datatype property", onto.datatype_props), ("Individual", onto.individuals)]
    for kind, terms in groups:
        for t in terms:
            lines.append(f"| {_link(t)} | {kind} | {_cell(onto.label(t, 'zh'))} | {_cell(onto.label(t, 'en'))} |")
    lines += [""]

    # classes
    lines += ["## Classes", "", "Hierarchy (`rdfs:subClassOf`):", ""] + _class_tree(onto) + [""]
    for c in onto.classes:
        lines += _heading_block(onto, c, "class")
        sup = [p for p in onto.objs(c, RDFS.subClassOf)]
        sub = onto.subs(c, RDFS.subClassOf)
        dom = onto.subs(c, RDFS.domain)
        rng = onto.subs(c, RDFS.range)
        facts = []
        if sup:
            facts.append(("Subclass of", ", ".join(_link(x) for x in sup)))
        if sub:
            facts.append(("Subclasses", ", ".join(_link(x) for x in sub)))
        if dom:
            facts.append(("Domain of", ", ".join(_link(x) for x in dom)))
        if rng:
            facts.append(("Range of", ", ".join(_link(x) for x in rng)))
        inds = [i for i in onto.individuals if c in onto.types_of(i)]
        if inds:
            facts.append(("Individuals", ", ".join(_link(x) for x in inds)))
        lines += _facts(facts)
        triple = ex.for_class(onto.closure_down(c, RDFS.subClassOf)) if ex else None
        synthetic = triple is None
        if synthetic:
            triple = (_example_node(onto, c), RDF.type, c)
        lines += _example_lines(triple, synthetic, ex is not None)

    # properties
    for title, kind, props in (("Object properties", "object property", onto.object_props),
                               ("Datatype properties", "datatype property", onto.datatype_props)):
        lines += [f"## {title}", ""]
        for p in props:
            lines += _heading_block(onto, p, kind)
            facts = []
            chars = [curie(t) for t in onto.objs(p, RDF.type) if t not in (OWL.ObjectProperty, OWL.DatatypeProperty)]
            if chars:
                facts.append(("Characteristics", ", ".join(f"`{x}`" for x in chars)))
            sup = onto.objs(p, RDFS.subPropertyOf)
            if sup:
                facts.append(("Subproperty of", ", ".join(_link(x) for x in sup)))
            sub = onto.subs(p, RDFS.subPropertyOf)
            if sub:
                facts.append(("Subproperties", ", ".join(_link(x) for x in sub)))
            facts.append(("Domain", ", ".join(_link(x) for x in onto.objs(p, RDFS.domain)) or "—"))
            facts.append(("Range", ", ".join(_link(x) for x in onto.objs(p, RDFS.range)) or "—"))
            lines += _facts(facts)
            triple = ex.for_property(onto.closure_down(p, RDFS.subPropertyOf)) if ex else None
            synthetic = triple is None
            if synthetic:
                triple = _synthetic_property(onto, p)
            lines += _example_lines(triple, synthetic, ex is not None)

    # individuals
    if onto.individuals:
        lines += ["## Individuals", ""]
        for i in onto.individuals:
            types = onto.types_of(i)
            lines += _heading_block(onto, i, "individual of " + ", ".join(curie(t) for t in types))
            lines += _facts([("Type", ", ".join(_link(t) for t in types))])
            triple = ex.for_individual(i) if ex else None
            synthetic = triple is None
            if synthetic:
                triple = _synthetic_individual(onto, i)
            lines += _example_lines(triple, synthetic, ex is not None)

    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- CLI
def seed_file() -> Path | None:
    """The bundled seed report, when kg runs from a checkout."""
    cand = Path(__file__).resolve().parent.parent / "seeds" / SEED_NAME
    return cand if cand.is_file() else None


def seed_reference(ontology_path=None, seed_graph=None) -> str:
    """The reference as committed in docs/ontology.md: examples from the bundled seed's graph.

    ``seed_graph``: the seed already built (a build folder or graph file); otherwise the seed is
    built into a temporary folder (no HTML, no SHACL: a few seconds).  Without the seed (kg
    installed from a wheel) the examples are synthetic.
    """
    source = f"`seeds/{SEED_NAME}`"
    if seed_graph is not None:
        return render_markdown(ontology_path, seed_graph, example_source=source)
    seed = seed_file()
    if seed is None:
        return render_markdown(ontology_path)
    from .build import build

    with tempfile.TemporaryDirectory(prefix="kg-ontodoc-") as tmp:
        build([seed], tmp, jobs=1, html=False, validate=False, progress=False, store=False)
        return render_markdown(ontology_path, Path(tmp) / "graph.nq", example_source=source)


def cli_ontology_doc(args) -> int:
    from .output import write_text

    ontology_path = getattr(args, "ontology", None)
    graph = getattr(args, "graph", None)
    if graph:
        text = render_markdown(ontology_path, graph, example_source=f"`{graph}`")
    else:
        text = seed_reference(ontology_path)
    out = Path(getattr(args, "out", None) or "docs/ontology.md")
    write_text(out, text)
    print(out)
    return 0
