"""`mella-bench label page|import`: labelling rounds for native speakers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench.inference.backends.options import positive_int as _positive_int


def _cmd_label_page(args: argparse.Namespace) -> int:
    from mella_bench.judge.labelling import format_plan, make_round, write_round
    from mella_bench.langs import parse_langs

    rnd = make_round([Path(r) for r in args.runs], per_lang=args.per_lang, seed=args.seed, answers=args.answers,
                     langs=parse_langs(args.langs) if args.langs else None,
                     rubrics=tuple(args.rubrics.split(",")) if args.rubrics else None)
    page, plan = write_round(rnd, Path(args.out))
    print(format_plan(rnd.plan), file=sys.stderr)
    print(page)
    print(plan)
    return 0


def _cmd_label_import(args: argparse.Namespace) -> int:
    from mella_bench.judge.labelling import format_import, import_labels

    result = import_labels([Path(f) for f in args.files], Path(args.into))
    for kind, lines in (("rejected", result.rejected), ("stale", result.stale)):
        for line in lines[:20]:
            print(f"{kind}: {line}", file=sys.stderr)
        if len(lines) > 20:
            print(f"... and {len(lines) - 20} more {kind}", file=sys.stderr)
    print(format_import(result))
    return 1 if result.rejected else 0


def add_label_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench label`."""
    lb = sub.add_parser("label", help="human labelling: a page for native speakers, and reading its labels back",
                        description="`mella-bench label RUN... --output DIR` (short for `label page`) writes DIR/index.html, "
                                    "a self-contained, keyboard-driven labelling page for a stratified, seeded sample "
                                    "of the runs' answers (blind to run names), and DIR/plan.json; `label import "
                                    "FILE... --into DIR` reads the exported labels back. See docs/labelling.md.")
    lsub = lb.add_subparsers(dest="label_command", required=True)
    lp = lsub.add_parser("page", help="write the labelling page and its sample plan")
    lp.add_argument("runs", nargs="+", metavar="RUN", help="run directories (judged runs give the score bands)")
    lp.add_argument("--output", "--out", dest="out", required=True, help="folder for index.html and plan.json")
    lp.add_argument("--per-lang", type=_positive_int, default=50,
                    help="items per language, split equally over axis x judge score band (default 50)")
    lp.add_argument("--seed", type=int, default=0, help="sampling and answer-order seed (default 0)")
    lp.add_argument("--answers", type=int, choices=[1, 2],
                    help="answers per item: 2 (scales and a preference; default with two or more runs) or 1")
    lp.add_argument("--langs", help="'all' or a comma list of language codes (default: every language of the runs)")
    lp.add_argument("--rubrics", help="comma list of rubric ids to ask (default: each task's rubrics)")
    lp.set_defaults(func=_cmd_label_page)
    li = lsub.add_parser("import", help="merge exported label files into a round's labels.jsonl (idempotent)")
    li.add_argument("files", nargs="+", metavar="FILE", help="JSONL files exported by the page")
    li.add_argument("--into", required=True, metavar="DIR", help="the labelling round folder (with plan.json)")
    li.set_defaults(func=_cmd_label_import)
