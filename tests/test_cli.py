"""The CLI as users run it: build, query in every format, help text, errors."""
import json
import re
import subprocess
import sys

from .conftest import ROOT, SEED


def kg(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_help_lists_commands_and_exit_codes():
    r = kg("--help")
    assert r.returncode == 0
    for word in ("build", "query", "eval", "viz", "export", "serve", "push", "validate", "exit codes"):
        assert word in r.stdout


def test_query_formats(seed_build):
    out, _ = seed_build
    q = "SELECT ?l WHERE { ?e a kg:District ; rdfs:label ?l } ORDER BY ?l"
    table = kg("query", str(out), q)
    assert table.returncode == 0 and "包头市" in table.stdout and "rows)" in table.stdout
    js = json.loads(kg("query", str(out), q, "--format", "json").stdout)
    assert {"l": "包头市"} in js
    csv = kg("query", str(out / "graph.ttl"), q, "--format", "csv").stdout.splitlines()
    assert csv[0] == "l" and "包头市" in csv


def test_named_queries_run(seed_build):
    out, _ = seed_build
    for rq in sorted((ROOT / "queries").glob("*.rq")):
        r = kg("query", str(out), str(rq))
        assert r.returncode == 0, (rq.name, r.stderr)
        assert re.search(r"\(\d+ rows?\)", r.stdout), r.stdout


def test_counts_query_matches_build_summary(seed_build):
    out, res = seed_build
    r = kg("query", str(out), str(ROOT / "queries" / "counts_per_type.rq"), "--format", "json")
    counts = {row["type"]: int(row["entities"]) for row in json.loads(r.stdout)}
    ents, _ = res.totals()
    for t, n in ents.items():
        assert counts[t] >= n  # taxonomy parents add Industry nodes without mentions


def test_eval_prints_scores():
    r = kg("eval", "tests/data/baotou-2022.dev-gold.json", str(SEED))
    assert r.returncode == 0
    assert "ENTITIES" in r.stdout and "RELATIONS" in r.stdout and "QUANTITIES" in r.stdout


def test_malformed_query_is_one_line_error(seed_build):
    out, _ = seed_build
    r = kg("query", str(out), "SELEC ?x WHERE {")
    assert r.returncode == 10
    assert r.stderr.startswith("kg: error:") and "Traceback" not in r.stderr


def test_readme_sparql_example_prints_what_the_readme_says(seed_build):
    """The README's first query and its shown output agree (run against a fresh seed build)."""
    import re
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"```sh\n(kg query out .+?)\n```\n```text\n(.+?)```", readme, re.S)
    assert m, "README shows a kg query example followed by its output"
    args = shlex.split(m.group(1))[1:]
    out, _ = seed_build
    args[1] = str(out)
    r = kg(*args)
    assert r.returncode == 0, r.stderr
    assert r.stdout == m.group(2)
