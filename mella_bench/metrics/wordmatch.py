"""Finding keywords in an answer on word boundaries, with per-language morphology.

A keyword (one or more words) is *found* when its word sequence occurs on consecutive words of the
answer; a keyword is never found inside a longer word (hu `tó` is not in `autó`, ar `مكة` is not in
`سمكة`). Both sides are split the same way and every word is normalised by the language's
`Tokenizer.normalize` (NFC, casefold, Serbian → Latin, Russian ё → е, the Arabic and Vietnamese
spelling folds of `orthography.py`).

- strict: each keyword word equals the answer word. Arabic also accepts the answer word with its
  proclitics (و ف + ب ك ل + the article ال, e.g. بالقاهرة for القاهرة), since Arabic writes them
  attached to the word.
- tolerant: strict, or the two words share a lemma or a stem under the language's `Morphology`
  (`MORPHOLOGY` below: which library, which rule, and why).

Thai and Korean are written without spaces between words (Korean: between a noun and its particles),
so their "words" are the segmenter's units: pythainlp `newmm` for Thai, kiwipiepy morphemes for
Korean (경복궁에서 → 경복궁|에서; 계절 stays one unit, so 절 is not found in it). A keyword is found
there when its letters (spaces removed) are exactly a run of consecutive units. Korean tolerant =
strict. Thai tolerant also looks inside the compounds newmm keeps whole (ที่วัด, ชาร้อน) when the
compound splits entirely into common dictionary words (`thai_compound_cuts`).
Vietnamese words are syllables; its variant spellings are handled by normalisation, tolerant = strict.
"""

from __future__ import annotations

import bisect
import functools
import importlib.metadata
from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple, Sequence

import regex

from mella_bench.metrics.orthography import arabic_fold
from mella_bench.metrics.tokenize import get_tokenizer, newmm_words

# letters, marks, digits and invisible format characters (removed later) make words; the Thai
# abbreviation sign ฯ is a letter in Unicode but ends a word (กรุงเทพฯ), and ZWSP separates words.
_WORD = regex.compile(r"[[\p{L}\p{M}\p{N}\p{Cf}]--[\u200b\u0e2f]]+", flags=regex.V1)


class Word(NamedTuple):
    """One word of an answer: its normalised form and where it is in the original text.

    A NamedTuple (immutable and typed, like a frozen dataclass) because answers are split into
    about a million of them per scored run, and a frozen dataclass's __init__ costs three
    `object.__setattr__` calls each (measured: ~3 s of a 16,000-item `score`)."""

    norm: str
    start: int
    end: int


@dataclass(frozen=True)
class KeywordMatch:
    """Whether one keyword was found in one answer, and where (for highlighting)."""

    keyword: str
    found: bool
    spans: tuple[tuple[int, int], ...]
    """(start, end) character offsets into the answer of every occurrence."""


# ---------------------------------------------------------------- morphology per language

@dataclass(frozen=True)
class Morphology:
    """How one language's words get lemma/stem keys for the tolerant match."""

    lemma: Callable[[str], frozenset[str]] | None
    stem: Callable[[str], frozenset[str]] | None
    libraries: tuple[str, ...]
    """Distributions whose versions go into the signature."""
    rule: str
    """Short rule name for the signature (e.g. `lemma|stem`)."""


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


@functools.lru_cache(maxsize=1)
def _pymorphy():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@functools.lru_cache(maxsize=None)
def _snowball(algorithm: str):  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer(algorithm)


@functools.lru_cache(maxsize=200_000)
def _ru_lemmas(word: str) -> frozenset[str]:
    return frozenset(p.normal_form.replace("ё", "е") for p in _pymorphy().parse(word))


@functools.lru_cache(maxsize=200_000)
def _simplemma(word: str, lang: str) -> frozenset[str]:
    import simplemma

    return frozenset({simplemma.lemmatize(word, lang=lang).casefold()})


def _stemmer(algorithm: str, prepare: Callable[[str], str] = lambda w: w) -> Callable[[str], frozenset[str]]:
    @functools.lru_cache(maxsize=200_000)
    def stem(word: str) -> frozenset[str]:
        return frozenset({_snowball(algorithm).stemWord(prepare(word))})

    return stem


