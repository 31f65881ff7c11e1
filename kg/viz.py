"""Offline interactive HTML of a built graph (pyvis, all resources inline)."""
from __future__ import annotations

import html
from pathlib import Path

from .output import atomic_path
from .netx import to_networkx
from .store import open_graph

COLORS = {"Enterprise": "#e45756", "Project": "#4c78a8", "Industry": "#f58518", "District": "#54a24b",
          "Zone": "#b279a2", "Institution": "#9d755d", "Place": "#72b7b2"}


def render(store, out: Path, focus=None, depth=1, types=None, title=None) -> Path:
    from pyvis.network import Network

    g = to_networkx(store, types=types)
    net = Network(height="800px", width="100%", directed=True, cdn_resources="in_line")
    for n, d in sorted(g.nodes(data=True)):
        net.add_node(n, label=d["label"], title=f"{d['type']}: {d['label']}", color=COLORS.get(d["type"], "#999"))
    for s, o, d in g.edges(data=True):
        net.add_edge(s, o, label=d["kind"])
    page = net.generate_html()
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return out


def write_html(graph_path: Path, out: Path) -> Path:
    return render(open_graph(graph_path), out)


def cli_viz(args) -> int:
    src = Path(args.graph)
    out = Path(args.out) if args.out else (src / "graph.html" if src.is_dir() else src.with_suffix(".html"))
    types = args.types.split(",") if args.types else None
    render(open_graph(src), out, focus=args.focus, depth=args.depth, types=types, title=args.title)
    print(out)
    return 0
