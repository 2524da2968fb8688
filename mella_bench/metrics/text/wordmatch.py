"""Finding keywords in an answer on word boundaries, with per-language morphology.

A keyword (one or more words) is *found* when its word sequence occurs on consecutive words of the
answer, with no clause end (. ! ? ; … or a line break) between them; a keyword is never found inside
a longer word (hu `tó` is not in `autó`, ar `مكة` is not in `سمكة`). Both sides are split the same
way and every word is normalised by the language's `Tokenizer.normalize` (NFC, casefold, Serbian →
Latin, Russian ё → е, the Arabic and Vietnamese spelling folds of `orthography.py`; in Arabic a final
ى stays distinct).

- strict: each keyword word equals the answer word. Arabic also accepts the answer word with its
  proclitics (و ف + ب ك ل + the article ال, e.g. بالقاهرة for القاهرة).
- tolerant: strict, or the two words share a key: a lemma or a stem. Which library and rule is data
  (`langs.KeywordRules`); the keyword side is read as the dictionary form it is (its own spelling is a
  lemma, pymorphy3 only by its own readings, hu/sr: its spelling stands for its stem).

Thai and Korean are written without spaces between words (Korean: between a noun and its particles),
so their "words" are the segmenter's units: pythainlp `newmm` for Thai, kiwipiepy morphemes for
Korean. A keyword is found there when its letters (spaces removed) are exactly a run of consecutive
units; in Korean only content morphemes (아무렇+지+도 is not 지도). Vietnamese words are syllables
grouped into words by underthesea: a one-syllable keyword must be a whole word (cầu is not in
cầu thủ), unless the segmenter's join is no dictionary word or a compound the project's table lists as
a kind of it (đèn lồng). Korean and Vietnamese: tolerant = strict. Thai tolerant also accepts a unit
that begins with the keyword and names a kind of it (the project's table, `KeywordRules.compound_kinds`,
then `KeywordRules.kinds`, `kinds.py`): ปลาทู for ปลา, not ข้าวของ for ข้าว.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.metadata
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Literal, NamedTuple, Sequence

import regex

from mella_bench.langs import LANGUAGES, KeywordRules
from mella_bench.metrics.text import kinds, spelling
from mella_bench.metrics.text.orthography import ARABIC_MARKS, arabic_fold, vietnamese_syllable
from mella_bench.metrics.text.tokenize import get_tokenizer, newmm_words

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
    brk: bool = False
    """A clause ends between the previous word and this one (. ! ? ; … or a line break): a multi-word
    keyword never spans it."""
    lexical: bool = True
    """Korean: the unit is a content morpheme (not a particle, ending, copula or suffix); a keyword is
    never spelled by a run that includes a grammatical one (아무렇+지+도 is not 지도)."""
    joined: bool = False
    """Vietnamese: the syllable continues the previous one's word (cầu thủ): a keyword neither starts
    nor ends inside a word."""
    raw: str = ""
    """The word as written (before normalisation): lemmatisers that need the real spelling read it."""
    compound: str = ""
    """Korean: `KO_CONTINUES` for a morpheme that continues a noun before it into another word (a noun
    of a compound, a derivational suffix: 토마토+케첩, 차별+적), `KO_PREFIX` for a derivational prefix
    (비+경제적); '' otherwise."""
    start_p: float = 1.0
    """Vietnamese: the segmenter's probability (its CRF's marginal) that a word starts at this syllable;
    1.0 elsewhere and after a clause break."""


@dataclass(frozen=True)
class KeywordMatch:
    """Whether one keyword was found in one answer, and where (for highlighting)."""

    keyword: str
    found: bool
    spans: tuple[tuple[int, int], ...]
    """(start, end) character offsets into the answer of every occurrence."""


# ---------------------------------------------------------------- morphology per language
#
# Which library and rule each language uses is data (`langs.KeywordRules`); the functions here are
# the rules. A word gets *keys*: its own form, its lemmas, its stems. A keyword word and an answer word
# are equal under the tolerant rule when they share a key; the keyword side is built from the keyword
# as written (its case, its dictionary reading), the answer side from every reading of the answer word.


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def rules(lang: str) -> KeywordRules:
    """The language's keyword rules (`langs.LANGUAGES[lang].keywords`)."""
    return LANGUAGES[lang].keywords


@functools.lru_cache(maxsize=None)
def _pymorphy(lang: str):  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


@functools.lru_cache(maxsize=None)
def _snowball(algorithm: str):  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer(algorithm)


_PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})


@functools.lru_cache(maxsize=200_000)
def _pymorphy_lemmas(word: str, lang: str) -> frozenset[str]:
    """Every parse's lemma: an answer word may be read any way."""
    return frozenset(p.normal_form.replace("ё", "е") for p in _pymorphy(lang).parse(word))


@functools.lru_cache(maxsize=100_000)
def _pymorphy_keyword_lemmas(word: str, lang: str, capitalised: bool, proper_first: bool) -> frozenset[str]:
    """The keyword's own readings: a capitalised keyword by its proper-noun parses when it has any
    (Ростов, not рост), and then the parses whose lemma is the keyword itself, else its nominative
    readings (Красная → красный), else all."""
    parses = _pymorphy(lang).parse(word)
    if capitalised and proper_first:
        parses = [p for p in parses if _PROPER & p.tag.grammemes] or parses
    own = [p for p in parses if p.normal_form.replace("ё", "е") == word] or \
          [p for p in parses if "nomn" in p.tag.grammemes] or parses
    return frozenset(p.normal_form.replace("ё", "е") for p in own)


@functools.lru_cache(maxsize=200_000)
def _simplemma(word: str, lang: str) -> str:
    import simplemma

    return simplemma.lemmatize(word, lang=lang).casefold()


# Hungarian: the last syllable's vowel lengthens or shortens under suffixes (madár/madarak,
# kenyér/kenyeret, víz/vizet), and a closed class of nouns has a v-stem (ló/lovak, tó/tavon,
# kő/kövön). Stems are compared with the long vowel of a consonant-final last syllable shortened
# (a word-final long vowel does not alternate: tó must not become "to") and the v-stem mapped to the noun.
_HU_SHORT = str.maketrans("áéíóőúű", "aeioöuü")
_HU_LAST_LONG = regex.compile(r"([áéíóőúű])([^aáeéiíoóöőuúüű]+)$")
_HU_V_STEMS = {"lov": "ló", "tav": "tó", "köv": "kő", "füv": "fű", "műv": "mű", "szav": "szó", "hav": "hó",
               "lev": "lé", "csöv": "cső", "töv": "tő", "nyüv": "nyű"}


def _hu_short_final(word: str) -> set[str]:
    """A final a/e lengthens before a suffix (fa/fák, kefe/kefék): a word ending in á/é also reads as
    ending in a/e."""
    return {word[:-1] + word[-1].translate(_HU_SHORT)} if word[-1:] in ("á", "é") and len(word) >= 2 else set()


