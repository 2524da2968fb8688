"""Keyword Accuracy (MELLA's cultural-groundedness metric) and its strict variant.

Per item: the share of its keywords found in the output; corpus value: mean over items (× 100).
Matching is on words, never on substrings (`wordmatch.py`): a keyword is found when its word
sequence occurs on consecutive words of the output, within one clause, after the language's
normalisation (NFC, casefold, Serbian → Latin, ё → е, Arabic and Vietnamese spelling folds). Thai
words are pythainlp newmm units, Korean words kiwipiepy content morphemes (so particles such as
경복궁**에서** come off, and 토마토 is not in the compound 토마토케첩) and Vietnamese words underthesea's
(so cầu is not in cầu thủ).

- `keyword_acc_strict`: every keyword word equals an output word (Arabic: up to attached
  proclitics و ف ب ك ل ال).
- `keyword_acc`: strict, or every keyword word shares a lemma or stem with the output word, per
  language (`langs.KeywordRules`: pymorphy3 for Russian, simplemma + Snowball for Czech, Hungarian,
  Serbian and Arabic); the keyword is read as the dictionary form it is, and a word made from it
  (cs německou, hu játékosság, ar nisba تاريخية or the other gender مكانة) is another word; an Arabic
  word must be the keyword's base plus noun suffixes or one of its broken plurals. Korean and
  Vietnamese: same as strict; Thai also accepts a unit that begins with the keyword and names a kind
  of it (ปลาทู for ปลา; WordNet, `text/kinds.py`).
A keyword without any word (pure punctuation) is ignored; an item with no usable keyword is an
input error. Recall and false-positive rate per language on a labelled set are in
docs/metrics-keywords.md (computed by tests/metrics/test_keyword_labelled.py).
"""

from __future__ import annotations

from mella_bench.metrics.base import Corpus, MetricInputError, MetricResult
from mella_bench.metrics.text.wordmatch import (KeywordMatch, match_keywords, morphology_signature, multiword_signature,
                                           prefetch, rules, segmenter_signature, usable)

__all__ = ["keyword_acc", "keyword_acc_strict", "match_keywords", "prefetch", "KeywordMatch"]


def _score(corpus: Corpus, metric: str) -> MetricResult:
    if corpus.keywords is None:
        raise MetricInputError(f"{metric} needs keywords for every item")
    lang, tolerant = corpus.lang, metric == "keyword_acc"
    values = []
    if tolerant:
        prefetch(lang, corpus.hyps, (k for kws in corpus.keywords for k in kws))
    for i, (hyp, kws) in enumerate(zip(corpus.hyps, corpus.keywords)):
        good = [k for k in kws if usable(lang, k)]
        if not good:
            raise MetricInputError(f"item {i + 1} has no usable keyword (got {list(kws)!r})")
        found = sum(m.found for m in match_keywords(lang, hyp, good, tolerant=tolerant))
        values.append(100.0 * found / len(good))
    fields = {"tok": corpus.tokenizer.name, "words": segmenter_signature(lang), "norm": "nfc+casefold+fold"}
    if tolerant:
        fields.update(morphology_signature(lang))
        fields["match"] = "words+morph"
    else:
        fields["match"] = "words-exact+proclitics" if rules(lang).proclitics else "words-exact"
    fields.update({"multiword": multiword_signature(), "avg": "items"})
    return MetricResult(metric, tuple(values), tuple((v,) for v in values), fields)


def keyword_acc(corpus: Corpus) -> MetricResult:
    """Inflection-tolerant Keyword Accuracy: word match up to lemma/stem (see module docstring)."""
    return _score(corpus, "keyword_acc")


def keyword_acc_strict(corpus: Corpus) -> MetricResult:
    """Exact normalised word-sequence Keyword Accuracy, every language."""
    return _score(corpus, "keyword_acc_strict")
