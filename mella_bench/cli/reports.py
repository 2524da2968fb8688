"""`mella-bench report|show|compare|ablate|tables`: everything read from run directories."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench.cli.common import add_stats_args
from mella_bench.inference.backends import BACKEND_OPTIONS, BACKENDS
from mella_bench.inference.backends.options import add_backend_flags, positive_int as _positive_int
def _cmd_report(args: argparse.Namespace) -> int:
    from mella_bench.reports.html_report import html_writer
    from mella_bench.reports.leaderboard import write_report

    files = write_report([Path(r) for r in args.runs], Path(args.out), resamples=args.resamples,
                         plots=not args.no_plots, writers=[html_writer(args.images)] if args.html else [])
    for path in (files.markdown, files.csv, files.latex, *files.plots, *files.extra):
        print(path)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from mella_bench.store import load_header
    from mella_bench.reports.runs import model_label
    from mella_bench.reports.show import find_samples, format_sample, sample_json
    from mella_bench.textsafe import terminal_safe

    found = find_samples(Path(args.run_dir), args.item_id, args.task)
    if args.json:
        print(terminal_safe(json.dumps([sample_json(s) for s in found], ensure_ascii=False, indent=2), as_json=True))
        return 0
    label = model_label(load_header(Path(args.run_dir)))  # the label alone: not every score of the run
    print("\n\n".join(format_sample(s, label, color=sys.stdout.isatty()) for s in found))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from mella_bench.reports.leaderboard import compare

    print(compare(Path(args.run_a), Path(args.run_b), Path(args.out) if args.out else None,
                  resamples=args.resamples, seed=args.seed, full=args.full))
    return 0


def _cmd_ablate(args: argparse.Namespace) -> int:
    from mella_bench.curation.ablation_runs import EvalSettings, ablate, check_ablation
    from mella_bench.langs import parse_langs

    if args.check:
        ok, message = check_ablation(Path(args.check))
        print(message, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    given = {arm: getattr(args, arm) for arm in ("base", "culture", "linguistic", "full")}
    missing = [f"--{a}" for a, v in given.items() if not v]
    if missing:
        raise ValueError(f"ablate needs all four arms (missing {', '.join(missing)}), or --check DIR")
    from mella_bench.inference.backends import BACKEND_OPTIONS
    from mella_bench.inference.backends.options import options_from_flags

    backend = args.backend
    options = options_from_flags(args, backend, BACKEND_OPTIONS)  # backend None: known per arm only
    settings = EvalSettings(langs=parse_langs(args.langs) if args.langs else None,
                            tasks=tuple(args.tasks.split(",")) if args.tasks else None, data=args.data,
                            limit=args.limit, batch_size=args.batch_size, seed=args.run_seed)
    result = ablate(given, Path(args.out), settings, backend=backend, options=options, resamples=args.resamples,
                    seed=args.seed, shards=args.shards, progress=not args.quiet)
    if result.ran:
        print(f"evaluated arm(s) {', '.join(result.ran)} under {Path(args.out) / 'runs'}", file=sys.stderr)
    for path in result.files:
        print(path)
    return 0


def _cmd_tables(args: argparse.Namespace) -> int:
    from mella_bench.reports.tables import check_tables, write_tables

    if args.check:
        ok, message = check_tables(Path(args.config), source=args.source, cache=not args.no_cache,
                                   progress=not args.quiet)
        print(message, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    for path in write_tables(Path(args.config), source=args.source, cache=not args.no_cache, progress=not args.quiet):
        print(path)
    return 0


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench report`."""
    rp = sub.add_parser("report", help="leaderboard (Markdown, CSV, LaTeX) and plots for one or more runs",
                        description="Write leaderboard.md/.csv/.tex (paper and full profile, both axes, every "
                                    "cell with its 95% bootstrap CI, n and failure rate, signatures listed) and PNG "
                                    "plots (per-language bars with CI whiskers; cultural-vs-linguistic scatter). "
                                    "With two or more runs, each later run is compared with the first on the items "
                                    "that are the same item in both (paired sign-flip test, Holm-corrected across "
                                    "languages; ▲/▼ significant, ≠ not comparable; runs that share no item are "
                                    "still reported, with the reason).")
    rp.add_argument("runs", nargs="+", metavar="RUN", help="run directories (the first is the baseline)")
    rp.add_argument("--output", "--out", dest="out", default="report", help="output directory (default ./report)")
    rp.add_argument("--resamples", type=_positive_int, default=1000, help="bootstrap resamples (default 1000; each run's "
                                                                  "seed from run.json)")
    rp.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    rp.add_argument("--html", action=argparse.BooleanOptionalAction, default=True,
                    help="write index.html: leaderboard, plots, signatures and a per-sample viewer, one self-contained "
                         "file (default on; --no-html skips it; docs/reports.md)")
    rp.add_argument("--images", choices=["auto", "embed", "link", "none"], default="auto",
                    help="images in index.html: embedded as data URIs, linked relative to OUT, or left out "
                         "(auto = embed up to 25 MB in all, else link)")
    rp.set_defaults(func=_cmd_report)


