"""Warnings about `know` keywords, raised while a dataset is validated (they never fail it).

- A keyword that occurs in none of its item's own references, even inflected (the tolerant
  Keyword Accuracy matcher), is probably misspelt or belongs to another item: a model that
  describes the image like the references do would never be credited for it.
- A very short keyword (one word of at most `SHORT_CHARS` characters after normalisation; one
  syllable in Korean) is often a homograph or a function word (ko 절 temple/bow, hu tó lake) and makes the metric
  noisy; a longer, more specific keyword is better.
"""

from __future__ import annotations

from typing import Sequence

SHORT_CHARS = 2
_SHORT_BY_LANG = {"ko": 1}


def keyword_warnings(lang: str, keywords: Sequence[str], references: Sequence[str]) -> list[tuple[str, str]]:
    """(keyword, message) for each problem found with one item's keywords."""
    from mella_bench.metrics.wordmatch import find_keyword, split_words

    ref_words = [split_words(lang, r) for r in references]
    out: list[tuple[str, str]] = []
    for kw in keywords:
        words = split_words(lang, kw)
        if not words:
            continue
        if not any(find_keyword(lang, kw, rw, tolerant=True).found for rw in ref_words):
            out.append((kw, f"keyword '{kw}' occurs in none of this item's references, not even inflected "
                            "(misspelt, or a word of another item?)"))
        chars = len(words[0].norm)
        if len(words) == 1 and chars <= _SHORT_BY_LANG.get(lang, SHORT_CHARS):
            out.append((kw, f"keyword '{kw}' is very short ({chars} character(s)); short words are often "
                            "homographs or function words, prefer a longer, specific keyword"))
    return out
