"""jieba segmentation with a user dictionary built from our lexicons.

jieba's own POS tags are not an entity recogniser (see NOTES), so we use it
for one thing: word boundaries.  Extractors ask "does a candidate start or
end on a word boundary?" and "which words does this stretch consist of?".
"""
from __future__ import annotations

import logging
import warnings
from functools import lru_cache
from itertools import accumulate

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
    return tk


def tokens(text: str) -> list[str]:
    """Dictionary-only segmentation (no HMM): unknown names fall apart into single
    characters, which is exactly the signal ``has_proper_piece`` looks for."""
    toks = tokenizer().lcut(text, HMM=False)
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
    return tokenizer().lcut(phrase, HMM=False)


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
