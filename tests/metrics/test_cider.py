"""CIDEr-D (mella_bench/metrics/cider.py) against pycocoevalcap's Cider fed the same tokens."""

from __future__ import annotations

import pytest
from pycocoevalcap.cider.cider import Cider

from mella_bench.langs import LANG_CODES
from mella_bench.metrics import aggregate
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.cider import cider
from tests.metrics.test_ngram import perturbed
from tests.metrics.texts import SENTENCES


def _corpus(lang: str, with_empty: bool = True) -> Corpus:
    a, b = SENTENCES[lang]
    hyps = [perturbed(a, 1), perturbed(b, 2), a, perturbed(b, 5), perturbed(a, 6)]
    refs = [(a, perturbed(a, 11)), (b,), (a,), (b, perturbed(b, 12), perturbed(b, 13)), (perturbed(a, 14),)]
    if with_empty:
        hyps.append("")
        refs.append((b,))
    return Corpus(lang, tuple(hyps), tuple(refs))


def _coco(corpus: Corpus) -> tuple[float, list[float]]:
    gts = {i: list(r) for i, r in enumerate(corpus.ref_tokens)}
    res = {i: [h] for i, h in enumerate(corpus.hyp_tokens)}
    score, scores = Cider().compute_score(gts, res)
    return float(score), [float(s) for s in scores]


@pytest.mark.parametrize("lang", LANG_CODES)
def test_equals_pycocoevalcap_cider_on_same_tokens(lang):
    corpus = _corpus(lang)
    ours = cider(corpus)
    score, scores = _coco(corpus)
    assert [v / 100 for v in ours.values] == pytest.approx(scores, rel=1e-9, abs=1e-12)
    assert aggregate("cider", ours.stats) / 100 == pytest.approx(score, rel=1e-9)
    assert ours.values[-1] == 0.0
    assert max(ours.values) > 0


def test_document_frequencies_from_the_whole_task_make_subsets_agree_with_the_full_run():
    full = _corpus("cs", with_empty=False)
    full_values = cider(full).values
    part = Corpus("cs", full.hyps[:2], full.refs[:2], df_refs=full.refs)
    assert cider(part).values == pytest.approx(full_values[:2], rel=1e-12)
    assert cider(part).signature_fields["df"] == "task-refs(5)"


def test_identical_hypotheses_score_above_zero_and_are_the_best():
    corpus = Corpus("th", tuple(s for s in SENTENCES["th"]) + (perturbed(SENTENCES["th"][0], 3),),
                    tuple((s,) for s in SENTENCES["th"]) + ((SENTENCES["vi"][0],),))
    values = cider(corpus).values
    assert values[0] > 100 and values[1] > 100 and values[2] == 0.0
