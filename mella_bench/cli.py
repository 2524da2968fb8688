"""Command line: a thin argparse layer over the Python API. JSON results go to stdout, progress to stderr."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench import __version__
from mella_bench.langs import LANG_CODES


def _cmd_tasks_list(args: argparse.Namespace) -> int:
    from mella_bench.tasks import load_registry

    reg = load_registry()
    print(f"{'task':<18} {'lang':<5} {'axis':<5} {'ver':<4} {'hash':<13} metrics")
    for t in reg.tasks.values():
        print(f"{t.name:<18} {t.lang:<5} {t.axis:<5} {t.version:<4} {t.hash:<13} {', '.join(t.metrics)}")
    print()
    print("groups:")
    for g, members in reg.groups.items():
        print(f"  {g:<12} {', '.join(members)}")
    return 0


def _cmd_data_validate(args: argparse.Namespace) -> int:
    from collections import Counter

    from mella_bench.data import validate

    ds, problems = validate(args.path)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(problems)} problem(s) found; nothing was loaded. Fix them and run again.", file=sys.stderr)
        return 1
    assert ds is not None
    counts = Counter((it.lang, it.axis) for it in ds.items)
    print(json.dumps({"path": ds.source, "items": len(ds.items),
                      "by_lang_axis": {f"{lang}/{axis}": n for (lang, axis), n in sorted(counts.items())}},
                     ensure_ascii=False, indent=2))
    return 0


def _parse_shard(text: str) -> tuple[int, int]:
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard takes I/N (e.g. 0/4), got '{text}'") from None
    if not (n >= 1 and 0 <= i < n):
        raise argparse.ArgumentTypeError(f"--shard I/N needs 0 <= I < N, got '{text}'")
    return i, n


def _cmd_run(args: argparse.Namespace) -> int:
    from mella_bench.backends import resolve_spec
    from mella_bench.langs import parse_langs
    from mella_bench.run import RunConfig, generate
    from mella_bench.tasks import select_tasks

    langs = parse_langs(args.langs)
    tasks = select_tasks(langs, args.tasks.split(",") if args.tasks else None)
    if not tasks:
        print("no task matches --tasks and --langs", file=sys.stderr)
        return 2
    options = {}
    if args.trust_remote_code:
        options["trust_remote_code"] = True
    if args.device:
        options["device"] = args.device
    spec = resolve_spec(args.model, args.backend, options)
    name = args.output or Path("results") / (Path(args.model).name.replace(":", "-") or "run")
    config = RunConfig(backend=spec, tasks=tuple(t.name for t in tasks), output=Path(name), data=args.data,
                       limit=args.limit, batch_size=args.batch_size, seed=args.seed, shard=args.shard)
    counts = generate(config, tasks, progress=not args.quiet)
    print(f"predictions: {counts['ok']} new ok, {counts['error']} failed, {counts['reused']} reused "
          f"→ {config.output}", file=sys.stderr)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from mella_bench.report import write_report

    files = write_report([Path(r) for r in args.runs], Path(args.out), resamples=args.resamples,
                         plots=not args.no_plots)
    for path in (files.markdown, files.csv, files.latex, *files.plots):
        print(path)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from mella_bench.report import compare

    print(compare(Path(args.run_a), Path(args.run_b), Path(args.out) if args.out else None,
                  resamples=args.resamples, seed=args.seed, full=args.full))
    return 0


def _cmd_ablate(args: argparse.Namespace) -> int:
    from mella_bench.ablation import write_ablation

    files = write_ablation(Path(args.base), Path(args.culture), Path(args.linguistic), Path(args.full),
                           Path(args.out), resamples=args.resamples, seed=args.seed)
    for path in (files.markdown, files.csv, files.latex, files.plot):
        if path:
            print(path)
    return 0


def _cmd_tables(args: argparse.Namespace) -> int:
    from mella_bench.tables import check_tables, write_tables

    if args.check:
        ok, message = check_tables(Path(args.config), source=args.source)
        print(message, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    for path in write_tables(Path(args.config), source=args.source):
        print(path)
    return 0


def _add_stats_args(p: argparse.ArgumentParser, seed_help: str) -> None:
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=None, help=seed_help)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mella-bench",
        description="Evaluate vision-language models on the MELLA protocol in eight languages "
                    f"({', '.join(LANG_CODES)}): cultural groundedness (know) and linguistic capability (ling).",
    )
    p.add_argument("--version", action="version", version=f"mella-bench {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="generate predictions for tasks and score them",
                       description="Generate one answer per item and task (resumable: a rerun skips finished "
                                   "items), then score the run.")
    r.add_argument("--model", required=True,
                   help="local checkpoint directory (hf), 'tiny' (random demo model), 'reference:thick' or "
                        "'reference:thin' (replay the item's reference or thin text), or a served model name "
                        "with --backend openai")
    r.add_argument("--backend", choices=["hf", "tiny", "reference", "vllm", "openai"],
                   help="inference backend (default: inferred from --model)")
    r.add_argument("--langs", default="all", help=f"'all' or a comma list of {','.join(LANG_CODES)} (default: all)")
    r.add_argument("--tasks", help="comma list of task or group names (default: the 'mella' group, all 16 tasks)")
    r.add_argument("--data", help="dataset path (manifest dir, .jsonl, .parquet, saved `datasets` dir) or 'demo'; "
                                  "overrides each task's data")
    r.add_argument("--limit", type=int, help="at most N items per task")
    r.add_argument("--batch-size", type=int, default=8, help="requests per backend call (default 8)")
    r.add_argument("--output", help="run directory (default results/<model name>)")
    r.add_argument("--seed", type=int, default=0, help="seed recorded in run.json and used for bootstrap (default 0)")
    r.add_argument("--shard", type=_parse_shard, help="I/N: run only the I-th of N deterministic parts")
    r.add_argument("--device", help="torch device for hf/tiny (default: cuda if available, else cpu)")
    r.add_argument("--trust-remote-code", action="store_true",
                   help="allow model repositories to run their own Python code (off by default)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.set_defaults(func=_cmd_run)

    t = sub.add_parser("tasks", help="inspect task definitions")
    tsub = t.add_subparsers(dest="tasks_command", required=True)
    tl = tsub.add_parser("list", help="every task with its language, axis, version and content hash")
    tl.set_defaults(func=_cmd_tasks_list)

    d = sub.add_parser("data", help="dataset utilities")
    dsub = d.add_subparsers(dest="data_command", required=True)
    dv = dsub.add_parser("validate", help="check a dataset and list every problem with file, line and field")
    dv.add_argument("path", help="manifest directory, manifest .jsonl, .parquet, saved `datasets` dir, or 'demo'")
    dv.set_defaults(func=_cmd_data_validate)

    rp = sub.add_parser("report", help="leaderboard (Markdown, CSV, LaTeX) and plots for one or more runs",
                        description="Write leaderboard.md/.csv/.tex (paper and full profile, both axes, every "
                                    "cell with its 95% bootstrap CI, n and failure rate, signatures listed) and PNG "
                                    "plots (per-language bars with CI whiskers; cultural-vs-linguistic scatter). "
                                    "With two or more runs, each later run is compared with the first by a paired "
                                    "bootstrap (Holm-corrected across languages).")
    rp.add_argument("runs", nargs="+", metavar="RUN", help="run directories (the first is the baseline)")
    rp.add_argument("--out", default="report", help="output directory (default ./report)")
    rp.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000; each run's "
                                                                  "seed from run.json)")
    rp.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    rp.set_defaults(func=_cmd_report)

    cp = sub.add_parser("compare", help="paired bootstrap test: does RUN_B beat RUN_A, per language and macro?",
                        description="Paired bootstrap over the items both runs scored (items failed in either run "
                                    "are excluded and counted), per language with Holm correction across languages, "
                                    "and for the macro average. Prints Markdown: a table and one sentence per "
                                    "language, e.g. 'th: B > A on keyword_acc, Δ=+62.5 [+48.1, +75.0], p_holm<0.001'.")
    cp.add_argument("run_a", metavar="RUN_A", help="baseline run directory")
    cp.add_argument("run_b", metavar="RUN_B", help="candidate run directory (Δ = B − A)")
    cp.add_argument("--full", action="store_true", help="every metric both runs have (default: the paper profile)")
    cp.add_argument("--out", help="also write compare.md and compare.csv into this directory")
    _add_stats_args(cp, "bootstrap seed (default: RUN_A's seed from run.json)")
    cp.set_defaults(func=_cmd_compare)

    ap = sub.add_parser("ablate", help="ablation table: base / culture-only / linguistic-only / full training arms",
                        description="Each arm on both axes per language and macro, deltas vs base (paired "
                                    "bootstrap, Holm across languages) and the interaction full − culture − "
                                    "linguistic + base (joint bootstrap over the items all four runs scored). "
                                    "Writes ablation.md/.csv/.tex and ablation.png.")
    for arm, what in (("base", "no MELLA data"), ("culture", "D_know (culture) data only"),
                      ("linguistic", "D_ling (linguistic) data only"), ("full", "both")):
        ap.add_argument(f"--{arm}", required=True, metavar="RUN", help=f"run directory of the arm trained on {what}")
    ap.add_argument("--out", default="ablation", help="output directory (default ./ablation)")
    _add_stats_args(ap, "bootstrap seed (default: the base run's seed)")
    ap.set_defaults(func=_cmd_ablate)

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
    tb.set_defaults(func=_cmd_tables)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted; finished predictions are saved, rerun the same command to continue", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        from mella_bench.data import DataError

        print(f"error: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, DataError) else 2


if __name__ == "__main__":
    sys.exit(main())
