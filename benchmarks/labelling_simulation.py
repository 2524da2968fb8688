"""Simulated labelling rounds: what agreement a round can show, and how many items it needs.

    PYTHONPATH=. python benchmarks/labelling_simulation.py round     # a whole round through the CLI
    PYTHONPATH=. python benchmarks/labelling_simulation.py widths    # CI width against items per language
    PYTHONPATH=. python benchmarks/labelling_simulation.py plan      # items needed for a CI width (formula)

`round`: two judged runs (scripted judge, tests/support/label_runs.py) on 30 items per axis in Arabic and
Thai. Each answer has a hidden true quality q (uniform 1-5, one per answer and rubric); the judge
scores q + N(0, 0.7²) and two labellers q + N(0, 0.5²), rounded and clipped to 1-5. The round goes
through `label`, `label import` and `judge agreement` exactly as a real one does, and prints the
agreement table. With this noise the population values (400,000 simulated answers) are κ_w = 0.834
judge–human and 0.876 human–human, pairwise accuracy 0.715 and 0.753 (a labeller's preference is
the higher of their own two scores); the table shows what a round of this size recovers, with its CIs.

`widths`: for n items per language, 200 simulated rounds of a judge (noise sd 0.7, then 1.6) and a
labeller (0.5): the mean κ_w, the mean width of its 95% bootstrap CI over items (1,000 resamples)
and the width the planning formula (`agreement.fisher_ci_width`) predicts. `plan`: the formula's
items per language for a target CI width. Seeds are fixed: the numbers in
docs/labelling.md come from this script. Nothing asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mella_bench.judge import agreement as A  # noqa: E402

JUDGE_SD, HUMAN_SD = 0.7, 0.5


def _noisy(q: np.ndarray | float, sd: float, rng: np.random.Generator) -> np.ndarray:
    return np.clip(np.rint(q + rng.normal(0, sd, np.shape(q))), 1, 5)


def simulate_round(per_axis: int = 30, per_lang: int = 60, seed: int = 0) -> str:
    from mella_bench.cli import main
    from tests.support.label_runs import scripted_runs, simulated_labels, write_jsonl

    rng = np.random.default_rng(seed)
    truth: dict[tuple[int, str, str], float] = {}

    def true_quality(run: int, item: str, rubric: str) -> float:
        return truth.setdefault((run, item, rubric), float(rng.integers(1, 6)))

    # the judge's score of run r's answer to item i is scripted (one score per answer for every rubric
    # of this fake judge), so the truth is per answer here and the rubrics share it
    judge = {}

    def judge_score(run: int, i: int) -> int:
        return judge.setdefault((run, i), int(_noisy(true_quality(run, str(i), ""), JUDGE_SD, rng)))

    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        runs = scripted_runs(Path(tmp), langs=("ar", "th"), per_axis=per_axis, score=judge_score)
        out = Path(tmp) / "round"
        assert main(["label", *map(str, runs), "--out", str(out), "--per-lang", str(per_lang)]) == 0
        plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
        files = []
        for k, name in enumerate(("labeller-1", "labeller-2")):
            lab_rng = np.random.default_rng(100 + k)

            def rating(unit: dict, rubric: str, h: str) -> int:
                run = next(a["run"] for a in unit["answers"] if a["hash"] == h)
                i = int(unit["item_id"].rsplit("-", 1)[1])
                return int(_noisy(true_quality(run, str(i), ""), HUMAN_SD, lab_rng))

            files.append(write_jsonl(Path(tmp) / f"{name}.jsonl", simulated_labels(plan, name, rating)))
        assert main(["label", "import", *map(str, files), "--into", str(out)]) == 0
        agreement = Path(tmp) / "agreement.json"
        assert main(["judge", "agreement", *map(str, runs), "--labels", str(out), "--out", str(agreement)]) == 0
        from mella_bench.judge.agreement_report import agreement_markdown

        return agreement_markdown(json.loads(agreement.read_text(encoding="utf-8")), "Simulated labelling round")


def ci_widths(ns: tuple[int, ...] = (25, 50, 100, 200, 400), judge_sds: tuple[float, ...] = (JUDGE_SD, 1.6),
              reps: int = 200, resamples: int = 1000) -> str:
    rows = ["| judge noise sd | items per language | mean κ_w | mean 95% CI width (bootstrap) | formula width |",
            "|---:|---:|---:|---:|---:|"]
    for sd in judge_sds:
        for n in ns:
            rng = np.random.default_rng([n, int(10 * sd)])
            kappas, widths = [], []
            for rep in range(reps):
                q = rng.integers(1, 6, n).astype(float)
                a, b = _noisy(q, sd, rng), _noisy(q, HUMAN_SD, rng)
                c = A.coefficient(A.Pairs.of(range(n), a, b), "kappa_qw", (1, 2, 3, 4, 5),
                                  A.BootstrapSpec(resamples=resamples, seed=rep))
                kappas.append(c.value)
                widths.append(c.ci.high - c.ci.low)
            k = float(np.mean(kappas))
            rows.append(f"| {sd} | {n} | {k:.3f} | {np.mean(widths):.3f} | {A.fisher_ci_width(k, n):.3f} |")
    return "\n".join(rows)


def plan_table(kappas: tuple[float, ...] = (0.4, 0.6, 0.8), widths: tuple[float, ...] = (0.4, 0.3, 0.2)) -> str:
    """Items per language for a 95% CI of κ_w no wider than each width, by the planning formula."""
    rows = ["| expected κ_w | " + " | ".join(f"CI width {w} (±{w / 2:g})" for w in widths) + " |",
            "|---:|" + "---:|" * len(widths)]
    rows += [f"| {k} | " + " | ".join(str(A.items_for_ci_width(w, k)) for w in widths) + " |" for k in kappas]
    return "\n".join(rows)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["round", "widths", "plan"])
    args = ap.parse_args()
    print({"round": simulate_round, "widths": ci_widths, "plan": plan_table}[args.what]())
