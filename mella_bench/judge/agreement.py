"""Agreement between raters (a judge and people, or two people): pure maths on arrays.

Every comparison is a set of rating pairs (`Pairs`): two raters' values on the same unit (one
answer on one rubric), each unit belonging to an item. Confidence intervals come from a percentile
bootstrap over **items** (the sampling unit of a labelling round; an item's answers and labellers
move together), drawn from `mella_bench.stats`' seeded per-name streams. Quadratic-weighted
Cohen's κ, Krippendorff's α and pairwise accuracy are sums of per-item contingency tables, so
every resample is one matrix product (counts of each item × its table); Spearman's ρ ranks each
resample again.

Definitions (each checked against an independent implementation in tests/judge/test_agreement.py):
- κ_w: Cohen's κ with quadratic weights (v_i - v_j)² over the fixed scale (1 - Σ w·O / Σ w·E).
- α: Krippendorff's α from the coincidence matrix (ordinal, interval or nominal difference);
  a unit rated m times contributes each ordered pair of its values with weight 1/(m - 1).
- ρ: Spearman's rank correlation (Pearson's r of mid-ranks).
- pairwise accuracy with ties: share of comparisons where both raters give the same one of
  {first better, tie, second better} (acc_eq of Deutsch, Foster and Freitag, 2023).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal, Sequence

import numpy as np

from mella_bench.stats import ALPHA, CI, RESAMPLES, percentile_interval, resample_indices

Level = Literal["ordinal", "interval", "nominal"]
MAX_UNDEFINED_SHARE = 0.1
"""Above this share of resamples where a coefficient is undefined (a rater using one value only),
no CI is given: the interval of the rest would describe a different population."""
SPEARMAN_VARIANCE = 1.06
"""Var(atanh ρ̂) ≈ 1.06 / (n - 3) for Spearman's ρ (Fieller, Hartley and Pearson, 1957); 1 for Pearson's r."""


# --------------------------------------------------------------------------------------------
# coefficients on plain arrays


def _index(values: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """Position of each value in the sorted category list; a value outside it is an error."""
    pos = np.searchsorted(categories, values)
    ok = (pos < len(categories)) & (categories[np.minimum(pos, len(categories) - 1)] == values)
    if not np.all(ok):
        bad = sorted({float(v) for v in np.asarray(values)[~ok]})
        raise ValueError(f"values {bad} are not on the scale {categories.tolist()}")
    return pos


def _categories(categories: Sequence[float]) -> np.ndarray:
    cats = np.asarray(sorted(categories), dtype=float)
    if len(cats) < 2 or len(set(cats.tolist())) != len(cats):
        raise ValueError(f"a scale needs two or more distinct values, got {list(categories)}")
    return cats


def quadratic_weights(categories: Sequence[float]) -> np.ndarray:
    v = _categories(categories)
    return (v[:, None] - v[None, :]) ** 2


def confusion(a: Sequence[float], b: Sequence[float], categories: Sequence[float]) -> np.ndarray:
    """k × k counts: row = rater a's value, column = rater b's value."""
    cats = _categories(categories)
    ia, ib = _index(np.asarray(a, float), cats), _index(np.asarray(b, float), cats)
    k = len(cats)
    return np.bincount(ia * k + ib, minlength=k * k).reshape(k, k).astype(float)


def kappa_from_counts(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted κ of one table (k × k) or of a stack of tables (... × k × k); NaN where undefined
    (no pair, or no expected disagreement: both raters always gave the same single value)."""
    counts = np.asarray(counts, float)
    n = counts.sum(axis=(-2, -1))
    observed = (counts * weights).sum(axis=(-2, -1))
    expected = np.einsum("...i,...j,ij->...", counts.sum(axis=-1), counts.sum(axis=-2), weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(n > 0, expected / np.where(n > 0, n, 1), 0.0)
        return np.where(expected > 0, 1.0 - observed / np.where(expected > 0, expected, 1), np.nan)


def weighted_kappa(a: Sequence[float], b: Sequence[float], categories: Sequence[float]) -> float:
    """Cohen's κ with quadratic weights on a fixed scale (NaN when undefined)."""
    return float(kappa_from_counts(confusion(a, b, categories), quadratic_weights(categories)))


def coincidences(a: Sequence[float], b: Sequence[float], categories: Sequence[float],
                 weight: Sequence[float] | None = None) -> np.ndarray:
    """Krippendorff's coincidence matrix of value pairs: each pair adds `weight` to o[a, b] and o[b, a]."""
    cats = _categories(categories)
    ia, ib = _index(np.asarray(a, float), cats), _index(np.asarray(b, float), cats)
    w = np.ones(len(ia)) if weight is None else np.asarray(weight, float)
    k = len(cats)
    o = np.bincount(ia * k + ib, weights=w, minlength=k * k) + np.bincount(ib * k + ia, weights=w, minlength=k * k)
    return o.reshape(k, k)


def _difference(n_c: np.ndarray, categories: np.ndarray, level: Level) -> np.ndarray:
    """Squared difference δ²(c, k) for each pair of scale values (... × k × k)."""
    k = len(categories)
    if level == "interval":
        return np.broadcast_to((categories[:, None] - categories[None, :]) ** 2, n_c.shape[:-1] + (k, k))
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(k), n_c.shape[:-1] + (k, k))
    if level != "ordinal":
        raise ValueError(f"level must be ordinal, interval or nominal, not {level!r}")
    cum = np.cumsum(n_c, axis=-1)
    lo, hi = np.minimum.outer(np.arange(k), np.arange(k)), np.maximum.outer(np.arange(k), np.arange(k))
    between = cum[..., hi] - cum[..., lo] + n_c[..., lo]  # n_lo + ... + n_hi
    return (between - (n_c[..., :, None] + n_c[..., None, :]) / 2) ** 2


