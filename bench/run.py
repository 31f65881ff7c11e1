"""Corpus benchmark (not a test): build throughput, peak memory, query latency.

    .venv/bin/python bench/run.py                  # 200 reports, 2 jobs
    .venv/bin/python bench/run.py --reports 20 --jobs 2 --keep /tmp/bench

1. Generates N synthetic reports from ``seeds/baotou-2022.txt`` in a temporary
   folder: each variant moves the report to another prefecture-level city (its
   districts replace 包头's), swaps the enterprises the report names for other
   real enterprises from ``kg/data/enterprises.tsv`` or for generated company
   names, and scales every figure, so entities differ across reports while
   well-known enterprises and industries recur (and must resolve to one IRI).
2. Times bare ``jieba.lcut`` over the same texts in this process (one core).
3. Runs ``kg build DIR -o OUT --jobs J`` in a subprocess, sampling the resident
   memory of its whole process tree (parent + workers).
4. Times every query in ``queries/*.rq``: Oxigraph (the build's on-disk store)
   and rdflib in memory over the same union graph, in this run.

It prints each figure next to its target.  It takes several minutes for 200
reports (loading 3 M triples into rdflib alone takes a while).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.query import bind_params, parameters  # noqa: E402  (after the path: runs from a checkout)

SEED = ROOT / "seeds" / "baotou-2022.txt"
QUERIES = ROOT / "queries"

TARGET_THROUGHPUT_RATIO = 0.5
TARGET_BUILD_SECONDS = 90.0  # for 200 reports, 2 jobs
TARGET_PEAK_MB = 2048
TARGET_P50_MS = 50.0
TARGET_SPEEDUP = 20.0

# characters for generated company brand names (common in real trade names)
_BRAND = "瑞鑫华泰恒盛宏达众联凯信隆昌永丰兴源晟通宇鼎汇德诚嘉祥荣安邦远科创新博睿智航天翔云峰"
_KINDS = ["新能源", "新材料", "稀土科技", "硅业", "装备制造", "化工", "光电", "氢能", "物流", "数字科技"]
_FORMS = ["有限公司", "股份有限公司", "集团有限公司", "科技有限公司"]


# ---------------------------------------------------------------- synthetic corpus
def _seed_facts(text: str):
    """Enterprise surface forms in the seed (as the extractor finds them), and 包头's districts."""
    from kg import lexicon
    from kg.pipeline import process_text

    doc = process_text(text, source=SEED.name)
    surfaces = set()
    for e in doc.entities:
        if e.type == "Enterprise":
            for m in e.mentions:
                s = text[m.start:m.end]
                if len(s) >= 2:
                    surfaces.add(s)
    lex = lexicon.load()
    home = doc.jurisdiction_code or "150200000000"
    districts = sorted(d.name for d in lex.divisions.values()
                       if d.level == 3 and d.code.startswith(home[:4]) and d.name != "市辖区" and d.name in text)
    cities = sorted((d for d in lex.divisions.values() if d.level == 2 and d.name.endswith("市")
                     and d.code[:4] != home[:4]), key=lambda d: d.code)
    city_districts = {}
    for d in lex.divisions.values():
        if d.level == 3 and d.name != "市辖区":
            city_districts.setdefault(d.code[:4], []).append(d.name)
    home_name = lex.divisions[home].name if home in lex.divisions else "包头市"
    return sorted(surfaces, key=len, reverse=True), home_name, districts, cities, city_districts


def _lexicon_enterprises() -> list[tuple[str, list[str]]]:
    rows = []
    path = ROOT / "kg" / "data" / "enterprises.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("name\t"):
            continue
        cols = line.split("\t")
        shorts = [s for s in (cols[1].split("|") if len(cols) > 1 else []) if s]
        rows.append((cols[0], shorts))
    return rows


def _scale_number(m: re.Match, rng: random.Random) -> str:
    s = m.group(0)
    after = m.string[m.end():m.end() + 1]
    if after in "年月日号届期" or len(s) == 4 and s.startswith(("19", "20")):
        return s  # dates, ordinals, years: keep
    factor = rng.uniform(0.5, 1.6)
    if "." in s:
        places = len(s.split(".")[1])
        return f"{float(s) * factor:.{places}f}"
    v = max(1, round(int(s) * factor))
    return str(v)


