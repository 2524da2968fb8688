"""Bootstrap confidence intervals and paired tests from per-item sufficient statistics: pure maths.

No file formats here (scores.jsonl and summary.json are read and written by `mella_bench.store.scoreio`)
and no metric names: an `Aggregate` is passed in, normally a registry `Metric`
(`mella_bench.metrics.registry.get_metric`), whose `resampled` computes every bootstrap value of a
corpus metric at once (resample-count matrix × per-item stats).

Every metric stores, per item, a row of sufficient statistics (`stats` in scores.jsonl) from which
the task value is recomputed by the metric's `aggregate` (BLEU: n-gram counts summed over items;
mean-type metrics: `[value]`). A bootstrap resample is a multiset of row indices, so a resampled
corpus value is `aggregate(stats[indices])`: nothing is re-tokenised and no scorer runs again,
yet corpus metrics (BLEU, chrF++) are recomputed on each resample exactly as on the full set.

Paired comparisons keep the bootstrap for their CIs but take their p-values from a sign-flip
permutation test (`sign_flip_p`): exact over all 2^n flips for small n, Monte Carlo above, so the
test holds its size at every n (a percentile bootstrap p is far too small at n = 3). Nothing on
fewer than `MIN_PAIRED_N` common items is marked significant.

Randomness is reproducible and recorded: each task draws its resamples from its own stream,
`numpy.random.default_rng([seed, crc32(task name)])`, and its sign flips from another
(`flip_stream`), so the per-language CIs, the macro CI and the paired tests all see the same
resamples of the same language, and one task's stream does not depend on which other tasks a run
contains.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Literal, NamedTuple, Sequence

import numpy as np

Aggregate = Callable[[np.ndarray], float]
"""Task-level value (0–100 scale) from the stats rows (n_items × k) of the items of one task. An
aggregate with a `resampled(stats, indices)` method (a registry `Metric`) computes all bootstrap
values in one call, and one with `flipped(stats_from, stats_to, flips)` all sign-flip replicates; a
plain function is called once per resample or flip."""

RESAMPLES = 1000
ALPHA = 0.05
CI_METHOD = "percentile"


# --------------------------------------------------------------------------------------------
# aggregates


class MeanAggregate:
    """Aggregate of a mean-type metric whose stats row is `[value]` (for callers without the registry)."""

    def __call__(self, stats: np.ndarray) -> float:
        return float(np.mean(stats[:, 0]))

    def resampled(self, stats: np.ndarray, indices: np.ndarray) -> np.ndarray:
        return np.asarray(stats, dtype=float)[:, 0][indices].mean(axis=1)

    def flipped(self, stats_from: np.ndarray, stats_to: np.ndarray, flips: np.ndarray) -> np.ndarray:
        a, b = np.asarray(stats_from, dtype=float)[:, 0], np.asarray(stats_to, dtype=float)[:, 0]
        return (b.sum() + np.asarray(flips, dtype=float) @ (a - b)) / len(b)


mean_aggregate = MeanAggregate()


# --------------------------------------------------------------------------------------------
# resampling


def task_stream(seed: int, task: str = "") -> np.random.Generator:
    """The random stream of one task: the same (seed, task) always gives the same resamples."""
    return np.random.default_rng([seed, zlib.crc32(task.encode("utf-8"))])


def resample_indices(n: int, resamples: int = RESAMPLES, seed: int = 0, task: str = "") -> np.ndarray:
    """Row indices of `resamples` bootstrap samples of n items (resamples × n), from the task's stream."""
    if n <= 0:
        raise ValueError("cannot bootstrap an empty set of items")
    return task_stream(seed, task).integers(0, n, size=(resamples, n))


def _resampled_values(stats: np.ndarray, aggregate: Aggregate, indices: np.ndarray) -> np.ndarray:
    """aggregate(stats[idx]) for every resample row of `indices` (one value per resample)."""
    resampled = getattr(aggregate, "resampled", None)
    if resampled is not None:
        return np.asarray(resampled(stats, indices), dtype=float)
    return np.fromiter((aggregate(stats[idx]) for idx in indices), dtype=float, count=len(indices))


