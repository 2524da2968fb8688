"""Language fidelity: did the model answer in the task's language? Per item 100 or 0; mean.

Each answer goes through these steps (docs/metrics.md, "Language fidelity"); every per-language
choice is a field of the language's entry in `mella_bench.langs`:
1. Words and scripts. A word is foreign when most of its letters are outside the language's scripts
   (`Language.scripts`), or, in a language written in Latin script, when it is an English word
   (`lexicon.py`: 10 times as common in English as in the language; one 10 times as common in the
   language is the language's, and one between the two counts for neither). An answer whose foreign words
   hold at least half of its letters (`MIN_OWN_SCRIPT`) is not in the language: a half-English answer
   is judged the same way in every language, by the share of its letters in English words.
2. Neighbour letters: a word with a letter the language never writes but a neighbour does
   (`Language.neighbour_letters`: Belarusian ў, Kazakh қ, Macedonian ќ, Bulgarian ъ ...) is the
   neighbour's; `ALIEN_WORDS` of them reject the answer.
3. A language whose script no other candidate writes (`Language.script_unique`: Korean, Thai) is
   accepted here, at any length: the detector has nothing to tell apart and guesses on short text
   (py3langid labelled 떡 as Arabic).
4. Short answers (at most `SHORT_WORDS` words of the language's script) are judged by words, not by
   the detector, which misreads them (ru "Да.", hu "Igen.", cs "Ano."): accepted unless more of
   their words belong to a neighbour (`Language.neighbours`, by its word list, and for the
   neighbours in `Language.neighbour_forms` by its dictionary of inflected forms) than to the
   language itself; a word both lists hold belongs to the side where it is `SHARED_MARGIN` more
   common (Slovene že, Serbian u), else to neither. Where the neighbour has a Hunspell dictionary
   (`langs.SPELLING_DICTIONARIES`, `metrics/text/spelling.py`), a word no list holds that only it
   spells is the neighbour's (Belarusian Гандурас), and a word of the language's list that it also
   spells belongs to neither (Кувейт).
5. Longer answers: py3langid restricted to `CANDIDATES` (the eight languages, the verdicts each
   accepts, their neighbours, and the languages models fall back to). Accepted when the verdict is the
   language or one of `Language.accepted_as` (Serbian: hr, bs, sh; Serbian in Latin script is
   indistinguishable from them), or a neighbour whose word vote the language wins (real Serbian is
   taken for Macedonian or Slovene on some sentences), and in both cases only if no neighbour wins
   the word vote (Slovene detected as Croatian is still Slovene).
An answer without letters scores 0. The script (Cyrillic / Latin / mixed) of Serbian answers is
reported per item and counted in the summary.

Measured on evaluation sets nobody tuned on (tests/metrics/fidelity_sets.py, numbers in
docs/metrics.md): short correct answers, half-English answers and real Belarusian, Kazakh, Ukrainian,
Macedonian, Slovene and Bulgarian text. lingua-language-detector 2.1.1 was measured as an alternative
detector: 89/90 of the real sentences, but 25 s to build and +770 MB memory, so py3langid stays.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

import regex

from mella_bench.langs import DETECTOR_FALLBACKS, ENGLISH, LANGUAGES, SPELLING_DICTIONARIES, Language
from mella_bench.metrics.base import Corpus, MetricResult
from mella_bench.metrics.text.lexicon import (WORD_MIN_ZIPF, forms_name, has_wordlist, is_form, is_word, lexicon_name,
                                         rare_zipf, zipf)
from mella_bench.metrics.text import spelling
from mella_bench.metrics.text.wordmatch import dictionary_name, dictionary_status


def _candidates() -> tuple[str, ...]:
    codes = [*LANGUAGES]
    for lang in LANGUAGES.values():
        codes += [*lang.accepted_as, *lang.neighbours]
    codes += DETECTOR_FALLBACKS
    return tuple(dict.fromkeys(codes))


CANDIDATES: tuple[str, ...] = _candidates()
MIN_OWN_SCRIPT = 0.5
"""Share of an answer's letters that must be in words of the language's own scripts (not English)."""
SHORT_WORDS = 4
"""Answers of at most this many words of the language's script are judged by words, not the detector."""
ALIEN_WORDS = 0.2
"""Share of an answer's words holding a neighbour's letter that rejects it (a Russian caption quoting a
Ukrainian sign stays Russian; one such word in a short answer is enough)."""
ENGLISH_MARGIN = 1.0
"""A Latin-script word is English when its Zipf frequency in English exceeds its frequency in the
language by this much (10 times as common; the language's list stops at Zipf 3, so a word it lacks
must be common in English, Zipf >= 4: rarer ones are mostly names, spelt alike in both), and the
language's own when the language leads by as much; between the two it is shared."""
NEIGHBOUR_MARGIN = 1.0
RARE_FLOOR = 2.0
"""A neighbour's word must be 10 times as common there as in the language (a word the language's
largest list lacks is taken as Zipf 2)."""
SHARED_MARGIN = 2.0
"""A word both lists hold votes for the side where it is 100 times as common: Slovene že, v, ki (Zipf
6.6, 7.5, 7.1 in Slovene; 3.6, 5.4, 4.0 in the Serbo-Croatian list, which has some Slovene text), Serbian
u, kao (7.6, 6.7 against 4.9, 3.4). Without it "Operacija je že v teku" had no word for either side."""
_WORD = regex.compile(r"[\p{L}\p{M}]+")
_SCRIPT_OF_INTEREST = {lang.code: tuple(s.upper() for s in lang.scripts)
                       for lang in LANGUAGES.values() if len(lang.scripts) > 1}


