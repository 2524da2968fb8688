"""Bootstrap CIs from sufficient statistics vs the naive bootstrap that re-runs the scorer.

    PYTHONPATH=. python benchmarks/stats.py [--items 1000] [--naive-resamples 20]

Builds one synthetic run of 16 tasks (8 languages × know/ling) × N items with every metric of the
task files (BLEU-4 and chrF++ as real sacrebleu segment statistics; the mean-type metrics as
`[value]` rows), then times on ONE core (affinity pinned, BLAS threads 1):
  1. CIs of every task × metric with 1,000 resamples from the stored statistics (mella_bench.stats);
  2. the full `mella-bench report` for that run (load scores.jsonl, CIs, macro, Markdown/CSV/LaTeX, plots);
  3. the naive bootstrap — sacrebleu `corpus_score` re-run on every resample — on a subset (one task,
     BLEU and chrF++, a few resamples), extrapolated to 1,000 resamples;
and prints per-resample costs side by side as a ratio. Nothing is asserted: it is a measurement.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sacrebleu.metrics import BLEU, CHRF  # noqa: E402

from mella_bench.langs import LANG_CODES  # noqa: E402
from mella_bench.reports.leaderboard import write_report  # noqa: E402
from mella_bench.metrics.registry import metric_aggregate  # noqa: E402
from mella_bench.store.scoreio import load_scores  # noqa: E402
from mella_bench.stats import bootstrap_ci  # noqa: E402

KNOW = ["keyword_acc", "keyword_acc_strict", "bleu", "chrf++", "rouge_l", "meteor", "cider", "fidelity",
        "judge:cultural_depth", "judge:visual_faithfulness"]
LING = ["meteor", "bleu", "rouge_l", "cider", "chrf++", "fidelity", "judge:linguistic_fluency",
        "judge:visual_faithfulness"]
SCORERS = {"bleu": lambda: BLEU(tokenize="none"), "chrf++": lambda: CHRF(word_order=2)}
aggregate_for = metric_aggregate
"""The product's aggregates: the registry's metrics (vectorised bootstrap for BLEU and chrF++)."""


def corpus(n: int, seed: str) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    refs = [" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 20))) for _ in range(n)]
    hyps = [" ".join(w if rng.random() < 0.6 else rng.choice(vocab) for w in r.split()) for r in refs]
    return hyps, refs


def build_run(root: Path, n: int) -> tuple[Path, dict[str, tuple[list[str], list[str]]]]:
    run = root / "bench"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"format_version": 1, "seeds": {"run": 0},
                                              "config": {"backend": {"name": "tiny", "model": "tiny"}}}))
    texts = {}
    rng = np.random.default_rng(0)
    with (run / "scores.jsonl").open("w") as fh:
        for lang in LANG_CODES:
            for axis, metrics in (("know", KNOW), ("ling", LING)):
                task = f"mella_{lang}_{axis}"
                hyps, refs = texts[task] = corpus(n, task)
                seg = {m: SCORERS[m]()._extract_corpus_statistics(hyps, [refs]) for m in SCORERS}
                for metric in metrics:
                    vals = rng.uniform(1, 5, n) if metric.startswith("judge:") else rng.uniform(0, 100, n)
                    for i in range(n):
                        st = [float(x) for x in seg[metric][i]] if metric in seg else [float(vals[i])]
                        fh.write(json.dumps({"task": task, "item_id": f"{task}-{i}", "lang": lang, "axis": axis,
                                             "metric": metric, "status": "ok", "value": st[0], "stats": st,
                                             "reason": None}) + "\n")
    return run, texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--naive-resamples", type=int, default=20, help="resamples actually re-scored (extrapolated)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run, texts = build_run(Path(tmp), args.items)
        t_build = time.perf_counter() - t0
        scores = load_scores(run)
        n_corpus = sum(1 for (_, m) in scores if m in SCORERS)

        t0 = time.perf_counter()
        for (task, metric), ms in scores.items():
            bootstrap_ci(ms.stats, aggregate_for(metric), args.resamples, 0, task=task)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        for (task, metric), ms in scores.items():
            if metric in SCORERS:
                bootstrap_ci(ms.stats, aggregate_for(metric), args.resamples, 0, task=task)
        t_ours_corpus = time.perf_counter() - t0

        t0 = time.perf_counter()
        files = write_report([run], Path(tmp) / "report", resamples=args.resamples, aggregates=aggregate_for,
                             html=False)
        t_report = time.perf_counter() - t0

        task = "mella_th_ling"
        hyps, refs = texts[task]
        naive = {}
        for metric, make in SCORERS.items():
            idx = np.random.default_rng(0).integers(0, args.items, size=(args.naive_resamples, args.items))
            t0 = time.perf_counter()
            for row in idx:
                make().corpus_score([hyps[i] for i in row], [[refs[i] for i in row]])
            naive[metric] = (time.perf_counter() - t0) / args.naive_resamples

    per_resample_ours = t_ours_corpus / (n_corpus * args.resamples)
    per_resample_naive = float(np.mean(list(naive.values())))
    naive_total_corpus = per_resample_naive * args.resamples * n_corpus
    print(f"setup: 16 tasks × {args.items} items, {len(scores)} task×metric cells "
          f"({n_corpus} corpus-level: BLEU, chrF++), {args.resamples} resamples, 1 core "
          f"(python {sys.version.split()[0]}); synthetic run built in {t_build:.1f} s")
    print(f"{'':<46}{'time':>12}")
    print(f"{'ours: CIs for every task × metric':<46}{t_ours:>10.2f} s")
    print(f"{'ours: full report (load, CIs, macro, md/csv/tex, 5 PNGs)':<46}{t_report:>10.2f} s   (target < 30 s)")
    print(f"{'ours: corpus metrics only':<46}{t_ours_corpus:>10.2f} s")
    print(f"{'naive re-scoring, corpus metrics (extrapolated)':<46}{naive_total_corpus:>10.1f} s   "
          f"(measured {args.naive_resamples} resamples each of BLEU/chrF++ on {task})")
    for metric, sec in naive.items():
        print(f"  naive {metric:<8} per resample {1000 * sec:8.2f} ms")
    print(f"per resample of one corpus metric: ours {1e3 * per_resample_ours:.3f} ms vs naive "
          f"{1e3 * per_resample_naive:.2f} ms → naive/ours = {per_resample_naive / per_resample_ours:.0f}×")
    print("(naive re-scoring of METEOR/CIDEr would also restart the Java scorers; not measured here)")
    print(f"report written to a temporary directory: {files.markdown.name}, {len(files.plots)} plots")


if __name__ == "__main__":
    main()
