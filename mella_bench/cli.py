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


_VLLM_FLAGS = ("tensor_parallel_size", "gpu_memory_utilization", "max_model_len")
_OPENAI_FLAGS = ("base_url", "api_key_env", "concurrency")


def _backend_options(args: argparse.Namespace, backend: str) -> dict[str, object]:
    """Backend options from the flags the user set; a flag for another backend is an error, not ignored."""
    options: dict[str, object] = {}
    if args.trust_remote_code:
        options["trust_remote_code"] = True
    if args.device:
        options["device"] = args.device
    for names, owner in ((_VLLM_FLAGS, "vllm"), (_OPENAI_FLAGS, "openai")):
        for name in names:
            value = getattr(args, name)
            if value is None:
                continue
            if backend != owner:
                raise ValueError(f"--{name.replace('_', '-')} applies to --backend {owner}, not {backend}")
            options[name] = value
    if backend == "vllm":
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
    if args.executor is not None and shards is None:
        raise ValueError("--executor needs --shards N (or --data-parallel-size N with --backend vllm)")
    if args.ray_address and args.executor != "ray":
        raise ValueError("--ray-address needs --executor ray")
    return shards, (args.tensor_parallel_size or 1) if backend == "vllm" else 1


def _cmd_run(args: argparse.Namespace) -> int:
    from mella_bench.backends import resolve_spec
    from mella_bench.langs import parse_langs
    from mella_bench.run import RunConfig, generate
    from mella_bench.shard import shard_dir_name, try_score
    from mella_bench.tasks import select_tasks

    langs = parse_langs(args.langs)
    tasks = select_tasks(langs, args.tasks.split(",") if args.tasks else None)
    if not tasks:
        print("no task matches --tasks and --langs", file=sys.stderr)
        return 2
    backend = resolve_spec(args.model, args.backend).name
    shards, gpus_per_shard = _sharding(args, backend)
    spec = resolve_spec(args.model, args.backend, _backend_options(args, backend))
    name = args.output or Path("results") / (Path(args.model).name.replace(":", "-") or "run")
    if args.shard is not None and not args.output:
        name = Path(shard_dir_name(str(name), args.shard))
    config = RunConfig(backend=spec, tasks=tuple(t.name for t in tasks), output=Path(name), data=args.data,
                       limit=args.limit, batch_size=args.batch_size, seed=args.seed, shard=args.shard)
    if shards is None:
        counts = generate(config, tasks, progress=not args.quiet)
        print(f"predictions: {counts['ok']} new ok, {counts['error']} failed, {counts['reused']} reused "
              f"→ {config.output}", file=sys.stderr)
        return 0
    from mella_bench.executor import run_sharded

    report = run_sharded(config, tasks, shards, args.executor or "local", ray_address=args.ray_address,
                         gpus_per_shard=gpus_per_shard, workers=args.workers, progress=not args.quiet)
    print(f"merged {len(report.shards)} shards: {report.ok} ok, {report.error} failed → {report.output}",
          file=sys.stderr)
    print(try_score(report.output), file=sys.stderr)
    return 0


def _cmd_merge(args: argparse.Namespace) -> int:
    from mella_bench.shard import merge, try_score

    report = merge([Path(d) for d in args.runs], Path(args.output), check_items=not args.no_item_check)
    print(f"merged {len(report.shards)} shards: {report.predictions} predictions ({report.ok} ok, "
          f"{report.error} failed) → {report.output}", file=sys.stderr)
    print(try_score(report.output), file=sys.stderr)
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
    r.add_argument("--device", help="torch device for hf/tiny (default: cuda if available, else cpu)")
    r.add_argument("--trust-remote-code", action="store_true",
                   help="allow model repositories to run their own Python code (off by default)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.set_defaults(func=_cmd_run)

    sc = r.add_argument_group("scale-out (docs/scale.md)")
    sc.add_argument("--shard", type=_parse_shard,
                    help="I/N: run only the I-th of N deterministic parts into its own run directory (default name "
                         "gets '-shard-I-of-N'); combine the N directories with `mella-bench merge`")
    sc.add_argument("--shards", type=int, metavar="N",
                    help="run all N shards in parallel with --executor, under OUTPUT/shards/, then merge into OUTPUT")
    sc.add_argument("--executor", choices=["local", "ray"],
                    help="how --shards run: 'local' = one process per shard, one at a time per free GPU group "
                         "(default); 'ray' = Ray tasks on the cluster at --ray-address or on a local Ray")
    sc.add_argument("--ray-address", help="address of a running Ray cluster (e.g. 'auto' or 'ray://host:10001'); "
                                          "default: start a small local Ray")
    sc.add_argument("--workers", type=int, help="local executor: shards at once (default: one per GPU group, 1 on CPU)")

    v = r.add_argument_group("vllm backend")
    v.add_argument("--tensor-parallel-size", type=int, help="GPUs per engine (vLLM tensor parallelism)")
    v.add_argument("--data-parallel-size", type=int,
                   help="engines in parallel: runs N shards (one engine of --tensor-parallel-size GPUs each) and merges")
    v.add_argument("--gpu-memory-utilization", type=float, help="share of each GPU's memory vLLM may take (vLLM: 0.9)")
    v.add_argument("--max-model-len", type=int, help="context length to allocate (default: the model's)")

    o = r.add_argument_group("openai backend (any OpenAI-compatible server)")
    o.add_argument("--base-url", help="endpoint, e.g. http://127.0.0.1:8000/v1 (default: the OpenAI API)")
    o.add_argument("--api-key-env", help="environment variable holding the API key (default OPENAI_API_KEY); "
                                         "the key itself is never written anywhere")
    o.add_argument("--concurrency", type=int, help="requests in flight at once (default 8)")

    m = sub.add_parser("merge", help="combine the shard runs of one run into a single run",
                       description="Check that the shard runs (made with --shard I/N) share model, tasks, data and N, "
                                   "that no shard is missing or given twice and every item is predicted exactly "
                                   "once, then write one run directory and score it.")
    m.add_argument("runs", nargs="+", metavar="RUN", help="shard run directories")
    m.add_argument("--output", required=True, help="run directory to write")
    m.add_argument("--no-item-check", action="store_true",
                   help="skip the check that every dataset item is covered (when the data is not on this machine)")
    m.set_defaults(func=_cmd_merge)

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
