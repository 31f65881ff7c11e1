"""The ``kg`` command line.  Every command is documented with an example in the README.

Errors a user can cause print one line (``kg: error: …``) and exit with the
code listed by ``kg --help``; set ``KG_DEBUG=1`` to see a traceback instead.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import EXIT_CODES, KgError


def _epilog() -> str:
    lines = ["exit codes:"] + [f"  {code:>2}  {meaning}" for code, meaning in EXIT_CODES]
    lines += ["", "examples:", "  kg build                          # every report in seeds/ -> out/",
              "  kg query out queries/counts_per_type.rq",
              "  kg query out queries/projects_by_industry.rq --param jurisdiction=包头市",
              "  kg eval tests/data/baotou-2022.dev-gold.json seeds/baotou-2022.txt",
              "  kg viz out --focus 稀土产业 --depth 2 -o rare-earth.html",
              "  kg export out --format nquads -o corpus.nq",
              "  kg serve out --port 7878",
              "  kg validate out/graph.ttl"]
    return "\n".join(lines)


def make_parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(
        prog="kg",
        description="Build a knowledge graph (RDF) of enterprises, projects, industries and places from Chinese government work reports.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    b = sub.add_parser("build", help="build the graph of one or many reports",
                       description="Build graph.ttl, graph.nq, graph.html and an Oxigraph store/ from reports "
                                   "(.txt, .html, .docx). With no INPUT, builds every report in seeds/.")
    b.add_argument("inputs", nargs="*", metavar="INPUT", help="report files or folders (default: seeds/)")
    b.add_argument("-o", "--out", default="out", help="output folder (default: out/)")
    b.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    b.add_argument("--max-bytes", type=int, default=20 * 1024 * 1024, help="refuse reports larger than this (default 20 MiB)")
    b.add_argument("--no-html", action="store_true", help="do not write graph.html")
    b.add_argument("--no-validate", action="store_true", help="write the graph even if SHACL validation fails")
    b.add_argument("--no-store", action="store_true", help="do not build the Oxigraph store")
    b.add_argument("-q", "--quiet", action="store_true", help="no summary, no progress bar")
    b.set_defaults(func=cmd_build)

    q = sub.add_parser("query", help="run a SPARQL query and print a table",
                       description="Run SPARQL (a string or a .rq file) over a build folder (its Oxigraph store) "
                                   "or an RDF file. Prefixes kg:, kgd:, rdfs:, skos:, prov: … are predeclared.")
    q.add_argument("graph", help="build folder (e.g. out) or RDF file (.ttl, .nt, .nq, .trig, .jsonld)")
    q.add_argument("query", help="SPARQL text or a .rq file")
    q.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", default=[],
                   help="set a parameter of the query (its VALUES ?NAME {…} block), e.g. "
                        "--param jurisdiction=包头市; repeat for several values; the value * (quoted in the shell) "
                        "lifts the restriction")
    q.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    q.set_defaults(func=cmd_query)

    e = sub.add_parser("eval", help="score extraction against a gold annotation",
                       description="Precision, recall and F1 per entity type, per relation kind and for quantities. "
                                   "INPUT is a report (built on the fly) or a built graph; default: the report named by the gold file's neighbour in seeds/.")
    e.add_argument("gold", help="gold JSON (format in the README)")
    e.add_argument("input", nargs="?", help="report file, or built graph (folder / .ttl / .nq)")
    e.add_argument("--lines", help="line range of the report the gold covers, e.g. 1-50 (default: from the gold's 'lines')")
    e.add_argument("--detail", action="store_true", help="list misses and false positives")
    e.add_argument("--format", choices=["table", "json"], default="table")
    e.set_defaults(func=cmd_eval)

    v = sub.add_parser("viz", help="render a built graph as offline interactive HTML",
                       description="Interactive pyvis page with legend, search, type filter and provenance tooltips; no network access.")
    v.add_argument("graph", help="build folder or RDF file")
    v.add_argument("-o", "--out", default=None, help="output HTML (default: graph.html next to the input)")
    v.add_argument("--focus", help="label of an entity to centre on")
    v.add_argument("--depth", type=int, default=1, help="neighbourhood depth around --focus (default 1)")
    v.add_argument("--types", help="comma-separated entity types to show, e.g. Enterprise,Project,Industry")
    v.add_argument("--title", default=None, help="page heading")
    v.set_defaults(func=cmd_viz)

    x = sub.add_parser("export", help="export a built graph to an RDF format",
                       description="Stream the store to Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML (N-Quads and TriG keep the named graphs).")
    x.add_argument("graph", help="build folder or RDF file")
    x.add_argument("--format", required=True, choices=["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"])
    x.add_argument("-o", "--out", default=None, help="output file (default: OUT/export.<ext>)")
    x.set_defaults(func=cmd_export)

    s = sub.add_parser("serve", help="serve SPARQL 1.1 Protocol over HTTP",
                       description="Serve the store read-only at http://HOST:PORT/query (SPARQL 1.1 Protocol).")
    s.add_argument("graph", help="build folder")
    s.add_argument("--port", type=int, default=7878)
    s.add_argument("--host", default="127.0.0.1", help="bind address (default: localhost only)")
    s.add_argument("--writable", action="store_true", help="also accept SPARQL Update and Graph Store writes")
    s.set_defaults(func=cmd_serve)

    u = sub.add_parser("push", help="upload named graphs to a triple store",
                       description="Upload every named graph with the SPARQL 1.1 Graph Store HTTP Protocol (Oxigraph, Fuseki, Virtuoso, GraphDB).")
    u.add_argument("graph", help="build folder")
    u.add_argument("--endpoint", required=True, help="SPARQL endpoint URL, e.g. http://localhost:7878/query")
    u.add_argument("--graph-store", default=None, help="Graph Store endpoint (default: derived from --endpoint, e.g. …/store)")
    u.set_defaults(func=cmd_push)

    a = sub.add_parser("validate", help="check a graph against the SHACL shapes",
                       description="Run ontology/shapes.ttl (pyshacl) over a graph; exit 9 with a readable report if it fails.")
    a.add_argument("graph", help="build folder or RDF file")
    a.add_argument("--shapes", default=None, help="shapes file (default: ontology/shapes.ttl)")
    a.set_defaults(func=cmd_validate)

    o = sub.add_parser("ontology-doc", help="generate the ontology reference (Markdown) from ontology/kg.ttl")
    o.add_argument("-o", "--out", default="docs/ontology.md")
    o.add_argument("--graph", default=None, help="built graph to take example triples from (default: build the seed)")
    o.add_argument("--ontology", default=None, help="ontology file (default: ontology/kg.ttl)")
    o.set_defaults(func=cmd_ontology_doc)
    return p


# ---------------------------------------------------------------- commands
def cmd_build(args) -> int:
    from .build import build

    try:
        res = build(args.inputs, args.out, jobs=args.jobs, max_bytes=args.max_bytes, html=not args.no_html,
                    validate=not args.no_validate, progress=None if not args.quiet else False, store=not args.no_store)
    except OSError as exc:
        raise _output_error(exc, Path(args.out)) from None
    if not args.quiet and res.docs:
        print(format_summary(res))
    if res.failed and not res.docs:
        # every input failed: report the first file's own error code (main prints it)
        first = _first_error(res, args.max_bytes)
        for src, err in res.failed[1:]:
            print(f"kg: error: {err}", file=sys.stderr)
        raise first
    for src, err in res.failed:
        print(f"kg: error: {err}", file=sys.stderr)
    if res.failed:
        from .errors import SomeInputsFailed

        raise SomeInputsFailed(f"{len(res.failed)} of {len(res.failed) + len(res.docs)} reports failed: "
                               + ", ".join(Path(s).name for s, _ in res.failed))
    return 0


def _output_error(exc: OSError, out: Path) -> Exception:
    """An OSError on a path inside the output folder is an OutputError (exit 11); others stay bugs."""
    from .errors import OutputError

    name = Path(exc.filename) if exc.filename else None
    try:
        inside = name is not None and (name == out or name.resolve().is_relative_to(out.resolve()))
    except (OSError, ValueError):
        inside = False
    if not inside:
        return exc
    return OutputError(f"{out}: cannot write output ({exc.strerror or exc}: {name})")


def _first_error(res, max_bytes: int):
    from . import ingest

    src = res.failed[0][0]
    try:
        ingest.read_text(src, max_bytes=max_bytes)
    except KgError as exc:
        return exc
    return KgError(res.failed[0][1])


def format_summary(res) -> str:
    ents, rels = res.totals()
    n_cached = sum(1 for d in res.docs if d.cached)
    lines = [f"built {len(res.docs)} report(s) ({n_cached} unchanged, from cache) into {res.outdir}/ in {res.seconds:.2f} s"]
    lines.append("entities:  " + ", ".join(f"{k} {ents[k]}" for k in sorted(ents)) + f"  (total {sum(ents.values())})")
    lines.append("relations: " + ", ".join(f"{k} {rels[k]}" for k in sorted(rels)) + f"  (total {sum(rels.values())})")
    lines.append(f"quantities: {sum(d.quantities for d in res.docs)}   triples: {res.triples}")
    outs = [n for n in ("graph.ttl", "graph.nq", "graph.html", "store") if (res.outdir / n).exists()]
    lines.append("outputs:   " + ", ".join(str(res.outdir / n) for n in outs))
    return "\n".join(lines)


def cmd_query(args) -> int:
    from .query import bind_params, format_results, load_query, parameters, parse_param_args, run_query
    from .store import open_graph

    sparql = load_query(args.query)
    given = parse_param_args(args.param)
    if given:
        sparql = bind_params(sparql, given)
    store = open_graph(args.graph)
    res = run_query(store, sparql)
    print(format_results(res, args.format), end="")
    params = parameters(sparql)
    if not isinstance(res, bool) and not res[1] and params:
        # an empty answer is most often a parameter that names nothing in this graph
        used = "; ".join(f"{n} = {' '.join(v)}" for n, v in params.items())
        print(f"kg: note: no rows with the query's parameters ({used}); set them with --param NAME=VALUE "
              f"or NAME='*' for no restriction", file=sys.stderr)
    return 0


def cmd_eval(args) -> int:
    from .evaluate import main as eval_main

    return eval_main(args)


def cmd_viz(args) -> int:
    from .viz import cli_viz

    return cli_viz(args)


def cmd_export(args) -> int:
    from .export import cli_export

    return cli_export(args)


def cmd_serve(args) -> int:
    from .serve import cli_serve

    return cli_serve(args)


def cmd_push(args) -> int:
    from .push import cli_push

    return cli_push(args)


def cmd_validate(args) -> int:
    from .validate import cli_validate

    return cli_validate(args)


def cmd_ontology_doc(args) -> int:
    from .ontodoc import cli_ontology_doc

    return cli_ontology_doc(args)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except KgError as exc:
        print(f"kg: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # pragma: no cover - a bug, reported without a traceback
        if os.environ.get("KG_DEBUG"):
            raise
        print(f"kg: internal error: {type(exc).__name__}: {exc} (set KG_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