# Hungarian: the last syllable's vowel lengthens or shortens under suffixes (madár/madarak,
# kenyér/kenyeret, víz/vizet), and a closed class of nouns has a v-stem (ló/lovak, tó/tavon,
# kő/kövön). Stems are compared with the long vowel of a consonant-final last syllable shortened
# (a word-final long vowel does not alternate: tó must not become "to") and the v-stem mapped to the noun.
_HU_SHORT = str.maketrans("áéíóőúű", "aeioöuü")
_HU_LAST_LONG = regex.compile(r"([áéíóőúű])([^aáeéiíoóöőuúüű]+)$")


def _hu_shorten(stem: str) -> str:
    return _HU_LAST_LONG.sub(lambda m: m.group(1).translate(_HU_SHORT) + m.group(2), stem)
_HU_V_STEMS = {"lov": "ló", "tav": "tó", "köv": "kő", "füv": "fű", "műv": "mű", "szav": "szó", "hav": "hó",
               "lev": "lé", "csöv": "cső", "töv": "tő", "nyüv": "nyű"}


@functools.lru_cache(maxsize=200_000)
def _hu_stems(word: str) -> frozenset[str]:
    stem = _snowball("hungarian").stemWord(word)
    out = {_hu_shorten(stem)}
    if stem in _HU_V_STEMS:
        out.add(_HU_V_STEMS[stem])
    return frozenset(out)


def _lemmas(*fns: Callable[[str], frozenset[str]]) -> Callable[[str], frozenset[str]]:
    def lemma(word: str) -> frozenset[str]:
        return frozenset().union(*(f(word) for f in fns))

    return lemma


# Arabic: proclitics written attached to the word. An answer word may carry a conjunction
# (و ف), then a preposition (ب ك ل), then the article (ال; ل + ال is written لل).
_AR_CONJ = ("", "و", "ف")
_AR_PREP = ("", "ب", "ك", "ل")
AR_PROCLITICS: tuple[str, ...] = tuple(sorted(
    {c + p + a for c in _AR_CONJ for p in _AR_PREP for a in ("", "ال")}
    | {c + "لل" for c in _AR_CONJ}, key=len, reverse=True))
_AR_MIN_CORE = 2


def arabic_cores(word: str) -> frozenset[str]:
    """The word and every reading of it with proclitics removed (core of at least 2 letters)."""
    return frozenset({word} | {word[len(p):] for p in AR_PROCLITICS
                               if p and word.startswith(p) and len(word) - len(p) >= _AR_MIN_CORE})


def _ar_keyword_core(word: str) -> str:
    return word[2:] if word.startswith("ال") and len(word) - 2 >= _AR_MIN_CORE else word


# ta marbuta is written ت before a suffix (نافورة → نافورتين, مكتبة → مكتبتنا); the Snowball stemmer
# strips the suffix but keeps the ت, so the ة reading is tried too.
_AR_T_SUFFIXES = ("تين", "تان", "تها", "تهم", "تنا", "تكم", "ته", "تك", "تي")


@functools.lru_cache(maxsize=200_000)
def _ar_stems(word: str) -> frozenset[str]:
    """Snowball Arabic stems of every proclitic reading; final ه/ي also read as ة/ى for the stemmer."""
    out = set()
    for core in arabic_cores(word):
        variants = {core}
        if core.endswith("ه"):
            variants.add(core[:-1] + "ة")
        if core.endswith("ي"):
            variants.add(core[:-1] + "ى")
        for suffix in _AR_T_SUFFIXES:
            if core.endswith(suffix) and len(core) - len(suffix) >= _AR_MIN_CORE:
                variants.add(core[:-len(suffix)] + "ة")
        out.update(arabic_fold(_snowball("arabic").stemWord(v)) for v in variants)
    return frozenset(s for s in out if len(s) >= _AR_MIN_CORE)