def _hu_keys(stem: str) -> set[str]:
    out = {_HU_LAST_LONG.sub(lambda m: m.group(1).translate(_HU_SHORT) + m.group(2), stem)} | _hu_short_final(stem)
    if stem in _HU_V_STEMS:
        out.add(_HU_V_STEMS[stem])
    return out


def _hu_lemma_keys(lemmas: set[str]) -> set[str]:
    """simplemma gives some plurals the lengthened stem they are built on (fák → fá, not fa): a lemma
    also reads with its final vowel short, as a stem does (`_hu_keys`); only that vowel, since a long
    vowel inside a lemma is the word's own (kár "damage" is not kar "arm")."""
    return lemmas.union(*(_hu_short_final(x) for x in lemmas))


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
# sound plurals and duals written without the article: Snowball reads a bare سيارات as a verb form
# and leaves it, so the noun readings (ة for the feminine plural, nothing for the masculine and dual)
# are offered to it too
_AR_PLURALS = (("ات", "ة"), ("ات", ""), ("ون", ""), ("ين", ""), ("ان", ""))


@functools.lru_cache(maxsize=200_000)
def _ar_stems(word: str) -> frozenset[str]:
    """Snowball Arabic stems of every proclitic reading; final ه/ي also read as ة/ى for the stemmer."""
    out = set()
    for core in arabic_cores(word):
        variants = {core}
        if core.endswith("ه"):
            variants.add(core[:-1] + "ة")
        for suffix in _AR_T_SUFFIXES:
            if core.endswith(suffix) and len(core) - len(suffix) >= _AR_MIN_CORE:
                variants.add(core[:-len(suffix)] + "ة")
        for suffix, repl in _AR_PLURALS:
            if core.endswith(suffix) and len(core) - len(suffix) >= 3:
                variants.add(core[:-len(suffix)] + repl)
        out.update(_ar_snowball(v) for v in variants)
    return frozenset(s for s in out if len(s) >= _AR_MIN_CORE)


def _ar_snowball(word: str) -> str:
    stem = _ar_key(_snowball("arabic").stemWord(word))
    return stem[:-1] + "ى" if word.endswith("ى") and stem.endswith("ي") else stem  # Snowball writes ى as ي


def _ar_key(word: str) -> str:
    """`arabic_fold`, keeping a final ى (see `KeywordRules.keep_final_alef_maqsura`)."""
    folded = arabic_fold(word)
    return folded[:-1] + "ى" if word.endswith("ى") else folded


@functools.lru_cache(maxsize=200_000)
def _ar_lemmas(raw: str, lemma_lang: str) -> frozenset[str]:
    """simplemma's Arabic lemmas (its dictionary has broken plurals and duals: أشجار → شجر,
    المباني → مبنى) of the word and of its proclitic-free readings, folded like the words."""
    word = ARABIC_MARKS.sub("", raw)
    return frozenset(_ar_key(_simplemma(core, lemma_lang)) for core in arabic_cores(word) | {word})


def _stems(lang: str, word: str) -> set[str]:
    r = rules(lang)
    if r.stem_rule == "arabic-light":
        return set(_ar_stems(word))
    stem = _snowball(r.stemmer).stemWord(word)
    return _hu_keys(stem) if r.stem_rule == "hungarian-vowels" else {stem}


def _lemmas(lang: str, norm: str, raw: str) -> set[str]:
    r = rules(lang)
    if r.lemmatizer == "pymorphy3":
        return set(_pymorphy_lemmas(norm, r.lemma_lang))
    if r.lemmatizer == "simplemma":
        if r.stem_rule == "arabic-light":
            return set(_ar_lemmas(raw, r.lemma_lang))
        # simplemma's dictionary is case-sensitive: Szegeden → Szeged, szegeden → szeg "nail"
        lemmas = {_simplemma(norm, r.lemma_lang), _simplemma(raw, r.lemma_lang)} if raw else {_simplemma(norm, r.lemma_lang)}
        return _hu_lemma_keys(lemmas) if r.stem_rule == "hungarian-vowels" else lemmas
    return set()


@functools.lru_cache(maxsize=500_000)
def _word_keys(lang: str, norm: str, raw: str, tolerant: bool) -> frozenset[tuple[str, str]]:
    """Index keys of an answer word: itself, its Arabic proclitic-free cores, and under the tolerant
    rule every lemma and stem of it (and its own form as a stem, where the keyword's form is one)."""
    r = rules(lang)
    keys = {("=", norm)}
    if r.proclitics:
        keys.update(("core", c) for c in arabic_cores(norm))
    if tolerant and r.noun_suffixes:
        keys.update(("noun:" + kind, base) for base, kind in arabic_noun_bases(raw or norm))
    if tolerant:
        keys.update((_lemma_space(r), x) for x in _lemmas(lang, norm, raw) | {norm})
        if r.stemmer:
            stems = _stems(lang, norm)
            if r.keyword_form_stem:
                stems |= _own_stem(lang, norm)
            keys.update(("stem", x) for x in stems)
        keys.update(("base", x) for x in _answer_bases(r, norm))
    return frozenset(keys)


MIN_BASE = 4
"""Where `endings`: a base shorter than this is not compared (a short base plus a case ending spells
too many other words)."""


def _answer_bases(r: KeywordRules, norm: str) -> set[str]:
    """The answer word with one of the language's case endings cut off (Pupićem → pupić)."""
    return {norm[:-len(e)] for e in r.endings if norm.endswith(e) and len(norm) - len(e) >= MIN_BASE}


def _keyword_bases(r: KeywordRules, norm: str) -> set[str]:
    """What a case ending attaches to: the keyword itself, without its final stem vowel
    (vatrozaštita → vatrozaštit), or without the fleeting vowel of its last syllable (jogunac → jogunc)."""
    if not r.endings:
        return set()
    # a keyword ending in its stem vowel takes endings in place of it: Německo → Německa, never
    # Německo + u (německou is the adjective)
    bases = {norm[:-1]} if norm[-1:] in r.stem_vowels else {norm}
    if r.fleeting_vowel and len(norm) >= 3 and norm[-2] == r.fleeting_vowel and norm[-1].isalpha() \
            and norm[-1] not in VOWELS and norm[-3] not in VOWELS:
        bases.add(norm[:-2] + norm[-1])
    bases |= {b[:-len(a)] + alt for b in bases for a, alt in r.alternations if b.endswith(a)}
    return {b for b in bases if len(b) >= MIN_BASE}


VOWELS = frozenset("aeiouyáéíóúůýě")
"""Latin vowel letters (Czech, Serbian after the fold to Latin): a fleeting vowel stands between consonants."""


def _lemma_space(r: KeywordRules) -> str:
    """Arabic lemmas and stems are compared with each other (simplemma gives أشجار → شجر, Snowball
    شجرة → شجر); elsewhere a lemma is compared with lemmas only."""
    return "stem" if r.stem_rule == "arabic-light" else "lemma"


