"""The eight MELLA languages as data: every per-language behaviour is looked up here, never coded per language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Axis = Literal["know", "ling"]
AXES: tuple[Axis, ...] = ("know", "ling")


WordUnits = Literal["words", "thai-newmm", "korean-morphemes", "vietnamese-words"]


@dataclass(frozen=True)
class KeywordRules:
    """How Keyword Accuracy finds a keyword in an answer of this language (docs/metrics-keywords.md)."""

    units: WordUnits = "words"
    """Word units: letters between separators; Thai newmm words; Korean kiwipiepy morphemes; Vietnamese
    syllables grouped into words by underthesea (a keyword must start and end on a word boundary)."""
    lemmatizer: Literal["", "pymorphy3", "simplemma"] = ""
    lemma_lang: str = ""
    """The lemmatiser's language code (simplemma: Serbian is `hbs`; pymorphy3: `ru`)."""
    stemmer: str = ""
    """Snowball algorithm name for the tolerant match ('' = no stemmer)."""
    stem_rule: Literal["", "hungarian-vowels", "arabic-light"] = ""
    """Extra stem keys: Hungarian vowel length and v-stems; Arabic proclitic readings and ta marbuta."""
    proclitics: bool = False
    """Arabic: an answer word may carry attached proclitics (و ف, ب ك ل, ال) even in the strict match."""
    keep_final_alef_maqsura: bool = False
    """Arabic: a word-final ى stays distinct from ي in keyword matching (the spelling fold of the n-gram
    metrics merges them, and with them مبنى "building" and مبني "built")."""
    proper_noun_parses: bool = False
    """pymorphy3: a capitalised keyword is read only by its proper-noun parses when it has any."""
    compound_split_min_freq: int = 0
    """Thai: also look inside compounds newmm keeps whole when they split into dictionary words seen at
    least this often in the Thai National Corpus (0 = never)."""
    keyword_form_stem: bool = False
    """The keyword's own spelling also counts as its stem (hu adat, sr Erdogan: Snowball over-stems
    dictionary forms as if they were inflected); the answer word's stem is compared with it."""


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
    keywords: KeywordRules = KeywordRules()
    """Keyword Accuracy's word units and morphology."""


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("ar", "Arabic", "العربية", ("Arabic",), "unicode-words", rtl=True,
                 keywords=KeywordRules(lemmatizer="simplemma", lemma_lang="ar", stemmer="arabic",
                                       stem_rule="arabic-light", proclitics=True,
                                       keep_final_alef_maqsura=True)),
        Language("cs", "Czech", "čeština", ("Latin",), "unicode-words",
                 keywords=KeywordRules(lemmatizer="simplemma", lemma_lang="cs", stemmer="czech")),
        Language("hu", "Hungarian", "magyar", ("Latin",), "unicode-words",
                 keywords=KeywordRules(lemmatizer="simplemma", lemma_lang="hu", stemmer="hungarian",
                                       stem_rule="hungarian-vowels", keyword_form_stem=True)),
        Language("ko", "Korean", "한국어", ("Hangul",), "whitespace-eojeol",
                 keywords=KeywordRules(units="korean-morphemes")),
        Language("ru", "Russian", "русский", ("Cyrillic",), "unicode-words",
                 keywords=KeywordRules(lemmatizer="pymorphy3", lemma_lang="ru", proper_noun_parses=True)),
        Language("sr", "Serbian", "српски / srpski", ("Cyrillic", "Latin"), "fold-cyrillic-to-latin",
                 keywords=KeywordRules(lemmatizer="simplemma", lemma_lang="hbs", stemmer="serbian",
                                       keyword_form_stem=True)),
        Language("th", "Thai", "ไทย", ("Thai",), "pythainlp-newmm", keywords=KeywordRules(units="thai-newmm")),
        Language("vi", "Vietnamese", "Tiếng Việt", ("Latin",), "whitespace-syllables",
                 keywords=KeywordRules(units="vietnamese-words")),
    )
}
LANG_CODES: tuple[str, ...] = tuple(LANGUAGES)


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