def accepted_verdicts(lang: str) -> frozenset[str]:
    return frozenset({lang, *LANGUAGES[lang].accepted_as})


def own_script_share(text: str, lang: str) -> float | None:
    """Share of the letters of `text` written in one of `lang`'s scripts (None: no letters)."""
    prefixes = tuple(s.upper() for s in LANGUAGES[lang].scripts)
    letters = own = 0
    for ch, n in Counter(text).items():  # each distinct character once: answers repeat a small alphabet
        if ch.isalpha():
            letters += n
            own += n if _in_scripts(ch, prefixes) else 0
    if not letters:
        return None
    return own / letters


@functools.lru_cache(maxsize=65536)
def _in_scripts(ch: str, prefixes: tuple[str, ...]) -> bool:
    return unicodedata.name(ch, "").startswith(prefixes)


@dataclass(frozen=True)
class Words:
    """An answer's words, sorted into the language's own and foreign ones."""

    own: tuple[str, ...]
    """Words of the language's scripts that are not English (shared ones included)."""
    foreign: tuple[str, ...]
    """Words mostly in other scripts, and English words in a Latin-script language."""
    english: tuple[str, ...]
    """The foreign words that are foreign only because they are English."""
    shared: tuple[str, ...] = ()
    """Own words about as common in English (within `ENGLISH_MARGIN`: hotel, park, to): they count for
    neither side."""

    @property
    def own_share(self) -> float:
        """Share of the letters of own words (shared ones left out) among own and foreign letters."""
        own = sum(_letters(w) for w in self.own) - sum(_letters(w) for w in self.shared)
        total = own + sum(_letters(w) for w in self.foreign)
        return own / total if total else 1.0


def _letters(word: str) -> int:
    return sum(ch.isalpha() for ch in word)


def words_of(text: str, lang: str) -> Words:
    """Sort the words of `text` by step 1 of the module docstring."""
    prefixes = tuple(s.upper() for s in LANGUAGES[lang].scripts)
    latin = "LATIN" in prefixes
    own: list[str] = []
    foreign: list[str] = []
    english: list[str] = []
    shared: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFC", text)):
        letters = [ch for ch in word if ch.isalpha()]
        if not letters:
            continue
        in_script = sum(_in_scripts(ch, prefixes) for ch in letters)
        kind = "foreign" if in_script * 2 < len(letters) else _english_kind(word, lang) if latin else "own"
        if kind == "english":
            english.append(word)
        (own if kind in ("own", "shared") else foreign).append(word)
        if kind == "shared":
            shared.append(word)
    return Words(tuple(own), tuple(foreign), tuple(english), tuple(shared))


def _english_kind(word: str, lang: str) -> str:
    """`english` (at least `ENGLISH_MARGIN` more common in English), `own` (not an English word, or at
    least `ENGLISH_MARGIN` more common in `lang`: Serbian je, da) or `shared` (about as common in both),
    for a word of a Latin-script language. The margin works both ways: with it one way only, "Da, to je
    most." had three shared words and one English one (most, "bridge") and was judged English."""
    if not all(_in_scripts(ch, ("LATIN",)) for ch in word if ch.isalpha()):
        return "own"
    in_english, in_lang = zipf(ENGLISH, word), zipf(lang, word)
    if in_english - max(in_lang, WORD_MIN_ZIPF) >= ENGLISH_MARGIN:
        return "english"
    if in_english < WORD_MIN_ZIPF or in_lang - in_english >= ENGLISH_MARGIN:
        return "own"
    return "shared"


