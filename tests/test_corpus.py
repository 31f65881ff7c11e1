"""Corpus builds: named graphs per report, shared entity IRIs, cache, workers, atomic outputs."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import ONTOLOGY_GRAPH, build
from kg.graph import nquad_lines
from kg.cli import main
from kg.store import open_graph, query

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "baotou-2022.txt"
KG = "https://w3id.org/govkg/ontology#"


def _head(text: str, chars: int) -> str:
    cut = text.rfind("\n", 0, chars)
    return text[: cut if cut > 0 else chars]


def make_reports(folder: Path) -> list[Path]:
    """Three short reports: the seed's opening as 包头, as 鄂尔多斯 (other figures), and a GB18030 copy."""
    text = _head(SEED.read_text(encoding="utf-8"), 5000)
    folder.mkdir(parents=True, exist_ok=True)
    a = folder / "baotou.txt"
    a.write_text(text, encoding="utf-8")
    b = folder / "ordos.txt"
    b.write_text(text.replace("包头", "鄂尔多斯").replace("635.6", "712.3"), encoding="utf-8")
    sub = folder / "more"
    sub.mkdir(exist_ok=True)
    c = sub / "wuhai.txt"
    c.write_bytes(text.replace("包头", "乌海").replace("\n", "\r\n").encode("gb18030"))
    (folder / "notes.md").write_text("not a report", encoding="utf-8")  # ignored: not a report suffix
    return [a, b, c]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    make_reports(base / "reports")
    out = base / "out"
    res = build([base / "reports"], out, jobs=2, html=False, validate=False, progress=False)
    return base, out, res


def graph_names(store) -> set[str]:
    return {g.value for g in store.named_graphs()}


def test_each_report_is_a_named_graph_with_metadata(corpus):
    _, out, res = corpus
    assert len(res.docs) == 3 and not res.failed
    store = open_graph(out)
    docs = {d.doc_id for d in res.docs}
    assert graph_names(store) == {f"https://w3id.org/govkg/id/graph/{i}" for i in docs} | {ONTOLOGY_GRAPH}
    rows = list(query(store, """
        SELECT ?g ?title ?year ?src ?sha ?jur WHERE { GRAPH ?g {
          ?d a kg:Document ; dcterms:title ?title ; kg:year ?year ; kg:sourceFile ?src ; kg:sha256 ?sha .
          OPTIONAL { ?d kg:jurisdiction ?jur } } }"""))
    assert len(rows) == 3
    assert {r["src"].value for r in rows} == {"baotou.txt", "ordos.txt", "wuhai.txt"}
    assert all(r["year"].value == "2022" and len(r["sha"].value) == 64 for r in rows)
    titles = {r["title"].value for r in rows}
    assert any("鄂尔多斯" in t for t in titles) and any("包头" in t for t in titles)


def test_shared_entities_resolve_to_one_iri(corpus):
    _, out, _ = corpus
    store = open_graph(out)
    # an industry named in every report is one node, present in every report's graph
    rows = list(query(store, """
        SELECT ?e (COUNT(DISTINCT ?g) AS ?n) WHERE {
          GRAPH ?g { ?e a kg:Industry ; kg:mentionedIn ?d } } GROUP BY ?e HAVING (COUNT(DISTINCT ?g) = 3)"""))
    assert rows, "no industry shared by the three reports"
    labels = list(query(store, "SELECT DISTINCT ?e ?l WHERE { ?e a kg:Industry ; rdfs:label ?l }"))
    per_label: dict[str, set] = {}
    for r in labels:
        per_label.setdefault(r["l"].value, set()).add(r["e"].value)
    assert all(len(v) == 1 for v in per_label.values())