MORPHOLOGY: dict[str, Morphology] = {
    # Russian: pymorphy3's dictionary lemmas (every parse) handle stem changes (церкви → церковь,
    # льду → лёд, орлов → орёл, матерью → мать); a Snowball stem adds nothing measured and more risk.
    "ru": Morphology(_ru_lemmas, None, ("pymorphy3", "pymorphy3-dicts-ru"), "lemma"),
    # Czech: simplemma lemmas (domem → dům, koně → kůň) or Snowball Czech stems (Prahy, Brně, mostě).
    "cs": Morphology(functools.partial(_simplemma, lang="cs"), _stemmer("czech"),
                     ("simplemma", "snowballstemmer"), "lemma|stem"),
    # Hungarian: simplemma lemmas (tavon → tó) or Snowball Hungarian stems with vowel length and
    # v-stems normalised (see _hu_stems).
    "hu": Morphology(functools.partial(_simplemma, lang="hu"), _hu_stems,
                     ("simplemma", "snowballstemmer"), "lemma|stem+last-vowel-length+v-stem"),
    # Serbian (folded to Latin first): simplemma `hbs` lemmas (ruci → ruka) or Snowball Serbian stems.
    "sr": Morphology(functools.partial(_simplemma, lang="hbs"), _stemmer("serbian"),
                     ("simplemma", "snowballstemmer"), "lemma|stem"),
    # Arabic: Snowball Arabic light stems (dual, plural, possessive suffixes) of the proclitic readings.
    "ar": Morphology(None, _ar_stems, ("snowballstemmer",), "proclitics+stem"),
}


def morphology_signature(lang: str) -> dict[str, str]:
    """`morph` (libraries with versions) and `rule` for the tolerant match of `lang`."""
    if lang == "th":
        return {"morph": f"pythainlp{_version('pythainlp')}-dict+tnc", "rule": f"compound-split(tnc>={THAI_MIN_FREQ})"}
    m = MORPHOLOGY.get(lang)
    if m is None:
        return {"morph": "none", "rule": "exact"}
    return {"morph": "+".join(f"{lib}{_version(lib)}" for lib in m.libraries), "rule": m.rule}


# ---------------------------------------------------------------- splitting into words

@functools.lru_cache(maxsize=1)
def _kiwi():  # type: ignore[no-untyped-def]
    from kiwipiepy import Kiwi

    return Kiwi()


def _thai_pieces(chunk: str) -> list[str]:
    pieces = [p for p in newmm_words(chunk) if p]
    return pieces if "".join(pieces) == chunk else [chunk]


THAI_MIN_FREQ = 200
"""A Thai compound is split for the tolerant match only into words seen this often in the TNC."""


@functools.lru_cache(maxsize=1)
def _thai_common_words() -> frozenset[str]:
    from pythainlp.corpus import thai_words, tnc

    freq = dict(tnc.word_freqs())
    return frozenset(w for w in thai_words() if len(w) >= 2 and freq.get(w, 0) >= THAI_MIN_FREQ)


@functools.lru_cache(maxsize=100_000)
def thai_compound_cuts(word: str) -> tuple[int, ...]:
    """Inner positions where `word` splits into common dictionary words on both sides.

    newmm keeps dictionary compounds whole (ที่วัด, ชาร้อน, ร้านขายดอกไม้), so a keyword that is one
    of their parts has no boundary to match on; the tolerant match adds these cuts.
    """
    common = _thai_common_words()
    n = len(word)
    prefix = [True] + [False] * n  # prefix[i]: word[:i] is a sequence of common words
    for i in range(1, n + 1):
        prefix[i] = any(prefix[j] and word[j:i] in common for j in range(max(0, i - 30), i - 1))
    suffix = [False] * n + [True]
    for i in range(n - 1, -1, -1):
        suffix[i] = any(suffix[j] and word[i:j] in common for j in range(i + 2, min(n, i + 30) + 1))
    return tuple(i for i in range(1, n) if prefix[i] and suffix[i])


def _split_thai_compounds(words: Sequence[Word]) -> list[Word]:
    out: list[Word] = []
    for w in words:
        edges = [0, *thai_compound_cuts(w.norm), len(w.norm)] if len(w.norm) == w.end - w.start else [0, len(w.norm)]
        out.extend(Word(w.norm[a:b], w.start + a, w.start + b) for a, b in zip(edges, edges[1:]))
    return out


def _korean_boundaries(text: str) -> list[int]:
    """Sorted morpheme boundaries (character offsets) of `text`."""
    cuts: set[int] = set()
    for token in _kiwi().tokenize(text):
        cuts.update((token.start, token.start + token.len))
    return sorted(cuts)


@functools.lru_cache(maxsize=200_000)
def _normalized(lang: str, piece: str) -> str:
    """`Tokenizer.normalize` of one word, cached: an answer's words recur across answers (Zipf)."""
    return get_tokenizer(lang).normalize(piece)


