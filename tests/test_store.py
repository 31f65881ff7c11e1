"""The Oxigraph store behind ``kg query``, and ``kg export``."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import main
from kg.errors import InputNotFound, InvalidGraph, QueryError
from kg.export import export
from kg.store import open_graph, query

G1 = "https://w3id.org/govkg/id/graph/a"
G2 = "https://w3id.org/govkg/id/graph/b"
E = "https://w3id.org/govkg/id/enterprise/"
NQ = f"""<{E}包钢> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/govkg/ontology#Enterprise> <{G1}> .
<{E}包钢> <http://www.w3.org/2000/01/rdf-schema#label> "包钢"@zh <{G1}> .
<{E}包钢> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/govkg/ontology#Enterprise> <{G2}> .
<{E}通威> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/govkg/ontology#Enterprise> <{G2}> .
<{E}通威> <https://w3id.org/govkg/ontology#note> "line\\nbreak \\"quoted\\"" <{G2}> .
"""


@pytest.fixture()
def build_dir(tmp_path) -> Path:
    """A minimal build folder: graph.nq, graph.ttl (the union) and store/."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.nq").write_text(NQ, encoding="utf-8")
    union = sorted({(q.subject, q.predicate, q.object) for q in ox.parse(NQ, format=ox.RdfFormat.N_QUADS)}, key=str)
    ox.serialize((ox.Triple(*t) for t in union), output=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    st = ox.Store(str(out / "store"))
    st.bulk_load(path=str(out / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    st.bulk_load(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
    st.flush()
    del st
    return out


def count(store, q="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") -> int:
    return int(next(iter(query(store, q)))["n"].value)


def test_folder_opens_the_store_read_only(build_dir):
    store = open_graph(build_dir)
    assert count(store) == 4  # the default graph is the union of the named graphs, each triple once
    assert {g.value for g in store.named_graphs()} == {G1, G2}
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?e a kg:Enterprise }") == 2
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?e a kg:Enterprise } }") == 3
    with pytest.raises((OSError, RuntimeError)):
        store.update("CLEAR ALL")


def test_plain_rdf_files_still_work(build_dir):
    store = open_graph(build_dir / "graph.nq")
    assert count(store) == 4  # the union: 包钢's type once, though two graphs hold it
    assert {g.value for g in store.named_graphs()} == {G1, G2}
    assert count(open_graph(build_dir / "graph.ttl")) == 4


def test_store_of_an_older_build_is_queried_through_the_union_option(tmp_path):
    st = ox.Store(str(tmp_path / "store"))
    st.bulk_load(NQ.encode(), format=ox.RdfFormat.N_QUADS)  # named graphs only, no default graph
    st.flush()
    del st
    store = open_graph(tmp_path)
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?e a kg:Enterprise }") == 3  # oxigraph#1919


def test_folder_without_store_falls_back_to_graph_nq(build_dir):
    import shutil

    shutil.rmtree(build_dir / "store")
    assert count(open_graph(build_dir)) == 4


def test_errors_are_kg_errors(build_dir, tmp_path):
    with pytest.raises(InputNotFound):
        open_graph(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputNotFound):
        open_graph(tmp_path / "empty")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(InvalidGraph):
        open_graph(bad)
    with pytest.raises(QueryError):
        query(open_graph(build_dir), "SELECT WHERE {")


@pytest.mark.parametrize("fmt,named", [("nquads", True), ("trig", True), ("jsonld", True),
                                       ("turtle", False), ("ntriples", False), ("rdfxml", False)])
def test_export_formats(build_dir, tmp_path, fmt, named):
    from kg.store import FORMATS

    out = export(build_dir, fmt, tmp_path / f"x{FORMATS[fmt][1]}")
    quads = list(ox.parse(path=str(out), format=FORMATS[fmt][0]))
    if named:
        assert len(quads) == 5 and {q.graph_name.value for q in quads} == {G1, G2}
    else:
        assert len(quads) == 4 and all(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
    # deterministic: the same bytes again
    again = export(build_dir, fmt, tmp_path / f"y{FORMATS[fmt][1]}")
    assert again.read_bytes() == out.read_bytes()


def test_export_from_a_file_and_without_graph_ttl(build_dir, tmp_path):
    (build_dir / "graph.ttl").unlink()
    out = export(build_dir, "ntriples", tmp_path / "u.nt")  # union straight from the store
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    out = export(build_dir / "graph.nq", "turtle", tmp_path / "u.ttl")
    assert len(list(ox.parse(path=str(out), format=ox.RdfFormat.TURTLE))) == 4


def test_cli_export(build_dir, tmp_path, capsys):
    assert main(["export", str(build_dir), "--format", "nquads"]) == 0
    assert capsys.readouterr().out.strip() == str(build_dir / "export.nq")
    assert (build_dir / "export.nq").exists()
    assert main(["export", str(tmp_path / "nope"), "--format", "trig"]) == 3
    assert main(["export", str(build_dir), "--format", "trig", "-o", str(tmp_path / "no" / "such" / "dir" / "x.trig")]) == 0
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    try:
        import os

        if os.geteuid() != 0:  # root may write anywhere
            assert main(["export", str(build_dir), "--format", "trig", "-o", str(tmp_path / "ro" / "x.trig")]) == 11
    finally:
        (tmp_path / "ro").chmod(0o700)
    assert "Traceback" not in capsys.readouterr().err