def _own_stem(lang: str, norm: str) -> set[str]:
    return _hu_keys(norm) if rules(lang).stem_rule == "hungarian-vowels" else {norm}


@functools.lru_cache(maxsize=100_000)
def _keyword_keys(lang: str, norm: str, raw: str, tolerant: bool) -> frozenset[tuple[str, str]]:
    """Keys of one keyword word, read as the dictionary form it is: pymorphy3 only by its own
    readings; its own spelling is its lemma (simplemma would lemmatise hu Szeged to szeg "nail");
    where `keyword_form_stem`, its own spelling stands for its stem and Snowball's stem of it is
    used only when the lemmatiser says the keyword is inflected."""
    r = rules(lang)
    keys = {("=", norm)}
    if r.proclitics:
        keys.add(("core", _ar_keyword_core(norm)))
    if not tolerant:
        return frozenset(keys)
    if r.noun_suffixes:
        base, kind = _ar_keyword_shape(raw or norm)
        keys.add(("noun:" + kind, base))
        if kind == "other" and base.endswith("ي"):
            keys.add(("noun:maqsura", base[:-1]))  # الشاى for شاي
        if kind == "maqsura":
            keys.add(("noun:other", base + "ي"))  # المستشفي for مستشفى
        keys.update(("noun:other", plural) for plural in arabic_broken_plurals(raw or norm))
    lemmas = {norm}
    if r.lemmatizer == "pymorphy3":
        lemmas |= _pymorphy_keyword_lemmas(norm, r.lemma_lang, raw[:1].isupper(), r.proper_noun_parses)
    elif r.lemmatizer == "simplemma" and r.stem_rule == "arabic-light":
        lemmas |= _ar_lemmas(raw, r.lemma_lang)
    keys.update((_lemma_space(r), x) for x in lemmas)
    if r.stemmer:
        stems = _stems(lang, norm)
        if r.keyword_form_stem:
            stems = {x for x in stems if len(x) >= len(norm) - KEYWORD_STEM_CUT} | _own_stem(lang, norm)
        stems -= {norm[:-len(t)] for t in r.keyword_letters_not_suffix if norm.endswith(t)}
        keys.update(("stem", x) for x in stems)
    keys.update(("base", x) for x in _keyword_bases(r, norm))
    return frozenset(keys)


KEYWORD_STEM_CUT = 1
"""Where `keyword_form_stem`: a Snowball stem of the keyword is used only when it drops at most this
many letters (Praha → prah, kenyér → kenyer); a longer cut reads a dictionary form as inflected
(hu adat → ad, Szeged → szeg)."""


def multiword_signature() -> str:
    """For signatures: a multi-word keyword needs its words adjacent, in order and within one clause; the
    hash names the punctuation that ends a clause (`_CLAUSE_END`), so changing that set changes it."""
    return f"adjacent-in-order+within-clause@{hashlib.sha256(_CLAUSE_END.pattern.encode()).hexdigest()[:8]}"


def rules_hash(lang: str) -> str:
    """A hash of the language's `KeywordRules` (its endings, derivational suffixes, alternations ...): the
    `rule` field names which kinds of rule apply, this says which letters, so that editing a profile's
    rules changes the signature too."""
    return hashlib.sha256(repr(rules(lang)).encode()).hexdigest()[:8]


def morphology_signature(lang: str) -> dict[str, str]:
    """`morph` (libraries with versions), `rule` for the tolerant match of `lang` and `rules` (a hash of the
    profile's rules)."""
    r = rules(lang)
    libs = []
    if r.lemmatizer:
        libs += ["pymorphy3", "pymorphy3-dicts-ru"] if r.lemmatizer == "pymorphy3" else ["simplemma"]
    if r.stemmer:
        libs.append("snowballstemmer")
    if not libs:
        fields = {"morph": "none", "rule": "exact", "rules": rules_hash(lang)}
        if r.kinds:
            fields["rule"] += ("+kinds" + (f"+head-split-tnc{r.compound_split_min_freq}" if r.compound_split_min_freq else "")
                               + ("+verb-objects" if r.verb_objects else "")
                               + (f"+compound-kinds-{compound_kinds_hash(lang)}" if r.compound_kinds else ""))
            fields["kinds"] = kinds.signature(r.kinds)
        return fields
    rule = "|".join(x for x in (("lemma" + ("(own-readings)" if r.lemmatizer == "pymorphy3" else "")) if r.lemmatizer else "",
                                ("stem" + ("+keyword-form" if r.keyword_form_stem else "")) if r.stemmer else "") if x)
    if r.stem_rule == "hungarian-vowels":
        rule += "+last-vowel-length+lemma-final-vowel+v-stem"
    if r.proclitics:
        rule = "proclitics+" + rule
    if r.endings:
        rule += "|base+case-ending" + ("+alternations" if r.alternations else "")
    if r.derivations:
        rule += "-derivations"
    if r.noun_suffixes:
        rule += "+noun-suffixes+broken-plurals"
    if r.other_word_tails:
        rule += "+other-word-endings"
    if r.keyword_letters_not_suffix:
        rule += "+keyword-letters-" + "-".join(r.keyword_letters_not_suffix)
    fields = {"morph": "+".join(f"{lib}{_version(lib)}" for lib in libs), "rule": rule, "rules": rules_hash(lang)}
    if r.stem_dictionary:
        fields["rule"] += "-stemmed-apart"
        fields["stems"] = spelling.stems_name(r.stem_dictionary)
    return fields


# ---------------------------------------------------------------- splitting into words

@functools.lru_cache(maxsize=1)
def _kiwi():  # type: ignore[no-untyped-def]
    from kiwipiepy import Kiwi

    return Kiwi()


def _thai_pieces(chunk: str) -> list[str]:
    pieces = [p for p in newmm_words(chunk) if p]
    return pieces if "".join(pieces) == chunk else [chunk]


@functools.lru_cache(maxsize=1)
def _thai_common_words(min_freq: int) -> frozenset[str]:
    from pythainlp.corpus import thai_words, tnc

    freq = dict(tnc.word_freqs())
    return frozenset(w for w in thai_words() if len(w) >= 2 and freq.get(w, 0) >= min_freq)


@functools.lru_cache(maxsize=100_000)
def thai_compound_cuts(word: str, min_freq: int) -> tuple[int, ...]:
    """Inner positions where `word` splits into common dictionary words (TNC frequency >= `min_freq`)
    on both sides: newmm keeps dictionary compounds whole (ที่วัด, ชาร้อน)."""
    common = _thai_common_words(min_freq)
    n = len(word)
    prefix = [True] + [False] * n  # prefix[i]: word[:i] is a sequence of common words
    for i in range(1, n + 1):
        prefix[i] = any(prefix[j] and word[j:i] in common for j in range(max(0, i - 30), i - 1))
    suffix = [False] * n + [True]
    for i in range(n - 1, -1, -1):
        suffix[i] = any(suffix[j] and word[i:j] in common for j in range(i + 2, min(n, i + 30) + 1))
    return tuple(i for i in range(1, n) if prefix[i] and suffix[i])


