"""Issue 8: random Unicode through the whole pipeline.

Hypothesis generates report-like text: Chinese sentences with known entity
names, numbers and units, mixed with control characters, other scripts,
full-width forms, very long lines and ``<script>`` fragments.  Each example is
written to a file and read back (``ingest.read_text``), so it either fails with
a clean ``KgError`` or goes through extraction and the RDF stage; then every
offset must round-trip into the decoded text, and the graph must conform to
the SHACL shapes.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from kg import ingest
from kg.errors import KgError

FRAGMENTS = [
    "2022年包头市政府工作报告", "各位代表：", "一、过去一年工作回顾", "（一）", "包头市", "昆都仑区", "稀土高新区",
    "稀土产业", "光伏产业", "新能源", "通威高纯晶硅项目", "包钢集团", "北方稀土", "年产20万吨", "总投资50亿元",
    "增长8.5%", "地区生产总值增长6%左右", "实施", "建成", "投产", "由", "承建", "位于", "落户", "。", "，", "；",
    "！", "？", "\n", "\r\n", "\n\n", " ", "\u3000", "\t", "１２３", "ＡＢＣ", "%", "亿元", "万千瓦", "GW",
    "<script>alert('x')</script>", "<p>", "</p>", "<b>稀土</b>", "&amp;", "&lt;script&gt;", "\"", "'", "\\",
    "\u200b", "\ufeff", "\x00", "\x07", "\x1b[31m", "\u202e", "\U0001F600", "Ελληνικά", "русский", "عربى",
    "한국어", "にほんご", "\u0301", "…", "——", "《", "》", "“", "”",
]

report_text = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(min_size=1, max_size=30),  # any Unicode except surrogates, controls included
        st.text(alphabet="稀土光伏项目企业集团公司园区产业链年产万吨亿元增长。，0123456789", min_size=1, max_size=40),
        st.integers(0, 10**12).map(str),
        st.builds(lambda s, n: s * n, st.sampled_from(["稀土", "a", "。", "项目", "x y "]), st.integers(100, 3000)),
    ),
    min_size=0, max_size=60,
).map("".join)

FUZZ = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _read(text: str, suffix: str = ".txt", encoding: str = "utf-8") -> str:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"fuzz{suffix}"
        p.write_bytes(text.encode(encoding))
        return ingest.read_text(p)


def _check_offsets(doc) -> None:
    text = doc.text
    n = len(text)
    for s in doc.sentences:
        assert 0 <= s.start < s.end <= n
        assert len(s.pos) == len(s.clean) > 0
        assert s.pos[0] == s.start and s.pos[-1] + 1 == s.end
        assert s.pos == sorted(set(s.pos))
        for i, ch in enumerate(s.clean):
            assert ingest.fold_char(text[s.pos[i]]) == ch or (ch == " " and text[s.pos[i]].isspace())
    spans = [(m.start, m.end, m.sentence) for m in doc.mentions]
    spans += [(m.start, m.end, m.sentence) for e in doc.entities for m in e.mentions]
    spans += [(r.start, r.end, r.sentence) for r in doc.relations if r.sentence >= 0]
    spans += [(q.start, q.end, q.sentence) for q in doc.quantities]
    for start, end, si in spans:
        assert 0 <= start < end <= n, (start, end, n)
        s = doc.sentences[si]
        assert s.start <= start and end <= s.end, (start, end, s.start, s.end)
    for q in doc.quantities:
        if q.exact:
            assert text[q.start:q.end] == q.exact
    for e in doc.entities:
        assert e.label and e.label.strip() == e.label
        for m in e.mentions:
            assert text[m.start:m.end].strip()


def _pipeline(text: str):
    """read → process → graph; None when the input is rejected with a clean KgError."""
    from kg.graph import document_graph
    from kg.pipeline import EXTRACTOR_VERSION, process_text

    try:
        decoded = _read(text)
    except KgError as exc:
        assert str(exc) and "\n" not in str(exc)
        assert exc.exit_code in (5, 6, 7)
        return None
    doc = process_text(decoded, source="fuzz.txt")
    assert doc.text == decoded
    _check_offsets(doc)
    return doc, document_graph(doc, EXTRACTOR_VERSION)


@FUZZ
@given(report_text)
def test_random_text_builds_or_fails_cleanly(text):
    result = _pipeline(text)
    if result is None:
        return
    doc, g = result
    # graph literals round-trip the offsets too
    from kg.namespaces import KG

    for node in g.subjects(KG.exact, None):
        start = int(g.value(node, KG.startOffset))
        end = int(g.value(node, KG.endOffset))
        assert str(g.value(node, KG.exact)) == doc.text[start:end]
    for node in g.subjects(KG.text, None):
        start = int(g.value(node, KG.startOffset))
        end = int(g.value(node, KG.endOffset))
        assert str(g.value(node, KG.text)) == doc.text[start:end]


@settings(max_examples=12, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(report_text)
@example("2022年包头市政府工作报告\n各位代表：\n通威高纯晶硅项目位于包头稀土高新区，由通威集团承建，年产20万吨，"
         "总投资50亿元。\r\n昆都仑区稀土产业产值增长8.5%，<script>alert(1)</script>\x07光伏产业链加快发展。")
def test_random_text_graphs_conform_to_the_shapes(text):
    from kg.validate import validate_rdflib

    result = _pipeline(text)
    assume(result is not None)
    doc, g = result
    violations = validate_rdflib(g)
    assert violations == [], "\n".join(map(str, violations))
    if "通威集团承建" in text and "<script>alert(1)</script>" in text:  # the explicit example: not a trivial graph
        assert len(doc.entities) >= 4 and doc.relations and doc.quantities


@FUZZ
@given(report_text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]))
def test_every_supported_encoding_decodes_to_the_same_text(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    try:
        got = _read(text, encoding=encoding)
    except KgError as exc:
        assert exc.exit_code in (5, 6, 7) and "\n" not in str(exc)
        return
    if not ingest._looks_like_html(text):
        assert got == text
    del data


@FUZZ
@given(report_text)
def test_html_export_never_leaks_markup_or_script(text):
    page = f"<html><head><script>var a = '{text}';</script></head><body><p>{text}</p></body></html>"
    try:
        got = _read(page, suffix=".html")
    except KgError as exc:
        assert exc.exit_code in (5, 6, 7)
        return
    # only text the report itself shows (e.g. an escaped &lt;script&gt;) can look like markup
    assert "<script" not in got.lower() or "script" in text.lower()
    assert "var a = " not in got or "var a = " in text or "</script" in text.lower()


@pytest.mark.parametrize("text", [
    # one 100k-character line (no line break) of many short sentences, full of controls and markup
    ("稀土产业\x01<script>x</script>项目\u202e增长8%。" * 4000)[:100_000],
    # one 20k-character sentence with no punctuation at all
    ("稀土产业\x01<b>x</b>项目\u202e增长8%" * 1000)[:20_000],
])
def test_very_long_lines_with_controls(text):
    result = _pipeline(text)
    assert result is not None
    _check_offsets(result[0])


@pytest.mark.parametrize("blob", [b"\x00" * 10, bytes(range(32)) * 4, b"\xff\xfe\x00", b"\x1b" * 100])
def test_control_heavy_bytes_fail_cleanly(blob):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.txt"
        p.write_bytes(blob)
        try:
            ingest.read_text(p)
        except KgError as exc:
            assert exc.exit_code in (5, 6, 7)
