"""``kg serve`` and ``kg push`` against real servers on 127.0.0.1 (free ports, always stopped)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest

from kg.cli import main
from kg.push import graph_store_url
from kg.serve import oxigraph_binary

sys.path.insert(0, str(Path(__file__).parent))
from test_store import G1, G2, build_dir  # noqa: E402,F401  (fixture)

HOST = "127.0.0.1"
needs_oxigraph = pytest.mark.skipif(oxigraph_binary() is None, reason="oxigraph server not installed (pip install oxigraph)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http(method: str, url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(proc: subprocess.Popen, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {proc.stderr.read().decode(errors='replace')}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr:
        proc.stderr.close()


def start(args: list[str], env_extra: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def sparql(endpoint: str, q: str) -> list[dict]:
    status, body = http("POST", endpoint, urlencode({"query": q}).encode(),
                        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    assert status == 200, body
    return json.loads(body)["results"]["bindings"]


def graph_counts(endpoint: str) -> dict[str, int]:
    rows = sparql(endpoint, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def serve_cmd(folder: Path, port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "kg", "serve", str(folder), "--port", str(port), *extra]


def check_read_only_endpoint(base: str) -> None:
    # GET with ?query= (SPARQL 1.1 Protocol), union default graph
    q = quote("SELECT (COUNT(*) AS ?n) WHERE { ?e a <https://w3id.org/govkg/ontology#Enterprise> }")
    status, body = http("GET", f"{base}/query?query={q}", headers={"Accept": "application/sparql-results+json"})
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "2"  # the union: each triple once
    # POST application/sparql-query, CSV results
    status, body = http("POST", f"{base}/query", b"SELECT ?g WHERE { GRAPH ?g {} } ORDER BY ?g",
                        {"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 200 and body.decode().split() == ["g", G1, G2]
    assert graph_counts(f"{base}/query") == {G1: 2, G2: 3}
    # read-only: updates are refused
    status, _ = http("POST", f"{base}/update", b"CLEAR ALL", {"Content-Type": "application/sparql-update"})
    assert status in (401, 403, 404, 405)
    assert graph_counts(f"{base}/query") == {G1: 2, G2: 3}


@needs_oxigraph
def test_serve_with_oxigraph_server(build_dir):  # noqa: F811
    port = free_port()
    proc = start(serve_cmd(build_dir, port))
    try:
        wait_ready(proc, port)
        check_read_only_endpoint(f"http://{HOST}:{port}")
    finally:
        stop(proc)


def test_serve_with_python_backend(build_dir):  # noqa: F811
    port = free_port()
    proc = start(serve_cmd(build_dir, port), {"KG_SERVE_BACKEND": "python"})
    try:
        wait_ready(proc, port)
        base = f"http://{HOST}:{port}"
        check_read_only_endpoint(base)
        status, body = http("GET", f"{base}/store?graph={quote(G1, safe='')}", headers={"Accept": "application/n-triples"})
        assert status == 200 and len(body.decode().splitlines()) == 2
        status, body = http("GET", f"{base}/query?query={quote('SELEC nothing')}")
        assert status == 400
    finally:
        stop(proc)


def test_serve_writable_python_backend(build_dir):  # noqa: F811
    port = free_port()
    proc = start(serve_cmd(build_dir, port, "--writable"), {"KG_SERVE_BACKEND": "python"})
    try:
        wait_ready(proc, port)
        base = f"http://{HOST}:{port}"
        status, _ = http("POST", f"{base}/update", f"CLEAR GRAPH <{G1}>".encode(), {"Content-Type": "application/sparql-update"})
        assert status == 204
        assert graph_counts(f"{base}/query") == {G2: 3}
    finally:
        stop(proc)


def test_serve_refuses_a_busy_port(build_dir):  # noqa: F811
    with socket.socket() as s:
        s.bind((HOST, 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run(serve_cmd(build_dir, port), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "cannot listen" in proc.stderr and "Traceback" not in proc.stderr


def test_serve_missing_folder(tmp_path, capsys):
    assert main(["serve", str(tmp_path / "nope"), "--port", str(free_port())]) == 3


@needs_oxigraph
def test_push_to_oxigraph_server(build_dir, tmp_path, capsys):  # noqa: F811
    port = free_port()
    proc = start([oxigraph_binary(), "serve", "--location", str(tmp_path / "remote"), "--bind", f"{HOST}:{port}"])
    try:
        wait_ready(proc, port)
        endpoint = f"http://{HOST}:{port}/query"
        # something already in the remote store stays; a pushed graph is replaced, not duplicated
        http("POST", f"http://{HOST}:{port}/update",
             f"INSERT DATA {{ GRAPH <{G1}> {{ <urn:x> <urn:y> <urn:z> }} GRAPH <urn:other> {{ <urn:x> <urn:y> <urn:z> }} }}".encode(),
             {"Content-Type": "application/sparql-update"})
        assert main(["push", str(build_dir), "--endpoint", endpoint]) == 0
        assert "pushed 2 named graph(s), 5 triples" in capsys.readouterr().out
        assert main(["push", str(build_dir), "--endpoint", endpoint,
                     "--graph-store", f"http://{HOST}:{port}/store"]) == 0
        assert graph_counts(endpoint) == {G1: 2, G2: 3, "urn:other": 1}
        # the data arrived intact: same quads as the local store
        status, body = http("GET", f"http://{HOST}:{port}/store?graph={quote(G2, safe='')}",
                            headers={"Accept": "application/n-triples"})
        remote = set(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        local = set(ox.parse((build_dir / "graph.nq").read_bytes(), format=ox.RdfFormat.N_QUADS))
        assert {(t.subject, t.predicate, t.object) for t in remote} == \
            {(q.subject, q.predicate, q.object) for q in local if q.graph_name.value == G2}
    finally:
        stop(proc)


def test_push_to_python_server(build_dir, tmp_path):  # noqa: F811
    port = free_port()
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "graph.nq").write_text("", encoding="utf-8")
    proc = start(serve_cmd(empty, port, "--writable"), {"KG_SERVE_BACKEND": "python"})
    try:
        wait_ready(proc, port)
        endpoint = f"http://{HOST}:{port}/query"
        assert main(["push", str(build_dir), "--endpoint", endpoint]) == 0
        assert graph_counts(endpoint) == {G1: 2, G2: 3}
    finally:
        stop(proc)


def test_push_errors(build_dir, capsys):  # noqa: F811
    port = free_port()  # nothing listens there
    assert main(["push", str(build_dir), "--endpoint", f"http://{HOST}:{port}/query"]) == 11
    assert "cannot connect" in capsys.readouterr().err
    assert main(["push", str(build_dir), "--endpoint", f"http://{HOST}:{port}/weird/path/x"]) == 11
    assert "--graph-store" in capsys.readouterr().err


def test_graph_store_urls():
    assert graph_store_url("http://h:7878/query") == "http://h:7878/store"
    assert graph_store_url("http://h:3030/ds/query") == "http://h:3030/ds/data"
    assert graph_store_url("http://h:3030/ds/sparql") == "http://h:3030/ds/data"
    assert graph_store_url("http://h:8890/sparql") == "http://h:8890/sparql-graph-crud-auth"
    assert graph_store_url("http://h:7200/repositories/gov") == "http://h:7200/repositories/gov/rdf-graphs/service"
