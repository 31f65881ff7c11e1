"""Generic knowledge the extractor relies on, loaded once per process.

Every table lives in ``kg/data/`` as TSV with a ``# source:`` header (see
``kg/data/README.md``); administrative divisions come from the table shipped
with the ``cpca`` package (GB/T 2260 codes).  Nothing here is specific to one
report: the extractor is judged on reports it has never seen.
"""
from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import ahocorasick

DATA = Path(__file__).parent / "data"

# Suffixes stripped to form the customary short name of a division.
_DIV_SUFFIXES = (
    "特别行政区", "自治区", "自治州", "自治县", "自治旗", "联合旗", "林区", "矿区", "地区",
    "新区", "省", "市", "县", "区", "旗", "盟",
)
# Division names that are generic words, never a reference to one place.
_BAD_FULL = {"城区", "郊区", "矿区", "市辖区", "新区", "县", "市中区"}
# Short forms that are ordinary words or too ambiguous to accept alone.
_BAD_SHORT = {
    "城区", "郊区", "矿区", "新区", "市辖", "城关", "新城", "开发", "高新", "经济", "中心",
    "和平", "长安", "新华", "青山", "东风", "红旗", "解放", "朝阳", "前进", "胜利", "光明",
    "永和", "安定", "东方", "南京路", "市中", "平安", "永安", "吉安", "大同", "通化", "宝山",
}


def read_tsv(name: str) -> list[list[str]]:
    """Rows of a data file, comment lines skipped."""
    path = DATA / name
    if not path.exists():
        return []
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            rows.append(line.split("\t"))
    return rows


def split_multi(cell: str) -> list[str]:
    return [x.strip() for x in cell.split("|") if x.strip()]


@dataclass
class Division:
    code: str  # 12-digit GB/T 2260 code as shipped by cpca
    name: str
    level: int  # 1 province, 2 prefecture, 3 county

    @property
    def parent_code(self) -> str | None:
        if self.level == 1:
            return None
        if self.level == 2:
            return self.code[:2] + "0" * 10
        return self.code[:4] + "0" * 8


@dataclass
class Lexicon:
    divisions: dict[str, Division] = field(default_factory=dict)  # code -> Division
    division_names: dict[str, list[str]] = field(default_factory=dict)  # written form -> codes
    industries: dict[str, dict] = field(default_factory=dict)  # canonical -> {parent, kind, aliases}
    industry_alias: dict[str, str] = field(default_factory=dict)  # written form -> canonical
    industry_heads: dict[str, set] = field(default_factory=dict)  # role -> words
    enterprises: dict[str, dict] = field(default_factory=dict)  # canonical -> row
    enterprise_alias: dict[str, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)  # canonical -> kind
    place_alias: dict[str, str] = field(default_factory=dict)
    products: dict[str, str] = field(default_factory=dict)  # product -> industry
    products_of: dict[str, list[str]] = field(default_factory=dict)  # industry -> products (the inverse)
    generic: set[str] = field(default_factory=set)
    cues: dict[str, list[str]] = field(default_factory=dict)
    indicators: dict[str, str] = field(default_factory=dict)  # written form -> canonical
    county_short: set = field(default_factory=set)  # (short form, code) of county-level divisions
    automaton: object = None

    @cached_property
    def division_forms(self) -> dict[str, list[tuple[int, str]]]:
        """code -> (rank, form) of every written form naming that division, rank being the
        form's position in ``division_names``: a report's home names in one look-up, not a
        walk over every division name per report."""
        out: dict[str, list[tuple[int, str]]] = {}
        for rank, (form, codes) in enumerate(self.division_names.items()):
            for code in codes:
                out.setdefault(code, []).append((rank, form))
        return out

    @cached_property
    def division_rank(self) -> dict[str, int]:
        """form -> its position in ``division_names``."""
        return {form: rank for rank, form in enumerate(self.division_names)}

    def cue(self, category: str) -> list[str]:
        return self.cues.get(category, [])

    @cached_property
    def modifier_lengths(self) -> tuple[int, ...]:
        """Lengths of the industry modifiers, longest first: extractors test one
        slice per length instead of every modifier (read after loading)."""
        return tuple(sorted({len(m) for m in self.industry_heads.get("modifier", ())}, reverse=True))


def _cpca_table() -> Path | None:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    return path if path.exists() else None


def _load_divisions(lex: Lexicon) -> None:
    path = _cpca_table()
    if path is None:
        raise RuntimeError("the cpca package (administrative-division table) is not installed")
    nations = _nations()
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code, name = row["adcode"], row["name"]
            if code[6:] != "000000":
                continue  # township level: not in the county-level table
            level = 1 if code[2:6] == "0000" else 2 if code[4:6] == "00" else 3
            lex.divisions[code] = Division(code, name, level)
    for code, div in sorted(lex.divisions.items()):
        if div.name in _BAD_FULL:
            continue
        lex.division_names.setdefault(div.name, []).append(code)
        for form in _short_forms(div.name, nations):
            lex.division_names.setdefault(form, []).append(code)
            if div.level == 3:
                lex.county_short.add((form, code))
    for row in read_tsv("division_short_names.tsv"):
        if len(row) < 2:
            continue
        short, official = row[0].strip(), row[1].strip()
        codes = lex.division_names.get(official, [])
        for code in codes:
            if lex.divisions[code].name == official:
                lex.division_names.setdefault(short, [])
                if code not in lex.division_names[short]:
                    lex.division_names[short].append(code)


