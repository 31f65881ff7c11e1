"""Stage: numbers with units -> ``Quantity`` facts attached to entities.

Runs after entity resolution.  For each sentence (its ``clean`` view) every
number + unit found by ``kg.numbers.find_numbers`` is given

* an **attribute** (capacity, investment, outputValue, output, revenue,
  growthRate, share, count, installedCapacity, area, length, other) from the
  words just before it in its clause (产能/年产, 总投资, 产值, 产量, 营收,
  增长/下降, 占比/比重, 装机 …) and from its unit;
* a **subject**: the Project whose mention contains the number (``X年产20万吨Y``)
  or follows it (``总投资170亿元的X``), the entity heading its clause
  (``稀土产业产值达到500亿元``), the industry a count introduces
  (``45个X产业项目``), the industry of the sentence for production figures,
  or ``None`` — the reporting jurisdiction — for headline indicators
  (``地区生产总值增长8%左右``, see ``kg/data/indicators.tsv``);
* a **kind** and **year** from the report section the sentence is in (review
  of the past term / of last year, this year's plan, the five-year outlook),
  found with generic heading cues; a project's designed figures are ``plan``
  with no year.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .doc import Document, Entity, Quantity, Sentence
from .numbers import NumberMatch, find_numbers, normalize, unit_info

_DATA = Path(__file__).parent / "data"

ATTRIBUTES = ("capacity", "investment", "outputValue", "output", "revenue", "growthRate", "share",
              "count", "installedCapacity", "area", "length", "other")


# ---------------------------------------------------------------- indicators
@dataclass(frozen=True)
class Indicator:
    name: str
    forms: tuple[str, ...]
    unit_hint: str


@lru_cache(maxsize=1)
def indicators() -> list[Indicator]:
    out = []
    for line in (_DATA / "indicators.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        cols = line.split("\t") + ["", ""]
        name, aliases, hint = cols[0].strip(), cols[1].strip(), cols[2].strip()
        forms = [name] + [a for a in aliases.split("|") if a]
        out.append(Indicator(name, tuple(forms), hint))
    return out


@lru_cache(maxsize=1)
def _unit_hints() -> dict[str, str]:
    """Indicator name -> unit hint (built once, not per sentence)."""
    return {i.name: i.unit_hint for i in indicators()}


@lru_cache(maxsize=1)
def _indicator_regex() -> tuple[re.Pattern, dict[str, str]]:
    form2name: dict[str, str] = {}
    for ind in indicators():
        for f in ind.forms:
            form2name.setdefault(f, ind.name)
    alt = "|".join(re.escape(f) for f in sorted(form2name, key=len, reverse=True))
    return re.compile(alt), form2name


# ---------------------------------------------------------------- sections
_CN_NUM = "一二三四五六七八九十"
_ENUM = re.compile(rf"^(?:[{_CN_NUM}]+、|[(（][{_CN_NUM}\d]+[)）]|第[{_CN_NUM}]+部分)")


_HEAD_REVIEW_TERM = re.compile(r"(本届|过去五年|五年来|十[二三四]五.{0,4})(政府)?工作.{0,2}回顾|过去五年|五年来|本届政府")
_HEAD_REVIEW_YEAR = re.compile(r"(过去一年|去年|一年来).{0,4}(工作)?回顾")
_HEAD_PLAN_TERM = re.compile(r"今后五年|未来五年|十[四五六]五.{0,3}时期|今后一个时期")
_HEAD_PLAN_YEAR = re.compile(r"今年.{0,4}(工作|安排|任务|目标)")
_OPEN_REVIEW_TERM = re.compile(r"^(各位代表[!!,,]?)?(过去五年|五年来|本届政府以来|[^,,]{0,10}以来[,,]面对)")
_OPEN_PLAN_TERM = re.compile(r"^(各位代表[!!,,]?)?(今后五年|未来五年)")


@lru_cache(maxsize=64)
def _year_cues(year: int) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Section cues naming the report year or the year before, compiled once per year."""
    y, py = str(year), str(year - 1)
    return (re.compile(y + r"年.{0,6}(工作|安排|任务|目标)"),
            re.compile(rf"^(各位代表[!!,,]?)?({py}年是|{py}年[,,]|一年来|过去一年|刚刚过去的一年|去年以来)"),
            re.compile(rf"^(各位代表[!!,,]?)?({y}年(工作安排|是|要|政府工作|经济社会发展)|今年(是|工作|经济社会)|今年主要|{y}年主要)"))


