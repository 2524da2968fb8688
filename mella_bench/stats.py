"""Bootstrap confidence intervals and paired tests from per-item sufficient statistics.

Every metric stores, per item, a row of sufficient statistics (`stats` in scores.jsonl) from which
the task value is recomputed by the metric's `aggregate` (BLEU: n-gram counts summed over items;
mean-type metrics: `[value]`). A bootstrap resample is a multiset of row indices, so a resampled
corpus value is `aggregate(stats[indices])`: nothing is re-tokenised and no scorer runs again,
yet corpus metrics (BLEU, chrF++) are recomputed on each resample exactly as on the full set.

Randomness is reproducible and recorded: each task draws its resamples from its own stream,
`numpy.random.default_rng([seed, crc32(task name)])`, so the per-language CIs, the macro CI and the
paired tests all see the same resamples of the same language, and one task's stream does not
depend on which other tasks a run contains.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Literal, NamedTuple, Sequence

import numpy as np

from mella_bench.results import SCORES, SUMMARY, read_json, read_jsonl, write_json

Aggregate = Callable[[np.ndarray], float]
"""Task-level value (0–100 scale) from the stats rows (n_items × k) of the items of one task."""

RESAMPLES = 1000
ALPHA = 0.05
CI_METHOD = "percentile"


# --------------------------------------------------------------------------------------------
# aggregates


def mean_aggregate(stats: np.ndarray) -> float:
    """Aggregate of a mean-type metric whose stats row is `[value]`."""
    return float(np.mean(stats[:, 0]))


mean_aggregate.vectorised_mean = True  # type: ignore[attr-defined]  # fast path: see _resampled_values


def metric_aggregate(metric: str) -> Aggregate:
    """The aggregate of a metric name, from `mella_bench.metrics` (imported lazily).

    Judge dimensions (`judge:<rubric>`) are means of per-item scores by definition (one 1-5 score per item).
    """
    if metric.startswith("judge:"):
        return mean_aggregate
    try:
        from mella_bench.metrics import aggregate
    except ImportError as exc:  # the metrics package is a separate module; say what is missing
        raise RuntimeError(f"cannot aggregate metric '{metric}': mella_bench.metrics is not available ({exc})") from exc

    as_lists = False  # flips once if the metrics package wants plain lists rather than an array

    def _agg(stats: np.ndarray) -> float:
        nonlocal as_lists
        if not as_lists:
            try:
                return float(aggregate(metric, stats))
            except (TypeError, ValueError):
                as_lists = True
        return float(aggregate(metric, stats.tolist()))

    _agg.__name__ = f"aggregate[{metric}]"
    return _agg


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
    if getattr(aggregate, "vectorised_mean", False):
        return stats[:, 0][indices].mean(axis=1)
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


class ScoresError(ValueError):
    """A scores.jsonl record that cannot be used; the message names file, line and field."""


def _check_row(path: Path, line: int, rec: dict) -> None:
    for key in ("task", "item_id", "lang", "axis", "metric", "status"):
        if not isinstance(rec.get(key), str):
            raise ScoresError(f"{path}:{line}: field '{key}' must be a string, got {rec.get(key)!r}")
    if rec["status"] not in ("ok", "failed"):
        raise ScoresError(f"{path}:{line}: field 'status' must be 'ok' or 'failed', got {rec['status']!r}")
    if rec["status"] == "ok":
        st = rec.get("stats")
        if not isinstance(st, list) or not st or not all(isinstance(x, (int, float)) and math.isfinite(x) for x in st):
            raise ScoresError(f"{path}:{line}: field 'stats' must be a non-empty list of finite numbers "
                              f"for an ok row, got {st!r}")


def scores_from_rows(rows: Iterable[dict], source: str = "<rows>") -> dict[tuple[str, str], MetricScores]:
    """Group scores.jsonl-style rows by (task, metric); a later row for the same item replaces an earlier one."""
    path = Path(source)
    latest: dict[tuple[str, str], dict[str, dict]] = {}
    for line, rec in enumerate(rows, 1):
        _check_row(path, line, rec)
        latest.setdefault((rec["task"], rec["metric"]), {})[rec["item_id"]] = rec
    out: dict[tuple[str, str], MetricScores] = {}
    for (task, metric), by_item in latest.items():
        ok = [r for r in by_item.values() if r["status"] == "ok"]
        widths = {len(r["stats"]) for r in ok}
        if len(widths) > 1:
            raise ScoresError(f"{source}: task {task}, metric {metric}: stats rows have different lengths {sorted(widths)}")
        first = next(iter(by_item.values()))
        out[(task, metric)] = MetricScores(
            task=task, lang=first["lang"], axis=first["axis"], metric=metric,
            item_ids=tuple(r["item_id"] for r in ok),
            stats=np.array([r["stats"] for r in ok], dtype=float).reshape(len(ok), widths.pop() if widths else 0),
            failed=tuple(r["item_id"] for r in by_item.values() if r["status"] == "failed"))
    return out


def load_scores(run_dir: Path) -> dict[tuple[str, str], MetricScores]:
    """Per-(task, metric) statistics of a run directory's scores.jsonl."""
    path = Path(run_dir) / SCORES
    if not Path(run_dir).is_dir():
        raise FileNotFoundError(f"{run_dir} does not exist; give a run directory made by `mella-bench run`")
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} has no {SCORES}; score the run first: `mella-bench score {run_dir}`")
    return scores_from_rows(_fast_rows(path), str(path))


