"""Stage 2: find typed entity mentions in each sentence.

Small single-purpose recognisers run over ``Sentence.clean`` and propose
``Candidate`` spans; ``choose`` keeps the best non-conflicting set:

* ``lexicon_candidates``  – divisions, known industries, enterprises, places
                            (Aho-Corasick over our generic lexicons)
* ``list_candidates``     – ``实施A、B、C等项目``: one project per item, the owner
                            before capacity/phase/product becomes an Enterprise
* ``named_project_candidates`` – ``…项目/工程`` with an owner, number or place
* ``suffix_candidates``   – names closed by a type suffix (…示范区, …研究院, …集团,
                            …高铁, 国道335…段) with the left edge found by
                            ``name_start`` (clause start, trigger verbs, 的)
* ``industry_candidates`` – modifier + known sector + 产业/行业/业
* ``context_enterprises`` – firms known only from context (X等6家…企业, 成为)

Only generic cues are used (see ``kg/data``): the rules must hold on reports
they have never seen.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import lexicon as lexmod
from . import segment
from .doc import Document, Mention, Sentence

CJK = "\u4e00-\u9fff"
_BOUND = set(",;:。、()!?[]《》<>|\"'；：，（）！？【】")
_QUOTES = "“”‘’\"'「」"
_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)"
_UNIT = r"(?:万吨|亿吨|千吨|吨|万千瓦|千瓦|兆瓦|GW|MW|KW|kW|万台|台|套|万辆|辆|万平方米|平方米|亩|万亩|公里|千伏|kV|万锭|万头|万只|万羽|亿元|万元|米|条|座|个)"
_CAPACITY_RE = re.compile(rf"(?:年产能?|年处理|年加工)?{_NUM}{_UNIT}")
_LEADING_COUNT = re.compile(rf"^(?:{_NUM}[个家项批户座所])")
_STREET_AFTER = ("大街", "路", "街", "大道", "小区", "公园", "广场")
_GENERIC_ADJ = re.compile(
    r"^(国家级|国家|全国|自治区级|自治区|省级|市级|区域性|首批|第[一二三四五六七八九十]批|新一批|一批|"
    r"绿色|智慧|数字|智能|现代|特色|高新技术|新型|示范|重点|重大|优秀|综合|区域|相关|各类|各级|一流)+"
)

_SUBAREA_DENY = {
    "重点", "贫困", "边远", "偏远", "农村", "牧区", "城镇", "沿海", "部分", "其他", "周边", "相关", "有关", "广大",
    "少数", "民族", "全年", "欠发达", "发达", "困难", "受灾", "重要", "同类", "国内", "国外", "境外", "中心",
    "城市", "东部", "西部", "中部", "北方", "南方", "推广", "示范", "各个", "其它", "全国", "全区", "全市",
    "符合", "不同", "特定", "所在", "邻近", "适宜", "试点", "有条件", "条件", "这些", "上述", "缺水", "干旱",
}



@dataclass
class Candidate:
    start: int  # offsets in sentence.clean
    end: int
    type: str
    label: str
    rule: str
    score: float = 1.0
    canonical: str | None = None
    attrs: dict = field(default_factory=dict)


@dataclass
class Context:
    """Per-document facts the recognisers need (jurisdiction scope)."""

    lex: lexmod.Lexicon
    jurisdiction_code: str | None = None

    def in_scope(self, code: str) -> bool:
        """A division inside (or equal to) the reporting jurisdiction."""
        j = self.jurisdiction_code
        if not j:
            return False
        if j[2:] == "0" * 10:
            return code[:2] == j[:2]
        if j[4:] == "0" * 8:
            return code[:4] == j[:4]
        return code == j


# ---------------------------------------------------------------- regex tables
@lru_cache(maxsize=1)
def _patterns():
    lex = lexmod.load()

    def alt(words):
        return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))

    return {
        "trigger": re.compile(alt(lex.cue("trigger"))),
        "zone": re.compile(alt(lex.cue("zone"))),
        "inst": re.compile(alt(lex.cue("inst"))),
        "infra": re.compile(alt(lex.cue("infra"))),
        "ent_strong": re.compile(alt(lex.cue("ent_strong"))),
        "ent_weak": re.compile(alt(lex.cue("ent_weak"))),
        "owner_stop": re.compile(
            rf"{_NUM}|{alt(lex.cue('capacity'))}|{alt(lex.cue('phase'))}|{alt(lex.cue('modifier'))}"
        ),
        "person": re.compile(rf"(?:{alt(lex.cue('person'))})$"),
        "aspiration": re.compile(rf"(?:{alt(lex.cue('aspiration'))})$"),
        "weak": set(lex.cue("weak")),
        "designation": re.compile(alt(lex.cue("designation"))),
        "phase": re.compile(alt(lex.cue("phase"))),
        "list_end": re.compile(rf"等(?:一批|{_NUM}[个项批])?([{CJK}]{{0,6}}?)(项目|工程)"),
        "project_end": re.compile(r"(项目|工程)"),
        "ent_list_end": re.compile(rf"等(?:{_NUM}[家户个])?(?:[{CJK}]{{0,10}}?)(?:企业|公司|集团|银行)"),
        "road": re.compile(
            rf"(?:\d{{2,4}}国道|国道\d{{2,4}}|省道\d{{2,4}}|\d{{2,4}}省道|[GS]\d{{1,4}})"
            rf"(?:[{CJK}]{{2,8}}至[{CJK}]{{2,10}}段|[{CJK}]{{0,6}}?(?:绕城公路|公路|高速公路|高速|一级公路|线))"
        ),
        "span_road": re.compile(rf"([{CJK}]{{2,8}})至([{CJK}]{{2,10}}?)(?:口岸)?(?:跨境)?(?:[{CJK}]{{0,4}})(?:公路|铁路|高速|通道)"),
        "seg_ends": re.compile(rf"(?:国道|省道|\d)*([{CJK}]{{2,8}}?)至([{CJK}]{{2,8}})段"),
        "place_suffix": re.compile(r"(流域|城市群|都市圈|经济带|经济圈|经济区)"),
        "subarea_suffix": re.compile(r"(地区|片区|新城|都市区|腾空区)"),
        "township": re.compile(alt(lex.cue("township"))),
        "ent_context_after": re.compile(rf"^(?:等{_NUM}家|等{_NUM}户|成为|入选|落户|获评|荣获|实现|被评为|被认定为)"),
        "ind_suffix": re.compile(r"^(产业链|产业集群|产业|行业|业)"),
        "ind_pattern": re.compile(r"(产业链|产业集群|产业|行业)"),
    }


# ---------------------------------------------------------------- helpers
def clause_start(c: str, i: int) -> int:
    j = i
    while j > 0 and c[j - 1] not in _BOUND:
        j -= 1
    return j


def name_start(c: str, i: int, bounds: set[int], stop_at_de: bool = True, official: bool = False,
               keep_tail: bool = False) -> int:
    """Left edge of a name ending just before ``i``.

    Walk back to the clause start, then move right past the last trigger verb
    (一 aligned to a jieba word end) and past the last 的; skip a leading
    count (43个) and quotes.
    """
    pats = _patterns()
    j = clause_start(c, i)
    best = j
    strong_end = j
    for m in pats["trigger"].finditer(c, j, i):
        if keep_tail and m.end() >= i - 1:
            continue  # 压水堆燃料元件生产线改扩建: a verb closing a list item is part of it
        if m.group() == "的" and not stop_at_de:
            continue
        single = len(m.group()) == 1 and m.group() != "的"
        if m.end() in bounds and (not single or m.start() in bounds):
            best = max(best, m.end())
            if m.group() not in pats["weak"]:
                strong_end = max(strong_end, m.end())
    if official and best > strong_end:
        # 自治区军民融合发展创新示范区: a weak verb inside an official name does not cut it
        d = pats["designation"].search(c, strong_end, best)
        if d is not None:
            best = d.start()
    m = _LEADING_COUNT.match(c[best:i])
    if m and i - best - m.end() >= 2:
        best += m.end()
    while best < i and c[best] in _QUOTES:
        best += 1
    return best


def _balanced(label: str) -> bool:
    return label.count("“") == label.count("”") and label.count("(") == label.count(")")


def _is_generic(label: str, lex) -> bool:
    core = _GENERIC_ADJ.sub("", label)
    return label in lex.generic or core in lex.generic or len(core) < 2


# ---------------------------------------------------------------- recognisers
def lexicon_candidates(c: str, bounds: set[int], ctx: Context, lexhits: list) -> list[Candidate]:
    out = []
    pats = _patterns()
    for s, e, form, payload in lexhits:
        aligned = s in bounds and e in bounds
        before = c[max(0, s - 4) : s]
        for kind, canon in payload:
            if kind == "division":
                after = c[e : e + 2]
                if any(after.startswith(x) for x in _STREET_AFTER):
                    continue
                codes = canon.split("|")
                code = _pick_code(codes, ctx)
                div = ctx.lex.divisions[code]
                short = form != div.name
                if short and not aligned:
                    continue
                if short and div.level == 3 and not _near(code, ctx):
                    continue  # a county's short form counts only near home (东胜 yes, 公安 no)
                if short and len(form) == 2 and c[e : e + 1] in ("市", "县", "区", "旗", "省"):
                    continue  # the full form is matched separately
                typ = "District" if ctx.in_scope(code) else "Place"
                attrs = {"code": code}
                if _BRANCH_AFTER.match(c, e):
                    attrs["branch"] = True
                out.append(Candidate(s, e, typ, form, "lex-division", 2.0, div.name, attrs))
            elif kind == "place":
                if any(c[e:].startswith(x) for x in _STREET_AFTER):
                    continue
                if len(form) <= 2 and not aligned:
                    continue
                out.append(Candidate(s, e, "Place", form, "lex-place", 1.5, canon))
            elif kind == "enterprise":
                if len(form) <= 3 and not aligned:
                    continue
                if pats["person"].search(before) or c[e : e + 2] == "同志":
                    continue
                out.append(Candidate(s, e, "Enterprise", form, "lex-enterprise", 2.0, canon))
            elif kind == "industry":
                info = ctx.lex.industries.get(canon, {})
                if info.get("kind") == "generic":
                    continue
                if len(form) <= 2 and s not in bounds:
                    continue
                out.append(_extend_industry(c, s, e, canon, ctx))
    return [x for x in out if x is not None]


_BRANCH_AFTER = re.compile(r"(分院|分公司|分行|分中心|分所|分部)")


def _near(code: str, ctx: Context) -> bool:
    j = ctx.jurisdiction_code
    return bool(j) and code[:2] == j[:2]


def _pick_code(codes: list[str], ctx: Context) -> str:
    codes = sorted(codes)
    inside = [x for x in codes if ctx.in_scope(x)]
    if inside:
        return inside[0]
    j = ctx.jurisdiction_code
    if j:
        same = [x for x in codes if x[:2] == j[:2]]
        if same:
            return same[0]
    return codes[0]


# What may follow an industry name for it to be named as a sector (not used as a
# modifier: 银行业机构, 5G站址, 会展城市, 房地产业健康发展 are not sector mentions).
_IND_FOLLOW = re.compile(
    r"^(?:$|[,;:。、)”\"'!?]|等|和|及|产值|产量|产能|增加值|项目|重点项目|企业|收入|营收|投资|装机|加快|发展|实现|增长|年销|年产|集群|链条|全产业链|产业|行业|业)"
)


def _extend_industry(c: str, s: int, e: int, canon: str, ctx: Context) -> Candidate | None:
    """稀土 + 产业 → 稀土产业; 现代 + 装备制造业 → 现代装备制造业."""
    lex = ctx.lex
    m = _patterns()["ind_suffix"].match(c, e)
    if m and not (c[e - 1] == "业" and m.group() == "业"):
        e = m.end()
    if not _IND_FOLLOW.match(c[e : e + 4]) and not _patterns()["zone"].match(c, e) and not c.startswith("示范", e):
        return None  # 银行业机构, 5G站址: a modifier, not a sector; (…产业示范基地 is a zone's name)
    s = _strip_modifiers_left(c, s, lex)
    label = c[s:e]
    canonical = lex.industry_alias.get(label) or lex.industry_alias.get(_strip_ind_suffix(label))
    attrs = {}
    if canonical is None:
        canonical = _strip_chain(label)
        attrs["broader"] = canon
    kind = lex.industries.get(canonical, {}).get("kind")
    if kind == "generic":
        return None
    return Candidate(s, e, "Industry", label, "lex-industry", 1.8, canonical, attrs)


def _strip_modifiers_left(c: str, s: int, lex) -> int:
    """Move ``s`` left over every industry modifier written just before it, the
    longest first.  Only one modifier of each length can end at ``s``, so testing
    one slice per modifier length finds the same one as testing every modifier."""
    mods = lex.industry_heads.get("modifier", set())
    lengths = lex.modifier_lengths
    moved = True
    while moved:
        moved = False
        for n in lengths:
            if s - n >= 0 and c[s - n : s] in mods:
                s -= n
                moved = True
                break
    return s


def _strip_ind_suffix(label: str) -> str:
    for suf in ("产业链", "产业集群", "产业", "行业"):
        if label.endswith(suf) and len(label) > len(suf) + 1:
            return label[: -len(suf)]
    return label


def _strip_chain(label: str) -> str:
    for suf in ("产业链条", "产业链", "产业集群", "链条"):
        if label.endswith(suf) and len(label) > len(suf) + 1:
            return label[: -len(suf)] + ("" if suf.startswith("产业") is False else "产业" if suf != "产业集群" else "")
    return label


@lru_cache(maxsize=1)
def _industry_pieces() -> tuple[frozenset, list[int]]:
    lex = lexmod.load()
    pieces = frozenset(lex.industry_heads.get("head", set()) | lex.industry_heads.get("modifier", set()) | set(lex.industry_alias))
    return pieces, sorted({len(p) for p in pieces}, reverse=True)


def industry_pattern_candidates(c: str, bounds: set[int], ctx: Context) -> list[Candidate]:
    """Unseen sector names: MODIFIER* + HEAD + 产业/行业/产业链/产业集群.

    The name is composed right to left from known pieces only (sector heads,
    modifiers, known industry names), so 发行自治区钢铁行业 yields 钢铁行业 and
    中核科技创新产业园 yields nothing.
    """
    out = []
    lex = ctx.lex
    heads = lex.industry_heads.get("head", set())
    pieces, lengths = _industry_pieces()
    for m in _patterns()["ind_pattern"].finditer(c):
        if c[m.end() : m.end() + 1] in ("园", "区", "基") or c[m.end(): m.end() + 2] in ("示范", "基地", "学院", "联盟"):
            continue  # 产业园, 产业示范基地, 产业学院: part of another name
        s = m.start()
        has_head = False
        while s > 0:
            for n in lengths:
                piece = c[s - n : s] if s - n >= 0 else ""
                if piece in pieces:
                    if piece in heads or piece in lex.industry_alias:
                        has_head = True
                    s -= n
                    break
            else:
                break
        if not has_head or m.start() - s < 1:
            continue
        label = c[s : m.end()]
        if _is_generic(label, lex) or not _IND_FOLLOW.match(c[m.end() : m.end() + 4]):
            continue
        canonical = lex.industry_alias.get(label) or lex.industry_alias.get(_strip_ind_suffix(label))
        if canonical and lex.industries.get(canonical, {}).get("kind") == "generic":
            continue
        out.append(Candidate(s, m.end(), "Industry", label, "pattern-industry", 1.2, canonical or _strip_chain(label)))
    return out


def _owner_split(item: str, lexhits_item: list, ctx: Context) -> tuple[str, str]:
    """Split a project item into (owner, rest) at the first capacity/phase/product cue."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9]*)(?=[" + CJK + "])", item)
    if m:
        return m.group(1), item[m.end():]
    # a known enterprise at the very start wins
    best = ""
    for s, e, form, payload in lexhits_item:
        if s == 0 and any(k == "enterprise" for k, _ in payload) and len(form) > len(best):
            best = form
    if best:
        # extend over an enterprise suffix (迪尚 + 集团) or a short unit name (航天 + 九院)
        m2 = _patterns()["ent_strong"].match(item, len(best))
        end = m2.end() if m2 else len(best)
        nxt = _patterns()["owner_stop"].search(item, end)
        if not m2 and nxt and 0 < nxt.start() - end <= 2 and not any(
                s == end and any(k in ("product", "industry", "division") for k, _ in p) for s, e, f, p in lexhits_item):
            end = nxt.start()
        return item[:end], item[end:]
    stop = None
    for m in _patterns()["owner_stop"].finditer(item):
        if m.start() >= 2:
            stop = m.start()
            break
    # a known product/industry word also starts the product part
    for s, e, form, payload in lexhits_item:
        # a product/industry word or a place (三峡 | 乌审旗 | 风光制氢) starts the rest
        if s >= 2 and any(k in ("product", "industry", "division") for k, _ in payload):
            stop = s if stop is None else min(stop, s)
            break
    if stop is None:
        return "", item
    # 华瑞新材料1000吨…, 恒泰新材料三期…: a trade word before the figure belongs to the firm
    for m in _patterns()["ent_weak"].finditer(item, max(0, stop - 4), stop + 6):
        if m.start() >= 2 and m.start() <= stop <= m.end() and _patterns()["owner_stop"].match(item, m.end()):
            return item[: m.end()], item[m.end():]
    return item[:stop], item[stop:]


