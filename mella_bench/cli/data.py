"""`mella-bench data validate|audit|import|arms`: datasets in, checked and converted."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench.cli.common import (add_data_options, add_include_path, add_limit_options, data_arg,
                                    limits_from_args, score_and_print)
from mella_bench.inference.backends.options import positive_int as _positive_int
from mella_bench.langs import LANG_CODES


def _cmd_data_validate(args: argparse.Namespace) -> int:
    from collections import Counter

    from mella_bench.data.dataset import validate

    from mella_bench.textsafe import terminal_safe

    ds, problems = validate(data_arg(args.path, args), limits_from_args(args))
    if problems:
        for p in problems:
            print(terminal_safe(str(p)), file=sys.stderr)
        if ds is None:
            print(f"{len(problems)} problem(s) found; nothing was loaded. Fix them and run again.", file=sys.stderr)
        else:
            print(f"{len(problems)} item(s) over an input limit: a run marks each of them failed (status error, "
                  "with this reason) and evaluates the rest. Shrink them, or raise the limit "
                  "(--max-image-pixels, --max-reference-chars).", file=sys.stderr)
        return 1
    assert ds is not None
    for w in ds.warnings:
        print(terminal_safe(f"warning: {w}"), file=sys.stderr)
    counts = Counter((it.lang, it.axis) for it in ds.items)
    out = {"path": ds.source, "items": len(ds.items),
           "by_lang_axis": {f"{lang}/{axis}": n for (lang, axis), n in sorted(counts.items())},
           "warnings": len(ds.warnings)}
    if not args.no_audit:
        from mella_bench.curation.audit import audit

        rep = audit([ds.source if args.path != "demo" else str(ds.root)])  # the spec keeps --split/--columns
        out["references_not_in_task_language"] = {x.task: round(x.share_other, 4) for x in rep.sources[0].languages}
        out["audit_findings"] = list(rep.findings)
    print(terminal_safe(json.dumps(out, ensure_ascii=False, indent=2), as_json=True))
    return 0


def _cmd_data_audit(args: argparse.Namespace) -> int:
    from mella_bench.curation.audit import audit, format_report

    rep = audit(args.paths)
    text = format_report(rep)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    if args.json:  # stdout is for the JSON then, as with `score --json`
        print(text, file=sys.stderr)
        print(json.dumps(rep.to_json(), ensure_ascii=False, indent=2))
    elif not args.out:
        print(text)
    return 0


def _cmd_data_import_slvqa(args: argparse.Namespace) -> int:
    from mella_bench.interop.slvqa import read_slvqa, write_imported_run
    from mella_bench.store import command_line

    if not args.lang:
        raise ValueError(f"data import slvqa needs --lang, the language of the file (one of {', '.join(LANG_CODES)})")
    task = read_slvqa(Path(args.source), args.lang, task=args.task, repository=args.repository or None,
                      commit=args.commit or None, path_in_repository=args.source_path)
    res = write_imported_run(Path(args.output), args.model or "imported", [task], command=command_line(),
                             limits=limits_from_args(args))
    for x in task.skipped:
        print(f"skipped: {args.source}: record {x['index']} ({x['question_id']}): {x['reason']}", file=sys.stderr)
    print(json.dumps({"output": str(res.output), "task": task.name, "items": res.items, "failed": res.failed,
                      "tasks": list(res.tasks), "sha256": task.provenance.sha256}))
    return 0


def _cmd_data_import(args: argparse.Namespace) -> int:
    from mella_bench.interop import datasets as importers
    from mella_bench.langs import parse_langs

    if args.format == "lmms-eval":
        return _import_lmms_eval(args)
    if args.format == "slvqa":
        return _cmd_data_import_slvqa(args)
    if not args.images:
        raise ValueError(f"data import {args.format} needs --images, the folder holding the source images")
    if args.format == "xm3600":
        rep = importers.import_xm3600(Path(args.source), Path(args.images), parse_langs(args.langs), Path(args.output))
    else:
        if not args.lang:
            raise ValueError(f"data import conversations needs --lang, the language of the records "
                             f"(one of {', '.join(LANG_CODES)})")
        rep = importers.import_conversations(Path(args.source), Path(args.images), args.lang, args.axis or "ling",
                                             Path(args.output), Path(args.keywords) if args.keywords else None)
    for why in rep.skipped:
        print(f"skipped: {why}", file=sys.stderr)
    print(json.dumps({"output": str(rep.output), "items": rep.items, "skipped": len(rep.skipped)}))
    return 0


def _import_lmms_eval(args: argparse.Namespace) -> int:
    from mella_bench.interop.lmms_eval_import import import_samples, samples_files

    files = samples_files(Path(args.source), args.task)
    reports = []
    for f in files:
        rep = import_samples(f.path, f.task, Path(args.output), lang=args.lang, axis=args.axis,
                             refs_from=args.refs_from, model=args.model, include_paths=tuple(args.include_path or ()),
                             limits=limits_from_args(args))
        for note in rep.notes:
            print(f"note: {rep.task}: {note}", file=sys.stderr)
        print(f"imported {rep.ok} answers ({rep.failed} failed requests) of {rep.task} from {f.path.name} → "
              f"{rep.output}", file=sys.stderr)
        reports.append(rep)
    score_and_print(Path(args.output), quiet=True)
    out = [{"output": str(r.output), "task": r.task, "ok": r.ok, "failed": r.failed} for r in reports]
    print(json.dumps(out[0] if len(out) == 1 else out))
    return 0


def _cmd_data_arms(args: argparse.Namespace) -> int:
    from mella_bench.curation.arms import FORMATS, build_arms

    formats = tuple(f for f in (args.format or ",".join(FORMATS)).split(",") if f)
    budget = _parse_budget(args.budget or ["items"])
    plan, files = build_arms(args.know, args.ling, args.output, tests=args.test or ["demo"],
                             budget_unit=budget[0], budget=budget[1], seed=args.seed,
                             full_budget=args.full_budget, formats=formats, drop_leaks=args.drop_leaks)
    for lk in plan.dropped:
        print(f"dropped (leak): {lk}", file=sys.stderr)
    print(json.dumps({"output": str(files.output), "manifest": str(files.manifest), "images": files.images,
                      "budget": {"unit": plan.budget_unit, "n": plan.budget, "full": plan.full_budget},
                      "arms": {arm: len(ex) for arm, ex in plan.arms.items()},
                      "files": [str(f) for f in files.files]}, ensure_ascii=False, indent=2))
    return 0


def _parse_budget(values: list[str]) -> tuple[str, int | None]:
    """`--budget items|tokens [N]`."""
    if not values or len(values) > 2 or values[0] not in ("items", "tokens"):
        raise ValueError(f"--budget takes 'items [N]' or 'tokens [N]', got '{' '.join(values)}'")
    if len(values) == 1:
        return values[0], None
    try:
        return values[0], _positive_int(values[1])
    except argparse.ArgumentTypeError as exc:
        raise ValueError(f"--budget N {exc}") from None


def add_data_parser(sub: argparse._SubParsersAction) -> None:
    """Declare `mella-bench data`."""
    d = sub.add_parser("data", help="dataset utilities")
    dsub = d.add_subparsers(dest="data_command", required=True)
    dv = dsub.add_parser("validate", help="check a dataset and list every problem with file, line and field")
    dv.add_argument("path", help="manifest directory, manifest .jsonl, .parquet, saved `datasets` dir, or 'demo'")
    add_limit_options(dv)
    add_data_options(dv)
    dv.add_argument("--no-audit", action="store_true", help="skip the language check of the references "
                                                             "(summary of `data audit`)")
    dv.set_defaults(func=_cmd_data_validate)
    da = dsub.add_parser("audit", help="language of references and answers, identical references across runs, "
                                       "1,300-character cuts (see `mella_bench.curation.audit`)",
                         description="Audit run directories and/or datasets: per task the share of references and "
                                     "answers identified (py3langid) as another language than the task's; for runs "
                                     "given together, whether tasks of the same language were scored against the "
                                     "same references; how much the authors' 1,300-character cuts remove. Findings "
                                     "are listed at the end. The report goes to stdout (or --out FILE).")
    da.add_argument("paths", nargs="+", metavar="RUN_DIR|DATA", help="run directories and/or datasets")
    da.add_argument("--json", action="store_true", help="print the full report as JSON to stdout (the text report "
                                                         "then goes to stderr)")
    da.add_argument("--out", metavar="FILE", help="write the text report to FILE instead of stdout")
    da.set_defaults(func=_cmd_data_audit)
    di = dsub.add_parser("import", help="convert another layout into a mella-bench dataset folder or run",
                         description="slvqa: one MELLA authors' result file (answers + reference captions, no images) "
                                     "-> a scorable run directory with reference-only items and provenance "
                                     "(docs/reproducing-the-paper.md). "
                                     "xm3600: Crossmodal-3600 captions.jsonl + image folder -> ling items. "
                                     "conversations: LLaVA-style SFT records (MELLA release layout) -> items of one "
                                     "language and axis. lmms-eval: --log_samples files "
                                     "({date}_samples_{task}.jsonl, one or a folder) -> predictions in a run directory, scored with "
                                     "mella-bench's metrics. Records that cannot be converted are listed, never "
                                     "dropped silently.")
    di.add_argument("format", choices=["xm3600", "conversations", "lmms-eval", "slvqa"])
    di.add_argument("source", help="captions .jsonl (xm3600), .json/.jsonl records (conversations), an lmms-eval "
                                   "samples .jsonl or a folder of them (lmms-eval's OUTPUT/MODEL), or a MELLA "
                                   "authors' result .json (slvqa)")
    di.add_argument("--images", help="xm3600, conversations: folder holding the source images")
    di.add_argument("--output", required=True, help="dataset folder to write (manifest.jsonl + images/); "
                                                    "lmms-eval, slvqa: run directory to write or extend")
    di.add_argument("--repository", default="gyfffffff/InternVL", help="slvqa: provenance, source repository "
                                                                       "('' for none)")
    di.add_argument("--commit", default="0180305b1c6af94dbdc8fd4905eb1626e470646f",
                    help="slvqa: provenance, commit of that repository ('' for none)")
    di.add_argument("--source-path", help="slvqa: provenance, path of the file in that repository "
                                          "(default internvl_chat/xyz_caption_results/<name>)")
    di.add_argument("--langs", default="all", help="xm3600: languages to import (default all)")
    di.add_argument("--lang", help="conversations: the language of the records; lmms-eval: of a task mella-bench "
                                   "does not know")
    di.add_argument("--axis", choices=["know", "ling"], help="conversations: axis (default ling); lmms-eval: of a "
                                                             "task mella-bench does not know")
    di.add_argument("--keywords", help="conversations, know axis: JSONL of {\"id\", \"keywords\"} per record")
    di.add_argument("--task", help="lmms-eval: the task of the samples file (default: from lmms-eval's file name "
                                   "{date}_samples_{task}.jsonl; with a folder, import only that task); a "
                                   "mella-bench task, e.g. from `export lmms-eval`, or another with "
                                   "--lang/--axis/--refs-from; slvqa: task "
                                   "name (default from the file name, e.g. slvqa_caption_hu)")
    di.add_argument("--refs-from", metavar="DATA", help="lmms-eval: dataset holding the references, in the order "
                                                        "lmms-eval saw it (default: the mella-bench task's data)")
    add_limit_options(di)
    di.add_argument("--model", help="lmms-eval: model name for run.json (default: the samples file's folder, "
                                    "which lmms-eval names after the model); slvqa: the model that made the "
                                    "predictions, one per run dir (default 'imported')")
    add_include_path(di)
    di.set_defaults(func=_cmd_data_import)
    da = dsub.add_parser("arms", help="write the culture / linguistic / full training arms of the ablation",
                         description="From D_know (culture items) and D_ling (caption items), write the training "
                                     "sets of the ablation arms (base = the untouched checkpoint) as LLaVA "
                                     "conversation JSON, ShareGPT (LLaMA-Factory) and InternVL jsonl, with "
                                     "manifest.json (what went where, hashes). Budgets are matched: every arm gets "
                                     "N items (or answer tokens); full = N/2 of each unless --full-budget union. "
                                     "Refuses to write when a training item equals a test item (image bytes or "
                                     "reference text). See docs/ablation.md.")
    da.add_argument("--know", required=True, help="D_know: dataset of know items (any path `--data` accepts)")
    da.add_argument("--ling", required=True, help="D_ling: dataset of ling items")
    da.add_argument("--output", required=True, help="folder to write (replaced if it holds an earlier arms build)")
    da.add_argument("--budget", nargs="+", metavar=("UNIT", "N"),
                    help="'items N' or 'tokens N' (answer tokens, per-language metric tokenizer) per arm "
                         "(default: items, N = the smaller dataset's size)")
    da.add_argument("--full-budget", choices=["matched", "union"], default="matched",
                    help="matched: full gets the same budget, half from each dataset (default); union: full = "
                         "culture + linguistic (twice the budget)")
    da.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    da.add_argument("--format", help="comma list of llava,sharegpt,internvl (default: all three)")
    da.add_argument("--test", action="append", metavar="DATA",
                    help="test dataset no training item may equal (repeatable; default: demo)")
    da.add_argument("--drop-leaks", action="store_true",
                    help="leave leaked items out (listed in the manifest) instead of refusing")
    da.set_defaults(func=_cmd_data_arms)
