"""Numbers as written in Chinese reports: kg.numbers."""
import pytest

from kg.numbers import find_numbers, normalize, parse_number, unit_info


@pytest.mark.parametrize("s, expected", [
    ("20", 20.0),
    ("3.75", 3.75),
    ("1,250", 1250.0),
    ("1.25万", 12500.0),
    ("3.5亿", 3.5e8),
    ("2万亿", 2e12),
    ("千亿", 1e11),
    ("二十", 20.0),
    ("十二", 12.0),
    ("一千二百", 1200.0),
    ("一千零五", 1005.0),
    ("两", 2.0),
    ("两万", 20000.0),
    ("三十万", 300000.0),
    ("五十", 50.0),
    ("百", 100.0),
    ("三点五", 3.5),
    ("45%", 45.0),
    ("百分之三十", 30.0),
    ("翻番", 2.0),
    ("翻两番", 4.0),
    ("１２", 12.0),
])
def test_parse_number(s, expected):
    assert parse_number(s) == pytest.approx(expected)


@pytest.mark.parametrize("s", ["", "abc", "增长", "第"])
def test_parse_number_rejects(s):
    assert parse_number(s) is None


def one(text):
    found = find_numbers(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text, value, unit, qualifier", [
    # Arabic with scale and unit
    ("新建年产8万吨锂电材料项目", 8, "万吨", None),
    ("完成投资62.5亿元", 62.5, "亿元", None),
    ("签约金额达2.3万亿元", 2.3, "万亿元", None),
    ("新增装机120万千瓦", 120, "万千瓦", None),
    ("建设一期5GW电池片", 5, "GW", None),
    ("配套200MW储能", 200, "MW", None),
    ("年发电量18亿千瓦时", 18, "亿千瓦时", None),
    ("新建220千伏变电站", 220, "千伏", None),
    ("改造管网45.6公里", 45.6, "公里", None),
    ("建成高标准农田12万亩", 12, "万亩", None),
    ("新增绿地300公顷", 300, "公顷", None),
    ("改造住宅68万平方米", 68, "万平方米", None),
    ("蓄水能力1500万立方米", 1500, "万立方米", None),
    ("新建充电桩1200台", 1200, "台", None),
    ("新开工学校9所", 9, "所", None),
    ("新增床位350张", 350, "张", None),
    # Chinese numerals
    ("引进十二家企业", 12, "家", None),
    ("建成两座水厂", 2, "座", None),
    ("出台二十条措施", 20, "条", None),
    ("培育三十万吨产能", 30, "万吨", None),
    # percentages, points, multiples
    ("增长7.5%", 7.5, "%", None),
    ("下降百分之五", 5, "%", None),
    ("提高1.2个百分点", 1.2, "个百分点", None),
    ("增长2.3倍", 2.3, "倍", None),
    # qualifiers before and after
    ("增长6%左右", 6, "%", "about"),
    ("投资约12亿元", 12, "亿元", "about"),
    ("达到近90%", 90, "%", "nearly"),
    ("营收超过300亿元", 300, "亿元", "more_than"),
    ("产值突破千亿", 1000, "亿", "more_than"),
    ("比重不低于30%", 30, "%", "at_least"),
    ("入园企业不少于50家", 50, "家", "at_least"),
    ("保持在5.5%以上", 5.5, "%", "at_least"),
    ("控制在3.5%以内", 3.5, "%", "at_most"),
    ("覆盖率不超过10%", 10, "%", "at_most"),
    ("惠及群众3万余户", 3, "万户", "more_than"),
    ("培训1500余人", 1500, "人", "more_than"),
    ("吸纳就业20多万人", 20, "万人", "more_than"),
])
def test_find_one(text, value, unit, qualifier):
    m = one(text)
    assert m.value == pytest.approx(value)
    assert m.unit == unit
    assert m.qualifier == qualifier
    assert text[m.start:m.end] == m.text


@pytest.mark.parametrize("text, low, high, unit", [
    ("年产3-5万吨", 3, 5, "万吨"),
    ("占比30%—40%", 30, 40, "%"),
    ("增长6%-7%", 6, 7, "%"),
    ("建设10至15个园区", 10, 15, "个"),
    ("增长5~6%", 5, 6, "%"),
])
def test_ranges(text, low, high, unit):
    m = one(text)
    assert (m.value, m.high, m.unit, m.qualifier) == (low, high, unit, "range")


@pytest.mark.parametrize("text", [
    "2023年政府工作报告",  # a year is not a quantity
    "实现“十五五”良好开局",
    "坚决做到“两个维护”",
    "G15沈海高速",
    "PM2.5年均浓度",
    "第三次全国普查",
    "千方百计稳就业",
    "推动5G基站建设",
    "一是坚持创新驱动",
])
def test_not_quantities(text):
    assert find_numbers(text) == []


def test_several_in_order():
    ms = find_numbers("城乡居民收入分别增长5.1%和7.2%,新增就业3.4万人")
    assert [(m.value, m.unit) for m in ms] == [(5.1, "%"), (7.2, "%"), (3.4, "万人")]


def test_fanfan_is_a_multiple():
    ms = find_numbers("高新技术企业数量实现翻番")
    assert len(ms) == 1 and ms[0].value == 2 and ms[0].unit == "倍" and ms[0].kind == "multiple"


def test_kinds():
    kinds = [m.kind for m in find_numbers("增长5%,提高0.5个百分点,增长1.5倍,新增12家")]
    assert kinds == ["percent", "points", "multiple", "number"]


@pytest.mark.parametrize("value, unit, norm, base", [
    (20, "万吨", 200000, "TONNE"),
    (3, "亿吨", 3e8, "TONNE"),
    (2, "GW", 2e6, "KiloW"),
    (160, "万千瓦", 1.6e6, "KiloW"),
    (500, "兆瓦", 5e5, "KiloW"),
    (12, "亿千瓦时", 1.2e9, "KiloW-HR"),
    (170, "亿元", 1.7e10, "CNY"),
    (3, "万元", 3e4, "CNY"),
    (15, "亩", 1e4, "M2"),
    (3, "万亩", 2e7, "M2"),
    (2, "平方公里", 2e6, "M2"),
    (5, "千米", 5, "KiloM"),
    (500, "米", 0.5, "KiloM"),
    (10, "万立方米", 1e5, "M3"),
    (220, "kV", 220, "KiloV"),
    (8, "%", 8, "PERCENT"),
    (1.5, "个百分点", 1.5, "PERCENT"),
    (1.4, "倍", 1.4, "UNITLESS"),
    (45, "个", 45, "NUM"),
    (2.5, "万人次", 25000, "NUM"),
    (3, "万户", 30000, "NUM"),
])
def test_normalize(value, unit, norm, base):
    v, b = normalize(value, unit)
    assert b == base
    assert v == pytest.approx(norm)


def test_unknown_unit():
    assert normalize(3, "光年") == (None, None)
    assert unit_info("") is None


def test_match_norm_properties():
    m = one("年产20万吨多晶硅")
    assert (m.norm_value, m.norm_unit) == (200000, "TONNE")
