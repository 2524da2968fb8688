"""The metric registry: one `Metric` object per metric, the only place that lists metrics.

Each entry says what the metric is (mean of per-item values, or a corpus formula over summed
per-item statistics), how to score a corpus, how a task value and 1,000 bootstrap values are made
from the per-item stats, its scale and display, which axes it applies to and in which profiles it
is reported. Scoring, CIs, the report, the paper tables, the ablation and the judge's dimensions all
read it, so adding a metric is one entry here plus its implementation module (sacrebleu's design:
one object per metric, per-item sufficient statistics, a structured signature).

Judge dimensions (`judge:<rubric>`) are not listed: every rubric is a mean-type metric on the 1–5
scale, made on demand by `get_metric`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping, Sequence

import numpy as np

from mella_bench.langs import AXES, Axis
from mella_bench.metrics.base import Corpus, MetricResult, ScoringSession, render_signature
from mella_bench.metrics.cider import cider
from mella_bench.metrics.fidelity import fidelity
from mella_bench.metrics.keywords import keyword_acc, keyword_acc_strict
from mella_bench.metrics.meteor import meteor, meteor_from_sums, meteor_from_stats, pool_rows
from mella_bench.metrics.ngram import bleu, bleu_from_stats, bleu_from_sums, chrf, chrf_from_stats, chrf_from_sums
from mella_bench.metrics.rouge import rouge_l

Kind = Literal["mean", "corpus"]
Needs = Literal["references", "keywords", "output"]
PoolRows = Callable[[np.ndarray], "tuple[np.ndarray, np.ndarray]"]
JUDGE_PREFIX = "judge:"
PROFILES = ("paper", "full")


def sum_rows(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Default pooling of a corpus metric: every column is summed, nothing is appended."""
    return stats, np.zeros(0)


