"""``kg serve``: a SPARQL 1.1 Protocol endpoint over a built graph.

With the ``oxigraph`` package installed (``pip install oxigraph``) this runs
Oxigraph's own server on the build's ``store/``::

    oxigraph serve-read-only --location OUT/store --bind 127.0.0.1:7878

(``oxigraph serve`` with ``--writable``).  Without it, or with
``KG_SERVE_BACKEND=python``, a small threaded server over pyoxigraph answers
the same URLs:

* ``/query``  – SPARQL 1.1 Query (GET ``?query=``, POST form or ``application/sparql-query``)
* ``/update`` – SPARQL 1.1 Update (only with ``--writable``)
* ``/store``  – SPARQL 1.1 Graph Store HTTP Protocol (``?graph=IRI`` / ``?default``; writes only with ``--writable``)

Queries see the union of all named graphs as their default graph, as ``kg query`` does
(a kg build stores that union, each triple once, as the default graph; see kg.store).
It binds 127.0.0.1 unless ``--host`` says otherwise.
"""
from __future__ import annotations

import os
import shutil
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from .errors import InputNotFound, KgError
from .store import PREFIX_MAP, open_graph, query_options


class ServeError(KgError):
    exit_code = 2  # a usage problem: pick another --port / --host


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` CLI (PyPI package ``oxigraph``), next to this Python or on PATH."""
    cand = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if cand.is_file() and os.access(cand, os.X_OK):
        return str(cand)
    return shutil.which("oxigraph")


def store_dir(path: Path) -> Path | None:
    """The Oxigraph store folder of a build folder, if it has one."""
    for d in (path / "store", path):
        if d.is_dir() and (d / "CURRENT").exists():
            return d
    return None


def check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise ServeError(f"--port {port}: not a TCP port (1–65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"--host {host}: cannot resolve ({exc.strerror})") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror}); is another server running? "
                             "Choose another --port") from None


def oxigraph_command(binary: str, store: Path, host: str, port: int, writable: bool,
                     union_option: bool = False) -> list[str]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    cmd = [binary, "serve" if writable else "serve-read-only", "--location", str(store), "--bind", bind]
    return cmd + (["--union-default-graph"] if union_option else [])


# ---------------------------------------------------------------- pure-Python server
_RESULT_TYPES = [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/csv", ox.QueryResultsFormat.CSV),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ("application/json", ox.QueryResultsFormat.JSON),
]
_GRAPH_TYPES = [
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-quads", ox.RdfFormat.N_QUADS),
    ("application/trig", ox.RdfFormat.TRIG),
]


def _negotiate(accept: str, offers):
    """The first offer the Accept header allows (by q order), else the first offer."""
    prefs = []
    for i, part in enumerate((accept or "").split(",")):
        bits = [b.strip() for b in part.split(";")]
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if bits[0]:
            prefs.append((-q, i, bits[0].lower()))
    for _, _, mime in sorted(prefs):
        for offer in offers:
            if mime in (offer[0], "*/*") or (mime.endswith("/*") and offer[0].startswith(mime[:-1])):
                return offer
    return offers[0]


class _Handler(BaseHTTPRequestHandler):
    server_version = "kg-serve"
    protocol_version = "HTTP/1.1"

    store: ox.Store
    writable: bool

    def log_message(self, fmt, *args):  # quiet unless KG_SERVE_LOG is set
        if os.environ.get("KG_SERVE_LOG"):
            super().log_message(fmt, *args)

    # -------------------------------------------------------- plumbing
    def _send(self, status: int, body: bytes = b"", ctype: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, msg: str) -> None:
        self._send(status, (msg.rstrip() + "\n").encode("utf-8"))

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _params(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        return parts.path.rstrip("/") or "/", parse_qs(parts.query, keep_blank_values=True)

    # -------------------------------------------------------- routes
    def do_GET(self):
        path, params = self._params()
        if path == "/query":
            if "query" not in params:
                return self._error(400, "missing ?query=")
            return self._query(params["query"][0], params)
        if path == "/store":
            return self._gsp_get(params)
        if path == "/":
            return self._send(200, b"kg SPARQL endpoint: /query, /update, /store\n")
        self._error(404, f"no such endpoint {path}")

    do_HEAD = do_GET

    def do_POST(self):
        path, params = self._params()
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = self._body()
        if path in ("/query", "/update"):
            if ctype == "application/x-www-form-urlencoded":
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                for k, v in form.items():
                    params.setdefault(k, []).extend(v)
                key = "query" if path == "/query" else "update"
                if key not in form:
                    return self._error(400, f"missing {key}= in the form")
                text = form[key][0]
            elif ctype == ("application/sparql-query" if path == "/query" else "application/sparql-update"):
                text = body.decode("utf-8")
            else:
                return self._error(415, f"unsupported Content-Type {ctype!r}")
            return self._query(text, params) if path == "/query" else self._update(text)
        if path == "/store":
            return self._gsp_write(params, body, ctype, replace=False)
        self._error(404, f"no such endpoint {path}")

    def do_PUT(self):
        path, params = self._params()
        if path != "/store":
            return self._error(405, "PUT is only for /store")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        self._gsp_write(params, self._body(), ctype, replace=True)

    def do_DELETE(self):
        path, params = self._params()
        if path != "/store":
            return self._error(405, "DELETE is only for /store")
        if not self.writable:
            return self._error(403, "read-only endpoint (start kg serve with --writable)")
        graph = self._graph(params)
        if graph is None:
            return self._error(400, "give ?graph=IRI or ?default")
        if isinstance(graph, ox.NamedNode) and not self.store.contains_named_graph(graph):
            return self._error(404, "no such graph")
        self.store.clear_graph(graph)
        if isinstance(graph, ox.NamedNode):
            self.store.remove_graph(graph)
        self._send(204)

    # -------------------------------------------------------- SPARQL
    def _query(self, text: str, params: dict) -> None:
        kw = {"prefixes": PREFIX_MAP}
        if params.get("default-graph-uri"):
            kw["default_graph"] = [ox.NamedNode(u) for u in params["default-graph-uri"]]
        else:
            kw.update(query_options(self.store))
        if params.get("named-graph-uri"):
            kw["named_graphs"] = [ox.NamedNode(u) for u in params["named-graph-uri"]]
        try:
            res = self.store.query(text, **kw)
            accept = self.headers.get("Accept", "")
            if isinstance(res, ox.QueryTriples):
                mime, fmt = _negotiate(accept, _GRAPH_TYPES[:4])
            else:
                mime, fmt = _negotiate(accept, _RESULT_TYPES)
            body = res.serialize(format=fmt)
        except SyntaxError as exc:
            return self._error(400, f"malformed SPARQL: {exc}")
        except (OSError, ValueError) as exc:
            return self._error(500, f"query failed: {exc}")
        self._send(200, body, mime + ("; charset=utf-8" if mime.startswith("text/") else ""))

    def _update(self, text: str) -> None:
        if not self.writable:
            return self._error(403, "read-only endpoint (start kg serve with --writable)")
        try:
            self.store.update(text, prefixes=PREFIX_MAP)
        except SyntaxError as exc:
            return self._error(400, f"malformed SPARQL Update: {exc}")
        except (OSError, ValueError) as exc:
            return self._error(500, f"update failed: {exc}")
        self._send(204)

    # -------------------------------------------------------- Graph Store Protocol
    def _graph(self, params: dict):
        if "graph" in params:
            return ox.NamedNode(params["graph"][0])
        if "default" in params:
            return ox.DefaultGraph()
        return None

    def _gsp_get(self, params: dict) -> None:
        accept = self.headers.get("Accept", "")
        graph = self._graph(params)
        try:
            if graph is None:  # the whole dataset
                mime, fmt = _negotiate(accept, [t for t in _GRAPH_TYPES if t[1].supports_datasets])
                body = self.store.dump(format=fmt)
            else:
                if isinstance(graph, ox.NamedNode) and not self.store.contains_named_graph(graph):
                    return self._error(404, "no such graph")
                mime, fmt = _negotiate(accept, _GRAPH_TYPES[:4])
                body = self.store.dump(format=fmt, from_graph=graph)
        except ValueError as exc:
            return self._error(400, str(exc))
        self._send(200, body, mime)

    def _gsp_write(self, params: dict, body: bytes, ctype: str, replace: bool) -> None:
        if not self.writable:
            return self._error(403, "read-only endpoint (start kg serve with --writable)")
        graph = self._graph(params)
        fmt = ox.RdfFormat.from_media_type(ctype) if ctype else None
        if fmt is None:
            return self._error(415, f"unsupported Content-Type {ctype!r}")
        try:
            if graph is None:
                if not fmt.supports_datasets:
                    return self._error(400, "give ?graph=IRI or ?default, or send N-Quads/TriG")
                quads = list(ox.parse(body, format=fmt))
                if replace:
                    self.store.clear()
                self.store.extend(quads)
                return self._send(204)
            existed = isinstance(graph, ox.DefaultGraph) or self.store.contains_named_graph(graph)
            quads = [ox.Quad(t.subject, t.predicate, t.object, graph)
                     for t in ox.parse(body, format=fmt, without_named_graphs=True)]
            if replace and existed:
                self.store.clear_graph(graph)
            if isinstance(graph, ox.NamedNode):
                self.store.add_graph(graph)
            self.store.extend(quads)
        except SyntaxError as exc:
            return self._error(400, f"not valid RDF: {exc}")
        except (OSError, ValueError, RuntimeError) as exc:
            return self._error(500, f"write failed: {exc}")
        self._send(204 if existed else 201)


def make_server(store: ox.Store, host: str, port: int, writable: bool) -> ThreadingHTTPServer:
    """The pure-Python SPARQL server over ``store`` (call ``serve_forever``)."""
    handler = type("Handler", (_Handler,), {"store": store, "writable": writable})
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_cls = type("Server", (ThreadingHTTPServer,), {"address_family": family, "daemon_threads": True})
    return server_cls((host, port), handler)


def serve(graph: str | Path, host: str = "127.0.0.1", port: int = 7878, writable: bool = False,
          backend: str | None = None) -> None:
    """Serve ``graph`` until interrupted (``backend``: "oxigraph", "python" or None for the best available)."""
    src = Path(graph)
    if not src.exists():
        raise InputNotFound(f"{src}: no such file or directory")
    backend = backend or os.environ.get("KG_SERVE_BACKEND") or None
    sdir = store_dir(src) if src.is_dir() else None
    binary = oxigraph_binary() if backend != "python" and sdir is not None else None
    if backend == "oxigraph" and binary is None:
        raise ServeError("the oxigraph server is not installed (pip install oxigraph), or this is not a build folder with store/")
    check_port(host, port)
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    mode = "read-write" if writable else "read-only"
    notice = (f"kg: serving {src} ({mode}) at {base}/query  (SPARQL 1.1 Protocol; Graph Store: {base}/store)"
              + ("" if host in ("127.0.0.1", "localhost", "::1") else f"\nkg: warning: listening on {host}, not only localhost"))
    if binary is not None:
        print(notice + "\nkg: backend: oxigraph server; Ctrl-C to stop", file=sys.stderr, flush=True)
        probe = ox.Store.read_only(str(sdir))
        union_option = bool(query_options(probe))  # a store from an older build: no union default graph
        del probe
        cmd = oxigraph_command(binary, sdir, host, port, writable, union_option)
        if os.name == "posix":
            os.execv(binary, cmd)  # the server takes this process over: signals go straight to it
        import subprocess

        return subprocess.call(cmd)
    if writable and src.is_dir() and sdir is not None:
        store = ox.Store(str(sdir))
    else:
        store = open_graph(src)
    server = make_server(store, host, port, writable)
    print(notice + "\nkg: backend: pyoxigraph; Ctrl-C to stop", file=sys.stderr, flush=True)
    _stop_on_sigterm()
    try:
        server.serve_forever()
    finally:
        server.server_close()
        if writable:
            store.flush()


def _stop_on_sigterm() -> None:
    """SIGTERM stops the server like Ctrl-C does (closing the store cleanly)."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        pass


def cli_serve(args) -> int:
    serve(args.graph, host=args.host, port=args.port, writable=args.writable)
    return 0