def _split_thai_compounds(words: Sequence[Word], min_freq: int) -> list[Word]:
    out: list[Word] = []
    for w in words:
        cuts = thai_compound_cuts(w.norm, min_freq) if len(w.norm) == w.end - w.start else ()
        edges = [0, *cuts, len(w.norm)]
        out.extend(w._replace(norm=w.norm[a:b], start=w.start + a, end=w.start + b, brk=w.brk and a == 0,
                              raw=w.raw[a:b]) for a, b in zip(edges, edges[1:]))
    return out


_KO_GRAMMATICAL = ("J", "E", "VC")
"""kiwipiepy tag prefixes of grammatical morphemes: particles, endings, copula (a derivational suffix
such as 쟁이 in 떼쟁이 belongs to the word)."""


KO_CONTINUES, KO_PREFIX = "continues", "prefix"
_KO_CONTINUING_TAGS = ("NNG", "NNP", "XSN", "XR")
_KO_KEEPS_NOUN = frozenset({"들", "님"})
"""Suffixes after which the noun is still the keyword: the plural 들 and the honorific 님 (학생들, 선생님)."""


def _korean_units(text: str) -> tuple[list[int], set[int], dict[int, str]]:
    """Sorted morpheme boundaries of `text`, the start offsets of grammatical morphemes, and the
    `Word.compound` mark of morphemes by start offset."""
    cuts: set[int] = set()
    grammatical: set[int] = set()
    marks: dict[int, str] = {}
    for token in _kiwi().tokenize(text):
        cuts.update((token.start, token.start + token.len))
        if token.tag.startswith(_KO_GRAMMATICAL):
            grammatical.add(token.start)
        elif token.tag.startswith(_KO_CONTINUING_TAGS) and token.form not in _KO_KEEPS_NOUN:
            marks[token.start] = KO_CONTINUES
        elif token.tag == "XPN":
            marks[token.start] = KO_PREFIX
    return sorted(cuts), grammatical, marks


def _vi_canonical(m: regex.Match) -> str:
    """A syllable in its canonical spelling, its case kept: the segmenter knows bánh mì, not bánh mỳ."""
    word = m.group(0)
    canon = vietnamese_syllable(word.lower())
    if word[:1].isupper():
        canon = canon[:1].upper() + canon[1:]
    return canon if len(canon) == len(word) else word


_CLAUSE_END = regex.compile(r"[.!?;:,…。؟؛،、，：()\[\]–—\n]")
"""Punctuation that ends a sentence, a clause or a list item, or opens or closes an aside: a multi-word
keyword never spans it unless it has it there itself ("cập bến, thành phố" is not Bến Thành, "mùa đông,
hồ Tây" not Đông Hồ). Not the hyphen, which joins the parts of a name (Saint-Denis)."""


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
    and Korean morpheme analysis (kiwipiepy), Thai and Vietnamese segmentation dominate their cost."""
    return tuple(_split_words(lang, text))


def _split_words(lang: str, text: str) -> list[Word]:
    units = rules(lang).units
    keep_maqsura = rules(lang).keep_final_alef_maqsura
    cuts, grammatical, marks = _korean_units(text) if units == "korean-morphemes" and text.strip() else (None, set(), {})
    words: list[Word] = []
    prev_end = 0
    for m in _WORD.finditer(text):
        start, chunk = m.start(), m.group(0)
        brk = bool(words) and bool(_CLAUSE_END.search(text, prev_end, start))
        prev_end = m.end()
        if units == "thai-newmm":
            pieces = _thai_pieces(chunk)
        elif cuts is not None:
            inner = cuts[bisect.bisect_right(cuts, start):bisect.bisect_left(cuts, m.end())]
            edges = [0, *(c - start for c in inner), len(chunk)]
            pieces = [chunk[a:b] for a, b in zip(edges, edges[1:])]
        else:
            pieces = [chunk]
        for piece in pieces:
            norm = _normalized(lang, piece)
            if keep_maqsura and norm[-1:] == "ي" and ARABIC_MARKS.sub("", piece)[-1:] == "ى":
                norm = norm[:-1] + "ى"  # مبنى "building" is not مبني "built"
            if norm:
                words.append(Word(norm, start, start + len(piece), brk, start not in grammatical, False, piece,
                                  marks.get(start, "")))
                brk = False
            start += len(piece)
    if units == "vietnamese-words" and words:
        words = _join_vietnamese(text, words)
    return words


def vietnamese_syllables(text: str) -> list[tuple[bool, float]]:
    """Per syllable of `text` (letters only, in order): whether underthesea's best segmentation (its CRF's
    Viterbi path, what `word_tokenize` returns) continues the previous syllable's word into it, and the
    probability that a word starts there (the CRF's marginal of its B-W tag, summed over every
    segmentation it weighs). Read from the model `word_tokenize` loads (underthesea is pinned)."""
    from underthesea import word_tokenize
    from underthesea.pipeline.word_tokenize import regex_tokenize
    import underthesea.pipeline.word_tokenize as pipeline

    tokens = regex_tokenize.tokenize(_WORD.sub(_vi_canonical, text))
    if not tokens:
        return []
    if pipeline.word_tokenize_model is None:
        word_tokenize("a")  # loads the model
    model = pipeline.word_tokenize_model
    features = model.featurizer.process([[[t] for t in tokens]])[0]
    tags, marginals = model.estimator.tag(features), model.estimator.marginals(features)
    begin = model.estimator.labels().index("B-W")
    out: list[tuple[bool, float]] = []
    in_word = False
    for n, (token, tag, probs) in enumerate(zip(tokens, tags, marginals)):
        in_word = in_word and tag == "I-W" and n > 0
        for k, _ in enumerate(_WORD.findall(token)):
            out.append((in_word, probs[begin] if k == 0 else 0.0))
            in_word = True
    return out


def _join_vietnamese(text: str, words: list[Word]) -> list[Word]:
    """Mark the syllables that continue an underthesea word (`joined`) and the probability that a word
    starts at each (`start_p`); left as they are when the segmenter's syllables cannot be lined up
    with ours."""
    syllables = vietnamese_syllables(text)
    if len(syllables) != len(words):
        return words
    return [w._replace(joined=joined and not w.brk, start_p=1.0 if w.brk or i == 0 else p)
            for i, (w, (joined, p)) in enumerate(zip(words, syllables))]


# ---------------------------------------------------------------- matching

def spaceless(lang: str) -> bool:
    """Matched as a run of segmenter units with the keyword's spaces removed (Thai, Korean)."""
    return rules(lang).units in ("thai-newmm", "korean-morphemes")


