"""What the harness knows about a language: the `Language` record and its parts (keyword rules, METEOR
settings). Every per-language behaviour is a field here, set in the language's own module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


Axis = Literal["know", "ling"]
AXES: tuple[Axis, ...] = ("know", "ling")


WordUnits = Literal["words", "thai-newmm", "korean-morphemes", "vietnamese-words"]
KindsLexicon = Literal["", "thai-wordnet"]


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
    kinds: KindsLexicon = ""
    """Thai: a word that begins with the keyword's letters and that this wordnet files as a kind of the
    keyword counts in the tolerant match (ปลาทู is a fish, ข้าวของ "belongings" is not rice;
    `metrics/text/kinds.py`)."""
    verb_objects: bool = False
    """Thai, with `kinds`: a unit that is a verb the wordnet knows only as a verb followed by the keyword,
    a noun it knows, names the keyword (newmm keeps some verb–object phrases whole: ขี่ม้า "ride a horse",
    เหวี่ยงแห "cast a net")."""
    compound_split_min_freq: int = 0
    """Thai: also look inside compounds newmm keeps whole when they split into dictionary words seen at
    least this often in the Thai National Corpus (0 = never). With `kinds`, only at the keyword's end,
    for a keyword the wordnet knows as a noun, in a compound it does not know: a compound headed by the
    keyword (ข้าวเหนียว, เรือหางยาว; Thai puts the head first)."""
    keyword_form_stem: bool = False
    """The keyword's own spelling also counts as its stem (hu adat, sr Erdogan: Snowball over-stems
    dictionary forms as if they were inflected); the answer word's stem is compared with it."""
    endings: tuple[str, ...] = ()
    """Noun case endings (after the spelling fold): an answer word that is the keyword's base plus one
    of them matches, where the lemmatiser does not know the word and Snowball cuts it elsewhere
    (sr Pupićem, Kerijem, vatrozaštite; cs Humpolcům). Longest first is not needed: every split is tried."""
    stem_vowels: str = ""
    """A keyword ending in one of these letters has the word without it as its base (vatrozaštit-a)."""
    fleeting_vowel: str = ""
    """The vowel a keyword's last syllable loses when an ending follows (sr jogunac → joguncem,
    cs Humpolec → Humpolcům): the keyword without it is also a base."""
    derivations: str = ""
    """A regular expression for derivational suffixes: an answer word that continues the letters it
    shares with the keyword with one of them is another word, whatever its lemma or stem (cs -ová
    surnames Pasternaková, possessives Zojinou/Borelovými, adjectives humpolecká/laťovkový)."""
    noun_suffixes: bool = False
    """Arabic: an answer word that shares only a stem or a lemma-less reading with the keyword must be
    the keyword's base followed by the suffixes a noun takes (number, dual, pronouns; ة written ت before
    them, ى written ا), or a broken plural simplemma's dictionary leads back to the keyword. A nisba
    adjective (تاريخ → تاريخية, مصر → المصري), the feminine word of a masculine keyword (مكان → مكانة),
    the bare masculine of a feminine one (تبولة → التبول) and suffix chains no noun has are other words."""
    alternations: tuple[tuple[str, str], ...] = ()
    """(final letters of a base, what they become before some endings): the base also takes case endings
    in its alternated form (sr provodadžiluk → provodadžiluci, hrastovnjak → hrastovnjače; cs italistika
    → italistice, Praha → Praze)."""
    keyword_letters_not_suffix: tuple[str, ...] = ()
    """Endings the stemmer strips as suffixes that, ending a keyword, are its own letters: a keyword stem
    that only cuts one of them is not used (Snowball cuts cs ostrov to ostr, as if -ov were possessive,
    and with it ostré); the keyword's forms still match by its base and case endings (ostrově, ostrovy)."""
    other_word_tails: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(the keyword's final letter, '' for a consonant; endings that none of that keyword's own forms
    has): the keyword's base (less that final vowel) plus one of them is another word made from it.
    For a noun these are adjective endings (cs Německo → německou; most → mostový is a `derivations`
    case); for a keyword that declines like an adjective, noun endings and the adverb's -ě (the surname
    Baková is not the town in Bakovům; dosloužení is not doslouženě)."""
    word_start_min: float = 0.0
    """Vietnamese: a keyword of several syllables matches only where the segmenter's CRF gives at least
    this probability that a word starts at its first syllable and at the syllable after its last (0:
    it starts or ends on a boundary of the single best segmentation). Chosen on the dev sets (0.1)."""
    capitals: bool = False
    """Vietnamese: capitals mark names. A keyword of several syllables, each capitalised (Hạ Long), is
    found only where each is capitalised; a one-syllable keyword that the segmenter joins to a
    capitalised name after it heads that name (hội Lim, tranh Đông Hồ, Tết Nguyên Đán), unless it is a
    capital the keyword lacks (Hội An is not a hội)."""
    unlisted_joins: bool = False
    """Vietnamese: a one-syllable keyword that the segmenter joins into a word that underthesea's Viet74K
    dictionary does not list is a word of its own there: the CRF joins phrases that often stand together
    (đình làng, sân đình, ngôi đình), while the words the dictionary lists stay whole (gia đình, cầu thủ).
    Not in a join holding a capitalised syllable after a sentence's first (a name: Đan Mạch)."""
    compound_kinds: str = ""
    """Thai and Vietnamese: a table written for the project (a file in `mella_bench/langs/data`, lines
    `head<TAB>compound<TAB>kind|other`) of dictionary compounds that begin with a concrete noun, each a
    kind of that noun's thing or another thing. Vietnamese: a one-syllable keyword that opens a compound
    listed as a kind is found there (chiếc đèn lồng, cá chép), whatever the segmenter joined; `other` is
    not used (Viet74K lists free phrases too: nhà có). Thai: a unit that begins with the keyword is found
    when the table lists it as a kind (ขนมครก) and not when it lists it as another thing (ส้มตำ), before
    the wordnet and the split are asked."""
    stem_dictionary: str = ""
    """A Hunspell dictionary (`hu_HU`) whose stems veto a tolerant match: when it knows both the keyword
    word and the answer word, and no stem of the answer word is the keyword or one of the keyword's
    stems, the two are other words that Snowball or the lemmatiser only spell alike (hu egerek → egér
    "mouse", not the town Eger; térdig → térd "knee", not tér; színei → szín, not szint). A dictionary
    that is not installed turns the veto off, and the signature says so."""


