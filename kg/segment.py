"""jieba segmentation with a user dictionary built from our lexicons.

jieba's own POS tags are not an entity recogniser (see NOTES), so we use it
for one thing: word boundaries.  Extractors ask "does a candidate start or
end on a word boundary?" and "which words does this stretch consist of?".
"""
from __future__ import annotations

import logging
import re
import warnings
from functools import lru_cache
from itertools import accumulate
from math import log

from . import lexicon


@lru_cache(maxsize=1)
def tokenizer():
    """A jieba Tokenizer with our lexicon words added (built once per process)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42 emits SyntaxWarning / pkg_resources noise
        import jieba
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    base = {w for w, f in tk.FREQ.items() if f > 0}
    for word in lexicon.user_words(lexicon.load()):
        tk.add_word(word, freq=max(tk.FREQ.get(word, 0), 2000))
    tk.kg_base_vocab = base
    tk.kg_memo = {}  # fragment → weight, filled by _route: add no words after this point
    return tk


# jieba 0.42's own block and skip patterns (``re_han_default``, ``re_skip_default``, ``re_eng``)
_RE_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_RE_SKIP = re.compile("(\r\n|\\s)")
_RE_ENG = re.compile("[a-zA-Z0-9]")


def cut(text: str) -> list[str]:
    """Exactly ``tokenizer().lcut(text, HMM=False)``, about twice as fast.

    jieba spends most of its time building a DAG dict and then taking ``max``
    over generator tuples; here one right-to-left pass does both (see
    ``_route``).  The result is the same token list (tests compare the two).
    """
    out: list[str] = []
    for blk in _RE_HAN.split(text):
        if not blk:
            continue
        if _RE_HAN.match(blk):
            _cut_block(blk, out)
        else:
            for piece in _RE_SKIP.split(blk):
                if _RE_SKIP.match(piece):
                    out.append(piece)
                else:
                    out.extend(piece)
    return out


def _cut_block(blk: str, out: list[str]) -> None:
    """jieba's ``__cut_DAG_NO_HMM``: follow the best route, gluing single ASCII letters/digits."""
    ends = _route(blk)
    x, n, buf = 0, len(blk), ""
    while x < n:
        y = ends[x]
        word = blk[x:y]
        if y - x == 1 and _RE_ENG.match(word):
            buf += word
        else:
            if buf:
                out.append(buf)
                buf = ""
            out.append(word)
        x = y
    if buf:
        out.append(buf)


_STOP = None  # memo value: jieba knows no word starting with this fragment
_PREFIX = 1.0  # memo value: only a prefix of longer words (real weights are negative)
_MEMO_MAX = 500_000  # fragments remembered before the memo starts afresh (bounds memory)
_NO_WORD = float("-inf")


def _route(blk: str) -> list[int]:
    """End offset of the best word starting at each position (jieba's ``get_DAG`` + ``calc``).

    Same arithmetic as jieba, in the same order (``log(freq) - log(total) +
    score``), so the floating-point scores and hence the choices are identical;
    ties go to the longer word, as ``max`` over ``(score, end)`` tuples does.
    """
    tk = tokenizer()
    memo, fragment_weight = tk.kg_memo, _fragment_weight
    single = log(1) - log(tk.total)  # a character jieba does not know as a word
    n = len(blk)
    score = [0] * (n + 1)
    ends = list(range(1, n + 2))
    for idx in range(n - 1, -1, -1):
        best = _NO_WORD
        end = idx + 1
        frag = blk[idx]
        while True:  # walk the fragments jieba knows, longer and longer
            w = memo.get(frag, 0)
            if w == 0:
                w = fragment_weight(tk, frag)
            if w is _STOP:
                break
            if w is not _PREFIX:
                s = w + score[end]
                if s >= best:
                    best, ends[idx] = s, end
            if end >= n:
                break
            end += 1
            frag = blk[idx:end]
        score[idx] = single + score[idx + 1] if best == _NO_WORD else best
    return ends


def _fragment_weight(tk, frag: str):
    """A fragment's ``log(freq) - log(total)``, or _PREFIX / _STOP, remembered in ``tk.kg_memo``.

    Most fragments of a report recur (in it and in the next report), and one
    dict lookup is cheaper than jieba's two plus a ``log``.
    """
    memo = tk.kg_memo
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    f = tk.FREQ.get(frag)
    w = memo[frag] = _STOP if f is None else (log(f) - log(tk.total) if f else _PREFIX)
    return w


def tokens(text: str) -> list[str]:
    """Dictionary-only segmentation (no HMM): unknown names fall apart into single
    characters, which is exactly the signal ``has_proper_piece`` looks for."""
    toks = cut(text)
    _current["text"] = text
    _current["toks"] = toks
    return toks


_current: dict = {"text": None, "toks": []}
RARE_WORD_FREQ = 50  # jieba frequency below which a 2-character dictionary word counts as a proper name


def boundaries(toks: list[str]) -> set[int]:
    """Character offsets at which a token starts or ends."""
    return set(accumulate(map(len, toks), initial=0))


def is_common_word(word: str) -> bool:
    """True if jieba's own dictionary (not our additions) knows ``word``."""
    return word in tokenizer().kg_base_vocab


def looks_generic(phrase: str) -> bool:
    """True if a phrase is made only of common dictionary words (草原生态保护修复).

    A proper name (恒泰源, 迪拓锐) contains a piece jieba's dictionary does not
    know as a word, so without HMM it falls apart into single characters.
    """
    return not has_proper_piece(phrase)


def _tokens_of(phrase: str) -> list[str]:
    """Tokens of a phrase, reusing the current sentence's segmentation when it contains it."""
    text = _current["text"]
    if text:
        at = text.find(phrase)
        if at >= 0:
            out, pos, end = [], 0, at + len(phrase)
            for t in _current["toks"]:
                a, b = pos, pos + len(t)
                pos = b
                if a >= at and b <= end:
                    out.append(t)
                elif a < end and b > at:
                    out.append(t[max(at - a, 0) : len(t) - max(b - end, 0)] or t)
            return out
    return cut(phrase)


def has_proper_piece(phrase: str) -> bool:
    """True if jieba (without HMM) cannot cover the phrase with known words:
    two or more single characters in a row mark an unknown word (恒泰源 → 恒/泰/源)."""
    toks = _tokens_of(phrase)
    tk = tokenizer()
    run = 0
    for t in toks:
        if len(t) == 2 and "\u4e00" <= t[0] <= "\u9fff" and tk.FREQ.get(t, 0) < RARE_WORD_FREQ:
            return True  # a rare or unknown two-character word is usually a place or brand name (蒙苏, 山北)
        if len(t) == 1 and "\u4e00" <= t <= "\u9fff":
            run += 1
            if run >= 2:
                return True
        else:
            run = 0
    return False
