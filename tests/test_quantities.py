"""Quantities: numbers attached to entities, with attribute, kind and year.

The texts are written for these tests.  Most tests build the Document by hand
(ingest + hand-marked entities) so that they test this stage alone; the last
ones run the whole pipeline.
"""
import bisect

import pytest

from kg.doc import Entity, Mention
from kg.ingest import make_document
from kg.quantities import extract_quantities
from kg.quantity_eval import norm_label, quantity_dicts, same_amount, score_quantities

HEAD = "2024年临河市政府工作报告\n"


def build(body: str, entities: dict[str, str], year: int = 2024):
    """A Document for HEAD+body with the given {surface: type} entities marked everywhere."""
    text = HEAD + body
    doc = make_document(text, "t.txt")
    doc.year = year
    doc.jurisdiction = "临河市"
    starts = [s.start for s in doc.sentences]
    taken = [False] * len(text)
    ents = []
    for form, typ in sorted(entities.items(), key=lambda kv: -len(kv[0])):
        e = Entity(typ, form)
        i = text.find(form)
        while i >= 0:
            if not any(taken[i:i + len(form)]):
                for k in range(i, i + len(form)):
                    taken[k] = True
                si = bisect.bisect_right(starts, i) - 1
                e.mentions.append(Mention(i, i + len(form), form, typ, si))
            i = text.find(form, i + 1)
        if e.mentions:
            ents.append(e)
    doc.entities = ents
    extract_quantities(doc)
    return doc


def find(doc, value, unit=None):
    qs = [q for q in doc.quantities if abs(q.value) == value and (unit is None or q.unit == unit)]
    assert qs, [(q.value, q.unit) for q in doc.quantities]
    return qs[0]


PLAN = "三、2024年工作安排\n"
REVIEW_YEAR = "一、2023年工作回顾\n"
REVIEW_TERM = "一、过去五年工作回顾\n"
OUTLOOK = "二、今后五年的目标任务\n"


def test_project_capacity_inside_name():
    doc = build(PLAN + "加快建设星河年产15万吨再生铝项目。", {"星河年产15万吨再生铝项目": "Project"})
    q = find(doc, 15, "万吨")
    assert q.subject == ("Project", "星河年产15万吨再生铝项目")
    assert q.attribute == "capacity"
    assert q.kind == "plan" and q.year is None
    assert q.product == "再生铝"
    assert q.norm_value == 150000 and q.norm_unit == "TONNE"
    assert doc.text[q.start:q.end] == q.exact == "15万吨"


def test_investment_before_project_with_de():
    doc = build(PLAN + "推动总投资85亿元的蓝海储能电池项目开工。", {"蓝海储能电池项目": "Project"})
    q = find(doc, 85, "亿元")
    assert q.subject == ("Project", "蓝海储能电池项目")
    assert q.attribute == "investment"
    assert q.kind == "plan" and q.year is None
    assert q.norm_unit == "CNY" and q.norm_value == 8.5e9


def test_project_power_capacity():
    doc = build(PLAN + "推进北坡50万千瓦光伏电站并网。", {"北坡50万千瓦光伏电站": "Project"})
    q = find(doc, 50, "万千瓦")
    assert q.attribute == "capacity" and q.subject[1] == "北坡50万千瓦光伏电站"
    assert q.norm_unit == "KiloW"


def test_industry_output_value_target():
    doc = build(PLAN + "壮大铝基材料产业,铝基材料产业产值达到800亿元。", {"铝基材料产业": "Industry"})
    q = find(doc, 800, "亿元")
    assert q.subject == ("Industry", "铝基材料产业")
    assert q.attribute == "outputValue"
    assert q.kind == "target" and q.year == 2024


def test_products_of_a_sentence_industry():
    doc = build(PLAN + "电池片产量达到3万片、正极材料产量达到5万吨,锂电产业产值达到300亿元。",
                {"锂电产业": "Industry"})
    q = find(doc, 5, "万吨")
    assert q.subject == ("Industry", "锂电产业")
    assert q.attribute == "output" and q.product == "正极材料"
    assert find(doc, 300).attribute == "outputValue"


def test_capacity_target_after_industry_chain():
    doc = build(PLAN + "延伸储能产业链,力争年内电芯产能达到20GW,产值达到150亿元。", {"储能": "Industry"})
    q = find(doc, 20, "GW")
    assert q.subject == ("Industry", "储能") and q.attribute == "capacity" and q.product == "电芯"
    assert find(doc, 150).subject == ("Industry", "储能")


def test_capacity_counted_in_units_before_the_word():
    doc = build(PLAN + "尽快形成叶片800套、塔筒600套的产能,完善风电装备产业链。", {"风电装备": "Industry"})
    q = find(doc, 800, "套")
    assert q.attribute == "capacity" and q.subject == ("Industry", "风电装备")
    assert q.product == "叶片"