def _runs(kw_words: Sequence[Word], kw_keys: Sequence[frozenset], words: Sequence[Word],
          keys: Callable[[Word], frozenset], starts: Iterable[int] | None = None,
          derived: Callable[[Word, Word], bool] = lambda kw, w: False,
          min_start_p: float = 0.0, capitals: bool = False,
          listed: frozenset[str] | None = None,
          kinds_table: tuple[frozenset[str], frozenset[str]] | None = None) -> Iterable[tuple[int, int]]:
    """Spans where the keyword's words equal consecutive answer words (share a key), with no clause
    break between them that the keyword does not have, starting and ending on whole words
    (`_on_word_boundaries`; with `capitals`, also heading a name, `_heads_a_name`, and keeping a name's
    capitals, `_capitals_kept`; with `listed`, a dictionary, also inside a joined word it does not list,
    `_in_an_unlisted_join`; with `kinds_table` (kinds, the dictionary), a one-syllable keyword also where
    it opens a compound listed there as a kind of it, `_opens_a_kind`); `starts` (ascending) limits the
    positions tried to those whose word can equal the first one; `derived(keyword word, answer word)` rejects a pair that shares a key but
    is another word."""
    n = len(kw_words)
    for i in (range(len(words) - n + 1) if starts is None else starts):
        if i + n > len(words):
            continue
        if not (_on_word_boundaries(words, i, n, min_start_p) or (capitals and _heads_a_name(kw_words, words, i))
                or (listed is not None and n == 1 and _in_an_unlisted_join(words, i, listed))
                or (kinds_table is not None and n == 1 and _opens_a_kind(words, i, *kinds_table))):
            continue
        if capitals and not _capitals_kept(kw_words, words, i):
            continue
        if any(words[i + j].brk and not kw_words[j].brk for j in range(1, n)):
            continue
        if all(kw_keys[j] & keys(words[i + j]) and not derived(kw_words[j], words[i + j])
               for j in range(n)):
            yield words[i].start, words[i + n - 1].end


@functools.lru_cache(maxsize=None)
def _derivation_pattern(pattern: str) -> regex.Pattern:
    return regex.compile(pattern)


def derived_word(lang: str, keyword_word: str, word: str) -> bool:
    """`word` continues the keyword (all its letters but at most the last) with one of the language's
    derivational suffixes (`KeywordRules.derivations`): another word, not a form of the keyword
    (Pasternak → Pasternaková, Zoja → Zojinou). A keyword that is itself derived keeps its own forms
    (Karlův → Karlově: only "karl" is shared)."""
    pattern = rules(lang).derivations
    if not pattern or word == keyword_word:
        return False
    shared = len(os.path.commonprefix([keyword_word, word]))
    if shared < len(keyword_word) - 1:
        return False
    return bool(_derivation_pattern(pattern).match(word[shared:]))


def other_word_ending(lang: str, keyword_word: str, word: str) -> bool:
    """`word` is the keyword's base plus an ending that none of the keyword's own forms has
    (`KeywordRules.other_word_tails`): Německo → německou, Baková → Bakovům."""
    r = rules(lang)
    if not r.other_word_tails or not keyword_word:
        return False
    final = keyword_word[-1] if keyword_word[-1] in VOWELS else ""
    tails = dict(r.other_word_tails).get(final, ())
    base = keyword_word[:-1] if final else keyword_word
    return len(base) >= 3 and word.startswith(base) and word[len(base):] in tails


_AR_PRONOUNS = "(?:ه|ها|هم|هن|هما|ك|كم|كن|كما|ي|نا)"
_AR_MASCULINE = rf"(?:|ا|{_AR_PRONOUNS}|ان|ين|ون|ا{_AR_PRONOUNS}|ي{_AR_PRONOUNS}|و{_AR_PRONOUNS}|ات{_AR_PRONOUNS}?)"
"""After a keyword without ة / ى: tanwin alef, a pronoun, dual and sound plurals (their construct forms
with a pronoun), the plural in -ات."""
_AR_TAILS = {
    # the keyword's base is the keyword less its ة / ى / final hamza; what may follow it in a form of the noun
    "feminine": regex.compile(rf"(?:ة|ه|ات{_AR_PRONOUNS}?|ت(?:ان|ين|ا|ي)?{_AR_PRONOUNS}?)"),
    "maqsura": regex.compile(rf"(?:ى|ا{_AR_PRONOUNS}|ي{_AR_PRONOUNS}|ان|ين|ون|يات|ات)"),
    "hamza": regex.compile(rf"[ءئؤأا]{_AR_MASCULINE}"),
    "other": regex.compile(_AR_MASCULINE),
}
_AR_MAX_TAIL = 6
_AR_NISBA = regex.compile(r"(?:ية|يه|يات|يون|يين|يتان|يتين|يت" + _AR_PRONOUNS + ")")
_AR_PLAIN = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})


def _ar_plain(raw: str) -> str:
    """Marks removed and hamza seats of alef unified; ة and ى kept (they tell the noun's ending)."""
    return ARABIC_MARKS.sub("", raw).translate(_AR_PLAIN)


def _ar_keyword_shape(keyword_raw: str) -> tuple[str, str]:
    """(base, kind): the keyword less its article and its final ة / ى, and which tails it takes."""
    kw = _ar_keyword_core(_ar_plain(keyword_raw))
    if ARABIC_MARKS.sub("", keyword_raw).endswith(("ء", "أ")) and len(kw) > 3:
        return kw[:-1], "hamza"  # the hamza's seat follows the vowel after it: إنماء → بإنمائه
    if kw.endswith("ة"):
        return kw[:-1], "feminine"
    if kw.endswith("ى"):
        return kw[:-1], "maqsura"
    return kw, "other"


_AR_LONG = "اوي"


def arabic_broken_plurals(keyword_raw: str) -> frozenset[str]:
    """Broken plurals of the two quadriliteral patterns whose shape follows from the singular alone:
    four consonants → فعالل (مسجد → مساجد, مدرسة → مدارس), four consonants with a long vowel before the
    last → فعاليل (قفطان → قفاطين, مفتاح → مفاتيح). simplemma's dictionary has the triliteral ones."""
    kw = _ar_keyword_core(_ar_plain(keyword_raw))
    k = kw[:-1] if kw.endswith("ة") else kw
    if len(k) == 4 and not any(ch in _AR_LONG + "ىء" for ch in k[1:]):
        return frozenset({k[0] + k[1] + "ا" + k[2] + k[3]})
    if len(k) == 5 and k[3] in _AR_LONG and not any(ch in _AR_LONG + "ىء" for ch in k[1:3] + k[4]):
        return frozenset({k[0] + k[1] + "ا" + k[2] + "ي" + k[4]})
    return frozenset()


@functools.lru_cache(maxsize=200_000)
def arabic_noun_bases(word_raw: str) -> frozenset[tuple[str, str]]:
    """Every (base, kind) of which a proclitic reading of the word is a noun form (`_AR_TAILS`): the
    keys a keyword's `_ar_keyword_shape` meets (إشداداتكما → إشداد + ات + كما), where Snowball cuts
    the word elsewhere."""
    out = set()
    for core in arabic_cores(_ar_plain(word_raw)):
        for cut in range(0, min(_AR_MAX_TAIL, len(core) - _AR_MIN_CORE) + 1):
            tail = core[len(core) - cut:]
            for kind, pattern in _AR_TAILS.items():
                if pattern.fullmatch(tail):
                    out.add((core[:len(core) - cut], kind))
    return frozenset(out)