def _valid_owner(owner: str, ctx: Context) -> bool:
    lex = ctx.lex
    if not (2 <= len(owner) <= 8):
        return False
    if owner in lex.enterprise_alias:
        return True
    if owner in lex.division_names or owner in lex.place_alias or owner in lex.industry_alias:
        return False
    if _is_generic(owner, lex) or any(ch.isdigit() for ch in owner):
        return False
    if _patterns()["zone"].search(owner) or _patterns()["infra"].search(owner):
        return False
    if re.search(r"(产业|行业|项目|工程|城市|企业|基地|园|区|中心|市|县|省|国家|镇|乡|苏木|街道|村)$|(产业|行业|项目|工程|城市|企业|基地|园区|中心|国家)", owner):
        return False
    if len(owner) > 4 and not (_patterns()["ent_strong"].search(owner) or _patterns()["ent_weak"].search(owner)):
        return False
    return bool(re.fullmatch(f"[{CJK}A-Za-z0-9]+", owner))


def list_candidates(c: str, bounds: set[int], ctx: Context, lexhits: list) -> list[Candidate]:
    """``A、B、C等项目``: each item a project (or, if bare, an enterprise)."""
    out = []
    for m in _patterns()["list_end"].finditer(c):
        end = m.start()
        j = clause_start(c, end)
        # the list may span several 、-separated items: walk back over 、
        k = j
        while k > 0 and c[k - 1] == "、":
            k = clause_start(c, k - 1)
        region_start = k
        items = []
        pos = region_start
        for part in c[region_start:end].split("、"):
            items.append((pos, pos + len(part)))
            pos += len(part) + 1
        first_s, first_e = items[0]
        items[0] = (name_start(c, first_e, bounds, keep_tail=True) if first_e - first_s > 0 else first_s, first_e)
        for s, e in items:
            for cand in _item_candidates(c, s, e, bounds, ctx, lexhits, rule="list", list_word=m.group(1)):
                cand.attrs = dict(cand.attrs, list_tail=(m.start(), m.end()))
                out.append(cand)
    return out


