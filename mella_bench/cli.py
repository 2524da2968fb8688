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
    if args.dtype:
        options["dtype"] = args.dtype
    spec = resolve_spec(args.model, args.backend, options)
    name = args.output or Path("results") / (Path(args.model).name.replace(":", "-") or "run")
    config = RunConfig(backend=spec, tasks=tuple(t.name for t in tasks), output=Path(name), data=args.data,
                       limit=args.limit, batch_size=args.batch_size, seed=args.seed, shard=args.shard)
    counts = generate(config, tasks, progress=not args.quiet)
    print(f"predictions: {counts['ok']} new ok, {counts['error']} failed, {counts['reused']} reused "
          f"→ {config.output}", file=sys.stderr)
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
    r.add_argument("--dtype", choices=["bfloat16", "float16", "float32"],
                   help="weights/activations dtype for hf/tiny (default: bfloat16 on cuda, float32 on cpu)")
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
