"""Size and power of the paired comparison test (what `compare`, `report` and `ablate` mark), simulated.

    PYTHONPATH=. python benchmarks/significance.py               # size and power tables (fixed seed 0)
    PYTHONPATH=. python benchmarks/significance.py --sims 500    # quicker, noisier

Simulated pairs of runs on the same n items (tests/support/null_pairs.py: mean-type scores, keyword-like 0/50/100
scores, a corpus ratio metric) go through `stats.compare_task` exactly as one language of a comparison does
(no Holm). Printed per cell: the share with permutation p < α ("test") and the share the program marks
significant ("marked": also needs n ≥ MIN_PAIRED_N). Size: on null pairs, beside the shifted percentile
bootstrap p-value the permutation test replaced. Power: on a known effect, beside a paired t-test's
nominal power for the mean-type scores. tests/test_stats_permutation.py asserts the bounds on the same
simulation; the numbers in docs/analysis.md come from this script. Nothing is asserted here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mella_bench import stats as S  # noqa: E402
from tests.support.null_pairs import KINDS, rejections, simulated_pairs  # noqa: E402

SIZE_N = (3, 5, 10, 30, 100)
POWER_N = (10, 30, 100)
"""Below MIN_PAIRED_N (10) nothing is marked: power 0 by design."""
EFFECTS = {"mean": (4.2, 10.6, 17.0), "discrete": (5.0, 10.0, 20.0), "corpus": (2.0, 5.0, 10.0)}
"""Effects in points of the 0–100 metric; for `mean` d = 0.2, 0.5, 0.8 (paired-difference SD 21.2)."""
DIFF_SD = 15 * np.sqrt(2)
BOOTSTRAP_RESAMPLES = 1000


def bootstrap_p_rate(n: int, kind: str, sims: int, seed: int, alpha: float = S.ALPHA) -> float:
    """Rejection rate of the replaced p-value: the paired bootstrap distribution of Δ shifted to mean
    zero reaches |Δ| (add-one smoothed), 1,000 resamples."""
    hits = 0
    for s, (a, b, agg) in enumerate(simulated_pairs(n, kind, 0.0, sims, seed)):
        reps = (S.bootstrap_replicates(b, agg, BOOTSTRAP_RESAMPLES, s)
                - S.bootstrap_replicates(a, agg, BOOTSTRAP_RESAMPLES, s))  # same task: same indices
        delta = agg(b.stats) - agg(a.stats)
        exceed = np.count_nonzero(np.abs(reps - delta) >= abs(delta) - 1e-12)
        hits += (exceed + 1) / (len(reps) + 1) < alpha
    return hits / sims


def t_test_power(n: int, effect: float, alpha: float = S.ALPHA) -> float:
    """Nominal power of a two-sided paired t-test (noncentral t) for the `mean` kind."""
    nc = effect / DIFF_SD * np.sqrt(n)
    crit = scipy.stats.t.ppf(1 - alpha / 2, n - 1)
    return float(scipy.stats.nct.sf(crit, n - 1, nc) + scipy.stats.nct.cdf(-crit, n - 1, nc))


def size_table(sims: int, seed: int) -> list[str]:
    se = 3 * np.sqrt(S.ALPHA * (1 - S.ALPHA) / sims)
    lines = [f"Size at α = {S.ALPHA} on null pairs ({sims} data sets per cell; 3 standard errors = {se:.3f})", "",
             "| scores | n | permutation test | marked | bootstrap p (replaced) |", "|---|---:|---:|---:|---:|"]
    for kind in KINDS:
        for n in SIZE_N:
            r = rejections(n, kind, sims=sims, seed=seed)
            lines.append(f"| {kind} | {n} | {r.test:.3f} | {r.verdict:.3f} | {bootstrap_p_rate(n, kind, sims, seed):.3f} |")
    return lines


def power_table(sims: int, seed: int) -> list[str]:
    lines = [f"Power at α = {S.ALPHA} ({sims} data sets per cell; n ≥ MIN_PAIRED_N, so marked = test)", "",
             "| scores | effect (points) | n | marked significant | paired t-test (nominal) |",
             "|---|---:|---:|---:|---:|"]
    for kind in KINDS:
        for effect in EFFECTS[kind]:
            for n in POWER_N:
                r = rejections(n, kind, effect, sims=sims, seed=seed)
                t = f"{t_test_power(n, effect):.3f}" if kind == "mean" else ""
                label = f"+{effect:g}" + (f" (d = {effect / DIFF_SD:.2f})" if kind == "mean" else "")
                lines.append(f"| {kind} | {label} | {n} | {r.verdict:.3f} | {t} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sims", type=int, default=2000, help="null data sets per size cell (power: half)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    print("\n".join(size_table(args.sims, args.seed)))
    print()
    print("\n".join(power_table(max(1, args.sims // 2), args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