def _item_candidates(c, s, e, bounds, ctx, lexhits, rule, list_word="") -> list[Candidate]:
    # strip a leading 的-phrase (总投资170亿元的…)
    de = c.rfind("的", s, e)
    if de != -1 and e - de > 3:
        s = de + 1
    while s < e and c[s] in _QUOTES:
        s += 1
    item = c[s:e]
    if not (2 <= len(item) <= 40) or not _balanced(item) or _is_generic(item, ctx.lex):
        return []
    if re.fullmatch(rf"{_NUM}[个项批家]?", item):
        return []
    parts = [(s, e)]
    # 大全年产10万吨X和1000吨Y: two products, one owner
    mm = re.search(rf"[和及](?={_NUM}{_UNIT})", item)
    if mm:
        parts = [(s, s + mm.start()), (s + mm.end(), e)]
    out = []
    hits = [(hs - s, he - s, f, p) for hs, he, f, p in lexhits if hs >= s and he <= e]
    owner, rest = _owner_split(item, hits, ctx)
    owner_ok = owner and _valid_owner(owner, ctx)
    attrs = {"list_word": list_word} if list_word else {}
    if owner_ok:
        out.append(Candidate(s, s + len(owner), "Enterprise", owner, f"{rule}-owner", 1.5))
    located = any(k == "division" for _, _, _, p in hits for k, _ in p)
    if not owner_ok and not located and not _CAPACITY_RE.search(item) and not _has_project_head(item) and segment.looks_generic(item):
        return []  # 草原生态保护修复: a programme, not a named project
    if "等" in item or "一批" in item or (len(parts) == 1 and _BAD_IN_NAME.search(item)):
        return []
    if owner_ok and not rest and rule == "list":
        return [Candidate(s, e, "Enterprise", item, "list-bare", 1.2)]
    bare = not rest or rest == item
    if bare and not owner_ok and rule == "list":
        # 实施瑞祥、恒达等项目: a bare short name is the firm; the project is unnamed
        if 2 <= len(item) <= 4 and _valid_owner(item, ctx) and not _has_project_head(item):
            out.append(Candidate(s, e, "Enterprise", item, "list-bare", 1.2))
            return out
    for i, (ps, pe) in enumerate(parts):
        label = c[ps:pe]
        if i > 0 and owner_ok:
            attrs2 = dict(attrs, owner=owner)
        else:
            attrs2 = dict(attrs, owner=owner if owner_ok else None)
        if len(parts) > 1 and i == 0:
            attrs2["alias"] = item
        out.append(Candidate(ps, pe, "Project", label, rule, 2.5, None, attrs2))
    return out