def percentile_interval(values: np.ndarray, alpha: float = ALPHA) -> tuple[float, float]:
    """Percentile bootstrap interval (linear interpolation, numpy's default)."""
    low, high = np.percentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(low), float(high)


@dataclass(frozen=True)
class CI:
    """A bootstrap confidence interval and how it was drawn (all of it belongs in the signature)."""

    low: float
    high: float
    resamples: int
    seed: int
    alpha: float = ALPHA
    method: str = CI_METHOD

    def signature_fields(self) -> dict[str, object]:
        return {"ci_method": f"bootstrap-{self.method}", "ci_level": 1 - self.alpha,
                "ci_resamples": self.resamples, "ci_seed": self.seed}


def bootstrap_ci(stats: np.ndarray, aggregate: Aggregate, resamples: int = RESAMPLES, seed: int = 0,
                 alpha: float = ALPHA, task: str = "") -> CI:
    """95% (by default) percentile bootstrap CI of `aggregate` over the items (rows) of `stats`."""
    stats = np.asarray(stats, dtype=float)
    values = _resampled_values(stats, aggregate, resample_indices(len(stats), resamples, seed, task))
    return CI(*percentile_interval(values, alpha), resamples=resamples, seed=seed, alpha=alpha)


# --------------------------------------------------------------------------------------------
# per-task scores as loaded from scores.jsonl


@dataclass(frozen=True, eq=False)
class MetricScores:
    """The per-item statistics of one metric on one task of one run."""

    task: str
    lang: str
    axis: str
    metric: str
    item_ids: tuple[str, ...]
    """Items scored ok, in file order; row i of `stats` belongs to item_ids[i]."""
    stats: np.ndarray
    failed: tuple[str, ...] = ()
    """Items whose prediction or scoring failed (excluded from the value, counted in the failure rate)."""

    @property
    def n(self) -> int:
        return len(self.item_ids)

    @property
    def n_failed(self) -> int:
        return len(self.failed)

    @property
    def failure_rate(self) -> float:
        total = self.n + self.n_failed
        return self.n_failed / total if total else 0.0

    def without(self, ids: "frozenset[str] | set[str]") -> "MetricScores":
        """The same scores without the items in `ids` (e.g. items that are not the same item in another run)."""
        if not ids:
            return self
        keep = np.array([i for i, iid in enumerate(self.item_ids) if iid not in ids], dtype=int)
        return replace(self, item_ids=tuple(self.item_ids[i] for i in keep), stats=self.stats[keep],
                       failed=tuple(f for f in self.failed if f not in ids))


# --------------------------------------------------------------------------------------------
# estimates


class Estimate(NamedTuple):
    """A task-level (or macro) value with its CI, sample size and failures."""

    value: float | None
    ci: CI | None
    n: int
    n_failed: int

    @property
    def failure_rate(self) -> float:
        total = self.n + self.n_failed
        return self.n_failed / total if total else 0.0


def bootstrap_replicates(ms: MetricScores, aggregate: Aggregate, resamples: int = RESAMPLES, seed: int = 0) -> np.ndarray:
    """Resampled task values of one task (from its own stream): the raw material of every CI."""
    return _resampled_values(ms.stats, aggregate, resample_indices(ms.n, resamples, seed, ms.task))


def language_estimates(per_lang: Sequence[MetricScores], aggregate: Aggregate, resamples: int = RESAMPLES,
                       seed: int = 0, alpha: float = ALPHA) -> tuple[list[Estimate], Estimate]:
    """Per-language estimates and their macro average (mean over languages), from one set of
    replicates: the macro bootstrap resamples every language's items in each replicate (each from
    its own task stream) and averages the resampled task values. No macro value when a language
    has no scored item (a mean over fewer languages would not be comparable)."""
    ests: list[Estimate] = []
    reps: list[np.ndarray] = []
    for ms in per_lang:
        if ms.n == 0:
            ests.append(Estimate(None, None, 0, ms.n_failed))
            continue
        value = float(aggregate(ms.stats))
        if resamples > 0:
            r = bootstrap_replicates(ms, aggregate, resamples, seed)
            reps.append(r)
            ests.append(Estimate(value, CI(*percentile_interval(r, alpha), resamples=resamples, seed=seed,
                                           alpha=alpha), ms.n, ms.n_failed))
        else:
            ests.append(Estimate(value, None, ms.n, ms.n_failed))
    n, n_failed = sum(e.n for e in ests), sum(e.n_failed for e in ests)
    if not ests or any(e.value is None for e in ests):
        return ests, Estimate(None, None, n, n_failed)
    value = float(np.mean([e.value for e in ests]))
    ci = (CI(*percentile_interval(np.mean(reps, axis=0), alpha), resamples=resamples, seed=seed, alpha=alpha)
          if resamples > 0 else None)
    return ests, Estimate(value, ci, n, n_failed)