def _neighbour_ending(word: str, language: Language) -> str:
    """The `Language.neighbour_endings` ending of a word the language does not know, else ''."""
    if not language.neighbour_endings:
        return ""
    m = regex.search(language.neighbour_endings, word.casefold())  # regex caches the compiled pattern
    if not m or is_word(language.code, word) or is_form(language.code, word):
        return ""
    return m.group(0)


def _alien(words: tuple[str, ...], language: Language) -> str:
    """The neighbour letters and `-ending`s found in `words`, e.g. "йщ" or "-сы" (empty when few enough
    words hold one)."""
    letters = {w: "".join(ch for ch in w.casefold() if ch in language.neighbour_letters) for w in words}
    endings = {w: _neighbour_ending(w, language) for w in words if not letters[w]}
    marked = [w for w in words if letters[w] or endings.get(w)]
    if len(marked) < max(1.0, ALIEN_WORDS * len(words)):
        return ""
    found = ["".join(sorted({ch for w in marked for ch in letters[w]}))]
    found += sorted({f"-{e}" for w in marked if (e := endings.get(w))})
    return " ".join(x for x in found if x)


def alien_name(language: Language) -> str:
    """For signatures: which neighbour marks step 2 reads and a hash of them (`letters+endings@1a2b3c4d`), so
    that editing a profile's `neighbour_letters` or `neighbour_endings` changes the signature too."""
    kinds = "letters+endings" if language.neighbour_endings else "letters"
    data = f"{language.neighbour_letters}\0{language.neighbour_endings}".encode()
    return f"{kinds}@{hashlib.sha256(data).hexdigest()[:8]}"


def word_vote(words: tuple[str, ...], lang: str, neighbour: str, *, short: bool = False) -> tuple[int, int]:
    """(words of `lang`, words of `neighbour`) by their word lists. A word both lists hold is the side's
    where it is `SHARED_MARGIN` more common, else neither's. A word only the language's list holds is
    the language's; in a `short` answer, where no detector weighs the rest, it is neither's when the
    neighbour's spelling dictionary also accepts it (Кувейт is Belarusian too). A word only the
    neighbour's list holds is the neighbour's if it is `NEIGHBOUR_MARGIN` more common there than in the
    language's largest list (فلافل is in the Persian list and, rarer, in the Arabic one). A word neither
    list holds is the neighbour's when only the neighbour knows it (`_only_neighbours`)."""
    forms = neighbour in LANGUAGES[lang].neighbour_forms
    ours = theirs = 0
    for w in words:
        mine, its = is_word(lang, w), is_word(neighbour, w)
        if mine and its:
            lead = zipf(lang, w) - zipf(neighbour, w)
            ours += lead >= SHARED_MARGIN
            theirs += -lead >= SHARED_MARGIN
        elif mine:
            ours += not (short and spelling.spells(neighbour, w))
        elif its:
            theirs += zipf(neighbour, w) - max(rare_zipf(lang, w), RARE_FLOOR) >= NEIGHBOUR_MARGIN
        else:
            theirs += _only_neighbours(w, lang, neighbour, forms)
    return ours, theirs


def _knows(lang: str, word: str) -> bool:
    """The language's largest word list, its dictionaries of forms or its spelling dictionary hold `word`."""
    return bool(rare_zipf(lang, word) or is_form(lang, word) or dictionary_status(lang, word) == "known"
                or spelling.spells(lang, word))


def _only_neighbours(word: str, lang: str, neighbour: str, forms: bool) -> bool:
    """The neighbour knows `word` (its dictionary of inflected forms, where `forms`, or its spelling
    dictionary holds it) and the language does not (not its largest word list, its dictionaries of forms
    or its spelling dictionary): Macedonian датотеката "the file" (Serbian has only datoteka),
    Belarusian Гандурас (Russian Гондурас)."""
    if not ((forms and is_form(neighbour, word)) or spelling.spells(neighbour, word)):
        return False
    return not _knows(lang, word)


def _losing_to(words: tuple[str, ...], lang: str) -> str | None:
    """The first neighbour with more words of its own in `words` than `lang` has."""
    for n in LANGUAGES[lang].neighbours:
        ours, theirs = word_vote(words, lang, n, short=len(words) <= SHORT_WORDS)
        if theirs > ours:
            return f"{n} {theirs}>{ours}"
    return None


