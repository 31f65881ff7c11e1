"""``kg eval``: precision, recall and F1 against a gold annotation.

The gold format is documented in the README (and ``../shared/eval/README.md``).
Scoring reads the *graph* (so it measures what users get): the report is built
on the fly into an in-memory store, or a built graph is opened.  Only
entities mentioned in the gold's line range, and relations/quantities whose
evidence lies there, are scored.

Matching rules:

* names are compared after normalisation: full-width folded, trailing
  项目/工程/等 dropped, industry suffixes (产业/行业/业/产业链/产业集群) and
  organisational suffixes (集团/股份/有限公司 …) and division suffixes
  (市/县/区/旗) ignored; a prediction matches a gold entity when any of its
  labels (rdfs:label + skos:altLabel) equals any gold label/alias;
* typed matching needs the same type or one of the gold's ``alt_types``;
* matching is one-to-one (maximum bipartite matching);
* ``optional`` gold entities/relations are neither rewarded nor penalised.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from .errors import InputNotFound, KgError
from .store import query as store_query

TYPES = ("Enterprise", "Project", "Industry", "District", "Zone", "Institution", "Place")
RELS = ("undertakenBy", "inIndustry", "locatedIn", "partOf")

_TAILS = {
    "Project": r"(项目|工程|等)+$",
    "Industry": r"(产业链条|产业链|产业集群|产业|行业|业|等)+$",
    "Enterprise": r"(集团有限公司|集团股份有限公司|股份有限公司|有限责任公司|有限公司|集团公司|股份公司|集团|公司|等)+$",
    "District": r"(市|县|区|旗|地区|等)$",
    "Place": r"(市|县|区|旗|省|自治区|等)$",
    "Zone": r"(等)$",
    "Institution": r"(等)$",
}
_HEADS = {"Zone": r"^(国家级|国家|全国|自治区级|自治区|省级)"}


def norm(name: str, type_: str | None = None) -> str:
    s = unicodedata.normalize("NFKC", name or "").strip()
    s = re.sub(r"\s+", "", s)
    s = s.replace("“", "").replace("”", "").replace('"', "")
    types = [type_] if type_ else list(_TAILS)
    for t in types:
        if t in _HEADS:
            s2 = re.sub(_HEADS[t], "", s)
            s = s2 if len(s2) >= 2 else s
        s2 = re.sub(_TAILS[t], "", s)
        s = s2 if len(s2) >= 2 else s
    return s


# ---------------------------------------------------------------- predictions from the graph
def _store_for(input_path: str | None, gold_path: Path) -> ox.Store:
    from .graph import document_nquads
    from .ingest import REPORT_SUFFIXES, read_text
    from .pipeline import EXTRACTOR_VERSION, process_text
    from .store import open_graph

    if input_path is None:
        stem = gold_path.name.split(".")[0]
        cands = [p for p in Path("seeds").glob(f"{stem}*") if p.suffix in REPORT_SUFFIXES] if Path("seeds").is_dir() else []
        if not cands:
            raise InputNotFound(f"no INPUT given and no seeds/{stem}.* report next to the gold's name")
        input_path = str(cands[0])
    p = Path(input_path)
    if not p.exists():
        raise InputNotFound(f"{p}: no such file or directory")
    if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES:
        doc = process_text(read_text(p), source=p.name)
        lines = document_nquads(doc, EXTRACTOR_VERSION)
        store = ox.Store()
        store.load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        return store
    return open_graph(p)


ENTITY_Q = """
SELECT ?e ?type ?label (GROUP_CONCAT(DISTINCT ?alt; separator="\\u0001") AS ?alts) (MIN(?line) AS ?first)
       (GROUP_CONCAT(DISTINCT STR(?line); separator=",") AS ?lines) WHERE {
  VALUES ?cls { kg:Enterprise kg:Project kg:Industry kg:District kg:Zone kg:Institution kg:Place }
  ?m a kg:Mention ; kg:refersTo ?e ; kg:inSentence ?s .
  ?s kg:line ?line .
  FILTER(?line >= %(lo)d && ?line <= %(hi)d)
  ?e a ?cls ; rdfs:label ?label .
  BIND(STRAFTER(STR(?cls), STR(kg:)) AS ?type)
  OPTIONAL { ?e skos:altLabel ?alt }
} GROUP BY ?e ?type ?label
"""

REL_Q = """
SELECT DISTINCT ?s ?p ?o (MIN(?line) AS ?first) WHERE {
  VALUES ?p { kg:undertakenBy kg:inIndustry kg:locatedIn kg:partOf }
  ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL { ?st kg:inSentence ?sent . ?sent kg:line ?line }
} GROUP BY ?s ?p ?o
"""

QUANT_Q = """
SELECT ?q ?subj ?attr ?v ?u ?kind ?y ?prod ?line WHERE {
  ?subj ?prop ?q . ?q a kg:Quantity ; kg:attribute ?attr ; kg:value ?v ; kg:unitText ?u ;
     kg:quantityKind ?k ; kg:inSentence ?s . ?s kg:line ?line .
  FILTER(?line >= %(lo)d && ?line <= %(hi)d)
  BIND(STRAFTER(STR(?k), STR(kg:)) AS ?kind)
  OPTIONAL { ?q kg:year ?y } OPTIONAL { ?q kg:product ?prod }
}
"""


def predicted(store: ox.Store, lo: int, hi: int) -> tuple[dict, list, list]:
    ents = {}
    for sol in store_query(store, ENTITY_Q % {"lo": lo, "hi": hi}):
        alts = sol["alts"].value.split("\u0001") if sol["alts"] is not None and sol["alts"].value else []
        ents[sol["e"].value] = {
            "iri": sol["e"].value, "type": sol["type"].value, "label": sol["label"].value,
            "names": [sol["label"].value, *alts], "line": int(sol["first"].value),
        }
    rels = []
    for sol in store_query(store, REL_Q):
        s, o = sol["s"].value, sol["o"].value
        line = int(sol["first"].value) if sol["first"] is not None else None
        if s not in ents or o not in ents:
            continue
        if line is not None and not (lo <= line <= hi):
            continue
        rels.append({"rel": sol["p"].value.rsplit("#", 1)[-1], "s": s, "o": o, "line": line})
    quants = []
    if store_query(store, "ASK { ?q a kg:Quantity }"):
        jur = set()
        for sol in store_query(store, "SELECT ?j WHERE { ?d kg:jurisdiction ?j }"):
            jur.add(sol["j"].value)
        for sol in store_query(store, QUANT_Q % {"lo": lo, "hi": hi}):
            subj = sol["subj"].value
            if subj in jur:
                labels: list[str] = []
            else:
                labels = _labels(store, subj)
            quants.append({
                "subject_labels": labels, "value": float(sol["v"].value), "unit": sol["u"].value,
                "attribute": sol["attr"].value, "kind": sol["kind"].value,
                "year": int(sol["y"].value) if sol["y"] is not None else None,
                "product": sol["prod"].value if sol["prod"] is not None else None,
                "line": int(sol["line"].value),
            })
    return ents, rels, quants


def _labels(store, iri: str) -> list[str]:
    out = []
    for sol in store_query(store, f"SELECT ?l WHERE {{ <{iri}> rdfs:label|skos:altLabel ?l }}"):
        out.append(sol["l"].value)
    return sorted(out)


# ---------------------------------------------------------------- matching
def _compatible(pred: dict, gold: dict, typed: bool) -> bool:
    if typed and pred["type"] != gold["type"] and pred["type"] not in gold.get("alt_types", []):
        return False
    gnames = {norm(n, gold["type"]) for n in [gold["label"], *gold.get("aliases", [])]}
    gnames |= {norm(n) for n in [gold["label"], *gold.get("aliases", [])]}
    pnames = {norm(n, pred["type"]) for n in pred["names"]} | {norm(n) for n in pred["names"]}
    return bool(gnames & pnames)


def match_entities(gold: list[dict], preds: dict, typed: bool) -> dict[int, str]:
    """Maximum one-to-one matching: gold index -> predicted IRI (non-optional gold first)."""
    g = nx.Graph()
    order = sorted(range(len(gold)), key=lambda i: bool(gold[i].get("optional")))
    for i in order:
        g.add_node(("g", i))
    for iri in sorted(preds):
        g.add_node(("p", iri))
    for i in order:
        for iri, p in sorted(preds.items()):
            if _compatible(p, gold[i], typed):
                # prefer non-optional gold and exact-label matches
                w = 10 if not gold[i].get("optional") else 1
                if norm(p["label"]) == norm(gold[i]["label"]):
                    w += 1
                g.add_edge(("g", i), ("p", iri), weight=w)
    m = nx.max_weight_matching(g, maxcardinality=False)
    out = {}
    for a, b in m:
        if a[0] == "p":
            a, b = b, a
        out[a[1]] = b[1]
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(gold: dict, store: ox.Store, lo: int, hi: int) -> dict:
    ents, rels, quants = predicted(store, lo, hi)
    gents = gold["entities"]
    report: dict = {"lines": [lo, hi], "entities": {}, "relations": {}, "detail": {}}
    for typed in (True, False):
        m = match_entities(gents, ents, typed)
        matched_preds = set(m.values())
        optional_preds = {m[i] for i in m if gents[i].get("optional")}
        rows = {}
        for t in (TYPES if typed else ()):
            gold_t = [i for i, g in enumerate(gents) if g["type"] == t and not g.get("optional")]
            tp_gold = sum(1 for i in gold_t if i in m)
            pred_t = [iri for iri, p in ents.items() if p["type"] == t and iri not in optional_preds]
            tp_pred = sum(1 for iri in pred_t if iri in matched_preds)
            p = tp_pred / len(pred_t) if pred_t else 0.0
            r = tp_gold / len(gold_t) if gold_t else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            rows[t] = {"gold": len(gold_t), "pred": len(pred_t), "tp": tp_gold, "p": p, "r": r, "f1": f}
        gold_all = [i for i, g in enumerate(gents) if not g.get("optional")]
        pred_all = [iri for iri in ents if iri not in optional_preds]
        tp = sum(1 for i in gold_all if i in m)
        p, r, f = prf(tp, len(pred_all), len(gold_all))
        rows["ALL" if typed else "ALL (untyped)"] = {"gold": len(gold_all), "pred": len(pred_all), "tp": tp, "p": p, "r": r, "f1": f}
        report["entities"].update(rows)
        if typed:
            typed_match = m
            report["detail"]["missed_entities"] = [
                {"type": gents[i]["type"], "label": gents[i]["label"], "lines": gents[i].get("lines", [])}
                for i in gold_all if i not in m]
            report["detail"]["false_entities"] = [
                {"type": p["type"], "label": p["label"], "line": p["line"]}
                for iri, p in sorted(ents.items(), key=lambda kv: (kv[1]["line"], kv[1]["label"])) if iri not in matched_preds]
    # relations: gold labels -> gold entity index -> predicted IRI
    by_label: dict[str, int] = {}
    for i, g in enumerate(gents):
        for n in [g["label"], *g.get("aliases", [])]:
            by_label.setdefault(n, i)
    pred_keys = {(r["rel"], r["s"], r["o"]) for r in rels}
    optional_keys, hit = set(), set()
    per = {k: {"gold": 0, "pred": 0, "tp": 0} for k in RELS}
    missed = []
    for gr in gold["relations"]:
        si, oi = by_label.get(gr["s"]), by_label.get(gr["o"])
        key = None
        if si in typed_match and oi in typed_match:
            key = (gr["rel"], typed_match[si], typed_match[oi])
        if gr.get("optional"):
            if key is not None:
                optional_keys.add(key)
            continue
        per.setdefault(gr["rel"], {"gold": 0, "pred": 0, "tp": 0})["gold"] += 1
        if key in pred_keys and key not in hit:
            per[gr["rel"]]["tp"] += 1
            hit.add(key)
        else:
            missed.append(gr)
    optional_keys -= hit
    false_rels = []
    for r in rels:
        k = (r["rel"], r["s"], r["o"])
        if k in optional_keys:
            continue
        per.setdefault(r["rel"], {"gold": 0, "pred": 0, "tp": 0})["pred"] += 1
        if k not in hit:
            false_rels.append({"rel": r["rel"], "s": ents[r["s"]]["label"], "o": ents[r["o"]]["label"], "line": r["line"]})
    for kind in RELS:
        d = per[kind]
        p, r_, f = prf(d["tp"], d["pred"], d["gold"])
        report["relations"][kind] = {**d, "p": p, "r": r_, "f1": f}
    tot = {k: sum(report["relations"][x][k] for x in RELS) for k in ("gold", "pred", "tp")}
    p, r_, f = prf(tot["tp"], tot["pred"], tot["gold"])
    report["relations"]["ALL"] = {**tot, "p": p, "r": r_, "f1": f}
    report["detail"]["missed_relations"] = missed
    report["detail"]["false_relations"] = false_rels
    # quantities
    if gold.get("quantities") is not None:
        from .quantity_eval import score_quantities

        gq = [q for q in gold["quantities"] if lo <= int(q.get("line", lo)) <= hi]
        report["quantities"] = score_quantities(gq, quants)
    return report


# ---------------------------------------------------------------- CLI
def gold_range(gold: dict, lines: str | None) -> tuple[int, int]:
    if lines:
        m = re.fullmatch(r"(\d+)\s*[-:]\s*(\d+)", lines.strip())
        if not m:
            raise KgError(f"--lines must look like 1-50, got {lines!r}")
        return int(m.group(1)), int(m.group(2))
    all_lines = [ln for e in gold["entities"] for ln in e.get("lines", [])]
    all_lines += [r["line"] for r in gold.get("relations", []) if "line" in r]
    return (1, max(all_lines)) if all_lines else (1, 10**9)


def load_gold(path: str | Path) -> dict:
    p = Path(path)
    if not p.exists():
        raise InputNotFound(f"{p}: no such gold file")
    try:
        gold = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KgError(f"{p}: not valid JSON ({exc})") from None
    if not isinstance(gold, dict) or "entities" not in gold:
        raise KgError(f"{p}: gold JSON needs an 'entities' list")
    gold.setdefault("relations", [])
    return gold


def evaluate(gold_path: str | Path, input_path: str | None = None, lines: str | None = None) -> dict:
    gold = load_gold(gold_path)
    lo, hi = gold_range(gold, lines)
    store = _store_for(input_path, Path(gold_path))
    return score(gold, store, lo, hi)


def format_report(rep: dict, detail: bool = False) -> str:
    out = [f"lines {rep['lines'][0]}-{rep['lines'][1]}", "", "ENTITIES (lenient names, one-to-one, optional ignored)"]
    out.append(f"{'type':<15} {'gold':>5} {'pred':>5} {'tp':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for k, d in rep["entities"].items():
        out.append(f"{k:<15} {d['gold']:>5} {d['pred']:>5} {d['tp']:>5} {d['p']:>6.3f} {d['r']:>6.3f} {d['f1']:>6.3f}")
    out += ["", "RELATIONS"]
    out.append(f"{'kind':<15} {'gold':>5} {'pred':>5} {'tp':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for k, d in rep["relations"].items():
        out.append(f"{k:<15} {d['gold']:>5} {d['pred']:>5} {d['tp']:>5} {d['p']:>6.3f} {d['r']:>6.3f} {d['f1']:>6.3f}")
    q = rep.get("quantities")
    if q:
        out += ["", "QUANTITIES (subject, value, unit)"]
        out.append(f"{'quantities':<15} {q.get('gold', 0):>5} {q.get('predicted', q.get('pred', 0)):>5} {q.get('tp', 0):>5} "
                   f"{q.get('precision', q.get('p', 0)):>6.3f} {q.get('recall', q.get('r', 0)):>6.3f} {q.get('f1', 0):>6.3f}")
    if detail:
        d = rep["detail"]
        out += ["", "MISSED ENTITIES"] + [f"  L{(e['lines'] or ['?'])[0]}  {e['type']:<11} {e['label']}" for e in d["missed_entities"]]
        out += ["", "FALSE ENTITIES"] + [f"  L{e['line']}  {e['type']:<11} {e['label']}" for e in d["false_entities"]]
        out += ["", "MISSED RELATIONS"] + [f"  L{r.get('line', '?')}  {r['rel']:<12} {r['s']} -> {r['o']}" for r in d["missed_relations"]]
        out += ["", "FALSE RELATIONS"] + [f"  L{r['line']}  {r['rel']:<12} {r['s']} -> {r['o']}" for r in d["false_relations"]]
        if q and q.get("missed") is not None:
            out += ["", "MISSED QUANTITIES"] + [f"  {x}" for x in q.get("missed", [])]
            out += ["", "FALSE QUANTITIES"] + [f"  {x}" for x in q.get("false", q.get("false_positives", []))]
    return "\n".join(out) + "\n"


def main(args) -> int:
    rep = evaluate(args.gold, args.input, args.lines)
    if args.format == "json":
        print(json.dumps(rep, ensure_ascii=False, indent=1))
    else:
        print(format_report(rep, detail=args.detail), end="")
    return 0