# --------------------------------------------------------------------------------------------
# paired comparisons and contrasts between runs on the same items


PERMUTATIONS = 10_000
"""Random sign flips of the Monte Carlo permutation test (when 2^n exceeds it; else all 2^n are enumerated)."""
MIN_PAIRED_N = 10
"""No comparison on fewer common items is ever marked significant, whatever its p-value. The sign-flip
test keeps its size at every n, but below 10 items one item decides the verdict, and the percentile
bootstrap CI printed beside it is too narrow (it under-covers at such n)."""
FLIP_STREAM = 1
"""Third entry of the flips' seed sequence: the flips of a task never reuse its bootstrap stream."""


@dataclass(frozen=True)
class PermutationTest:
    """How a contrast's p-value was obtained: a two-sided paired sign-flip (randomisation) test."""

    flips: int
    """Sign-flip vectors evaluated: 2^n when exact, else the random draws."""
    exact: bool
    seed: int

    def describe(self) -> str:
        return (f"exact sign-flip test over all {self.flips} flips" if self.exact
                else f"sign-flip test, {self.flips} random flips (seed {self.seed})")


@dataclass(frozen=True)
class Contrast:
    """A weighted sum of runs' values, sum_i w_i * value_i, on the items every run scored.

    Two runs with weights (-1, +1) are the paired comparison B − A; four ablation arms with
    (+1, -1, -1, +1) over (base, culture, linguistic, full) are the interaction term. The bootstrap
    CI resamples the common items once per replicate and applies the same indices to every run; the
    p-value comes from a sign-flip permutation test (`sign_flip_p`).
    """

    label: str
    """Language code or 'macro'."""
    metric: str
    values: tuple[float, ...]
    """Each run's value on the common items (for a macro: the mean over languages)."""
    weights: tuple[float, ...]
    delta: float
    ci: CI
    p: float
    """Two-sided sign-flip permutation p-value of delta = 0 (`test` says exact or Monte Carlo)."""
    n: int
    """Items in the contrast (scored ok in every run)."""
    n_excluded: int
    """Items scored in some but not all runs (failed or missing somewhere): left out, counted here."""
    p_holm: float | None = None
    test: PermutationTest | None = None
    n_not_comparable: int = 0
    """Items with the same id in every run whose content (references, keywords, prompt) differs:
    not the same item, left out (`mella_bench.reports.pairing`)."""

    @property
    def value_a(self) -> float:
        return self.values[0]

    @property
    def value_b(self) -> float:
        return self.values[-1]

    @property
    def too_few(self) -> bool:
        """Fewer common items than `MIN_PAIRED_N`: never marked significant."""
        return self.n < MIN_PAIRED_N

    @property
    def significant(self) -> bool:
        p = self.p_holm if self.p_holm is not None else self.p
        return p < self.ci.alpha and not self.too_few


PAIR_WEIGHTS = (-1.0, 1.0)
INTERACTION_WEIGHTS = (1.0, -1.0, -1.0, 1.0)
"""Over (base, culture, linguistic, full): full − culture − linguistic + base."""