def _fast_rows(path: Path) -> list[dict]:
    """All records in one JSON parse (about twice as fast as line by line on 100k+ rows); any
    irregular file (a torn tail, a corrupt line) goes through read_jsonl for its exact error."""
    lines = [ln for ln in path.read_text(encoding="utf-8").split("\n") if ln.strip()]
    try:
        rows = json.loads("[" + ",".join(lines) + "]")
    except json.JSONDecodeError:
        return list(read_jsonl(path))
    return rows if len(rows) == len(lines) and all(isinstance(r, dict) for r in rows) else list(read_jsonl(path))


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


def estimate(ms: MetricScores, aggregate: Aggregate, resamples: int = RESAMPLES, seed: int = 0,
             alpha: float = ALPHA) -> Estimate:
    """Value and bootstrap CI of one metric on one task; no value (None) when no item was scored."""
    if ms.n == 0:
        return Estimate(None, None, 0, ms.n_failed)
    value = float(aggregate(ms.stats))
    ci = bootstrap_ci(ms.stats, aggregate, resamples, seed, alpha, task=ms.task) if resamples > 0 else None
    return Estimate(value, ci, ms.n, ms.n_failed)


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


def macro_estimate(per_lang: Sequence[MetricScores], aggregate: Aggregate, resamples: int = RESAMPLES,
                   seed: int = 0, alpha: float = ALPHA) -> Estimate:
    """Macro average (mean over languages) with its bootstrap CI; see `language_estimates`."""
    return language_estimates(per_lang, aggregate, resamples, seed, alpha)[1]


# --------------------------------------------------------------------------------------------
# paired comparisons and contrasts between runs on the same items


