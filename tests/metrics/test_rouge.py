"""ROUGE-L (mella_bench/metrics/rouge.py) against pycocoevalcap's Rouge fed the same tokens."""

from __future__ import annotations

import random

import pytest
from pycocoevalcap.rouge.rouge import Rouge, my_lcs

from mella_bench.langs import LANG_CODES
from mella_bench.metrics import aggregate
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.rouge import lcs_length, rouge_l
from tests.metrics.test_ngram import perturbed
from tests.metrics.texts import SENTENCES


def test_bit_parallel_lcs_equals_the_toolkit_dynamic_programme():
    rng = random.Random(0)
    for _ in range(300):
        a = [rng.choice("abcde") for _ in range(rng.randrange(0, 40))]
        b = [rng.choice("abcdef") for _ in range(rng.randrange(0, 40))]
        assert lcs_length(a, b) == my_lcs(a, b)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_identical_hypothesis_scores_100(lang):
    corpus = Corpus(lang, SENTENCES[lang], tuple((s,) for s in SENTENCES[lang]))
    result = rouge_l(corpus)
    assert result.values == (pytest.approx(100.0), pytest.approx(100.0))
    assert aggregate("rouge_l", result.stats) == pytest.approx(100.0)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_equals_pycocoevalcap_rouge_on_same_tokens(lang):
    a, b = SENTENCES[lang]
    hyps = (perturbed(a, 1), perturbed(b, 2), perturbed(a, 3), "")
    refs = ((a, b), (b,), (perturbed(a, 9), a), (a,))
    corpus = Corpus(lang, hyps, refs)
    ours = rouge_l(corpus)
    gts = {i: list(r) for i, r in enumerate(corpus.ref_tokens)}
    res = {i: [h] for i, h in enumerate(corpus.hyp_tokens)}
    score, scores = Rouge().compute_score(gts, res)
    assert [v / 100 for v in ours.values] == pytest.approx(list(scores), abs=1e-12)
    assert aggregate("rouge_l", ours.stats) / 100 == pytest.approx(score, abs=1e-12)
    assert ours.values[3] == 0.0  # an empty hypothesis scores 0
