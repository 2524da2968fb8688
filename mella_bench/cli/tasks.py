"""`mella-bench tasks list`."""

from __future__ import annotations

import argparse

from mella_bench.cli.common import add_include_path


def _cmd_tasks_list(args: argparse.Namespace) -> int:
    from mella_bench.data.tasks import load_registry

    reg = load_registry(include_paths=args.include_path or ())
    print(f"{'task':<18} {'lang':<5} {'axis':<5} {'ver':<4} {'hash':<13} metrics")
    for t in reg.tasks.values():
        print(f"{t.name:<18} {t.lang:<5} {t.axis:<5} {t.version:<4} {t.hash:<13} {', '.join(t.metrics)}")
    print()
    print("groups:")
    for g, members in reg.groups.items():
        print(f"  {g:<12} {', '.join(members)}")
    return 0


def add_tasks_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench tasks`."""
    t = sub.add_parser("tasks", help="inspect task definitions")
    tsub = t.add_subparsers(dest="tasks_command", required=True)
    tl = tsub.add_parser("list", help="every task with its language, axis, version and content hash")
    add_include_path(tl)
    tl.set_defaults(func=_cmd_tasks_list)
