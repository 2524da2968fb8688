"""Language fidelity: did the model answer in the task's language? Per item 100 or 0; mean.

Detector: py3langid (offline, model inside the wheel), restricted to `CANDIDATES` — the eight MELLA
languages, their close neighbours (hr, bs, sl, sk, pl, uk, bg, mk) and the languages models most
often fall back to (en, zh, ja, and major European/Asian ones). Measured on our test sentences
(tests/metrics/texts.py, 18 sentences incl. Serbian in both scripts): all 18 correct with or without
the restriction; on 3-word fragments the restricted set gets 75/79 right, the unrestricted 142-language
model 72/79 (its errors were Occitan, Tatar, Haitian...). The restriction keeps the check that
matters — an English or Chinese answer scores 0 — while removing exotic confusions on short outputs.
Serbian accepts sr, hr, bs (and sh) because Serbian in Latin script is indistinguishable from its
neighbours for every detector we measured; the script (Cyrillic / Latin / mixed) is reported per item
and counted in the summary. An empty output scores 0.

Two rules come before and after the detector, because detectors guess wildly on very short text
(py3langid labels "OK", "No.", "The", "Tea" as Arabic):
1. Script: an answer with fewer than `MIN_OWN_SCRIPT` of its letters in the scripts the language is
   written in (`LANGUAGES[lang].scripts`) is not in the language, whatever the detector says.
2. Close neighbours (`NEIGHBOURS`): Serbian is taken for Macedonian, Bulgarian or Slovene on some
   real sentences (3 of 20 in tests/metrics/data/fidelity_sentences.jsonl). Such a verdict is
   accepted as Serbian when every letter belongs to the Serbian Cyrillic or Latin alphabet (a
   Macedonian ѓ ќ ѕ, a Bulgarian/Russian ъ щ ю я ы or a non-Serbian Latin letter keeps it out).
lingua-language-detector 2.1.1 restricted to the same candidates was measured as an alternative:
89/90 of the same sentences, but 25 s to build and +770 MB memory with its models preloaded, so
py3langid stays.
"""

from __future__ import annotations

import functools
import importlib.metadata
import unicodedata
from collections import Counter

from mella_bench.langs import LANGUAGES
from mella_bench.metrics.base import Corpus, MetricResult

CANDIDATES = ("ar", "cs", "hu", "ko", "ru", "sr", "th", "vi",
              "hr", "bs", "sl", "sk", "pl", "uk", "bg", "mk",
              "en", "zh", "ja", "fr", "de", "es", "it", "pt", "nl", "tr", "ro", "id", "ms", "lo", "km", "fa", "ur")
ACCEPT: dict[str, frozenset[str]] = {"sr": frozenset({"sr", "hr", "bs", "sh"})}
_SCRIPT_OF_INTEREST = {"sr": ("CYRILLIC", "LATIN")}
MIN_OWN_SCRIPT = 0.5
"""Share of an answer's letters that must be in one of its language's scripts."""
NEIGHBOURS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # lang → (detector verdicts that may be this language, the language's full alphabet)
    "sr": (frozenset({"mk", "bg", "sl"}),
           frozenset("абвгдђежзијклљмнњопрстћуфхцчџш") | frozenset("abcčćdđefghijklmnoprsštuvzž")),
}


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


def judge(text: str, lang: str) -> tuple[bool, str]:
    """(is `text` in `lang`, a short note saying why)."""
    share = own_script_share(text, lang)
    if share is None:
        return False, "detected:none"
    if share < MIN_OWN_SCRIPT:
        return False, f"detected:{detect(text)} script:foreign({share:.0%})"
    found = detect(text)
    if found in ACCEPT.get(lang, frozenset({lang})):
        return True, f"detected:{found}"
    neighbours, alphabet = NEIGHBOURS.get(lang, (frozenset(), frozenset()))
    if found in neighbours and all(ch in alphabet for ch in text.casefold() if ch.isalpha()):
        return True, f"detected:{found}->{lang}(alphabet)"
    return False, f"detected:{found}"


@functools.lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    ident.set_languages([c for c in CANDIDATES if c in ident.nb_classes])
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
    accept = ACCEPT.get(corpus.lang, frozenset({corpus.lang}))
    values, notes = [], []
    scripts: Counter[str] = Counter()
    for hyp in corpus.hyps:
        ok, note = judge(hyp, corpus.lang)
        values.append(100.0 if ok else 0.0)
        if corpus.lang in _SCRIPT_OF_INTEREST:
            script = script_of(hyp, _SCRIPT_OF_INTEREST[corpus.lang])
            scripts[script] += 1
            note += f" script:{script}"
        notes.append(note)
    fields = {"detector": detector_name(), "candidates": len(CANDIDATES),
              "accept": "+".join(sorted(accept)), "script": f"own>={MIN_OWN_SCRIPT:g}"}
    if corpus.lang in NEIGHBOURS:
        fields["neighbours"] = "+".join(sorted(NEIGHBOURS[corpus.lang][0])) + "(alphabet)"
    details = {"script": dict(scripts)} if scripts else {}
    return MetricResult("fidelity", tuple(values), tuple((v,) for v in values), fields, tuple(notes), details)
