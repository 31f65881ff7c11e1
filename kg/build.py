"""Corpus builds: many reports → named graphs → Turtle, N-Quads, store, HTML.

Each report is processed independently (in worker processes with
``jobs > 1``) into sorted N-Quads of its own named graph, cached under
``OUT/cache/`` by a hash of its bytes, name and the extractor version, so an
unchanged report is not processed again.  The outputs are then assembled:

* ``graph.nq``   – every named graph (concatenated in document order)
* ``graph.ttl``  – the union as Turtle (sorted, so byte-identical across runs)
* ``store/``     – a persistent Oxigraph store for ``kg query`` / ``kg serve``
* ``graph.html`` – the offline explorer
* ``manifest.json`` – per-document summary (for the next incremental build)

Every file is written atomically (temp file + rename).
"""
from __future__ import annotations

import gc
import hashlib
import heapq
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import ingest
from .errors import KgError, NoReports, InputNotFound
from .graph import document_graph, graph_iri, to_nquads
from .output import atomic_dir, atomic_path, write_text
from .pipeline import EXTRACTOR_VERSION, process_text
from .resources import code_fingerprint, ontology_file
from .store import TURTLE_PREFIXES

DEFAULT_SEEDS = Path("seeds")
DEFAULT_OUT = Path("out")


@dataclass
class DocResult:
    source: str
    doc_id: str
    key: str
    title: str
    jurisdiction: str | None
    year: int | None
    entities: dict
    relations: dict
    quantities: int
    triples: int
    cached: bool = False


@dataclass
class BuildResult:
    outdir: Path
    docs: list[DocResult] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    triples: int = 0

    def totals(self) -> tuple[dict, dict]:
        ents: dict[str, int] = {}
        rels: dict[str, int] = {}
        for d in self.docs:
            for k, v in d.entities.items():
                ents[k] = ents.get(k, 0) + v
            for k, v in d.relations.items():
                rels[k] = rels.get(k, 0) + v
        return ents, rels


def collect_inputs(inputs: list[str | Path]) -> list[Path]:
    """Expand folders into their report files; missing paths are errors."""
    if not inputs:
        inputs = [DEFAULT_SEEDS]
    files: list[Path] = []
    for raw in inputs:
        p = Path(raw)
        if not p.exists():
            raise InputNotFound(f"{p}: no such file or directory")
        if p.is_dir():
            found = sorted(x for x in p.rglob("*") if x.is_file() and x.suffix.lower() in ingest.REPORT_SUFFIXES and not x.name.startswith("."))
            if not found:
                raise NoReports(f"{p}: no report files (.txt, .html, .htm, .docx) in this folder")
            files.extend(found)
        else:
            files.append(p)
    seen, out = set(), []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            out.append(f)
    return out


def cache_key(path: Path) -> str:
    h = hashlib.sha256()
    h.update(path.read_bytes())
    h.update(b"\0" + path.name.encode() + b"\0" + EXTRACTOR_VERSION.encode() + code_fingerprint().encode())
    return h.hexdigest()[:20]


def process_one(path: str, max_bytes: int) -> tuple[dict, str]:
    """Worker: one report → (summary, sorted N-Quads text).  Raises KgError."""
    p = Path(path)
    text = ingest.read_text(p, max_bytes=max_bytes)
    doc = process_text(text, source=p.name)
    g = document_graph(doc, EXTRACTOR_VERSION)
    lines = to_nquads(g, graph_iri(doc.doc_id))
    ents: dict[str, int] = {}
    for e in doc.entities:
        ents[e.type] = ents.get(e.type, 0) + 1
    rels: dict[str, int] = {}
    for r in doc.relations:
        rels[r.kind] = rels.get(r.kind, 0) + 1
    summary = {
        "source": p.name,
        "doc_id": doc.doc_id,
        "title": doc.title,
        "jurisdiction": doc.jurisdiction,
        "year": doc.year,
        "entities": ents,
        "relations": rels,
        "quantities": len(doc.quantities),
        "triples": len(lines),
    }
    return summary, "".join(lines)


def _worker_init() -> None:
    from . import lexicon, segment

    lexicon.load()
    segment.tokenizer()


def _safe_process(args):
    path, max_bytes = args
    try:
        return path, process_one(path, max_bytes), None
    except KgError as exc:
        return path, None, str(exc)