def _has_project_head(item: str) -> bool:
    pats = _patterns()
    return bool(pats["infra"].search(item) or pats["zone"].search(item) or pats["phase"].search(item))


def named_project_candidates(c: str, bounds: set[int], ctx: Context, lexhits: list) -> list[Candidate]:
    """``X项目``/``X工程`` with evidence of a specific build (owner, number, place, phase)."""
    out = []
    pats = _patterns()
    for m in pats["project_end"].finditer(c):
        if m.start() > 0 and c[m.start() - 1] == "等":
            continue
        s = name_start(c, m.start(), bounds, keep_tail=True)
        if m.start() - s < 2:
            continue
        core_end = m.start()
        core = c[s:core_end]
        cs = clause_start(c, m.start())
        if cs > 0 and c[cs - 1] == "、":
            core = c[cs:core_end] + "、"  # route to the list branch below
        stripped = re.sub(r"(重大|重点|产业|建设|示范)+$", "", core)
        if len(stripped) < 2:
            continue
        if "、" in core:
            # 总投资170亿元的A、总投资300亿元的B重大产业项目: a list without 等
            region = clause_start(c, m.start())
            k = region
            while k > 0 and c[k - 1] == "、":
                k = clause_start(c, k - 1)
            pos, items = k, []
            for part in c[k : m.start()].split("、"):
                items.append((pos, pos + len(part)))
                pos += len(part) + 1
            items[0] = (name_start(c, items[0][1], bounds, keep_tail=True), items[0][1])
            last_s, last_e = items[-1]
            tail = re.search(r"(重大|重点|产业)+$", c[last_s:last_e])
            if tail:
                items[-1] = (last_s, last_s + tail.start())
            items = [(a, b) for a, b in items if b > a]
            if items and all(_CAPACITY_RE.search(c[a:b]) or pats["phase"].search(c[a:b]) for a, b in items):
                for a, b in items:
                    out.extend(_item_candidates(c, a, b, bounds, ctx, lexhits, rule="list"))
            continue
        if "等" in core or not _balanced(core):
            continue
        hits = [(hs - s, he - s, f, p) for hs, he, f, p in lexhits if hs >= s and he <= core_end]
        evidence = (
            _CAPACITY_RE.search(stripped)
            or pats["phase"].search(stripped)
            or pats["infra"].search(stripped)
            or any(any(k in ("enterprise", "division") for k, _ in p) for _, _, _, p in hits)
            or re.match(rf"^[{CJK}]{{2,4}}(镇|乡|苏木)", stripped)
        )
        owner, rest = _owner_split(stripped, hits, ctx)
        owner_ok = owner and _valid_owner(owner, ctx) and rest and (
            owner in ctx.lex.enterprise_alias or not segment.is_common_word(owner))
        if not (evidence or owner_ok):
            continue
        if _is_generic(stripped, ctx.lex) or _LEADING_COUNT.match(stripped) or _BAD_IN_NAME.search(stripped):
            continue
        if not owner_ok and not evidence and _GENERIC_START.match(stripped) and segment.looks_generic(stripped):
            continue  # 城市资源化利用工程: a programme, not a named build
        label = c[s : m.end()]
        cands = []
        appositive = _appositive_name(c, m.end(), bounds)
        if appositive is not None and not owner_ok:
            # 外资商业综合体项目台湾新光中心签约落地: the descriptor names a class, the name follows
            a, b = appositive
            out.append(Candidate(a, b, "Project", c[a:b], "appositive-project", 2.3))
            continue
        if owner_ok:
            cands.append(Candidate(s, s + len(owner), "Enterprise", owner, "project-owner", 1.5))
        attrs = {"owner": owner if owner_ok else None}
        if stripped != core:
            attrs["alias"] = label
            label = stripped
        cands.append(Candidate(s, m.end(), "Project", label, "named-project", 2.2, None, attrs))
        out.extend(cands)
    return out