@functools.lru_cache(maxsize=200_000)
def arabic_other_word(keyword_raw: str, word_raw: str, keyword_stems: frozenset[str], lemma_lang: str) -> bool:
    """`noun_suffixes`: the word is not a form of the keyword although they share a key. A form is the
    keyword's base plus noun suffixes after proclitics (`_AR_TAILS`), or a word whose simplemma lemma is
    one of the keyword's own keys (`keyword_stems`: broken plurals أشجار → شجر); a nisba ending, the
    other gender and any other tail make another word."""
    base, kind = _ar_keyword_shape(keyword_raw)
    if len(base) < _AR_MIN_CORE:
        return False
    word = _ar_plain(word_raw)
    cores = arabic_cores(word)
    for plural in arabic_broken_plurals(keyword_raw):
        if any(c.startswith(plural) and _AR_TAILS["other"].fullmatch(c[len(plural):]) for c in cores):
            return False
    if kind == "other" and base.endswith("ي") and base[:-1] + "ى" in cores:
        return False  # a final ي written ى (الشاى for شاي)
    if kind == "maqsura" and base + "ي" in cores - {word}:
        return False  # a final ى written ي after a proclitic (المستشفي); a bare مبني is "built"
    spelt_on_base = False
    for core in cores:
        if not core.startswith(base):
            continue
        spelt_on_base = True
        tail = core[len(base):]
        if kind != "maqsura" and not base.endswith("ي") and (
                _AR_NISBA.fullmatch(tail) or (tail == "ي" and word.endswith("ال" + core))):
            return True
        if _AR_TAILS[kind].fullmatch(tail):
            return False
    # a broken plural changes the letters inside the word (أشجار → شجر); a lemma spelt inside it is
    # simplemma cutting letters off another word (المبيت → بيت)
    return spelt_on_base or not any(lemma in keyword_stems and not any(lemma in c for c in cores)
                                    for lemma in _ar_lemmas(word_raw, lemma_lang))


def _not_the_keyword(lang: str, kw: Word, word: Word) -> bool:
    """A pair that shares a key but is another word: Arabic, anything but the keyword's noun forms
    (`arabic_other_word`); elsewhere a derivation or an ending none of the keyword's forms has."""
    r = rules(lang)
    if r.noun_suffixes:
        stems = frozenset(x for space, x in _keyword_keys(lang, kw.norm, kw.raw, True) if space == "stem")
        return arabic_other_word(kw.raw or kw.norm, word.raw or word.norm, stems, r.lemma_lang)
    return (derived_word(lang, kw.norm, word.norm) or other_word_ending(lang, kw.norm, word.norm)
            or stemmed_apart(lang, kw.raw or kw.norm, word.raw or word.norm))


def stemmed_apart(lang: str, keyword_word: str, word: str) -> bool:
    """Where `KeywordRules.stem_dictionary`: the dictionary knows both words and no stem it gives `word`
    is `keyword_word` or one of that word's stems, so they only look alike to Snowball or the lemmatiser
    (hu egerek → egér, not Eger; térdig → térd, not tér). Spelling as written: the dictionary knows
    Szeged, not szeged."""
    name = rules(lang).stem_dictionary
    if not name or keyword_word.casefold() == word.casefold():
        return False
    theirs = spelling.stems(name, word)
    ours = spelling.stems(name, keyword_word)
    return bool(theirs and ours) and not (ours | {keyword_word.casefold()}) & theirs


def prefetch(lang: str, texts: Iterable[str], keywords: Iterable[str] = ()) -> None:
    """Ask the language's `stem_dictionary` about every word of `texts` and `keywords` in one call of the
    binary (scoring a corpus: one call instead of one per new word); nothing to do elsewhere."""
    name = rules(lang).stem_dictionary
    if name:
        words = {w.raw or w.norm for t in (*texts, *keywords) for w in answer_words(lang, t)}
        spelling.prefetch_stems(name, words)


def _capitalised(word: Word) -> bool:
    return word.raw[:1].isupper()


def _capitals_kept(kw_words: Sequence[Word], words: Sequence[Word], i: int) -> bool:
    """A keyword of several syllables, each capitalised (a name: Hạ Long, Hội An), is found only where
    each is capitalised too ("mùa hạ long lanh" is not Hạ Long)."""
    if len(kw_words) < 2 or not all(_capitalised(w) for w in kw_words):
        return True
    return all(_capitalised(words[i + j]) for j in range(len(kw_words)))


def _heads_a_name(kw_words: Sequence[Word], words: Sequence[Word], i: int) -> bool:
    """A one-syllable keyword that the segmenter joins to a name after it heads that name (Vietnamese
    is head-first: hội Lim is a hội, tranh Đông Hồ a tranh): the word starts at it, every later syllable of
    the word is capitalised, and it is not itself a capital the keyword lacks (Hội An is not a hội)
    unless it opens the answer."""
    if len(kw_words) != 1 or words[i].joined or i + 1 >= len(words) or not words[i + 1].joined:
        return False
    if _capitalised(words[i]) and not _capitalised(kw_words[0]) and i > 0:
        return False
    k = i + 1
    while k < len(words) and words[k].joined:
        if not _capitalised(words[k]):
            return False
        k += 1
    return True


def _opens_a_kind(words: Sequence[Word], i: int, kinds: frozenset[str], listed: frozenset[str]) -> bool:
    """Vietnamese (`KeywordRules.compound_kinds`): syllable `i` opens a compound of two or three syllables
    (within one clause, no capital after its first syllable) that the table lists as a kind of that
    syllable's thing (chiếc đèn lồng, cá chép, áo dài, cây xanh), whatever the segmenter joined: the
    thing is named there. Not where the segmenter joined the syllable to a listed word before it (gia
    đình làng). Compounds the table lists as another thing (bàn chải, cá sấu) are not used as vetoes:
    Viet74K also lists free phrases (nhà có, nhà tôi) that a veto would wrongly take from a caption."""
    if i > 0 and words[i].joined and f"{words[i - 1].norm} {words[i].norm}" in listed:
        return False
    for length in (3, 2):
        rest = words[i + 1:i + length]
        if len(rest) == length - 1 and not any(w.brk or _capitalised(w) for w in rest) \
                and " ".join(w.norm for w in words[i:i + length]) in kinds:
            return True
    return False