def test_count_of_industry_projects():
    doc = build(REVIEW_YEAR + "32个生物医药产业项目开工建设,4家全国百强化工企业落户。",
                {"生物医药产业": "Industry", "化工": "Industry"})
    q = find(doc, 32, "个")
    assert q.subject == ("Industry", "生物医药产业")
    assert q.attribute == "count" and q.kind == "actual" and q.year == 2023
    q2 = find(doc, 4, "家")
    assert q2.subject == ("Industry", "化工")


def test_not_subject_when_entity_is_an_example():
    doc = build(REVIEW_YEAR + "滨江路等6条道路完成改造。", {"滨江路": "Project"})
    q = find(doc, 6, "条")
    assert q.subject is None


def test_revenue_of_enterprise_with_bare_scale():
    doc = build(REVIEW_YEAR + "华岳集团成为全省首家营收超千亿企业。", {"华岳集团": "Enterprise"})
    q = find(doc, 1000)
    assert q.subject == ("Enterprise", "华岳集团")
    assert q.attribute == "revenue" and q.unit == "亿元" and q.qualifier == "more_than"
    assert q.norm_value == 1e11 and q.norm_unit == "CNY"


def test_enterprise_with_product():
    doc = build(PLAN + "支持远达新能源汽车年销售突破2万辆。", {"远达": "Enterprise", "新能源汽车": "Industry"})
    q = find(doc, 2, "万辆")
    assert q.subject == ("Enterprise", "远达") and q.product == "新能源汽车"


def test_coordinated_subjects_share_a_growth_rate():
    doc = build(REVIEW_YEAR + "软件服务业、信息制造业收入增长35%。",
                {"软件服务业": "Industry", "信息制造业": "Industry"})
    subs = {q.subject for q in doc.quantities if q.value == 35}
    assert subs == {("Industry", "软件服务业"), ("Industry", "信息制造业")}
    assert all(q.attribute == "growthRate" for q in doc.quantities)


def test_industry_investment_multiple():
    doc = build(REVIEW_YEAR + "制造业投资增长2.1倍。", {"制造业": "Industry"})
    q = find(doc, 2.1, "倍")
    assert q.subject == ("Industry", "制造业") and q.attribute == "growthRate"


def test_share_chained_to_installed_capacity():
    doc = build(REVIEW_YEAR + "全市清洁能源装机容量达到420万千瓦、占比达到41.5%。", {"清洁能源": "Industry"})
    q1 = find(doc, 420)
    q2 = find(doc, 41.5)
    assert q1.attribute == "installedCapacity" and q1.subject == ("Industry", "清洁能源")
    assert q2.attribute == "share" and q2.subject == ("Industry", "清洁能源")


def test_zone_growth():
    doc = build(REVIEW_YEAR + "青石口岸过货量增长63.2%。", {"青石口岸": "Zone"})
    q = find(doc, 63.2)
    assert q.subject == ("Zone", "青石口岸") and q.attribute == "growthRate"


def test_headline_targets():
    doc = build(PLAN + "今年主要预期目标是:地区生产总值增长6.5%左右,规上工业增加值增长9%以上,"
                       "城镇调查失业率控制在5.5%以内,居民消费价格涨幅3%左右。", {})
    gdp = find(doc, 6.5)
    assert gdp.subject is None and gdp.indicator == "地区生产总值"
    assert gdp.attribute == "growthRate" and gdp.kind == "target" and gdp.year == 2024
    assert gdp.qualifier == "about"
    assert find(doc, 9).indicator == "规模以上工业增加值"
    unemp = find(doc, 5.5)
    assert unemp.indicator == "城镇调查失业率" and unemp.qualifier == "at_most"
    assert find(doc, 3).indicator == "居民消费价格涨幅"


def test_headline_results_last_year():
    doc = build(REVIEW_YEAR + "全年地区生产总值增长5.2%,固定资产投资增长10.4%,单位GDP能耗下降3.1%。", {})
    gdp = find(doc, 5.2)
    assert gdp.indicator == "地区生产总值" and gdp.kind == "actual" and gdp.year == 2023
    en = find(doc, 3.1)
    assert en.indicator == "单位GDP能耗" and en.value == -3.1


def test_paired_urban_rural_income():
    doc = build(REVIEW_YEAR + "城乡居民人均可支配收入分别达到48200元和21300元,分别增长5.8%和7.6%。", {})
    assert find(doc, 48200).indicator == "城镇居民人均可支配收入"
    assert find(doc, 21300).indicator == "农村牧区居民人均可支配收入"
    assert find(doc, 5.8).indicator == "城镇居民人均可支配收入"
    assert find(doc, 7.6).indicator == "农村牧区居民人均可支配收入"