def make_corpus(n: int, folder: Path, seed: int = 7) -> list[Path]:
    """Write ``n`` varied reports into ``folder``; returns their paths."""
    text = SEED.read_text(encoding="utf-8")
    surfaces, home_name, districts, cities, city_districts = _seed_facts(text)
    pool = _lexicon_enterprises()
    home_short = home_name[:-1] if home_name.endswith("市") else home_name
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    reports_of: dict[str, int] = {}
    for i in range(n):
        rng = random.Random(seed * 100003 + i)
        city = cities[rng.randrange(len(cities))]
        # a city drawn again gets an earlier year's report: one report per city and year
        back = reports_of.get(city.code, 0)
        reports_of[city.code] = back + 1
        short = city.name[:-1]
        # one placeholder per surface first, so replacements never re-match
        mapping = {}
        for s in surfaces:
            r = rng.random()
            if r < 0.35:
                continue  # keep: some enterprises recur across reports
            if r < 0.7 and pool:
                name, shorts = pool[rng.randrange(len(pool))]
                full = s.endswith(("公司", "集团"))
                mapping[s] = name if full or not shorts else rng.choice(shorts)
            else:
                brand = "".join(rng.sample(_BRAND, 2))
                mapping[s] = brand + (rng.choice(_KINDS) + rng.choice(_FORMS) if s.endswith(("公司", "集团")) else "")
        own = sorted(city_districts.get(city.code[:4], []))
        dmap = {d: own[j % len(own)] for j, d in enumerate(districts)} if own else {}
        out = text
        subs = list(mapping.items()) + list(dmap.items()) + [(home_name, city.name), (home_short, short)]
        for j, (old, _) in enumerate(subs):
            out = out.replace(old, f"\uE000{j}\uE001")
        for j, (_, new) in enumerate(subs):
            out = out.replace(f"\uE000{j}\uE001", new)
        if back:
            out = re.sub(r"(?<![\d.])(19\d\d|20[0-4]\d)(?=\s*年)", lambda m: str(int(m.group(1)) - back), out)
        out = re.sub(r"\d+(?:\.\d+)?", lambda m: _scale_number(m, rng), out)
        p = folder / f"report-{i:04d}-{city.code[:4]}.txt"
        p.write_text(out, encoding="utf-8")
        paths.append(p)
    return paths


# ---------------------------------------------------------------- measurements
def jieba_throughput(paths: list[Path]) -> tuple[float, int]:
    """Characters per second of bare ``jieba.lcut`` over the texts (dictionary load excluded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba
    import logging

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    texts = [p.read_text(encoding="utf-8") for p in paths]
    chars = sum(len(t) for t in texts)
    t0 = time.perf_counter()
    for t in texts:
        jieba.lcut(t)
    return chars / (time.perf_counter() - t0), chars


def pipeline_throughput(paths: list[Path], sample: int = 20) -> tuple[float, float]:
    """Characters per second of the pipeline on one core, and of bare ``jieba.lcut``, on the same texts.

    The pipeline is ``kg.build.process_one``: read, extract, resolve, relations,
    quantities and the report's sorted N-Quads, everything a build worker does for
    one report.  Lexicon and dictionaries are loaded first and one report is
    processed untimed, so both sides run warm; the texts are every k-th report, and
    each is timed through the pipeline and then through jieba, alternately.
    """
    import importlib
    import logging

    import jieba

    from kg import lexicon, segment

    build_mod = importlib.import_module("kg.build")
    jieba.setLogLevel(logging.WARNING)
    lexicon.load()
    segment.tokenizer()
    jieba.initialize()
    chosen = paths[:: max(1, len(paths) // sample)][:sample]
    texts = [p.read_text(encoding="utf-8") for p in chosen]
    chars = sum(len(t) for t in texts)
    build_mod.process_one(str(chosen[0]), 10**9)
    pipe = bare = 0.0
    for p, t in zip(chosen, texts):  # interleaved, so both see the same machine (a shared VM drifts)
        t0 = time.perf_counter()
        build_mod.process_one(str(p), 10**9)
        t1 = time.perf_counter()
        jieba.lcut(t)
        t2 = time.perf_counter()
        pipe += t1 - t0
        bare += t2 - t1
    return chars / pipe, chars / bare


class TreeMemory(threading.Thread):
    """Samples the summed RSS of a process and its children until stopped."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._halt = threading.Event()

    def run(self):
        import psutil

        while not self._halt.is_set():
            try:
                procs = [self.proc] + self.proc.children(recursive=True)
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                break
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()


