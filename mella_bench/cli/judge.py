"""`mella-bench judge run|pairwise|calibrate|agreement`: the LLM judge and its agreement with people."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench.cli.common import (add_judge_options, add_reidentify, add_stats_args, EXIT_FAILURE_RATE,
                                    judge_and_print, judge_config, max_failure_rate, score_and_print)
from mella_bench.inference.backends.options import positive_int as _positive_int


def _cmd_judge_run(args: argparse.Namespace) -> int:
    """Judge, then rescore: otherwise summary.json (and `report`) would not show the new judge dimensions."""
    run_dir = Path(args.run_dir)
    code = judge_and_print(run_dir, args)
    score_and_print(run_dir, quiet=args.quiet, verbose=args.verbose)
    print(f"wrote {run_dir / 'scores.jsonl'} and {run_dir / 'summary.json'}", file=sys.stderr)
    return code


def _cmd_judge_pairwise(args: argparse.Namespace) -> int:
    from mella_bench.judge.pairwise import format_pairwise, judge_pairwise

    report = judge_pairwise(Path(args.run_a), Path(args.run_b), judge_config(args), rubric_id=args.rubric,
                            output=Path(args.output) if args.output else None,
                            tasks=tuple(args.tasks.split(",")) if args.tasks else None, seed=args.seed,
                            resamples=args.resamples, progress=not args.quiet)
    print(format_pairwise(report))
    return 0


def _cmd_judge_calibrate(args: argparse.Namespace) -> int:
    from mella_bench.judge.calibrate import calibrate, format_calibration
    from mella_bench.langs import parse_langs

    output = Path(args.output or Path("results") / f"calibration-{args.judge.replace('/', '-').replace(':', '-')}")
    report = calibrate(args.data, judge_config(args), output, langs=parse_langs(args.langs), limit=args.limit,
                       progress=not args.quiet)
    print(format_calibration(report))
    print(f"report: {output / 'calibration.json'}", file=sys.stderr)
    return 0


def _cmd_judge_agreement(args: argparse.Namespace) -> int:
    from mella_bench.judge.agreement_report import agreement_run, format_agreement

    doc, json_path, plot = agreement_run([Path(r) for r in args.runs], [Path(f) for f in args.labels],
                                         out=Path(args.out) if args.out else None, resamples=args.resamples,
                                         seed=args.seed or 0, min_items=args.min_items)
    print(format_agreement(doc))
    print(json_path, file=sys.stderr)
    if plot:
        print(plot, file=sys.stderr)
    return 0


def add_judge_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench judge`."""
    j = sub.add_parser("judge", help="LLM-as-judge: score a run, compare two runs, calibrate a judge, agreement",
                       description="`mella-bench judge RUN_DIR` (short for `judge run RUN_DIR`) judges every "
                                   "prediction of a run on its tasks' rubrics; `judge pairwise RUN_A RUN_B` compares "
                                   "two runs in both orders; `judge calibrate` checks a judge on known "
                                   "thick/thin/hallucinated/wrong-language variants; `judge agreement` measures "
                                   "the judge against human labels (`mella-bench label`). Judgments are cached in "
                                   "judgments.jsonl: a rerun sends nothing for what is already judged.")
    jsub = j.add_subparsers(dest="judge_command", required=True)
    jr = jsub.add_parser("run", help="judge a run directory (cached; failures recorded with their reason), "
                                     "then rescore it so summary.json has the judge dimensions")
    jr.add_argument("run_dir", help="run directory made by `mella-bench run`")
    jr.add_argument("--rubrics", help="comma list of rubric ids (default: each task's rubrics)")
    jr.add_argument("--quiet", action="store_true", help="no progress bars")
    jr.add_argument("--max-failure-rate", type=max_failure_rate, default=0.0, metavar="SHARE",
                    help=f"exit {EXIT_FAILURE_RATE} when more than this share of judgments failed (default 0)")
    jr.add_argument("--verbose", action="store_true", help="also print every task and metric with its signature")
    add_reidentify(jr)
    add_judge_options(jr, required=True)
    jr.set_defaults(func=_cmd_judge_run)
    jp = jsub.add_parser("pairwise", help="compare two runs item by item, both answer orders")
    jp.add_argument("run_a")
    jp.add_argument("run_b")
    jp.add_argument("--rubric", default="cultural_depth", help="dimension to compare on (default cultural_depth)")
    jp.add_argument("--tasks", help="comma list of tasks (default: all tasks both runs share)")
    jp.add_argument("--output", help="folder for judgments.jsonl and pairwise.json (default RUN_A/pairwise/<RUN_B name>)")
    jp.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    jp.add_argument("--resamples", type=_positive_int, default=1000, help="bootstrap resamples (default 1000)")
    jp.add_argument("--quiet", action="store_true", help="no progress bars")
    add_judge_options(jp, required=True)
    jp.set_defaults(func=_cmd_judge_pairwise)
    jc = jsub.add_parser("calibrate", help="how often the judge orders thick > thin > ... as expected, per language")
    jc.add_argument("--data", default="demo", help="dataset with know items carrying thin and meta.hallucinated "
                                                   "(default: demo)")
    jc.add_argument("--langs", default="all", help="'all' or a comma list of language codes")
    jc.add_argument("--limit", type=_positive_int, help="at most N know items per language")
    jc.add_argument("--output", help="folder for judgments.jsonl and calibration.json "
                                     "(default results/calibration-<judge>)")
    jc.add_argument("--quiet", action="store_true", help="no progress bars")
    add_judge_options(jc, required=True)
    jc.set_defaults(func=_cmd_judge_calibrate)
    ja = jsub.add_parser("agreement", help="judge-human and human-human agreement on labels from `mella-bench label`",
                         description="Per language and rubric: quadratic-weighted Cohen's kappa, Krippendorff's alpha "
                                     "(ordinal, interval) and Spearman's rho for 1-5 scales, pairwise accuracy with "
                                     "ties for preferences, each with a 95% bootstrap CI over items, n and a note "
                                     "when n is too small. Labels are matched to the runs' current answers by item "
                                     "identity and answer hash; labels of changed answers are reported, not used. "
                                     "Writes agreement.json (and agreement.png), which `mella-bench report` shows. "
                                     "See docs/labelling.md.")
    ja.add_argument("runs", nargs="+", metavar="RUN", help="judged run directories whose answers were labelled")
    ja.add_argument("--labels", nargs="+", required=True, metavar="FILE",
                    help="label files exported by the page, or labelling round folders (their labels.jsonl)")
    ja.add_argument("--output", "--out", dest="out", help="agreement.json to write (default RUN/agreement.json of the first run); the plot "
                                  "goes beside it")
    ja.add_argument("--min-items", type=_positive_int, default=30,
                    help="below this many items a row is marked 'too few to conclude' (default 30)")
    add_stats_args(ja, "bootstrap seed (default 0)")
    ja.set_defaults(func=_cmd_judge_agreement)
