"""Warnings about `know` keywords, raised while a dataset is validated (they never fail it).

- A keyword that occurs in none of its item's own references, even inflected (the tolerant
  Keyword Accuracy matcher), is probably misspelt or belongs to another item: a model that
  describes the image like the references do would never be credited for it.
- A very short keyword (one word of at most `Language.short_keyword_chars` characters after
  normalisation: 2, one syllable in Korean) is often a homograph or a function word (ko 절
  temple/bow, hu tó lake) and makes the metric noisy; a longer, more specific keyword is better.
- A one-syllable keyword in a language whose words are written as space-separated syllables
  (`Language.segmentation` `whitespace-syllables`: Vietnamese) is also a syllable of countless
  compounds (cầu in cầu thủ, yêu cầu, cầu thang; đình in gia đình): Keyword Accuracy counts it only
  where the word segmenter leaves it a word of its own, so the segmenter's errors decide the match;
  a capitalised one (Tết, Huế) is a name.
- A keyword that is one of the language's `COMMON_RANK` most frequent words (`metrics/text/lexicon.py`:
  wordfreq, pythainlp's Thai National Corpus) turns up in answers about any picture (ru дом, cs město,
  th บ้าน). A capitalised keyword is a name and is not flagged (Москва); scripts without case cannot
  tell names apart, so their frequent names are flagged too (ar مصر).
"""

from __future__ import annotations

from typing import Sequence

from mella_bench.langs import LANGUAGES

COMMON_RANK = 1000
"""A keyword among this many most frequent words of its language is a common word."""


def prefetch(lang: str, references: Sequence[str], keywords: Sequence[str]) -> None:
    """Prepare `keyword_warnings` for a whole dataset of one language (Hungarian asks its Hunspell
    dictionary for stems once instead of once per new word)."""
    from mella_bench.metrics.text.wordmatch import prefetch as prefetch_words

    prefetch_words(lang, references, keywords)


def keyword_warnings(lang: str, keywords: Sequence[str], references: Sequence[str]) -> list[tuple[str, str]]:
    """(keyword, message) for each problem found with one item's keywords."""
    from mella_bench.metrics.text.wordmatch import find_keyword, split_words

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
        if len(words) == 1 and chars <= LANGUAGES[lang].short_keyword_chars:
            out.append((kw, f"keyword '{kw}' is very short ({chars} character(s)); short words are often "
                            "homographs or function words, prefer a longer, specific keyword"))
        elif len(kw.split()) == 1 and LANGUAGES[lang].segmentation == "whitespace-syllables" and not _is_name(kw):
            out.append((kw, f"keyword '{kw}' is a single syllable; in {LANGUAGES[lang].name} it is part of many "
                            "compounds and counts only where the word segmenter splits it off, prefer the whole word"))
        else:
            out += _common_word(lang, kw)
    return out


def _is_name(kw: str) -> bool:
    """A capitalised keyword is a name (Москва, Tết): specific, whatever its frequency."""
    head = kw.strip()[:1]
    return head != head.casefold()


def _common_word(lang: str, kw: str) -> list[tuple[str, str]]:
    from mella_bench.metrics.text.lexicon import frequency_rank, lexicon_name

    word = kw.strip()
    if len(word.split()) != 1 or _is_name(word):
        return []
    rank = frequency_rank(lang, word)
    if rank is None or rank > COMMON_RANK:
        return []
    source = LANGUAGES[lang].wordlist.split(":")[0]
    return [(kw, f"keyword '{kw}' is a common word of the language (frequency rank {rank} in {source}); it "
                 "occurs in answers about many pictures, prefer a specific keyword")]
