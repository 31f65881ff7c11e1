"""Score extracted quantities against a gold annotation.

A prediction matches a gold quantity when

* the **value** is the same (sign ignored: a gold "下降12.3%" may be written
  12.3 while the extractor stores -12.3), and the **unit** is the same as
  written, or both denote the same amount in the base unit (``2万吨`` =
  ``20000吨``, ``千亿`` ≈ ``1000亿元``);
* the **subject** matches leniently: labels are normalised (trailing
  项目/工程/等 removed, 产业/行业/产业链/产业集群 removed so that
  ``稀土`` ~ ``稀土产业`` ~ ``稀土行业``), and any of the predicted subject's
  label and aliases may match the gold subject (gold may name an entity by an
  alias).  An empty gold subject (None / "") is the reporting jurisdiction
  and matches a prediction with ``subject_labels == []``;
* when both sides carry a ``line``, the lines are equal (``match_lines``).

Matching is one-to-one (maximum bipartite matching).  The gold guideline
annotates only quantities attached to named entities ("city-level macro
figures with no entity are not annotated"), so predicted jurisdiction-level
quantities are left out of the score when the gold has none
(``score_jurisdiction=None``, the default); they are counted in
``unscored_jurisdiction``.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from .numbers import normalize

_TRAIL = re.compile(r"(项目|工程|等|产业集群|产业链|产业|行业)+$")


def norm_label(label: Optional[str]) -> str:
    if not label:
        return ""
    s = re.sub(r"\s+", "", str(label))
    s = s.replace("（", "(").replace("）", ")")
    prev = None
    while prev != s and len(s) > 1:
        prev = s
        t = _TRAIL.sub("", s)
        s = t if t else s
    return s


def _same_number(a: float, b: float) -> bool:
    a, b = abs(float(a)), abs(float(b))
    return abs(a - b) <= 1e-6 * max(1.0, a, b)


def same_amount(v1, u1, v2, u2) -> bool:
    """Value + unit equal as written, or equal once normalised to the base unit."""
    if v1 is None or v2 is None:
        return False
    u1 = (u1 or "").strip()
    u2 = (u2 or "").strip()
    if u1 == u2:
        return _same_number(v1, v2)
    n1, b1 = normalize(abs(float(v1)), u1)
    n2, b2 = normalize(abs(float(v2)), u2)
    if n1 is None or n2 is None:
        return False
    # a bare scale word (亿) against a currency (亿元): compare the numbers
    if {b1, b2} == {"NUM", "CNY"} and ({u1, u2} & {"万", "亿", "万亿"}):
        return _same_number(n1, n2)
    return b1 == b2 and _same_number(n1, n2)


def subject_matches(gold_subject: Optional[str], labels: Iterable[str]) -> bool:
    labels = [l for l in (labels or []) if l]
    g = norm_label(gold_subject)
    if not g:
        return not labels
    return any(norm_label(l) == g for l in labels)


def _is_jurisdiction_gold(g: dict) -> bool:
    return not g.get("subject")


def _match(gold: list[dict], pred: list[dict], match_lines: bool) -> list[tuple[int, int]]:
    adj: list[list[int]] = []
    for g in gold:
        row = []
        for j, p in enumerate(pred):
            if match_lines and g.get("line") is not None and p.get("line") is not None and g["line"] != p["line"]:
                continue
            if not same_amount(g.get("value"), g.get("unit"), p.get("value"), p.get("unit")):
                continue
            if not subject_matches(g.get("subject"), p.get("subject_labels") or []):
                continue
            row.append(j)
        adj.append(row)
    owner: dict[int, int] = {}

    def augment(i: int, seen: set) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(gold)):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def score_quantities(gold: list[dict], predicted: list[dict], *, match_lines: bool = True,
                     score_jurisdiction: Optional[bool] = None) -> dict[str, Any]:
    """Precision / recall / F1 of (subject, value, unit) against ``gold``.

    ``predicted`` dicts: subject_labels (label + aliases, [] for the
    jurisdiction), value, unit, and optionally attribute, kind, year, product,
    line.  Returns counts, P/R/F1, the share of matched pairs that also agree
    on kind / year, and the unmatched items (for error analysis).
    """
    if score_jurisdiction is None:
        score_jurisdiction = any(_is_jurisdiction_gold(g) for g in gold)
    unscored = [p for p in predicted if not p.get("subject_labels")] if not score_jurisdiction else []
    preds = [p for p in predicted if score_jurisdiction or p.get("subject_labels")]
    pairs = _match(gold, preds, match_lines)
    tp = len(pairs)
    prec = tp / len(preds) if preds else (1.0 if not gold else 0.0)
    rec = tp / len(gold) if gold else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    kind_ok = sum(1 for i, j in pairs if gold[i].get("kind") and gold[i].get("kind") == preds[j].get("kind"))
    year_ok = sum(1 for i, j in pairs if gold[i].get("year") == preds[j].get("year"))
    mg = {i for i, _ in pairs}
    mp = {j for _, j in pairs}
    return {
        "gold": len(gold),
        "predicted": len(preds),
        "tp": tp,
        "precision": round(prec, 4),
        "recall": round(rec, 4),
        "f1": round(f1, 4),
        "kind_agreement": round(kind_ok / tp, 4) if tp else None,
        "year_agreement": round(year_ok / tp, 4) if tp else None,
        "unscored_jurisdiction": len(unscored),
        "missed": [gold[i] for i in range(len(gold)) if i not in mg],
        "spurious": [preds[j] for j in range(len(preds)) if j not in mp],
    }


def quantity_dicts(doc) -> list[dict]:
    """``doc.quantities`` as prediction dicts for ``score_quantities`` (with 1-based ``line``)."""
    out = []
    for q in doc.quantities:
        labels: list[str] = []
        if q.subject is not None:
            e = doc.entity(q.subject)
            labels = [q.subject[1]] + (sorted(e.aliases) if e is not None else [])
        out.append({
            "subject_labels": labels,
            "value": q.value,
            "unit": q.unit,
            "attribute": q.attribute,
            "kind": q.kind,
            "year": q.year,
            "product": q.product,
            "indicator": q.indicator,
            "line": doc.text.count("\n", 0, q.start) + 1,
            "exact": q.exact,
        })
    return out
