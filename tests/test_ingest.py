"""Stage 1: decoding, HTML/docx text, sentences and the clean view's offsets."""
from kg import ingest


def test_decodes_utf8_bom_and_gb18030_and_utf16():
    text = "包头市加快发展稀土产业。\n"
    assert ingest.decode_bytes(text.encode("utf-8")) == text
    assert ingest.decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert ingest.decode_bytes(text.encode("gb18030")) == text
    assert ingest.decode_bytes(text.encode("utf-16")) == text


def test_sentences_keep_offsets_into_original_text():
    text = "各位代表:\n一、过去一年回顾\n我们加快建设\n光伏产业链,成效显著。第二句话!"
    sents = ingest.split_sentences(text)
    for s in sents:
        for i, ch in enumerate(s.clean):
            assert ingest.fold_char(text[s.pos[i]]) == ch
    # the line break inside the sentence does not split it, and is removed from the clean view
    joined = [s.clean for s in sents]
    assert "我们加快建设光伏产业链,成效显著。" in joined
    assert "一、过去一年回顾" in joined


def test_fullwidth_punctuation_is_folded_in_clean_view():
    text = "建设甲乙（一期）项目，推进丙丁项目。"
    (s,) = ingest.split_sentences(text)
    assert s.clean == "建设甲乙(一期)项目,推进丙丁项目。"
    a, b = s.span(s.clean.index("("), s.clean.index(")") + 1)
    assert text[a:b] == "（一期）"


def test_html_is_stripped_to_text():
    html = "<html><head><style>p{}</style></head><body><p>加快发展<b>稀土</b>产业。</p><script>x()</script></body></html>"
    assert ingest.html_to_text(html) == "加快发展稀土产业。"


def test_title_year_and_jurisdiction_detected():
    title, year, written = ingest.detect_title("2023年鄂尔多斯市政府工作报告\n各位代表:")
    assert year == 2023 and written == "鄂尔多斯市" and title.startswith("2023年")
