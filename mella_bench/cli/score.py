"""`mella-bench score` and `metrics`: (re)score a run directory, or plain text files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench.cli.common import (add_reidentify, EXIT_FAILURE_RATE, failure_rate, max_failure_rate,
                                    score_and_print)
from mella_bench.langs import LANG_CODES


def _cmd_score_protocol(args: argparse.Namespace) -> int:
    from mella_bench.metrics.score import format_table
    from mella_bench.protocols import mella2024

    settings = mella2024.Settings(truncate=not args.no_truncate, skip_multiline_refs=args.skip_multiline_refs)
    summary = mella2024.score_run(Path(args.run_dir), settings, progress=not args.quiet, reidentify=args.reidentify)
    print(format_table(summary), file=sys.stderr)
    for name, task in summary["tasks"].items():
        for e in task["metrics"]["bleu_1"]["details"]["left_out"]:
            print(f"left out: {name} {e['item_id']}: {e['reason']}", file=sys.stderr)
    print(f"wrote {Path(args.run_dir) / mella2024.SCORES_FILE} and {Path(args.run_dir) / mella2024.SUMMARY_FILE}",
          file=sys.stderr)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    if args.protocol != "mella-bench":
        return _cmd_score_protocol(args)
    if args.no_truncate or args.skip_multiline_refs:
        raise ValueError("--no-truncate and --skip-multiline-refs belong to --protocol mella-2024")
    summary = score_and_print(Path(args.run_dir), quiet=args.quiet, verbose=args.verbose, stdout=not args.json,
                               reuse=not args.no_reuse, reidentify=args.reidentify)
    print(f"wrote {Path(args.run_dir) / 'scores.jsonl'} and {Path(args.run_dir) / 'summary.json'}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    failed, total = _prediction_failures(summary)
    return failure_rate(args, failed, total, "predictions", "The scores are written; rerun the run to retry "
                         "the failed items, or raise --max-failure-rate.")


def _prediction_failures(summary: dict) -> tuple[int, int]:
    """(failed, scored + failed) predictions over the run's tasks, as `run` counts them. A failed prediction
    is a failed row of every metric of its task; a metric that could not be computed (no Java) fails only
    its own rows, so per task the metric with the fewest failed rows counts (judge dimensions aside)."""
    failed = total = 0
    for info in summary.get("tasks", {}).values():
        entries = [e for m, e in info.get("metrics", {}).items() if not m.startswith("judge:")]
        if entries:
            least = min(entries, key=lambda e: e["n_failed"])
            failed += least["n_failed"]
            total += least["n"] + least["n_failed"]
    return failed, total


def _cmd_metrics(args: argparse.Namespace) -> int:
    from mella_bench.metrics.files import load_corpus, score_files

    corpus = load_corpus(args.lang, args.hyps, args.refs, args.keywords, allow_empty=args.allow_empty)
    metrics = args.metrics.split(",") if args.metrics else None
    print(json.dumps(score_files(corpus, metrics), ensure_ascii=False, indent=2))
    return 0


class _MetricNamesHelp(argparse.HelpFormatter):
    """Fills the registry's metric names into `metrics --help` when it is printed: building the parser
    (for every command, `--help` and `tasks list` included) must not import the metric registry, which
    pulls in numpy and every metric module."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        if text is None or "{metrics}" not in text:
            return text
        from mella_bench.metrics import METRICS
        from mella_bench.metrics.files import FILE_METRICS

        return text.format(metrics=",".join(METRICS), file_metrics=",".join(FILE_METRICS))


def add_score_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench score`."""
    sc = sub.add_parser("score", help="(re)score a run directory: scores.jsonl and summary.json",
                        description="Score the predictions of a run directory with every metric its tasks name "
                                    "(only predictions matching run.json's task and model hashes). Writes "
                                    "scores.jsonl (per item and metric) and summary.json (per task: value, n, "
                                    "failure rate, signature; paper and full profiles).")
    sc.add_argument("run_dir", help="a directory written by `mella-bench run`")
    sc.add_argument("--json", action="store_true", help="print summary.json to stdout (the headline then goes to stderr)")
    sc.add_argument("--quiet", action="store_true", help="no progress bars")
    sc.add_argument("--verbose", action="store_true", help="also print every task and metric with its signature "
                                                           "(always written to RUN/scores.md)")
    sc.add_argument("--no-reuse", action="store_true",
                    help="score every item again (by default items whose prediction, references, keywords and "
                         "metric code are unchanged keep their cached scores: RUN/score-cache.json; the files "
                         "written are the same either way)")
    sc.add_argument("--max-failure-rate", type=max_failure_rate, default=0.0, metavar="SHARE",
                    help=f"exit {EXIT_FAILURE_RATE} (as `run` does) when more than this share of the predictions "
                         "failed (default 0: any failure); the scores are written either way")
    sc.add_argument("--protocol", choices=["mella-bench", "mella-2024"], default="mella-bench",
                    help="mella-2024: the MELLA authors' 2024 caption scoring (VQA normaliser, PTB tokenizer, COCO "
                         "BLEU-1..4, METEOR -l en -norm, ROUGE-L, mean over items; docs/reproducing-the-paper.md); "
                         "writes summary.mella-2024.json and scores.mella-2024.jsonl instead")
    sc.add_argument("--no-truncate", action="store_true",
                    help="mella-2024: no 1,300-character cuts (the authors' code before 2024-12-06)")
    add_reidentify(sc)
    sc.add_argument("--skip-multiline-refs", action="store_true",
                    help="mella-2024: the authors' 2024-12-30 setting (multi-line references left out; they are "
                         "left out and listed in every setting, as aac-metrics 0.5.4 rejects them)")
    sc.set_defaults(func=_cmd_score)


def add_metrics_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench metrics`."""
    m = sub.add_parser("metrics", help="score plain text files (one hypothesis per line), like sacrebleu",
                       formatter_class=_MetricNamesHelp,
                       description="Score a hypothesis file against one or more reference files with the "
                                   "language's tokenisation; prints JSON {lang, n, scores, signatures} to stdout "
                                   "(0-100; CIDEr as 100 x the COCO value; CIDEr document frequencies from the "
                                   "given references).")
    m.add_argument("hyps", help="UTF-8 text file, one hypothesis per line")
    m.add_argument("--lang", required=True, choices=LANG_CODES, help="language of the text")
    m.add_argument("--refs", action="append", required=True, metavar="FILE",
                   help="reference file, one line per hypothesis; repeat for several references "
                        "(an empty line means no reference from that file for that line)")
    m.add_argument("--keywords", metavar="FILE.jsonl",
                   help="one JSON array of keywords per hypothesis line; adds keyword_acc and keyword_acc_strict")
    m.add_argument("--metrics", help="comma list (default: {file_metrics} [+ keyword metrics]); known: {metrics}")
    m.add_argument("--allow-empty", action="store_true", help="score empty hypothesis lines as 0 instead of failing")
    m.set_defaults(func=_cmd_metrics)
