"""Bootstrap CIs and paired tests (mella_bench/stats.py) checked against sacrebleu's real scorers."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from sacrebleu.metrics import BLEU, CHRF

from mella_bench import stats as S

WORDS = ("phở bò Hà Nội với hành và rau thơm bát canh thịt nước dùng bánh mì chợ nổi sông "
         "áo dài nón lá đền chùa phố cổ lồng đèn").split()


def corpus(n: int = 30, noise: float = 0.4, seed: int = 1) -> tuple[list[str], list[str]]:
    """n references and hypotheses that keep each reference word with probability 1 - noise."""
    rng = random.Random(seed)
    refs, hyps = [], []
    for _ in range(n):
        ref = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
        hyp = [w if rng.random() > noise else rng.choice(WORDS) for w in ref]
        refs.append(" ".join(ref))
        hyps.append(" ".join(hyp))
    return hyps, refs


def sacrebleu_aggregate(metric):
    """Aggregate over stats rows = sacrebleu's own corpus computation from summed segment statistics."""
    def agg(rows: np.ndarray) -> float:
        return float(metric._compute_score_from_stats(rows.sum(axis=0)).score)
    return agg


def segment_stats(metric, hyps, refs) -> np.ndarray:
    return np.array(metric._extract_corpus_statistics(hyps, [refs]), dtype=float)


@pytest.mark.parametrize("make", [lambda: BLEU(tokenize="none"), lambda: CHRF(word_order=2)], ids=["bleu", "chrf++"])
def test_ci_equals_brute_force_rescoring_with_the_real_scorer(make):
    hyps, refs = corpus()
    metric = make()
    st = segment_stats(metric, hyps, refs)
    agg = sacrebleu_aggregate(metric)
    # the full-set value is sacrebleu's corpus score
    assert agg(st) == pytest.approx(make().corpus_score(hyps, [refs]).score, abs=1e-9)
    ci = S.bootstrap_ci(st, agg, resamples=200, seed=3, task="mella_vi_ling")
    brute = [make().corpus_score([hyps[i] for i in idx], [[refs[i] for i in idx]]).score
             for idx in S.resample_indices(len(hyps), 200, 3, "mella_vi_ling")]
    low, high = np.percentile(brute, [2.5, 97.5])
    assert (ci.low, ci.high) == (pytest.approx(low, abs=1e-9), pytest.approx(high, abs=1e-9))
    assert ci.low < agg(st) < ci.high
    assert (ci.resamples, ci.seed) == (200, 3)


def test_mean_metric_ci_equals_brute_force_sentence_scores():
    hyps, refs = corpus(25, seed=2)
    sent = [CHRF().sentence_score(h, [r]).score for h, r in zip(hyps, refs)]
    st = np.array(sent)[:, None]
    ci = S.bootstrap_ci(st, S.mean_aggregate, resamples=300, seed=0, task="t")
    brute = [np.mean([CHRF().sentence_score(hyps[i], [refs[i]]).score for i in idx])
             for idx in S.resample_indices(25, 300, 0, "t")]
    assert (ci.low, ci.high) == pytest.approx(tuple(np.percentile(brute, [2.5, 97.5])), abs=1e-9)


def test_vectorised_mean_matches_generic_path():
    st = np.random.default_rng(0).uniform(0, 100, size=(50, 1))
    fast = S.bootstrap_ci(st, S.mean_aggregate, 500, seed=4)
    slow = S.bootstrap_ci(st, lambda rows: float(np.mean(rows[:, 0])), 500, seed=4)
    assert (fast.low, fast.high) == pytest.approx((slow.low, slow.high), abs=1e-9)


def test_same_seed_same_interval_other_seed_or_task_other_resamples():
    st = np.random.default_rng(1).uniform(0, 100, size=(40, 1))
    a = S.bootstrap_ci(st, S.mean_aggregate, seed=5, task="x")
    assert a == S.bootstrap_ci(st, S.mean_aggregate, seed=5, task="x")
    assert a != S.bootstrap_ci(st, S.mean_aggregate, seed=6, task="x")
    assert not np.array_equal(S.resample_indices(40, 10, 5, "x"), S.resample_indices(40, 10, 5, "y"))


def ms(task: str, ids, values, failed=(), lang="th", axis="know", metric="keyword_acc") -> S.MetricScores:
    return S.MetricScores(task, lang, axis, metric, tuple(ids), np.array(values, dtype=float).reshape(len(ids), -1),
                          tuple(failed))


def paired(a: np.ndarray, b: np.ndarray, aggregate, seed: int = 0):
    """(value_a, value_b, delta, CI, p) of B − A on aligned stats rows (row i = the same item)."""
    ids = tuple(f"i{k}" for k in range(len(a)))
    c = S.compare_task(S.MetricScores("", "th", "ling", "m", ids, a), S.MetricScores("", "th", "ling", "m", ids, b),
                       aggregate, seed=seed)
    return c.value_a, c.value_b, c.delta, c.ci, c.p


def test_paired_identical_runs_are_not_significant():
    hyps, refs = corpus(40)
    metric = BLEU(tokenize="none")
    st = segment_stats(metric, hyps, refs)
    va, vb, delta, ci, p = paired(st, st.copy(), sacrebleu_aggregate(metric), seed=0)
    assert delta == 0 and (ci.low, ci.high) == (0, 0) and p == 1.0


