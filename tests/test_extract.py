"""Stage 2 on small texts written for the tests (no names from the seed)."""
import pytest

from kg.pipeline import process_text


def ents(text):
    doc = process_text(text, "t.txt")
    return doc, {(e.type, e.label) for e in doc.entities}


def labels(doc, type_):
    return {e.label for e in doc.entities if e.type == type_} | {a for e in doc.entities if e.type == type_ for a in e.aliases}


def test_project_list_gives_one_project_per_item_with_owner():
    doc, _ = ents("2023年赤峰市政府工作报告\n加快实施华瑞祥5万吨电池级碳酸锂、恒泰源二期、瑞德丰年产3万吨铝箔等项目,推动有色金属产业发展。")
    projects = labels(doc, "Project")
    assert {"华瑞祥5万吨电池级碳酸锂", "恒泰源二期", "瑞德丰年产3万吨铝箔"} <= projects
    firms = labels(doc, "Enterprise")
    assert {"华瑞祥", "恒泰源", "瑞德丰"} <= firms
    rel = {(r.kind, r.subj[1], r.obj[1]) for r in doc.relations}
    assert ("undertakenBy", "恒泰源二期", "恒泰源") in rel


def test_generic_phrases_are_not_entities():
    doc, es = ents("实施重大项目120个,支持龙头企业和市属企业做大做强,实施工业节能技改项目30个。")
    names = {label for _, label in es}
    for bad in ("重大项目", "龙头企业", "市属企业", "工业节能技改项目"):
        assert bad not in names


def test_industry_heading_links_projects():
    doc, _ = ents("2023年赤峰市政府工作报告\n加快发展新能源产业,建设蓝天风电一期、明远200万千瓦光伏等项目。")
    rel = {(r.kind, r.subj[1], r.obj[1]) for r in doc.relations}
    assert ("inIndustry", "蓝天风电一期", "新能源产业") in rel


def test_zone_and_institution_suffixes():
    doc, es = ents("2023年赤峰市政府工作报告\n获批国家农业高新技术产业示范区,红山稀土研究院揭牌成立。")
    assert ("Zone", "国家农业高新技术产业示范区") in es
    assert ("Institution", "红山稀土研究院") in es


def test_divisions_resolve_to_official_names_and_parent():
    doc, es = ents("2023年包头市政府工作报告\n固阳和达茂旗加快发展现代农牧业。")
    districts = {e.label: e for e in doc.entities if e.type == "District"}
    assert "固阳县" in districts and "固阳" in districts["固阳县"].aliases
    assert "达尔罕茂明安联合旗" in districts
    rel = {(r.kind, r.subj[1], r.obj[1]) for r in doc.relations}
    assert ("partOf", "固阳县", "包头市") in rel or not any(e.label == "包头市" for e in doc.entities)


def test_person_title_blocks_enterprise_short_name():
    doc, es = ents("市长华能同志作政府工作报告。推进华能、大唐等企业项目建设。")
    firms = [e for e in doc.entities if e.type == "Enterprise"]
    spans = [(m.start, m.end) for e in firms for m in e.mentions]
    text = doc.text
    assert all(text[a - 2 : a] != "市长" for a, _ in spans)
    assert any(text[a:b] == "大唐" for a, b in spans)


def test_roads_and_railways():
    doc, es = ents("2023年赤峰市政府工作报告\n国道111赤峰至承德段建成通车,赤通高铁开工建设。")
    assert ("Project", "国道111赤峰至承德段") in es
    assert ("Project", "赤通高铁") in es


def test_offsets_round_trip_for_every_mention():
    text = "2023年赤峰市政府工作报告\r\n加快实施华瑞祥5万吨电池级\n碳酸锂等项目，建设红山稀土研究院。"
    doc = process_text(text, "t.txt")
    assert doc.mentions
    for m in doc.mentions:
        exact = doc.text[m.start : m.end]
        assert exact.replace("\r", "").replace("\n", "") == m.label
