"""End to end on the bundled seed: graph.ttl round-trips, terms are declared,
offsets round-trip, and facts the report plainly states are in the graph."""
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.graph import entity_iri
from kg.namespaces import KG
from kg.resources import ontology_file

from .conftest import SEED


@pytest.fixture(scope="module")
def graph(seed_build):
    out, _ = seed_build
    g = Graph()
    g.parse(out / "graph.ttl", format="turtle")
    return g


def test_outputs_exist(seed_build):
    out, res = seed_build
    for name in ("graph.ttl", "graph.nq", "graph.html", "manifest.json"):
        assert (out / name).stat().st_size > 0
    assert (out / "store").is_dir()
    ents, rels = res.totals()
    assert ents["Enterprise"] >= 20 and ents["Project"] >= 30 and rels["undertakenBy"] >= 15


def test_every_class_and_property_is_declared(graph):
    onto = Graph().parse(ontology_file())
    declared = set(onto.subjects(RDF.type, OWL.Class)) | set(onto.subjects(RDF.type, OWL.ObjectProperty)) \
        | set(onto.subjects(RDF.type, OWL.DatatypeProperty)) | set(onto.subjects(RDF.type, KG.QuantityKind))
    used = {p for p in graph.predicates() if str(p).startswith(str(KG))}
    used |= {o for o in graph.objects(None, RDF.type) if str(o).startswith(str(KG))}
    assert used, "graph uses the kg: vocabulary"
    assert used <= declared, sorted(used - declared)


def test_every_entity_has_one_zh_label(graph):
    for cls in ("Enterprise", "Project", "Industry", "District", "Zone", "Institution", "Place"):
        for e in graph.subjects(RDF.type, KG[cls]):
            labels = list(graph.objects(e, RDFS.label))
            assert len(labels) == 1 and labels[0].language == "zh", (e, labels)


def test_offsets_round_trip(graph):
    text = SEED.read_text(encoding="utf-8")
    n = 0
    for m in graph.subjects(RDF.type, KG.Mention):
        a = int(graph.value(m, KG.startOffset))
        b = int(graph.value(m, KG.endOffset))
        assert text[a:b] == str(graph.value(m, KG.exact))
        n += 1
    assert n > 300
    for s in graph.subjects(RDF.type, KG.Sentence):
        a, b = int(graph.value(s, KG.startOffset)), int(graph.value(s, KG.endOffset))
        assert text[a:b] == str(graph.value(s, KG.text))


FACTS = [
    # (subject type, subject label, predicate, object type, object label)
    ("Project", "特变电工年产20万吨高纯多晶硅", "undertakenBy", "Enterprise", "特变电工股份有限公司"),
    ("Project", "天骄清美9000吨抛光材料", "undertakenBy", "Enterprise", "天骄清美"),
    ("Project", "金鄂博30万吨氢氟酸", "undertakenBy", "Enterprise", "金鄂博"),
    ("Project", "光威1万吨大丝束碳纤维", "inIndustry", "Industry", "新型材料产业"),
    ("Project", "金鄂博30万吨氢氟酸", "inIndustry", "Industry", "氟化工"),
    ("Project", "龙马高端风电装备制造产业园", "inIndustry", "Industry", "风电装备"),
    ("Zone", "国际氢能产业示范基地", "inIndustry", "Industry", "氢能产业"),
    ("Project", "包头九原健康城", "locatedIn", "District", "九原区"),
    ("Project", "东河吾悦广场", "locatedIn", "District", "东河区"),
    ("District", "青山区", "partOf", "District", "包头市"),
    ("District", "固阳县", "partOf", "District", "包头市"),
    ("District", "包头市", "partOf", "Place", "内蒙古自治区"),
]


@pytest.mark.parametrize("fact", FACTS, ids=[f"{f[1]}-{f[2]}" for f in FACTS])
def test_report_facts_are_in_graph(graph, fact):
    st, sl, p, ot, ol = fact
    s, o = entity_iri(st, sl), entity_iri(ot, ol)
    assert (s, RDFS.label, Literal(sl, lang="zh")) in graph
    assert (s, KG[p], o) in graph


def test_relations_carry_their_evidence(graph):
    text = SEED.read_text(encoding="utf-8")
    stmts = list(graph.subjects(RDF.type, RDF.Statement))
    assert len(stmts) > 50
    for st in stmts:
        sent = graph.value(st, KG.inSentence)
        if sent is None:
            continue  # background knowledge (division table)
        a, b = int(graph.value(st, KG.startOffset)), int(graph.value(st, KG.endOffset))
        assert text[a:b] == str(graph.value(st, KG.exact))


def test_every_quantity_has_value_unit_kind_and_provenance(graph):
    text = SEED.read_text(encoding="utf-8")
    quantities = list(graph.subjects(RDF.type, KG.Quantity))
    assert len(quantities) > 50
    kinds = {KG.actual, KG.target, KG.plan}
    for q in quantities:
        assert graph.value(q, KG.value) is not None, q
        assert str(graph.value(q, KG.unitText) or ""), q
        assert graph.value(q, KG.quantityKind) in kinds, q
        assert graph.value(q, KG.inSentence) is not None, q
        a, b = int(graph.value(q, KG.startOffset)), int(graph.value(q, KG.endOffset))
        assert text[a:b] == str(graph.value(q, KG.exact)), q
        assert any(True for _ in graph.subjects(None, q)), f"{q} hangs off no entity"


def test_project_capacity_and_investment_are_queryable(graph):
    rows = list(graph.query("""
        PREFIX kg: <https://w3id.org/govkg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?v ?u WHERE { ?p rdfs:label "特变电工年产20万吨高纯多晶硅"@zh ; kg:investment ?q .
                             ?q kg:value ?v ; kg:unitText ?u }"""))
    assert [(float(v), str(u)) for v, u in rows] == [(170.0, "亿元")]