def _in_an_unlisted_join(words: Sequence[Word], i: int, listed: frozenset[str]) -> bool:
    """Vietnamese (`KeywordRules.unlisted_joins`): the segmenter joined syllable `i` into a word that the
    dictionary does not list, so the join is a phrase and the syllable a word of its own (đình làng,
    sân đình, ngôi đình: the CRF joins what often stands together), while the words it lists stay whole
    (gia đình, cầu thủ, yêu cầu, chiếu sáng). A join with a capitalised syllable after the first of a
    sentence is a name (Đan Mạch), which the dictionary lacks: left to `capitals`."""
    if not words[i].joined and not (i + 1 < len(words) and words[i + 1].joined):
        return False
    start = i
    while start > 0 and words[start].joined:
        start -= 1
    end = i + 1
    while end < len(words) and words[end].joined:
        end += 1
    if any(_capitalised(words[k]) and k > 0 and not words[k].brk for k in range(start, end) if k != i):
        return False
    return " ".join(w.norm for w in words[start:end]) not in listed


def _on_word_boundaries(words: Sequence[Word], i: int, n: int, min_start_p: float = 0.0) -> bool:
    """Vietnamese: a one-syllable keyword is a whole word of the segmenter's best segmentation (cầu is not
    in cầu thủ). A longer one, with `min_start_p`, needs at least that probability (the CRF's marginal)
    that a word starts at its first syllable and at the syllable after it: "hoa mai vàng" keeps hoa mai
    (a word starts at vàng with probability 0.74), "chợ nổi tiếng" and "xã hội an toàn" lose chợ nổi
    and Hội An (nổi tiếng, an toàn are near-certain words: 0.00). "kỳ nghỉ hè" sits near the line (hè
    0.08 to 0.18 by sentence). Without it, starting or ending on a best-segmentation boundary."""
    if n == 1 or not min_start_p:
        starts = not words[i].joined
        ends = i + n == len(words) or not words[i + n].joined
        return (starts and ends) if n == 1 else (starts or ends)
    after = 1.0 if i + n == len(words) else words[i + n].start_p
    return words[i].start_p >= min_start_p and after >= min_start_p


class WordIndex:
    """An answer's words indexed by the keys a keyword word can share with them.

    Equality under both rules is "the two words share a key" (the word itself, an Arabic proclitic-free
    core, a lemma, a stem), so the positions a keyword can start at are a union of index entries
    instead of a scan of every position. Built once per answer and reused by all its keywords; the
    run check still compares every keyword word, so the index only skips positions that cannot match
    (tests compare both paths on the labelled set).
    """

    def __init__(self, lang: str, words: Sequence[Word], tolerant: bool):
        self.lang, self.tolerant = lang, tolerant
        self._index: dict[tuple[str, str], list[int]] = {}
        for i, w in enumerate(words):
            for key in _word_keys(lang, w.norm, w.raw, tolerant):
                self._index.setdefault(key, []).append(i)

    def starts(self, kw_keys: frozenset) -> list[int]:
        """Ascending positions whose word shares a key with a keyword word's `kw_keys`."""
        found: set[int] = set()
        for key in kw_keys:
            found.update(self._index.get(key, ()))
        return sorted(found)


def _inside_a_compound(words: Sequence[Word], i: int, j: int) -> bool:
    """Korean: the run i..j is the first part of a longer noun (토마토 in 토마토케첩, 차별 in 차별적) or
    follows a derivational prefix (경제적 in 비경제적) in the same eojeol: another word. A compound
    whose last noun is the keyword is still that thing (의붓자식 is a child: head-final)."""
    after = words[j + 1] if j + 1 < len(words) else None
    before = words[i - 1] if i > 0 else None
    return bool((after is not None and after.start == words[j].end and after.compound == KO_CONTINUES)
                or (before is not None and before.end == words[i].start and before.compound == KO_PREFIX))


def _spaceless_runs(keyword: str, words: Sequence[Word]) -> Iterable[tuple[int, int]]:
    for i in range(len(words)):
        acc = ""
        for j in range(i, len(words)):
            if not words[j].lexical or (j > i and words[j].brk):
                break
            acc += words[j].norm
            if acc == keyword and not _inside_a_compound(words, i, j):
                yield words[i].start, words[j].end
            if len(acc) >= len(keyword) or not keyword.startswith(acc):
                break


def _kind_compounds(r: KeywordRules, keyword: str, words: Sequence[Word],
                    table: dict[tuple[str, str], bool] | None = None) -> list[tuple[int, int]]:
    """Thai: the units that name the keyword although newmm keeps them whole (`kinds.py`):
    - with `table` (`KeywordRules.compound_kinds`), a unit that begins with the keyword and that the
      table lists as a kind of it (ขนมครก, ปลาช่อน); one it lists as another thing (บัวลอย, ข้าวของ)
      is not, whatever the rules below say;
    - a unit that begins with the keyword and that the wordnet files as a kind of it (ปลาทู);
    - with `compound_split_min_freq`, one that begins with a keyword the wordnet knows as a noun, that
      the wordnet does not know, and whose rest is common dictionary words (ข้าวเหนียว, เรือหางยาว);
    - with `verb_objects`, a verb the wordnet knows only as a verb followed by such a keyword (ขี่ม้า).
    The wordnet's rules are off without WordNet's data: the split alone, unvetoed, accepts ข้าวของ and
    กล้วยไม้."""
    wordnet = kinds.available()
    if not wordnet and not table:
        return []
    noun = wordnet and kinds.is_noun(r.kinds, keyword)
    spans = []
    for w in words:
        if not (w.lexical and len(w.norm) > len(keyword) and len(w.norm) == w.end - w.start):
            continue
        if w.norm.startswith(keyword):
            verdict = table.get((keyword, w.norm)) if table else None
            if verdict is not None:
                if verdict:
                    spans.append((w.start, w.start + len(keyword)))
                continue
            if not wordnet:
                continue
            kind = kinds.kind_of(r.kinds, w.norm, keyword)
            if kind is kinds.Kind.KIND or (
                    kind is kinds.Kind.UNKNOWN and noun and r.compound_split_min_freq
                    and len(keyword) in thai_compound_cuts(w.norm, r.compound_split_min_freq)):
                spans.append((w.start, w.start + len(keyword)))
        elif (wordnet and r.verb_objects and noun and w.norm.endswith(keyword)
              and kinds.only_a_verb(r.kinds, w.norm[:-len(keyword)])):
            spans.append((w.end - len(keyword), w.end))
    return spans


@functools.lru_cache(maxsize=100_000)
def _keyword_words(lang: str, keyword: str) -> tuple[Word, ...]:
    return tuple(w._replace(joined=False) for w in _split_words(lang, keyword))