_GENERIC_START = re.compile(r"^(城市|城乡|农村|全市|全区|重点|民生|基础设施|公共|老旧|社会|传统|工业|企业|产业|生态|环境|数字|智慧|绿色)")
_BAD_IN_NAME = re.compile(rf"(等|一批|{_NUM}[个条家项所座处]|(?<!碳中)和|[1-5]A级)")


def _specific_name(label: str, prefix: str, key: str, ctx: Context) -> bool:
    """Reject generic designations (国家重点实验室, 医疗集团, 创业孵化基地).

    A name is specific when it holds an unknown word (a proper name such as
    瑞德丰), a known place or firm, or - for zones and institutions - a known
    industry or product (国家应急产业示范基地, 稀土功能材料创新中心).
    """
    if key == "infra":
        return True  # checked by the caller (railway abbreviations are dictionary words)
    text = prefix if key == "ent_strong" else label
    if segment.has_proper_piece(text):
        return True
    kinds = set()
    for _, _, _, payload in lexmod.iter_matches(ctx.lex, text):
        for k, v in payload:
            if k == "industry" and ctx.lex.industries.get(v, {}).get("kind") in ("generic", "broad"):
                continue
            kinds.add(k)
    if kinds & {"division", "place", "enterprise"}:
        return True
    if key == "ent_strong":
        return False
    if kinds & {"industry", "product"}:
        return True
    if key == "zone":
        d = _patterns()["designation"].match(label)
        return d is not None and label.endswith(("示范区", "试验区", "先行区", "实验区", "口岸"))
    return False