def test_indicator_carried_to_growth_clause():
    doc = build(REVIEW_YEAR + "外贸进出口总额完成88亿元,增长12.5%。", {})
    assert find(doc, 88).indicator == "外贸进出口总额"
    q = find(doc, 12.5)
    assert q.indicator == "外贸进出口总额" and q.attribute == "growthRate"


def test_five_year_review_and_outlook_have_no_year():
    doc = build(REVIEW_TERM + "地区生产总值年均增长6.1%。\n" + OUTLOOK + "地区生产总值迈上3000亿元。\n"
                + PLAN + "地区生产总值增长7%。", {})
    past, future, now = find(doc, 6.1), find(doc, 3000), find(doc, 7)
    assert (past.kind, past.year) == ("actual", None)
    assert (future.kind, future.year) == ("target", None)
    assert (now.kind, now.year) == ("target", 2024)


def test_project_put_into_production_last_year_is_actual():
    doc = build(REVIEW_YEAR + "宏图一期3万吨铜箔等项目当年建设、当年投产。", {"宏图一期3万吨铜箔": "Project"})
    q = find(doc, 3, "万吨")
    assert q.kind == "actual" and q.year == 2023 and q.attribute == "capacity"


def test_slogans_and_ordinals_are_skipped():
    doc = build(PLAN + "坚持“两个毫不动摇”,实施第三轮行动,一批项目开工。", {})
    assert doc.quantities == []


def test_area_and_length():
    doc = build(REVIEW_YEAR + "新建高标准农田8万亩,改造供热管网36公里。", {})
    assert find(doc, 8).attribute == "area" and find(doc, 8).norm_unit == "M2"
    assert find(doc, 36).attribute == "length" and find(doc, 36).norm_unit == "KiloM"


# ---------------------------------------------------------------- scorer
def test_norm_label():
    assert norm_label("稀土产业") == norm_label("稀土") == norm_label("稀土行业")
    assert norm_label("X10万吨铜箔项目") == norm_label("X10万吨铜箔") == norm_label("X10万吨铜箔等")


def test_same_amount():
    assert same_amount(20, "万吨", 200000, "吨")
    assert same_amount(1000, "亿元", 1000, "亿")
    assert same_amount(12.3, "%", -12.3, "%")
    assert not same_amount(20, "万吨", 20, "吨")


def test_score_quantities():
    gold = [
        {"subject": "锂电产业", "value": 300, "unit": "亿元", "line": 3},
        {"subject": "星河15万吨再生铝", "value": 15, "unit": "万吨", "line": 3},
        {"subject": "锂电", "value": 5, "unit": "万吨", "line": 3},
    ]
    pred = [
        {"subject_labels": ["锂电"], "value": 300, "unit": "亿元", "line": 3},
        {"subject_labels": ["星河15万吨再生铝项目"], "value": 15, "unit": "万吨", "line": 3},
        {"subject_labels": ["锂电产业"], "value": 300, "unit": "亿元", "line": 3},  # duplicate: one-to-one
        {"subject_labels": [], "value": 6.5, "unit": "%", "line": 3},  # jurisdiction: not annotated in gold
    ]
    r = score_quantities(gold, pred)
    assert r["tp"] == 2 and r["predicted"] == 3 and r["unscored_jurisdiction"] == 1
    assert r["precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert r["recall"] == pytest.approx(2 / 3, abs=1e-3)
    r2 = score_quantities(gold + [{"subject": None, "value": 6.5, "unit": "%", "line": 3}], pred)
    assert r2["tp"] == 3 and r2["predicted"] == 4


def test_quantity_dicts_carry_aliases():
    doc = build(PLAN + "加快建设星河年产15万吨再生铝项目。", {"星河年产15万吨再生铝项目": "Project"})
    doc.entities[0].aliases.add("星河再生铝")
    d = quantity_dicts(doc)[0]
    assert d["subject_labels"][0] == "星河年产15万吨再生铝项目" and "星河再生铝" in d["subject_labels"]
    assert d["line"] == 3


# ---------------------------------------------------------------- whole pipeline
def test_pipeline_headline_indicators():
    pipeline = pytest.importorskip("kg.pipeline")
    text = ("2024年临河市政府工作报告\n一、2023年工作回顾\n全年地区生产总值增长5.6%,一般公共预算收入增长8.1%。\n"
            "二、2024年工作安排\n今年主要预期目标是:地区生产总值增长6%左右,城镇登记失业率控制在4.5%以内。\n")
    doc = pipeline.process_text(text, source="t.txt")
    by = {(q.indicator, q.kind, q.year): q for q in doc.quantities if q.indicator}
    assert by[("地区生产总值", "actual", 2023)].value == 5.6
    assert by[("地区生产总值", "target", 2024)].qualifier == "about"
    assert by[("城镇登记失业率", "target", 2024)].value == 4.5
    for q in doc.quantities:
        assert doc.text[q.start:q.end] == q.exact
