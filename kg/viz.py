"""The offline explorer: one self-contained interactive HTML page of a built graph.

``render(store, out)`` draws the entity graph (``kg.netx.to_networkx``) with
vis-network, the library pyvis bundles, inlined from pyvis's own copy.  pyvis's
page template is not used: it always links Bootstrap from a CDN (pyvis #229),
puts the heading in unescaped and writes labels into a ``<script>`` without
escaping ``</script>``.  Instead the page is assembled here:

* every script and style inline, plus a Content-Security-Policy that allows no
  request at all (``default-src 'none'``), so the page works offline and cannot
  leak;
* the data (nodes, edges, provenance) as one JSON block in a
  ``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped; the
  explorer script (``viz_assets/explorer.js``) puts every report text into the
  page with ``textContent``, never as HTML, so a report naming
  ``<script>…`` shows it as text;
* positions precomputed here (force-directed per connected component, packed
  in rows; fixed seeds), physics off: the layout is settled when the page
  opens, even for thousands of nodes;
* deterministic: sorted nodes, edges and JSON keys, no timestamps; building
  twice gives byte-identical HTML.

The page has a legend with a type filter, a search box, a hover card and a
side panel with each entity's type, aliases, quantities and the sentences it
was mentioned in (mention highlighted).
"""
from __future__ import annotations

import html
import json
import math
from pathlib import Path

import networkx as nx

from .errors import KgError
from .netx import to_networkx
from .output import atomic_path
from .store import open_graph, query as store_query

ASSETS = Path(__file__).with_name("viz_assets")

# type -> (colour, vis shape, Chinese name)
TYPES = {
    "Enterprise": ("#e45756", "dot", "企业"),
    "Project": ("#4c78a8", "square", "项目"),
    "Industry": ("#f58518", "diamond", "产业"),
    "District": ("#54a24b", "triangle", "行政区"),
    "Zone": ("#b279a2", "triangleDown", "园区"),
    "Institution": ("#9d755d", "star", "机构"),
    "Place": ("#17becf", "hexagon", "地点"),
}
# relation kind -> (colour, dashed, Chinese gloss)
KINDS = {
    "undertakenBy": ("#c0392b", False, "承建/实施"),
    "inIndustry": ("#e08a1e", False, "所属产业"),
    "locatedIn": ("#2e8b57", False, "位于"),
    "partOf": ("#7d3c98", False, "隶属"),
    "broader": ("#8a9499", True, "上位产业"),
}
COLORS = {t: c for t, (c, _, _) in TYPES.items()}  # kept for callers of the old module

MAX_SENTENCES = 3      # per entity, in the page
MAX_QUANTITIES = 8     # per entity, in the page
SENTENCE_CLIP = 180    # characters of a long sentence kept around its first mention
EDGE_LENGTH = 120.0    # layout: typical edge length in pixels


class VizUsageError(KgError):
    """A bad --focus or --types value."""

    exit_code = 2


# --------------------------------------------------------------------------- data

MENTION_Q = """
SELECT ?e ?s ?t ?sa ?a ?b ?x ?doc WHERE {
  ?m a kg:Mention ; kg:refersTo ?e ; kg:inSentence ?s ; kg:startOffset ?a ; kg:endOffset ?b ; kg:exact ?x .
  ?s kg:text ?t ; kg:startOffset ?sa .
  OPTIONAL { ?s kg:inDocument ?d . ?d dcterms:title ?doc }
}
"""
QUANTITY_Q = """
SELECT ?e ?q ?attr ?v ?u ?y ?prod ?qa WHERE {
  ?e ?p ?q . ?q a kg:Quantity ; kg:value ?v ; kg:unitText ?u ; kg:attribute ?attr ; kg:quantityKind ?k .
  OPTIONAL { ?q kg:year ?y } OPTIONAL { ?q kg:product ?prod } OPTIONAL { ?q kg:startOffset ?qa }
}
"""
TITLE_Q = "SELECT DISTINCT ?t WHERE { ?d a kg:Document ; dcterms:title ?t } ORDER BY ?t"


def _val(term):
    return None if term is None else term.value


