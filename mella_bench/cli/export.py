"""`mella-bench export`: the tasks for another harness."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench.cli.common import add_data_options, add_include_path, data_arg
from mella_bench.inference.backends.options import positive_int as _positive_int


def _cmd_export(args: argparse.Namespace) -> int:
    from mella_bench.langs import parse_langs
    from mella_bench.interop.lmms_eval_export import export_lmms_eval
    from mella_bench.data.tasks import select_tasks

    tasks = select_tasks(parse_langs(args.langs), args.tasks.split(",") if args.tasks else None,
                         include_paths=args.include_path or ())
    if not tasks:
        print("no task matches --tasks and --langs", file=sys.stderr)
        return 2
    rep = export_lmms_eval(Path(args.output), tasks, data_arg(args.data, args), args.limit)
    print(f"wrote {len(rep.tasks)} lmms-eval tasks ({rep.docs} docs) to {rep.output}; run them with "
          f"lmms-eval --tasks mella --include_path {rep.output} --log_samples (needs mella-bench installed there)",
          file=sys.stderr)
    print(json.dumps({"output": str(rep.output), "tasks": list(rep.tasks), "docs": rep.docs}))
    return 0


def add_export_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench export`."""
    ex = sub.add_parser("export", help="write the tasks for another harness (lmms-eval task folder)",
                        description="lmms-eval: one task YAML per task (local json dataset, prompts, generation "
                                    "settings) plus a utils.py that scores with mella-bench's metrics, a 'mella' "
                                    "group and the data with its images. Use it with lmms-eval --include_path DIR "
                                    "--tasks mella; see docs/interop.md.")
    ex.add_argument("target", choices=["lmms-eval"])
    ex.add_argument("--output", required=True, help="folder to write (relocatable)")
    ex.add_argument("--tasks", help="comma list of task or group names (default: the 'mella' group)")
    ex.add_argument("--langs", default="all", help="'all' or a comma list of language codes")
    ex.add_argument("--data", help="dataset to export instead of each task's own (as run --data)")
    add_data_options(ex)
    ex.add_argument("--limit", type=_positive_int, help="at most N items per task")
    add_include_path(ex)
    ex.set_defaults(func=_cmd_export)
