"""The explorer in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Each page is opened from a file:// URL with every request recorded; the tests
assert that the page draws exactly the graph's nodes and edges (read from the
page's own vis-network data), logs no console error, makes no request besides
loading itself, renders report text containing HTML as text, and that its
search, type filter, hover card and detail panel work.  Times to settle are
printed (run with ``-s``); set ``KG_SCREENSHOT=docs/screenshot.png`` to refresh
the README screenshot.
"""
from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import viz
from kg.netx import to_networkx
from kg.store import open_graph

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "baotou-2022.txt"
CHROMIUM = os.environ.get("KG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed (CI installs Debian's chromium + fonts-noto-cjk: apt-get install chromium fonts-noto-cjk)",
                allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (pip install -e '.[test]')")

try:  # tests/ as a package or as a plain folder on sys.path
    from .test_viz import IMG, SCRIPT, evil_store  # noqa: E402
except ImportError:
    from test_viz import IMG, SCRIPT, evil_store  # noqa: E402

KG = "https://w3id.org/govkg/ontology#"
KGD = "https://w3id.org/govkg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_DEC = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)  # Playwright uses a fresh temporary profile
        yield b
        b.close()


class Page:
    """A page with every request, console error, uncaught error and dialog recorded."""

    def __init__(self, browser, path: Path):
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
        self.page = self.ctx.new_page()
        self.url = path.resolve().as_uri()
        self.requests, self.errors, self.dialogs = [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        t = time.perf_counter()
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_function("window.kgExplorer && window.kgExplorer.ready", timeout=60_000)
        self.page.wait_for_load_state("networkidle")
        self.wall = time.perf_counter() - t

    def js(self, expr, arg=None):
        return self.page.evaluate(expr, arg)

    def foreign_requests(self):
        return [u for u in self.requests if u != self.url]

    def close(self):
        self.ctx.close()


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    from kg.build import build

    out = tmp_path_factory.mktemp("seed")
    build([SEED], outdir=out, jobs=1, progress=False, validate=False)
    return open_graph(out), out / "graph.html"


def check_page(pg: Page, g) -> dict:
    """The common assertions; returns the page's timings."""
    counts = pg.js("""() => { const n = kgExplorer.network;
        return {nodes: n.body.data.nodes.length, edges: n.body.data.edges.length,
                drawnNodes: n.body.nodeIndices.length,
                drawnEdges: n.body.edgeIndices.filter(id => n.body.edges[id].connected).length}; }""")
    assert counts == {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
                      "drawnNodes": g.number_of_nodes(), "drawnEdges": g.number_of_edges()}
    assert pg.errors == []
    assert pg.foreign_requests() == []
    assert pg.dialogs == []
    assert pg.js("document.querySelectorAll('script[src], link[href], img, iframe').length") == 0
    # physics is off: the layout does not move after it is drawn
    before = pg.js("() => JSON.stringify(kgExplorer.network.getPositions())")
    pg.page.wait_for_timeout(500)
    assert pg.js("() => JSON.stringify(kgExplorer.network.getPositions())") == before
    redraw = pg.js("""() => new Promise(res => { const n = kgExplorer.network; const t = performance.now();
        n.once('afterDrawing', () => res(performance.now() - t)); n.moveTo({scale: n.getScale() * 1.3}); })""")
    return {"script_ms": pg.js("kgExplorer.stabilizedMs"), "since_navigation_ms": pg.js("kgExplorer.readyMs"),
            "wall_s": round(pg.wall, 2), "redraw_ms": round(redraw, 1)}


# --------------------------------------------------------------------------- seed graph

def test_seed_graph_in_browser(browser, seed, tmp_path):
    store, html = seed
    g = to_networkx(store)
    pg = Page(browser, html)
    try:
        t = check_page(pg, g)
        print(f"\n[seed graph] {g.number_of_nodes()} nodes, {g.number_of_edges()} edges: settled {t['since_navigation_ms']} ms "
              f"after navigation ({t['script_ms']} ms of explorer script), wall {t['wall_s']} s, zoom redraw {t['redraw_ms']} ms")
        # Chinese text is laid out with a CJK font, not boxes: the heading's glyphs have real width
        assert "包头" in pg.js("document.getElementById('kg-title').textContent")
        shot = tmp_path / "seed.png"
        pg.page.screenshot(path=str(shot))
        assert shot.stat().st_size > 20_000
        print(f"[seed graph] screenshot: {shot}")
        target = os.environ.get("KG_SCREENSHOT")
        if target:
            readme_screenshot(pg, Path(target))
    finally:
        pg.close()


def readme_screenshot(pg: Page, target: Path) -> None:
    """A README view: the best-connected project with quantities selected (detail panel open), zoomed in."""
    pick = """() => { const e = kgExplorer;
        const c = e.data.nodes.filter(n => n.q && n.s && e.data.types[n.t].name === 'Project');
        c.sort((a, b) => b.g - a.g || a.id - b.id);
        const n = c[0] || e.data.nodes[0];
        e.selectNode(n.id);
        return n.id; }"""
    nid = pg.js(pick)
    pg.page.wait_for_timeout(800)  # the focus animation
    pg.js(f"""() => {{ const e = kgExplorer, p = e.network.getPositions([{nid}])[{nid}];
        e.network.moveTo({{position: p, scale: 0.8, offset: {{x: -60, y: 0}}, animation: false}}); }}""")
    pg.page.wait_for_timeout(300)
    target.parent.mkdir(parents=True, exist_ok=True)
    pg.page.screenshot(path=str(target))


def test_explore_seed(browser, seed):
    store, html = seed
    g = to_networkx(store)
    pg = Page(browser, html)
    page = pg.page
    try:
        # search: typing part of a name lists matches; Enter selects the first and opens its panel
        page.fill("#kg-search", "稀土")
        assert page.locator("#kg-results li").count() > 1
        assert all("稀土" in t for t in page.locator("#kg-results li").all_inner_texts()[:5])
        page.press("#kg-search", "Enter")
        assert page.is_visible("#kg-panel")
        title = page.inner_text("#kg-panel h2")
        assert "稀土" in title
        selected = pg.js("kgExplorer.network.getSelectedNodes()")
        assert len(selected) == 1 and pg.js(f"kgExplorer.data.nodes[{selected[0]}].l") == title
        assert page.locator("#kg-panel mark").count() >= 1        # the mention is highlighted
        assert page.locator("#kg-panel .kg-sent").count() <= viz.MAX_SENTENCES

        # an entity with quantities shows them in the panel
        nid = pg.js("kgExplorer.data.nodes.find(n => n.q && n.q.length && n.s).id")
        pg.js(f"kgExplorer.selectNode({nid})")
        assert page.locator("#kg-panel h3", has_text="Quantities").count() == 1
        assert page.locator("#kg-panel li").count() >= 1

        # type filter: unticking Industry hides exactly the industries
        n_ind = sum(1 for _, d in g.nodes(data=True) if d["type"] == "Industry")
        page.uncheck('#kg-legend input[data-type="Industry"]')
        assert pg.js("kgExplorer.network.body.nodeIndices.length") == g.number_of_nodes() - n_ind
        assert "/" in page.inner_text("#kg-stats")
        page.check('#kg-legend input[data-type="Industry"]')
        assert pg.js("kgExplorer.network.body.nodeIndices.length") == g.number_of_nodes()

        # hover card: move the mouse onto a node
        page.click("#kg-panel .kg-close")
        hover(pg, nid)
        tip = page.inner_text("#kg-tip")
        assert pg.js(f"kgExplorer.data.nodes[{nid}].l") in tip
        assert pg.errors == [] and pg.foreign_requests() == []
    finally:
        pg.close()



def hover(pg, nid) -> None:
    """Centre the view on node ``nid``, move the mouse onto it and wait for the hover card."""
    page = pg.page
    pg.js(f"kgExplorer.network.moveTo({{position: kgExplorer.network.getPositions([{nid}])[{nid}], scale: 1.5, animation: false}})")
    page.wait_for_timeout(200)
    box = page.locator("#kg-network").bounding_box()
    xy = pg.js(f"kgExplorer.network.canvasToDOM(kgExplorer.network.getPositions([{nid}])[{nid}])")
    page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])
    page.wait_for_selector("#kg-tip:not([hidden])", timeout=5_000)


