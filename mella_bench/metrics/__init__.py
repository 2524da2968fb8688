"""Multilingual metric suite: per-item values + sufficient statistics + signatures.

Every metric is one `Metric` entry of `mella_bench.metrics.registry` (the only list of metrics).
`aggregate(metric, stats)` is the one way a task-level value is made from the per-item `stats` rows
stored in scores.jsonl: corpus metrics (BLEU, chrF++, METEOR) pool the rows and apply the metric's
formula; every other metric (ROUGE-L, CIDEr-D, keyword accuracy, fidelity, judge dimensions) stores
`[value]` and is averaged.
"""

from __future__ import annotations

from typing import Sequence

from mella_bench.metrics.registry import METRICS, REGISTRY, Metric, get_metric, paper_metrics, sort_metrics

__all__ = ["aggregate", "get_metric", "paper_metrics", "profiles", "rescore", "rescore_with_signatures", "score_run", "sort_metrics", "Metric",
           "METRICS", "REGISTRY"]


def aggregate(metric: str, stats: Sequence[Sequence[float]]) -> float:
    """Task-level value of `metric` from the per-item stats rows of its scored items.

    Raises ValueError for an unknown metric or an empty list (no scored item has no value).
    """
    return get_metric(metric).aggregate(stats)


def profiles(metric: str, axis: str) -> list[str]:
    """`["paper", "full"]` for MELLA's reported metric of that axis, else `["full"]`."""
    return list(get_metric(metric).profiles(axis))


def __getattr__(name: str):  # lazy: `score_run`/`rescore` pull in data loading
    if name in ("score_run", "rescore", "rescore_with_signatures"):
        from mella_bench.metrics import score

        return getattr(score, name)
    raise AttributeError(name)
