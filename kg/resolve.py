"""Stage 3: merge mentions into entities with one canonical label each.

Lexicon-backed entities (divisions, taxonomy industries, known enterprises,
named geography) take the lexicon's name, so the same thing gets the same IRI
in every report; pattern entities take their longest surface form.  Short and
full forms merge: 北重 ~ 北重集团, 新能源 ~ 新能源产业, 可再生能源综合应用示范区 ~
国家可再生能源综合应用示范区, X ~ X项目.
"""
from __future__ import annotations

import re

from . import lexicon as lexmod
from .doc import Document, Entity, Mention

_PROJECT_TAIL = re.compile(r"(项目|工程)$")
_ZONE_HEAD = re.compile(r"^(国家级|国家|全国|自治区级|自治区|省级)")
_ENT_TAIL = re.compile(
    r"(集团有限公司|集团股份有限公司|股份有限公司|有限责任公司|有限公司|集团公司|股份公司|集团|公司|股份|控股)$"
)
_IND_TAIL = re.compile(r"(产业链|产业集群|产业|行业|业)$")


def match_key(type_: str, label: str, home: tuple[str, ...] = ()) -> str:
    """The form two mentions must share to be the same entity.

    ``home`` holds the jurisdiction's names: 包头保税物流中心 ~ 保税物流中心.
    """
    if type_ in ("Zone", "Institution", "Project"):
        for h in sorted(home, key=len, reverse=True):
            if label.startswith(h) and len(label) - len(h) >= 4:
                label = label[len(h):]
                break
    if type_ == "Project":
        return _PROJECT_TAIL.sub("", label)
    if type_ == "Zone":
        return _ZONE_HEAD.sub("", label)
    if type_ == "Enterprise":
        key = _ENT_TAIL.sub("", label)
        return key if len(key) >= 2 else label
    if type_ == "Industry":
        key = _IND_TAIL.sub("", label)
        return key if len(key) >= 2 else label
    return label


def resolve(doc: Document) -> None:
    lex = lexmod.load()
    home = _home_names(doc, lex)
    groups: dict[tuple[str, str], list[Mention]] = {}
    for m in doc.mentions:
        canon = m.canonical if m.canonical else None
        if m.type == "Enterprise" and canon is None:
            canon = lex.enterprise_alias.get(m.label)
        key = (m.type, canon if canon else match_key(m.type, m.label, home))
        # a pattern mention whose key equals a lexicon alias joins that entity
        groups.setdefault(key, []).append(m)
    # merge pattern groups into lexicon groups that share a match key (北重 → 北重集团)
    merged: dict[tuple[str, str], list[Mention]] = {}
    by_match: dict[tuple[str, str], tuple[str, str]] = {}
    for key in sorted(groups, key=lambda k: (k[0], -len(k[1]), k[1])):
        mk = (key[0], match_key(key[0], key[1], home))
        target = by_match.get(mk)
        if target is None:
            by_match[mk] = key
            merged[key] = list(groups[key])
        else:
            merged[target].extend(groups[key])
    entities = []
    dropped: set[int] = set()
    for key, mentions in merged.items():
        typ, canon = key
        if typ == "Industry" and all(m.attrs.get("nested") not in (None, "Zone") for m in mentions):
            # an industry word only inside other names (稀土 in a bank branch's name) is not a mention
            dropped.update(id(m) for m in mentions)
            continue
        surfaces = {m.label for m in mentions} | {m.attrs.get("alias") for m in mentions if m.attrs.get("alias")}
        if any(m.canonical for m in mentions):
            label = next(m.canonical for m in sorted(mentions, key=lambda m: m.start) if m.canonical)
        else:
            label = max(surfaces, key=lambda s: (len(s) if s not in {m.attrs.get("alias") for m in mentions} else 0, s))
        ent = Entity(type=typ, label=label, aliases=surfaces - {label}, mentions=sorted(mentions, key=lambda m: m.start))
        for m in mentions:
            m.canonical = label
            if "code" in m.attrs:
                ent.attrs["code"] = m.attrs["code"]
            if "broader" in m.attrs and m.attrs["broader"] != label:
                ent.attrs["broader"] = m.attrs["broader"]
        if typ == "Industry":
            parent = lex.industries.get(label, {}).get("parent")
            if parent and "broader" not in ent.attrs:
                ent.attrs["broader"] = parent
        entities.append(ent)
    entities.sort(key=lambda e: (e.type, e.label))
    doc.entities = entities
    doc.mentions = [m for m in doc.mentions if id(m) not in dropped]
    doc.mentions.sort(key=lambda m: (m.start, m.end, m.type))


def _home_names(doc: Document, lex) -> tuple[str, ...]:
    if not doc.jurisdiction_code:
        return ()
    """The forms of the report's own division that begin its name, and the name itself,
    in ``division_names`` order."""
    name = lex.divisions[doc.jurisdiction_code].name
    found = {(r, f) for r, f in lex.division_forms.get(doc.jurisdiction_code, ()) if name.startswith(f)}
    if name in lex.division_rank:
        found.add((lex.division_rank[name], name))
    return tuple(f for _, f in sorted(found))


def entity_index(doc: Document) -> dict[tuple[str, str], Entity]:
    return {e.key: e for e in doc.entities}


def key_of(doc: Document, mention: Mention) -> tuple[str, str]:
    return (mention.type, mention.canonical or mention.label)