def test_paired_clearly_better_run_is_significant_with_the_real_scorer():
    hyps, refs = corpus(40, noise=0.7)
    metric = BLEU(tokenize="none")
    worse = segment_stats(metric, hyps, refs)
    better = segment_stats(metric, refs, refs)  # the oracle: identical text
    va, vb, delta, ci, p = paired(worse, better, sacrebleu_aggregate(metric), seed=0)
    assert vb == pytest.approx(100.0) and delta > 30
    assert ci.low > 0 and p == pytest.approx(1 / (S.PERMUTATIONS + 1))  # no flip reaches it: Monte Carlo floor
    # and the reverse direction is just as significant, with a negative delta
    _, _, d2, ci2, p2 = paired(better, worse, sacrebleu_aggregate(metric), seed=0)
    assert d2 == pytest.approx(-delta) and ci2.high < 0 and p2 == p


def test_small_noisy_difference_is_not_significant():
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 100, size=(20, 1))
    b = a + rng.normal(0, 20, size=(20, 1)) + 1.0
    *_, ci, p = paired(a, b, S.mean_aggregate, seed=0)
    assert ci.low < 0 < ci.high and p > 0.05


def test_compare_task_aligns_by_item_id_and_counts_exclusions():
    a = ms("mella_th_know", ["i1", "i2", "i3", "i4"], [10, 20, 30, 40], failed=["i5"])
    b = ms("mella_th_know", ["i4", "i3", "i2", "i5"], [41, 31, 21, 99], failed=["i1"])
    r = S.compare_task(a, b, S.mean_aggregate, resamples=100)
    assert r.n == 3 and r.n_excluded == 2  # i1 failed in B, i5 failed in A
    assert (r.value_a, r.value_b, r.delta) == pytest.approx((30.0, 31.0, 1.0))


def test_holm_known_values_and_monotone():
    assert S.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert S.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert S.holm([]) == []


def test_macro_of_language_estimates_matches_per_language_brute_force():
    rng = np.random.default_rng(2)
    langs = [ms(f"mella_{l}_know", [f"{l}{i}" for i in range(15)], rng.uniform(0, 100, 15), lang=l)
             for l in ("th", "ko", "ar")]
    est = S.language_estimates(langs, S.mean_aggregate, resamples=300, seed=1)[1]
    assert est.value == pytest.approx(np.mean([m.stats.mean() for m in langs]))
    reps = np.mean([[m.stats[idx, 0].mean() for idx in S.resample_indices(15, 300, 1, m.task)] for m in langs], axis=0)
    assert (est.ci.low, est.ci.high) == pytest.approx(tuple(np.percentile(reps, [2.5, 97.5])))
    assert est.n == 45


def test_macro_paired_identical_and_better():
    rng = np.random.default_rng(3)
    a = [ms(f"mella_{l}_know", [f"{l}{i}" for i in range(20)], rng.uniform(0, 30, 20), lang=l) for l in ("th", "vi")]
    same = S.compare_macro([(x, x) for x in a], S.mean_aggregate)
    assert same.delta == 0 and same.p == 1.0 and not same.significant
    b = [ms(x.task, x.item_ids, x.stats[:, 0] + 40, lang=x.lang) for x in a]
    better = S.compare_macro(list(zip(a, b)), S.mean_aggregate)
    assert better.delta == pytest.approx(40) and better.significant and S.direction(better) == ">"


def test_with_holm_sets_adjusted_p_used_for_significance():
    rows = [S.Contrast(l, "m", (0, 1), (-1, 1), 1, S.CI(0.1, 2, 1000, 0), p, 10, 0) for l, p in (("th", 0.02), ("ko", 0.04))]
    adj = S.with_holm(rows)
    assert [r.p_holm for r in adj] == pytest.approx([0.04, 0.04])
    assert all(r.significant for r in adj)
    adj3 = S.with_holm(rows + [S.Contrast("vi", "m", (0, 1), (-1, 1), 1, S.CI(0.1, 2, 1000, 0), 0.03, 10, 0)])
    assert not any(r.significant for r in adj3)  # 3×0.02 = 0.06 > 0.05


def test_format_p_floor():
    assert S.format_p(1 / 10001) == "<0.001"
    assert S.format_p(0.0234) == "0.023"


def test_interaction_contrast_brute_force_and_exclusions():
    rng = np.random.default_rng(5)
    ids = [f"i{k}" for k in range(25)]
    arms = [ms("mella_hu_ling", ids, rng.uniform(0, 100, 25), lang="hu", metric="meteor") for _ in range(4)]
    arms[2] = ms("mella_hu_ling", ids[1:], arms[2].stats[1:, 0], failed=["i0"], lang="hu", metric="meteor")
    c = S.contrast_task(arms, S.INTERACTION_WEIGHTS, S.mean_aggregate, resamples=400, seed=2)
    assert c.n == 24 and c.n_excluded == 1
    common = [a.stats[-24:, 0] for a in arms]
    assert c.delta == pytest.approx(common[3].mean() - common[1].mean() - common[2].mean() + common[0].mean())
    reps = [common[3][i].mean() - common[1][i].mean() - common[2][i].mean() + common[0][i].mean()
            for i in S.resample_indices(24, 400, 2, "mella_hu_ling")]
    assert (c.ci.low, c.ci.high) == pytest.approx(tuple(np.percentile(reps, [2.5, 97.5])))


def test_additive_arms_have_zero_interaction():
    rng = np.random.default_rng(6)
    ids = [f"i{k}" for k in range(30)]
    base = rng.uniform(0, 50, 30)
    arms = [ms("t", ids, v) for v in (base, base + 10, base + 5, base + 15)]
    c = S.contrast_task(arms, S.INTERACTION_WEIGHTS, S.mean_aggregate)
    assert c.delta == pytest.approx(0, abs=1e-9) and c.p == 1.0 and not c.significant
