"""Corpus builds: many reports → named graphs → Turtle, N-Quads, store, HTML.

Each report is processed independently (in worker processes with
``jobs > 1``) into sorted N-Quads of its own named graph, cached under
``OUT/cache/`` by a hash of its bytes, name and the extractor version, so an
unchanged report is not processed again.  The outputs are then assembled:

* ``graph.nq``   – every named graph (concatenated in document order)
* ``graph.ttl``  – the union as Turtle (sorted, so byte-identical across runs)
* ``store/``     – a persistent Oxigraph store for ``kg query`` / ``kg serve``: the named
                   graphs, and their union (each triple once) as the default graph
* ``graph.html`` – the offline explorer
* ``manifest.json`` – per-document summary (for the next incremental build)

Every file is written atomically (temp file + rename).
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import heapq
import json
import os
import sys
import shutil
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import ingest
from .errors import KgError, NoReports, InputNotFound
from .graph import document_nquads
from .output import atomic_dir, atomic_path, write_text
from .pipeline import EXTRACTOR_VERSION, process_text
from .resources import code_fingerprint, ontology_file
from .store import TURTLE_PREFIXES

DEFAULT_SEEDS = Path("seeds")
# pyshacl needs ≈ 1 GB and minutes per 100k triples: a corpus build leaves SHACL to `kg validate`
VALIDATE_MAX_TRIPLES = 100_000
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
    warnings: list[str] = field(default_factory=list)

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
    lines = document_nquads(doc, EXTRACTOR_VERSION)
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


def _run_one(path: str, key: str, cache: str, max_bytes: int):
    """Worker task: process one report and write its cache entry (N-Quads + summary).

    Returns ``(path, summary, None)`` or ``(path, None, error message)``; only the
    small summary travels back to the parent, not the triples.
    """
    try:
        summary, nq = process_one(path, max_bytes)
    except KgError as exc:
        return path, None, str(exc)
    except MemoryError:
        return path, None, f"{path}: out of memory while processing this report"
    except Exception as exc:  # a bug in the extractor must not sink the whole corpus
        return path, None, f"{path}: internal error while processing ({type(exc).__name__}: {exc})"
    summary["key"] = key
    cdir = Path(cache)
    with atomic_path(cdir / f"{key}.nq") as tmp:
        tmp.write_text(nq, encoding="utf-8")
    write_text(cdir / f"{key}.json", json.dumps(summary, ensure_ascii=False, sort_keys=True))
    return path, summary, None


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
    seen_keys: set[str] = set()
    for f in files:
        try:
            key = cache_key(f)
        except OSError as exc:
            result.failed.append((str(f), f"{f}: cannot read ({exc.strerror})"))
            continue
        if key in seen_keys:  # the same file (same bytes, same name) given twice
            continue
        seen_keys.add(key)
        meta, nq = cache / f"{key}.json", cache / f"{key}.nq"
        summary = None
        if meta.exists() and nq.exists():
            try:
                summary = json.loads(meta.read_text(encoding="utf-8"))
                summary["key"] = key
                result.docs.append(DocResult(**summary, cached=True))
            except (ValueError, TypeError):  # a stale or damaged cache entry: rebuild it
                summary = None
        if summary is None:
            todo.append((f, key))

    _process(todo, cache, result, jobs, max_bytes, progress)

    result.failed.sort()  # workers finish in any order; outputs must not depend on it
    result.docs.sort(key=lambda d: (d.doc_id, d.key))
    unique, ids = [], set()
    for d in result.docs:  # one named graph per document id
        if d.doc_id not in ids:
            ids.add(d.doc_id)
            unique.append(d)
    result.docs = unique
    build_key = None
    if result.docs:
        nq_files = [_ontology_nq(cache)] + [cache / f"{d.key}.nq" for d in result.docs]
        build_key = _build_key(nq_files, html=html, validate=validate, store=store)
        previous = _previous_build(out, build_key, html=html, store=store)
        if previous is not None:  # same documents, same options, outputs in place: nothing to write
            result.triples = previous
        else:
            if (sys.stderr.isatty() if progress is None else progress) and len(result.docs) > 1:
                print(f"kg build: writing graph.nq, graph.ttl{', store/' if store else ''}"
                      f"{', graph.html' if html else ''} for {len(result.docs)} reports …", file=sys.stderr, flush=True)
            _write_outputs(out, nq_files, result, html=html, validate=validate, store=store)
    write_text(out / "manifest.json", json.dumps(
        {"extractor_version": EXTRACTOR_VERSION, "build_key": build_key, "triples": result.triples,
         # no run state ("cached") here: the manifest is byte-identical across runs
         "documents": [{k: v for k, v in d.__dict__.items() if k != "cached"} for d in result.docs],
         "failed": [{"source": s, "error": e} for s, e in result.failed]},
        ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    result.seconds = time.perf_counter() - t0
    if progress is not False:
        for w in result.warnings:
            print(f"kg: note: {w}", file=sys.stderr)
    return result


ONTOLOGY_GRAPH = "https://w3id.org/govkg/id/graph/ontology"


def _build_key(nq_files: list[Path], html: bool, validate: bool, store: bool) -> str:
    """What the assembled outputs depend on: the cached graphs (by name, i.e. content) and the options."""
    h = hashlib.sha256()
    for p in nq_files:
        h.update(p.name.encode() + b"\0")
    h.update(f"html={html} validate={validate} store={store}".encode())
    return h.hexdigest()[:20]


def _previous_build(out: Path, build_key: str, html: bool, store: bool) -> int | None:
    """The triple count of the last build if it had this key and its outputs are still there."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("build_key") != build_key:
        return None
    needed = ["graph.nq", "graph.ttl"] + (["graph.html"] if html else []) + (["store/CURRENT"] if store else [])
    if not all((out / n).exists() for n in needed):
        return None
    triples = manifest.get("triples")
    return triples if isinstance(triples, int) else None


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