def align(runs: Sequence[MetricScores]) -> tuple[list[np.ndarray], int]:
    """Stats rows of the items every run scored ok (in the first run's order), and how many items
    some run scored or failed but not all runs scored ok."""
    positions = [{iid: i for i, iid in enumerate(r.item_ids)} for r in runs]
    common = [iid for iid in runs[0].item_ids if all(iid in pos for pos in positions[1:])]
    seen: set[str] = set()
    for r in runs:
        seen |= set(r.item_ids) | set(r.failed)
    rows = [r.stats[np.array([pos[iid] for iid in common], dtype=int)] if common else np.empty((0, r.stats.shape[1]))
            for r, pos in zip(runs, positions)]
    return rows, len(seen) - len(common)


def swap_of(weights: Sequence[float]) -> tuple[int, ...]:
    """The exchange of runs one item's sign flip applies: an involution π with w[π(j)] = −w[j].

    A pair (−1, +1) swaps A and B. The interaction (+1, −1, −1, +1) over (base, culture, linguistic,
    full) swaps base↔culture and linguistic↔full, which turns full − culture − linguistic + base into
    its negative. For a mean-type metric either is exactly a sign flip of the item's own contrast."""
    w = [float(x) for x in weights]
    perm: list[int | None] = [None] * len(w)
    for i, wi in enumerate(w):
        if perm[i] is not None:
            continue
        j = next((j for j in range(i + 1, len(w)) if perm[j] is None and w[j] == -wi), None)
        if j is None:
            if wi != 0:
                raise ValueError(f"weights {tuple(weights)} cannot be sign-flipped by exchanging runs")
            perm[i] = i
            continue
        perm[i], perm[j] = j, i
    return tuple(int(x) for x in perm)  # type: ignore[arg-type]


def flip_stream(seed: int, task: str = "") -> np.random.Generator:
    """The random sign flips of one task (a stream of its own, never its bootstrap stream)."""
    return np.random.default_rng([seed, zlib.crc32(task.encode("utf-8")), FLIP_STREAM])


def all_flips(n: int) -> np.ndarray:
    """Every one of the 2^n sign-flip vectors of n items (2^n × n booleans; row 0 flips nothing)."""
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(bool)


_FLIP_CHUNK = 1000
"""Flip vectors evaluated at once (bounds memory: a chunk × items matrix)."""


def _random_flips(rng: np.random.Generator, count: int, n: int) -> np.ndarray:
    """`count` random flip vectors of n items (uniform < 0.5), drawn a chunk of rows at a time: the same
    values as one (count × n) draw, without its float64 matrix in memory."""
    rows = [rng.random((min(_FLIP_CHUNK, count - start), n)) < 0.5 for start in range(0, count, _FLIP_CHUNK)]
    return np.concatenate(rows) if rows else np.zeros((0, n), dtype=bool)


def _flipped_values(stats_from: np.ndarray, stats_to: np.ndarray, aggregate: Aggregate, flips: np.ndarray) -> np.ndarray:
    """aggregate of `stats_to` with item i's row taken from `stats_from` where a row of `flips` says so."""
    fast = getattr(aggregate, "flipped", None)
    if fast is not None:
        return np.asarray(fast(stats_from, stats_to, flips), dtype=float)
    return np.fromiter((aggregate(np.where(f[:, None] > 0, stats_from, stats_to)) for f in flips), dtype=float,
                       count=len(flips))


def _flipped_contrasts(aligned: Sequence[np.ndarray], weights: Sequence[float], swap: Sequence[int],
                       aggregate: Aggregate, flips: np.ndarray) -> np.ndarray:
    """The contrast after each row of `flips` (True: the item's rows are exchanged by `swap`)."""
    out = []
    for start in range(0, len(flips), _FLIP_CHUNK):
        f = flips[start:start + _FLIP_CHUNK].astype(float)  # once per chunk, not once per run
        total = np.zeros(len(f))
        for j, w in enumerate(weights):
            if w != 0:
                total = total + w * _flipped_values(aligned[swap[j]], aligned[j], aggregate, f)
        out.append(total)
    return np.concatenate(out) if out else np.zeros(0)


def _p_from_flips(stats: np.ndarray, observed: float, exact: bool) -> float:
    """Two-sided p: the share of flips whose |contrast| reaches |observed| (ties count, with a relative
    tolerance for rounding); Monte Carlo adds one for the observed arrangement (never p = 0)."""
    tol = 1e-9 * max(1.0, abs(observed))
    hits = int(np.count_nonzero(np.abs(stats) >= abs(observed) - tol))
    return hits / len(stats) if exact else (hits + 1) / (len(stats) + 1)