def _section_of(s: str, year: Optional[int], heading: bool) -> Optional[str]:
    """A section cue in a sentence: review_term | review_year | plan_year | plan_term | reset."""
    head = s[:40]
    py = str(year - 1) if year else None
    head_plan_year, open_review_year, open_plan_year = _year_cues(year) if year else (None, None, None)
    if heading and "政府工作报告" in s and len(s) < 40:
        return "reset"
    if heading or _ENUM.match(s):
        if _HEAD_REVIEW_TERM.search(head):
            return "review_term"
        if (py and py + "年" in head and "回顾" in head) or _HEAD_REVIEW_YEAR.search(head):
            return "review_year"
        if _HEAD_PLAN_TERM.search(head):
            return "plan_term"
        if (year and head_plan_year.search(head)) or _HEAD_PLAN_YEAR.search(head):
            return "plan_year"
        if "回顾" in head:
            return "review_year"
    # cue sentences that open a part without being headings
    if _OPEN_REVIEW_TERM.match(s):
        return "review_term"
    if year and open_review_year.match(s):
        return "review_year"
    if year and open_plan_year.match(s):
        return "plan_year"
    if _OPEN_PLAN_TERM.match(s):
        return "plan_term"
    return None


_SAME_PERIOD_LAST_YEAR = re.compile(r"比上年|较上年|同比")
_TARGET_CUE = re.compile(r"力争|确保|预期|目标|将达到|计划")


def _kind_year(section: Optional[str], clause: str, year: Optional[int], sentence: str = "") -> tuple[str, Optional[int]]:
    py = year - 1 if year else None
    if section is None and year and f"{year - 1}年" in sentence and f"{year}年" not in sentence:
        return "actual", py
    # explicit cues in the clause win over the section
    if year and (f"{year - 1}年" in clause or "去年" in clause or "上年" in clause) and not _SAME_PERIOD_LAST_YEAR.search(clause):
        return "actual", py
    if year and (f"{year}年" in clause or "今年" in clause or "年内" in clause) and section in (None, "plan_year", "plan_term"):
        return "target", year
    if section == "review_term":
        return "actual", None
    if section == "review_year":
        return "actual", py
    if section == "plan_year":
        return "target", year
    if section == "plan_term":
        return "target", None
    if _TARGET_CUE.search(clause):
        return "target", year
    return "actual", None


# ---------------------------------------------------------------- attributes
_ATTR_CUES: list[tuple[re.Pattern, str]] = [(re.compile(pat), attr) for pat, attr in [
    # (regex on the text just before the number, attribute); first match wins
    (r"(新增|累计)?(新能源|可再生能源|光伏|风电|清洁能源)?(并网)?装机(容量|规模)?(达到?|突破|超过|为|实现|新增)?$", "installedCapacity"),
    (r"(年产能?|年生产能力|产能|生产能力|年加工能力|年处理能力|处理能力|规模)(达到?|突破|提升至|提高到|超过|为|实现|新增)?$", "capacity"),
    (r"(年产|年加工|年处理)$", "capacity"),
    (r"(总投资|计划投资|投资总额|投资额|完成投资|累计投资|协议总投资|协议投资|投资|投入)(达到?|超过|突破|约|近)?$", "investment"),
    (r"(总产值|产值|工业产值|营业额)(达到?|突破|超过|实现|为|迈上)?$", "outputValue"),
    (r"(营收|营业收入|主营业务收入|销售收入|收入|销售额)(达到?|突破|超过|实现|为)?$", "revenue"),
    (r"(产量|年产量|销量|年销售|年销量|销售|产出|出口量|过货量|吞吐量)(达到?|突破|超过|实现|为)?$", "output"),
    (r"(占比|比重|占[^,,;;。]{1,12}比重|占[^,,;;。]{1,12}比例|份额|转化率|覆盖率|普及率|利用率|率)(达到?|提高到|提高至|提升到|提升至|升至|降至|降到|下降到|为|超过)?$", "share"),
]]
_GROWTH = re.compile(r"(同比|年均|分别|较上年|比上年)?(增长|增加|提高|提升|上涨|增速|增幅|下降|减少|降低|压减|下降了|减少了)(了)?(到|至)?$")
_DECLINE = re.compile(r"下降|减少|降低|压减|压缩")
_AREA_WORDS = re.compile(r"面积|亩|公顷")
_INSTALLED_SHARE = re.compile(r"(装机)(比重|占比)")