def split_words(lang: str, text: str) -> list[Word]:
    """The words of `text` (normalised) with their character offsets into `text`."""
    return list(answer_words(lang, text))


@functools.lru_cache(maxsize=8192)
def answer_words(lang: str, text: str) -> tuple[Word, ...]:
    """`split_words`, cached per (language, text): both Keyword Accuracy variants split each answer,
    and Korean morpheme analysis (kiwipiepy) and Thai segmentation dominate their cost."""
    return tuple(_split_words(lang, text))


def _split_words(lang: str, text: str) -> list[Word]:
    cuts = _korean_boundaries(text) if lang == "ko" and text.strip() else None
    words: list[Word] = []
    for m in _WORD.finditer(text):
        start, chunk = m.start(), m.group(0)
        if lang == "th":
            pieces = _thai_pieces(chunk)
        elif cuts is not None:
            inner = cuts[bisect.bisect_right(cuts, start):bisect.bisect_left(cuts, m.end())]
            edges = [0, *(c - start for c in inner), len(chunk)]
            pieces = [chunk[a:b] for a, b in zip(edges, edges[1:])]
        else:
            pieces = [chunk]
        for piece in pieces:
            norm = _normalized(lang, piece)
            if norm:
                words.append(Word(norm, start, start + len(piece)))
            start += len(piece)
    return words


# ---------------------------------------------------------------- matching

SPACELESS = frozenset({"th", "ko"})
"""Languages matched as a run of segmenter units (keyword spaces removed)."""


def _strict_eq(lang: str, kw: str, word: str) -> bool:
    if kw == word:
        return True
    if lang == "ar":
        return _ar_keyword_core(kw) in arabic_cores(word)
    return False


@functools.lru_cache(maxsize=500_000)
def _tolerant_eq(lang: str, kw: str, word: str) -> bool:
    """Cached per (language, keyword word, answer word): every keyword is tried at every answer position."""
    return _tolerant_eq_uncached(lang, kw, word)


def _tolerant_eq_uncached(lang: str, kw: str, word: str) -> bool:
    if _strict_eq(lang, kw, word):
        return True
    m = MORPHOLOGY.get(lang)
    if m is None:
        return False
    if m.lemma is not None and (m.lemma(kw) | {kw}) & (m.lemma(word) | {word}):
        return True
    return m.stem is not None and bool(m.stem(kw) & m.stem(word))


def _runs(kw_words: Sequence[Word], words: Sequence[Word], eq: Callable[[str, str], bool],
          starts: Iterable[int] | None = None) -> Iterable[tuple[int, int]]:
    """Spans where the keyword's words equal consecutive answer words; `starts` (ascending) limits
    the positions tried to those whose word can equal the keyword's first word (`WordIndex`)."""
    n = len(kw_words)
    for i in (range(len(words) - n + 1) if starts is None else starts):
        if i + n <= len(words) and all(eq(kw_words[j].norm, words[i + j].norm) for j in range(n)):
            yield words[i].start, words[i + n - 1].end


def _morph_keys(lang: str, word: str) -> Iterable[tuple[str, str]]:
    """Lemma and stem keys of a word: the tolerant rule's sharing is symmetric (`_tolerant_eq`), so
    answer words and keyword words get the same ones."""
    m = MORPHOLOGY.get(lang)
    if m is not None and m.lemma is not None:
        yield from (("lemma", x) for x in m.lemma(word) | {word})
    if m is not None and m.stem is not None:
        yield from (("stem", x) for x in m.stem(word))


@functools.lru_cache(maxsize=500_000)
def _word_keys(lang: str, word: str, tolerant: bool) -> frozenset[tuple[str, str]]:
    """Index keys of an answer word: itself, its Arabic proclitic-free cores (`_strict_eq`), and under
    the tolerant rule its lemmas and stems."""
    keys = {("=", word)}
    if lang == "ar":
        keys.update(("core", c) for c in arabic_cores(word))
    if tolerant:
        keys.update(_morph_keys(lang, word))
    return frozenset(keys)


@functools.lru_cache(maxsize=100_000)
def _query_keys(lang: str, kw: str, tolerant: bool) -> frozenset[tuple[str, str]]:
    """Keys under which every answer word equal to keyword word `kw` (under the rule) is indexed."""
    keys = {("=", kw)}
    if lang == "ar":
        keys.add(("core", _ar_keyword_core(kw)))
    if tolerant:
        keys.update(_morph_keys(lang, kw))
    return frozenset(keys)


