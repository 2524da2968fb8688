"""Word-frequency lists: is this a word of language L, and how common is it?

Sources (both installed with the package, read offline, loaded lazily once per language):
- wordfreq (Apache-2.0 code; data CC-BY-SA 4.0, from Wikipedia, subtitles, news, books, web text):
  its `small` lists, every word with a frequency of at least 1 per million (Zipf ≥ 3). The Serbian
  list is wordfreq's Serbo-Croatian one, in Latin script, so Cyrillic words are transliterated first.
- pythainlp's Thai National Corpus word counts (`tnc_freq.txt`, CC0) for Thai, which wordfreq lacks.
- simplemma's dictionaries of inflected forms (MIT code; data from Wiktionary and Měchura's
  lemmatization lists, see simplemma's `licenses`), for a language with `Language.neighbour_forms`
  (its own dictionary, the one Keyword Accuracy lemmatises with) and those neighbours: forms a frequency list rarely holds (Macedonian датотеката).

Frequencies are on the Zipf scale (log10 of occurrences per billion words): 3 is once per million,
6 once per thousand. `zipf` returns 0 for a word the list does not hold.
"""

from __future__ import annotations

import functools
import importlib.metadata
import math
import unicodedata
from typing import Mapping

from mella_bench.langs import LANGUAGES

WORD_MIN_ZIPF = 3.0
"""A word the list holds at least this often is a word of the language (wordfreq's `small` floor)."""


def wordlist_of(code: str) -> str:
    """The list a language code reads: its `Language.wordlist`, else wordfreq's list of that code."""
    lang = LANGUAGES.get(code)
    return lang.wordlist if lang is not None else f"wordfreq:{code}"


@functools.lru_cache(maxsize=None)
def has_wordlist(code: str) -> bool:
    source = wordlist_of(code)
    if source.startswith("wordfreq:"):
        from wordfreq import available_languages

        return source.split(":", 1)[1] in available_languages("small")
    return bool(source)


@functools.lru_cache(maxsize=None)
def _table(source: str, size: str = "small") -> Mapping[str, float]:
    """word → Zipf frequency of one list (`size`: wordfreq's `small` or `best`, its largest)."""
    if source == "pythainlp-tnc":
        from pythainlp.corpus.tnc import word_freqs

        counts = dict(word_freqs())
        total = sum(counts.values())
        return {w: math.log10(n / total) + 9 for w, n in counts.items()}
    from wordfreq import get_frequency_dict

    return {w: math.log10(f) + 9 for w, f in get_frequency_dict(source.split(":", 1)[1], size).items()}


def spelled_for_list(code: str, word: str) -> str:
    """`word` as the list of `code` spells it (NFC, casefolded, the language's `wordlist_fold`)."""
    from mella_bench.metrics.text.orthography import ARABIC_MARKS, serbian_to_latin

    word = unicodedata.normalize("NFC", word.casefold())
    fold = LANGUAGES[code].wordlist_fold if code in LANGUAGES else ""
    if fold == "serbian-latin":
        return serbian_to_latin(word)
    if fold == "arabic-marks":
        return ARABIC_MARKS.sub("", word)
    return word


def zipf(code: str, word: str) -> float:
    """Zipf frequency of `word` in language `code` (0 when unknown or the language has no list)."""
    if not has_wordlist(code):
        return 0.0
    return _table(wordlist_of(code)).get(spelled_for_list(code, word), 0.0)


def rare_zipf(code: str, word: str) -> float:
    """Like `zipf`, from the language's largest list (down to Zipf 1 where wordfreq has one: ar cs ru
    uk mk ...): loaded only when a rare word must be told from a neighbour's."""
    if not has_wordlist(code):
        return 0.0
    source = wordlist_of(code)
    return _table(source, "best" if source.startswith("wordfreq:") else "small").get(spelled_for_list(code, word), 0.0)


def forms_of(code: str) -> str:
    """The dictionary of inflected forms a language code reads: the simplemma dictionary its Keyword
    Accuracy lemmatises with (`KeywordRules.lemma_lang`: Serbian `hbs`; none for a language lemmatised
    otherwise), else simplemma's dictionary of that code (a neighbour such as mk, sl, bg)."""
    lang = LANGUAGES.get(code)
    if lang is None:
        return f"simplemma:{code}"
    rules = lang.keywords
    return f"simplemma:{rules.lemma_lang}" if rules.lemmatizer == "simplemma" else ""


def is_form(code: str, word: str) -> bool:
    """Does the language's dictionary of inflected forms (`forms_of`) hold `word`? False without one."""
    source = forms_of(code)
    if not source.startswith("simplemma:"):
        return False
    import simplemma

    return bool(simplemma.is_known(spelled_for_list(code, word), lang=source.split(":", 1)[1]))


def forms_name() -> str:
    """For signatures: the dictionaries of inflected forms, in which version."""
    return f"simplemma{importlib.metadata.version('simplemma')}"


def is_word(code: str, word: str) -> bool:
    return zipf(code, word) >= WORD_MIN_ZIPF


def lexicon_name() -> str:
    """For signatures: which lists, in which versions."""
    return f"wordfreq{importlib.metadata.version('wordfreq')}-small"


@functools.lru_cache(maxsize=None)
def _ranked(source: str) -> tuple[float, ...]:
    return tuple(sorted(_table(source).values(), reverse=True))


def frequency_rank(code: str, word: str) -> int | None:
    """1 for the language's most frequent word; None when the list lacks the word (or the language
    has no list). Ties share the best rank."""
    z = zipf(code, word)
    if not z:
        return None
    ranked = _ranked(wordlist_of(code))
    lo, hi = 0, len(ranked)
    while lo < hi:  # first position whose frequency is not above z
        mid = (lo + hi) // 2
        if ranked[mid] > z:
            lo = mid + 1
        else:
            hi = mid
    return lo + 1