def run_build(corpus: Path, out: Path, jobs: int, extra: list[str]) -> tuple[float, int, str]:
    cmd = [sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out), "--jobs", str(jobs), "-q", *extra]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    mon = TreeMemory(proc.pid)
    mon.start()
    stdout, stderr = proc.communicate()
    secs = time.perf_counter() - t0
    mon.stop()
    if proc.returncode not in (0, 12):
        sys.exit(f"bench: kg build failed ({proc.returncode}):\n{stderr}")
    return secs, mon.peak, stderr.strip()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    p50 = statistics.median(s)
    p95 = s[min(len(s) - 1, max(0, round(0.95 * (len(s) - 1))))]
    return p50, p95


def time_oxigraph(store_dir: Path, queries: dict[str, list[str]], runs: int, budget: float = 30.0) -> dict[str, tuple[float, float, int]]:
    """p50/p95 and median rows per query; run i uses variant i (one per jurisdiction), round robin."""
    import pyoxigraph as ox

    from kg.namespaces import PREFIXES
    from kg.store import query_options

    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    store = ox.Store.read_only(str(store_dir))
    opts = query_options(store)  # {}: the default graph is the union, as kg query uses it
    out = {}
    for name, variants in queries.items():
        times, rows = [], []
        spent = 0.0
        for i in range(-1, runs):
            q = variants[max(i, 0) % len(variants)]
            t0 = time.perf_counter()
            res = store.query(q, prefixes=prefixes, **opts)
            n = sum(1 for _ in res) if not isinstance(res, ox.QueryBoolean) else 1
            dt = time.perf_counter() - t0
            if i >= 0:  # run -1 warms the caches
                times.append(dt)
                rows.append(n)
                spent += dt
                if spent > budget and len(times) >= 5:
                    break  # a slow query: fewer samples
        out[name] = (*_percentiles(times), round(statistics.median(rows)), times, rows)
        print(f"  oxigraph {name}: p50 {out[name][0] * 1000:.1f} ms ({len(times)} runs)", file=sys.stderr, flush=True)
    return out


def load_rdflib(ttl: Path):
    """The union graph in rdflib's in-memory store (terms converted from Oxigraph's fast parser)."""
    import pyoxigraph as ox
    from rdflib import Graph, Literal, URIRef

    xsd_string = "http://www.w3.org/2001/XMLSchema#string"
    cache: dict = {}

    def conv(t):
        r = cache.get(t)
        if r is None:
            if isinstance(t, ox.NamedNode):
                r = URIRef(t.value)
            elif t.language:
                r = Literal(t.value, lang=t.language)
            elif t.datatype.value == xsd_string:
                r = Literal(t.value)
            else:
                r = Literal(t.value, datatype=URIRef(t.datatype.value))
            if len(cache) < 2_000_000:
                cache[t] = r
        return r

    g = Graph()
    g.addN((conv(q.subject), conv(q.predicate), conv(q.object), g)
           for q in ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE))
    return g


def _rdflib_child(g, variants: list[str], runs: int, budget: float, conn) -> None:
    from kg.namespaces import PREFIXES

    times, n, spent = [], 0, 0.0
    for i in range(runs):
        t0 = time.perf_counter()
        n = len(list(g.query(variants[i % len(variants)], initNs=dict(PREFIXES))))
        dt = time.perf_counter() - t0
        times.append(dt)
        spent += dt
        conn.send(("sample", dt, n))
        if spent > budget:
            break
    conn.send(("done", 0.0, n))