def _nations() -> list[str]:
    path = _cpca_table()
    names: list[str] = []
    if path is not None:
        npath = path.parent / "56_nations.csv"
        if npath.exists():
            for line in npath.read_text(encoding="utf-8").splitlines():
                cell = line.split(",")[0].strip()
                if cell and cell != "name":
                    names.append(cell)
    return sorted(set(names), key=len, reverse=True)


def _short_forms(name: str, nations: list[str]) -> set[str]:
    """达尔罕茂明安联合旗 → 达尔罕茂明安; 鄂温克族自治旗 → 鄂温克; 包头市 → 包头."""
    out = set()
    for suf in _DIV_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            base = name[: -len(suf)]
            # strip nationality words of autonomous divisions (广西壮族 → 广西)
            for nat in nations:
                n = nat if nat.endswith("族") else nat + "族"
                if base.endswith(n) and len(base) - len(n) >= 2:
                    base = base[: -len(n)]
                    break
                if base.endswith(nat) and len(base) - len(nat) >= 2 and suf.startswith("自治"):
                    base = base[: -len(nat)]
                    break
            if len(base) >= 2 and base not in _BAD_SHORT:
                out.add(base)
            break
    return out


def _load_industries(lex: Lexicon) -> None:
    for row in read_tsv("industries.tsv"):
        row = row + [""] * (4 - len(row))
        name, parent, aliases, kind = row[0].strip(), row[1].strip(), split_multi(row[2]), row[3].strip() or "sector"
        lex.industries[name] = {"parent": parent or None, "aliases": aliases, "kind": kind}
        for form in [name, *aliases]:
            lex.industry_alias.setdefault(form, name)
    heads: dict[str, set] = {}
    for row in read_tsv("industry_heads.tsv"):
        if len(row) >= 2:
            heads.setdefault(row[1].strip(), set()).add(row[0].strip())
    lex.industry_heads = heads


def _load_enterprises(lex: Lexicon) -> None:
    for row in read_tsv("enterprises.tsv"):
        row = row + [""] * (4 - len(row))
        name = row[0].strip()
        lex.enterprises[name] = {"short": split_multi(row[1]), "industry": row[2].strip() or None, "list": row[3].strip()}
        for form in [name, *split_multi(row[1])]:
            lex.enterprise_alias.setdefault(form, name)


def _load_places(lex: Lexicon) -> None:
    for row in read_tsv("places.tsv"):
        row = row + [""] * (3 - len(row))
        name = row[0].strip()
        lex.places[name] = row[1].strip()
        for form in [name, *split_multi(row[2])]:
            lex.place_alias.setdefault(form, name)


def _load_misc(lex: Lexicon) -> None:
    for row in read_tsv("products.tsv"):
        if len(row) >= 2:
            lex.products[row[0].strip()] = row[1].strip()
    for product, industry in lex.products.items():
        lex.products_of.setdefault(industry, []).append(product)
    lex.generic = {r[0].strip() for r in read_tsv("generic_terms.tsv") if r and r[0].strip()}
    for row in read_tsv("cues.tsv"):
        if len(row) >= 2:
            lex.cues.setdefault(row[0].strip(), []).append(row[1].strip())
    for cat in lex.cues:  # longest first, so regex alternations prefer long cues
        lex.cues[cat].sort(key=len, reverse=True)
    for row in read_tsv("indicators.tsv"):
        if row:
            name = row[0].strip()
            for form in [name, *(split_multi(row[1]) if len(row) > 1 else [])]:
                lex.indicators.setdefault(form, name)


def _build_automaton(lex: Lexicon) -> None:
    """One Aho-Corasick automaton over every lexicon form, payload = list of (kind, canonical)."""
    table: dict[str, list] = {}

    def add(form: str, kind: str, canon: str) -> None:
        if len(form) >= 2:
            table.setdefault(form, []).append((kind, canon))

    for form, codes in lex.division_names.items():
        add(form, "division", "|".join(codes))
    for form, canon in lex.industry_alias.items():
        add(form, "industry", canon)
    for form, canon in lex.enterprise_alias.items():
        add(form, "enterprise", canon)
    for form, canon in lex.place_alias.items():
        add(form, "place", canon)
    for form in lex.products:
        add(form, "product", lex.products[form])
    for form in lex.generic:
        add(form, "generic", form)
    auto = ahocorasick.Automaton()
    for form, payload in table.items():
        auto.add_word(form, (form, tuple(payload)))
    auto.make_automaton()
    lex.automaton = auto


@lru_cache(maxsize=1)
def load() -> Lexicon:
    lex = Lexicon()
    _load_divisions(lex)
    _load_industries(lex)
    _load_enterprises(lex)
    _load_places(lex)
    _load_misc(lex)
    _build_automaton(lex)
    return lex


def iter_matches(lex: Lexicon, text: str) -> list[tuple]:
    """(start, end, form, payload) for every lexicon form occurring in text
    (a list built in one comprehension: every caller wants them all)."""
    return [(end_idx - len(form) + 1, end_idx + 1, form, payload)
            for end_idx, (form, payload) in lex.automaton.iter(text)]


def user_words(lex: Lexicon) -> list[str]:
    """Words for jieba's user dictionary: lexicon forms jieba can hold (no punctuation)."""
    words = set()
    long_ents = [f for f in lex.enterprise_alias if len(f) >= 4]  # short firm names would bend segmentation (集中投产 → 中投)
    for form in [*lex.industry_alias, *long_ents, *lex.place_alias, *lex.division_names, *lex.products]:
        if 2 <= len(form) <= 12 and all("\u4e00" <= c <= "\u9fff" for c in form):
            words.add(form)
    for cat in ("ent_strong", "zone", "inst", "infra", "phase", "capacity", "modifier"):
        words.update(w for w in lex.cue(cat) if len(w) >= 2)
    return sorted(words)