def test_outputs_agree(corpus):
    _, out, res = corpus
    nq = out / "graph.nq"
    quads = list(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS))
    union = {(q.subject, q.predicate, q.object) for q in quads}
    ttl = {(t.subject, t.predicate, t.object) for t in ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE)}
    assert union == ttl and res.triples == len(ttl)
    # the store: every named graph, plus their union (each triple once) as the default graph
    store = open_graph(out)
    assert len(store) == len(quads) + len(ttl)
    assert sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph())) == len(ttl)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [d["doc_id"] for d in manifest["documents"]] == sorted(d.doc_id for d in res.docs)
    # no temporary files are left behind
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_rebuild_uses_cache_and_is_byte_identical(corpus, tmp_path):
    base, out, _ = corpus
    out2 = tmp_path / "out"
    shutil.copytree(out, out2)
    before = {n: (out2 / n).read_bytes() for n in ("graph.nq", "graph.ttl", "manifest.json")}
    res = build([base / "reports"], out2, jobs=1, html=False, validate=False, progress=False)
    assert all(d.cached for d in res.docs)
    assert {n: (out2 / n).read_bytes() for n in before} == before
    assert res.triples == json.loads(before["manifest.json"])["triples"]
    # an output removed since: the build writes it again, identical
    (out2 / "graph.ttl").unlink()
    build([base / "reports"], out2, jobs=1, html=False, validate=False, progress=False)
    assert {n: (out2 / n).read_bytes() for n in before} == before
    # change one report: only that one is processed again
    (base / "reports" / "ordos.txt").write_text(
        (base / "reports" / "ordos.txt").read_text(encoding="utf-8") + "\n加快建设鄂尔多斯新能源产业园。\n", encoding="utf-8")
    try:
        res = build([base / "reports"], out2, jobs=2, html=False, validate=False, progress=False)
        assert sorted(d.source for d in res.docs if not d.cached) == ["ordos.txt"]
        assert len(res.docs) == 3
    finally:
        make_reports(base / "reports")


def test_serial_and_parallel_builds_match(corpus, tmp_path):
    base, out, _ = corpus
    res = build([base / "reports"], tmp_path / "serial", jobs=1, html=False, validate=False, progress=False)
    assert not any(d.cached for d in res.docs)
    for name in ("graph.nq", "graph.ttl"):
        assert (tmp_path / "serial" / name).read_bytes() == (out / name).read_bytes()


def test_bad_report_is_skipped_not_fatal(tmp_path, capsys):
    make_reports(tmp_path / "r")
    (tmp_path / "r" / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "r" / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    code = main(["build", str(tmp_path / "r"), "-o", str(tmp_path / "out"), "--jobs", "2", "--no-html",
                 "--no-validate", "-q"])
    assert code == 12
    err = capsys.readouterr().err
    assert "empty.txt" in err and "binary.txt" in err and "Traceback" not in err
    assert len(graph_names(open_graph(tmp_path / "out"))) == 4  # 3 reports + ontology


def test_cli_query_uses_the_store(corpus, capsys):
    _, out, _ = corpus
    assert main(["query", str(out), "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?d a kg:Document } }",
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "3"]
    assert (out / "store" / "CURRENT").exists()


def test_missing_and_empty_inputs(tmp_path, capsys):
    assert main(["build", str(tmp_path / "nope"), "-o", str(tmp_path / "out"), "-q"]) == 3
    (tmp_path / "empty").mkdir()
    assert main(["build", str(tmp_path / "empty"), "-o", str(tmp_path / "out"), "-q"]) == 4
    assert "Traceback" not in capsys.readouterr().err


def test_nquad_lines_match_rdflib():
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import XSD

    from kg.graph import to_nquads

    g = Graph()
    s = URIRef("https://w3id.org/govkg/id/enterprise/包钢（集团）")
    p = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    for o in (Literal('引号"反斜杠\\换行\n回车\r', lang="zh"), Literal("12.5", datatype=XSD.decimal),
              Literal(3, datatype=XSD.integer), Literal("plain"), URIRef("https://example.org/x")):
        g.add((s, p, o))
    gname = URIRef("https://w3id.org/govkg/id/graph/t")
    assert nquad_lines(g, gname) == to_nquads(g, gname)
    assert nquad_lines(g, None) == to_nquads(g, None)