def parse_types(types) -> list[str] | None:
    """``"Enterprise,project"`` or a list → canonical type names; unknown names are an error."""
    if not types:
        return None
    if isinstance(types, str):
        types = types.split(",")
    by_lower = {t.lower(): t for t in TYPES}
    by_lower.update({zh: t for t, (_, _, zh) in TYPES.items()})
    out, bad = [], []
    for raw in types:
        name = raw.strip()
        if not name:
            continue
        canon = by_lower.get(name.lower())
        (out if canon else bad).append(canon or name)
    if bad:
        raise VizUsageError(f"unknown entity type(s): {', '.join(bad)} (choose from {', '.join(TYPES)})")
    return sorted(set(out), key=list(TYPES).index) or None


def select(g: nx.MultiDiGraph, focus: str | None = None, depth: int = 1, types: list[str] | None = None) -> tuple[nx.MultiDiGraph, list[str]]:
    """The drawn subgraph: the ``depth``-neighbourhood of ``focus`` (if given), then only ``types``.

    Returns the subgraph and the focus node ids (kept whatever their type).
    """
    centres: list[str] = []
    if focus:
        if depth < 0:
            raise VizUsageError("--depth must be 0 or more")
        centres = find_nodes(g, focus)
        keep: set[str] = set()
        und = g.to_undirected(as_view=True)
        for c in centres:
            keep |= set(nx.single_source_shortest_path_length(und, c, cutoff=depth))
        g = g.subgraph(keep)
    if types:
        g = g.subgraph([n for n, d in g.nodes(data=True) if d["type"] in types or n in centres])
    return g, centres


def find_nodes(g: nx.MultiDiGraph, text: str) -> list[str]:
    """Nodes whose label or alias is ``text``; else the single one containing it."""
    want = text.strip()
    exact = sorted(n for n, d in g.nodes(data=True) if d["label"] == want or want in d.get("aliases", ()))
    if exact:
        return exact
    part = sorted(n for n, d in g.nodes(data=True)
                  if want and (want in d["label"] or any(want in a for a in d.get("aliases", ()))))
    if len(part) == 1:
        return part
    if not part:
        raise VizUsageError(f"--focus {want!r}: no entity has this label or alias")
    names = sorted({g.nodes[n]["label"] for n in part}, key=lambda s: (len(s), s))
    more = f" and {len(names) - 8} more" if len(names) > 8 else ""
    raise VizUsageError(f"--focus {want!r} is ambiguous: {', '.join(names[:8])}{more}")