LANGUAGE_INDEPENDENT_METEOR = (0.75, 1.4, 0.7, 0.5)
"""The METEOR 1.5 jar's alpha, beta, gamma, delta for `-l other` (what it prints for that setting)."""


@dataclass(frozen=True)
class MeteorRules:
    """How the METEOR 1.5 jar is run for a language (`metrics/meteor.py`); the default, exact matching with
    the jar's language-independent parameters, suits any language the jar has no resources for."""

    jar_lang: str = "other"
    """`-l` value: the jar knows `cz`, `hu`, `ru` (and English, never used here); `other` otherwise."""
    modules: tuple[str, ...] = ("exact",)
    """Matching modules (`-m`): `stem` only where the jar has a Snowball stemmer for the language."""
    weights: tuple[float, ...] = (1.0,)
    """One weight per module (`-w`)."""
    params: tuple[float, float, float, float] = LANGUAGE_INDEPENDENT_METEOR
    """alpha, beta, gamma, delta (`-p`): the jar's defaults for `jar_lang`."""
    function_words: str | None = None
    """Function-word list inside the jar (`function/<name>.words`); None = an empty list."""


@dataclass(frozen=True)
class SpellingDictionary:
    """One Hunspell dictionary a language's words are checked against (`metrics/text/spelling.py`)."""

    name: str
    """File stem under the Hunspell directory: `ru_RU` for ru_RU.aff and ru_RU.dic."""
    script: str
    """The script the dictionary is written in. Words in another script are not looked up: several
    dictionaries are in 8-bit encodings, and one accepts any word it cannot encode (sl_SI took
    Калемегдан)."""
    package: str
    """Where it comes from: a Debian package, or `npm:NAME@VERSION` for one Debian lacks (both installed
    by `tools/install-hunspell.sh`)."""


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
    token_fold: Literal["", "lat", "yo"] = ""
    """Character fold of metric tokens and keyword words after casefolding (`metrics/text/orthography.py`
    `CHAR_FOLDS`; the name appears in tokenizer names): `lat` Serbian Cyrillic → Latin (chrF++ gets it
    case-preserving too), `yo` Russian ё → е."""
    spelling_fold: Literal["", "arnorm", "vinorm"] = ""
    """Variant-spelling fold of metric tokens and chrF++ text (`orthography.SPELLING_FOLDS`): `arnorm`
    Arabic harakat, alef, ى/ي, ة/ه; `vinorm` Vietnamese tone placement and i/y."""
    meteor: MeteorRules = MeteorRules()
    """How METEOR's jar runs for the language."""
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
    neighbour_endings: str = ""
    """A regular expression for word endings only a neighbour writes (Kazakh possessive and plural
    -сы/-сі, -лары/-дары/-тары: Гватемала Республикасы; Macedonian and Bulgarian postfixed articles
    -ите/-ата/-ото, -ът/-ят): a word that ends so and that neither the language's word list nor its
    dictionary of forms holds counts like a word with a `neighbour_letters` letter."""
    script_unique: bool = False
    """No other language the detector considers is written in this script (Hangul, Thai): text in it
    is in the language whatever its length, so fidelity does not ask the detector."""
    wordlist: str = ""
    """The word-frequency list of the language's words (`metrics/text/lexicon.py`): `wordfreq:CODE` or
    `pythainlp-tnc`. Fidelity checks short answers against it; `data validate` flags common keywords."""
    wordlist_fold: str = ""
    """How a word is spelt before the list is consulted: `serbian-latin` (the list is Latin-only),
    `arabic-marks` (harakat and tatweel removed), or nothing."""
    neighbour_forms: tuple[str, ...] = ()
    """Neighbours whose simplemma dictionary of inflected forms also counts against the language in
    fidelity's word vote (a form only that dictionary knows, which neither the language's own simplemma
    dictionary, `keywords.lemma_lang`, nor its largest word list holds, is the neighbour's: Macedonian
    датотеката, Slovene funkcij).
    Serbian uses it: its word list (wordfreq's Latin Serbo-Croatian, Zipf >= 3) lacks most such forms.
    Czech does not: measured, it took real Czech forms (vozič, klobučník) for Slovak."""
    short_keyword_chars: int = 2
    """A one-word keyword of at most this many characters (after normalisation) is very short and
    `data validate` warns (hu tó lake); Korean writes a whole syllable per character, so only 1 (절)."""