def find_keyword(lang: str, keyword: str, answer_words: Sequence[Word], *, tolerant: bool,
                 index: WordIndex | None = None) -> KeywordMatch:
    """Where `keyword` occurs among already split answer words (`index`: their `WordIndex`, when
    several keywords are looked up in one answer; it must be built from the same words and rule)."""
    kw_words = _keyword_words(lang, keyword)
    if not kw_words:
        return KeywordMatch(keyword, False, ())
    if spaceless(lang):
        keyword_letters = "".join(w.norm for w in kw_words)
        spans = tuple(_spaceless_runs(keyword_letters, answer_words))
        r = rules(lang)
        if not spans and tolerant and (r.kinds or r.compound_kinds):
            spans = tuple(_kind_compounds(r, keyword_letters, answer_words,
                                          _compound_table(lang) if r.compound_kinds else None))
        elif not spans and tolerant and r.compound_split_min_freq:
            spans = tuple(_spaceless_runs(keyword_letters, _split_thai_compounds(answer_words, r.compound_split_min_freq)))
    else:
        kw_keys = [_keyword_keys(lang, w.norm, w.raw, tolerant) for w in kw_words]
        starts = index.starts(kw_keys[0]) if index is not None else None
        spans = tuple(_runs(kw_words, kw_keys, answer_words,
                            lambda w: _word_keys(lang, w.norm, w.raw, tolerant), starts,
                            (lambda kw, w: _not_the_keyword(lang, kw, w)) if tolerant else (lambda kw, w: False),
                            rules(lang).word_start_min, rules(lang).capitals,
                            _viet_lexicon(lang) if rules(lang).unlisted_joins else None,
                            (_compound_kinds(lang), _viet_lexicon(lang)) if rules(lang).compound_kinds else None))
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
    index = None if spaceless(lang) else answer_index(lang, answer, tolerant)
    return tuple(find_keyword(lang, k, words, tolerant=tolerant, index=index) for k in keywords)


def usable(lang: str, keyword: str) -> bool:
    """A keyword with at least one word (pure punctuation is not a keyword)."""
    return bool(_keyword_words(lang, keyword))


def segmenter_signature(lang: str) -> str:
    """Word units used for matching in `lang`."""
    units = rules(lang).units
    if units == "thai-newmm":
        return f"pythainlp{_version('pythainlp')}-newmm"
    if units == "korean-morphemes":
        return f"kiwipiepy{_version('kiwipiepy')}-morphemes-lexical-runs-compound-heads"
    if units == "vietnamese-words":
        start_min = rules(lang).word_start_min
        return (f"underthesea{_version('underthesea')}-words" + (f"+starts-p{start_min:g}" if start_min else "")
                + ("+capitals" if rules(lang).capitals else "")
                + ("+unlisted-joins-viet74k" if rules(lang).unlisted_joins else "")
                + (f"+compound-kinds-{compound_kinds_hash(lang)}" if rules(lang).compound_kinds else ""))
    return "words"


# ---------------------------------------------------------------- dictionary look-up for other checks

WordStatus = Literal["known", "unknown", "no-dictionary"]


def dictionary_status(lang: str, word: str) -> WordStatus:
    """Whether `word` is in the dictionary behind the language's keyword rules: simplemma's or
    pymorphy3's lexicon, pythainlp's Thai word list, underthesea's Viet74K list; Korean has none here.

    For checks outside matching (a short answer that is a real word of the language, a keyword that is
    a common word); it loads the same libraries Keyword Accuracy does."""
    r = rules(lang)
    norm = _normalized(lang, word.strip())
    if not norm:
        return "unknown"
    if r.lemmatizer == "pymorphy3":
        return "known" if _pymorphy(r.lemma_lang).word_is_known(norm) else "unknown"
    if r.lemmatizer == "simplemma":
        import simplemma

        return "known" if simplemma.is_known(word.strip().casefold(), lang=r.lemma_lang) else "unknown"
    if r.units == "thai-newmm":
        from pythainlp.corpus import thai_words

        return "known" if norm in thai_words() else "unknown"
    if r.units == "vietnamese-words":
        return "known" if norm in _viet_lexicon(lang) else "unknown"
    return "no-dictionary"


def dictionary_name(lang: str) -> str:
    """For signatures: the library (with its version) whose dictionary `dictionary_status` reads."""
    r = rules(lang)
    if r.lemmatizer == "pymorphy3":
        return f"pymorphy3{_version('pymorphy3')}+pymorphy3-dicts-ru{_version('pymorphy3-dicts-ru')}"
    if r.lemmatizer == "simplemma":
        return f"simplemma{_version('simplemma')}:{r.lemma_lang}"
    if r.units == "thai-newmm":
        return f"pythainlp{_version('pythainlp')}"
    if r.units == "vietnamese-words":
        return f"underthesea{_version('underthesea')}"
    return "none"


COMPOUND_KINDS_DIR = Path(__file__).resolve().parents[2] / "langs" / "data"


def _compound_table(lang: str) -> dict[tuple[str, str], bool]:
    """`KeywordRules.compound_kinds`'s table: (head, compound), normalised → the compound names a kind of
    the head's thing. Keyed by the head too because a Thai word can begin with two heads (น้ำตาลทราย is a
    kind of น้ำตาล, not of น้ำ)."""
    return _read_compound_table(lang, rules(lang).compound_kinds)


@functools.lru_cache(maxsize=None)
def _read_compound_table(lang: str, name: str) -> dict[tuple[str, str], bool]:
    """The file `name` in `COMPOUND_KINDS_DIR`, read once per name (a profile that names another table gets
    that one). Every line is `head<TAB>compound<TAB>kind` or `...<TAB>other`; `#` starts a comment."""
    path = COMPOUND_KINDS_DIR / name
    normalize = get_tokenizer(lang).normalize
    out: dict[tuple[str, str], bool] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or fields[2] not in ("kind", "other"):
            raise ValueError(f"{path}:{n}: expected head<TAB>compound<TAB>kind or other, not {line!r}")
        out[(normalize(fields[0].strip()), normalize(fields[1].strip()))] = fields[2] == "kind"
    return out


def _compound_kinds(lang: str) -> frozenset[str]:
    """The compounds `_compound_table` lists as kinds of their head (Vietnamese, whose head is a compound's
    first syllable, uses only these: `_opens_a_kind`)."""
    return _kinds_in(lang, rules(lang).compound_kinds)


@functools.lru_cache(maxsize=None)
def _kinds_in(lang: str, name: str) -> frozenset[str]:
    return frozenset(compound for (_, compound), kind in _read_compound_table(lang, name).items() if kind)


def compound_kinds_hash(lang: str) -> str:
    """For signatures: the table's name and the first 8 hex digits of its SHA-256."""
    return _file_hash(rules(lang).compound_kinds)


@functools.lru_cache(maxsize=None)
def _file_hash(name: str) -> str:
    path = COMPOUND_KINDS_DIR / name
    return f"{path.stem}:{hashlib.sha256(path.read_bytes()).hexdigest()[:8]}"


@functools.lru_cache(maxsize=1)
def _viet_lexicon(lang: str) -> frozenset[str]:
    import importlib.util

    # located, not imported: importing underthesea loads torch (~2.6 s) for a word list
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("underthesea is not installed (it is a dependency of mella-bench: reinstall it)")
    path = Path(next(iter(spec.submodule_search_locations))) / "corpus" / "data" / "Viet74K.txt"
    return frozenset(get_tokenizer(lang).normalize(line.strip()) for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip())
