"""Stage 1: read a report file into a ``Document`` and split it into sentences.

Offsets always index ``Document.text``, the decoded original (CRLF kept), so a
mention can be checked with ``text[start:end]``.  Each sentence also carries a
``clean`` view (line breaks removed, full-width ASCII folded) plus a position
map, which is what makes extraction independent of typography.
"""
from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from .doc import Document, Sentence
from .errors import BinaryInput, EmptyInput, InputNotFound, InputTooLarge, UndecodableInput

REPORT_SUFFIXES = (".txt", ".html", ".htm", ".docx")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Sentence-final punctuation.  A line break also ends a sentence after these, or
# after a short heading-like line; otherwise it is a break *inside* a sentence.
_FINAL = set("。！？!?；;")
_CLOSERS = set("”’」』)）】\"'")
_BREAK_CHAR = re.compile("[" + re.escape("".join(sorted(_FINAL))) + "\n]")
_HEADING_MAX = 24


# ---------------------------------------------------------------- decoding
def decode_bytes(data: bytes, name: str = "input") -> str:
    """Decode report bytes: BOMs first, then UTF-8, then GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data[3:], "utf-8", name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16", name)
    if _looks_binary(data):
        raise BinaryInput(f"{name}: binary file, not a text report")
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UndecodableInput(f"{name}: cannot decode as UTF-8, UTF-8-BOM, UTF-16-BOM or GB18030")


def _decode(data: bytes, enc: str, name: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        raise UndecodableInput(f"{name}: invalid {enc} text") from None


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return len(head) > 0 and ctrl / len(head) > 0.05


class _TextExtractor(HTMLParser):
    """Collects visible text; block elements become line breaks."""

    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title"}
    SKIP = {"script", "style", "head", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP and tag != "head":
            self._skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and tag != "head" and self._skip:
            self._skip -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    lines = [ln.strip() for ln in text.splitlines()]
    return "\n".join(ln for ln in lines if ln)


def docx_to_text(path: Path) -> str:
    import docx  # python-docx; imported lazily, only .docx needs it

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # corrupt zip, not a docx, ...
        raise UndecodableInput(f"{path}: not a readable .docx file ({type(exc).__name__})") from None
    return "\n".join(p.text for p in document.paragraphs if p.text.strip())


def read_text(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read a report (.txt, .html/.htm, .docx) as text, or raise a KgError."""
    p = Path(path)
    if not p.exists():
        raise InputNotFound(f"{p}: no such file or directory")
    if p.is_dir():
        raise InputNotFound(f"{p}: is a directory, expected a report file")
    size = p.stat().st_size
    if size > max_bytes:
        raise InputTooLarge(f"{p}: {size} bytes exceeds the limit of {max_bytes} bytes (--max-bytes)")
    if p.suffix.lower() == ".docx":
        text = docx_to_text(p)
    else:
        text = decode_bytes(p.read_bytes(), str(p))
        if p.suffix.lower() in (".html", ".htm") or _looks_like_html(text):
            text = html_to_text(text)
    if not text.strip():
        raise EmptyInput(f"{p}: empty report")
    return text


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in head)


# ---------------------------------------------------------------- clean view
def fold_char(ch: str) -> str:
    """Full-width ASCII → half-width; ideographic space → space."""
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E:
        return chr(o - 0xFEE0)
    if o == 0x3000:
        return " "
    return ch


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")


# Runs of characters the clean view keeps one for one whatever surrounds them (visible
# ASCII, CJK punctuation and ideographs, full-width ASCII folded): no control or format
# character, no space.  Most of a report is such runs, copied in one step each.
_PLAIN_RUN = re.compile("[!-~\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]+")
_FOLD_FULLWIDTH = {o: o - 0xFEE0 for o in range(0xFF01, 0xFF5F)}


def clean_span(text: str, start: int, end: int) -> tuple[str, list[int]]:
    """The clean view of text[start:end] and the position map back into text."""
    chunks: list[str] = []
    pos: list[int] = []
    i = start
    while i < end:
        run = _PLAIN_RUN.match(text, i, end)
        if run:
            chunks.append(run.group().translate(_FOLD_FULLWIDTH))
            pos.extend(range(i, run.end()))
            i = run.end()
            continue
        ch = _clean_char(text, i, end, chunks[-1][-1] if chunks else "")
        if ch:
            chunks.append(ch)
            pos.append(i)
        i += 1
    return "".join(chunks), pos


