"""Run a list of metrics over one corpus, sharing tokenisation and the METEOR JVMs."""

from __future__ import annotations

from typing import Callable, Sequence

from mella_bench.metrics import METRICS
from mella_bench.metrics.base import Corpus, MetricResult
from mella_bench.metrics.cider import cider
from mella_bench.metrics.fidelity import fidelity
from mella_bench.metrics.keywords import keyword_acc, keyword_acc_strict
from mella_bench.metrics.meteor import MeteorPool, meteor
from mella_bench.metrics.ngram import bleu, chrf
from mella_bench.metrics.rouge import rouge_l

_SCORERS: dict[str, Callable[[Corpus], MetricResult]] = {
    "bleu": bleu, "chrf++": chrf, "rouge_l": rouge_l, "cider": cider,
    "keyword_acc": keyword_acc, "keyword_acc_strict": keyword_acc_strict, "fidelity": fidelity,
}
assert set(_SCORERS) | {"meteor"} == set(METRICS)


def score_corpus(corpus: Corpus, metrics: Sequence[str], pool: MeteorPool | None = None) -> dict[str, MetricResult]:
    """Each requested metric over the corpus (METEOR uses `pool`, or a private JVM closed afterwards)."""
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    out: dict[str, MetricResult] = {}
    for m in metrics:
        if m == "meteor":
            if pool is None:
                with MeteorPool() as own:
                    out[m] = meteor(corpus, own)
            else:
                out[m] = meteor(corpus, pool)
        else:
            out[m] = _SCORERS[m](corpus)
    return out
