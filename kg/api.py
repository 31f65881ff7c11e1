"""The Python API used by notebooks: build, query, convert, render.

    import kg
    g = kg.build(["seeds/baotou-2022.txt"], outdir="out")
    g.query("SELECT ?p WHERE { ?p a kg:Project }")       # list of dicts
    nxg = g.to_networkx()                                  # entity graph
"""
from __future__ import annotations

from pathlib import Path

from .store import open_graph


class KnowledgeGraph:
    """A built graph: an Oxigraph store plus the folder it was built into."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.store = open_graph(self.path)

    def query(self, sparql: str, params: dict | None = None) -> list[dict]:
        """Rows of a SELECT as dicts of readable strings (prefixed IRIs, literal values).

        ``params`` sets the query's parameters (its one-variable VALUES blocks), e.g.
        ``{"jurisdiction": "包头市"}``; a list gives several values, ``"*"`` none.
        """
        from .query import bind_params, run_query

        if params:
            sparql = bind_params(sparql, {k: [v] if isinstance(v, str) else list(v) for k, v in params.items()})
        res = run_query(self.store, sparql)
        if isinstance(res, bool):
            return [{"result": res}]
        names, rows = res
        return [dict(zip(names, r)) for r in rows]

    def query_df(self, sparql: str, params: dict | None = None):
        """The same as a pandas DataFrame (pandas is optional)."""
        import pandas as pd

        return pd.DataFrame(self.query(sparql, params))

    def to_turtle(self) -> str:
        ttl = self.path / "graph.ttl" if self.path.is_dir() else self.path
        return Path(ttl).read_text(encoding="utf-8")

    def to_rdflib(self):
        """The union graph as an rdflib Graph (for small graphs)."""
        from rdflib import Graph

        g = Graph()
        ttl = self.path / "graph.ttl" if self.path.is_dir() else self.path
        g.parse(str(ttl))
        return g

    def to_networkx(self, types: list[str] | None = None):
        from .netx import to_networkx

        return to_networkx(self.store, types=types)

    def viz(self, out: str | Path | None = None, focus: str | None = None, depth: int = 1,
            types: list[str] | None = None) -> Path:
        from .viz import render

        out = Path(out) if out else (self.path / "graph.html" if self.path.is_dir() else self.path.with_suffix(".html"))
        return render(self.store, out, focus=focus, depth=depth, types=types)


def build(paths=None, outdir: str | Path = "out", jobs: int | None = 1, **kw) -> KnowledgeGraph:
    """Build reports (files or folders; default seeds/) into ``outdir`` and open the result."""
    from .build import build as _build

    if isinstance(paths, (str, Path)):
        paths = [paths]
    _build(paths or [], outdir, jobs=jobs, progress=False, **kw)
    return KnowledgeGraph(outdir)
