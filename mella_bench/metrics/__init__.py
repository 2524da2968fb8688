"""Multilingual metric suite: per-item values + sufficient statistics + signatures.

`aggregate(metric, stats)` is the one way a task-level value is made from the per-item `stats` rows
stored in scores.jsonl: corpus metrics (BLEU, chrF++, METEOR) sum the rows and apply the metric's
formula; every other metric (ROUGE-L, CIDEr-D, keyword accuracy, fidelity, judge dimensions) stores
`[value]` and is averaged.
"""

from __future__ import annotations

import math
from typing import Sequence

CORPUS_METRICS = ("bleu", "chrf++", "meteor")
MEAN_METRICS = ("rouge_l", "cider", "keyword_acc", "keyword_acc_strict", "fidelity")
METRICS = ("keyword_acc", "keyword_acc_strict", "meteor", "bleu", "rouge_l", "cider", "chrf++", "fidelity")
"""Every automatic metric a task file may name."""
PAPER_PROFILE = {"know": ("keyword_acc",), "ling": ("meteor", "bleu", "rouge_l")}
"""MELLA's reported axes; everything else is in the full profile only."""

__all__ = ["aggregate", "profiles", "rescore", "score_run", "CORPUS_METRICS", "MEAN_METRICS", "METRICS", "PAPER_PROFILE"]


def aggregate(metric: str, stats: Sequence[Sequence[float]]) -> float:
    """Task-level value of `metric` from the per-item stats rows of its scored items.

    Raises ValueError for an unknown metric or an empty list (no scored item has no value).
    """
    if not stats:
        raise ValueError(f"no scored items to aggregate for '{metric}'")
    if metric in MEAN_METRICS or metric.startswith("judge:"):
        return math.fsum(row[0] for row in stats) / len(stats)
    if metric == "meteor":
        from mella_bench.metrics.meteor import meteor_from_stats, pool_stats

        return meteor_from_stats(pool_stats(stats))
    if metric in ("bleu", "chrf++"):
        from mella_bench.metrics.ngram import bleu_from_stats, chrf_from_stats

        width = {len(r) for r in stats}
        if len(width) != 1:
            raise ValueError(f"'{metric}' stats rows have different lengths {sorted(width)}")
        summed = [math.fsum(r[i] for r in stats) for i in range(width.pop())]
        return bleu_from_stats(summed) if metric == "bleu" else chrf_from_stats(summed)
    raise ValueError(f"unknown metric '{metric}'; known: {', '.join(METRICS)} and judge:<rubric>")


def profiles(metric: str, axis: str) -> list[str]:
    """`["paper", "full"]` for MELLA's reported metric of that axis, else `["full"]`."""
    return ["paper", "full"] if metric in PAPER_PROFILE.get(axis, ()) else ["full"]


def __getattr__(name: str):  # lazy: `score_run`/`rescore` pull in data loading and the JVM pool
    if name in ("score_run", "rescore"):
        from mella_bench.metrics import score

        return getattr(score, name)
    raise AttributeError(name)
