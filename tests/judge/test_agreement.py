"""Agreement statistics against independent implementations: scikit-learn's `cohen_kappa_score`,
the `krippendorff` package and SciPy's `spearmanr` (to 1e-9), Krippendorff's own worked example,
and the two judges whose answer is known: one that answers at random (κ ≈ 0) and one that copies
the human labels (κ = 1)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mella_bench.judge import agreement as A

krippendorff = pytest.importorskip("krippendorff", reason="test extra: pip install krippendorff")
sk_metrics = pytest.importorskip("sklearn.metrics", reason="test extra: pip install scikit-learn")
scipy_stats = pytest.importorskip("scipy.stats", reason="installed with scikit-learn")

SCALE = (1, 2, 3, 4, 5)


def _noisy(truth: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    return np.clip(np.rint(truth + rng.normal(0, sd, len(truth))), 1, 5)


@pytest.mark.parametrize("seed", range(12))
def test_weighted_kappa_and_spearman_equal_scikit_learn_and_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    truth = rng.integers(1, 6, n).astype(float)
    a, b = _noisy(truth, rng.uniform(0.2, 2.0), rng), _noisy(truth, rng.uniform(0.2, 2.0), rng)
    want = sk_metrics.cohen_kappa_score(a, b, weights="quadratic", labels=list(SCALE))
    assert A.weighted_kappa(a, b, SCALE) == pytest.approx(want, abs=1e-9)
    assert A.spearman(a, b) == pytest.approx(scipy_stats.spearmanr(a, b).statistic, abs=1e-9)
    # the resampling form (per-item tables summed) gives the same full-set value
    p = A.Pairs.of(np.arange(n) // 2, a, b)
    assert A.coefficient(p, "kappa_qw", SCALE, A.BootstrapSpec(resamples=0)).value == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("level", ["ordinal", "interval", "nominal"])
@pytest.mark.parametrize("seed", range(8))
def test_krippendorff_alpha_equals_the_krippendorff_package_with_missing_values(level: str, seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    coders, units = int(rng.integers(2, 6)), int(rng.integers(4, 120))
    truth = rng.integers(1, 6, units)
    matrix = np.array([_noisy(truth, rng.uniform(0.3, 1.5), rng) for _ in range(coders)])
    matrix[rng.random(matrix.shape) < 0.3] = np.nan  # missing ratings, some units left with one value
    lists = [[v for v in matrix[:, u] if not math.isnan(v)] for u in range(units)]
    if sum(len(v) for v in lists if len(v) > 1) < 2:
        pytest.skip("this draw has no pairable value")  # never happens for these seeds; guards the comparison
    want = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level, value_domain=list(SCALE))
    assert A.krippendorff_alpha(lists, SCALE, level) == pytest.approx(want, abs=1e-9)
    # the pair form used for the bootstrap: each within-unit pair weighted 1/(m - 1)
    a, b, w = A.unit_pairs(lists)
    p = A.Pairs.of(np.arange(len(a)), a, b, weight=w)
    if level != "nominal":
        got = A.coefficient(p, f"alpha_{level}", SCALE, A.BootstrapSpec(resamples=0)).value  # type: ignore[arg-type]
        assert got == pytest.approx(want, abs=1e-9)


def test_krippendorffs_worked_example() -> None:
    """Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability', section C: 4 observers, 12
    units, missing values; the paper gives α = 0.743 nominal, 0.815 ordinal, 0.849 interval."""
    rows = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3", ". 3 3 3 2 3 4 2 2 5 1 .", "1 2 3 3 2 4 4 1 2 5 1 ."]
    matrix = [[float("nan") if v == "." else float(v) for v in r.split()] for r in rows]
    units = [[r[u] for r in matrix if not math.isnan(r[u])] for u in range(12)]
    for level, paper in (("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)):
        assert round(A.krippendorff_alpha(units, SCALE, level), 3) == paper  # type: ignore[arg-type]


def test_pairwise_accuracy_counts_ties_as_an_outcome() -> None:
    # judge: A, A, tie, B, tie; human: A, tie, tie, A, B → agree on items 1 and 3 only
    judge, human = [1, 1, 0, -1, 0], [1, 0, 0, 1, -1]
    assert A.pairwise_accuracy(judge, human) == 0.4
    p = A.Pairs.of(range(5), judge, human)
    assert A.coefficient(p, "pairwise_accuracy", spec=A.BootstrapSpec(resamples=0)).value == pytest.approx(0.4)


def _humans(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, n).astype(float)
    return truth, _noisy(truth, 0.6, rng)


def test_a_judge_that_copies_the_human_labels_gets_one_everywhere() -> None:
    _, human = _humans(400, 1)
    p = A.Pairs.of(np.arange(400) // 2, human.copy(), human)
    for metric in A.SCALE_METRICS:
        c = A.coefficient(p, metric, SCALE, A.BootstrapSpec(resamples=200), stream="copy")
        assert c.value == pytest.approx(1.0, abs=1e-12), metric
        assert c.ci is not None and c.ci.low == pytest.approx(1.0) and c.ci.high == pytest.approx(1.0)
    prefs = np.sign(np.random.default_rng(2).normal(size=300))
    acc = A.coefficient(A.Pairs.of(range(300), prefs, prefs.copy()), "pairwise_accuracy")
    assert acc.value == 1.0


def test_a_judge_that_answers_at_random_gets_kappa_near_zero() -> None:
    """30 random judges against simulated labellers: each κ_w is near 0, their mean is 0 within
    sampling error, and the 95% CIs cover 0 about 95% of the time."""
    values: dict[str, list[float]] = {m: [] for m in A.SCALE_METRICS}
    covered: dict[str, int] = {m: 0 for m in A.SCALE_METRICS}
    for rep in range(30):
        _, human = _humans(500, 100 + rep)
        judge = np.random.default_rng(200 + rep).integers(1, 6, 500).astype(float)
        p = A.Pairs.of(np.arange(500), judge, human)
        for metric in A.SCALE_METRICS:
            c = A.coefficient(p, metric, SCALE, A.BootstrapSpec(resamples=200, seed=rep), stream="random")
            values[metric].append(c.value)
            covered[metric] += c.ci.low <= 0 <= c.ci.high
    for metric in A.SCALE_METRICS:
        assert max(abs(v) for v in values[metric]) < 0.2, metric  # SE ≈ 0.045 at n = 500
        assert abs(np.mean(values[metric])) < 0.03, metric  # the mean of 30: SE ≈ 0.008
        assert covered[metric] >= 25, (metric, covered[metric])  # expected 28.5 of 30
    # pairwise: a random preference agrees with a human's about a third of the time
    prefs = np.random.default_rng(5)
    acc = A.pairwise_accuracy(prefs.integers(-1, 2, 3000), prefs.integers(-1, 2, 3000))
    assert abs(acc - 1 / 3) < 0.03


def test_a_noisier_judge_gets_a_lower_kappa_and_intervals_shrink_with_n() -> None:
    truth, human = _humans(600, 6)
    rng = np.random.default_rng(7)
    close, far = _noisy(truth, 0.5, rng), _noisy(truth, 1.5, rng)
    k_close = A.coefficient(A.Pairs.of(range(600), close, human), "kappa_qw", SCALE, stream="a")
    k_far = A.coefficient(A.Pairs.of(range(600), far, human), "kappa_qw", SCALE, stream="a")
    assert k_close.value > k_far.value + 0.1
    small = A.coefficient(A.Pairs.of(range(60), close[:60], human[:60]), "kappa_qw", SCALE, stream="a")
    assert small.ci.high - small.ci.low > k_close.ci.high - k_close.ci.low


def test_bootstrap_resamples_items_not_pairs() -> None:
    counts = A.resample_counts(7, resamples=50, seed=1, stream="x")
    assert counts.shape == (50, 7) and (counts.sum(axis=1) == 7).all()
    # two pairs per item move together: a resample of items never splits an item's pairs
    a = np.array([1, 1, 5, 5, 3, 3, 2, 2], float)
    b = np.array([1, 2, 5, 4, 3, 2, 2, 1], float)
    p = A.Pairs.of([0, 0, 1, 1, 2, 2, 3, 3], a, b)
    reps = A._values(p, "pairwise_accuracy", None, A.resample_counts(4, 200, 0, "y"))  # noqa: SLF001 - checks the mechanism
    assert set(np.round(reps * 8).astype(int)) <= {0, 1, 2, 3, 4}  # always 4 of 8 pairs agree at most: halves only
    assert np.allclose(reps, 0.5)  # each item has exactly one agreeing pair of its two


def test_undefined_coefficients_say_why() -> None:
    constant = A.coefficient(A.Pairs.of(range(10), [3] * 10, [3] * 10), "kappa_qw", SCALE)
    assert constant.value is None and "one value" in constant.problem
    empty = A.coefficient(A.Pairs.of([], [], []), "spearman", SCALE)
    assert empty.value is None and empty.problem == "no rating pairs"
    with pytest.raises(ValueError, match="not on the scale"):
        A.weighted_kappa([1, 6], [1, 2], SCALE)
    # an item index with no pairs is not drawn by the bootstrap
    p = A.Pairs.of([0, 5, 5], [1, 2, 3], [1, 2, 4], n_items=9)
    assert p.compact().n_items == 2


def test_items_for_ci_width_inverts_the_width_formula() -> None:
    n = A.items_for_ci_width(0.2, 0.7)
    assert A.fisher_ci_width(0.7, n) <= 0.2 < A.fisher_ci_width(0.7, n - 1)
    assert A.items_for_ci_width(0.2, 0.7, variance=A.SPEARMAN_VARIANCE) > n  # ρ needs a few more
    assert A.items_for_ci_width(0.4, 0.7) < n  # a wider CI needs fewer items


def test_width_formula_matches_the_bootstrap_on_simulated_labellers() -> None:
    """The planning formula is an approximation: on simulated ratings its width is within 30% of the
    mean bootstrap CI width of κ_w (docs/labelling.md has the full table)."""
    widths = []
    rng = np.random.default_rng(11)
    n = 80
    for rep in range(20):
        truth = rng.integers(1, 6, n).astype(float)
        a, b = _noisy(truth, 0.8, rng), _noisy(truth, 0.8, rng)
        c = A.coefficient(A.Pairs.of(range(n), a, b), "kappa_qw", SCALE, A.BootstrapSpec(resamples=300, seed=rep))
        widths.append((c.value, c.ci.high - c.ci.low))
    kappa, width = np.mean(widths, axis=0)
    assert A.fisher_ci_width(kappa, n) == pytest.approx(width, rel=0.3)
