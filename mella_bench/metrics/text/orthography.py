"""Spelling normalisation that is language knowledge, not tokenisation: Arabic, Vietnamese, Serbian.

Each function maps variant spellings of the *same* word to one form, so no metric rewards or
punishes a writer's orthographic habit:

- Arabic (`arabic_fold`): short-vowel marks (harakat, U+064B–U+065F), the superscript alef U+0670
  and tatweel U+0640 are removed (optional in written Arabic); hamza-carrying alef forms أ إ آ ٱ
  become ا, alef maqsura ى becomes ي and ta marbuta ة becomes ه (everyday spellings of the same
  words: الأهرامات/الاهرامات, مستشفى/مستشفي, قهوة/قهوه).
- Vietnamese (`vietnamese_fold`): the tone mark is put on the vowel the modern rule chooses, so
  the older placement (hòa, thủy, hòe) and the newer one (hoà, thuỷ, hoè) are one spelling; a
  syllable whose only vowel is y after a consonant is written with i (mỳ/mì, kỳ/kì, lý/lí, quý/quí),
  both spellings being in current use.
- Serbian (`serbian_to_latin`): Cyrillic → Latin with case-correct digraphs: Љубав → Ljubav,
  ЉУБАВ → LJUBAV (a digraph capital is all-caps when a neighbouring letter is upper case).
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Callable

import regex

# ---------------------------------------------------------------- Arabic

ARABIC_MARKS = regex.compile(r"[\u064B-\u065F\u0670\u0640]")
ARABIC_LETTER_FOLD: dict[str, str] = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"}
_ARABIC_TABLE = {ord(k): v for k, v in ARABIC_LETTER_FOLD.items()}


def arabic_fold(text: str) -> str:
    """Remove harakat/tatweel and unify alef, alef maqsura and ta marbuta spellings."""
    return ARABIC_MARKS.sub("", text).translate(_ARABIC_TABLE)


# ---------------------------------------------------------------- Vietnamese

_VI_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_VI_VOWELS = "aăâeêioôơuưy"
_VI_MARKED = "ăâêôơư"
_VI_ONSET_Y = regex.compile(r"(b|c|ch|d|đ|g|gh|h|k|kh|l|m|n|ng|ngh|nh|p|ph|qu|r|s|t|th|tr|v|x)y")
_VI_SYLLABLE = regex.compile(r"\p{Latin}[\p{Latin}\p{M}]*")


def _tone_position(base: str) -> int | None:
    """Index of the vowel that carries the tone in the modern convention (None: no vowel)."""
    start = 2 if base.startswith("qu") or (base.startswith("gi") and len(base) > 2 and base[2] in _VI_VOWELS) else 0
    nucleus = [i for i in range(start, len(base)) if base[i] in _VI_VOWELS] or \
              [i for i, ch in enumerate(base) if ch in _VI_VOWELS]
    if not nucleus:
        return None
    marked = [i for i in nucleus if base[i] in _VI_MARKED]
    if marked:
        return marked[-1]
    if len(nucleus) == 1:
        return nucleus[0]
    if nucleus[-1] < len(base) - 1:  # closed syllable: the last vowel (hoàng, huỳnh)
        return nucleus[-1]
    if base[nucleus[0]:nucleus[0] + 2] in ("oa", "oe", "uy"):  # open oa/oe/uy: the second (hoà, thuỷ)
        return nucleus[1]
    return nucleus[0]  # other open diphthongs: the first (mùa, kìa, hai)


@functools.lru_cache(maxsize=100_000)
def vietnamese_syllable(syllable: str) -> str:
    """One lower-case syllable in canonical spelling (tone placement, i/y after a consonant)."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [ch for ch in decomposed if ch in _VI_TONES]
    if len(tones) > 1:  # not a well-formed syllable: leave it alone
        return unicodedata.normalize("NFC", syllable)
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _VI_TONES))
    onset_y = _VI_ONSET_Y.fullmatch(base)
    if onset_y:
        base = onset_y.group(1) + "i"
    if not tones:
        return base
    pos = _tone_position(base)
    if pos is None:
        return unicodedata.normalize("NFC", syllable)
    return unicodedata.normalize("NFC", base[:pos + 1] + tones[0] + base[pos + 1:])


def vietnamese_fold(text: str) -> str:
    """Canonical spelling of every Latin-script syllable of lower-case (casefolded) text."""
    return _VI_SYLLABLE.sub(lambda m: vietnamese_syllable(m.group(0)), text)


# ---------------------------------------------------------------- Serbian

SERBIAN_CYR_TO_LAT_LOWER: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "č", "џ": "dž", "ш": "š",
}
SERBIAN_LIGATURES: dict[str, str] = {  # Latin digraph code points U+01C4–U+01CC
    "Ǆ": "DŽ", "ǅ": "Dž", "ǆ": "dž", "Ǉ": "LJ", "ǈ": "Lj", "ǉ": "lj", "Ǌ": "NJ", "ǋ": "Nj", "ǌ": "nj",
}


def _title_map() -> dict[str, str]:
    out = dict(SERBIAN_CYR_TO_LAT_LOWER)
    for cyr, lat in SERBIAN_CYR_TO_LAT_LOWER.items():
        out[cyr.upper()] = lat[0].upper() + lat[1:]
    out.update(SERBIAN_LIGATURES)
    return out


SERBIAN_TO_LATIN: dict[str, str] = _title_map()
"""Character map with digraph capitals in title case (Љ → Lj); `serbian_to_latin` fixes all-caps words."""
_SR_TABLE = {ord(k): v for k, v in SERBIAN_TO_LATIN.items()}
_SR_CAPS_DIGRAPH = regex.compile(r"(?<=\p{Lu})[ЉЊЏǅǈǋ]|[ЉЊЏǅǈǋ](?=\p{Lu})")
_SR_UPPER = {"Љ": "LJ", "Њ": "NJ", "Џ": "DŽ", "ǅ": "DŽ", "ǈ": "LJ", "ǋ": "NJ"}


def serbian_to_latin(text: str) -> str:
    """Serbian Cyrillic → Latin, case-preserving; an all-caps word keeps its digraphs all-caps."""
    text = _SR_CAPS_DIGRAPH.sub(lambda m: _SR_UPPER[m.group(0)], text)
    return text.translate(_SR_TABLE)


# ---------------------------------------------------------------- folds by name (language profiles name them)

CHAR_FOLDS: dict[str, tuple[dict[str, str], Callable[[str], str] | None]] = {
    # name (Language.token_fold) → (fold after casefolding, case-preserving script fold for chrF++ or None)
    "lat": (SERBIAN_TO_LATIN, serbian_to_latin),
    "yo": ({"ё": "е"}, None),
}
SPELLING_FOLDS = {"arnorm": arabic_fold, "vinorm": vietnamese_fold}
"""name (Language.spelling_fold) → variant-spelling fold of metric tokens and chrF++ text."""
