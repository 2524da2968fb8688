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
    from mella_bench.metrics.score import format_table, score_run

    summary = score_run(config.output, progress=not args.quiet)
    print(format_table(summary), file=sys.stderr)
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from mella_bench.metrics.score import format_table, score_run

    summary = score_run(Path(args.run_dir), progress=not args.quiet)
    print(format_table(summary), file=sys.stderr)
    print(f"wrote {Path(args.run_dir) / 'scores.jsonl'} and {Path(args.run_dir) / 'summary.json'}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def _cmd_metrics(args: argparse.Namespace) -> int:
    from mella_bench.metrics.files import load_corpus, score_files

    corpus = load_corpus(args.lang, args.hyps, args.refs, args.keywords, allow_empty=args.allow_empty)
    metrics = args.metrics.split(",") if args.metrics else None
    print(json.dumps(score_files(corpus, metrics), ensure_ascii=False, indent=2))
    return 0


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

    sc = sub.add_parser("score", help="(re)score a run directory: scores.jsonl and summary.json",
                        description="Score the predictions of a run directory with every metric its tasks name "
                                    "(only predictions matching run.json's task and model hashes). Writes "
                                    "scores.jsonl (per item and metric) and summary.json (per task: value, n, "
                                    "failure rate, signature; paper and full profiles).")
    sc.add_argument("run_dir", help="a directory written by `mella-bench run`")
    sc.add_argument("--json", action="store_true", help="also print summary.json to stdout")
    sc.add_argument("--quiet", action="store_true", help="no progress bars")
    sc.set_defaults(func=_cmd_score)

    from mella_bench.metrics import METRICS

    m = sub.add_parser("metrics", help="score plain text files (one hypothesis per line), like sacrebleu",
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
    m.add_argument("--metrics", help=f"comma list (default: bleu,chrf++,rouge_l,meteor,cider [+ keyword metrics]); "
                                     f"known: {','.join(METRICS)}")
    m.add_argument("--allow-empty", action="store_true", help="score empty hypothesis lines as 0 instead of failing")
    m.set_defaults(func=_cmd_metrics)

    t = sub.add_parser("tasks", help="inspect task definitions")
    tsub = t.add_subparsers(dest="tasks_command", required=True)
    tl = tsub.add_parser("list", help="every task with its language, axis, version and content hash")
    tl.set_defaults(func=_cmd_tasks_list)

    d = sub.add_parser("data", help="dataset utilities")
    dsub = d.add_subparsers(dest="data_command", required=True)
    dv = dsub.add_parser("validate", help="check a dataset and list every problem with file, line and field")
    dv.add_argument("path", help="manifest directory, manifest .jsonl, .parquet, saved `datasets` dir, or 'demo'")
    dv.set_defaults(func=_cmd_data_validate)
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