def _sentence_parts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Alternating plain / highlighted pieces (plain first) of a sentence, clipped around its mentions."""
    spans = sorted({(max(0, a), min(len(text), b)) for a, b in spans if b > a})
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    lo, hi = 0, len(text)
    if len(text) > SENTENCE_CLIP and merged:
        first = merged[0][0]
        lo = max(0, min(first - SENTENCE_CLIP // 3, len(text) - SENTENCE_CLIP))
        hi = min(len(text), max(lo + SENTENCE_CLIP, merged[0][1]))
    parts, pos = [], lo
    for a, b in merged:
        if a < lo or b > hi:
            continue
        parts += [text[pos:a], text[a:b]]
        pos = b
    parts.append(text[pos:hi])
    if lo > 0:
        parts[0] = "…" + parts[0]
    if hi < len(text):
        parts[-1] = parts[-1] + "…"
    return parts


def provenance(store, nodes) -> dict[str, dict]:
    """Per entity: up to MAX_SENTENCES sentences (as parts) and MAX_QUANTITIES quantities, with totals."""
    wanted = set(nodes)
    sents: dict[str, dict[str, dict]] = {}
    for sol in store_query(store, MENTION_Q):
        e = sol["e"].value
        if e not in wanted:
            continue
        s = sol["s"].value
        text = sol["t"].value
        sa = int(sol["sa"].value)
        a, b = int(sol["a"].value) - sa, int(sol["b"].value) - sa
        exact = sol["x"].value
        if text[a:b] != exact:  # offsets from another text version: find the words instead
            a = text.find(exact)
            b = a + len(exact)
        rec = sents.setdefault(e, {}).setdefault(s, {"t": text, "sa": sa, "doc": _val(sol["doc"]) or "", "spans": []})
        if a >= 0:
            rec["spans"].append((a, b))
    quants: dict[str, dict[str, tuple]] = {}
    for sol in store_query(store, QUANTITY_Q):
        e = sol["e"].value
        if e not in wanted:
            continue
        qa = _val(sol["qa"])
        quants.setdefault(e, {})[sol["q"].value] = (
            int(qa) if qa is not None else -1, sol["attr"].value, sol["v"].value, sol["u"].value,
            _val(sol["y"]) or "", _val(sol["prod"]) or "")
    out: dict[str, dict] = {}
    for e in wanted:
        info: dict = {}
        ss = sorted(sents.get(e, {}).items(), key=lambda kv: (kv[1]["doc"], kv[1]["sa"], kv[0]))
        seen: set = set()
        ss = [kv for kv in ss if (kv[1]["doc"], kv[1]["t"]) not in seen and not seen.add((kv[1]["doc"], kv[1]["t"]))]
        if ss:
            info["s"] = [{"d": r["doc"], "p": _sentence_parts(r["t"], r["spans"])} for _, r in ss[:MAX_SENTENCES]]
            info["ns"] = len(ss)
        qs = sorted(quants.get(e, {}).items(), key=lambda kv: (kv[1], kv[0]))
        seen = set()  # a report repeating a sentence repeats its numbers: show each once
        qs = [kv for kv in qs if kv[1][1:] not in seen and not seen.add(kv[1][1:])]
        if qs:
            info["q"] = [list(q[1:]) for _, q in qs[:MAX_QUANTITIES]]
            info["nq"] = len(qs)
        out[e] = info
    return out


# --------------------------------------------------------------------------- layout

def _force_layout(n: int, edges: list[tuple[int, int]], seed: int) -> "list[tuple[float, float]]":
    """Fruchterman–Reingold in numpy (no scipy): exact repulsion up to 1,200 nodes, sampled above."""
    import numpy as np

    if n == 1:
        return [(0.0, 0.0)]
    if n == 2:
        return [(-0.5, 0.0), (0.5, 0.0)]
    rng = np.random.default_rng(seed)
    x, y = rng.random(n), rng.random(n)
    k2 = 1.0 / n
    k = math.sqrt(k2)
    iters = 100 if n <= 300 else 60
    temp = 0.1
    cool = temp / (iters + 1)
    ei = np.array(edges, dtype=np.int64).reshape(-1, 2)
    src, dst = ei[:, 0], ei[:, 1]
    sample = 400
    for _ in range(iters):
        if n <= 1200:
            dx = x[:, None] - x[None, :]
            dy = y[:, None] - y[None, :]
            w = k2 / np.maximum(dx * dx + dy * dy, 1e-6)
            fx, fy = (dx * w).sum(1), (dy * w).sum(1)
        else:  # unbiased estimate from a random sample of the other nodes
            idx = rng.choice(n, size=sample, replace=False)
            dx = x[:, None] - x[idx][None, :]
            dy = y[:, None] - y[idx][None, :]
            w = (k2 * n / sample) / np.maximum(dx * dx + dy * dy, 1e-6)
            fx, fy = (dx * w).sum(1), (dy * w).sum(1)
        if len(ei):
            ex, ey = x[src] - x[dst], y[src] - y[dst]
            a = np.sqrt(ex * ex + ey * ey) / k
            np.add.at(fx, src, -ex * a)
            np.add.at(fy, src, -ey * a)
            np.add.at(fx, dst, ex * a)
            np.add.at(fy, dst, ey * a)
        length = np.maximum(np.sqrt(fx * fx + fy * fy), 1e-9)
        step = np.minimum(length, temp) / length
        x += fx * step
        y += fy * step
        temp -= cool
    x -= x.mean()
    y -= y.mean()
    return list(zip(x.tolist(), y.tolist()))


def _declutter(xs: list[float], ys: list[float], gap_x: float = 110.0, gap_y: float = 42.0, iters: int = 40):
    """Push apart nodes whose labels would overlap (an ellipse wider than tall, like a label)."""
    import numpy as np

    n = len(xs)
    if n < 2 or n > 1500:
        return xs, ys
    x, y = np.array(xs), np.array(ys)
    for _ in range(iters):
        dx = (x[:, None] - x[None, :]) / gap_x
        dy = (y[:, None] - y[None, :]) / gap_y
        d = np.sqrt(dx * dx + dy * dy)
        np.fill_diagonal(d, 2.0)  # not its own neighbour
        push = np.where(d < 1.0, (1.0 - d) / np.maximum(d, 1e-3), 0.0)
        if not push.any():
            break
        x += 0.25 * gap_x * (dx * push).sum(1) / np.maximum((push > 0).sum(1), 1)
        y += 0.25 * gap_y * (dy * push).sum(1) / np.maximum((push > 0).sum(1), 1)
    return x.tolist(), y.tolist()


def layout(g: nx.MultiDiGraph, seed: int = 7) -> dict[str, tuple[int, int]]:
    """Integer pixel positions: each connected component laid out on its own (isolated
    entities together in a grid, grouped by type), then the bounding boxes packed in rows."""
    und = nx.Graph(g.to_undirected(as_view=True))
    comps = sorted((sorted(c) for c in nx.connected_components(und) if len(c) > 1), key=lambda c: (-len(c), c[0]))
    boxes = []  # (nodes, points relative to the box's top-left corner, width, height)
    pad = EDGE_LENGTH * 0.5
    for ci, comp in enumerate(comps):
        index = {n: i for i, n in enumerate(comp)}
        edges = sorted({(index[a], index[b]) for a, b in und.subgraph(comp).edges() if a != b})
        pts = _force_layout(len(comp), edges, seed + ci)
        lengths = sorted(math.dist(pts[a], pts[b]) for a, b in edges)
        scale = EDGE_LENGTH / max(lengths[len(lengths) // 2], 1e-9)  # median edge: EDGE_LENGTH
        xs, ys = _declutter([x * scale for x, _ in pts], [y * scale for _, y in pts])
        x0, y0 = min(xs) - pad, min(ys) - pad
        boxes.append((comp, [(x - x0, y - y0) for x, y in zip(xs, ys)], max(xs) - x0 + pad, max(ys) - y0 + pad))
    alone = sorted((n for n in und if und.degree(n) == 0), key=lambda n: (list(TYPES).index(g.nodes[n]["type"]) if g.nodes[n]["type"] in TYPES else 99, n))
    if alone:
        cols = max(1, math.ceil(math.sqrt(len(alone) * 2.5)))
        dx, dy = EDGE_LENGTH * 1.1, EDGE_LENGTH * 0.55
        pts = [(pad + (i % cols) * dx, pad + (i // cols) * dy) for i in range(len(alone))]
        boxes.append((alone, pts, 2 * pad + (cols - 1) * dx, 2 * pad + ((len(alone) - 1) // cols) * dy))
    total = sum(w * h for _, _, w, h in boxes)
    width = max([math.sqrt(total) * 1.3] + [w for _, _, w, _ in boxes])
    pos: dict[str, tuple[float, float]] = {}
    x = y = row_h = 0.0
    for comp, pts, w, h in boxes:
        if x > 0 and x + w > width:
            x, y, row_h = 0.0, y + row_h, 0.0
        for n, (px, py) in zip(comp, pts):
            pos[n] = (px + x, py + y)
        x += w
        row_h = max(row_h, h)
    if not pos:
        return {}
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    mx, my = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return {n: (round(px - mx), round(py - my)) for n, (px, py) in pos.items()}


# --------------------------------------------------------------------------- page

def default_title(store) -> str:
    titles = [sol["t"].value for sol in store_query(store, TITLE_Q)]
    if len(titles) == 1:
        return f"{titles[0]} · 知识图谱"
    if titles:
        return f"{len(titles)} 份报告 · 知识图谱"
    return "知识图谱"


def page_data(store, g: nx.MultiDiGraph, centres: list[str], title: str, focus: str | None, depth: int) -> dict:
    nodes = sorted(g.nodes)
    ids = {n: i for i, n in enumerate(nodes)}
    pos = layout(g)
    prov = provenance(store, nodes)
    type_names = list(TYPES)
    kind_names = list(KINDS)
    tcount = {t: 0 for t in TYPES}
    out_nodes = []
    for n in nodes:
        d = g.nodes[n]
        tcount[d["type"]] += 1
        rec = {"id": ids[n], "l": d["label"], "t": type_names.index(d["type"]), "x": pos[n][0], "y": pos[n][1],
               "g": g.degree(n), "iri": n}
        if d.get("aliases"):
            rec["a"] = sorted(d["aliases"])
        rec.update(prov.get(n, {}))
        if n in centres:
            rec["f"] = 1
        out_nodes.append(rec)
    kcount = {k: 0 for k in KINDS}
    out_edges = []
    for s, o, d in g.edges(data=True):
        kcount[d["kind"]] = kcount.get(d["kind"], 0) + 1
        out_edges.append([ids[s], ids[o], kind_names.index(d["kind"]) if d["kind"] in KINDS else -1])
    out_edges.sort()
    return {
        "title": title,
        "focus": {"label": focus, "depth": depth} if focus else None,
        "types": [{"name": t, "zh": zh, "color": c, "shape": sh, "count": tcount[t]} for t, (c, sh, zh) in TYPES.items()],
        "kinds": [{"name": k, "zh": zh, "color": c, "dashes": da, "count": kcount[k]} for k, (c, da, zh) in KINDS.items()],
        "nodes": out_nodes,
        "edges": out_edges,
        "limits": {"sentences": MAX_SENTENCES, "quantities": MAX_QUANTITIES},
    }


def script_json(obj) -> str:
    """JSON safe inside a <script> element: no '<', '>', '&' or line separators in the text."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def vis_js() -> str:
    """vis-network as bundled by pyvis (its ``in_line`` resource)."""
    import pyvis

    path = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
    code = path.read_text(encoding="utf-8")
    if "</script" in code.lower():  # cannot happen with 9.1.2; guard the inline embedding anyway
        code = code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return code


CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")


def html_page(data: dict) -> str:
    title = html.escape(data["title"], quote=True)
    css = (ASSETS / "explorer.css").read_text(encoding="utf-8")
    js = (ASSETS / "explorer.js").read_text(encoding="utf-8")
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<meta name=\"referrer\" content=\"no-referrer\">\n",
        f"<title>{title}</title>\n<style>\n{css}</style>\n</head>\n<body>\n",
        "<header id=\"kg-head\"><h1 id=\"kg-title\">", title, "</h1><span id=\"kg-stats\"></span>",
        "<div id=\"kg-searchbox\"><input id=\"kg-search\" type=\"search\" autocomplete=\"off\" "
        "placeholder=\"搜索实体 / search…\" aria-label=\"search entities\"><ul id=\"kg-results\" hidden></ul></div></header>\n",
        "<main><div id=\"kg-network\"></div>",
        "<nav id=\"kg-legend\" aria-label=\"legend\"></nav>",
        "<aside id=\"kg-panel\" hidden></aside><div id=\"kg-tip\" hidden></div></main>\n",
        "<script type=\"application/json\" id=\"kg-data\">", script_json(data), "</script>\n",
        "<script>\n", vis_js(), "\n</script>\n",
        "<script>\n", js, "</script>\n</body>\n</html>\n",
    ])


def render(store, out: Path, focus=None, depth=1, types=None, title=None) -> Path:
    """Write the explorer of ``store`` to ``out`` (atomically) and return ``out``."""
    types = parse_types(types)
    g, centres = select(to_networkx(store), focus=focus, depth=depth, types=types)
    if title is None:
        title = default_title(store)
        if focus:
            title += f" · {focus}（{depth} 度邻域）"
    page = html_page(page_data(store, g, centres, title, focus, depth))
    out = Path(out)
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return out


def write_html(graph_path: Path, out: Path) -> Path:
    return render(open_graph(graph_path), out)


def cli_viz(args) -> int:
    src = Path(args.graph)
    out = Path(args.out) if args.out else (src / "graph.html" if src.is_dir() else src.with_suffix(".html"))
    render(open_graph(src), out, focus=args.focus, depth=args.depth, types=args.types, title=args.title)
    print(out)
    return 0