def add_show_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench show`."""
    sh = sub.add_parser("show", help="one item of a run in the terminal: prompt, answer, references, scores, judge",
                        description="Print one item of a run: the prompt, the answer (keywords found by the metric's "
                                    "matcher underlined on a terminal), references, keywords found and missed, every "
                                    "metric value with fidelity's detected language, and the judge's score, "
                                    "entities, unsupported claims and rationale when the run was judged.")
    sh.add_argument("run_dir", metavar="RUN", help="a run directory")
    sh.add_argument("item_id", metavar="ITEM_ID", help="item id, e.g. th-know-0001 (see the HTML report's viewer)")
    sh.add_argument("--task", help="only this task (when the id occurs in more than one)")
    sh.add_argument("--json", action="store_true", help="print the joined record as JSON instead")
    sh.set_defaults(func=_cmd_show)


def add_compare_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench compare`."""
    cp = sub.add_parser("compare", help="paired test: does RUN_B beat RUN_A, per language and macro?",
                        description="Paired comparison on the items both runs scored that are the same item in both "
                                    "(same id, references, keywords and prompt; items failed in either run are "
                                    "excluded and counted; a language with none is 'not comparable', with the reason): "
                                    "bootstrap CI, sign-flip permutation p-value, Holm correction across languages, "
                                    "and the macro average; nothing on fewer than 10 items is called significant. "
                                    "Prints Markdown: a table and one sentence per language, e.g. 'th: B > A on "
                                    "keyword_acc, Δ=+62.5 [+48.1, +75.0], p_holm<0.001 (n=100)'.")
    cp.add_argument("run_a", metavar="RUN_A", help="baseline run directory")
    cp.add_argument("run_b", metavar="RUN_B", help="candidate run directory (Δ = B − A)")
    cp.add_argument("--full", action="store_true", help="every metric both runs have (default: the paper profile)")
    cp.add_argument("--output", "--out", dest="out", help="also write compare.md and compare.csv into this directory")
    add_stats_args(cp, "seed of the bootstrap and of the random sign flips (default: RUN_A's seed from run.json)")
    cp.set_defaults(func=_cmd_compare)


def add_ablate_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench ablate`."""
    ap = sub.add_parser("ablate", help="ablation table: base / culture-only / linguistic-only / full training arms",
                        description="Arms are run directories or models (checkpoints): models are evaluated "
                                    "with one shared set of settings (resumable), and arms evaluated differently "
                                    "(tasks, prompts, data, generation, limit) are refused. "
                                    "Each arm on both axes per language and macro, deltas vs base (paired "
                                    "bootstrap, Holm across languages) and the interaction full − culture − "
                                    "linguistic + base (joint bootstrap over the items all four runs scored). "
                                    "Writes ablation.md/.csv/.tex, ablation.png and ablation.json. See docs/ablation.md.")
    for arm, what in (("base", "no MELLA data"), ("culture", "D_know (culture) data only"),
                      ("linguistic", "D_ling (linguistic) data only"), ("full", "both")):
        ap.add_argument(f"--{arm}", metavar="RUN_OR_MODEL",
                        help=f"the arm trained on {what}: a run directory (used as it is) or a model to evaluate "
                             "(checkpoint directory, 'tiny', ...) into OUT/runs/" + arm)
    ap.add_argument("--output", "--out", dest="out", default="ablation", help="output directory (default ./ablation)")
    add_stats_args(ap, "bootstrap seed (default: the base run's seed)")
    ev = ap.add_argument_group("evaluating arms given as models (one set of settings for all; default: those of an "
                               "arm given as a run directory, else all 16 tasks on their data)")
    ev.add_argument("--backend", choices=list(BACKENDS),
                    help="backend for the arms given as models (default: inferred, a directory = hf)")
    ev.add_argument("--langs", help="'all' or a comma list of language codes")
    ev.add_argument("--tasks", help="comma list of task or group names")
    ev.add_argument("--data", help="dataset overriding the tasks' data")
    ev.add_argument("--limit", type=_positive_int, help="at most N items per task")
    ev.add_argument("--batch-size", type=_positive_int, help="requests per backend call (default 8)")
    ev.add_argument("--run-seed", type=int, help="seed recorded in each new run (default 0)")
    ev.add_argument("--shards", type=_positive_int, metavar="N", help="run each new arm as N local shards, then merge")
    ev.add_argument("--quiet", action="store_true", help="no progress bars")
    ap.add_argument("--check", metavar="DIR",
                    help="instead: rebuild DIR's ablation from its arms' predictions (rescored) and exit 1 with a "
                         "diff when the committed files differ")
    add_backend_flags(ap, BACKEND_OPTIONS)
    ap.set_defaults(func=_cmd_ablate)


def add_tables_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench tables`."""
    tb = sub.add_parser("tables", help="regenerate the paper-layout tables from the runs named in a tables config",
                        description="Keyword Accuracy and METEOR/BLEU/ROUGE-L tables (backbone × {baseline, "
                                    "+MELLA} × language) as Markdown, LaTeX and CSV, with the published numbers "
                                    "(second-hand, labelled) beside ours. --check rebuilds them in memory and exits "
                                    "1 with a diff naming each changed cell when the committed files differ.")
    tb.add_argument("--config", default="results/tables.yaml", help="tables config (default results/tables.yaml)")
    tb.add_argument("--check", action="store_true", help="compare with the committed tables instead of writing")
    tb.add_argument("--from", dest="source", choices=["predictions", "scores"], default="predictions",
                    help="re-derive scores from predictions.jsonl (default; an edited prediction changes the "
                         "table) or read the stored scores.jsonl")
    tb.add_argument("--no-cache", action="store_true",
                    help="score every item of a named-protocol table (mella-2024) instead of taking unchanged "
                         "ones from RUN/cache.mella-2024.json (keyed by prediction, references, settings and the "
                         "protocol's code; written by `tables`)")
    tb.add_argument("--quiet", action="store_true", help="no progress lines")
    tb.set_defaults(func=_cmd_tables)