def judge(text: str, lang: str) -> tuple[bool, str]:
    """(is `text` in `lang`, a short note saying why)."""
    language = LANGUAGES[lang]
    words = words_of(text, lang)
    if not words.own and not words.foreign:
        return False, "detected:none"
    share = words.own_share
    if share < MIN_OWN_SCRIPT:
        why = f"english({1 - share:.0%})" if words.english else f"script:foreign({share:.0%})"
        return False, f"detected:{detect(text)} {why}"
    alien = _alien(words.own, language)
    if alien:
        return False, f"letters:{alien}"
    if language.script_unique:
        return True, f"script:{language.scripts[0]}"
    losing = _losing_to(words.own, lang)
    if len(words.own) <= SHORT_WORDS:
        return (False, f"short words:{losing}") if losing else (True, f"short({len(words.own)} words)")
    found = detect(" ".join(words.own) if words.foreign else text)
    if found in accepted_verdicts(lang):
        return (False, f"detected:{found} words:{losing}") if losing else (True, f"detected:{found}")
    if found in language.neighbours and not losing and has_wordlist(found):
        ours, theirs = word_vote(words.own, lang, found)
        if theirs == 0:
            return True, f"detected:{found}->{lang}(words {ours}>{theirs})"
    return False, f"detected:{found}"


def prefetch(texts: Iterable[str], lang: str) -> None:
    """Ask the spelling dictionaries of `lang` and its neighbours about every word of `texts` at once:
    one call of the hunspell binary per dictionary instead of one per new word, for judging many texts."""
    codes = [c for c in (lang, *LANGUAGES[lang].neighbours) if c in SPELLING_DICTIONARIES]
    if codes:
        words = {w for t in texts for w in words_of(t, lang).own}
        for code in codes:
            spelling.prefetch(code, words)


@functools.lru_cache(maxsize=1)
def _identifier(candidates: tuple[str, ...] = CANDIDATES):  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    ident.set_languages([c for c in candidates if c in ident.nb_classes])
    return ident


def detector_name() -> str:
    return f"py3langid{importlib.metadata.version('py3langid')}"


def detect(text: str) -> str | None:
    """Detected language code, or None for text without letters."""
    if not any(ch.isalpha() for ch in text):
        return None
    return str(_identifier().classify(text)[0])


def script_of(text: str, scripts: tuple[str, ...] = ("CYRILLIC", "LATIN")) -> str:
    """`Cyrillic`, `Latin`, `mixed` (minority > 10 % of letters) or `none`."""
    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            for s in scripts:
                if name.startswith(s):
                    counts[s] += 1
    total = sum(counts.values())
    if not total:
        return "none"
    top, n = counts.most_common(1)[0]
    return "mixed" if (total - n) / total > 0.1 else top.capitalize()


def fidelity(corpus: Corpus) -> MetricResult:
    accept = accepted_verdicts(corpus.lang)
    values, notes = [], []
    scripts: Counter[str] = Counter()
    prefetch(corpus.hyps, corpus.lang)
    for hyp in corpus.hyps:
        ok, note = judge(hyp, corpus.lang)
        values.append(100.0 if ok else 0.0)
        if corpus.lang in _SCRIPT_OF_INTEREST:
            script = script_of(hyp, _SCRIPT_OF_INTEREST[corpus.lang])
            scripts[script] += 1
            note += f" script:{script}"
        notes.append(note)
    language = LANGUAGES[corpus.lang]
    fields = {"detector": detector_name(), "candidates": len(CANDIDATES),
              "accept": "+".join(sorted(accept)), "script": f"own>={MIN_OWN_SCRIPT:g}"}
    if "Latin" in language.scripts:
        fields["english"] = f"{10 ** ENGLISH_MARGIN:g}x-both-ways"
    if language.neighbours:
        fields["neighbours"] = "+".join(sorted(language.neighbours))
        fields["alien"] = alien_name(language)
        fields["vote"] = f"only>={10 ** NEIGHBOUR_MARGIN:g}x+both>={10 ** SHARED_MARGIN:g}x"
    fields["short"] = "script" if language.script_unique else f"<={SHORT_WORDS}words"
    fields["words"] = lexicon_name()
    if language.neighbour_forms:
        fields["forms"] = f"{forms_name()}:" + "+".join(language.neighbour_forms)
    if any(c in SPELLING_DICTIONARIES for c in (corpus.lang, *language.neighbours)):
        fields["own"] = dictionary_name(corpus.lang)
        fields["spell"] = spelling.spelling_name((corpus.lang, *language.neighbours))
    details = {"script": dict(scripts)} if scripts else {}
    return MetricResult("fidelity", tuple(values), tuple((v,) for v in values), fields, tuple(notes), details)