@dataclass(frozen=True)
class Contrast:
    """A weighted sum of runs' values, sum_i w_i * value_i, on the items every run scored.

    Two runs with weights (-1, +1) are the paired comparison B − A; four ablation arms with
    (+1, -1, -1, +1) over (base, culture, linguistic, full) are the interaction term. The bootstrap
    resamples the common items once per replicate and applies the same indices to every run.
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
    """Two-sided bootstrap p-value of delta = 0."""
    n: int
    """Items in the contrast (scored ok in every run)."""
    n_excluded: int
    """Items scored in some but not all runs (failed or missing somewhere): left out, counted here."""
    p_holm: float | None = None

    @property
    def value_a(self) -> float:
        return self.values[0]

    @property
    def value_b(self) -> float:
        return self.values[-1]

    @property
    def significant(self) -> bool:
        p = self.p_holm if self.p_holm is not None else self.p
        return p < self.ci.alpha


Paired = Contrast
"""A two-run contrast, weights (-1, +1): delta = B − A."""

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


def _p_value(deltas: np.ndarray, observed: float) -> float:
    """Two-sided bootstrap p-value: the bootstrap distribution shifted to mean zero (the null)
    reaches at least |observed|. Identical runs give p = 1; add-one smoothing keeps p > 0."""
    exceed = np.count_nonzero(np.abs(deltas - observed) >= abs(observed) - 1e-12)
    return float((exceed + 1) / (len(deltas) + 1))


def _contrast_replicates(aligned: Sequence[np.ndarray], weights: Sequence[float], aggregate: Aggregate,
                         resamples: int, seed: int, task: str) -> tuple[list[float], np.ndarray]:
    """Full-set values of each run and the replicated weighted sum (same indices for every run)."""
    idx = resample_indices(len(aligned[0]), resamples, seed, task)
    values = [float(aggregate(st)) for st in aligned]
    reps = sum(w * _resampled_values(st, aggregate, idx) for w, st in zip(weights, aligned))
    return values, np.asarray(reps, dtype=float)


def paired_bootstrap(stats_a: np.ndarray, stats_b: np.ndarray, aggregate: Aggregate, resamples: int = RESAMPLES,
                     seed: int = 0, alpha: float = ALPHA, task: str = "") -> tuple[float, float, float, CI, float]:
    """(value_a, value_b, delta = B − A, CI of delta, p) for two aligned stats matrices (row i = same item)."""
    if len(stats_a) != len(stats_b) or len(stats_a) == 0:
        raise ValueError("paired bootstrap needs the same, non-empty set of items in both runs (aligned rows)")
    (va, vb), deltas = _contrast_replicates([stats_a, stats_b], PAIR_WEIGHTS, aggregate, resamples, seed, task)
    ci = CI(*percentile_interval(deltas, alpha), resamples=resamples, seed=seed, alpha=alpha)
    return va, vb, vb - va, ci, _p_value(deltas, vb - va)


def contrast_task(runs: Sequence[MetricScores], weights: Sequence[float], aggregate: Aggregate,
                  resamples: int = RESAMPLES, seed: int = 0, alpha: float = ALPHA) -> Contrast:
    """A contrast of one metric on one task over the items scored ok in every run."""
    aligned, excluded = align(runs)
    first = runs[0]
    if len(aligned[0]) == 0:
        raise ValueError(f"{first.task} / {first.metric}: no item was scored in every run; nothing to compare")
    values, reps = _contrast_replicates(aligned, weights, aggregate, resamples, seed, first.task)
    delta = float(np.dot(weights, values))
    ci = CI(*percentile_interval(reps, alpha), resamples=resamples, seed=seed, alpha=alpha)
    return Contrast(first.lang, first.metric, tuple(values), tuple(weights), delta, ci, _p_value(reps, delta),
                    len(aligned[0]), excluded)


def contrast_macro(per_lang: Sequence[Sequence[MetricScores]], weights: Sequence[float], aggregate: Aggregate,
                   resamples: int = RESAMPLES, seed: int = 0, alpha: float = ALPHA) -> Contrast:
    """The contrast of macro averages (mean over languages): each replicate resamples the common
    items of every language (the same indices for all runs) and averages the per-language contrasts."""
    all_values, all_reps, n, excluded = [], [], 0, 0
    for runs in per_lang:
        aligned, e = align(runs)
        if len(aligned[0]) == 0:
            raise ValueError(f"{runs[0].task} / {runs[0].metric}: no item was scored in every run; no macro contrast")
        values, reps = _contrast_replicates(aligned, weights, aggregate, resamples, seed, runs[0].task)
        all_values.append(values), all_reps.append(reps)
        n, excluded = n + len(aligned[0]), excluded + e
    values = tuple(float(v) for v in np.mean(all_values, axis=0))
    reps = np.mean(all_reps, axis=0)
    delta = float(np.dot(weights, values))
    ci = CI(*percentile_interval(reps, alpha), resamples=resamples, seed=seed, alpha=alpha)
    return Contrast("macro", per_lang[0][0].metric, values, tuple(weights), delta, ci, _p_value(reps, delta),
                    n, excluded)


def compare_task(a: MetricScores, b: MetricScores, aggregate: Aggregate, resamples: int = RESAMPLES,
                 seed: int = 0, alpha: float = ALPHA) -> Paired:
    """Paired bootstrap of one metric on one task: B − A over the items scored in both runs."""
    return contrast_task([a, b], PAIR_WEIGHTS, aggregate, resamples, seed, alpha)


def compare_macro(pairs: Sequence[tuple[MetricScores, MetricScores]], aggregate: Aggregate,
                  resamples: int = RESAMPLES, seed: int = 0, alpha: float = ALPHA) -> Paired:
    """Paired bootstrap of the macro average: B − A, items resampled within each language."""
    return contrast_macro([list(p) for p in pairs], PAIR_WEIGHTS, aggregate, resamples, seed, alpha)


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


def format_p(p: float, resamples: int) -> str:
    """p-values at the bootstrap's resolution: below 1/(R+1) nothing finer can be claimed."""
    floor = 1 / (resamples + 1)
    return f"<{_round_up(floor)}" if p <= floor + 1e-12 else f"{p:.3f}"


