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

    prev_heads = _previous_heads(doc, by_sentence)
    for sid, ms in sorted(by_sentence.items()):
        ms.sort(key=lambda m: (m.start, -m.end))
        _undertaken(ms, ent_by_label, add)
        _in_industry(doc, ms, lex, add, prev_heads)
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


def _in_industry(doc, ms, lex, add, prev_heads):
    industries = [m for m in ms if m.type == "Industry"]
    if not industries:
        return
    for m in ms:
        if m.type not in _SUBJECT_TYPES:
            continue
        if m.attrs.get("nested"):
            continue  # 包钢 inside 包钢工业设计中心: the outer name is what the sentence is about
        inside = [i for i in industries if m.start <= i.start and i.end <= m.end]
        # 1. an industry named inside a zone's name (国际氢能产业示范基地 → 氢能产业)
        if m.type == "Zone":
            for i in inside:
                add("inIndustry", _key(m), _key(i), m.sentence, m.start, m.end, "industry-in-name")
        # 1b. an industry right after a firm's name (支持北奔新能源汽车…)
        if m.type == "Enterprise":
            follow = [i for i in industries if i.start == m.end]
            if follow:
                add("inIndustry", _key(m), _key(follow[0]), m.sentence, m.start, follow[0].end, "industry-after-firm")
                continue
        # 2. an industry of the sentence whose name (or a product of it) the name contains
        name = doc.text[m.start : m.end]
        for i in industries:
            if i in inside:
                continue
            if _names_industry(name, i, lex):
                add("inIndustry", _key(m), _key(i), m.sentence, min(m.start, i.start), max(m.end, i.end), "industry-named-in-sentence")
        # 2b. 城市共同配送物流园、G7…等物流重点项目: the industry in the list's closing words
        tail = m.attrs.get("list_tail")
        if tail:
            for i in industries:
                if tail[0] <= i.start and i.end <= tail[1]:
                    add("inIndustry", _key(m), _key(i), m.sentence, m.start, tail[1], "industry-of-list")
        # 2c. 安泰科技等6家全国十强稀土磁材企业: the firms' own industry
        if m.type == "Enterprise":
            for i in industries:
                gap = doc.text[m.end : i.start]
                if 0 < len(gap) <= 14 and re.match(r"^等[\d一二三四五六七八九十几]+[家户]", gap) and doc.text[i.end : i.end + 2] == "企业":
                    add("inIndustry", _key(m), _key(i), m.sentence, m.start, i.end + 2, "firms-of-industry")
        # 3. the nearest industry heading the clause before it (加快发展新能源产业,建设…)
        if m.type == "Enterprise" and any(p.type == "Project" and p.start <= m.start < p.end for p in ms):
            continue  # an owner inherits nothing: its project carries the industry
        heads = [i for i in industries if i.end <= m.start and i not in inside and _is_heading(doc, i)]
        heads = [i for i in heads if not any(z.type in ("Zone", "Project", "Institution", "Enterprise") and z.start <= i.start and i.end <= z.end for z in ms)]
        if heads:
            head = heads[-1]
            if _usable_industry(head, lex):
                add("inIndustry", _key(m), _key(head), m.sentence, head.start, m.end, "industry-heads-clause")
        elif m.type in ("Project", "Zone") or (m.type == "Enterprise" and m.rule == "list-bare"):
            # no heading before it: the sector the sentence reports on (…等项目,稀土产业产值达到500亿元),
            # else the heading of the previous sentence in the same paragraph (加快发展新能源产业。实施…)
            after = [i for i in industries if i.start >= m.end and _SUBJECT_AFTER.match(_clean_after(doc, i))]
            if after and _usable_industry(after[0], lex):
                add("inIndustry", _key(m), _key(after[0]), m.sentence, m.start, after[0].end, "industry-subject-of-sentence")
            elif not industries_after_or_in(doc, industries, m):
                prev = prev_heads.get(m.sentence)
                if prev is not None and _usable_industry(prev, lex):
                    add("inIndustry", _key(m), _key(prev), m.sentence, m.start, m.end, "industry-heads-paragraph")


