"""``kg query``: run SPARQL and print results as an aligned table, CSV, TSV or JSON."""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import pyoxigraph as ox

from .errors import InputNotFound, QueryError
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


# A query parameter is a one-variable VALUES block: ``VALUES ?jurisdiction { "包头市"@zh }``.
# The query stays plain SPARQL 1.1 (it runs as is in any store, with its defaults);
# ``--param`` swaps the values, and "*" removes the block so the variable is free.
_VALUES_BLOCK = re.compile(r"VALUES\s+\?(\w+)\s*\{([^{}]*)\}")
_LITERAL = re.compile(r'^"(?:[^"\\]|\\.)*"(@[A-Za-z][\w-]*|\^\^\S+)?$')
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_PREFIXED = re.compile(r"^[A-Za-z][\w.-]*:[^\s{}<>\"#]*$")
_IRI = re.compile(r'^<[^<>"{}|^`\\\s]*>$')
ALL = "*"


def parameters(sparql: str) -> dict[str, list[str]]:
    """The query's parameters and their default values (SPARQL term text), in order."""
    params: dict[str, list[str]] = {}
    for name, body in _VALUES_BLOCK.findall(_strip_comments(sparql)):
        params.setdefault(name, _terms(body))
    return params


def _strip_comments(sparql: str) -> str:
    # a '#' starts a comment unless it sits in an IRI or a string; our queries keep
    # '#' inside <…> and "…" only, which this pattern skips over
    return re.sub(r'("(?:[^"\\\n]|\\.)*"|<[^<>\s]*>)|#[^\n]*', lambda m: m.group(1) or "", sparql)


def _terms(body: str) -> list[str]:
    return re.findall(r'"(?:[^"\\]|\\.)*"(?:@[A-Za-z][\w-]*|\^\^\S+)?|<[^>]*>|[^\s]+', body)


def bind_params(sparql: str, values: dict[str, list[str]]) -> str:
    """The query with each named parameter's VALUES block set to ``values[name]``.

    A value is written as the same kind of term as the parameter's default: a
    language-tagged or plain string, a number, or an IRI.  ``["*"]`` removes the
    block (no restriction).  Unknown names and ill-formed values raise QueryError.
    """
    known = parameters(sparql)
    for name in values:
        if name not in known:
            listed = ", ".join(known) or "none"
            raise QueryError(f"the query has no parameter {name!r} (a VALUES ?{name} {{…}} block); its parameters: {listed}")

    def replace(m: re.Match) -> str:
        name = m.group(1)
        if name not in values:
            return m.group(0)
        given = values[name]
        if ALL in given:
            return ""
        template = known[name][0] if known[name] else '""'
        return f"VALUES ?{name} {{ " + " ".join(_term_like(template, v, name) for v in given) + " }"

    return _VALUES_BLOCK.sub(replace, sparql)


def _term_like(template: str, value: str, name: str) -> str:
    """``value`` written as a SPARQL term of the same kind as ``template``."""
    if template.startswith('"'):
        m = _LITERAL.match(template)
        suffix = (m.group(1) or "") if m else ""
        text = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        return f'"{text}"{suffix}'
    if _NUMBER.match(template):
        if not _NUMBER.match(value):
            raise QueryError(f"parameter {name!r} takes a number, not {value!r}")
        return value
    if _IRI.match(value) or _PREFIXED.match(value):
        return value
    raise QueryError(f"parameter {name!r} takes an IRI (<…> or prefix:name), not {value!r}")


def parse_param_args(pairs: list[str]) -> dict[str, list[str]]:
    """``["jurisdiction=包头市", …]`` → ``{"jurisdiction": ["包头市"]}`` (repeat a name for several values)."""
    values: dict[str, list[str]] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip().lstrip("?")
        if not sep or not re.fullmatch(r"\w+", name):
            raise QueryError(f"--param takes NAME=VALUE, not {pair!r}")
        values.setdefault(name, []).append(value)
    return values


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