def _appositive_name(c: str, i: int, bounds: set[int]) -> tuple[int, int] | None:
    """A proper name right after ``…项目`` and before the clause's verb, if any."""
    if i >= len(c) or not re.match(f"[{CJK}]", c[i]):
        return None
    m = _patterns()["trigger"].search(c, i, min(len(c), i + 14))
    j = m.start() if m else None
    k = i
    while k < len(c) and c[k] not in _BOUND:
        k += 1
    if j is None or j > k or not (3 <= j - i <= 12) or j not in bounds:
        return None
    name = c[i:j]
    if not segment.has_proper_piece(name) or _BAD_IN_NAME.search(name):
        return None
    return i, j


def suffix_candidates(c: str, bounds: set[int], ctx: Context) -> list[Candidate]:
    """Zones, institutions, infrastructure and strong-suffix enterprises."""
    out = []
    pats = _patterns()
    for key, typ, min_prefix in (("zone", "Zone", 2), ("inst", "Institution", 2), ("infra", "Project", 2), ("ent_strong", "Enterprise", 2)):
        for m in pats[key].finditer(c):
            e = m.end()
            pm = _PAREN_QUALIFIER.match(c, e)
            if pm and typ in ("Zone", "Project"):
                e = pm.end()
            s = name_start(c, m.start(), bounds, official=typ in ("Zone", "Institution"))
            if c[s - 1 : s] == "的" and typ == "Zone":
                continue  # 全国最大的…基地: a description, not a name
            if typ == "Zone" and pats["aspiration"].search(c[max(0, s - 3) : s]):
                continue  # 争当…先行区: a goal, not a zone
            if _COUNTED_BIG.search(c, s, m.start()):
                continue  # 四大产业基地: a count of things, not a name
            prefix = c[s : m.start()]
            if _COUNTED_BEFORE.search(c[max(0, s - 5) : s]):
                continue  # 改造升级30个…基地: a counted class, not a name
            if len(prefix) < min_prefix and not (typ == "Zone" and len(m.group()) >= 5):
                continue
            if len(prefix) > 24:
                continue
            label = c[s:e]
            if not _balanced(label) or _is_generic(label, ctx.lex) or _BAD_IN_NAME.search(label):
                continue
            if not _specific_name(label, prefix, key, ctx):
                continue
            core = _GENERIC_ADJ.sub("", prefix)
            if typ == "Zone" and (len(core) < 2 and len(m.group()) < 5):
                continue
            if typ == "Zone" and m.group() in ("高新区", "经开区") and 2 <= len(prefix) <= 4:
                typ2 = "District"  # 稀土高新区: a functional district of the city
            elif typ == "Zone" and m.group() == "城市群":
                typ2 = "Zone" if "示范" in label else "Place"
            else:
                typ2 = typ
            if typ == "Enterprise":
                if pats["person"].search(c[max(0, s - 4) : s]) or len(prefix) > 10:
                    continue
                if _OWNERSHIP_END.search(prefix):
                    continue
            if typ == "Project" and (_WORK_VERB.search(prefix) or (
                    m.group() not in ("高铁", "铁路", "城际铁路", "高速公路", "机场", "生产线") and segment.looks_generic(label))):
                continue  # 重卡换电站, 生产服务型国家物流枢纽: generic, not a named build
            out.append(Candidate(s, e, typ2, label, f"suffix-{key}", 1.6 + 0.02 * len(m.group())))
    out += _road_candidates(c, bounds, pats)
    out += _grouping_candidates(c, bounds, ctx, pats)
    return out


# Suffix-rule patterns, compiled once (they ran per match and per sentence).
_PAREN_QUALIFIER = re.compile(r"\([A-Za-z0-9" + CJK + r"]{1,6}\)")
_COUNTED_BIG = re.compile(r"[一二三四五六七八九十两\d]大")
_COUNTED_BEFORE = re.compile(rf"{_NUM}[个家所座处]$")
_OWNERSHIP_END = re.compile(r"(企业|国有|民营|市属|区属|地方)$")
_WORK_VERB = re.compile(r"(建设|改造|发展|提升|推进)")
_ROAD_ANCHOR = re.compile(r"国道|省道|[GS]\d")
_HAS_COUNT = re.compile(r"[\d一二三四五六七八九十两几]")


def _road_candidates(c: str, bounds: set[int], pats: dict) -> list[Candidate]:
    """Numbered roads (G65, 国道335…段) and spans (A至B公路).

    Both patterns open with a character-class repeat, which the regex engine
    tries at every position; a road always names 国道/省道/G-/S-number, a span
    always 至, so a sentence without them is skipped without scanning it.
    """
    out = []
    if _ROAD_ANCHOR.search(c):
        out += _numbered_roads(c, pats)
    if "至" in c:
        out += _span_roads(c, bounds, pats)
    return out


