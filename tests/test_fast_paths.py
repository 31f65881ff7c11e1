"""The fast paths must give exactly what the slow, obvious code gives.

``segment.cut`` re-implements jieba's dictionary-only segmentation and
``graph.document_statements`` writes N-Triples text without rdflib terms;
both exist only for speed, so they are checked against the originals.
"""
from __future__ import annotations

from kg import graph, segment
from kg.graph import document_nquads, document_triples, graph_iri, nquad_lines

from .conftest import SEED

TRICKY = [
    "",
    "推进包钢集团稀土新材料项目建设，新增产能10万吨。",
    "ABC公司与x1y2z3共建5G+工业互联网平台",
    "全市GDP增长6.5%\r\n 第二行\t制表\u3000全角空格",
    "a b  c——（一）12.5亿元、3#高炉&_-%",
    "恒泰源迪拓锐蒙苏山北",
]


def test_cut_equals_jieba_without_hmm():
    tk = segment.tokenizer()
    text = SEED.read_text(encoding="utf-8")
    for sample in [*TRICKY, text, *text.splitlines()]:
        assert segment.cut(sample) == tk.lcut(sample, HMM=False)


def test_document_triples_match_the_nquads(seed_doc):
    """The rdflib view and the N-Quads text describe the same statements."""
    triples = document_triples(seed_doc, "test")
    assert nquad_lines(triples, graph_iri(seed_doc.doc_id)) == document_nquads(seed_doc, "test")


def test_literal_terms_round_trip():
    for value in ['引号"反斜杠\\换行\n回车\r', "\\n", '\\"', "", "plain"]:
        assert str(graph._term(graph._zh(value))) == value
        assert graph._term(graph._zh(value)).language == "zh"
        assert str(graph._term(graph._plain(value))) == value
    lit = graph._term(graph._dec_lit(12.5))
    assert (str(lit), str(lit.datatype)) == ("12.5", "http://www.w3.org/2001/XMLSchema#decimal")
