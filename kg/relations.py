"""Stage 4: relations between resolved entities.

* undertakenBy – the owner named at the head of a project phrase;
* inIndustry   – the industry that heads the clause/sentence before a project,
                 enterprise or zone, or an industry named inside its name
                 (or revealed by its product word);
* locatedIn    – a district/place at the head of a name (包头九原健康城 → 九原),
                 X分院 → X, and 落户X;
* partOf       – the administrative-division table (GB/T 2260 codes), and
                 named sub-areas of the jurisdiction.
"""
from __future__ import annotations

import re

from . import lexicon as lexmod
from .doc import Document, Mention, Relation

_SUBJECT_TYPES = ("Project", "Enterprise", "Zone")
_LOCATABLE = ("Project", "Enterprise", "Zone", "Institution")


def _key(m: Mention) -> tuple[str, str]:
    return (m.type, m.canonical or m.label)


def extract_relations(doc: Document) -> None:
    lex = lexmod.load()
    rels: dict[tuple, Relation] = {}

    def add(kind, subj, obj, sent, start, end, rule):
        if subj == obj:
            return
        k = (kind, subj, obj)
        if k not in rels:
            rels[k] = Relation(kind, subj, obj, sent, start, end, rule)

    by_sentence: dict[int, list[Mention]] = {}
    for m in doc.mentions:
        by_sentence.setdefault(m.sentence, []).append(m)
    ent_by_label: dict[str, tuple[str, str]] = {}
    for e in doc.entities:
        if e.type == "Enterprise":
            for form in {e.label, *e.aliases}:
                ent_by_label.setdefault(form, e.key)

    for sid, ms in sorted(by_sentence.items()):
        ms.sort(key=lambda m: (m.start, -m.end))
        _undertaken(ms, ent_by_label, add)
        _in_industry(doc, ms, lex, add)
        _located(doc, ms, add)
    _part_of(doc, lex, add)
    doc.relations = sorted(rels.values(), key=lambda r: (r.kind, r.subj, r.obj))


def _undertaken(ms, ent_by_label, add):
    for m in ms:
        if m.type != "Project":
            continue
        owner = m.attrs.get("owner")
        if owner and owner in ent_by_label:
            add("undertakenBy", _key(m), ent_by_label[owner], m.sentence, m.start, m.end, "owner-in-name")


def _usable_industry(m: Mention, lex) -> bool:
    info = lex.industries.get(m.canonical or m.label, {})
    return info.get("kind") not in ("broad", "generic")


def _in_industry(doc, ms, lex, add):
    industries = [m for m in ms if m.type == "Industry"]
    if not industries:
        return
    for m in ms:
        if m.type not in _SUBJECT_TYPES:
            continue
        inside = [i for i in industries if m.start <= i.start and i.end <= m.end]
        # 1. an industry named inside the name (国际氢能产业示范基地 → 氢能产业)
        for i in inside:
            add("inIndustry", _key(m), _key(i), m.sentence, m.start, m.end, "industry-in-name")
        # 2. an industry of the sentence whose name the project's name contains
        for i in industries:
            if i in inside:
                continue
            forms = {i.label, i.canonical or ""}
            core = re.sub(r"(产业链|产业集群|产业|行业|业)$", "", i.label)
            forms.add(core)
            name = doc.text[m.start : m.end]
            if any(len(f) >= 2 and f in name for f in forms):
                add("inIndustry", _key(m), _key(i), m.sentence, min(m.start, i.start), max(m.end, i.end), "industry-named-in-sentence")
        # 3. the nearest industry heading the clause before it (加快发展新能源产业,建设…)
        if m.type == "Enterprise" and any(p.type == "Project" and p.start <= m.start < p.end for p in ms):
            continue  # an owner inherits nothing: its project carries the industry
        heads = [i for i in industries if i.end <= m.start and i not in inside]
        heads = [i for i in heads if not any(z.type in ("Zone", "Project", "Institution") and z.start <= i.start and i.end <= z.end for z in ms)]
        if heads:
            head = heads[-1]
            if _usable_industry(head, lex):
                add("inIndustry", _key(m), _key(head), m.sentence, head.start, m.end, "industry-heads-clause")


def _located(doc, ms, add):
    places = [m for m in ms if m.type in ("District", "Place")]
    for m in ms:
        if m.type not in _LOCATABLE:
            continue
        name = doc.text[m.start : m.end]
        if "至" in name:
            continue  # a road between two places is not inside either
        inner = [p for p in places if m.start <= p.start and p.end <= m.end]
        if not inner:
            continue
        # the most specific place at the head of the name, or before 分院/分公司
        head = [p for p in inner if p.start == m.start]
        branch = [p for p in inner if re.match(r"^(分院|分公司|分行|分中心)", doc.text[p.end : p.end + 3])]
        chosen = branch or head
        if not chosen:
            continue
        best = max(chosen, key=lambda p: (p.start, p.end - p.start))
        # 包头九原健康城: the more specific district right after the city
        nxt = [p for p in inner if p.start == best.end]
        if nxt and not branch:
            best = nxt[0]
        add("locatedIn", _key(m), _key(best), m.sentence, m.start, m.end, "place-in-name")
    # 落户X
    for m in ms:
        if m.type != "Enterprise":
            continue
        for p in places:
            gap = doc.text[m.end : p.start]
            if 0 < p.start - m.end <= 30 and re.search(r"落户$", gap) and "," not in gap and "。" not in gap:
                add("locatedIn", _key(m), _key(p), m.sentence, m.start, p.end, "settles-in")


def _part_of(doc, lex, add):
    by_code = {}
    for e in doc.entities:
        code = e.attrs.get("code")
        if code:
            by_code[code] = e
    jur = by_code.get(doc.jurisdiction_code or "")
    for code, e in sorted(by_code.items()):
        div = lex.divisions.get(code)
        parent = div.parent_code if div else None
        while parent and parent not in by_code:
            pdiv = lex.divisions.get(parent)
            parent = pdiv.parent_code if pdiv else None
        if parent:
            m = e.mentions[0]
            add("partOf", e.key, by_code[parent].key, -1, m.start, m.end, "division-table")
    if jur is not None:
        for e in doc.entities:
            if e.type == "District" and "code" not in e.attrs:
                m = e.mentions[0]
                add("partOf", e.key, jur.key, m.sentence, m.start, m.end, "sub-area-of-jurisdiction")