def _round_up(x: float) -> str:
    digits = max(1, -int(math.floor(math.log10(x))))
    return f"{math.ceil(x * 10 ** digits) / 10 ** digits:.{digits}f}".rstrip("0")


# --------------------------------------------------------------------------------------------
# summary.json


def ci_signature(ci: CI) -> str:
    return f"ci:bs{ci.resamples}-{ci.method}-seed{ci.seed}"


def add_cis_to_summary(run_dir: Path, resamples: int = RESAMPLES, seed: int | None = None,
                       alpha: float = ALPHA, aggregates: Callable[[str], Aggregate] = metric_aggregate) -> dict:
    """Fill `ci` of every metric in summary.json from scores.jsonl and record how (resamples, seed,
    method) in its signature fields and string. The seed defaults to run.json's `seeds.run`."""
    run_dir = Path(run_dir)
    path = run_dir / SUMMARY
    summary = read_json(path)
    if seed is None:
        seed = _run_seed(run_dir)
    scores = load_scores(run_dir)
    for task, entry in summary.get("tasks", {}).items():
        for metric, m in entry.get("metrics", {}).items():
            ms = scores.get((task, metric))
            if ms is None or ms.n == 0:
                m["ci"] = None
                continue
            ci = bootstrap_ci(ms.stats, aggregates(metric), resamples, seed, alpha, task=task)
            m["ci"] = [ci.low, ci.high]
            m.setdefault("signature_fields", {}).update(ci.signature_fields())
            sig = m.get("signature") or ""
            parts = [s for s in sig.split("|") if s and not s.startswith("ci:")]
            tail = [parts.pop()] if parts and parts[-1].startswith("version:") else []  # version stays last
            m["signature"] = "|".join(parts + [ci_signature(ci)] + tail)
    write_json(path, summary)
    return summary


def _run_seed(run_dir: Path) -> int:
    try:
        return int(read_json(run_dir / "run.json").get("seeds", {}).get("run", 0))
    except (FileNotFoundError, ValueError, TypeError):
        return 0


Direction = Literal[">", "<", "="]


def direction(p: Paired) -> Direction:
    """'>' if B is significantly above A, '<' if below, '=' if not significant (Holm-adjusted when set)."""
    if not p.significant:
        return "="
    return ">" if p.delta > 0 else "<"


__all__ = [
    "ALPHA", "RESAMPLES", "Aggregate", "CI", "Estimate", "MetricScores", "Paired", "ScoresError",
    "Contrast", "INTERACTION_WEIGHTS", "PAIR_WEIGHTS", "add_cis_to_summary", "align", "bootstrap_ci", "bootstrap_replicates",
    "compare_macro", "compare_task", "contrast_macro", "contrast_task", "direction", "estimate", "format_p",
    "holm", "language_estimates", "load_scores", "macro_estimate", "mean_aggregate", "metric_aggregate", "paired_bootstrap",
    "percentile_interval", "resample_indices", "scores_from_rows", "task_stream", "with_holm",
]
