"""The eight MELLA languages as data: every per-language behaviour is looked up here, never coded per language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Axis = Literal["know", "ling"]
AXES: tuple[Axis, ...] = ("know", "ling")


@dataclass(frozen=True)
class Language:
    """One evaluation language and how text in it is handled."""

    code: str
    """ISO 639-1 code used in task names, item ids and tables."""
    name: str
    """English name (plot labels use this or the code: fonts for every script are not guaranteed)."""
    native: str
    """The language's own name for itself."""
    scripts: tuple[str, ...]
    """Unicode scripts the language is written in (fidelity's script rule reads them)."""
    segmentation: str
    """How n-gram metrics split words (see docs/metrics.md)."""
    rtl: bool = False
    """Written right to left (the HTML viewer sets `dir` from it)."""
    accepted_as: tuple[str, ...] = ()
    """Language-identifier verdicts that also count as this language (fidelity): Serbian in Latin script
    is indistinguishable from Croatian and Bosnian for every detector measured."""
    neighbours: tuple[str, ...] = ()
    """Close languages a model may answer in instead; fidelity scores them 0 (docs/metrics.md):
    they are detector candidates, their words (where a word list exists) count against this language
    and a word with one of `neighbour_letters` is theirs."""
    neighbour_letters: str = ""
    """Letters of this language's scripts that it never writes but a neighbour does (Belarusian ў,
    Kazakh қ, Macedonian ќ, Bulgarian ъ for Russian or Serbian ...): a word holding one is not in it."""
    script_unique: bool = False
    """No other language the detector considers is written in this script (Hangul, Thai): text in it
    is in the language whatever its length, so fidelity does not ask the detector."""
    wordlist: str = ""
    """The word-frequency list of the language's words (`metrics/lexicon.py`): `wordfreq:CODE` or
    `pythainlp-tnc`. Fidelity checks short answers against it; `data validate` flags common keywords."""
    wordlist_fold: str = ""
    """How a word is spelt before the list is consulted: `serbian-latin` (the list is Latin-only),
    `arabic-marks` (harakat and tatweel removed), or nothing."""
    word_forms: str = ""
    """The language's dictionary of inflected word forms, `simplemma:CODE` (spelt as for `wordlist`),
    consulted where `neighbour_forms` needs it: a form it knows is not a neighbour's."""
    neighbour_forms: tuple[str, ...] = ()
    """Neighbours whose simplemma dictionary of inflected forms also counts against the language in
    fidelity's word vote (a form only that dictionary knows, which neither `word_forms` nor the
    language's largest word list holds, is the neighbour's: Macedonian датотеката, Slovene funkcij).
    Serbian uses it: its word list (wordfreq's Latin Serbo-Croatian, Zipf >= 3) lacks most such forms.
    Czech does not: measured, it took real Czech forms (vozič, klobučník) for Slovak."""
    short_keyword_chars: int = 2
    """A one-word keyword of at most this many characters (after normalisation) is very short and
    `data validate` warns (hu tó lake); Korean writes a whole syllable per character, so only 1 (절)."""


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("ar", "Arabic", "العربية", ("Arabic",), "unicode-words", rtl=True,
                 neighbours=("fa", "ur"), neighbour_letters="پچژگکیٹڈڑںےھۀ",
                 wordlist="wordfreq:ar", wordlist_fold="arabic-marks"),
        Language("cs", "Czech", "čeština", ("Latin",), "unicode-words",
                 neighbours=("sk", "pl"), neighbour_letters="äľĺŕôłąęśźżćńöüőűß",
                 wordlist="wordfreq:cs"),
        Language("hu", "Hungarian", "magyar", ("Latin",), "unicode-words",
                 neighbour_letters="čšžřěůňťďłąęćśźżäâăîșțß", wordlist="wordfreq:hu"),
        Language("ko", "Korean", "한국어", ("Hangul",), "whitespace-eojeol", script_unique=True,
                 wordlist="wordfreq:ko", short_keyword_chars=1),
        Language("ru", "Russian", "русский", ("Cyrillic",), "unicode-words",
                 neighbours=("uk", "be", "kk", "bg"), neighbour_letters="ўіїєґәғқңөұүһѓќѕјљњћђџ",
                 wordlist="wordfreq:ru"),
        Language("sr", "Serbian", "српски / srpski", ("Cyrillic", "Latin"), "fold-cyrillic-to-latin",
                 accepted_as=("hr", "bs", "sh"), neighbours=("mk", "sl", "bg"),
                 neighbour_letters="ѓќѕъщюяыэёйіїєґўäöüßłąęśźżńřěůýáéíóúôľĺŕ",
                 wordlist="wordfreq:sh", wordlist_fold="serbian-latin",
                 word_forms="simplemma:hbs", neighbour_forms=("mk", "sl", "bg")),
        Language("th", "Thai", "ไทย", ("Thai",), "pythainlp-newmm", script_unique=True,
                 wordlist="pythainlp-tnc"),
        Language("vi", "Vietnamese", "Tiếng Việt", ("Latin",), "whitespace-syllables", wordlist="wordfreq:vi"),
    )
}
LANG_CODES: tuple[str, ...] = tuple(LANGUAGES)

ENGLISH = "en"
"""The language models most often fall back to: fidelity counts its words as foreign in every language."""
DETECTOR_FALLBACKS: tuple[str, ...] = (ENGLISH, "zh", "ja", "fr", "de", "es", "it", "pt", "nl", "tr", "ro",
                                       "id", "ms", "lo", "km")
"""Languages outside the evaluation set that a model may answer in, besides each language's neighbours."""


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