def _attribute(before: str, nm: NumberMatch, in_project: bool, after: str = "") -> str:
    """Attribute from the clause text just before the number and the unit."""
    info = unit_info(nm.unit)
    dim = info.dimension if info else ""
    tail = before[-16:]
    if nm.kind in ("percent", "points", "multiple"):
        g = _GROWTH.search(tail)
        if g and not (g.group(4) and nm.kind == "percent"):
            return "growthRate"  # 增长8% (but 提高到86.2% is a level)
        if nm.kind == "multiple":
            return "growthRate"
        for pat, attr in _ATTR_CUES:
            if attr == "share" and pat.search(tail):
                return "share"
        if _INSTALLED_SHARE.search(tail):
            return "share"
        return "share" if nm.kind == "percent" else "other"
    for pat, attr in _ATTR_CUES:
        if attr == "share":
            continue
        if pat.search(tail):
            if attr == "installedCapacity" and dim != "power":
                continue
            if attr in ("investment", "revenue", "outputValue") and dim not in ("currency", "scale"):
                continue
            if attr == "capacity" and dim in ("currency",):
                continue
            return attr
    if in_project and dim in ("mass", "power", "energy", "volume"):
        return "capacity"
    if "产能" in before + after[:24] and dim in ("count", "mass", "power"):
        return "capacity"
    if dim == "area":
        return "area"
    if dim == "length":
        return "length"
    if dim == "count":
        return "count"
    if dim == "power":
        return "installedCapacity" if "装机" in before else "capacity"
    if dim == "mass":
        return "output" if "产量" in before or "生产" in before else "other"
    return "other"


# ---------------------------------------------------------------- mentions
@dataclass
class _M:
    start: int  # clean offsets
    end: int
    entity: Entity
    type: str


_CLAUSE_SEP = ",;:!?，；：！？。"
_STOP_AFTER_COUNT = set(_CLAUSE_SEP + "、")


def _sentence_mentions(doc: Document, jurisdiction_keys: set) -> dict[int, list[_M]]:
    by_sent: dict[int, list[_M]] = {}
    sents = doc.sentences
    for e in doc.entities:
        if e.key in jurisdiction_keys:
            continue
        for m in e.mentions:
            si = m.sentence
            if si is None or si < 0 or si >= len(sents):
                continue
            s = sents[si]
            cs = bisect.bisect_left(s.pos, m.start)
            ce = bisect.bisect_left(s.pos, m.end)
            if cs >= len(s.clean) or ce <= cs:
                continue
            by_sent.setdefault(si, []).append(_M(cs, ce, e, e.type))
    for lst in by_sent.values():
        lst.sort(key=lambda x: (x.start, -(x.end - x.start)))
    return by_sent


def _clause_bounds(s: str, i: int) -> tuple[int, int]:
    """The clause around position i (between separators); O(log n) per call so a
    very long unpunctuated sentence does not make extraction quadratic."""
    seps = _separators(s)
    k = bisect.bisect_left(seps, i)
    a = seps[k - 1] + 1 if k > 0 else 0
    if a > i:
        a = i
    b = seps[k] if k < len(seps) else len(s)
    return a, b


@lru_cache(maxsize=64)
def _separators(s: str) -> list[int]:
    """Offsets of the clause separators of s (found by the regex engine, not char by char)."""
    return [m.start() for m in _CLAUSE_SEP_RE.finditer(s)]