def alpha_from_coincidences(o: np.ndarray, categories: Sequence[float], level: Level) -> np.ndarray:
    """Krippendorff's α of one coincidence matrix or a stack of them; NaN where undefined (fewer
    than two pairable values, or no expected disagreement)."""
    cats = _categories(categories)
    o = np.asarray(o, float)
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    d = _difference(n_c, cats, level)
    observed = (o * d).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * d).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (expected > 0) & (n > 1)
        return np.where(ok, 1.0 - (n - 1) * observed / np.where(ok, expected, 1), np.nan)


def krippendorff_alpha(units: Sequence[Sequence[float]], categories: Sequence[float], level: Level) -> float:
    """α over units, each the list of values it received (missing ratings simply absent)."""
    a, b, w = unit_pairs(units)
    return float(alpha_from_coincidences(coincidences(a, b, categories, w), categories, level))


def unit_pairs(units: Sequence[Sequence[float]]) -> tuple[list[float], list[float], list[float]]:
    """Every unordered pair of values within a unit, weighted 1/(m - 1) for a unit with m values
    (units with one value are not pairable and drop out)."""
    a: list[float] = []
    b: list[float] = []
    w: list[float] = []
    for values in units:
        m = len(values)
        for i in range(m):
            for j in range(i + 1, m):
                a.append(values[i]), b.append(values[j]), w.append(1.0 / (m - 1))
    return a, b, w


