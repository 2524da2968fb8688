"""The evaluation languages as data: one module per language (its `Language` profile) and this registry.

Every per-language behaviour is a field of the profile, looked up by code; no module outside this
package compares a language code. Adding a language is one module here plus its line below
(docs/extending.md)."""

from __future__ import annotations

from mella_bench.langs import ar, cs, hu, ko, ru, sr, th, vi
from mella_bench.langs.profile import (AXES, Axis, KeywordRules, Language, LANGUAGE_INDEPENDENT_METEOR,
                                       MeteorRules, SpellingDictionary, WordUnits)

PROFILES: tuple[Language, ...] = (ar.PROFILE, cs.PROFILE, hu.PROFILE, ko.PROFILE, ru.PROFILE, sr.PROFILE,
                                  th.PROFILE, vi.PROFILE)
"""Every language, in the canonical order (tables, plots, `--langs all`)."""
LANGUAGES: dict[str, Language] = {lang.code: lang for lang in PROFILES}
LANG_CODES: tuple[str, ...] = tuple(LANGUAGES)

ENGLISH = "en"
"""The language models most often fall back to: fidelity counts its words as foreign in every language."""
DETECTOR_FALLBACKS: tuple[str, ...] = (ENGLISH, "zh", "ja", "fr", "de", "es", "it", "pt", "nl", "tr", "ro",
                                       "id", "ms", "lo", "km")
"""Languages outside the evaluation set that a model may answer in, besides each language's neighbours."""

SPELLING_DICTIONARIES: dict[str, tuple[SpellingDictionary, ...]] = {
    "ru": (SpellingDictionary("ru_RU", "Cyrillic", "hunspell-ru"),),
    "sr": (SpellingDictionary("sr_RS", "Cyrillic", "hunspell-sr"),
           SpellingDictionary("sr_Latn_RS", "Latin", "hunspell-sr")),
    "uk": (SpellingDictionary("uk_UA", "Cyrillic", "hunspell-uk"),),
    "be": (SpellingDictionary("be_BY", "Cyrillic", "hunspell-be"),),
    "kk": (SpellingDictionary("kk_KZ", "Cyrillic", "hunspell-kk"),),
    "bg": (SpellingDictionary("bg_BG", "Cyrillic", "hunspell-bg"),),
    "sl": (SpellingDictionary("sl_SI", "Latin", "hunspell-sl"),),
    "mk": (SpellingDictionary("mk_MK", "Cyrillic", "npm:dictionary-mk@2.0.0"),),
}
"""Hunspell dictionaries fidelity's word vote reads (Russian, Serbian and their neighbours; Debian has
none for Macedonian, whose comes from the npm registry): a word only a neighbour's dictionary spells is
the neighbour's (Belarusian Гандурас, Slovene Ekvatorialna, Macedonian Маурициус)."""


def parse_langs(spec: str) -> tuple[str, ...]:
    """Turn `all` or a comma list (`th,ko`) into validated codes, in the canonical order."""
    if spec.strip().lower() == "all":
        return LANG_CODES
    wanted = [s.strip().lower() for s in spec.split(",") if s.strip()]
    unknown = [c for c in wanted if c not in LANGUAGES]
    if unknown:
        raise ValueError(
            f"unknown language code(s) {', '.join(unknown)}; choose from {', '.join(LANG_CODES)} or 'all'"
        )
    if not wanted:
        raise ValueError("no language given; use 'all' or a comma list such as 'th,ko'")
    return tuple(c for c in LANG_CODES if c in wanted)