_CLAUSE_SEP_RE = re.compile("[" + re.escape(_CLAUSE_SEP) + "]")


def _jurisdiction_keys(doc: Document) -> set:
    keys = set()
    j = doc.jurisdiction
    for e in doc.entities:
        if e.type != "District":
            continue
        names = {e.label} | set(e.aliases)
        if j and (j in names or any(n and (j.startswith(n) or n.startswith(j)) for n in names if len(n) >= 2)):
            keys.add(e.key)
    return keys


_MONEY_ATTRS = ("revenue", "investment", "outputValue")
_BAD_TOPIC_TYPES = ("District", "Place")
_PRODUCT_STRIP = re.compile(r"^(力争|确保|争取|推动|加快|实现|全年|年内|今年|全市|新增|累计|建设|形成|尽快|达到|其中|以及|和|及|与|的|等)+")


def _product_before(before: str) -> Optional[str]:
    """The noun just before 产量/产能: 储氢材料产量 -> 储氢材料."""
    m = re.search(r"([\u4e00-\u9fffA-Za-z0-9]{2,14}?)(?:年?产量|年?产能|年销售|销量|年销量)(?:达到?|突破|超过|实现|为)?$", before)
    if not m:
        return None
    p = _PRODUCT_STRIP.sub("", m.group(1))
    return p if len(p) >= 2 else None


def _product_after(s: str, end: int, limit: int) -> Optional[str]:
    m = re.match(r"[\u4e00-\u9fffA-Za-z]{2,12}", s[end:limit])
    if not m:
        return None
    p = re.split(r"[和与]|重大|重点", m.group(0))[0]
    p = re.sub(r"(项目|工程|生产线|等)+$", "", p)
    return p if len(p) >= 2 else None


# ---------------------------------------------------------------- main
_ENDS_STATEMENT = re.compile(r"[。;；]$")


def extract_quantities(doc: Document) -> list[Quantity]:
    """All quantities of ``doc`` (also stored in ``doc.quantities``)."""
    year = doc.year
    jkeys = _jurisdiction_keys(doc)
    mentions = _sentence_mentions(doc, jkeys)
    ind_re, form2name = _indicator_regex()
    out: list[Quantity] = []
    section: Optional[str] = None
    for s in doc.sentences:
        text = s.clean
        heading = len(text) <= 30 and not _ENDS_STATEMENT.search(text) or bool(_ENUM.match(text))
        cue = _section_of(text, year, heading)
        if cue == "reset":
            section = None
        elif cue:
            section = cue
        nums = find_numbers(text)
        if not nums:
            continue
        ms = mentions.get(s.idx, [])
        out.extend(_sentence_quantities(doc, s, nums, ms, section, ind_re, form2name))
    doc.quantities = out
    return out


_ATTR_HEAD = re.compile(
    r"^[、,]?(?:和|及|与|以及)?(?:其中)?(?:年均|同比|分别)?(?:占比|比重|占[^,;。、]{0,10}(?:比重|比例)|装机比重|增长|增速|增加|下降|减少|"
    r"提高|降低|上涨|总投资|投资|产值|产量|产能|营收|收入|达到?|为|到|至|实现|超过|突破)*[^\u4e00-\u9fff]*$")
_COUNT_NOUN = re.compile(r"(重点|重大|在建|新建|骨干|龙头|规上|规模以上|产业)?(项目|企业|工程|园区)")
_GAP_CUE = re.compile(r"产能|产量|年产|年处理|年加工|产值|装机|营收|收入|投资|销售|销量|增加值|占比|比重|增长|增速|下降|提高|降低|减少|"
                      r"规模|总量|过货量|吞吐量|交易额|出口|进口|率|数量|达到|生产")
_FILLER = {"", "达", "达到", "为", "约", "超", "超过", "突破", "近", "实现", "累计", "共", "的", "新增"}
_SECTOR_TAIL = re.compile(r"产业链|产业集群|产业|行业|板块")


def _nested(m: "_M", ms: list["_M"]) -> bool:
    """A mention inside a longer mention (an industry word inside a project name)."""
    return any(o is not m and o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start)
               for o in ms)


