"""Bootstrap of corpus metrics: the per-resample loop (before) vs the registry's vectorised form (now).

    PYTHONPATH=. python benchmarks/bootstrap.py [--items 1000] [--resamples 1000] [--repeats 5]

Per-item statistics of 1,000 items (real sacrebleu BLEU and chrF++ statistics of long Vietnamese
captions; jar-shaped METEOR rows with perfect segments mixed in, from tests/metrics/test_registry.py).
"before" is what `stats.bootstrap_ci` did until the registry: for every resample, the rows as Python
lists, `math.fsum` per column and the scalar formula (METEOR re-testing every row for "perfect").
"now" is `Metric.resampled`: resample-count matrix × pooled rows, then the closed form on whole
columns. The two run interleaved (before, now, before, now, ...) `--repeats` times on the same
resample indices; the table gives the median CPU and wall seconds of each, the ratio, the largest
difference between the two sets of values, and the machine load before and after. Nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mella_bench.metrics.registry import get_metric  # noqa: E402
from mella_bench.stats import resample_indices  # noqa: E402
from tests.metrics.test_registry import corpus_stats, old_aggregate  # noqa: E402


def before(metric: str, stats: np.ndarray, indices: np.ndarray) -> np.ndarray:
    return np.fromiter((old_aggregate(metric, stats[idx].tolist()) for idx in indices), dtype=float,
                       count=len(indices))


def now(metric: str, stats: np.ndarray, indices: np.ndarray) -> np.ndarray:
    return get_metric(metric).resampled(stats, indices)


def timed(fn, *args):  # noqa: ANN001, ANN202
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn(*args)
    return out, time.process_time() - c0, time.perf_counter() - w0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    load0 = os.getloadavg()
    print(f"{args.items} items, {args.resamples} resamples, {args.repeats} interleaved repeats; "
          f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} ({os.cpu_count()} CPUs)")
    print(f"{'metric':<8} {'before cpu':>11} {'now cpu':>9} {'ratio':>8} {'before wall':>12} {'now wall':>9} "
          f"{'ratio':>8} {'max |diff|':>11}")
    for metric in ("bleu", "chrf++", "meteor"):
        stats = corpus_stats(metric, n=args.items, seed=0)
        idx = resample_indices(len(stats), args.resamples, seed=0, task=f"mella_vi_{metric}")
        runs: dict[str, list[tuple[float, float]]] = {"before": [], "now": []}
        diff = 0.0
        for _ in range(args.repeats):
            old, c, w = timed(before, metric, stats, idx)
            runs["before"].append((c, w))
            new, c, w = timed(now, metric, stats, idx)
            runs["now"].append((c, w))
            diff = max(diff, float(np.abs(old - new).max()))
        bc, bw = (statistics.median(x[i] for x in runs["before"]) for i in (0, 1))
        nc, nw = (statistics.median(x[i] for x in runs["now"]) for i in (0, 1))
        print(f"{metric:<8} {bc:>10.3f}s {nc:>8.4f}s {bc / nc:>7.0f}x {bw:>11.3f}s {nw:>8.4f}s {bw / nw:>7.0f}x "
              f"{diff:>11.1e}")
    load1 = os.getloadavg()
    print(f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")


if __name__ == "__main__":
    main()