def rankdata(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given the mean of the ranks they span."""
    x = np.asarray(x, float)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.r_[True, xs[1:] != xs[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], len(xs)] - 1
    ranks = np.empty(len(x))
    ranks[order] = (first[group] + last[group]) / 2 + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's ρ (NaN when either rater gives one value only)."""
    ra, rb = rankdata(np.asarray(a, float)), rankdata(np.asarray(b, float))
    if len(ra) < 2:
        return math.nan
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt(float(ra @ ra) * float(rb @ rb))
    return float(ra @ rb) / den if den > 0 else math.nan


def pairwise_accuracy(a: Sequence[float], b: Sequence[float]) -> float:
    """Share of comparisons where both raters chose the same outcome (a tie is an outcome)."""
    a_, b_ = np.asarray(a), np.asarray(b)
    return float(np.mean(a_ == b_)) if len(a_) else math.nan


# --------------------------------------------------------------------------------------------
# bootstrap over items


@dataclass(frozen=True, eq=False)
class Pairs:
    """Two raters' values on the same units; row i belongs to item `item[i]` (0 .. n_items - 1)."""

    item: np.ndarray
    a: np.ndarray
    b: np.ndarray
    n_items: int
    weight: np.ndarray | None = None
    """Per-pair weight in Krippendorff's coincidences (1/(m - 1) for a unit rated m times); None = 1."""

    @staticmethod
    def of(item: Sequence[int], a: Sequence[float], b: Sequence[float], n_items: int | None = None,
           weight: Sequence[float] | None = None) -> "Pairs":
        it = np.asarray(item, dtype=int)
        if not (len(it) == len(a) == len(b)) or (weight is not None and len(weight) != len(it)):
            raise ValueError("item, a, b (and weight) must have one entry per pair")
        return Pairs(it, np.asarray(a, float), np.asarray(b, float),
                     int(n_items if n_items is not None else (it.max() + 1 if len(it) else 0)),
                     None if weight is None else np.asarray(weight, float))

    @property
    def n(self) -> int:
        return len(self.item)

    def compact(self) -> "Pairs":
        """The same pairs with items renumbered 0 .. m - 1 over the m items that have a pair (an
        item without pairs must not be drawn by the bootstrap)."""
        used, item = np.unique(self.item, return_inverse=True)
        return self if len(used) == self.n_items else Pairs(item.astype(int), self.a, self.b, len(used), self.weight)

    def per_item(self, table: np.ndarray) -> np.ndarray:
        """Sum rows of a per-pair table (n × m) into a per-item table (n_items × m)."""
        out = np.zeros((self.n_items, table.shape[1]))
        np.add.at(out, self.item, table)
        return out


def resample_counts(n_items: int, resamples: int = RESAMPLES, seed: int = 0, stream: str = "") -> np.ndarray:
    """How often each item is drawn in each bootstrap resample (resamples × n_items), from the
    named stream of `stats.resample_indices`."""
    idx = resample_indices(n_items, resamples, seed, stream)
    flat = (idx + n_items * np.arange(resamples)[:, None]).ravel()
    return np.bincount(flat, minlength=resamples * n_items).reshape(resamples, n_items).astype(float)


def _one_hot_pairs(p: Pairs, cats: np.ndarray, symmetric: bool) -> np.ndarray:
    """Per-pair flattened k × k table: 1 at (a, b) (and at (b, a) for a coincidence matrix)."""
    k = len(cats)
    ia, ib = _index(p.a, cats), _index(p.b, cats)
    w = np.ones(p.n) if p.weight is None or not symmetric else p.weight
    table = np.zeros((p.n, k * k))
    rows = np.arange(p.n)
    np.add.at(table, (rows, ia * k + ib), w)
    if symmetric:
        np.add.at(table, (rows, ib * k + ia), w)
    return table


Metric = Literal["kappa_qw", "alpha_ordinal", "alpha_interval", "spearman", "pairwise_accuracy"]
SCALE_METRICS: tuple[Metric, ...] = ("kappa_qw", "alpha_ordinal", "alpha_interval", "spearman")
PREFERENCE_METRICS: tuple[Metric, ...] = ("pairwise_accuracy",)


def _values(p: Pairs, metric: Metric, cats: np.ndarray | None, counts: np.ndarray | None) -> np.ndarray:
    """The coefficient on the full set (counts None: one value) or on each resample (counts R × n_items)."""
    weights = np.ones((1, p.n_items)) if counts is None else counts
    k = len(cats) if cats is not None else 0
    if metric == "kappa_qw":
        tables = weights @ p.per_item(_one_hot_pairs(p, cats, symmetric=False))
        return kappa_from_counts(tables.reshape(-1, k, k), quadratic_weights(cats))
    if metric in ("alpha_ordinal", "alpha_interval"):
        tables = weights @ p.per_item(_one_hot_pairs(p, cats, symmetric=True))
        return alpha_from_coincidences(tables.reshape(-1, k, k), cats, metric.split("_")[1])  # type: ignore[arg-type]
    if metric == "pairwise_accuracy":
        sums = weights @ p.per_item(np.stack([(p.a == p.b).astype(float), np.ones(p.n)], axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(sums[:, 1] > 0, sums[:, 0] / np.where(sums[:, 1] > 0, sums[:, 1], 1), np.nan)
    if metric == "spearman":
        reps = weights[:, p.item].astype(int)  # each pair repeated as often as its item was drawn
        return np.array([spearman(np.repeat(p.a, r), np.repeat(p.b, r)) for r in reps])
    raise ValueError(f"unknown agreement metric {metric!r}")


@dataclass(frozen=True)
class Coefficient:
    """One agreement coefficient with its bootstrap CI over items."""

    metric: str
    value: float | None
    ci: CI | None
    n_items: int
    n_pairs: int
    undefined_resamples: int = 0
    """Resamples in which the coefficient was undefined (left out of the interval)."""
    problem: str | None = None
    """Why there is no value or no CI."""

    def to_json(self) -> dict[str, object]:
        return {"value": self.value, "ci": [self.ci.low, self.ci.high] if self.ci else None,
                "n_items": self.n_items, "n_pairs": self.n_pairs, "undefined_resamples": self.undefined_resamples,
                "problem": self.problem}


@dataclass(frozen=True)
class BootstrapSpec:
    resamples: int = RESAMPLES
    seed: int = 0
    alpha: float = ALPHA
    max_undefined_share: float = MAX_UNDEFINED_SHARE


def coefficient(p: Pairs, metric: Metric, categories: Sequence[float] | None = None,
                spec: BootstrapSpec = BootstrapSpec(), stream: str = "") -> Coefficient:
    """The coefficient and its percentile-bootstrap CI over items (items drawn from `stream`, so the
    coefficients of one comparison see the same resamples)."""
    cats = _categories(categories) if categories is not None else None
    p = p.compact()
    n_items = p.n_items
    if p.n == 0:
        return Coefficient(metric, None, None, 0, 0, problem="no rating pairs")
    value = float(_values(p, metric, cats, None)[0])
    if not math.isfinite(value):
        return Coefficient(metric, None, None, n_items, p.n,
                           problem="undefined: a rater gave one value only (no variation to agree on)")
    if spec.resamples <= 0 or n_items < 2:
        return Coefficient(metric, value, None, n_items, p.n, problem=None if spec.resamples <= 0 else "one item: no CI")
    reps = _values(p, metric, cats, resample_counts(n_items, spec.resamples, spec.seed, stream))
    finite = reps[np.isfinite(reps)]
    undefined = int(len(reps) - len(finite))
    if undefined > spec.max_undefined_share * len(reps):
        return Coefficient(metric, value, None, n_items, p.n, undefined,
                           problem=f"undefined in {undefined} of {len(reps)} resamples: too few varied ratings for a CI")
    ci = CI(*percentile_interval(finite, spec.alpha), resamples=spec.resamples, seed=spec.seed, alpha=spec.alpha)
    return Coefficient(metric, value, ci, n_items, p.n, undefined)


# --------------------------------------------------------------------------------------------
# planning: how many items for a CI of a given width


def fisher_ci_width(r: float, n: int, level: float = 1 - ALPHA, variance: float = 1.0) -> float:
    """Expected width of the CI of a correlation-type coefficient r on n items, from Fisher's z
    (atanh r ± z_(1-α/2) · sqrt(variance / (n - 3))). Quadratic-weighted κ behaves like an intraclass
    correlation (Fleiss and Cohen, 1973), so this also sizes κ_w; variance 1.06 for Spearman's ρ."""
    if n <= 3:
        return math.inf
    z = math.atanh(max(-0.999999, min(0.999999, r)))
    h = NormalDist().inv_cdf(1 - (1 - level) / 2) * math.sqrt(variance / (n - 3))
    return math.tanh(z + h) - math.tanh(z - h)


def items_for_ci_width(width: float, r: float, level: float = 1 - ALPHA, variance: float = 1.0) -> int:
    """Smallest n whose expected CI width (`fisher_ci_width`) is at most `width`."""
    if not 0 < width < 2:
        raise ValueError("the CI width must lie between 0 and 2")
    hi = 4
    while fisher_ci_width(r, hi, level, variance) > width:
        hi *= 2
    lo = max(3, hi // 2)  # width(lo) > target (or lo = 3, infinitely wide); width(hi) <= target
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fisher_ci_width(r, mid, level, variance) > width else (lo, mid)
    return hi


__all__ = ["BootstrapSpec", "Coefficient", "MAX_UNDEFINED_SHARE", "Metric", "PREFERENCE_METRICS", "Pairs",
           "SCALE_METRICS", "SPEARMAN_VARIANCE", "alpha_from_coincidences", "coefficient", "coincidences",
           "confusion", "fisher_ci_width", "items_for_ci_width", "kappa_from_counts", "krippendorff_alpha",
           "pairwise_accuracy", "quadratic_weights", "rankdata", "resample_counts", "spearman", "unit_pairs",
           "weighted_kappa"]