_ATTR_WORD = re.compile(r"(年?产能|年?产量|产值|装机|营收|收入|销售|销量|投资|增加值|占比|比重)")


def _indicator_list(text: str, ca: int, pos: int, ind_re, form2name) -> tuple[list[str], int]:
    """Indicators named in text[ca:pos] that a number there measures.

    Returns (names, end of the last indicator match).  Coordinated indicators
    (``A和B分别…``) give several names; ``城乡居民…收入`` gives the urban and
    the rural indicator.
    """
    found = list(ind_re.finditer(text, ca, pos))
    if not found:
        return [], -1
    chain = [found[-1]]
    for m in reversed(found[:-1]):
        gap = text[m.end():chain[0].start()]
        if gap in ("和", "、", "及", "与", "以及"):
            chain.insert(0, m)
        else:
            break
    names = [form2name[m.group(0)] for m in chain]
    if len(chain) == 1 and chain[0].group(0).startswith("城乡") and names[0] == "居民人均可支配收入":
        names = ["城镇居民人均可支配收入", "农村牧区居民人均可支配收入"]
    return names, chain[-1].end()


def _pick(names: list[str], text: str, lo: int, nm: NumberMatch, nums: list[NumberMatch]) -> str:
    """The i-th of coordinated indicators for the i-th number after 分别 / joined by 和."""
    if len(names) == 1:
        return names[0]
    idx = sum(1 for x in nums if lo <= x.start < nm.start and x.unit == nm.unit)
    return names[min(idx, len(names) - 1)]


def _unit_fits(nm: NumberMatch, hint: str) -> bool:
    if nm.kind in ("percent", "points", "multiple"):
        return True
    a, b = unit_info(nm.unit), unit_info(hint)
    if a is None or b is None:
        return False
    return a.dimension == b.dimension


