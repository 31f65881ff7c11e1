"""``kg query``: run SPARQL and print results as an aligned table, CSV, TSV or JSON."""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import pyoxigraph as ox

from .errors import InputNotFound
from .store import query as store_query
from .store import term_text


def load_query(arg: str) -> str:
    """A .rq file path or the SPARQL text itself."""
    if arg.endswith(".rq") or (len(arg) < 300 and "\n" not in arg and Path(arg).is_file()):
        p = Path(arg)
        if not p.is_file():
            raise InputNotFound(f"{p}: no such query file")
        return p.read_text(encoding="utf-8")
    return arg


def run_query(store: ox.Store, sparql: str) -> tuple[list[str], list[list[str]]] | bool:
    res = store_query(store, sparql)
    if isinstance(res, ox.QueryBoolean):
        return bool(res)
    if isinstance(res, ox.QuerySolutions):
        names = [v.value for v in res.variables]
        rows = [[term_text(sol[n]) for n in names] for sol in res]
        return names, rows
    # CONSTRUCT/DESCRIBE: triples
    rows = [[term_text(t.subject), term_text(t.predicate), term_text(t.object)] for t in res]
    return ["subject", "predicate", "object"], rows


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))


def format_results(res, fmt: str = "table") -> str:
    if isinstance(res, bool):
        return ("true" if res else "false") + "\n"
    names, rows = res
    if fmt == "json":
        return json.dumps([dict(zip(names, r)) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(names)
        w.writerows(rows)
        return buf.getvalue()
    cells = [[c.replace("\n", " ") for c in r] for r in rows]
    widths = [max([_width(n)] + [_width(r[i]) for r in cells]) for i, n in enumerate(names)]
    out = [" | ".join(_pad(n, widths[i]) for i, n in enumerate(names)).rstrip()]
    out.append("-+-".join("-" * w for w in widths))
    for r in cells:
        out.append(" | ".join(_pad(c, widths[i]) for i, c in enumerate(r)).rstrip())
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