def sign_flip_p(per_lang: Sequence[tuple[Sequence[np.ndarray], str]], weights: Sequence[float], aggregate: Aggregate,
                observed: float, permutations: int = PERMUTATIONS, seed: int = 0) -> tuple[float, PermutationTest]:
    """Two-sided paired permutation test of a contrast (or of the mean of per-language contrasts).

    `per_lang`: (aligned stats rows of every run, task name) per language. Under the null the runs are
    exchangeable within each item, so exchanging an item's rows (`swap_of`) is as likely as not. For a
    mean-type metric that is a sign flip of the item's difference; for a corpus metric (BLEU, chrF++,
    METEOR) the corpus value is recomputed from the exchanged rows (approximate randomisation). All 2^N
    flips of the N items are enumerated when 2^N ≤ `permutations` (an exact test), else `permutations`
    random flips are drawn, each language from its own stream `flip_stream(seed, task)`.
    """
    swap = swap_of(weights)
    sizes = [len(aligned[0]) for aligned, _ in per_lang]
    total = sum(sizes)
    exact = total < 63 and 2 ** total <= permutations
    if exact:
        flips = all_flips(total)
        cols = np.cumsum([0] + sizes)
        parts = [flips[:, cols[i]:cols[i + 1]] for i in range(len(sizes))]
    else:
        parts = [_random_flips(flip_stream(seed, task), permutations, n) for n, (_, task) in zip(sizes, per_lang)]
    stats = np.mean([_flipped_contrasts(aligned, weights, swap, aggregate, f)
                     for (aligned, _), f in zip(per_lang, parts)], axis=0)
    return _p_from_flips(stats, observed, exact), PermutationTest(len(stats), exact, seed)


def _contrast_replicates(aligned: Sequence[np.ndarray], weights: Sequence[float], aggregate: Aggregate,
                         resamples: int, seed: int, task: str) -> tuple[list[float], np.ndarray]:
    """Full-set values of each run and the replicated weighted sum (same indices for every run)."""
    idx = resample_indices(len(aligned[0]), resamples, seed, task)
    values = [float(aggregate(st)) for st in aligned]
    reps = sum(w * _resampled_values(st, aggregate, idx) for w, st in zip(weights, aligned))
    return values, np.asarray(reps, dtype=float)


def contrast_task(runs: Sequence[MetricScores], weights: Sequence[float], aggregate: Aggregate,
                  resamples: int = RESAMPLES, seed: int = 0, alpha: float = ALPHA,
                  permutations: int = PERMUTATIONS) -> Contrast:
    """A contrast of one metric on one task over the items scored ok in every run: bootstrap CI,
    sign-flip permutation p."""
    aligned, excluded = align(runs)
    first = runs[0]
    if len(aligned[0]) == 0:
        raise ValueError(f"{first.task} / {first.metric}: no item was scored in every run; nothing to compare")
    values, reps = _contrast_replicates(aligned, weights, aggregate, resamples, seed, first.task)
    delta = float(np.dot(weights, values))
    ci = CI(*percentile_interval(reps, alpha), resamples=resamples, seed=seed, alpha=alpha)
    p, test = sign_flip_p([(aligned, first.task)], weights, aggregate, delta, permutations, seed)
    return Contrast(first.lang, first.metric, tuple(values), tuple(weights), delta, ci, p,
                    len(aligned[0]), excluded, test=test)