# --------------------------------------------------------------------------- injection

def test_injection_renders_as_text(browser, tmp_path):
    store = evil_store()
    html = viz.render(store, tmp_path / "evil.html")
    pg = Page(browser, html)
    page = pg.page
    try:
        check_page(pg, to_networkx(store))
        assert pg.js("window.__pwned === undefined")
        # no element was created from the payloads: only the page's own 3 scripts, no img, no handler attributes
        assert pg.js("document.scripts.length") == 3
        assert pg.js("[...document.scripts].filter(s => s.type !== 'application/json' && s.textContent.includes('alert(1)')).length") == 0
        assert pg.js("document.querySelectorAll('img, [onerror], [onload]').length") == 0
        # the heading shows the payload as text
        assert SCRIPT in page.inner_text("#kg-title")
        # the entity's panel: name, alias, sentence with the highlighted payload, quantity, all as text
        nid = pg.js(f"kgExplorer.data.nodes.find(n => n.l.includes({SCRIPT!r})).id")
        pg.js(f"kgExplorer.selectNode({nid})")
        assert SCRIPT in page.inner_text("#kg-panel h2")
        assert IMG in page.inner_text("#kg-panel")
        assert any(SCRIPT in m for m in page.locator("#kg-panel mark").all_inner_texts())
        # search lists it as text too
        page.fill("#kg-search", "<script>")
        assert any(SCRIPT in t for t in page.locator("#kg-results li").all_inner_texts())
        # and hovering shows it as text
        page.fill("#kg-search", "")
        hover(pg, nid)
        assert SCRIPT in page.inner_text("#kg-tip")
        page.wait_for_timeout(300)
        assert pg.dialogs == [] and pg.errors == [] and pg.foreign_requests() == []
        assert pg.js("document.querySelectorAll('img, [onerror]').length") == 0
    finally:
        pg.close()