def _process(todo: list[tuple[Path, str]], cache: Path, result: BuildResult, jobs: int | None,
             max_bytes: int, progress: bool | None) -> None:
    """Process the reports not in the cache, in ``jobs`` worker processes, with a progress bar."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    bar = _progress(len(todo), progress)
    tasks = [(str(f), key, str(cache), max_bytes) for f, key in todo]
    try:
        if jobs > 1 and len(tasks) > 1:
            with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), initializer=_worker_init) as pool:
                futures = {pool.submit(_run_one, *t): t[0] for t in tasks}
                for fut in as_completed(futures):
                    try:
                        _collect(result, *fut.result())
                    except BrokenProcessPool:
                        path = futures[fut]
                        result.failed.append((path, f"{path}: a worker process died while processing this "
                                                     "report (out of memory?); try --jobs 1"))
                    bar.update(1)
        else:
            if tasks:
                _worker_init()
            for t in tasks:
                _collect(result, *_run_one(*t))
                bar.update(1)
    finally:
        bar.close()


def _collect(result: BuildResult, path: str, summary: dict | None, err: str | None) -> None:
    if err is not None:
        result.failed.append((path, err))
    else:
        result.docs.append(DocResult(**summary))


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm

    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(total=total, desc="kg build", unit="report", disable=disable or total <= 1, file=sys.stderr)


def _merge_fanin() -> int:
    """Files open at once while merging: a quarter of the open-file limit, 64 … 1000."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft == resource.RLIM_INFINITY:
            soft = 4000
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        soft = 512
    return max(64, min(1000, soft // 4))


_MERGE_FANIN = _merge_fanin()


def _merged_triples(nq_files: list[Path]):
    """Sorted, de-duplicated N-Triples lines of the union of all named graphs.

    A streaming k-way merge of the per-document files (each sorted); with more
    files than ``_MERGE_FANIN`` it merges in rounds through temporary files, so
    memory and open files stay bounded however large the corpus.
    """
    tmpdir = None
    try:
        files = list(nq_files)
        strip = True
        while len(files) > _MERGE_FANIN:
            if tmpdir is None:
                tmpdir = Path(tempfile.mkdtemp(prefix=".merge.", dir=files[0].parent))
            merged = []
            for i in range(0, len(files), _MERGE_FANIN):
                part = tmpdir / f"{len(list(tmpdir.iterdir()))}.nt"
                with part.open("w", encoding="utf-8") as fh:
                    fh.writelines(_dedup(heapq.merge(*(_lines(p, strip) for p in files[i:i + _MERGE_FANIN]))))
                merged.append(part)
            files, strip = merged, False
        yield from _dedup(heapq.merge(*(_lines(p, strip) for p in files)))
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _lines(path: Path, strip: bool):
    if not strip:
        with path.open(encoding="utf-8") as fh:
            yield from fh
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            # drop the graph name: the last IRI before " ."
            head, _, _ = line[:-3].rpartition(" <")
            yield head + " .\n"


def _dedup(lines):
    last = None
    for line in lines:
        if line != last:
            yield line
            last = line


class _StoreLoader:
    """Builds the Oxigraph store in a thread: the named graphs at once, the union when it is merged."""

    def __init__(self, folder: Path, nquads: Path, union: Path):
        self._folder, self._nquads, self._union = folder, nquads, union
        self._ready = threading.Event()
        self._cancel = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kg-store-loader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            st = ox.Store(str(self._folder))
            st.bulk_load(path=str(self._nquads), format=ox.RdfFormat.N_QUADS)
            self._ready.wait()
            if self._cancel:
                return
            # the default graph is the union, each triple once (see kg.store)
            st.bulk_load(path=str(self._union), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
            # compact the bulk-loaded files: 2–4× faster queries on a 200-report store, for ≈ 3 s
            st.optimize()
            st.flush()
            del st
            gc.collect()
        except BaseException as exc:  # handed to the main thread by raise_error
            self._error = exc

    def union_ready(self) -> None:
        self._ready.set()

    def finish(self) -> None:
        """Wait for the thread; if the union never became ready, the build failed: stop early."""
        if not self._ready.is_set():
            self._cancel = True
            self._ready.set()
        self._thread.join()

    def raise_error(self) -> None:
        if self._error is not None:
            raise self._error


def _write_outputs(out: Path, nq_files: list[Path], result: BuildResult, html: bool, validate: bool, store: bool) -> None:
    """Assemble graph.nq, the sorted union, graph.ttl and the store, each atomically.

    The store loads in a background thread while this thread merges the union and
    writes Turtle: Oxigraph releases the GIL while it bulk-loads, so on two cores the
    assembly takes about as long as the store alone.  Only a graph that passed
    validation replaces the previous outputs: every file is renamed into place at
    the end, after the loader thread has finished.
    """
    with contextlib.ExitStack() as stack:
        nq_tmp = stack.enter_context(atomic_path(out / "graph.nq"))
        with nq_tmp.open("wb") as fh:
            for p in nq_files:
                with p.open("rb") as src:
                    shutil.copyfileobj(src, fh, 1 << 20)
        nt_tmp = stack.enter_context(atomic_path(out / "graph.nt.tmp"))
        loader = _StoreLoader(stack.enter_context(atomic_dir(out / "store")), nq_tmp, nt_tmp) if store else None
        try:
            with nt_tmp.open("w", encoding="utf-8") as fh:
                n = 0
                for line in _merged_triples(nq_files):
                    fh.write(line)
                    n += 1
            result.triples = n
            if validate and n <= VALIDATE_MAX_TRIPLES:
                from .validate import validate_file

                validate_file(nt_tmp, fmt="ntriples")
            elif validate:
                result.warnings.append(f"SHACL validation skipped: {n:,} triples is more than a build checks "
                                       f"({VALIDATE_MAX_TRIPLES:,}); run `kg validate {out}` to check the corpus")
            if loader:
                loader.union_ready()
            ttl_tmp = stack.enter_context(atomic_path(out / "graph.ttl"))
            ox.serialize(ox.parse(path=str(nt_tmp), format=ox.RdfFormat.N_TRIPLES), output=str(ttl_tmp),
                         format=ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)
        finally:
            if loader:
                loader.finish()  # never leave a thread writing into a folder that is being removed
        if loader:
            loader.raise_error()
    (out / "graph.nt.tmp").unlink(missing_ok=True)
    if html:
        from .viz import write_html

        write_html(out / "graph.ttl", out / "graph.html")
