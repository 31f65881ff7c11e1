"""Issue 8: bad input, validation, atomic outputs, interrupted builds, SPARQL errors.

The CLI runs in a subprocess (``python -m kg``) exactly as a user runs it: every
bad input must give a distinct exit code and one ``kg: error:`` line on
stderr, never a traceback.  Bad-input files are generated here, not stored.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg import errors

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "baotou-2022.txt"
OUTPUTS = ("graph.ttl", "graph.nq", "graph.html")


def kg(*args, cwd=None, timeout=300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("KG_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], cwd=cwd or ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_clean_error(proc, code: int, *fragments: str) -> str:
    """Exit ``code``, exactly one stderr line ``kg: error: …``, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("kg: error: "), lines[0]
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    return lines[0]


# ---------------------------------------------------------------- bad inputs
GOOD = "2022年包头市政府工作报告\n加快发展稀土产业，建设包头稀土高新区。\n"


def _bad_inputs(folder: Path) -> dict[str, tuple[Path, int, str]]:
    """name → (path, expected exit code, fragment of the message)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(" \r\n\u3000\n".encode("utf-8"))
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "png.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(64))
    # neither UTF-8 nor GB18030 (0xFF never starts a GB18030 sequence), no BOM, not binary-looking
    (folder / "undecodable.txt").write_bytes("包头市稀土产业".encode("utf-8") + b"\xff\xfe\xfd" + b"abc" * 20)
    (folder / "bad-utf16.txt").write_bytes(b"\xff\xfe" + "包头".encode("utf-16-le") + b"\x00")  # odd length
    (folder / "bad-bom8.txt").write_bytes(b"\xef\xbb\xbf" + b"\xc3\x28 abc")
    (folder / "corrupt.docx").write_bytes(b"PK\x03\x04 this is not a zip archive")
    (folder / "empty.html").write_text("<html><body><script>alert(1)</script><p> </p></body></html>", encoding="utf-8")
    big = folder / "big.txt"
    big.write_text(GOOD * 50, encoding="utf-8")
    return {
        "missing": (folder / "no-such-report.txt", 3, "no such file"),
        "empty": (folder / "empty.txt", 5, "empty report"),
        "whitespace only": (folder / "blank.txt", 5, "empty report"),
        "empty after HTML stripping": (folder / "empty.html", 5, "empty report"),
        "binary": (folder / "binary.txt", 6, "binary"),
        "binary (PNG)": (folder / "png.txt", 6, "binary"),
        "undecodable": (folder / "undecodable.txt", 7, "cannot decode"),
        "truncated UTF-16": (folder / "bad-utf16.txt", 7, "utf-16"),
        "invalid UTF-8 after BOM": (folder / "bad-bom8.txt", 7, "utf-8"),
        "corrupt .docx": (folder / "corrupt.docx", 7, ".docx"),
        "too large": (big, 8, "--max-bytes"),
    }


BAD_CASES = ["missing", "empty", "whitespace only", "empty after HTML stripping", "binary", "binary (PNG)",
             "undecodable", "truncated UTF-16", "invalid UTF-8 after BOM", "corrupt .docx", "too large"]


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    return folder, _bad_inputs(folder / "in")


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_gives_one_line_and_its_exit_code(bad_dir, case, tmp_path):
    _, cases = bad_dir
    path, code, fragment = cases[case]
    extra = ["--max-bytes", "1000"] if case == "too large" else []
    proc = kg("build", path, "-o", tmp_path / "out", "-q", "-j", "1", *extra)
    line = assert_clean_error(proc, code, fragment)
    assert path.name in line
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_folder_without_reports(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "docs" / ".hidden.txt").write_text(GOOD, encoding="utf-8")
    proc = kg("build", tmp_path / "docs", "-o", tmp_path / "out", "-q")
    assert_clean_error(proc, 4, "no report files")


def test_unwritable_output_folder(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(GOOD, encoding="utf-8")
    (tmp_path / "a-file").write_text("not a folder")
    proc = kg("build", report, "-o", tmp_path / "a-file" / "out", "-q", "-j", "1")
    assert_clean_error(proc, 11, "cannot write output")


def test_exit_codes_are_distinct_and_listed_in_help():
    codes = [c for c, _ in errors.EXIT_CODES]
    assert len(codes) == len(set(codes))
    help_text = kg("--help").stdout
    for code, meaning in errors.EXIT_CODES:
        assert f"{code:>2}  {meaning}" in help_text


def test_corpus_build_skips_bad_files_names_them_and_exits_12(bad_dir, tmp_path):
    _, cases = bad_dir
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    for case in ("empty", "binary", "undecodable", "corrupt .docx"):
        shutil.copy(cases[case][0], corpus / cases[case][0].name)
    proc = kg("build", corpus, "-o", tmp_path / "out", "-q", "-j", "1")
    assert proc.returncode == 12, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert all(ln.startswith("kg: error: ") for ln in lines), lines
    names = ("empty.txt", "binary.txt", "undecodable.txt", "corrupt.docx")
    for name in names:
        assert any(name in ln for ln in lines[:-1]), name
    assert lines[-1].startswith("kg: error: 4 of 5 reports failed")
    assert all(n in lines[-1] for n in names)
    # the good report was built
    ttl = (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    assert "包头" in ttl


def test_every_input_failing_reports_each_and_exits_with_a_file_code(bad_dir, tmp_path):
    _, cases = bad_dir
    proc = kg("build", cases["empty"][0], cases["binary"][0], "-o", tmp_path / "out", "-q", "-j", "1")
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and all(ln.startswith("kg: error: ") for ln in lines)
    assert "Traceback" not in proc.stderr
    assert any("empty.txt: empty report" in ln for ln in lines) and any("binary.txt: binary" in ln for ln in lines)
    # the exit code is that of the first failed report (in build order), whose line comes last
    assert proc.returncode == (5 if "empty.txt" in lines[-1] else 6)


# ---------------------------------------------------------------- accepted formats
def test_encodings_html_and_docx_are_accepted(tmp_path):
    from kg import ingest

    text = "2022年包头市政府工作报告\n加快发展稀土产业，建设包头稀土高新区。"
    files = {
        "utf8.txt": text.encode("utf-8"),
        "utf8bom.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf16le.txt": text.encode("utf-16"),  # with BOM
        "utf16be.txt": b"\xfe\xff" + text.encode("utf-16-be"),
        "gb18030.txt": text.encode("gb18030"),
        "crlf.txt": text.replace("\n", "\r\n").encode("utf-8"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        got = ingest.read_text(tmp_path / name)
        assert got.replace("\r\n", "\n") == text, name
    html = ("<!DOCTYPE html><html><head><title>2022年包头市政府工作报告</title><style>p{color:red}</style>"
            "<script>var x = '<p>不是正文</p>';</script></head><body><p>加快发展<b>稀土</b>产业，"
            "建设包头稀土高新区。</p><!-- 注释 --><p>A &amp; B</p></body></html>")
    (tmp_path / "r.html").write_text(html, encoding="utf-8")
    got = ingest.read_text(tmp_path / "r.html")
    assert "加快发展稀土产业，建设包头稀土高新区。" in got and "A & B" in got
    assert "<" not in got and "不是正文" not in got and "注释" not in got and "color" not in got

    import docx

    d = docx.Document()
    for line in text.splitlines():
        d.add_paragraph(line)
    d.save(tmp_path / "r.docx")
    assert ingest.read_text(tmp_path / "r.docx") == text


def test_html_and_docx_build_from_the_cli(tmp_path):
    import docx

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.html").write_text(f"<html><body><p>{GOOD}</p><script>alert('<b>')</script></body></html>", encoding="utf-8")
    d = docx.Document()
    d.add_paragraph("2022年鄂尔多斯市政府工作报告")
    d.add_paragraph("加快发展光伏产业。")
    d.save(folder / "b.docx")
    proc = kg("build", folder, "-o", tmp_path / "out", "-q", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    ttl = (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    assert "a.html" in ttl and "b.docx" in ttl and "alert" not in ttl


# ---------------------------------------------------------------- validation
def test_validate_passes_on_the_seed_graph(seed_build):
    out, _ = seed_build
    t0 = time.perf_counter()
    proc = kg("validate", out / "graph.ttl")
    secs = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "valid" in proc.stdout and proc.stderr == ""
    assert secs < 30  # ≈ 2–4 s; generous for slow CI machines
    assert kg("validate", out).returncode == 0  # a build folder works too


def _break(ttl: str) -> str:
    """Hand-break a graph: a label-less entity, a wrong range, an offset past its sentence, a bad kind."""
    lines = ttl.splitlines(keepends=True)
    return "".join(lines) + """