# --------------------------------------------------------------------------- 2,000 nodes

def synthetic_store(n: int = 2000, seed: int = 5) -> ox.Store:
    """A report-like graph of ``n`` entities: industries in a taxonomy, districts, zones, enterprises and
    projects linked by the five relations, each with a sentence mentioning it and some with quantities."""
    rnd = random.Random(seed)
    shares = [("Industry", 0.1), ("District", 0.03), ("Zone", 0.1), ("Institution", 0.05), ("Place", 0.07),
              ("Enterprise", 0.25), ("Project", 0.4)]
    counts = {t: int(n * s) for t, s in shares}
    counts["Project"] += n - sum(counts.values())
    zh = {"Industry": "产业", "District": "区", "Zone": "园区", "Institution": "研究院", "Place": "镇",
          "Enterprise": "有限公司", "Project": "项目"}
    quads: list[ox.Quad] = []

    def t(s, p, o):
        quads.append(ox.Quad(s, ox.NamedNode(p), o))

    ents: dict[str, list[ox.NamedNode]] = {}
    doc = ox.NamedNode(KGD + "doc/synthetic")
    t(doc, RDF_TYPE, ox.NamedNode(KG + "Document"))
    t(doc, "http://purl.org/dc/terms/title", ox.Literal("合成测试报告", language="zh"))
    offset = 0
    for typ, k in counts.items():
        for i in range(k):
            label = f"第{i}号测试{zh[typ]}"
            e = ox.NamedNode(f"{KGD}{typ.lower()}/{label}")
            ents.setdefault(typ, []).append(e)
            t(e, RDF_TYPE, ox.NamedNode(KG + typ))
            t(e, RDFS_LABEL, ox.Literal(label, language="zh"))
            if i % 5 == 0:
                t(e, SKOS + "altLabel", ox.Literal(f"测试{typ}{i}", language="zh"))
            text = f"推动{label}加快发展，实现高质量发展。"
            s = ox.NamedNode(f"{KGD}doc/synthetic/s/{offset}")
            t(s, RDF_TYPE, ox.NamedNode(KG + "Sentence"))
            t(s, KG + "text", ox.Literal(text, language="zh"))
            t(s, KG + "startOffset", ox.Literal(str(offset), datatype=XSD_INT))
            t(s, KG + "inDocument", doc)
            m = ox.NamedNode(f"{KGD}doc/synthetic/m/{offset + 2}-{offset + 2 + len(label)}-{typ}")
            t(m, RDF_TYPE, ox.NamedNode(KG + "Mention"))
            t(m, KG + "refersTo", e)
            t(m, KG + "inSentence", s)
            t(m, KG + "startOffset", ox.Literal(str(offset + 2), datatype=XSD_INT))
            t(m, KG + "endOffset", ox.Literal(str(offset + 2 + len(label)), datatype=XSD_INT))
            t(m, KG + "exact", ox.Literal(label, language="zh"))
            if typ == "Project":
                q = ox.NamedNode(f"{KGD}doc/synthetic/q/{offset}-capacity")
                t(e, KG + "capacity", q)
                t(q, RDF_TYPE, ox.NamedNode(KG + "Quantity"))
                t(q, KG + "value", ox.Literal(str(rnd.randint(1, 100)), datatype=XSD_DEC))
                t(q, KG + "unitText", ox.Literal("万吨", language="zh"))
                t(q, KG + "attribute", ox.Literal("capacity"))
                t(q, KG + "quantityKind", ox.NamedNode(KG + "Capacity"))
            offset += len(text)

    def link(s, p, o):
        t(s, p, o)

    inds = ents["Industry"]
    for i, e in enumerate(inds[1:], 1):
        link(e, SKOS + "broader", inds[rnd.randrange(max(1, i // 3 + 1))])
    for e in ents["Zone"]:
        link(e, KG + "partOf", rnd.choice(ents["District"]))
    for e in ents["Place"][: len(ents["Place"]) // 2]:
        link(e, KG + "partOf", rnd.choice(ents["District"]))
    for e in ents["Enterprise"]:
        if rnd.random() < 0.6:
            link(e, KG + "inIndustry", rnd.choice(inds))
        if rnd.random() < 0.3:
            link(e, KG + "locatedIn", rnd.choice(ents["Zone"]))
    for e in ents["Project"]:
        if rnd.random() < 0.5:
            link(e, KG + "undertakenBy", rnd.choice(ents["Enterprise"]))
        if rnd.random() < 0.7:
            link(e, KG + "inIndustry", rnd.choice(inds))
        if rnd.random() < 0.3:
            link(e, KG + "locatedIn", rnd.choice(ents["Zone"] + ents["District"]))
    store = ox.Store()
    store.extend(quads)
    return store


def test_2000_nodes(browser, tmp_path):
    store = synthetic_store(2000)
    g = to_networkx(store)
    assert g.number_of_nodes() == 2000
    t = time.perf_counter()
    html = viz.render(store, tmp_path / "big.html")
    render_s = time.perf_counter() - t
    pg = Page(browser, html)
    try:
        times = check_page(pg, g)
        print(f"\n[2,000 nodes] {g.number_of_nodes()} nodes, {g.number_of_edges()} edges: page written in {render_s:.2f} s "
              f"({html.stat().st_size / 1e6:.1f} MB); settled {times['since_navigation_ms']} ms after navigation "
              f"({times['script_ms']} ms of explorer script), wall {times['wall_s']} s, zoom redraw {times['redraw_ms']} ms")
        pg.page.fill("#kg-search", "第799号测试项目")
        pg.page.press("#kg-search", "Enter")
        assert "第799号测试项目" in pg.page.inner_text("#kg-panel h2")
        assert pg.errors == [] and pg.foreign_requests() == []
    finally:
        pg.close()
