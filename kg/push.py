"""``kg push``: upload every named graph to a triple store over HTTP.

Each named graph (one per report, plus the ontology) is sent as N-Triples with
an HTTP ``PUT {graph-store}?graph=<IRI>`` (SPARQL 1.1 Graph Store HTTP
Protocol), which replaces that graph: pushing again after a rebuild updates
the store without duplicating anything.  Afterwards the SPARQL endpoint is
asked how many triples each graph holds, and the counts are checked.

Graph Store URLs by server (``--graph-store``; derived from ``--endpoint`` when
the layout is recognised):

=================  ==================================  =====================================
server             --endpoint                          --graph-store
=================  ==================================  =====================================
Oxigraph           http://host:7878/query              http://host:7878/store
Apache Jena Fuseki http://host:3030/DS/query (/sparql) http://host:3030/DS/data
Virtuoso           http://host:8890/sparql             http://host:8890/sparql-graph-crud-auth
GraphDB / RDF4J    http://host:7200/repositories/R     http://host:7200/repositories/R/rdf-graphs/service
=================  ==================================  =====================================

Credentials may be written in the URL (``http://user:password@host/…``, sent
as HTTP Basic) or given as ``KG_PUSH_USER`` / ``KG_PUSH_PASSWORD``.
"""
from __future__ import annotations

import base64
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from .errors import InputNotFound, KgError
from .store import open_graph

TIMEOUT = 600  # seconds per request: a large graph on a busy server


class PushError(KgError):
    exit_code = 11  # "output cannot be written" (the remote store is the output)


def graph_store_url(endpoint: str) -> str:
    """The Graph Store Protocol URL that goes with a SPARQL query endpoint."""
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if path == "/query":  # Oxigraph
        new = "/store"
    elif path.startswith("/repositories/") and path.count("/") == 2:  # GraphDB, RDF4J
        new = path + "/rdf-graphs/service"
    elif path == "/sparql":  # Virtuoso
        new = "/sparql-graph-crud-auth"
    elif path.endswith(("/query", "/sparql")) and path.count("/") == 2:  # Fuseki: /DATASET/query
        new = path.rsplit("/", 1)[0] + "/data"
    else:
        raise PushError(f"cannot tell the Graph Store URL for {endpoint}; give --graph-store "
                        "(e.g. http://localhost:3030/DS/data for Fuseki)")
    return urlunsplit((parts.scheme, parts.netloc, new, "", ""))


def _auth(url: str) -> tuple[str, dict[str, str]]:
    """Strip user:password from a URL into an Authorization header."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PushError(f"{url}: not an http(s) URL")
    user, password = parts.username, parts.password
    if user is None and os.environ.get("KG_PUSH_USER"):
        user, password = os.environ["KG_PUSH_USER"], os.environ.get("KG_PUSH_PASSWORD", "")
    headers = {}
    if user is not None:
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), headers


def _request(method: str, url: str, headers: dict, data: bytes | None = None) -> bytes:
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.read()
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read(300).decode("utf-8", "replace").split())
        raise PushError(f"{method} {url}: HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as exc:
        raise PushError(f"{method} {url}: cannot connect ({exc.reason})") from None
    except (TimeoutError, ConnectionError) as exc:
        raise PushError(f"{method} {url}: {exc}") from None


def named_graphs(store: ox.Store) -> list[ox.NamedNode]:
    return sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)


def push(graph: str | Path, endpoint: str, graph_store: str | None = None, progress: bool | None = None,
         verify: bool = True) -> dict[str, int]:
    """PUT every named graph of ``graph`` to the store; returns {graph IRI: triples}."""
    src = Path(graph)
    if not src.exists():
        raise InputNotFound(f"{src}: no such file or directory")
    store = open_graph(src)
    gsp, headers = _auth(graph_store or graph_store_url(endpoint))
    graphs = named_graphs(store)
    # with named graphs, the default graph is their derived union (kg.store): not pushed
    default_n = 0 if graphs else sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    if not graphs and not default_n:
        raise PushError(f"{src}: nothing to push (no triples)")
    from tqdm import tqdm

    disable = (not sys.stderr.isatty()) if progress is None else not progress
    sent: dict[str, int] = {}
    targets: list[ox.NamedNode | ox.DefaultGraph] = list(graphs) + ([ox.DefaultGraph()] if default_n else [])
    with tqdm(total=len(targets), desc="kg push", unit="graph", disable=disable or len(targets) <= 1,
              file=sys.stderr) as bar:
        for g in targets:
            body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
            n = body.count(b"\n")
            sep = "&" if "?" in gsp else "?"
            url = gsp + sep + ("default" if isinstance(g, ox.DefaultGraph) else "graph=" + quote(g.value, safe=""))
            _request("PUT", url, {**headers, "Content-Type": "application/n-triples"}, body)
            sent["" if isinstance(g, ox.DefaultGraph) else g.value] = n
            bar.update(1)
    if verify and graphs:
        _verify(endpoint, {k: v for k, v in sent.items() if k})
    return sent


def _verify(endpoint: str, sent: dict[str, int]) -> None:
    """Ask the endpoint how many triples each pushed graph has; they must match."""
    url, headers = _auth(endpoint)
    values = " ".join(f"<{g}>" for g in sent)
    query = f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    body = urlencode({"query": query}).encode()
    raw = _request("POST", url, {**headers, "Content-Type": "application/x-www-form-urlencoded",
                                 "Accept": "application/sparql-results+json"}, body)
    try:
        rows = json.loads(raw)["results"]["bindings"]
        got = {r["g"]["value"]: int(r["n"]["value"]) for r in rows}
    except (ValueError, KeyError, TypeError):
        raise PushError(f"{endpoint}: unexpected answer to a SPARQL query (is this the query endpoint?)") from None
    wrong = [g for g, n in sent.items() if got.get(g, 0) != n]
    if wrong:
        g = wrong[0]
        raise PushError(f"{len(wrong)} graph(s) differ after the push, e.g. <{g}>: sent {sent[g]} triples, "
                        f"the endpoint has {got.get(g, 0)}")


def cli_push(args) -> int:
    sent = push(args.graph, args.endpoint, args.graph_store)
    total = sum(sent.values())
    named = sum(1 for g in sent if g)
    where = _auth(args.graph_store or graph_store_url(args.endpoint))[0]  # without credentials
    print(f"pushed {named} named graph(s), {total:,} triples to {where}"
          " (verified through the SPARQL endpoint)")
    return 0
