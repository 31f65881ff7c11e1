"""Named-query parameters: one-variable VALUES blocks that ``--param`` rewrites."""
from __future__ import annotations

import json
import re

import pytest

from kg.errors import QueryError
from kg.query import bind_params, parameters, parse_param_args, run_query
from kg.store import open_graph

from .conftest import ROOT
from .test_cli import kg
from .test_corpus import corpus  # noqa: F401  (module fixture: a three-report corpus)

QUERIES = sorted((ROOT / "queries").glob("*.rq"))
Q = "SELECT ?x WHERE {\n  VALUES ?name { \"包头市\"@zh }  # the default\n  VALUES ?cls { kg:Project kg:Zone }\n  ?x a ?cls ; rdfs:label ?name .\n}"


def test_parameters_are_the_values_blocks_with_their_defaults():
    assert parameters(Q) == {"name": ['"包头市"@zh'], "cls": ["kg:Project", "kg:Zone"]}
    assert parameters("SELECT * WHERE { ?s ?p ?o } # VALUES ?c { 1 }") == {}


def test_bind_writes_values_like_the_default_and_escapes_them():
    q = bind_params(Q, {"name": ['a"b\\c', "鄂尔多斯市"]})
    assert 'VALUES ?name { "a\\"b\\\\c"@zh "鄂尔多斯市"@zh }' in q
    assert "VALUES ?cls { kg:Project kg:Zone }" in q  # untouched
    assert "VALUES ?cls { <https://x.org/A> }" in bind_params(Q, {"cls": ["<https://x.org/A>"]})


def test_star_removes_the_restriction():
    q = bind_params(Q, {"name": ["*"]})
    assert "?name" not in q.split("WHERE", 1)[1].split("?x a")[0]
    assert parameters(q) == {"cls": ["kg:Project", "kg:Zone"]}


@pytest.mark.parametrize("values, message", [
    ({"nope": ["x"]}, "no parameter 'nope'"),
    ({"cls": ["not an iri"]}, "takes an IRI"),
    ({"cls": ["<a b>"]}, "takes an IRI"),
    ({"cls": ["kg:A#x"]}, "takes an IRI"),  # a "#" would start a comment and swallow the closing brace
])
def test_bad_parameters_are_refused(values, message):
    with pytest.raises(QueryError, match=message):
        bind_params(Q, values)


def test_parse_param_args():
    assert parse_param_args(["jurisdiction=包头市", "jurisdiction=乌海市", "?top=稀土产业"]) == {
        "jurisdiction": ["包头市", "乌海市"], "top": ["稀土产业"]}
    with pytest.raises(QueryError, match="NAME=VALUE"):
        parse_param_args(["jurisdiction"])


def test_every_named_query_is_scoped_by_jurisdiction_or_corpus_wide():
    scoped = {p.stem for p in QUERIES if "jurisdiction" in parameters(p.read_text(encoding="utf-8"))}
    assert scoped == {p.stem for p in QUERIES} - {"counts_per_type"}


def _rows(store, sparql):
    names, rows = run_query(store, sparql)
    return {tuple(r) for r in rows}


def test_jurisdiction_scope_separates_the_reports_of_a_corpus(corpus):  # noqa: F811
    _, out, _ = corpus
    store = open_graph(out)
    answered = 0
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        if "jurisdiction" not in parameters(text):
            continue
        per = {j: _rows(store, bind_params(text, {"jurisdiction": [j]})) for j in ("包头市", "鄂尔多斯市", "乌海市")}
        everything = _rows(store, bind_params(text, {"jurisdiction": ["*"]}))
        both = _rows(store, bind_params(text, {"jurisdiction": ["包头市", "鄂尔多斯市"]}))
        if path.stem in ("enterprises_per_industry", "capacity_by_product"):
            # aggregates: the scope changes the sums, so compare which groups exist
            per = {j: {r[0] for r in rows} for j, rows in per.items()}
            everything, both = {r[0] for r in everything}, {r[0] for r in both}
        answered += bool(per["包头市"] and per["鄂尔多斯市"])
        assert per["包头市"] | per["鄂尔多斯市"] | per["乌海市"] == everything, path.stem
        assert per["包头市"] | per["鄂尔多斯市"] == both, path.stem
        assert _rows(store, bind_params(text, {"jurisdiction": ["火星市"]})) == set(), path.stem
    assert answered >= 6  # the reports are short openings: some questions have no answer in them


def test_cli_param_and_empty_result_note(corpus):  # noqa: F811
    _, out, _ = corpus
    rq = str(ROOT / "queries" / "projects_by_industry.rq")
    ordos = kg("query", str(out), rq, "--param", "jurisdiction=鄂尔多斯市", "--format", "json")
    assert ordos.returncode == 0 and ordos.stderr == ""
    rows = {tuple(r.values()) for r in json.loads(ordos.stdout)}
    text = (ROOT / "queries" / "projects_by_industry.rq").read_text(encoding="utf-8")
    assert rows and rows == _rows(open_graph(out), bind_params(text, {"jurisdiction": ["鄂尔多斯市"]}))
    none = kg("query", str(out), rq, "-p", "jurisdiction=火星市")
    assert none.returncode == 0 and "(0 rows)" in none.stdout
    assert re.search(r"note: no rows .*jurisdiction = \"火星市\"@zh", none.stderr)
    bad = kg("query", str(out), rq, "-p", "industry=光伏产业")
    assert bad.returncode == 10 and bad.stderr.count("\n") == 1 and "its parameters: jurisdiction" in bad.stderr


def test_api_params(seed_build):
    from kg.api import KnowledgeGraph

    out, _ = seed_build
    g = KnowledgeGraph(out)
    q = (ROOT / "queries" / "targets_vs_results.rq").read_text(encoding="utf-8")
    assert g.query(q) == g.query(q, {"jurisdiction": "包头市"}) == g.query(q, {"jurisdiction": "*"})
    assert g.query(q, {"jurisdiction": ["乌海市"]}) == []