class WordIndex:
    """An answer's words indexed by the keys a keyword word can share with them.

    Equality under both rules is "the two words share a key" (the word itself, an Arabic proclitic-free
    core, a lemma, a stem), so the positions a keyword can start at are a union of index entries
    instead of a scan of every position. Built once per answer and reused by all its keywords; the
    run check still uses `_strict_eq`/`_tolerant_eq`, so the index only skips positions that
    cannot match (tests compare both paths on the labelled set).
    """

    def __init__(self, lang: str, words: Sequence[Word], tolerant: bool):
        self.lang, self.tolerant = lang, tolerant
        positions: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            positions.setdefault(w.norm, []).append(i)
        self._index: dict[tuple[str, str], list[int]] = {}
        for norm, where in positions.items():
            for key in _word_keys(lang, norm, tolerant):
                self._index.setdefault(key, []).extend(where)

    def starts(self, kw: str) -> list[int]:
        """Ascending positions whose word can equal keyword word `kw`."""
        found: set[int] = set()
        for key in _query_keys(self.lang, kw, self.tolerant):
            found.update(self._index.get(key, ()))
        return sorted(found)


def _spaceless_runs(keyword: str, words: Sequence[Word]) -> Iterable[tuple[int, int]]:
    for i in range(len(words)):
        acc = ""
        for j in range(i, len(words)):
            acc += words[j].norm
            if acc == keyword:
                yield words[i].start, words[j].end
            if len(acc) >= len(keyword) or not keyword.startswith(acc):
                break


@functools.lru_cache(maxsize=100_000)
def _keyword_words(lang: str, keyword: str) -> tuple[Word, ...]:
    return tuple(_split_words(lang, keyword))


def find_keyword(lang: str, keyword: str, answer_words: Sequence[Word], *, tolerant: bool,
                 index: WordIndex | None = None) -> KeywordMatch:
    """Where `keyword` occurs among already split answer words (`index`: their `WordIndex`, when
    several keywords are looked up in one answer; it must be built from the same words and rule)."""
    kw_words = _keyword_words(lang, keyword)
    if not kw_words:
        return KeywordMatch(keyword, False, ())
    if lang in SPACELESS:
        keyword_letters = "".join(w.norm for w in kw_words)
        spans = tuple(_spaceless_runs(keyword_letters, answer_words))
        if not spans and tolerant and lang == "th":
            spans = tuple(_spaceless_runs(keyword_letters, _split_thai_compounds(answer_words)))
    else:
        eq = functools.partial(_tolerant_eq if tolerant else _strict_eq, lang)
        starts = index.starts(kw_words[0].norm) if index is not None else None
        spans = tuple(_runs(kw_words, answer_words, eq, starts))
    return KeywordMatch(keyword, bool(spans), spans)


@functools.lru_cache(maxsize=4096)
def answer_index(lang: str, text: str, tolerant: bool) -> WordIndex:
    """The `WordIndex` of an answer's words, cached like `answer_words`."""
    return WordIndex(lang, answer_words(lang, text), tolerant)


def match_keywords(lang: str, answer: str, keywords: Sequence[str], *, tolerant: bool = True) -> tuple[KeywordMatch, ...]:
    """For one answer: each keyword, whether it was found, and the character spans of every occurrence.

    The same matcher Keyword Accuracy uses (`tolerant=True`: `keyword_acc`; False: `keyword_acc_strict`),
    so a viewer that highlights `spans` shows exactly what was counted.
    """
    words = answer_words(lang, answer)
    index = None if lang in SPACELESS else answer_index(lang, answer, tolerant)
    return tuple(find_keyword(lang, k, words, tolerant=tolerant, index=index) for k in keywords)


def usable(lang: str, keyword: str) -> bool:
    """A keyword with at least one word (pure punctuation is not a keyword)."""
    return bool(_keyword_words(lang, keyword))


def segmenter_signature(lang: str) -> str:
    """Word units used for matching in `lang`."""
    if lang == "th":
        return f"pythainlp{_version('pythainlp')}-newmm"
    if lang == "ko":
        return f"kiwipiepy{_version('kiwipiepy')}-morphemes"
    return "syllables" if lang == "vi" else "words"