def resample_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """(resamples × n) matrix: how often each item occurs in each resample (row of `indices`)."""
    resamples = len(indices)
    flat = (indices + (np.arange(resamples) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=resamples * n).reshape(resamples, n).astype(float)


@dataclass(frozen=True)
class Metric:
    """One metric: identity, implementation, aggregation, display and applicability.

    A Metric is also the `Aggregate` the statistics take: `metric(stats)` is the task value of an
    (items × k) stats matrix, `metric.resampled(stats, indices)` its value on every bootstrap resample.
    """

    name: str
    kind: Kind
    axes: tuple[Axis, ...]
    """Task axes the metric applies to (keyword metrics need `know` items' keywords)."""
    needs: Needs = "references"
    """What it compares the output with: references, the item's keywords, or nothing (the output alone)."""
    paper_axes: tuple[Axis, ...] = ()
    """Axes on which MELLA reports it (the paper profile); everywhere else it is in the full profile only."""
    score: Callable[[Corpus, ScoringSession], MetricResult] | None = None
    """Corpus and the scoring session (whose resources, such as METEOR's JVMs, a scorer may ask for) →
    per-item values, stats and signature fields; None for judge dimensions (their rows come from the judge)."""
    corpus_dependent: bool = False
    """An item's value depends on the other items of its task (CIDEr-D: document frequencies over the
    task's references, and vectorised sums whose last bits depend on the batch), so `score` reuses it
    only when no item of the task changed (`mella_bench.metrics.reuse`)."""
    from_sums: Callable[[Sequence[float]], float] | None = None
    """Corpus metrics: the value of one pooled stats row (the reference form, e.g. sacrebleu's own)."""
    from_sums_batch: Callable[[np.ndarray], np.ndarray] | None = None
    """Corpus metrics: `from_sums` of every row of a matrix, in numpy (bootstrap resamples)."""
    pool: PoolRows = sum_rows
    """Corpus metrics: per-item rows → (rows whose column sums are pooled, constants appended after the sums)."""
    scale: tuple[float, float] = (0.0, 100.0)
    decimals: int = 1
    """Digits the report shows (1–5 judge scales need two)."""
    order: int = 0
    """Display order (rank in the registry)."""
    title: str = ""
    """Name shown in reports and the HTML viewer (e.g. 'BLEU-4')."""
    label: str = ""
    """Short name (at most 9 characters) for the headline's narrow first column."""

    # -------------------------------------------------------------------- aggregation

    def __call__(self, stats: Any) -> float:
        return self.aggregate(stats)

    def aggregate(self, stats: Any) -> float:
        """Task value from the per-item stats rows; ValueError when there is none."""
        if len(stats) == 0:
            raise ValueError(f"no scored items to aggregate for '{self.name}'")
        if self.kind == "mean":
            return math.fsum(row[0] for row in stats) / len(stats)
        matrix = _matrix(self.name, stats)
        rows, constants = self.pool(matrix)
        summed = [math.fsum(col) for col in rows.T.tolist()] + constants.tolist()
        assert self.from_sums is not None
        return float(self.from_sums(summed))

    def resampled(self, stats: np.ndarray, indices: np.ndarray) -> np.ndarray:
        """The task value on every bootstrap resample (a row of `indices` is one resample's item rows).

        Corpus metrics: resample-count matrix × pooled per-item rows gives every resample's summed
        stats at once; the closed form then runs on whole columns (no per-resample Python loop).
        """
        stats = np.asarray(stats, dtype=float)
        if self.kind == "mean":
            return stats[:, 0][indices].mean(axis=1)
        rows, constants = self.pool(_matrix(self.name, stats))
        sums = resample_counts(indices, len(rows)) @ rows
        if len(constants):
            sums = np.hstack([sums, np.broadcast_to(constants, (len(sums), len(constants)))])
        assert self.from_sums_batch is not None
        return self.from_sums_batch(sums)

    def flipped(self, stats_from: np.ndarray, stats_to: np.ndarray, flips: np.ndarray) -> np.ndarray:
        """The task value of the corpus that takes item i's row from `stats_from` where `flips[r, i]` and
        from `stats_to` elsewhere, for every row r of `flips` (the paired sign-flip test's replicates).

        Pooling is linear, so each replicate's summed stats are sum(to) + flips @ (from − to): one
        matrix product, no per-replicate gather."""
        a, b = np.asarray(stats_from, dtype=float), np.asarray(stats_to, dtype=float)
        f = np.asarray(flips, dtype=float)
        if self.kind == "mean":
            return (b[:, 0].sum() + f @ (a[:, 0] - b[:, 0])) / len(b)
        rows_a, constants = self.pool(_matrix(self.name, a))
        rows_b, _ = self.pool(_matrix(self.name, b))
        sums = rows_b.sum(axis=0) + f @ (rows_a - rows_b)
        if len(constants):
            sums = np.hstack([sums, np.broadcast_to(constants, (len(sums), len(constants)))])
        assert self.from_sums_batch is not None
        return self.from_sums_batch(sums)

    # -------------------------------------------------------------------- reporting

    def applies_to(self, axis: str) -> bool:
        return axis in self.axes

    def profiles(self, axis: str) -> tuple[str, ...]:
        """`("paper", "full")` where MELLA reports this metric on `axis`, else `("full",)`."""
        return PROFILES if axis in self.paper_axes else ("full",)

    def signature_fields(self, fields: Mapping[str, Any], n: int, failure_rate: float) -> dict[str, Any]:
        """What a number of this metric rests on: the scorer's fields plus n and the failure rate."""
        return {**fields, "n": n, "failure_rate": round(failure_rate, 4)}

    def signature(self, fields: Mapping[str, Any], n: int, failure_rate: float) -> str:
        """The sacrebleu-style signature string of a value computed from n items."""
        return render_signature(self.signature_fields(fields, n, failure_rate))

    @property
    def unit(self) -> str:
        low, high = self.scale
        return f"{low:g}–{high:g}"


def _matrix(name: str, stats: Any) -> np.ndarray:
    if isinstance(stats, np.ndarray):
        return stats.astype(float, copy=False)
    widths = {len(r) for r in stats}
    if len(widths) != 1:
        raise ValueError(f"'{name}' stats rows have different lengths {sorted(widths)}")
    return np.array(stats, dtype=float)


def _plain(scorer: Callable[[Corpus], MetricResult]) -> Callable[[Corpus, ScoringSession], MetricResult]:
    """A scorer that needs nothing from the session."""
    return functools.wraps(scorer)(lambda corpus, _session: scorer(corpus))


_BOTH: tuple[Axis, ...] = AXES
_REGISTERED: tuple[Metric, ...] = (
    Metric("keyword_acc", "mean", axes=("know",), needs="keywords", paper_axes=("know",), score=_plain(keyword_acc),
           title="Keyword Accuracy", label="KwAcc"),
    Metric("keyword_acc_strict", "mean", axes=("know",), needs="keywords", score=_plain(keyword_acc_strict),
           title="Keyword Accuracy (strict)", label="KwStrict"),
    Metric("meteor", "corpus", axes=_BOTH, paper_axes=("ling",), score=meteor,
           from_sums=meteor_from_stats, from_sums_batch=meteor_from_sums, pool=pool_rows, title="METEOR", label="METEOR"),
    Metric("bleu", "corpus", axes=_BOTH, paper_axes=("ling",), score=_plain(bleu), from_sums=bleu_from_stats,
           from_sums_batch=bleu_from_sums, title="BLEU-4", label="BLEU-4"),
    Metric("rouge_l", "mean", axes=_BOTH, paper_axes=("ling",), score=_plain(rouge_l), title="ROUGE-L", label="ROUGE-L"),
    Metric("cider", "mean", axes=_BOTH, score=_plain(cider), corpus_dependent=True, title="CIDEr-D", label="CIDEr-D"),
    Metric("chrf++", "corpus", axes=_BOTH, score=_plain(chrf), from_sums=chrf_from_stats, from_sums_batch=chrf_from_sums,
           title="chrF++", label="chrF++"),
    Metric("fidelity", "mean", axes=_BOTH, needs="output", score=_plain(fidelity), title="language fidelity",
           label="fidelity"),
)
REGISTRY: dict[str, Metric] = {m.name: Metric(**{**m.__dict__, "order": i}) for i, m in enumerate(_REGISTERED)}
"""Every automatic metric a task file may name, in display order."""
METRICS: tuple[str, ...] = tuple(REGISTRY)


def judge_dimension(name: str) -> Metric:
    """The metric of a judge rubric: the mean of its 1–5 per-item scores, reported in the full profile."""
    rubric = name.split(":", 1)[-1]
    return Metric(name, "mean", axes=_BOTH, scale=(1.0, 5.0), decimals=2, order=len(REGISTRY),
                  title=f"judge: {rubric.replace('_', ' ')} (1–5)", label=_JUDGE_LABELS.get(rubric, f"J:{rubric[:7]}"))


_JUDGE_LABELS = {"cultural_depth": "J:depth", "visual_faithfulness": "J:visual", "linguistic_fluency": "J:fluency"}


def get_metric(name: str) -> Metric:
    """The registry entry of `name` (or a judge dimension); ValueError names the known metrics."""
    if name in REGISTRY:
        return REGISTRY[name]
    if name.startswith(JUDGE_PREFIX) and len(name) > len(JUDGE_PREFIX):
        return judge_dimension(name)
    raise ValueError(f"unknown metric '{name}'; known: {', '.join(METRICS)} and judge:<rubric>")


metric_aggregate = get_metric
"""The `Aggregate` of a metric name, as the statistics and reports take it (the Metric itself)."""


def sort_metrics(names: Sequence[str] | set[str] | Any) -> list[str]:
    """Metric names in display order (registry order; judge dimensions after, alphabetically)."""
    return sorted(set(names), key=lambda m: (REGISTRY[m].order if m in REGISTRY else len(REGISTRY), m))


def paper_metrics(axis: str) -> tuple[str, ...]:
    """MELLA's reported metrics of an axis, in display order."""
    return tuple(m.name for m in REGISTRY.values() if axis in m.paper_axes)


def primary_metric(axis: str) -> str:
    """The paper's headline metric of an axis (its first reported metric): scatter and ablation use it."""
    return paper_metrics(axis)[0]


def metrics_for(axis: str) -> tuple[str, ...]:
    """Every registered metric that applies to an axis."""
    return tuple(m.name for m in REGISTRY.values() if m.applies_to(axis))


def score_corpus(corpus: Corpus, metrics: Sequence[str], session: ScoringSession | None = None) -> dict[str, MetricResult]:
    """Each requested metric over the corpus, its result carrying the metric's aggregate (`result.value`).

    Resources a scorer asks for (METEOR's JVMs) come from `session`, or from a private one closed afterwards."""
    unknown = [m for m in metrics if m not in REGISTRY]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    if session is None:
        with ScoringSession() as own:
            return score_corpus(corpus, metrics, own)
    out: dict[str, MetricResult] = {}
    for name in metrics:
        metric = REGISTRY[name]
        assert metric.score is not None
        out[name] = dataclasses.replace(metric.score(corpus, session), aggregate=metric)
    return out