def build(
    inputs: list[str | Path] | None = None,
    outdir: str | Path = DEFAULT_OUT,
    jobs: int | None = None,
    max_bytes: int = ingest.DEFAULT_MAX_BYTES,
    html: bool = True,
    validate: bool = True,
    progress: bool | None = None,
    store: bool = True,
) -> BuildResult:
    """Build the graph of every report in ``inputs`` into ``outdir``."""
    t0 = time.perf_counter()
    files = collect_inputs(list(inputs or []))
    out = Path(outdir)
    cache = out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    result = BuildResult(outdir=out)

    todo: list[tuple[Path, str]] = []
    cached: dict[str, tuple[dict, Path]] = {}
    for f in files:
        try:
            key = cache_key(f)
        except OSError as exc:
            result.failed.append((str(f), f"{f}: cannot read ({exc.strerror})"))
            continue
        meta, nq = cache / f"{key}.json", cache / f"{key}.nq"
        if meta.exists() and nq.exists():
            cached[str(f)] = (json.loads(meta.read_text(encoding="utf-8")), nq)
        else:
            todo.append((f, key))

    for summary, _ in cached.values():
        result.docs.append(DocResult(**summary, key="", cached=True) if "key" not in summary else DocResult(**summary, cached=True))

    jobs = max(1, jobs or os.cpu_count() or 1)
    bar = _progress(len(todo), progress)
    args = [(str(f), max_bytes) for f, _ in todo]
    keys = {str(f): k for f, k in todo}
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=_worker_init) as pool:
            results = pool.map(_safe_process, args, chunksize=1)
            for path, payload, err in results:
                _collect(result, cache, keys[path], path, payload, err)
                bar.update(1)
    else:
        for a in args:
            path, payload, err = _safe_process(a)
            _collect(result, cache, keys[path], path, payload, err)
            bar.update(1)
    bar.close()

    result.docs.sort(key=lambda d: d.doc_id)
    if result.docs:
        nq_files = [_ontology_nq(cache)] + [cache / f"{d.key}.nq" for d in result.docs]
        _write_outputs(out, nq_files, result, html=html, validate=validate, store=store)
    write_text(out / "manifest.json", json.dumps(
        {"extractor_version": EXTRACTOR_VERSION, "documents": [d.__dict__ for d in result.docs],
         "failed": [{"source": s, "error": e} for s, e in result.failed]},
        ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    result.seconds = time.perf_counter() - t0
    return result


ONTOLOGY_GRAPH = "https://w3id.org/govkg/id/graph/ontology"


def _ontology_nq(cache: Path) -> Path:
    """The ontology as sorted N-Quads in its own named graph, so queries can use it."""
    path = cache / f"ontology-{code_fingerprint()}.nq"
    if not path.exists():
        quads = ox.parse(path=str(ontology_file()), format=ox.RdfFormat.TURTLE)
        g = ox.NamedNode(ONTOLOGY_GRAPH)
        data = ox.serialize((ox.Quad(q.subject, q.predicate, q.object, g) for q in quads), format=ox.RdfFormat.N_QUADS)
        lines = sorted(set(data.decode("utf-8").splitlines(keepends=True)))
        with atomic_path(path) as tmp:
            tmp.write_text("".join(lines), encoding="utf-8")
    return path


def _collect(result: BuildResult, cache: Path, key: str, path: str, payload, err) -> None:
    if err is not None:
        result.failed.append((path, err))
        return
    summary, nq = payload
    summary["key"] = key
    with atomic_path(cache / f"{key}.nq") as tmp:
        tmp.write_text(nq, encoding="utf-8")
    write_text(cache / f"{key}.json", json.dumps(summary, ensure_ascii=False, sort_keys=True))
    result.docs.append(DocResult(**summary))


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm

    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(total=total, desc="kg build", unit="report", disable=disable or total <= 1, file=sys.stderr)


def _merged_triples(nq_files: list[Path]):
    """Sorted, de-duplicated N-Triples lines of the union of all named graphs."""
    def strip(path):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                # drop the graph name: the last IRI before " ."
                head, _, _ = line.rstrip("\n")[:-2].rpartition(" <")
                yield head + " .\n"

    last = None
    for line in heapq.merge(*(strip(p) for p in nq_files)):
        if line != last:
            yield line
            last = line


def _write_outputs(out: Path, nq_files: list[Path], result: BuildResult, html: bool, validate: bool, store: bool) -> None:
    with atomic_path(out / "graph.nq") as tmp:
        with tmp.open("w", encoding="utf-8") as fh:
            for p in nq_files:
                with p.open(encoding="utf-8") as src:
                    for line in src:
                        fh.write(line)
    with atomic_path(out / "graph.nt.tmp") as nt_tmp:
        n = 0
        with nt_tmp.open("w", encoding="utf-8") as fh:
            for line in _merged_triples(nq_files):
                fh.write(line)
                n += 1
        result.triples = n
        if validate:
            from .validate import validate_file

            validate_file(nt_tmp, fmt="ntriples")
        with atomic_path(out / "graph.ttl") as ttl_tmp:
            ox.serialize(ox.parse(path=str(nt_tmp), format=ox.RdfFormat.N_TRIPLES), output=str(ttl_tmp),
                         format=ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)
    (out / "graph.nt.tmp").unlink(missing_ok=True)
    if store:
        with atomic_dir(out / "store") as sdir:
            st = ox.Store(str(sdir))
            st.bulk_load(path=str(out / "graph.nq"), format=ox.RdfFormat.N_QUADS)
            st.flush()
            del st
            gc.collect()
    if html:
        from .viz import write_html

        write_html(out / "graph.ttl", out / "graph.html")