def _numbered_roads(c: str, pats: dict) -> list[Candidate]:
    out = []
    for m in pats["road"].finditer(c):
        s = m.start()
        if c[s - 1 : s].isdigit():
            continue
        out.append(Candidate(s, m.end(), "Project", m.group(), "road", 2.4))
        seg = pats["seg_ends"].search(m.group())
        if seg and seg.group(1).startswith(("国道", "省道")):
            seg = None
        if seg:
            for g in (1, 2):
                out.append(Candidate(s + seg.start(g), s + seg.end(g), "Place", seg.group(g), "road-end", 0.8))
    return out


def _span_roads(c: str, bounds: set[int], pats: dict) -> list[Candidate]:
    out = []
    for m in pats["span_road"].finditer(c):
        s = max(name_start(c, m.end(1), bounds), m.start())
        if m.end(1) - s < 2:
            continue
        label = c[s : m.end()]
        out.append(Candidate(s, m.end(), "Project", label, "span-road", 2.3))
        out.append(Candidate(s, m.end(1), "Place", c[s : m.end(1)], "road-end", 0.8))
    return out


def _grouping_candidates(c: str, bounds: set[int], ctx: Context, pats: dict) -> list[Candidate]:
    """Geographic groupings (…流域, …城市群) and sub-areas (…片区, …新城)."""
    out = []
    for m in pats["place_suffix"].finditer(c):
        s = name_start(c, m.start(), bounds)
        prefix = c[s : m.start()]
        if not (2 <= len(prefix) <= 10) or _is_generic(prefix, ctx.lex):
            continue
        label = c[s : m.end()]
        if "示范" in label or not _balanced(label):
            continue
        out.append(Candidate(s, m.end(), "Place", label, "place-suffix", 1.4))
    for m in pats["subarea_suffix"].finditer(c):
        s = name_start(c, m.start(), bounds)
        while s < m.start() and c[s] in "和与及":
            s += 1
        prefix = c[s : m.start()]
        want = (1, 3) if m.group() in ("都市区", "腾空区") else (2, 2)
        if not (want[0] <= len(prefix) <= want[1]) or prefix in _SUBAREA_DENY or _is_generic(prefix + m.group(), ctx.lex) \
                or _HAS_COUNT.search(prefix):
            continue
        out.append(Candidate(s, m.end(), "District", prefix + m.group(), "subarea", 1.3))
    return out


def enterprise_list_candidates(c: str, bounds: set[int], ctx: Context) -> list[Candidate]:
    """``甲钢、瑞德丰等钢铁企业``, ``安泰科技等6家…企业``: each item is a firm."""
    out = []
    for m in _patterns()["ent_list_end"].finditer(c):
        end = m.start()
        k = clause_start(c, end)
        while k > 0 and c[k - 1] == "、":
            k = clause_start(c, k - 1)
        pos, items = k, []
        for part in c[k:end].split("、"):
            items.append((pos, pos + len(part)))
            pos += len(part) + 1
        items[0] = (name_start(c, items[0][1], bounds), items[0][1])
        for a, b in items:
            name = c[a:b]
            if (2 <= len(name) <= 10 and _valid_owner(name, ctx)) or name in ctx.lex.enterprise_alias:
                out.append(Candidate(a, b, "Enterprise", name, "list-enterprise", 1.3))
    return out


_TOWN_DENY = re.compile(r"(乡镇|城镇|小镇|集镇|重点镇|中心镇|建制镇|各乡|乡村|城乡|家乡|下乡|返乡|回乡|异乡|故乡|老乡|全乡|全镇|本乡|本镇|该镇|街道)$")


def township_candidates(c: str, bounds: set[int], ctx: Context) -> list[Candidate]:
    """金山镇, 满都拉镇, 巴音花苏木: township-level divisions (named sub-areas)."""
    out = []
    for m in _patterns()["township"].finditer(c):
        if m.end() < len(c) and c[m.end()] in "村长级域内政区":
            continue  # 乡村, 镇长, 镇级, 镇域 …
        s = name_start(c, m.start(), bounds)
        prefix = c[s : m.start()]
        name = prefix + m.group()
        if not (2 <= len(prefix) <= 4) or not re.fullmatch(f"[{CJK}]+", prefix) or _TOWN_DENY.search(name):
            continue
        if _is_generic(name, ctx.lex) or segment.looks_generic(prefix) and prefix not in ctx.lex.division_names:
            continue
        out.append(Candidate(s, m.end(), "District", name, "township", 1.25))
    return out


def context_enterprises(c: str, bounds: set[int], ctx: Context) -> list[Candidate]:
    """Firms named only by context: ``X磁材成为…``, ``X科技等6家…企业``."""
    out = []
    pats = _patterns()
    for m in pats["ent_weak"].finditer(c):
        after = c[m.end() : m.end() + 6]
        if not pats["ent_context_after"].match(after):
            continue
        s = name_start(c, m.start(), bounds)
        prefix = c[s : m.start()]
        if not (2 <= len(prefix) <= 4) or not re.fullmatch(f"[{CJK}A-Za-z]+", prefix):
            continue
        label = c[s : m.end()]
        if _is_generic(label, ctx.lex) or label in ctx.lex.industry_alias or prefix in ctx.lex.division_names:
            continue
        out.append(Candidate(s, m.end(), "Enterprise", label, "context-enterprise", 1.4))
    return out