def contrast_macro(per_lang: Sequence[Sequence[MetricScores]], weights: Sequence[float], aggregate: Aggregate,
                   resamples: int = RESAMPLES, seed: int = 0, alpha: float = ALPHA,
                   permutations: int = PERMUTATIONS) -> Contrast:
    """The contrast of macro averages (mean over languages): each bootstrap replicate resamples the
    common items of every language (the same indices for all runs) and averages the per-language
    contrasts; the permutation test flips the items of every language jointly."""
    all_values, all_reps, n, excluded = [], [], 0, 0
    flippable = []
    for runs in per_lang:
        aligned, e = align(runs)
        if len(aligned[0]) == 0:
            raise ValueError(f"{runs[0].task} / {runs[0].metric}: no item was scored in every run; no macro contrast")
        values, reps = _contrast_replicates(aligned, weights, aggregate, resamples, seed, runs[0].task)
        all_values.append(values), all_reps.append(reps)
        flippable.append((aligned, runs[0].task))
        n, excluded = n + len(aligned[0]), excluded + e
    values = tuple(float(v) for v in np.mean(all_values, axis=0))
    reps = np.mean(all_reps, axis=0)
    delta = float(np.dot(weights, values))
    ci = CI(*percentile_interval(reps, alpha), resamples=resamples, seed=seed, alpha=alpha)
    p, test = sign_flip_p(flippable, weights, aggregate, delta, permutations, seed)
    return Contrast("macro", per_lang[0][0].metric, values, tuple(weights), delta, ci, p, n, excluded, test=test)


def compare_task(a: MetricScores, b: MetricScores, aggregate: Aggregate, resamples: int = RESAMPLES,
                 seed: int = 0, alpha: float = ALPHA, permutations: int = PERMUTATIONS) -> Contrast:
    """Paired comparison of one metric on one task: B − A over the items scored in both runs."""
    return contrast_task([a, b], PAIR_WEIGHTS, aggregate, resamples, seed, alpha, permutations)


def compare_macro(pairs: Sequence[tuple[MetricScores, MetricScores]], aggregate: Aggregate,
                  resamples: int = RESAMPLES, seed: int = 0, alpha: float = ALPHA,
                  permutations: int = PERMUTATIONS) -> Contrast:
    """Paired comparison of the macro average: B − A, items resampled (and flipped) within each language."""
    return contrast_macro([list(p) for p in pairs], PAIR_WEIGHTS, aggregate, resamples, seed, alpha, permutations)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1), in input order."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def with_holm(results: Sequence[Contrast]) -> list[Contrast]:
    """The same comparisons with Holm-adjusted p-values across them (e.g. across languages)."""
    return [replace(r, p_holm=ph) for r, ph in zip(results, holm([r.p for r in results]))]


def format_p(p: float) -> str:
    """A p-value with three decimals; '<0.001' below that (finer is not claimed)."""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


# --------------------------------------------------------------------------------------------
# summary.json


def ci_signature(ci: CI) -> str:
    return f"ci:bs{ci.resamples}-{ci.method}-seed{ci.seed}"


def entry_with_ci(entry: dict[str, Any], ci: CI) -> dict[str, Any]:
    """A summary.json metric entry with `ci` filled and how it was drawn recorded in its signature
    fields and string (the CI part goes before the version, which stays last); idempotent."""
    entry["ci"] = [ci.low, ci.high]
    entry.setdefault("signature_fields", {}).update(ci.signature_fields())
    parts = [p for p in (entry.get("signature") or "").split("|") if p and not p.startswith("ci:")]
    tail = [parts.pop()] if parts and parts[-1].startswith("version:") else []
    entry["signature"] = "|".join(parts + [ci_signature(ci)] + tail)
    return entry


Direction = Literal[">", "<", "="]


def direction(p: Contrast) -> Direction:
    """'>' if B is significantly above A, '<' if below, '=' if not significant (Holm-adjusted when set)."""
    if not p.significant:
        return "="
    return ">" if p.delta > 0 else "<"


__all__ = [
    "ALPHA", "MIN_PAIRED_N", "PERMUTATIONS", "RESAMPLES", "Aggregate", "MeanAggregate", "CI", "Estimate",
    "MetricScores", "Contrast", "INTERACTION_WEIGHTS", "PAIR_WEIGHTS", "PermutationTest", "align", "all_flips",
    "bootstrap_ci", "bootstrap_replicates", "ci_signature", "compare_macro", "compare_task", "contrast_macro",
    "contrast_task", "direction", "entry_with_ci", "flip_stream", "format_p", "holm", "language_estimates",
    "mean_aggregate", "percentile_interval", "resample_indices", "sign_flip_p", "swap_of", "task_stream",
    "with_holm",
]
