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

import functools
import importlib.metadata
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import regex

from mella_bench.metrics.orthography import arabic_fold
from mella_bench.metrics.tokenize import get_tokenizer, newmm_words

# letters, marks, digits and invisible format characters (removed later) make words; the Thai
# abbreviation sign ฯ is a letter in Unicode but ends a word (กรุงเทพฯ), and ZWSP separates words.
_WORD = regex.compile(r"[[\p{L}\p{M}\p{N}\p{Cf}]--[\u200b\u0e2f]]+", flags=regex.V1)


@dataclass(frozen=True)
class Word:
    """One word of an answer: its normalised form and where it is in the original text."""

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


def _korean_boundaries(text: str) -> set[int]:
    cuts: set[int] = set()
    for token in _kiwi().tokenize(text):
        cuts.update((token.start, token.start + token.len))
    return cuts


def split_words(lang: str, text: str) -> list[Word]:
    """The words of `text` (normalised) with their character offsets into `text`."""
    return list(answer_words(lang, text))


@functools.lru_cache(maxsize=8192)
def answer_words(lang: str, text: str) -> tuple[Word, ...]:
    """`split_words`, cached per (language, text): both Keyword Accuracy variants split each answer,
    and Korean morpheme analysis (kiwipiepy) and Thai segmentation dominate their cost."""
    return tuple(_split_words(lang, text))


def _split_words(lang: str, text: str) -> list[Word]:
    tok = get_tokenizer(lang)
    cuts = _korean_boundaries(text) if lang == "ko" and text.strip() else None
    words: list[Word] = []
    for m in _WORD.finditer(text):
        start, chunk = m.start(), m.group(0)
        if lang == "th":
            pieces = _thai_pieces(chunk)
        elif cuts is not None:
            inner = sorted(c - start for c in cuts if start < c < m.end())
            edges = [0, *inner, len(chunk)]
            pieces = [chunk[a:b] for a, b in zip(edges, edges[1:])]
        else:
            pieces = [chunk]
        for piece in pieces:
            norm = tok.normalize(piece)
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


def _runs(kw_words: Sequence[Word], words: Sequence[Word], eq: Callable[[str, str], bool]) -> Iterable[tuple[int, int]]:
    n = len(kw_words)
    for i in range(len(words) - n + 1):
        if all(eq(kw_words[j].norm, words[i + j].norm) for j in range(n)):
            yield words[i].start, words[i + n - 1].end


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


def find_keyword(lang: str, keyword: str, answer_words: Sequence[Word], *, tolerant: bool) -> KeywordMatch:
    """Where `keyword` occurs among already split answer words."""
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
        spans = tuple(_runs(kw_words, answer_words, eq))
    return KeywordMatch(keyword, bool(spans), spans)


def match_keywords(lang: str, answer: str, keywords: Sequence[str], *, tolerant: bool = True) -> tuple[KeywordMatch, ...]:
    """For one answer: each keyword, whether it was found, and the character spans of every occurrence.

    The same matcher Keyword Accuracy uses (`tolerant=True`: `keyword_acc`; False: `keyword_acc_strict`),
    so a viewer that highlights `spans` shows exactly what was counted.
    """
    words = answer_words(lang, answer)
    return tuple(find_keyword(lang, k, words, tolerant=tolerant) for k in keywords)


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