def _clean_char(text: str, i: int, end: int, prev: str) -> str:
    """The clean form of text[i] after ``prev`` ("" if dropped): controls go, spaces mostly."""
    ch = text[i]
    if ch in "\r\n\t\u200b\ufeff" or unicodedata.category(ch) in ("Cc", "Cf"):
        return ""
    ch = fold_char(ch)
    if ch == " ":
        # a space between two CJK characters is typography, not content
        nxt = _next_visible(text, i + 1, end)
        if not prev or not nxt or _is_cjk(prev) or _is_cjk(nxt) or prev == " ":
            return ""
    return ch


def _next_visible(text: str, i: int, end: int) -> str:
    while i < end and text[i] in " \u3000\r\n\t":
        i += 1
    return text[i] if i < end else ""


# ---------------------------------------------------------------- sentences
def split_sentences(text: str) -> list[Sentence]:
    """Split on sentence-final punctuation and on line breaks that end a line.

    A line break inside a sentence (the previous line ends without final
    punctuation and is not a short heading) does not split it.
    """
    sentences: list[Sentence] = []
    n = len(text)
    start = 0
    paragraph = 0
    i = 0
    line_start = 0
    while i < n:
        hit = _BREAK_CHAR.search(text, i)  # jump straight to the next character that can end a sentence
        if hit is None:
            break
        i = hit.start()
        ch = text[i]
        if ch in _FINAL:
            j = i + 1
            while j < n and text[j] in _CLOSERS:
                j += 1
            _emit(sentences, text, start, j, paragraph)
            start = i = j
            continue
        if ch == "\n":
            line = text[line_start:i].strip()
            last = line[-1:] if line else ""
            ends = (not line) or last in _FINAL or last in ":：" or _is_heading(line, text, i)
            if ends:
                _emit(sentences, text, start, i, paragraph)
                start = i + 1
                paragraph += 1
            line_start = i + 1
        i += 1
    _emit(sentences, text, start, n, paragraph)
    return sentences


_ENUM_RE = re.compile(r"^(第?[一二三四五六七八九十]+[、是.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．](?!\d)|——)")


def _is_heading(line: str, text: str, nl: int) -> bool:
    """A short line that is a title or a numbered heading, not a wrapped sentence."""
    if len(line) > _HEADING_MAX:
        return False
    if _ENUM_RE.match(line) or "报告" in line:
        return True
    rest = text[nl + 1 : nl + 3]
    return rest.startswith("\n") or rest.startswith("\r\n")  # followed by a blank line


def _emit(out: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    clean, pos = clean_span(text, start, end)
    if not clean.strip():
        return
    # trim leading/trailing spaces of the clean view
    lo, hi = 0, len(clean)
    while lo < hi and clean[lo] == " ":
        lo += 1
    while hi > lo and clean[hi - 1] == " ":
        hi -= 1
    clean, pos = clean[lo:hi], pos[lo:hi]
    out.append(Sentence(len(out), pos[0], pos[-1] + 1, clean, pos, paragraph))


# ---------------------------------------------------------------- metadata
_TITLE_RE = re.compile(r"((?:19|20)\d\d)年?(.{2,12}?)(?:人民)?政府工作报告")
_YEAR_RE = re.compile(r"((?:19|20)\d\d)年")


def detect_title(text: str) -> tuple[str, int | None, str | None]:
    """Title, report year and the jurisdiction's written name, from the first lines."""
    head = text[:3000]
    for line in head.splitlines():
        m = _TITLE_RE.search(fold_text(line))
        if m:
            return m.group(0), int(m.group(1)), m.group(2)
    first = next((ln.strip() for ln in head.splitlines() if ln.strip()), "")
    years = [int(y) for y in _YEAR_RE.findall(head)]
    return first[:80], (max(years) if years else None), None


def fold_text(s: str) -> str:
    return "".join(fold_char(c) for c in s)


def doc_id_for(source: str, sha: str) -> str:
    """A stable id: the file stem (ASCII-safe) plus a short content hash."""
    stem = Path(source).stem
    safe = re.sub(r"[^0-9A-Za-z_.-]+", "-", stem).strip("-") or "report"
    return f"{safe}-{sha[:8]}"


def make_document(text: str, source: str) -> Document:
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    title, year, _ = detect_title(text)
    doc = Document(doc_id=doc_id_for(source, sha), source=source, text=text, sha256=sha, title=title, year=year)
    doc.sentences = split_sentences(text)
    return doc


def escape(s: str) -> str:
    """HTML-escape document text wherever it is rendered."""
    return html.escape(s, quote=True)