_DEV_VERB = re.compile(r"(发展|壮大|培育|推动|推进|做大|做强|做优|布局|延伸|打造|加快|大力|着力|聚焦|围绕|提升|支持|引进|优化)[^,;。]{0,4}$")
_HEAD_AFTER = re.compile(r"^(项目|重点项目|产业链|领域|发展|高质量发展)")
_SUBJECT_AFTER = re.compile(r"^(产值|产量|产能|增加值|营收|收入)")


def industries_after_or_in(doc: Document, industries: list, m: Mention) -> bool:
    """Does the sentence head a clause after this entity with its own industry
    (…等项目建成投产,加快发展应急救援装备产业)?  Then the previous sentence's heading does not carry over."""
    return any(i.start >= m.start and _is_heading(doc, i) for i in industries)


def _previous_heads(doc: Document, by_sentence: dict) -> dict:
    """For each sentence: the last heading industry of the previous sentence of its paragraph."""
    out = {}
    for sent in doc.sentences:
        prev = sent.idx - 1
        if prev < 0 or doc.sentences[prev].paragraph != sent.paragraph:
            continue
        heads = [m for m in by_sentence.get(prev, []) if m.type == "Industry" and not m.attrs.get("nested") and _is_heading(doc, m)]
        if heads:
            out[sent.idx] = max(heads, key=lambda m: m.start)
    return out


def _clean_after(doc: Document, m: Mention) -> str:
    return doc.text[m.end : m.end + 6].replace("\n", "")


def _names_industry(name: str, ind: Mention, lex) -> bool:
    """光威1万吨大丝束碳纤维 names 高性能碳纤维 (alias 碳纤维); 某企业30万吨氢氟酸 names 氟化工 (product)."""
    canon = ind.canonical or ind.label
    base = {ind.label, canon, re.sub(r"(产业链|产业集群|产业|行业|业)$", "", ind.label)}
    base.update(lex.industries.get(canon, {}).get("aliases", []))
    # 高性能碳纤维 is named by …碳纤维: strip one leading modifier (order-independent)
    mods = lex.industry_heads.get("modifier", ())
    stripped = {f[k:] for f in base for k in range(len(f) + 1) if f[:k] in mods}  # each prefix of f that is a modifier
    forms = {f for f in base | stripped if len(f) >= 2 and not re.fullmatch(r"(产业链|产业集群|产业|行业|业)", f)}
    if any(len(f) >= 2 and f in name for f in forms):
        return True
    return any(len(p) >= 2 and p in name for f in forms for p in lex.products_of.get(f, ()))


def _is_heading(doc: Document, ind: Mention) -> bool:
    """An industry that heads a clause: 加快发展新能源产业, / 45个现代能源产业项目….

    A sector word inside a statement (全市新能源装机容量达到…) heads nothing.
    """
    sent = doc.sentences[ind.sentence]
    # position of the mention in the clean sentence
    try:
        cs = sent.pos.index(ind.start)
    except ValueError:
        return False
    ce = cs + len(ind.label)
    before = sent.clean[max(0, cs - 10) : cs]
    clause_before = re.split(r"[,;:。]", before)[-1]
    if _DEV_VERB.search(clause_before):
        return True
    if _HEAD_AFTER.match(sent.clean[ce : ce + 4]):
        return True
    return False


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
        head = [p for p in inner if p.start == m.start] if m.type != "Institution" else []
        # owner + place + …: 中广核固阳50万千瓦风电项目 is in 固阳
        owners = [o for o in ms if o.type == "Enterprise" and o.start == m.start and o.end < m.end]
        head += [p for p in inner for o in owners if p.start == o.end]
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
        if e.type != "District" and code != (doc.jurisdiction_code or "")[:2] + "0" * 10:
            continue
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