<https://w3id.org/govkg/id/enterprise/无名公司> a kg:Enterprise .
<https://w3id.org/govkg/id/project/测试项目> a kg:Project ; rdfs:label "测试项目"@zh , "another"@zh ;
    kg:undertakenBy <https://w3id.org/govkg/id/industry/稀土产业> .
<https://w3id.org/govkg/id/typo/某物> rdfs:label "某物"@zh ; a kg:Enterprize .
<https://w3id.org/govkg/id/doc/x/m/5-3-Zone> a kg:Mention ; kg:refersTo <https://w3id.org/govkg/id/enterprise/无名公司> ;
    kg:startOffset 5 ; kg:endOffset 3 ; kg:exact "ab"@zh .
<https://w3id.org/govkg/id/doc/x/q/1-2-x> a kg:Quantity ; kg:value "abc" .
"""


def _ttl_prefixes() -> str:
    from kg.namespaces import PREFIXES

    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())


def test_validate_fails_readably_on_a_hand_broken_graph(seed_build, tmp_path):
    out, _ = seed_build
    broken = tmp_path / "broken.ttl"
    broken.write_text(_ttl_prefixes() + _break((out / "graph.ttl").read_text(encoding="utf-8")), encoding="utf-8")
    proc = kg("validate", broken)
    assert proc.returncode == 9
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kg: error: ") and "SHACL" in err[0]
    report = proc.stdout
    for expected in (
        "enterprise/无名公司> rdfs:label: an entity needs exactly one rdfs:label",
        "project/测试项目> rdfs:label: an entity needs exactly one rdfs:label",
        "kg:undertakenBy must point to a kg:Enterprise",
        "typo/某物>: has an rdfs:label but no rdf:type declared by the ontology",
        "kg:startOffset must be one integer >= 0 and less than kg:endOffset",
        "a mention needs exactly one kg:inSentence",
        "a quantity needs exactly one kg:value (xsd:decimal)",
        "a quantity needs exactly one kg:quantityKind",
        "a quantity must be attached to an entity",
    ):
        assert expected in report, (expected, report)
    assert all(ln.startswith("violation: ") for ln in report.strip().splitlines())


def test_offsets_are_checked_against_text_and_sentence(seed_build, tmp_path):
    """Move one mention past the end of its sentence: both offset checks report it."""
    from kg.validate import check_file

    out, _ = seed_build
    lines = (out / "graph.nq").read_text(encoding="utf-8").splitlines()
    KG = "<https://w3id.org/govkg/ontology#"
    XINT = "^^<http://www.w3.org/2001/XMLSchema#integer>"

    def obj(subj, prop):
        return next(ln.split(" ", 2)[2] for ln in lines if ln.startswith(f"{subj} {KG}{prop}> "))

    mention = next(ln.split(" ")[0] for ln in lines if "/m/" in ln.split(" ")[0])
    sentence = obj(mention, "inSentence").split(" ")[0]
    sent_end = int(obj(sentence, "endOffset").split('"')[1])
    moved = []
    for ln in lines:
        s, p, _ = ln.split(" ", 2)
        if s == mention and p in (f"{KG}startOffset>", f"{KG}endOffset>"):
            value = sent_end + (10 if p.endswith("startOffset>") else 10 + 1000)
            ln = f'{s} {p} "{value}"{XINT} {ln.rsplit(" ", 2)[1]} .'
        moved.append(ln)
    bad = tmp_path / "bad.nq"
    bad.write_text("\n".join(moved) + "\n", encoding="utf-8")
    msgs = [str(v) for v in check_file(bad)]
    assert any(f"offsets {sent_end + 10}-{sent_end + 1010} lie outside its sentence's offsets" in m for m in msgs), msgs
    assert any("characters long but its offsets" in m and "span 1000" in m for m in msgs), msgs
    assert all(mention.strip("<>") in m for m in msgs), msgs


def test_fast_engine_agrees_with_pure_pyshacl(tmp_path):
    """The Oxigraph-run whole-graph checks report what pyshacl itself reports (on a small graph: pyshacl is slow)."""
    from kg.graph import document_graph
    from kg.pipeline import EXTRACTOR_VERSION, process_text
    from kg.validate import check_file

    text = ("2022年包头市政府工作报告\n通威高纯晶硅项目位于包头稀土高新区，由通威集团承建，年产20万吨，总投资50亿元。"
            "昆都仑区稀土产业产值增长8.5%。")
    g = document_graph(process_text(text, "small.txt"), EXTRACTOR_VERSION)
    good = tmp_path / "good.ttl"
    good.write_text(g.serialize(format="turtle"), encoding="utf-8")
    assert check_file(good, engine="fast") == check_file(good, engine="pyshacl") == []
    broken = tmp_path / "broken.ttl"
    broken.write_text(_break(good.read_text(encoding="utf-8")), encoding="utf-8")
    fast = check_file(broken, engine="fast")
    slow = check_file(broken, engine="pyshacl")
    assert len(fast) >= 9
    assert [v.focus for v in fast] == [v.focus for v in slow]
    assert [(v.focus, v.path) for v in fast if v.path] == [(v.focus, v.path) for v in slow if v.path]


def test_validate_unparsable_and_missing_graphs(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix kg: <https://w3id.org/govkg/ontology#> .\nkg:a kg:b \"unterminated .\n", encoding="utf-8")
    assert_clean_error(kg("validate", bad), 9, "not valid RDF", "line")
    assert_clean_error(kg("validate", tmp_path / "nope.ttl"), 3, "no such file")
    (tmp_path / "x.csv").write_text("a,b\n")
    assert_clean_error(kg("validate", tmp_path / "x.csv"), 9, "unknown RDF file type")


def test_build_refuses_to_write_an_invalid_graph(tmp_path, monkeypatch):
    """With shapes the data cannot meet, the build stops (exit 9) before graph.ttl; --no-validate writes it."""
    import kg.resources
    from kg.build import build
    from kg.errors import InvalidGraph

    strict = tmp_path / "strict.ttl"
    strict.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix kg: <https://w3id.org/govkg/ontology#> .\n"
        "kg:S a sh:NodeShape ; sh:targetClass kg:Document ; sh:property [ sh:path kg:reviewedBy ; sh:minCount 1 ;"
        " sh:message \"a document needs kg:reviewedBy\" ] .\n", encoding="utf-8")
    monkeypatch.setattr(kg.resources, "shapes_file", lambda: strict)
    report = tmp_path / "r.txt"
    report.write_text(GOOD, encoding="utf-8")
    with pytest.raises(InvalidGraph) as exc:
        build([report], tmp_path / "out", jobs=1, progress=False)
    msg = str(exc.value)
    assert "\n" not in msg and "a document needs kg:reviewedBy" in msg
    for name in OUTPUTS:
        assert not (tmp_path / "out" / name).exists(), name  # graph.nq included: nothing invalid is written
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]
    build([report], tmp_path / "out2", jobs=1, progress=False, validate=False)
    assert (tmp_path / "out2" / "graph.ttl").exists()


# ---------------------------------------------------------------- SPARQL errors
@pytest.mark.parametrize("query, where", [
    ("SELEC ?x WHERE { ?x ?p ?o }", "1:"),
    ("SELECT ?x WHERE { ?x ?p }", "1:"),
    ("SELECT ?x WHERE {\n  ?x a kg:Project .\n  FILTER(?x = ) }", "3:"),
    ("SELECT ?x WHERE { ?x nope:p ?o }", "Prefix not found"),
])
def test_malformed_sparql_gives_message_and_position(seed_build, query, where):
    out, _ = seed_build
    line = assert_clean_error(kg("query", out, query), errors.QueryError.exit_code, "SPARQL")
    assert where in line


def test_serve_defaults_to_localhost_and_read_only():
    from kg.cli import make_parser

    args = make_parser().parse_args(["serve", "out"])
    assert args.host == "127.0.0.1" and args.writable is False


# ---------------------------------------------------------------- atomic outputs
def test_atomic_write_keeps_old_file_on_error(tmp_path):
    from kg.output import atomic_path, write_text

    target = tmp_path / "graph.ttl"
    write_text(target, "old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half a gra")
            raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]


def test_stale_temp_files_of_dead_processes_are_removed(tmp_path):
    from kg import output

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    stale = tmp_path / f".graph.ttl.{pid}.abcd1234.tmp"
    stale.write_text("partial")
    stale_dir = tmp_path / f".store.{pid}.x_y.tmp"
    stale_dir.mkdir()
    (stale_dir / "000001.sst").write_bytes(b"x")
    live = tmp_path / f".graph.nq.{os.getpid()}.zzzz.tmp"  # ours: a write in progress, kept
    live.write_text("in progress")
    other = tmp_path / ".notes.tmp"  # not ours: kept
    other.write_text("x")
    removed = output.remove_stale_temps(tmp_path)
    assert sorted(p.name for p in removed) == sorted([stale.name, stale_dir.name])
    assert live.exists() and other.exists() and not stale.exists() and not stale_dir.exists()


def _snapshot(out: Path) -> dict[str, bytes]:
    return {n: (out / n).read_bytes() for n in OUTPUTS}


def _leftovers(out: Path) -> list[Path]:
    """Every temp or partial entry under ``out`` (temps are hidden ``.…tmp``)."""
    return sorted(p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name.endswith(".old")
                  or p.name.endswith(".part"))


def _start_build(inputs: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "kg", "build", str(inputs), "-o", str(out), "-j", "1", "-q"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the build finished (rc {proc.returncode}) before it could be interrupted: "
                        + proc.stderr.read().decode(errors="replace"))
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    pytest.fail("the build never reached the point to interrupt")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_build_leaves_previous_outputs_intact(seed_build, tmp_path):
    """SIGKILL a build mid-way (while reading reports, then while writing outputs).

    The previous graph.ttl/graph.html stay byte-identical, graph.nq is either
    the old or the complete new file, the only debris is hidden temp files of
    the dead process, and the next build removes them.
    """
    out = tmp_path / "out"
    shutil.copytree(seed_build[0], out)  # a copy of a previous good build
    old = _snapshot(out)
    big = tmp_path / "big"
    big.mkdir()
    text = SEED.read_text(encoding="utf-8")
    for i in range(2):  # distinct names, so none comes from the cache
        (big / f"copy{i}.txt").write_text(text, encoding="utf-8")
    cache_before = set((out / "cache").iterdir())

    # 1. killed while processing reports (after the first one is cached)
    proc = _start_build(big, out)
    _kill_when(proc, lambda: any(p.suffix == ".json" and p not in cache_before for p in (out / "cache").iterdir()))
    assert _snapshot(out) == old
    assert all(p.name.startswith(".") for p in _leftovers(out)), _leftovers(out)

    # 2. killed while writing outputs: validation runs on a temp N-Triples file next to graph.ttl
    proc = _start_build(big, out)
    _kill_when(proc, lambda: any(p.name.startswith(".graph.nt.tmp.") for p in out.iterdir()))
    after_kill = _snapshot(out)
    assert after_kill["graph.ttl"] == old["graph.ttl"]
    assert after_kill["graph.html"] == old["graph.html"]
    leftovers = _leftovers(out)
    assert leftovers, "the killed build should have left its temp file"
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in leftovers), leftovers

    # 3. the next build completes, replaces everything and sweeps the dead process's temps
    done = kg("build", big, "-o", out, "-j", "1", "-q")
    assert done.returncode == 0, done.stderr
    assert _leftovers(out) == []
    new = _snapshot(out)
    assert new["graph.ttl"] != old["graph.ttl"]
    assert after_kill["graph.nq"] in (old["graph.nq"], new["graph.nq"])  # never a partial file
    assert kg("validate", out).returncode == 0
