"""The fast paths must give exactly what the slow, obvious code gives.

``graph.document_statements`` writes N-Triples text without rdflib terms and
``ingest.clean_span`` copies plain runs at once; both exist only for speed, so
they are checked against the originals.
"""
from __future__ import annotations

from kg import graph
from kg.graph import document_nquads, document_triples, graph_iri, nquad_lines

from .conftest import SEED


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


def _clean_span_reference(text: str, start: int, end: int):
    """The character-by-character clean view ``ingest.clean_span`` speeds up."""
    import unicodedata

    from kg.ingest import _is_cjk, _next_visible, fold_char

    chars, pos = [], []
    for i in range(start, end):
        ch = text[i]
        if ch in "\r\n\t\u200b\ufeff" or unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        ch = fold_char(ch)
        if ch == " ":
            prev = chars[-1] if chars else ""
            nxt = _next_visible(text, i + 1, end)
            if not prev or not nxt or _is_cjk(prev) or _is_cjk(nxt) or prev == " ":
                continue
        chars.append(ch)
        pos.append(i)
    return "".join(chars), pos


def test_clean_span_equals_the_character_loop():
    import random

    from kg.ingest import clean_span

    run_chars = [chr(c) for r in ((0x21, 0x7E), (0x3001, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
                                  (0xFF01, 0xFF5E)) for c in range(r[0], r[1] + 1)]
    others = list(" \u3000\t\r\n\u200b\ufeff\u00ad\u2028\u0085\x00\x7f\u200e\uff5f\u2014\u00e9") + ["\U0001f600"]
    text = "".join(run_chars)
    assert clean_span(text, 0, len(text)) == _clean_span_reference(text, 0, len(text))
    rng = random.Random(7)
    for _ in range(300):
        s = "".join(rng.choice(run_chars if rng.random() < 0.6 else others) for _ in range(rng.randint(0, 40)))
        lo = rng.randint(0, len(s))
        hi = rng.randint(lo, len(s))
        assert clean_span(s, lo, hi) == _clean_span_reference(s, lo, hi), repr(s)
    seed = SEED.read_text(encoding="utf-8")
    assert clean_span(seed, 0, len(seed)) == _clean_span_reference(seed, 0, len(seed))


def test_next_number_finds_what_the_pattern_search_finds():
    """``numbers._next_number`` jumps to possible first characters; it must find the
    match ``_pattern().search`` finds from every position (seed report + odd cases)."""
    from kg import numbers
    from kg.ingest import split_sentences

    pat = numbers._pattern()
    texts = [s.clean for s in split_sentences(SEED.read_text(encoding="utf-8"))]
    texts += ["约３０万吨", "不低于百分之二十", "超千亿", "G65至3-5万吨", "第二批一百多家", ""]
    for c in texts:
        for pos in range(len(c) + 1):
            a, b = pat.search(c, pos), numbers._next_number(c, pos)
            assert (a is None) == (b is None), (c, pos)
            if a is not None:
                assert a.span() == b.span() and a.groupdict() == b.groupdict(), (c, pos)


def test_modifier_prefixes_by_length_equal_testing_every_modifier():
    from kg import lexicon
    from kg.extract import _strip_modifiers_left

    lex = lexicon.load()
    mods = lex.industry_heads.get("modifier", set())

    def reference(c: str, s: int) -> int:
        changed = True
        while changed:
            changed = False
            for mod in sorted(mods, key=len, reverse=True):
                if s - len(mod) >= 0 and c[s - len(mod) : s] == mod:
                    s -= len(mod)
                    changed = True
                    break
        return s

    words = sorted(mods)
    for i, a in enumerate(words):
        for b in (words[(i * 7) % len(words)], "", "稀土"):
            c = "发展" + a + b + "产业"
            assert _strip_modifiers_left(c, len(c) - 2, lex) == reference(c, len(c) - 2), c


def test_iri_rejects_what_rdflib_rejects():
    import pytest

    from kg.graph import _INVALID_IRI_CHARS, _iri

    assert _iri("http://example.org/汉字") == "<http://example.org/汉字>"
    for ch in _INVALID_IRI_CHARS:
        with pytest.raises(ValueError):
            _iri(f"http://example.org/a{ch}b")


def test_home_names_equal_walking_every_division_name(seed_doc):
    """``resolve._home_names`` by the per-code index equals the walk over all names."""
    from types import SimpleNamespace

    from kg import lexicon
    from kg.resolve import _home_names

    lex = lexicon.load()
    for code in [seed_doc.jurisdiction_code, *list(lex.divisions)[::97]]:
        name = lex.divisions[code].name
        walk = tuple(f for f, codes in lex.division_names.items() if code in codes and name.startswith(f) or f == name)
        assert _home_names(SimpleNamespace(jurisdiction_code=code), lex) == walk


def test_statements_keep_insertion_order_without_duplicates():
    """``_Statements`` is a dict for its order; it must still drop repeated statements."""
    g = graph._Statements(" .\n")
    for s in ["<b>", "<a>", "<b>"]:
        g.add(s, "<p>", '"o"')
    assert list(g) == ['<b> <p> "o" .\n', '<a> <p> "o" .\n']


def test_find_numbers_is_in_order_without_the_final_sort():
    """``find_numbers`` sorts only when 翻番 is present: the scan itself must already
    give strictly increasing starts, and 翻番 texts must still come out sorted."""
    from kg.ingest import split_sentences
    from kg.numbers import find_numbers

    texts = [s.clean for s in split_sentences(SEED.read_text(encoding="utf-8"))]
    texts += ["力争GDP翻一番,达到3000亿元", "收入翻两番、增长8%", "约３０万吨至50万吨", "超千亿、1.25万人次"]
    for c in texts:
        for unitless in (False, True):
            starts = [x.start for x in find_numbers(c, unitless)]
            assert starts == sorted(starts), c
            if "翻" not in c:
                assert len(set(starts)) == len(starts), c


def test_parse_number_digit_fast_path_equals_the_general_path():
    """Plain ASCII digits skip the general parse; a leading space forces the general path."""
    from kg.numbers import parse_number

    for s in ["0", "7", "10", "2022", "000120", "12345678901234567890", "3000"]:
        fast, slow = parse_number(s), parse_number(" " + s)
        assert fast == slow and type(fast) is type(slow), s
    assert (parse_number("１２"), parse_number("1,200"), parse_number("12.50")) == (12.0, 1200.0, 12.5)  # not the fast path
