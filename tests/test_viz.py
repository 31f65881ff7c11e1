"""The explorer page without a browser: data, selection, escaping, determinism, offline."""
from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from kg import viz
from kg.netx import to_networkx
from kg.store import open_graph

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "baotou-2022.txt"

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def viz_build(tmp_path_factory):
    from kg.build import build

    out = tmp_path_factory.mktemp("seed")
    build([SEED], outdir=out, jobs=1, progress=False, validate=False)  # SHACL is tested elsewhere (slow)
    return out


@pytest.fixture(scope="module")
def seed_store(viz_build):
    return open_graph(viz_build)


def page_json(html_text: str) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', html_text, re.S)
    assert m, "page has no data block"
    return json.loads(m.group(1))


def evil_store() -> ox.Store:
    """A real pipeline run over a report whose names, title, aliases and sentences carry HTML payloads."""
    from kg.graph import document_graph
    from kg.pipeline import process_text

    text = ("2023年某市政府工作报告\n"
            f"加快实施{SCRIPT}集团年产10万吨多晶硅等项目。"
            f"推动{IMG}有限公司投资20亿元建设光伏产业园。支持包头稀土高新区发展稀土产业。\n")
    doc = process_text(text, source="evil.txt")
    doc.title = SCRIPT + "报告"
    ent = next(e for e in doc.entities if e.type == "Enterprise")
    ent.label = SCRIPT + ent.label          # the name itself carries the payload …
    ent.aliases = set(ent.aliases) | {IMG}  # … and an alias
    for m in ent.mentions:                  # the mention covers the payload, so it is highlighted
        start = doc.text.rfind(SCRIPT, 0, m.end)
        if start >= 0:
            m.start = start
    # the relation and quantity refer to the entity by (type, label): keep them pointing at it
    for r in doc.relations:
        if r.obj[0] == "Enterprise":
            r.obj = ("Enterprise", ent.label)
    for q in doc.quantities:
        q.product = IMG
    g = document_graph(doc, "test")
    store = ox.Store()
    store.load(g.serialize(format="nt").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


# --------------------------------------------------------------------------- seed page

def test_seed_page_matches_graph(seed_store, tmp_path):
    out = viz.render(seed_store, tmp_path / "g.html")
    data = page_json(out.read_text(encoding="utf-8"))
    g = to_networkx(seed_store)
    assert len(data["nodes"]) == g.number_of_nodes() > 100
    assert len(data["edges"]) == g.number_of_edges() > 100
    assert sorted(n["iri"] for n in data["nodes"]) == sorted(g.nodes)
    types = {t["name"]: t["count"] for t in data["types"]}
    for n in data["nodes"]:
        assert data["types"][n["t"]]["name"] == g.nodes[n["iri"]]["type"]
        assert n["g"] == g.degree(n["iri"])
        assert len(n.get("s", [])) <= viz.MAX_SENTENCES and len(n.get("q", [])) <= viz.MAX_QUANTITIES
    assert sum(types.values()) == g.number_of_nodes()
    # most entities carry their provenance sentences, with the mention highlighted
    with_sentences = [n for n in data["nodes"] if n.get("s")]
    assert len(with_sentences) > 0.8 * len(data["nodes"])
    assert any(n.get("q") for n in data["nodes"]), "no quantities reached the page"
    for n in with_sentences:
        for s in n["s"]:
            assert len(s["p"]) % 2 == 1 and len(s["p"]) >= 3
        # a sentence the report repeats is shown once, and so are its numbers
        assert len({(s["d"], "".join(s["p"])) for s in n["s"]}) == len(n["s"])
        assert len({tuple(q) for q in n.get("q", [])}) == len(n.get("q", []))
    # every position is distinct
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == len(data["nodes"])


def test_highlight_is_the_mention(seed_store, tmp_path):
    data = page_json(viz.render(seed_store, tmp_path / "g.html").read_text(encoding="utf-8"))
    marks = 0
    for n in data["nodes"]:
        names = {n["l"], *n.get("a", [])}
        for s in n.get("s", []):
            for hit in s["p"][1::2]:
                marks += 1
                # the highlighted text is how the report wrote this entity: its label, an alias or a part of it
                assert hit and (hit in names or any(hit in x or x in hit for x in names) or len(hit) <= 12), (n["l"], hit)
    assert marks > 100


def test_deterministic(seed_store, tmp_path):
    a = viz.render(seed_store, tmp_path / "a.html").read_bytes()
    b = viz.render(seed_store, tmp_path / "b.html").read_bytes()
    assert a == b


def test_build_writes_explorer(viz_build):
    page = (viz_build / "graph.html").read_text(encoding="utf-8")
    assert 'id="kg-data"' in page and "vis.Network" in page


def test_offline(seed_store, tmp_path):
    page = viz.render(seed_store, tmp_path / "g.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"<(img|iframe|object|embed|source|video|audio)\b", page, re.I)
    assert not re.search(r"\b(src|href)\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert "bootstrap" not in page.lower() and "tom-select" not in page.lower()


# --------------------------------------------------------------------------- selection

def test_focus_neighbourhood(seed_store, tmp_path):
    g = to_networkx(seed_store)
    label = "稀土产业"
    [centre] = [n for n, d in g.nodes(data=True) if d["label"] == label]
    for depth in (1, 2):
        data = page_json(viz.render(seed_store, tmp_path / "f.html", focus=label, depth=depth).read_text(encoding="utf-8"))
        want = set(nx.single_source_shortest_path_length(g.to_undirected(as_view=True), centre, cutoff=depth))
        assert {n["iri"] for n in data["nodes"]} == want
        assert [n["iri"] for n in data["nodes"] if n.get("f")] == [centre]
        assert data["focus"] == {"label": label, "depth": depth}
    assert len(want) > 5


def test_types_filter(seed_store, tmp_path):
    data = page_json(viz.render(seed_store, tmp_path / "t.html", types="enterprise,Project").read_text(encoding="utf-8"))
    names = {data["types"][n["t"]]["name"] for n in data["nodes"]}
    assert names == {"Enterprise", "Project"}
    g = to_networkx(seed_store, types=["Enterprise", "Project"])
    assert len(data["nodes"]) == g.number_of_nodes() and len(data["edges"]) == g.number_of_edges()
    assert {e[2] for e in data["edges"]} == {[k["name"] for k in data["kinds"]].index("undertakenBy")}


def test_bad_arguments(seed_store, tmp_path):
    with pytest.raises(viz.VizUsageError, match="unknown entity type"):
        viz.render(seed_store, tmp_path / "x.html", types=["Company"])
    with pytest.raises(viz.VizUsageError, match="no entity"):
        viz.render(seed_store, tmp_path / "x.html", focus="不存在的实体名")
    with pytest.raises(viz.VizUsageError, match="ambiguous"):
        viz.render(seed_store, tmp_path / "x.html", focus="产业")
    assert not (tmp_path / "x.html").exists()


def test_cli(viz_build, tmp_path, capsys):
    from kg.cli import main

    out = tmp_path / "re.html"
    assert main(["viz", str(viz_build), "--focus", "稀土产业", "--depth", "2", "-o", str(out)]) == 0
    assert page_json(out.read_text(encoding="utf-8"))["focus"]["depth"] == 2
    assert main(["viz", str(viz_build / "graph.ttl"), "--types", "Industry", "--title", "产业 <b>", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<title>产业 &lt;b&gt;</title>" in page
    code = main(["viz", str(viz_build), "--types", "Nope", "-o", str(out)])
    assert code == 2
    assert "unknown entity type" in capsys.readouterr().err


# --------------------------------------------------------------------------- safety

def test_injection_is_escaped_in_the_file(tmp_path):
    store = evil_store()
    page = viz.render(store, tmp_path / "evil.html").read_text(encoding="utf-8")
    assert "alert(1)" in page  # the payload is there, as data …
    assert SCRIPT not in page and "<script>alert" not in page and "<img" not in page  # … never as markup
    assert "onerror=alert" not in page.replace("\\u003cimg src=x onerror=alert(1)\\u003e", "")
    data = page_json(page)
    labels = {n["l"] for n in data["nodes"]}
    assert any(SCRIPT in x for x in labels)
    ent = next(n for n in data["nodes"] if SCRIPT in n["l"])
    assert IMG in ent["a"]
    assert any(SCRIPT in hit for s in ent["s"] for hit in s["p"][1::2])
    assert SCRIPT in data["title"]
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;报告" in page


def test_script_json_escapes():
    text = viz.script_json({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_sentence_parts():
    parts = viz._sentence_parts("推动稀土产业发展", [(2, 6)])
    assert parts == ["推动", "稀土产业", "发展"]
    long = "甲" * 300 + "稀土产业" + "乙" * 300
    parts = viz._sentence_parts(long, [(300, 304)])
    assert parts[1] == "稀土产业" and parts[0].startswith("…") and parts[2].endswith("…")
    assert len("".join(parts)) <= viz.SENTENCE_CLIP + 2
    assert viz._sentence_parts("abc", []) == ["abc"]
    assert viz._sentence_parts("abcdef", [(0, 2), (1, 3), (4, 6)]) == ["", "abc", "d", "ef", ""]


def test_layout_scales(tmp_path):
    """A 2,000-entity graph lays out fast and deterministically."""
    import time

    import random

    rnd = random.Random(1)
    g = nx.MultiDiGraph()
    for i in range(2000):
        g.add_node(f"n{i:04d}", type="Project", label=str(i), aliases=[])
    for i in range(1, 1800):
        g.add_edge(f"n{i:04d}", f"n{rnd.randrange(i):04d}", kind="partOf")
    t = time.perf_counter()
    pos = viz.layout(g)
    took = time.perf_counter() - t
    assert viz.layout(g) == pos and len(pos) == 2000
    assert took < 20
