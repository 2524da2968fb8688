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
"""

from __future__ import annotations

import functools
import importlib.metadata
import unicodedata
from collections import Counter

from mella_bench.metrics.base import Corpus, MetricResult

CANDIDATES = ("ar", "cs", "hu", "ko", "ru", "sr", "th", "vi",
              "hr", "bs", "sl", "sk", "pl", "uk", "bg", "mk",
              "en", "zh", "ja", "fr", "de", "es", "it", "pt", "nl", "tr", "ro", "id", "ms", "lo", "km", "fa", "ur")
ACCEPT: dict[str, frozenset[str]] = {"sr": frozenset({"sr", "hr", "bs", "sh"})}
_SCRIPT_OF_INTEREST = {"sr": ("CYRILLIC", "LATIN")}


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
        lang = detect(hyp)
        values.append(100.0 if lang in accept else 0.0)
        note = f"detected:{lang or 'none'}"
        if corpus.lang in _SCRIPT_OF_INTEREST:
            script = script_of(hyp, _SCRIPT_OF_INTEREST[corpus.lang])
            scripts[script] += 1
            note += f" script:{script}"
        notes.append(note)
    fields = {"detector": detector_name(), "candidates": len(CANDIDATES),
              "accept": "+".join(sorted(accept))}
    details = {"script": dict(scripts)} if scripts else {}
    return MetricResult("fidelity", tuple(values), tuple((v,) for v in values), fields, tuple(notes), details)
