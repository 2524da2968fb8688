"""`mella-bench run` and `merge`: generate predictions (sharded or not) and combine shards."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench.cli.common import (add_data_options, add_include_path, add_judge_options, add_limit_options,
                                    add_reidentify, data_arg, EXIT_FAILURE_RATE, failure_rate,
                                    judge_and_print, judge_config, limits_from_args, max_failure_rate,
                                    score_and_print)
from mella_bench.inference.backends import BACKEND_OPTIONS, BACKENDS
from mella_bench.inference.backends.options import add_backend_flags, positive_int as _positive_int
from mella_bench.langs import LANG_CODES


def _parse_shard(text: str) -> tuple[int, int]:
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard takes I/N (e.g. 0/4), got '{text}'") from None
    if not (n >= 1 and 0 <= i < n):
        raise argparse.ArgumentTypeError(f"--shard I/N needs 0 <= I < N, got '{text}'")
    return i, n


def _backend_options(args: argparse.Namespace, backend: str | None) -> dict[str, object]:
    """Backend options from the flags the user set (each backend declares its own: `backends/options.py`);
    a flag for another backend is an error, not ignored."""
    from mella_bench.inference.backends import BACKEND_OPTIONS, RUN_SEEDED
    from mella_bench.inference.backends.options import options_from_flags

    options = options_from_flags(args, backend, BACKEND_OPTIONS)
    if backend in RUN_SEEDED:
        options["seed"] = args.seed
    return options


def _sharding(args: argparse.Namespace, backend: str) -> tuple[int | None, int]:
    """(shard count for an executor or None, GPUs per shard). `--data-parallel-size N` is N vLLM shards."""
    shards = args.shards
    dp = args.data_parallel_size
    if dp is not None:
        if backend != "vllm":
            raise ValueError(f"--data-parallel-size applies to --backend vllm, not {backend}")
        if shards is not None and shards != dp:
            raise ValueError(f"--data-parallel-size {dp} and --shards {shards} disagree; give one of them")
        shards = dp if dp > 1 else shards
    if shards is not None and args.shard is not None:
        raise ValueError("--shard I/N runs one shard by hand; --shards N runs all of them: give one of them")
    if args.score and args.shard is None:
        raise ValueError("--score applies to a --shard I/N run (every other run is scored)")
    if args.executor is not None and shards is None:
        raise ValueError("--executor needs --shards N (or --data-parallel-size N with --backend vllm)")
    if args.ray_address and args.executor != "ray":
        raise ValueError("--ray-address needs --executor ray")
    return shards, (args.tensor_parallel_size or 1) if backend == "vllm" else 1


def _cmd_run(args: argparse.Namespace) -> int:
    from mella_bench.inference.backends import resolve_spec
    from mella_bench.langs import parse_langs
    from mella_bench.inference.run import RunConfig
    from mella_bench.inference.shard import shard_dir_name
    from mella_bench.data.tasks import select_tasks

    langs = parse_langs(args.langs)
    tasks = select_tasks(langs, args.tasks.split(",") if args.tasks else None, include_paths=args.include_path or ())
    if not tasks:
        print("no task matches --tasks and --langs", file=sys.stderr)
        return 2
    backend = resolve_spec(args.model, args.backend).name
    shards, gpus_per_shard = _sharding(args, backend)
    spec = resolve_spec(args.model, args.backend, _backend_options(args, backend))
    name = args.output or Path("results") / (Path(args.model).name.replace(":", "-") or "run")
    if args.shard is not None and not args.output:
        name = Path(shard_dir_name(str(name), args.shard))
    config = RunConfig(backend=spec, tasks=tuple(t.name for t in tasks), output=Path(name), data=data_arg(args.data, args),
                       limit=args.limit, batch_size=args.batch_size, seed=args.seed, shard=args.shard,
                       limits=limits_from_args(args), overwrite=args.overwrite)
    from mella_bench.store import RunDir

    with RunDir(config.output).session():  # one writer at a time, from generation through judging and scoring
        return _run_locked(args, config, tasks, shards, gpus_per_shard)


def _run_locked(args: argparse.Namespace, config, tasks, shards: int | None, gpus_per_shard: int) -> int:
    from mella_bench.inference.run import generate

    if args.judge:  # a URL/key/model typo must show now, not after hours of generation
        _probe_judge(args)
    if shards is None:
        counts = generate(config, tasks, progress=not args.quiet)
        print(f"predictions: {counts['ok']} new ok, {counts['error']} failed, {counts['reused']} reused "
              f"→ {config.output}", file=sys.stderr)
        from mella_bench.inference.run import fallback_note

        if note := fallback_note(config.output):
            print(note, file=sys.stderr)
        out = config.output
    else:
        from mella_bench.inference.executor import run_sharded

        report = run_sharded(config, tasks, shards, args.executor or "local", ray_address=args.ray_address,
                             gpus_per_shard=gpus_per_shard, workers=args.workers, progress=not args.quiet)
        print(f"merged {len(report.shards)} shards: {report.ok} ok, {report.error} failed → {report.output}",
              file=sys.stderr)
        out = report.output
        counts = {"ok": report.ok, "error": report.error, "reused": 0}
    code = 0
    if args.judge:
        code = judge_and_print(out, args)
    if config.shard is not None and not args.score:  # `merge` scores the merged run once
        print(f"shard {config.shard[0]}/{config.shard[1]} not scored (add --score to score it on its own); "
              "`mella-bench merge` scores the merged run", file=sys.stderr)
    else:
        score_and_print(out, quiet=args.quiet, verbose=args.verbose)
        print(f"HTML report with a per-sample viewer: mella-bench report {out} --output {Path(out) / 'report'}")
    total = counts["ok"] + counts["error"] + counts["reused"]
    return failure_rate(args, counts["error"], total, "predictions",
                         "Rerun the same command to retry only the failed items (finished ones are kept).") or code


def _cmd_merge(args: argparse.Namespace) -> int:
    from mella_bench.inference.shard import merge

    report = merge([Path(d) for d in args.runs], Path(args.output), check_items=not args.no_item_check,
                   reidentify=args.reidentify)
    print(f"merged {len(report.shards)} shards: {report.predictions} predictions ({report.ok} ok, "
          f"{report.error} failed) → {report.output}", file=sys.stderr)
    score_and_print(report.output, quiet=False)
    return 0


def _probe_judge(args: argparse.Namespace) -> None:
    """Check the judge endpoint (URL, key, model) before any generation; raises ApiError (exit 3)."""
    import asyncio

    from mella_bench.endpoint.apiclient import ChatClient

    async def go() -> None:
        async with ChatClient(judge_config(args).endpoint) as client:
            await client.probe()

    asyncio.run(go())


def add_run_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench run`."""
    r = sub.add_parser("run", help="generate predictions for tasks and score them",
                       description="Generate one answer per item and task (resumable: a rerun skips finished "
                                   "items), then score the run.")
    r.add_argument("--model", required=True,
                   help="local checkpoint directory (hf), 'tiny' (random demo model), 'reference:thick', "
                        "'reference:thin' or 'reference:shuffled' (replay the item's reference, its thin text, or "
                        "another item's reference), or a model name with --backend openai / vllm")
    r.add_argument("--backend", choices=list(BACKENDS), help="inference backend (default: inferred from --model)")
    r.add_argument("--langs", default="all", help=f"'all' or a comma list of {','.join(LANG_CODES)} (default: all)")
    r.add_argument("--tasks", help="comma list of task or group names (default: the 'mella' group, all 16 tasks)")
    add_include_path(r)
    r.add_argument("--data", help="dataset path (manifest dir, .jsonl, .parquet, saved `datasets` dir) or 'demo'; "
                                  "overrides each task's data")
    add_data_options(r)
    r.add_argument("--limit", type=_positive_int, help="at most N items per task")
    r.add_argument("--batch-size", type=_positive_int, default=8, help="requests per backend call (default 8)")
    r.add_argument("--output", help="run directory (default results/<model name>); it belongs to one model and "
                                    "one dataset, and one command writes it at a time")
    r.add_argument("--overwrite", action="store_true",
                   help="delete the run files already in --output (run.json, predictions, scores, summary, "
                        "judgments) before running, instead of refusing another model or dataset")
    r.add_argument("--max-failure-rate", type=max_failure_rate, default=0.0, metavar="SHARE",
                   help=f"exit {EXIT_FAILURE_RATE} when more than this share of items failed (default 0: any failure)")
    r.add_argument("--seed", type=int, default=0, help="seed recorded in run.json and used for bootstrap (default 0)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.add_argument("--verbose", action="store_true", help="also print every task and metric with its signature "
                                                          "(always written to RUN/scores.md)")
    r.add_argument("--rubrics", help="judge only these rubrics (comma list; default: each task's rubrics)")
    add_limit_options(r)
    add_judge_options(r, required=False, short_names=False)
    r.set_defaults(func=_cmd_run)
    sc = r.add_argument_group("scale-out (docs/models.md: Run at scale)")
    sc.add_argument("--shard", type=_parse_shard,
                    help="I/N: run only the I-th of N deterministic parts into its own run directory (default name "
                         "gets '-shard-I-of-N'); combine the N directories with `mella-bench merge`")
    sc.add_argument("--score", action="store_true",
                    help="with --shard: also score this shard on its own (by default a shard is not scored: "
                         "`merge` scores the merged run once)")
    sc.add_argument("--shards", type=_positive_int, metavar="N",
                    help="run all N shards in parallel with --executor, under OUTPUT/shards/, then merge into OUTPUT")
    sc.add_argument("--executor", choices=["local", "ray"],
                    help="how --shards run: 'local' = one process per shard, one at a time per free GPU group "
                         "(default); 'ray' = Ray tasks on the cluster at --ray-address or on a local Ray")
    sc.add_argument("--ray-address", help="address of a running Ray cluster (e.g. 'auto' or 'ray://host:10001'); "
                                          "default: start a small local Ray")
    sc.add_argument("--workers", type=_positive_int, help="local executor: shards at once (default: one per GPU group, 1 on CPU)")
    sc.add_argument("--data-parallel-size", type=_positive_int,
                    help="vllm: engines in parallel: runs N shards (one engine of --tensor-parallel-size GPUs each) "
                         "and merges")
    add_backend_flags(r, BACKEND_OPTIONS)


def add_merge_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench merge`."""
    m = sub.add_parser("merge", help="combine the shard runs of one run into a single run",
                       description="Check that the shard runs (made with --shard I/N) share model, tasks, data and N, "
                                   "that no shard is missing or given twice and every item is predicted exactly "
                                   "once, then write one run directory and score it.")
    m.add_argument("runs", nargs="+", metavar="RUN", help="shard run directories")
    m.add_argument("--output", required=True, help="run directory to write")
    m.add_argument("--no-item-check", action="store_true",
                   help="skip the check that every dataset item is covered (when the data is not on this machine)")
    add_reidentify(m)
    m.set_defaults(func=_cmd_merge)