def _sentence_quantities(doc, s: Sentence, nums, ms: list[_M], section, ind_re, form2name) -> list[Quantity]:
    text = s.clean
    year = doc.year
    res: list[Quantity] = []
    hints = _unit_hints()
    first_end = _clause_bounds(text, 0)[1]
    heading_ind = next((m for m in ms if m.type == "Industry" and m.start < first_end), None)
    topic = ms[0] if ms and ms[0].start <= 1 and ms[0].type not in _BAD_TOPIC_TYPES else None
    prev_ctx: Optional[dict] = None  # context of the previous number
    nums = [x for x in nums if not (x.chinese and x.text.startswith("翻"))]  # 翻番 states no number
    for nm in nums:
        ca, cb = _clause_bounds(text, nm.num_start)
        before = text[ca:nm.start]
        after = text[nm.end:cb]
        clause = text[ca:cb]
        containing = [m for m in ms if m.start <= nm.num_start and nm.end <= m.end + 2 and m.end > nm.num_start]
        in_project = any(m.type in ("Project", "Zone") for m in containing)
        attr = _attribute(before, nm, in_project, after)
        subjects: list[_M] = []
        indicator: Optional[str] = None
        product: Optional[str] = None
        same_clause_prev = prev_ctx is not None and prev_ctx["ca"] == ca
        own_lo = prev_ctx["end"] if same_clause_prev else ca  # this number's own words start here
        gap = text[own_lo:nm.start]
        # 0. a chained number: "装机容量达到635.6万千瓦、占比达到37.4%", "5.3%和9.4%"
        chained = same_clause_prev and bool(_ATTR_HEAD.match(gap)) and not any(own_lo <= m.start < nm.start for m in ms)
        if chained and gap.strip("、,和及与") == "" and prev_ctx["nm"].kind == nm.kind:
            attr = prev_ctx["attr"]
        # 1. number inside a project/zone/enterprise name
        proj = [m for m in containing if m.type in ("Project", "Zone", "Enterprise")]
        if proj:
            subjects = [max(proj, key=lambda m: m.end - m.start)]
        # 2. 总投资170亿元的 PROJECT / 8个 PROJECT
        if not subjects:
            k = 1 if text[nm.end:nm.end + 1] == "的" else 0
            for m in ms:
                if m.start >= nm.end and m.start - nm.end <= k and m.type in ("Project", "Zone", "Enterprise", "Industry"):
                    if m.type == "Industry" and (attr != "count" or not _COUNT_NOUN.match(text, m.end)):
                        continue
                    subjects = [m]
                    break
        # 3. counts introduce their subject: 45个X产业项目, 6家…X企业
        if not subjects and attr == "count":
            lim = nm.end
            while lim < len(text) and text[lim] not in _STOP_AFTER_COUNT and lim - nm.end < 14:
                lim += 1
            for m in ms:
                if nm.end <= m.start < lim and m.end <= lim + 1 and m.type in ("Industry", "Project"):
                    if m.type == "Project" or _COUNT_NOUN.match(text, m.end):
                        subjects = [m]
                        break
        # 4. headline indicator named in the clause before the number
        ind_names: list[str] = []
        ind_end = -1
        if not subjects:
            names, ind_end = _indicator_list(text, own_lo if not chained else ca, nm.start, ind_re, form2name)
            if not names and chained and prev_ctx.get("names"):
                names, ind_end = prev_ctx["names"], prev_ctx["ind_end"]
            if names:
                own = [m for m in ms if ca <= m.start < nm.start and m.end >= ind_end - 1 and m.type != "District"]
                cand = _pick(names, text, ind_end, nm, nums)
                if not own and _unit_fits(nm, hints.get(cand, "")):
                    indicator = cand
                    ind_names = names
        # 5. entity heading the number's own words: 稀土产业产值达到…, A、B收入增长…
        if not subjects and indicator is None:
            stop = nm.start
            if attr == "share" and "占" in text[own_lo:nm.start]:
                stop = text.rindex("占", own_lo, nm.start)  # X增加值占Y比重: X is the subject
            pre = [m for m in ms if own_lo <= m.start and m.end <= stop]
            preceded_by_deng = text[max(0, nm.start - 1):nm.start] == "等"
            pre = [m for m in pre if not _nested(m, ms)]
            if pre and not preceded_by_deng:
                last = pre[-1]
                gap2 = text[last.end:stop]
                if attr in ("count", "other"):
                    ok = bool(re.fullmatch(
                        r"(项目|企业|工程|园区|基地)?(数量|数|个数)?(达到?|超过|突破|增加到|增至|累计)?", gap2))
                    ok = ok and (attr == "count" or last.type in ("Project", "Enterprise", "Zone"))
                else:
                    # the words between the entity and the number must say what is measured
                    limit = 8 if attr in ("growthRate", "share") else 10
                    ok = len(gap2) <= limit and (gap2 in _FILLER or stop < nm.start or bool(_GAP_CUE.search(gap2)))
                if nm.chinese and attr in ("count", "other"):
                    ok = False
                if last.type in _BAD_TOPIC_TYPES and attr not in ("growthRate", "share", "output", "outputValue", "revenue"):
                    ok = False
                if last.type == "Place":
                    ok = False
                if ok:
                    subjects = [last]
                    j = pre.index(last)
                    while j > 0 and text[pre[j - 1].end:pre[j].start] in ("、", "和", "及", "与", "以及"):
                        subjects.insert(0, pre[j - 1])
                        j -= 1
                    # ENTERPRISE + INDUSTRY: 支持X新能源汽车年销售… -> X, product 新能源汽车
                    if len(subjects) == 1 and last.type == "Industry" and j > 0:
                        e0 = pre[j - 1]
                        if e0.end == last.start and e0.type in ("Enterprise", "Project"):
                            subjects = [e0]
                            product = last.entity.label
            elif chained and prev_ctx["subjects"]:
                subjects = list(prev_ctx["subjects"])
        # 6. "外贸进出口总额完成246亿元,增长55.5%": the previous clause's subject
        if not subjects and indicator is None and prev_ctx is not None and not same_clause_prev:
            if re.match(r"^(同比|分别|年均)?(增长|下降|增加|减少|提高|降低)", before):
                subjects = list(prev_ctx["subjects"])
                if prev_ctx.get("names"):
                    ind_names, ind_end = prev_ctx["names"], ca
                    indicator = _pick(ind_names, text, ca, nm, nums)
                elif prev_ctx["indicator"]:
                    indicator = prev_ctx["indicator"]
        # 7. production figures without their own subject: the sentence's industry
        if not subjects and indicator is None and attr in ("capacity", "output", "outputValue", "installedCapacity"):
            inds = [m for m in ms if m.type == "Industry" and not (own_lo <= m.start < nm.start)
                    and not _nested(m, ms)]
            # a sector heading (X产业链, X产业) beats a product word; before beats after
            def rank(m: _M) -> tuple:
                sector = bool(re.search(r"(产业|行业|业|产业链|产业集群)$", text[m.start:m.end])) or bool(_SECTOR_TAIL.match(text, m.end))
                measured = bool(_ATTR_WORD.match(text, m.end) or _ATTR_WORD.match(text, m.end + 1))
                before_num = m.end <= nm.start
                dist = nm.start - m.end if before_num else m.start - nm.end
                return (not sector, measured, not before_num, dist)
            order = sorted(inds, key=rank)
            cand = order[0] if order else None
            if cand is not None:
                subjects = [cand]
            elif topic is not None and attr == "output":
                subjects = [topic]
        if not subjects and indicator is None and attr == "count" and heading_ind is not None:
            if before == "" and ca >= first_end:
                subjects = [heading_ind]  # "…X产业项目加快推进,26项产品入选…"
        if not subjects and indicator is None and topic is not None and attr == "growthRate" and topic.end <= nm.start:
            subjects = [topic]
        prev_ctx = {"ca": ca, "end": nm.end, "attr": attr, "subjects": subjects, "indicator": indicator,
                    "names": ind_names if indicator else None, "ind_end": ind_end, "nm": nm}
        if nm.chinese and attr in ("count", "other") and (nm.value == 1 or (not subjects and indicator is None)):
            continue  # 一批, 一条一条道路, 二十五条政策: not facts worth a node
        unit = nm.unit
        if unit in ("亿", "万", "万亿") and attr in _MONEY_ATTRS:
            unit = unit + "元"
        kind, qyear = _kind_year(section, clause, year, text)
        value = nm.value
        if attr == "growthRate" and _DECLINE.search(before[-8:]):
            value = -value
        norm_value, norm_unit = normalize(abs(nm.value), unit)
        if norm_value is not None and value < 0:
            norm_value = -norm_value
        start, end = s.span(nm.start, nm.end)
        for subj in subjects or [None]:
            k, y = kind, qyear
            if subj is not None and subj.type == "Project":
                if attr in ("capacity", "investment", "installedCapacity") or subj.start <= nm.num_start < subj.end:
                    if section in ("review_year", "review_term") and re.search(r"投产|建成|竣工|达产|并网|运营", clause):
                        k, y = "actual", (year - 1 if section == "review_year" and year else None)
                    else:
                        k, y = "plan", None
                elif section in ("plan_year", "plan_term", None):
                    k = "plan"
            prod = product
            if prod is None:
                if subj is not None and subj.start <= nm.num_start < subj.end:
                    prod = _product_after(text, nm.end, subj.end)
                elif attr in ("capacity", "output"):
                    prod = _product_before(text[own_lo:nm.start])
                    if prod is None:
                        pm = re.search(r"([\u4e00-\u9fffA-Za-z]{2,8})$", text[own_lo:nm.start])
                        if pm:
                            p = _PRODUCT_STRIP.sub("", pm.group(1))
                            prod = p if len(p) >= 2 and not re.search(r"达|产能|产量|年产|规模|能力|形成|新增|实现", p) else None
                if prod and subj is not None and prod in ({subj.entity.label} | set(subj.entity.aliases)):
                    prod = None
            res.append(Quantity(
                subject=subj.entity.key if subj is not None else None,
                attribute=attr,
                value=value,
                unit=unit,
                norm_value=norm_value,
                norm_unit=norm_unit,
                kind=k,
                start=start,
                end=end,
                sentence=s.idx,
                year=y,
                product=prod,
                qualifier=nm.qualifier,
                indicator=indicator if subj is None else None,
                exact=doc.text[start:end],
            ))
    return res