def time_rdflib(g, queries: dict[str, list[str]], runs: int, budget: float,
                timeout: float) -> dict[str, tuple[float, float, int, bool]]:
    """p50/p95 per query; each query runs in a forked child (sharing the loaded graph) that is
    stopped after ``timeout`` seconds: the result is then a lower bound (flag True)."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    out = {}
    for name, variants in queries.items():
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_rdflib_child, args=(g, variants, runs, budget, child), daemon=True)
        t0 = time.perf_counter()
        proc.start()
        child.close()
        times, n, cut = [], -1, False
        while True:
            left = timeout - (time.perf_counter() - t0)
            if left <= 0 or not parent.poll(left):
                cut = True
                break
            try:
                kind, dt, n = parent.recv()
            except EOFError:
                break
            if kind == "done":
                break
            times.append(dt)
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
        if not times:  # not even one run within the timeout
            times = [time.perf_counter() - t0]
        out[name] = (*_percentiles(times), n, cut and len(times) <= 1, len(times))
        mark = ">" if out[name][3] else ""
        print(f"  rdflib {name}: p50 {mark}{out[name][0] * 1000:.0f} ms ({len(times)} runs)", file=sys.stderr, flush=True)
    return out


def _reports_per_jurisdiction(manifest: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for d in manifest["documents"]:
        if d.get("jurisdiction"):
            counts[d["jurisdiction"]] = counts.get(d["jurisdiction"], 0) + 1
    return counts


def busiest_jurisdiction(manifest: dict) -> str:
    """The jurisdiction with the most reports in the build (ties: the first by name)."""
    counts = _reports_per_jurisdiction(manifest)
    return min(counts, key=lambda j: (-counts[j], j)) if counts else "*"


def jurisdiction_sample(manifest: dict, n: int) -> list[str]:
    """``n`` jurisdictions spread evenly over the corpus's (sorted by name), the busiest included.

    The timed runs of a scoped query go round these, as an analyst looking at one
    city after another would: the median is a typical city, p95 the busy ones.
    """
    counts = _reports_per_jurisdiction(manifest)
    if not counts:
        return ["*"]
    names = sorted(counts)
    step = max(1, len(names) // max(1, n))
    sample = names[::step][:n]
    busiest = busiest_jurisdiction(manifest)
    if busiest not in sample:
        sample[-1] = busiest
    return sample


def scoped(sparql: str, jurisdiction: str) -> str:
    """A named query with its ``jurisdiction`` parameter (if any) set, as ``kg query --param`` does."""
    if "jurisdiction" not in parameters(sparql):
        return sparql
    return bind_params(sparql, {"jurisdiction": [jurisdiction]})


def _ok(flag: bool) -> str:
    return "PASS" if flag else "FAIL"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=200, help="synthetic reports to generate (default 200)")
    ap.add_argument("--jobs", type=int, default=2, help="kg build --jobs (default 2)")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per query on Oxigraph (default 20)")
    ap.add_argument("--rdflib-runs", type=int, default=5, help="timed runs per query on rdflib (default 5)")
    ap.add_argument("--rdflib-budget", type=float, default=30.0, help="stop timing an rdflib query after this many seconds (default 30)")
    ap.add_argument("--rdflib-timeout", type=float, default=120.0,
                    help="give up an rdflib query after this many seconds: its time is then a lower bound (default 120)")
    ap.add_argument("--no-rdflib", action="store_true", help="skip the rdflib comparison")
    ap.add_argument("--keep", type=Path, default=None, help="keep corpus and build in this folder")
    args = ap.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus, out = work / "corpus", work / "out"
    try:
        if corpus.exists():
            shutil.rmtree(corpus)
        if out.exists():
            shutil.rmtree(out)
        print(f"kg bench: {args.reports} reports, --jobs {args.jobs}, cores {os.cpu_count()}, work dir {work}")
        t0 = time.perf_counter()
        paths = make_corpus(args.reports, corpus)
        print(f"generated corpus in {time.perf_counter() - t0:.1f} s")

        jieba_cps, chars = jieba_throughput(paths)
        pipe_cps, pipe_jieba_cps = pipeline_throughput(paths)
        print(f"corpus: {len(paths)} reports, {chars:,} characters")

        print("building …", file=sys.stderr, flush=True)
        secs, peak, _ = run_build(corpus, out, args.jobs, ["--no-html"])
        build_cps = chars / secs
        import json

        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        triples = sum(1 for _ in (out / "graph.nq").open(encoding="utf-8"))
        docs = len(manifest["documents"])
        # a rebuild with nothing changed: every report comes from the cache
        secs2, _, _ = run_build(corpus, out, args.jobs, ["--no-html"])

        named = {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES.glob("*.rq"))}
        sample = jurisdiction_sample(manifest, args.runs)
        queries = {n: [scoped(q, j) for j in sample] for n, q in named.items()}
        ox_t = time_oxigraph(out / "store", queries, args.runs)
        wide = {n: [scoped(q, "*")] for n, q in named.items() if parameters(q).get("jurisdiction")}
        print("  … and corpus-wide (jurisdiction='*'), for information", file=sys.stderr, flush=True)
        ox_wide = time_oxigraph(out / "store", wide, min(args.runs, 5), budget=10.0)
        rd_t = {}
        rd_load = None
        if not args.no_rdflib and queries:
            t0 = time.perf_counter()
            print("loading the union graph into rdflib …", file=sys.stderr, flush=True)
            g = load_rdflib(out / "graph.ttl")
            rd_load = time.perf_counter() - t0
            rd_t = time_rdflib(g, queries, args.rdflib_runs, args.rdflib_budget, args.rdflib_timeout)
            rd_triples = len(g)
            del g

        print()
        print("== build ==")
        print(f"documents built:            {docs} ({len(manifest['failed'])} failed), {triples:,} quads in graph.nq")
        print(f"build wall time:            {secs:.1f} s  (rebuild, all cached: {secs2:.1f} s)")
        target_secs = TARGET_BUILD_SECONDS * args.reports / 200
        print(f"  target ≤ {target_secs:.0f} s for {args.reports} reports with 2 jobs:  "
              f"{_ok(secs <= target_secs) if args.jobs == 2 else 'n/a (--jobs is not 2)'}")
        print(f"build throughput:           {build_cps:,.0f} chars/s  (whole build, {args.jobs} jobs, incl. store + Turtle)")
        print(f"bare jieba.lcut:            {jieba_cps:,.0f} chars/s  (1 core, same texts)")
        ratio = build_cps / jieba_cps
        print(f"  ratio {ratio:.2f}, target ≥ {TARGET_THROUGHPUT_RATIO}:  {_ok(ratio >= TARGET_THROUGHPUT_RATIO)}"
              f"   (per build core: {build_cps / args.jobs:,.0f} chars/s, ratio {ratio / args.jobs:.2f})")
        pratio = pipe_cps / pipe_jieba_cps
        print(f"pipeline, one core:         {pipe_cps:,.0f} chars/s  (process_one: text → the report's N-Quads) "
              f"vs bare jieba.lcut {pipe_jieba_cps:,.0f} chars/s on the same 20 reports")
        print(f"  ratio {pratio:.2f}, target ≥ {TARGET_THROUGHPUT_RATIO} (the pipeline costs at most twice a "
              f"segmentation pass):  {_ok(pratio >= TARGET_THROUGHPUT_RATIO)}")
        print(f"peak memory (build tree):   {peak / 2**20:,.0f} MB   target ≤ {TARGET_PEAK_MB} MB:  {_ok(peak / 2**20 <= TARGET_PEAK_MB)}")
        print()
        print("== queries (union of all named graphs) ==")
        per = _reports_per_jurisdiction(manifest)
        print(f"named queries as shipped; run i sets the jurisdiction parameter to the i-th of {len(sample)} "
              f"jurisdictions spread over the corpus's {len(per)} (reports each: "
              f"{min(per[j] for j in sample)}–{max(per[j] for j in sample)}; the busiest, {busiest_jurisdiction(manifest)}, "
              f"has {max(per.values())} and is among them); rows: median per run")
        if rd_load is not None:
            print(f"rdflib in-memory: {rd_triples:,} triples, loaded in {rd_load:.1f} s")
        hdr = f"{'query':30} {'rows':>6} {'oxigraph p50':>13} {'p95':>9} {'rdflib p50':>11} {'p95':>9} {'speed-up':>9}  p50≤{TARGET_P50_MS:.0f}ms  ≥{TARGET_SPEEDUP:.0f}×"
        print(hdr)
        for name in queries:
            o50, o95, n, o_times, o_rows = ox_t[name]
            line = f"{name:30} {n:6d} {o50 * 1000:11.1f}ms {o95 * 1000:7.1f}ms"
            if name in rd_t:
                r50, r95, rn, lower, r_runs = rd_t[name]
                # the speed-up compares the same jurisdictions: rdflib's runs went round the first r_runs
                same = statistics.median(o_times[:max(1, r_runs)])
                speed = r50 / same if same > 0 else float("inf")
                gt = ">" if lower else " "
                line += f" {gt}{r50 * 1000:8.0f}ms {r95 * 1000:7.0f}ms {gt}{speed:7.0f}×"
                line += f"  {_ok(o50 * 1000 <= TARGET_P50_MS):8} {_ok(speed >= TARGET_SPEEDUP)}"
                if lower:
                    line += "  (rdflib stopped at the timeout)"
                elif rn != o_rows[max(0, r_runs - 1) % len(o_rows)]:
                    line += f"  (rdflib rows {rn}, not the same answer!)"
            else:
                line += f"{'':39}  {_ok(o50 * 1000 <= TARGET_P50_MS):8}"
            print(line)
        if not queries:
            print("(no queries in queries/)")
        if wide:
            print()
            print("for information, not a target: the same queries over every report (--param jurisdiction='*'), Oxigraph")
            for name, (w50, w95, wn, _, _) in ox_wide.items():
                print(f"{name:30} {wn:6d} {w50 * 1000:11.1f}ms {w95 * 1000:7.1f}ms")
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
