"""Numbers as written in Chinese government reports.

``parse_number`` turns one written number into a float (``"1.25万"`` ->
12500, ``"千亿"`` -> 1e11, ``"一千二百"`` -> 1200, ``"两"`` -> 2).
``find_numbers`` scans a (clean) sentence for number + unit spans, with
ranges (``3-5万吨``, ``30%—40%``), qualifiers (``约``, ``近``, ``超过``,
``不低于``, ``左右``, ``以上``, ``以内``, ``余``/``多``), percentages,
percentage points (``个百分点``) and multiples (``1.4倍``, ``翻番``).

The value of a match is the number *as written* next to its unit: ``20万吨``
is value 20, unit ``万吨``; the base-unit value comes from
``kg/data/units.tsv`` (``norm_value`` 200000, ``norm_unit`` ``TONNE``).
Chinese numerals are read with ``cn2an``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import cn2an

_DATA = Path(__file__).parent / "data"

SCALES = {"万": 1e4, "亿": 1e8, "万亿": 1e12, "千万": 1e7, "百万": 1e6, "千亿": 1e11, "十万": 1e5}
# Longest first, so 万亿吨 is read as 万亿 × 吨; sorted once here rather than per unit_info call.
_SCALES_LONGEST_FIRST = tuple(sorted(SCALES, key=len, reverse=True))
CN_DIGITS = "零〇一二两三四五六七八九十百千"
QUALIFIERS = ("about", "nearly", "more_than", "at_least", "at_most", "range")


# ---------------------------------------------------------------- units
@dataclass(frozen=True)
class UnitInfo:
    written: str
    qudt: str  # QUDT unit local name, or a currency code (CNY, USD)
    factor: float
    dimension: str


@lru_cache(maxsize=1)
def units() -> dict[str, UnitInfo]:
    """Written unit -> UnitInfo, from kg/data/units.tsv."""
    table: dict[str, UnitInfo] = {}
    for line in (_DATA / "units.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        written, qudt, factor, dim = cols[0], cols[1], float(cols[2]), cols[3]
        table[written] = UnitInfo(written, qudt, factor, dim)
    return table


_SCALABLE_DIMS = {"count", "currency", "mass", "power", "energy", "area", "volume"}


def unit_info(unit: str) -> Optional[UnitInfo]:
    """Look a written unit up; ``万人次`` = scale 万 × ``人次`` when not listed."""
    if not unit:
        return None
    table = units()
    if unit in table:
        return table[unit]
    for sc in _SCALES_LONGEST_FIRST:
        if unit.startswith(sc) and len(unit) > len(sc):
            base = table.get(unit[len(sc):])
            if base is not None and base.dimension in _SCALABLE_DIMS:
                return UnitInfo(unit, base.qudt, base.factor * SCALES[sc], base.dimension)
    if unit in SCALES:  # a bare scale word (超千亿): dimensionless count
        return UnitInfo(unit, "NUM", SCALES[unit], "scale")
    return None


def normalize(value: float, unit: str) -> tuple[Optional[float], Optional[str]]:
    """(value in base unit, base unit name) for a value as written with its unit."""
    info = unit_info(unit)
    if info is None:
        return None, None
    return _round(value * info.factor), info.qudt


def _round(x: float) -> float:
    r = round(x, 6)
    return float(int(r)) if r == int(r) else r


@lru_cache(maxsize=1)
def _unit_regex() -> str:
    """Alternation of every written unit, scaled variants included, longest first."""
    forms = set(units())
    for u, info in units().items():
        if info.dimension in ("count", "currency") and not any(u.startswith(s) for s in SCALES):
            for sc in ("万", "亿", "千", "百万", "千万", "万亿"):
                forms.add(sc + u)
    forms.discard("")
    return "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))


# ---------------------------------------------------------------- parsing
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ARABIC_RE = re.compile(r"^(\d+(?:,\d{3})*(?:\.\d+)?)(万亿|千万|百万|千亿|十万|万|亿|千|百)?$")


def _cn_to_float(s: str) -> Optional[float]:
    s = s.replace("〇", "零")
    if not s or any(c not in CN_DIGITS + "点" for c in s):
        return None
    if s[0] in "十百千":  # 千 / 百 / 十 alone or leading (千亿, 百余)
        s = "一" + s
    try:
        v = cn2an.cn2an(s, "smart")
    except Exception:  # cn2an rejects some well-formed spoken forms
        try:
            v = cn2an.cn2an(s, "normal")
        except Exception:
            return None
    return float(v)


def parse_number(s: str) -> Optional[float]:
    """Value of one written number: Arabic, Chinese, mixed (1.25万), percent, 翻番.

    >>> parse_number("1.25万"), parse_number("千亿"), parse_number("二十")
    (12500.0, 100000000000.0, 20.0)
    """
    if s is None:
        return None
    if s.isascii() and s.isdigit():
        return _round(float(s))  # plain digits (most numbers): what the _ARABIC_RE path gives, without its steps
    s = s.strip().replace("，", ",").replace("．", ".")
    if not s:
        return None
    if s in ("翻番", "翻一番"):
        return 2.0
    if s == "翻两番":
        return 4.0
    if s.endswith(("%", "％")):
        return parse_number(s[:-1])
    if s.startswith("百分之"):
        return parse_number(s[3:])
    s = s.translate(_FULLWIDTH_DIGITS)
    m = _ARABIC_RE.match(s)
    if m:
        v = float(m.group(1).replace(",", ""))
        if m.group(2):
            v *= SCALES.get(m.group(2), {"千": 1e3, "百": 1e2}.get(m.group(2), 1))
        return _round(v)
    # Chinese numerals, possibly with a trailing scale word: 三十万, 千亿, 两万
    for sc in ("万亿", "千亿", "亿", "万"):
        if s.endswith(sc) and len(s) > len(sc):
            head = s[: -len(sc)]
            hv = parse_number(head)
            return None if hv is None else _round(hv * SCALES[sc])
    v = _cn_to_float(s)
    return None if v is None else _round(v)


# ---------------------------------------------------------------- finding
@dataclass
class NumberMatch:
    """A number (+ unit) span in a string; offsets index that string."""

    start: int
    end: int
    value: float  # as written next to ``unit`` (20 in 20万吨); low end of a range
    unit: str  # as written, scale included ("万吨", "%", "个百分点", "倍", "亿"); "" if none
    qualifier: Optional[str] = None  # about | nearly | more_than | at_least | at_most | range
    high: Optional[float] = None  # high end of a range
    kind: str = "number"  # number | percent | points | multiple
    chinese: bool = False  # written with Chinese numerals
    text: str = ""
    num_start: int = 0  # span of the digits themselves
    num_end: int = 0

    @property
    def norm(self) -> tuple[Optional[float], Optional[str]]:
        return normalize(self.value, self.unit)

    @property
    def norm_value(self) -> Optional[float]:
        return self.norm[0]

    @property
    def norm_unit(self) -> Optional[str]:
        return self.norm[1]


_NUM_AR = r"\d+(?:,\d{3}(?!\d))*(?:\.\d+)?"
_NUM_CN = r"[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?"
_PRE_WORDS = ("大约", "约为", "约", "将近", "接近", "近", "超过", "超", "逾", "突破", "不低于", "不少于", "至少",
              "不超过", "不高于", "不到", "高于", "多于")
_PRE_Q = "(?:" + "|".join(_PRE_WORDS) + ")"
_POST_Q = r"(?:左右|上下|以上|以下|以内|之内|多|余)"
_RANGE_SEP = r"(?:-|—|–|~|～|－|至|到)"

_PRE_MAP = {
    "大约": "about", "约为": "about", "约": "about",
    "将近": "nearly", "接近": "nearly", "近": "nearly", "不到": "at_most",
    "超过": "more_than", "超": "more_than", "逾": "more_than", "突破": "more_than",
    "高于": "more_than", "多于": "more_than",
    "不低于": "at_least", "不少于": "at_least", "至少": "at_least",
    "不超过": "at_most", "不高于": "at_most",
}
_POST_MAP = {
    "左右": "about", "上下": "about", "以上": "at_least", "以下": "at_most",
    "以内": "at_most", "之内": "at_most", "多": "more_than", "余": "more_than",
}

# unit characters that must not be read as a unit when a word continues them
_BAD_CONTINUATION = {
    "位": "列置于", "名": "列单称额", "条": "件例款例", "家": "庭乡", "次": "数", "场": "所景馆地",
    "所": "有以在", "间": "隔", "台": "账阶", "座": "谈", "户": "籍口外", "人": "员口民才类",
    "项": "目", "度": "电假", "处": "置理",
}
_SCALE_ONLY = r"(?:万亿|亿|万)"
_BARE_SCALE = re.compile(_SCALE_ONLY)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    unit = _unit_regex()
    num = rf"(?:{_NUM_AR}|{_NUM_CN})"
    one = (
        rf"(?:百分之(?P<pct{{i}}>{num})"
        rf"|(?P<n{{i}}>{num})(?P<m{{i}}>多|余)?(?P<u{{i}}>(?:万亿|千万|百万|万|亿)?(?:多|余)?(?:{unit}))?)"
    )
    first = one.replace("{i}", "1")
    second = one.replace("{i}", "2")
    pat = (
        rf"(?P<pre>{_PRE_Q})?{first}"
        rf"(?:(?P<sep>{_RANGE_SEP}){second})?"
        rf"(?P<post>{_POST_Q})?"
    )
    return re.compile(pat)


# Every match of ``_pattern()`` starts with a qualifier word, 百分之 or a numeral.
# The pattern opens with an optional group, so the regex engine cannot skip ahead
# by itself; ``_next_number`` jumps to these characters and tries the pattern there.
_FIRST_CHAR = re.compile("[" + "".join(sorted({w[0] for w in _PRE_WORDS})) + r"百\d零〇一二两三四五六七八九十千]")


def _next_number(text: str, pos: int) -> Optional[re.Match]:
    """The same match as ``_pattern().search(text, pos)``, found faster."""
    pat = _pattern()
    first = _FIRST_CHAR.search(text, pos)
    while first is not None:
        m = pat.match(text, first.start())
        if m is not None:
            return m
        first = _FIRST_CHAR.search(text, first.start() + 1)
    return None


_FANFAN = re.compile(r"翻(?:一)?番|翻两番")


def _clean_unit(u: str) -> tuple[str, bool]:
    """Remove 多/余 inside a unit (5.4万余户 -> 万户); report whether it was there."""
    if not u:
        return "", False
    had = "余" in u or "多" in u[:3]
    if had:
        for i, c in enumerate(u):
            if c in "多余":
                u = u[:i] + u[i + 1 :]
                break
    return u, had


def find_numbers(text: str, with_unitless: bool = False) -> list[NumberMatch]:
    """All number spans of ``text`` (left to right).

    By default only numbers with a unit (or %, 个百分点, 倍, or a bare scale
    word after an Arabic number or a bound word: ``超千亿``) are returned;
    years (``2022年``), ordinals (``第二``), codes (``G65``, ``PM2.5``) and
    quoted slogans (``“两个维护”``) are skipped.
    """
    out: list[NumberMatch] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _next_number(text, pos)
        if not m:
            break
        pos = m.end() if m.end() > m.start() else m.start() + 1
        nm = _build(text, m, with_unitless)
        if nm is not None:
            out.append(nm)
        elif m.group("pre") and m.end("pre") < m.end():
            pos = m.end("pre")  # retry without the qualifier word
    if "翻" in text:  # the loop above found its matches left to right: only 翻番 can break the order
        out.extend(_fanfan_matches(text))
        out.sort(key=lambda x: x.start)
    return out


def _fanfan_matches(text: str) -> list[NumberMatch]:
    """翻番 / 翻两番 as multiples (2, 4)."""
    out = []
    for m in _FANFAN.finditer(text):
        v = 4.0 if "两" in m.group() else 2.0
        out.append(NumberMatch(m.start(), m.end(), v, "倍", None, None, "multiple", True,
                               m.group(), m.start(), m.end()))
    return out


def _unit_kind(unit: str) -> str:
    if unit == "%":
        return "percent"
    if unit in ("个百分点", "百分点"):
        return "points"
    if unit == "倍":
        return "multiple"
    return "number"


def _build(text: str, m: re.Match, with_unitless: bool) -> Optional[NumberMatch]:
    pct1 = m.group("pct1")
    g1 = "pct1" if pct1 is not None else "n1"
    raw1 = m.group(g1)
    if raw1 is None:
        return None
    num_start, num_end = m.start(g1), m.end(g1)
    chinese = not any(map(str.isdigit, raw1))
    pre = m.group("pre")
    if chinese and pct1 is None and not pre and m.group("u1") is None:
        return None  # a bare Chinese numeral (一批, 进一步): the checks below would reject it too
    start = m.start()
    before = text[start - 1] if start > 0 else ""
    # codes and ordinals: G65, PM2.5, 第二, quoted slogans “两个维护”
    if before and before.isascii() and (before.isalnum() or before in ".+/#&"):
        return None
    if not pre and before in ("第", "“", "「", "《", "‘", "\"", "'"):
        return None
    if pct1 is not None:
        unit, inner_more, uend = "%", False, m.end("pct1")
    else:
        unit, inner_more = _clean_unit(m.group("u1") or "")
        uend = m.end("u1") if m.group("u1") else m.end("n1")
    if unit:
        after = text[uend] if uend < len(text) else ""
        if unit[-1] in _BAD_CONTINUATION and after and after in _BAD_CONTINUATION[unit[-1]]:
            return None  # 3位列, 5项目: not a unit
    if not unit and pct1 is None:
        # a bare scale word: 1.25万 / 超千亿 (no unit after)
        sc = _BARE_SCALE.match(text, m.end("n1"))
        if sc and (not chinese or pre):
            unit = sc.group(0)
            uend = m.end("n1") + len(unit)
        elif chinese and pre and len(raw1) > 1 and raw1[-1] in "万亿":
            unit, raw1 = raw1[-1], raw1[:-1]
    if not unit and chinese:
        return None
    if chinese and unit in ("万", "亿") and raw1 in ("十", "百", "千") and not pre:
        return None  # 千万 (= by all means), 百万
    value = parse_number(raw1)
    if value is None or (chinese and value == 0):
        return None
    kind = _unit_kind(unit)
    qualifier = _PRE_MAP[pre] if pre else None
    if m.group("m1") or inner_more:
        qualifier = qualifier or "more_than"
    high = None
    end = uend
    if m.group("sep") and uend == (m.start("sep")):
        raw2 = m.group("pct2") if m.group("pct2") is not None else m.group("n2")
        v2 = parse_number(raw2) if raw2 else None
        u2 = "%" if m.group("pct2") is not None else _clean_unit(m.group("u2") or "")[0]
        if v2 is not None and v2 > value and (u2 == unit or (not u2 and unit) or (u2 and not unit)
                                              or (unit == "%" and not u2)):
            if not unit or (unit in SCALES and u2.startswith(unit)):
                unit = u2
            elif u2 and u2 != unit and unit not in SCALES:
                unit = unit  # 3万-5万吨: keep first
            if u2 and unit in SCALES:
                unit = u2
            high = v2
            qualifier = "range"
            kind = _unit_kind(unit)
            end = m.end("pct2") if m.group("pct2") is not None else (m.end("u2") if m.group("u2") else m.end("n2"))
    elif m.group("sep") and not unit:
        return None
    if not unit and not with_unitless:
        return None
    post = m.group("post")
    if post and m.start("post") == end:
        if post in ("多", "余") and (unit not in SCALES):
            pass  # 5万吨多晶硅: 多 belongs to the next word
        else:
            if qualifier != "range":
                qualifier = _POST_MAP[post]
            end = m.end("post")
    return NumberMatch(start, end, value, unit, qualifier, high, kind, chinese,
                       text[start:end], num_start, num_end)
