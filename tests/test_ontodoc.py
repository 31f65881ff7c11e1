"""The ontology reference is generated from ontology/kg.ttl: complete, deterministic, never stale."""
from __future__ import annotations

import argparse
import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from kg.namespaces import KG
from kg.ontodoc import cli_ontology_doc, curie, render_markdown, seed_reference
from kg.resources import ontology_file

from .conftest import ROOT

COMMITTED = ROOT / "docs" / "ontology.md"


def ontology_terms() -> list[URIRef]:
    g = Graph().parse(ontology_file())
    mine = lambda t: str(t).startswith(str(KG))  # noqa: E731
    terms = {t for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for t in g.subjects(RDF.type, kind)}
    terms |= {s for c in list(terms) for s in g.subjects(RDF.type, c)}  # individuals (kg:actual …)
    # Anything else the ontology defines in its own namespace must be documented too.
    terms |= {s for s in g.subjects() if isinstance(s, URIRef) and mine(s)}
    return sorted((t for t in terms if mine(t)), key=str)


@pytest.fixture(scope="module")
def seeded(seed_build):
    out, _ = seed_build
    return render_markdown(None, out / "graph.nq", example_source="`seeds/baotou-2022.txt`")


def sections(doc: str) -> dict[str, str]:
    parts = re.split(r"^### ", doc, flags=re.M)[1:]
    return {p.split("\n", 1)[0].strip(): p for p in parts}


def test_every_term_has_a_section_with_labels_and_one_example():
    doc = render_markdown()
    secs = sections(doc)
    terms = ontology_terms()
    assert len(terms) > 50
    for t in terms:
        name = curie(t)
        assert name in secs, f"{name} is not documented"
        body = secs[name]
        assert body.count("```turtle") == 1, f"{name}: exactly one example"
        example = body.split("```turtle\n", 1)[1].split("\n```", 1)[0]
        assert name in example, f"{name}: its example does not use it: {example}"
        assert "**" in body, f"{name}: labels missing"
    assert set(secs) == {curie(t) for t in terms}


def test_labels_comments_domain_range_are_rendered():
    secs = sections(render_markdown())
    body = secs["kg:undertakenBy"]
    assert "承建企业" in body and "undertaken by" in body
    assert "The enterprise that builds or owns a project." in body
    assert re.search(r"\| Domain \| \[`kg:Project`\]", body)
    assert re.search(r"\| Range \| \[`kg:Enterprise`\]", body)
    assert "owl:TransitiveProperty" in secs["kg:partOf"]
    # anchors: kg:Indicator and kg:indicator differ only in case, GitHub numbers the second
    assert "(#kgindicator-1)" in render_markdown()


def test_deterministic():
    assert render_markdown() == render_markdown()


def test_examples_come_from_the_graph(seeded, seed_build):
    out, _ = seed_build
    secs = sections(seeded)
    ex = secs["kg:undertakenBy"].split("```turtle\n", 1)[1]
    assert ex.startswith("kgd:project/") and " kg:undertakenBy kgd:enterprise/" in ex
    assert secs["kg:Enterprise"].split("```turtle\n", 1)[1].startswith("kgd:enterprise/")
    assert "synthetic" not in secs["kg:capacity"]
    assert str(out) not in seeded and "/tmp" not in seeded, "no machine paths in the committed doc"
    # the same graph given as a store or a KnowledgeGraph gives the same document
    from kg.api import KnowledgeGraph

    assert render_markdown(None, KnowledgeGraph(out), example_source="`seeds/baotou-2022.txt`") == seeded


def test_committed_reference_is_up_to_date(seed_build):
    out, _ = seed_build
    fresh = seed_reference(seed_graph=out / "graph.nq")
    assert COMMITTED.is_file(), "docs/ontology.md missing: run `kg ontology-doc -o docs/ontology.md`"
    assert COMMITTED.read_text(encoding="utf-8") == fresh, \
        "docs/ontology.md is stale: run `kg ontology-doc -o docs/ontology.md` and commit it"


def test_cli_writes_the_file(tmp_path, seed_build, capsys):
    out, _ = seed_build
    target = tmp_path / "sub" / "ontology.md"
    args = argparse.Namespace(out=str(target), graph=str(out / "graph.nq"), ontology=None)
    assert cli_ontology_doc(args) == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Ontology reference\n") and "### kg:Project" in text
    assert not list(target.parent.glob(".*.tmp")), "written atomically, no temp file left"