# ---------------------------------------------------------------- selection
def choose(cands: list[Candidate]) -> list[Candidate]:
    """Keep the best candidates: no crossing spans, no same-type nesting.

    Different types may nest (an Enterprise inside a Project name, a District
    inside an Institution name); for the same span the higher score wins.
    """
    kept: list[Candidate] = []
    for cand in sorted(cands, key=lambda x: (-(x.end - x.start), -x.score, x.start, x.type)):
        ok = True
        for k in kept:
            if cand.end <= k.start or cand.start >= k.end:
                continue
            inside = k.start <= cand.start and cand.end <= k.end
            if not inside:
                # crossing spans: keep the earlier-chosen (longer) one unless much weaker
                ok = False
                break
            if k.type == cand.type or (k.start == cand.start and k.end == cand.end):
                ok = False
                break
        if ok:
            kept.append(cand)
    return _drop_nested(sorted(kept, key=lambda x: (x.start, x.end, x.type)))


_COUNT_AFTER = re.compile(rf"^{_NUM}[个座家项处条所台套]")


def _drop_counted(c: str, kept: list[Candidate]) -> list[Candidate]:
    """建设重卡换电站40座, 实施技改项目76个: a counted class of facilities, not one named build."""
    return [k for k in kept if not (k.type == "Project" and k.rule != "list" and _COUNT_AFTER.match(c[k.end : k.end + 6]))]


def _drop_nested(kept: list[Candidate]) -> list[Candidate]:
    """Nested mentions that are only part of another name.

    An infrastructure word inside a zone name (包头机场 in 包头机场航空口岸) is not
    a project; a place in the middle of a name (广东 in …示范应用广东城市群) is not
    a mention of that place.  Places at the head of a name (包头九原健康城) stay:
    they locate the entity.  Industries inside names are marked ``nested``
    (resolve keeps them only if also named on their own).
    """
    out = []
    for cand in kept:
        containers = [k for k in kept if k is not cand and k.start <= cand.start and cand.end <= k.end
                      and (k.end - k.start) > (cand.end - cand.start)]
        if containers:
            outer = max(containers, key=lambda k: k.end - k.start)
            if cand.type == "Project" and cand.rule.startswith("suffix"):
                continue
            if cand.type == "Place" and cand.rule != "road-end":
                at_head = any(k.start == cand.start or _starts_after_head(k, cand, kept) for k in containers)
                if not at_head and not cand.attrs.get("branch"):
                    continue
            cand.attrs = dict(cand.attrs, nested=outer.type)
        out.append(cand)
    return out


def _starts_after_head(container: Candidate, cand: Candidate, kept: list[Candidate]) -> bool:
    """包头 + 九原 + 健康城: a district right after the head place is still at the head."""
    return any(k.type in ("District", "Place") and k.start == container.start and k.end == cand.start for k in kept)


def extract_sentence(sent: Sentence, ctx: Context) -> list[Candidate]:
    c = sent.clean
    toks = segment.tokens(c)
    jieba_bounds = segment.boundaries(toks)
    lexhits = lexmod.iter_matches(ctx.lex, c)
    bounds = set(jieba_bounds)
    for s, e, _, _ in lexhits:  # lexicon names are protected: their edges are boundaries
        bounds.add(s)
        bounds.add(e)
    cands: list[Candidate] = []
    cands += lexicon_candidates(c, jieba_bounds, ctx, lexhits)
    cands += industry_pattern_candidates(c, bounds, ctx)
    cands += list_candidates(c, bounds, ctx, lexhits)
    cands += named_project_candidates(c, bounds, ctx, lexhits)
    cands += suffix_candidates(c, bounds, ctx)
    cands += context_enterprises(c, bounds, ctx)
    cands += enterprise_list_candidates(c, bounds, ctx)
    cands += township_candidates(c, bounds, ctx)
    return _drop_counted(c, choose(cands))


def detect_jurisdiction(doc: Document, lex: lexmod.Lexicon, written: str | None) -> None:
    """Set the document's jurisdiction from its title, else the most named division."""
    from collections import Counter

    code = None
    if written:
        for form in (written, written.rstrip("市县区旗盟省")):
            codes = lex.division_names.get(form)
            if codes:
                exact = [x for x in codes if lex.divisions[x].name == written]
                code = sorted(exact or codes)[0]
                break
    if code is None:
        counts: Counter = Counter()
        for s, e, form, payload in lexmod.iter_matches(lex, doc.text[:20000]):
            for kind, canon in payload:
                if kind == "division" and len(form) >= 3:
                    counts[sorted(canon.split("|"))[0]] += 1
        if counts:
            code = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    if code:
        doc.jurisdiction_code = code
        doc.jurisdiction = lex.divisions[code].name


def extract(doc: Document, ctx: Context) -> None:
    for sent in doc.sentences:
        for cand in extract_sentence(sent, ctx):
            start, end = sent.span(cand.start, cand.end)
            attrs = dict(cand.attrs)
            if "list_tail" in attrs:
                attrs["list_tail"] = sent.span(*attrs["list_tail"])
            doc.mentions.append(
                Mention(start, end, cand.label, cand.type, sent.idx, cand.rule, cand.canonical, attrs)
            )
