"""Simulated pairs of runs for measuring the paired test's size and power (tests/test_stats_permutation.py,
benchmarks/significance.py).

Both runs score the same n items: an item's difficulty is shared by the two runs and each run adds its
own noise, so under the null the two runs are exchangeable within each item. `effect` (points on the
0–100 scale) is added to run B. Three kinds of per-item scores:

- ``mean``: a mean-type metric (ROUGE-L, CIDEr-like): difficulty U(20, 80), noise N(0, 15²) per run,
  so the paired differences have SD 15·√2 ≈ 21.2 and ``effect`` / 21.2 is Cohen's d;
- ``discrete``: Keyword Accuracy on items with two keywords (0, 50 or 100): each keyword found with the
  item's probability U(0.1, 0.9), raised by ``effect``/100 in run B (clipped to [0, 1]);
- ``corpus``: a corpus ratio metric (BLEU/chrF++-like: 100 · Σ matches / Σ length) over items of 5–59
  words, each word matched with the item's probability U(0.05, 0.6), raised by ``effect``/100 in B.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from mella_bench import stats as S

KINDS = ("mean", "discrete", "corpus")
SIMULATION_PERMUTATIONS = 499
"""Random flips per simulated test where the product would draw random flips (2^n > 10,000): it draws
10,000, but the Monte Carlo p = (hits + 1)/(B + 1) has exact size for any B, and 499 keep thousands of
simulations cheap. Up to 13 items the simulation enumerates all 2^n flips, as the product does."""


class RatioAggregate:
    """A corpus-level metric in miniature: 100 · Σ matches / Σ length (rows: [matches, length])."""

    def __call__(self, stats: np.ndarray) -> float:
        return float(100 * stats[:, 0].sum() / stats[:, 1].sum())

    def resampled(self, stats: np.ndarray, indices: np.ndarray) -> np.ndarray:
        return 100 * stats[:, 0][indices].sum(axis=1) / stats[:, 1][indices].sum(axis=1)

    def flipped(self, a: np.ndarray, b: np.ndarray, flips: np.ndarray) -> np.ndarray:
        f = flips.astype(float)
        return 100 * (b[:, 0].sum() + f @ (a[:, 0] - b[:, 0])) / (b[:, 1].sum() + f @ (a[:, 1] - b[:, 1]))


def scores(values: np.ndarray, task: str = "mella_ar_know", lang: str = "ar", metric: str = "m") -> S.MetricScores:
    """One run's per-item statistics rows (a vector becomes one column) for items i0, i1, …"""
    values = np.asarray(values, dtype=float)
    values = values.reshape(len(values), -1)
    return S.MetricScores(task, lang, "know", metric, tuple(f"i{k}" for k in range(len(values))), values)


def simulated_pair(rng: np.random.Generator, n: int, kind: str,
                   effect: float = 0.0) -> tuple[np.ndarray, np.ndarray, S.Aggregate]:
    """Runs A and B on the same n items (see the module docstring) and the metric's aggregate."""
    if kind == "mean":
        u = rng.uniform(20, 80, n)
        return u + rng.normal(0, 15, n), u + rng.normal(0, 15, n) + effect, S.mean_aggregate
    if kind == "discrete":
        p = rng.uniform(0.1, 0.9, n)
        p_b = np.clip(p + effect / 100, 0, 1)
        return 50.0 * rng.binomial(2, p), 50.0 * rng.binomial(2, p_b), S.mean_aggregate
    if kind == "corpus":
        length = rng.integers(5, 60, n)
        p = rng.uniform(0.05, 0.6, n)
        p_b = np.clip(p + effect / 100, 0, 1)
        a = np.column_stack([rng.binomial(length, p), length])
        return a, np.column_stack([rng.binomial(length, p_b), length]), RatioAggregate()
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Rejections:
    """How often simulated pairs of runs were called different."""

    sims: int
    test: float
    """Share with permutation p < α (the test alone)."""
    verdict: float
    """Share marked significant (p < α and at least `MIN_PAIRED_N` items): what compare and report print."""


def simulated_pairs(n: int, kind: str, effect: float = 0.0, sims: int = 2000,
                    seed: int = 0) -> Iterator[tuple[S.MetricScores, S.MetricScores, S.Aggregate]]:
    """`sims` simulated pairs of runs (task t0, t1, …); the seed is (seed, n, kind, effect), so every
    cell of a size/power table is reproducible on its own."""
    rng = np.random.default_rng([seed, n, KINDS.index(kind), int(round(effect * 10))])
    for s in range(sims):
        a, b, agg = simulated_pair(rng, n, kind, effect)
        yield scores(a, task=f"t{s}"), scores(b, task=f"t{s}"), agg


def rejections(n: int, kind: str, effect: float = 0.0, sims: int = 2000, seed: int = 0,
               permutations: int | None = None, alpha: float = S.ALPHA) -> Rejections:
    """Test each of `simulated_pairs` with `stats.compare_task` (one language: no Holm).

    `permutations` defaults to the product's exact test up to 13 items and `SIMULATION_PERMUTATIONS`
    random flips above."""
    if permutations is None:
        permutations = S.PERMUTATIONS if 2 ** n <= S.PERMUTATIONS else SIMULATION_PERMUTATIONS
    test = verdict = 0
    for s, (a, b, agg) in enumerate(simulated_pairs(n, kind, effect, sims, seed)):
        c = S.compare_task(a, b, agg, resamples=1, seed=s, alpha=alpha, permutations=permutations)
        test += c.p < alpha
        verdict += c.significant
    return Rejections(sims, test / sims, verdict / sims)
