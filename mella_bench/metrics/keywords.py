"""Keyword Accuracy (MELLA's cultural-groundedness metric) and its strict variant.

Per item: the share of its keywords found in the output; corpus value: mean over items (× 100).
Both sides are normalised by the language's tokenizer (NFC, casefold, Serbian folded to Latin, Russian
ё→е, Arabic marks removed) and punctuation becomes a space.

- `keyword_acc_strict`: the normalised keyword is a substring of the normalised output
  (Thai: with all spaces removed on both sides, since Thai spaces separate phrases, not words).
- `keyword_acc`: strict, or — for the inflecting languages cs, hu, ru, sr (`RULES[lang].match ==
  "stem"`) — an inflection-tolerant match: every word of the keyword, in order and on adjacent
  tokens of the output, is a prefix-match of the output token against the keyword word's *stem*.
  stem(w) = w without its last `max_suffix` characters, but never shorter than `min_stem`
  characters (a word of `min_stem` characters or fewer must appear whole at the token start).
  So Praha → "pra" finds "Praze", матрёшка → "матреш" finds "матрёшек", bogrács → "bográ" finds
  "bográcsban". A keyword that is absent matches nothing; a short stem can over-match (documented
  trade-off, bounded by `min_stem`). For th, ko, vi, ar the two variants are the same substring test
  (agglutinated particles and clitics are covered by substring matching).
A keyword that normalises to nothing (pure punctuation) is ignored; an item with no usable keyword is
an input error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from mella_bench.langs import LANGUAGES
from mella_bench.metrics.base import Corpus, MetricInputError, MetricResult
from mella_bench.metrics.tokenize import Tokenizer


@dataclass(frozen=True)
class KeywordRule:
    """How one language's keywords are matched."""

    match: Literal["stem", "substring"]
    max_suffix: int = 0
    min_stem: int = 0
    spaceless: bool = False
    """Compare with all spaces removed (scripts written without word spaces)."""

    def describe(self) -> str:
        if self.match == "stem":
            return f"substring+stem-prefix(suffix<={self.max_suffix},min={self.min_stem})"
        return "substring-nospace" if self.spaceless else "substring"


_STEM = KeywordRule("stem", max_suffix=2, min_stem=3)
RULES: dict[str, KeywordRule] = {
    "ar": KeywordRule("substring"),
    "cs": _STEM,
    "hu": _STEM,
    "ko": KeywordRule("substring"),
    "ru": _STEM,
    "sr": _STEM,
    "th": KeywordRule("substring", spaceless=True),
    "vi": KeywordRule("substring"),
}
assert set(RULES) == set(LANGUAGES), "every language needs a keyword rule"


def stem(word: str, rule: KeywordRule) -> str:
    if len(word) <= rule.min_stem:
        return word
    return word[:max(rule.min_stem, len(word) - rule.max_suffix)]


def _surface(text: str, tok: Tokenizer, rule: KeywordRule) -> str:
    s = tok.surface(text)
    return s.replace(" ", "") if rule.spaceless else s


def found_strict(keyword: str, output: str, tok: Tokenizer, rule: KeywordRule) -> bool:
    kw = _surface(keyword, tok, rule)
    return bool(kw) and kw in _surface(output, tok, rule)


def found_tolerant(keyword: str, output: str, tok: Tokenizer, rule: KeywordRule) -> bool:
    if found_strict(keyword, output, tok, rule):
        return True
    if rule.match != "stem":
        return False
    stems = [stem(w, rule) for w in tok.surface(keyword).split()]
    words = tok.surface(output).split()
    if not stems:
        return False
    return any(all(words[j + i].startswith(s) for i, s in enumerate(stems))
               for j in range(len(words) - len(stems) + 1))


def _usable(keywords: Sequence[str], tok: Tokenizer) -> list[str]:
    return [k for k in keywords if tok.surface(k)]


def _score(corpus: Corpus, metric: str) -> MetricResult:
    if corpus.keywords is None:
        raise MetricInputError(f"{metric} needs keywords for every item")
    tok, rule = corpus.tokenizer, RULES[corpus.lang]
    test = found_tolerant if metric == "keyword_acc" else found_strict
    values = []
    for i, (hyp, kws) in enumerate(zip(corpus.hyps, corpus.keywords)):
        usable = _usable(kws, tok)
        if not usable:
            raise MetricInputError(f"item {i + 1} has no usable keyword (got {list(kws)!r})")
        values.append(100.0 * sum(test(k, hyp, tok, rule) for k in usable) / len(usable))
    match = rule.describe() if metric == "keyword_acc" else ("substring-nospace" if rule.spaceless else "substring")
    fields = {"tok": tok.name, "norm": "nfc+casefold+fold", "match": match, "multiword": "adjacent-in-order",
              "avg": "items"}
    return MetricResult(metric, tuple(values), tuple((v,) for v in values), fields)


def keyword_acc(corpus: Corpus) -> MetricResult:
    """Inflection-tolerant Keyword Accuracy (cs/hu/ru/sr), substring elsewhere."""
    return _score(corpus, "keyword_acc")


def keyword_acc_strict(corpus: Corpus) -> MetricResult:
    """Exact normalised-substring Keyword Accuracy, every language."""
    return _score(corpus, "keyword_acc_strict")
