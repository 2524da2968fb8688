"""The paired sign-flip permutation test: against SciPy and a hand-worked example, its size on simulated
null pairs at n = 3, 10 and 100, its power on a known effect, and the minimum n for a verdict."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from sacrebleu.metrics import BLEU

from mella_bench import stats as S
from mella_bench.metrics.registry import get_metric
from tests.support.null_pairs import KINDS, rejections, scores

REPO = Path(__file__).resolve().parent.parent
AUTHORS = REPO / "results" / "mella-author-2024"
_BLEU = BLEU(tokenize="none")


ms = scores


def pair_p(a, b, aggregate=S.mean_aggregate, **kw) -> S.Contrast:
    return S.compare_task(ms(a), ms(b), aggregate, resamples=20, **kw)


# --------------------------------------------------------------------------------------------
# against independent references


def test_hand_worked_three_items():
    # d = (1, 2, 3): the 8 flips give mean differences ±1±2±3 over 3 = {±2, ±4/3, ±2/3, 0, 0};
    # |T| ≥ 2 for the identity and the all-flipped vector only: p = 2/8
    c = pair_p([0, 0, 0], [1, 2, 3])
    assert c.delta == pytest.approx(2.0) and c.p == pytest.approx(0.25)
    assert c.test == S.PermutationTest(8, True, 0)
    # d = (1, -1, 3): the flipped sums ±1±1±3 are {5, 3, 3, 1, -1, -3, -3, -5}; |sum| ≥ 3 for 6 of 8
    assert pair_p([0, 0, 0], [1, -1, 3]).p == pytest.approx(0.75)


@pytest.mark.parametrize("n", [4, 7, 10, 13])
def test_exact_mean_test_equals_scipy_permutation_test(n):
    rng = np.random.default_rng(n)
    a = rng.uniform(0, 100, n)
    b = a + rng.normal(8, 20, n)
    b[0] = a[0]  # a zero difference and ties must be handled alike
    ref = scipy.stats.permutation_test((a, b), lambda x, y, axis: np.mean(y - x, axis=axis), vectorized=True,
                                       permutation_type="samples", n_resamples=np.inf, alternative="two-sided")
    c = pair_p(a, b)
    assert c.test.exact and c.test.flips == 2 ** n
    assert c.p == pytest.approx(ref.pvalue, abs=1e-12)


def test_discrete_scores_with_ties_equal_scipy():
    # keyword-accuracy-like values: many exact ties among the flipped statistics
    a = np.array([0, 50, 0, 100, 50, 0, 0, 50, 100, 0, 50], dtype=float)
    b = np.array([50, 50, 100, 100, 100, 0, 50, 50, 100, 50, 100], dtype=float)
    ref = scipy.stats.permutation_test((a, b), lambda x, y, axis: np.mean(y - x, axis=axis), vectorized=True,
                                       permutation_type="samples", n_resamples=np.inf)
    assert pair_p(a, b).p == pytest.approx(ref.pvalue, abs=1e-12)


def _bleu_rows(run: str, lang: str, n: int) -> np.ndarray:
    rows = [json.loads(line) for line in (AUTHORS / run / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    picked = [r["stats"] for r in rows if r["metric"] == "bleu" and r["lang"] == lang and r["status"] == "ok"]
    return np.asarray(picked[:n], dtype=float)


def test_corpus_bleu_exchanges_rows_and_equals_scipy_on_real_stats():
    """Corpus BLEU has no per-item difference: an item's flip exchanges its two n-gram statistics rows and
    BLEU is recomputed from the summed counts (approximate randomisation). Reference: SciPy's paired
    permutation test with sacrebleu's own corpus BLEU as the statistic, on the authors' real outputs."""
    a, b = _bleu_rows("internvl2-8b-baseline", "vi", 11), _bleu_rows("internvl2-8b-finetuned", "vi", 11)
    stacked = np.concatenate([a, b])

    def delta(x, y):
        return (_BLEU._compute_score_from_stats(stacked[y].sum(axis=0).astype(int).tolist()).score
                - _BLEU._compute_score_from_stats(stacked[x].sum(axis=0).astype(int).tolist()).score)

    ref = scipy.stats.permutation_test((np.arange(11), np.arange(11, 22)), delta, permutation_type="samples",
                                       n_resamples=np.inf)
    c = S.compare_task(ms(a, metric="bleu"), ms(b, metric="bleu"), get_metric("bleu"), resamples=20)
    assert c.delta == pytest.approx(ref.statistic, abs=1e-9)
    assert c.p == pytest.approx(ref.pvalue, abs=1e-12)


@pytest.mark.parametrize("metric", ["bleu", "chrf++", "meteor", "rouge_l"])
def test_vectorised_flips_equal_recomputing_every_flipped_corpus(metric):
    """`Metric.flipped` (one matrix product) against the metric's own aggregate of each flipped corpus."""
    def rows(run):
        recs = [json.loads(line) for line in (AUTHORS / run / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
        return np.asarray([r["stats"] for r in recs if r["metric"] == metric and r["lang"] == "th"][:30], dtype=float)

    a, b = rows("internvl2-8b-baseline"), rows("internvl2-8b-finetuned")
    m = get_metric(metric)
    flips = np.random.default_rng(0).random((40, 30)) < 0.5
    slow = [m(np.where(f[:, None], a, b)) for f in flips]
    assert m.flipped(a, b, flips) == pytest.approx(slow, rel=1e-9, abs=1e-9)


def test_interaction_is_a_sign_flip_of_each_items_contrast():
    rng = np.random.default_rng(4)
    arms = [rng.uniform(0, 100, 9) for _ in range(4)]
    per_item = arms[3] - arms[1] - arms[2] + arms[0]
    ref = scipy.stats.permutation_test((per_item,), np.mean, permutation_type="samples", n_resamples=np.inf)
    c = S.contrast_task([ms(v) for v in arms], S.INTERACTION_WEIGHTS, S.mean_aggregate, resamples=20)
    assert c.p == pytest.approx(ref.pvalue, abs=1e-12)
    assert S.swap_of(S.INTERACTION_WEIGHTS) == (1, 0, 3, 2) and S.swap_of(S.PAIR_WEIGHTS) == (1, 0)


def test_macro_flips_every_language_jointly():
    # 2 languages × 3 items: all 64 flips, the statistic is the mean of the two languages' mean differences
    d1, d2 = np.array([5.0, 1.0, 2.0]), np.array([4.0, -1.0, 3.0])
    pairs = [(ms(np.zeros(3), "t1"), ms(d1, "t1")), (ms(np.zeros(3), "t2", "cs"), ms(d2, "t2", "cs"))]
    c = S.compare_macro(pairs, S.mean_aggregate, resamples=20)
    signs = 1 - 2 * S.all_flips(6)
    stat = ((signs[:, :3] * d1).mean(axis=1) + (signs[:, 3:] * d2).mean(axis=1)) / 2
    want = np.mean(np.abs(stat) >= abs(c.delta) - 1e-12)
    assert c.test.exact and c.test.flips == 64 and c.p == pytest.approx(want)


def test_monte_carlo_above_the_bound_is_seeded_and_reproducible():
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 100, 14)
    b = a + rng.normal(5, 25, 14)
    c1, c2 = pair_p(a, b, seed=3), pair_p(a, b, seed=3)
    assert not c1.test.exact and c1.test.flips == S.PERMUTATIONS and c1.p == c2.p
    ref = scipy.stats.permutation_test((a, b), lambda x, y, axis: np.mean(y - x, axis=axis), vectorized=True,
                                       permutation_type="samples", n_resamples=np.inf)
    # 10,000 random flips: the Monte Carlo p is within 4 standard errors of the exact one
    assert abs(c1.p - ref.pvalue) < 4 * np.sqrt(ref.pvalue * (1 - ref.pvalue) / S.PERMUTATIONS) + 1e-4
    assert pair_p(a, b, seed=4).p != c1.p


# --------------------------------------------------------------------------------------------
# the guarantees


def test_two_three_item_runs_never_reach_p_below_0_05():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = rng.uniform(0, 100, 3)
        b = a + rng.choice([-1, 1]) * rng.uniform(0, 1000, 3)  # however large and consistent the effect
        c = pair_p(a, b)
        assert c.p >= 0.25 and not c.significant
    bleu = get_metric("bleu")
    a, b = _bleu_rows("internvl2-8b-baseline", "ar", 3), _bleu_rows("internvl2-8b-finetuned", "ar", 3)
    c = S.compare_task(ms(a, metric="bleu"), ms(b, metric="bleu"), bleu, resamples=20)
    assert c.delta > 5 and c.p >= 0.25 and not c.significant


def test_no_verdict_below_the_minimum_n():
    c9 = pair_p(np.zeros(9), np.full(9, 50.0) + np.arange(9))
    assert c9.p == pytest.approx(2 / 512) and c9.too_few and not c9.significant
    c10 = pair_p(np.zeros(10), np.full(10, 50.0) + np.arange(10))
    assert c10.p == pytest.approx(2 / 1024) and c10.significant and S.direction(c10) == ">"


SIMULATIONS = 2000
TOLERANCE = 3 * np.sqrt(S.ALPHA * (1 - S.ALPHA) / SIMULATIONS)
"""Monte Carlo tolerance of a rejection rate estimated from SIMULATIONS null data sets: 3 standard
errors of a binomial proportion at α (0.0146 for 2,000)."""


DOC_ROWS = {"mean": "| mean-type", "discrete": "| keyword-like", "corpus": "| corpus ratio"}
DOC_N = (3, 5, 10, 30, 100)


def _documented_size(kind: str, n: int) -> float:
    """The size docs/analysis.md quotes (from benchmarks/significance.py, the same simulation and seed)."""
    doc = (REPO / "docs" / "analysis.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if line.strip().startswith(DOC_ROWS[kind]))
    return float(row.strip().strip("|").split("|")[1].split("/")[DOC_N.index(n)])


@pytest.mark.parametrize("n", [3, 10, 100])
@pytest.mark.parametrize("kind", KINDS)
def test_false_positive_rate_on_null_pairs(n, kind):
    rate = rejections(n, kind, sims=SIMULATIONS)
    assert rate.test <= S.ALPHA + TOLERANCE, f"size {rate.test:.4f} at n={n} ({kind})"
    assert rate.verdict <= rate.test
    if n == 3:
        assert rate.test == 0.0  # the smallest two-sided p of 3 pairs is 2/8
    assert round(rate.test, 3) == _documented_size(kind, n), "docs/analysis.md: rerun benchmarks/significance.py"


def test_power_on_a_known_effect():
    # +6 points on items whose paired differences have SD 15·√2 ≈ 21.2 (d ≈ 0.28): a paired t-test's power
    # at n = 100 is Φ(0.28·√100 − 1.96) ≈ 0.81; the permutation test must come close
    assert rejections(100, "mean", effect=6.0, sims=500).verdict >= 0.70
    # a large effect (d ≈ 1.4) at n = 10 is found almost always
    assert rejections(10, "mean", effect=30.0, sims=500).verdict >= 0.9
    # +15 points of Keyword Accuracy and of a corpus ratio at n = 100 (benchmarks/significance.py: ≈ 0.9)
    assert rejections(100, "discrete", effect=15.0, sims=300).verdict >= 0.75
    assert rejections(100, "corpus", effect=5.0, sims=300).verdict >= 0.75


def test_no_significance_below_the_minimum_n_even_on_a_huge_effect():
    # n = 9: the exact test alone would reject every time (p = 2/512), the verdict never does
    rate = rejections(9, "mean", effect=80.0, sims=50)
    assert rate.test == 1.0 and rate.verdict == 0.0
