"""Command line: a thin argparse layer over the Python API. JSON results go to stdout, progress to stderr."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench import __version__
from mella_bench.backends import BACKEND_OPTIONS, BACKENDS
from mella_bench.backends.options import add_backend_flags
from mella_bench.backends.options import non_negative_int as _non_negative_int
from mella_bench.backends.options import positive_int as _positive_int
from mella_bench.backends.options import positive_seconds as _positive_seconds
from mella_bench.langs import LANG_CODES


def _cmd_tasks_list(args: argparse.Namespace) -> int:
    from mella_bench.tasks import load_registry

    reg = load_registry(include_paths=args.include_path or ())
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

    from mella_bench.textsafe import terminal_safe

    ds, problems = validate(_data_arg(args.path, args), _limits(args))
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
        from mella_bench.audit import audit

        rep = audit([ds.source if args.path != "demo" else str(ds.root)])  # the spec keeps --split/--columns
        out["references_not_in_task_language"] = {x.task: round(x.share_other, 4) for x in rep.sources[0].languages}
        out["audit_findings"] = list(rep.findings)
    print(terminal_safe(json.dumps(out, ensure_ascii=False, indent=2), as_json=True))
    return 0


def _cmd_data_audit(args: argparse.Namespace) -> int:
    from mella_bench.audit import audit, format_report

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
    from mella_bench.imported import read_slvqa, write_imported_run
    from mella_bench.store import command_line

    if not args.lang:
        raise ValueError(f"data import slvqa needs --lang, the language of the file (one of {', '.join(LANG_CODES)})")
    task = read_slvqa(Path(args.source), args.lang, task=args.task, repository=args.repository or None,
                      commit=args.commit or None, path_in_repository=args.source_path)
    res = write_imported_run(Path(args.output), args.model or "imported", [task], command=command_line(),
                             limits=_limits(args))
    for x in task.skipped:
        print(f"skipped: {args.source}: record {x['index']} ({x['question_id']}): {x['reason']}", file=sys.stderr)
    print(json.dumps({"output": str(res.output), "task": task.name, "items": res.items, "failed": res.failed,
                      "tasks": list(res.tasks), "sha256": task.provenance.sha256}))
    return 0


def _cmd_data_import(args: argparse.Namespace) -> int:
    from mella_bench import importers
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


def _data_arg(path: str | None, args: argparse.Namespace) -> str | None:
    """`--data` with `--split`/`--columns` folded into the one source string run.json records."""
    if path is None:
        if args.split or args.columns:
            raise ValueError("--split and --columns describe the dataset given with --data; add --data PATH")
        return None
    if path == "demo" and not (args.split or args.columns):
        return path
    from mella_bench.data import data_spec

    return data_spec(path, args.split, args.columns)


def _add_include_path(p: argparse.ArgumentParser) -> None:
    p.add_argument("--include-path", action="append", metavar="DIR",
                   help="also read task and group YAML files from DIR (repeatable; see docs/tasks.md)")


def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", help="split of a saved DatasetDict or of split-named Parquet files (e.g. test); "
                                   "required when the data holds several")
    p.add_argument("--columns", metavar="FIELD=COLUMN,...",
                   help="map item fields to the dataset's columns, e.g. id=question_id,references=caption,"
                        "lang=language (also settable in a mella-bench.yaml beside the data; see docs/data.md)")


def _cmd_export(args: argparse.Namespace) -> int:
    from mella_bench.langs import parse_langs
    from mella_bench.lmms_eval_export import export_lmms_eval
    from mella_bench.tasks import select_tasks

    tasks = select_tasks(parse_langs(args.langs), args.tasks.split(",") if args.tasks else None,
                         include_paths=args.include_path or ())
    if not tasks:
        print("no task matches --tasks and --langs", file=sys.stderr)
        return 2
    rep = export_lmms_eval(Path(args.output), tasks, _data_arg(args.data, args), args.limit)
    print(f"wrote {len(rep.tasks)} lmms-eval tasks ({rep.docs} docs) to {rep.output}; run them with "
          f"lmms-eval --tasks mella --include_path {rep.output} --log_samples (needs mella-bench installed there)",
          file=sys.stderr)
    print(json.dumps({"output": str(rep.output), "tasks": list(rep.tasks), "docs": rep.docs}))
    return 0


def _import_lmms_eval(args: argparse.Namespace) -> int:
    from mella_bench.lmms_eval_import import import_samples, samples_files

    files = samples_files(Path(args.source), args.task)
    reports = []
    for f in files:
        rep = import_samples(f.path, f.task, Path(args.output), lang=args.lang, axis=args.axis,
                             refs_from=args.refs_from, model=args.model, include_paths=tuple(args.include_path or ()),
                             limits=_limits(args))
        for note in rep.notes:
            print(f"note: {rep.task}: {note}", file=sys.stderr)
        print(f"imported {rep.ok} answers ({rep.failed} failed requests) of {rep.task} from {f.path.name} → "
              f"{rep.output}", file=sys.stderr)
        reports.append(rep)
    _score_and_print(Path(args.output), quiet=True)
    out = [{"output": str(r.output), "task": r.task, "ok": r.ok, "failed": r.failed} for r in reports]
    print(json.dumps(out[0] if len(out) == 1 else out))
    return 0


def _cmd_data_arms(args: argparse.Namespace) -> int:
    from mella_bench.arms import FORMATS, build_arms

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


def _parse_shard(text: str) -> tuple[int, int]:
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard takes I/N (e.g. 0/4), got '{text}'") from None
    if not (n >= 1 and 0 <= i < n):
        raise argparse.ArgumentTypeError(f"--shard I/N needs 0 <= I < N, got '{text}'")
    return i, n


EXIT_FAILURE_RATE = 4
"""Exit code of `run` / `judge` when the share of failed items is above --max-failure-rate (docs/running.md)."""


def _limits(args: argparse.Namespace):  # -> Limits
    from mella_bench.limits import DEFAULT_LIMITS, Limits

    return Limits(**{name: getattr(args, name, None) or getattr(DEFAULT_LIMITS, name)
                     for name in Limits.__dataclass_fields__})


def _add_limit_options(p: argparse.ArgumentParser) -> None:
    from mella_bench.limits import DEFAULT_LIMITS

    g = p.add_argument_group("input limits (an item over one fails alone; docs/running.md)")
    g.add_argument("--max-image-pixels", type=_positive_int, metavar="N",
                   help=f"width x height of one image (default {DEFAULT_LIMITS.max_image_pixels:,})")
    g.add_argument("--max-reference-chars", type=_positive_int, metavar="N",
                   help=f"characters of one reference, keyword or thin text (default {DEFAULT_LIMITS.max_reference_chars:,})")
    g.add_argument("--max-answer-chars", type=_positive_int, metavar="N",
                   help=f"characters of one model answer; longer ones are stored as failures "
                        f"(default {DEFAULT_LIMITS.max_answer_chars:,})")


def _failure_rate(args: argparse.Namespace, failed: int, total: int, what: str, resume: str) -> int:
    """0, or EXIT_FAILURE_RATE with a message saying how to resume, when failed/total > --max-failure-rate."""
    rate = failed / total if total else 0.0
    if rate <= args.max_failure_rate:
        return 0
    print(f"error: {failed} of {total} {what} failed ({rate:.1%}), above --max-failure-rate {args.max_failure_rate:g}. "
          f"The reasons are recorded with each failure. {resume}", file=sys.stderr)
    return EXIT_FAILURE_RATE


def _max_failure_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got '{text}'") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (e.g. 0.05 for 5%), got {value}")
    return value


def _backend_options(args: argparse.Namespace, backend: str | None) -> dict[str, object]:
    """Backend options from the flags the user set (each backend declares its own: `backends/options.py`);
    a flag for another backend is an error, not ignored."""
    from mella_bench.backends import BACKEND_OPTIONS, RUN_SEEDED
    from mella_bench.backends.options import options_from_flags

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
    from mella_bench.backends import resolve_spec
    from mella_bench.langs import parse_langs
    from mella_bench.run import RunConfig
    from mella_bench.shard import shard_dir_name
    from mella_bench.tasks import select_tasks

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
    config = RunConfig(backend=spec, tasks=tuple(t.name for t in tasks), output=Path(name), data=_data_arg(args.data, args),
                       limit=args.limit, batch_size=args.batch_size, seed=args.seed, shard=args.shard,
                       limits=_limits(args), overwrite=args.overwrite)
    from mella_bench.store import RunDir

    with RunDir(config.output).session():  # one writer at a time, from generation through judging and scoring
        return _run_locked(args, config, tasks, shards, gpus_per_shard)


def _run_locked(args: argparse.Namespace, config, tasks, shards: int | None, gpus_per_shard: int) -> int:
    from mella_bench.run import generate

    if args.judge:  # a URL/key/model typo must show now, not after hours of generation
        _probe_judge(args)
    if shards is None:
        counts = generate(config, tasks, progress=not args.quiet)
        print(f"predictions: {counts['ok']} new ok, {counts['error']} failed, {counts['reused']} reused "
              f"→ {config.output}", file=sys.stderr)
        from mella_bench.run import fallback_note

        if note := fallback_note(config.output):
            print(note, file=sys.stderr)
        out = config.output
    else:
        from mella_bench.executor import run_sharded

        report = run_sharded(config, tasks, shards, args.executor or "local", ray_address=args.ray_address,
                             gpus_per_shard=gpus_per_shard, workers=args.workers, progress=not args.quiet)
        print(f"merged {len(report.shards)} shards: {report.ok} ok, {report.error} failed → {report.output}",
              file=sys.stderr)
        out = report.output
        counts = {"ok": report.ok, "error": report.error, "reused": 0}
    code = 0
    if args.judge:
        code = _judge_and_print(out, args)
    if config.shard is not None and not args.score:  # `merge` scores the merged run once
        print(f"shard {config.shard[0]}/{config.shard[1]} not scored (add --score to score it on its own); "
              "`mella-bench merge` scores the merged run", file=sys.stderr)
    else:
        _score_and_print(out, quiet=args.quiet, verbose=args.verbose)
        print(f"HTML report with a per-sample viewer: mella-bench report {out} --output {Path(out) / 'report'}")
    total = counts["ok"] + counts["error"] + counts["reused"]
    return _failure_rate(args, counts["error"], total, "predictions",
                         "Rerun the same command to retry only the failed items (finished ones are kept).") or code


def _score_and_print(run_dir: Path, quiet: bool, verbose: bool = False, stdout: bool = True,
                     reuse: bool = True, reidentify: bool = False) -> dict:
    """Score a run (metrics + any judgments + bootstrap CIs), write scores.md and print the headline
    (to stdout unless `stdout` is False); the full per-task table goes to stderr with `verbose`."""
    from mella_bench.headline import report_scores
    from mella_bench.judge import judge_rows
    from mella_bench.metrics.score import format_table, score_run
    from mella_bench.store import RunDir

    if not (run_dir / "run.json").is_file():
        raise FileNotFoundError(f"{run_dir} is not a run directory (no run.json); create one with `mella-bench run`")
    with RunDir(run_dir).session():  # scores, summary and scores.md written by one holder of the directory
        summary = score_run(run_dir, extra_sources=(judge_rows,), progress=not quiet, reuse=reuse,
                           reidentify=reidentify)
        table = format_table(summary)
        if verbose:
            print(table, file=sys.stderr)
        print(report_scores(run_dir, summary, table), file=sys.stdout if stdout else sys.stderr)
    return summary


def _cmd_score_protocol(args: argparse.Namespace) -> int:
    from mella_bench.metrics.score import format_table
    from mella_bench.protocols import mella2024

    settings = mella2024.Settings(truncate=not args.no_truncate, skip_multiline_refs=args.skip_multiline_refs)
    summary = mella2024.score_run(Path(args.run_dir), settings, progress=not args.quiet, reidentify=args.reidentify)
    print(format_table(summary), file=sys.stderr)
    for name, task in summary["tasks"].items():
        for e in task["metrics"]["bleu_1"]["details"]["left_out"]:
            print(f"left out: {name} {e['item_id']}: {e['reason']}", file=sys.stderr)
    print(f"wrote {Path(args.run_dir) / mella2024.SCORES_FILE} and {Path(args.run_dir) / mella2024.SUMMARY_FILE}",
          file=sys.stderr)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    if args.protocol != "mella-bench":
        return _cmd_score_protocol(args)
    if args.no_truncate or args.skip_multiline_refs:
        raise ValueError("--no-truncate and --skip-multiline-refs belong to --protocol mella-2024")
    summary = _score_and_print(Path(args.run_dir), quiet=args.quiet, verbose=args.verbose, stdout=not args.json,
                               reuse=not args.no_reuse, reidentify=args.reidentify)
    print(f"wrote {Path(args.run_dir) / 'scores.jsonl'} and {Path(args.run_dir) / 'summary.json'}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    failed, total = _prediction_failures(summary)
    return _failure_rate(args, failed, total, "predictions", "The scores are written; rerun the run to retry "
                         "the failed items, or raise --max-failure-rate.")


def _prediction_failures(summary: dict) -> tuple[int, int]:
    """(failed, scored + failed) predictions over the run's tasks, as `run` counts them. A failed prediction
    is a failed row of every metric of its task; a metric that could not be computed (no Java) fails only
    its own rows, so per task the metric with the fewest failed rows counts (judge dimensions aside)."""
    failed = total = 0
    for info in summary.get("tasks", {}).values():
        entries = [e for m, e in info.get("metrics", {}).items() if not m.startswith("judge:")]
        if entries:
            least = min(entries, key=lambda e: e["n_failed"])
            failed += least["n_failed"]
            total += least["n"] + least["n_failed"]
    return failed, total


def _cmd_metrics(args: argparse.Namespace) -> int:
    from mella_bench.metrics.files import load_corpus, score_files

    corpus = load_corpus(args.lang, args.hyps, args.refs, args.keywords, allow_empty=args.allow_empty)
    metrics = args.metrics.split(",") if args.metrics else None
    print(json.dumps(score_files(corpus, metrics), ensure_ascii=False, indent=2))
    return 0


def _cmd_merge(args: argparse.Namespace) -> int:
    from mella_bench.shard import merge

    report = merge([Path(d) for d in args.runs], Path(args.output), check_items=not args.no_item_check,
                   reidentify=args.reidentify)
    print(f"merged {len(report.shards)} shards: {report.predictions} predictions ({report.ok} ok, "
          f"{report.error} failed) → {report.output}", file=sys.stderr)
    _score_and_print(report.output, quiet=False)
    return 0


def _judge_config(args: argparse.Namespace):  # -> JudgeConfig (lazy import keeps `--help` fast)
    from mella_bench.apiclient import EndpointConfig, default_base_url
    from mella_bench.judge import JudgeConfig

    endpoint = EndpointConfig(base_url=args.judge_base_url or default_base_url(), model=args.judge,
                              api_key_env=args.judge_api_key_env, api_key_header=args.judge_api_key_header,
                              timeout_s=args.judge_timeout, max_retries=args.judge_retries,
                              concurrency=args.judge_concurrency)
    return JudgeConfig(endpoint=endpoint, images=args.judge_images, structured=args.structured_output)


def _probe_judge(args: argparse.Namespace) -> None:
    """Check the judge endpoint (URL, key, model) before any generation; raises ApiError (exit 3)."""
    import asyncio

    from mella_bench.apiclient import ChatClient

    async def go() -> None:
        async with ChatClient(_judge_config(args).endpoint) as client:
            await client.probe()

    asyncio.run(go())


def _judge_and_print(run_dir: Path, args: argparse.Namespace) -> int:
    """Judge a run; 0, or EXIT_FAILURE_RATE when too many judgments failed."""
    from mella_bench.judge import format_summary, judge_run

    rubrics = tuple(args.rubrics.split(",")) if getattr(args, "rubrics", None) else None
    result = judge_run(run_dir, _judge_config(args), rubrics=rubrics, progress=not args.quiet,
                       reidentify=getattr(args, "reidentify", False))
    c = result.counts
    print(f"judgments: {c.ok} new ok, {c.failed} failed, {c.reused} reused from cache ({c.sent} sent) "
          f"→ {run_dir / 'judgments.jsonl'}", file=sys.stderr)
    print(format_summary(result.summary))
    return _failure_rate(args, c.failed, c.ok + c.failed + c.reused, "judgments",
                         "Rerun the same judge command to retry only the failed judgments (cached ones are kept).")


def _cmd_judge_run(args: argparse.Namespace) -> int:
    """Judge, then rescore: otherwise summary.json (and `report`) would not show the new judge dimensions."""
    run_dir = Path(args.run_dir)
    code = _judge_and_print(run_dir, args)
    _score_and_print(run_dir, quiet=args.quiet, verbose=args.verbose)
    print(f"wrote {run_dir / 'scores.jsonl'} and {run_dir / 'summary.json'}", file=sys.stderr)
    return code


def _cmd_judge_pairwise(args: argparse.Namespace) -> int:
    from mella_bench.judge.pairwise import format_pairwise, judge_pairwise

    report = judge_pairwise(Path(args.run_a), Path(args.run_b), _judge_config(args), rubric_id=args.rubric,
                            output=Path(args.output) if args.output else None,
                            tasks=tuple(args.tasks.split(",")) if args.tasks else None, seed=args.seed,
                            resamples=args.resamples, progress=not args.quiet)
    print(format_pairwise(report))
    return 0


def _cmd_judge_calibrate(args: argparse.Namespace) -> int:
    from mella_bench.judge.calibrate import calibrate, format_calibration
    from mella_bench.langs import parse_langs

    output = Path(args.output or Path("results") / f"calibration-{args.judge.replace('/', '-').replace(':', '-')}")
    report = calibrate(args.data, _judge_config(args), output, langs=parse_langs(args.langs), limit=args.limit,
                       progress=not args.quiet)
    print(format_calibration(report))
    print(f"report: {output / 'calibration.json'}", file=sys.stderr)
    return 0


def _cmd_judge_agreement(args: argparse.Namespace) -> int:
    from mella_bench.agreement_report import agreement_run, format_agreement

    doc, json_path, plot = agreement_run([Path(r) for r in args.runs], [Path(f) for f in args.labels],
                                         out=Path(args.out) if args.out else None, resamples=args.resamples,
                                         seed=args.seed or 0, min_items=args.min_items)
    print(format_agreement(doc))
    print(json_path, file=sys.stderr)
    if plot:
        print(plot, file=sys.stderr)
    return 0


def _cmd_label_page(args: argparse.Namespace) -> int:
    from mella_bench.labelling import format_plan, make_round, write_round
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
    from mella_bench.labelling import format_import, import_labels

    result = import_labels([Path(f) for f in args.files], Path(args.into))
    for kind, lines in (("rejected", result.rejected), ("stale", result.stale)):
        for line in lines[:20]:
            print(f"{kind}: {line}", file=sys.stderr)
        if len(lines) > 20:
            print(f"... and {len(lines) - 20} more {kind}", file=sys.stderr)
    print(format_import(result))
    return 1 if result.rejected else 0


def _add_judge_options(p: argparse.ArgumentParser, required: bool, short_names: bool = True) -> None:
    """Judge endpoint options. On `run` the key/concurrency flags carry a `--judge-` prefix only, because
    `--api-key-env`/`--concurrency` there belong to the inference backend."""
    g = p.add_argument_group("judge endpoint (any OpenAI-compatible server: hosted API, vLLM, llama.cpp)")
    g.add_argument("--judge", required=required, metavar="MODEL",
                   help="judge model id as the endpoint names it (e.g. gpt-4o-2024-11-20; pin dated versions)")
    g.add_argument("--judge-base-url", metavar="URL",
                   help="endpoint base URL, e.g. http://localhost:8000/v1 for vLLM "
                        "(default: $OPENAI_BASE_URL, else https://api.openai.com/v1)")
    g.add_argument("--judge-api-key-env", *(["--api-key-env"] if short_names else []), dest="judge_api_key_env",
                   default="OPENAI_API_KEY", metavar="VAR",
                   help="environment variable holding the API key (default OPENAI_API_KEY); the key itself is "
                        "never written anywhere")
    g.add_argument("--judge-api-key-header", *(["--api-key-header"] if short_names else []),
                   dest="judge_api_key_header", default="Authorization", metavar="NAME",
                   help="header that carries the key: Authorization sends 'Bearer KEY' (default); api-key sends "
                        "the bare key (Azure OpenAI key auth)")
    g.add_argument("--judge-images", action=argparse.BooleanOptionalAction, default=True,
                   help="send the image to the judge as a data URL (use --no-judge-images for text-only judges)")
    g.add_argument("--judge-concurrency", *(["--concurrency"] if short_names else []), dest="judge_concurrency",
                   type=_positive_int, default=16, help="judge requests in flight (default 16)")
    g.add_argument("--judge-timeout", type=_positive_seconds, default=120.0,
                   help="seconds per judge request (default 120)")
    g.add_argument("--judge-retries", type=_non_negative_int, default=5,
                   help="retries per judgment on 429/5xx/timeouts, with backoff (default 5)")
    g.add_argument("--structured-output", choices=["auto", "json_schema", "off"], default="auto",
                   help="send the answer schema as response_format: auto = when the endpoint accepts it (default)")
def _cmd_report(args: argparse.Namespace) -> int:
    from mella_bench.html_report import html_writer
    from mella_bench.report import write_report

    files = write_report([Path(r) for r in args.runs], Path(args.out), resamples=args.resamples,
                         plots=not args.no_plots, writers=[html_writer(args.images)] if args.html else [])
    for path in (files.markdown, files.csv, files.latex, *files.plots, *files.extra):
        print(path)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from mella_bench.store import load_header
    from mella_bench.runs import model_label
    from mella_bench.show import find_samples, format_sample, sample_json
    from mella_bench.textsafe import terminal_safe

    found = find_samples(Path(args.run_dir), args.item_id, args.task)
    if args.json:
        print(terminal_safe(json.dumps([sample_json(s) for s in found], ensure_ascii=False, indent=2), as_json=True))
        return 0
    label = model_label(load_header(Path(args.run_dir)))  # the label alone: not every score of the run
    print("\n\n".join(format_sample(s, label, color=sys.stdout.isatty()) for s in found))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from mella_bench.report import compare

    print(compare(Path(args.run_a), Path(args.run_b), Path(args.out) if args.out else None,
                  resamples=args.resamples, seed=args.seed, full=args.full))
    return 0


def _cmd_ablate(args: argparse.Namespace) -> int:
    from mella_bench.ablation_runs import EvalSettings, ablate, check_ablation
    from mella_bench.langs import parse_langs

    if args.check:
        ok, message = check_ablation(Path(args.check))
        print(message, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    given = {arm: getattr(args, arm) for arm in ("base", "culture", "linguistic", "full")}
    missing = [f"--{a}" for a, v in given.items() if not v]
    if missing:
        raise ValueError(f"ablate needs all four arms (missing {', '.join(missing)}), or --check DIR")
    from mella_bench.backends import BACKEND_OPTIONS
    from mella_bench.backends.options import options_from_flags

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
    from mella_bench.tables import check_tables, write_tables

    if args.check:
        ok, message = check_tables(Path(args.config), source=args.source, cache=not args.no_cache,
                                   progress=not args.quiet)
        print(message, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    for path in write_tables(Path(args.config), source=args.source, cache=not args.no_cache, progress=not args.quiet):
        print(path)
    return 0


class _MetricNamesHelp(argparse.HelpFormatter):
    """Fills the registry's metric names into `metrics --help` when it is printed: building the parser
    (for every command, `--help` and `tasks list` included) must not import the metric registry, which
    pulls in numpy and every metric module."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        if text is None or "{metrics}" not in text:
            return text
        from mella_bench.metrics import METRICS
        from mella_bench.metrics.files import FILE_METRICS

        return text.format(metrics=",".join(METRICS), file_metrics=",".join(FILE_METRICS))


def _add_reidentify(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reidentify", action="store_true",
                   help="accept the data as it is now when items changed since the answers were generated (edited "
                        "references, a replaced image), recording that in run.json; without it such answers are "
                        "refused (docs/running.md)")


def _add_stats_args(p: argparse.ArgumentParser, seed_help: str) -> None:
    p.add_argument("--resamples", type=_positive_int, default=1000, help="bootstrap resamples (default 1000)")
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
                   help="local checkpoint directory (hf), 'tiny' (random demo model), 'reference:thick', "
                        "'reference:thin' or 'reference:shuffled' (replay the item's reference, its thin text, or "
                        "another item's reference), or a model name with --backend openai / vllm")
    r.add_argument("--backend", choices=list(BACKENDS), help="inference backend (default: inferred from --model)")
    r.add_argument("--langs", default="all", help=f"'all' or a comma list of {','.join(LANG_CODES)} (default: all)")
    r.add_argument("--tasks", help="comma list of task or group names (default: the 'mella' group, all 16 tasks)")
    _add_include_path(r)
    r.add_argument("--data", help="dataset path (manifest dir, .jsonl, .parquet, saved `datasets` dir) or 'demo'; "
                                  "overrides each task's data")
    _add_data_options(r)
    r.add_argument("--limit", type=_positive_int, help="at most N items per task")
    r.add_argument("--batch-size", type=_positive_int, default=8, help="requests per backend call (default 8)")
    r.add_argument("--output", help="run directory (default results/<model name>); it belongs to one model and "
                                    "one dataset, and one command writes it at a time")
    r.add_argument("--overwrite", action="store_true",
                   help="delete the run files already in --output (run.json, predictions, scores, summary, "
                        "judgments) before running, instead of refusing another model or dataset")
    r.add_argument("--max-failure-rate", type=_max_failure_rate, default=0.0, metavar="SHARE",
                   help=f"exit {EXIT_FAILURE_RATE} when more than this share of items failed (default 0: any failure)")
    r.add_argument("--seed", type=int, default=0, help="seed recorded in run.json and used for bootstrap (default 0)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.add_argument("--verbose", action="store_true", help="also print every task and metric with its signature "
                                                          "(always written to RUN/scores.md)")
    r.add_argument("--rubrics", help="judge only these rubrics (comma list; default: each task's rubrics)")
    _add_limit_options(r)
    _add_judge_options(r, required=False, short_names=False)
    r.set_defaults(func=_cmd_run)

    j = sub.add_parser("judge", help="LLM-as-judge: score a run, compare two runs, calibrate a judge, agreement",
                       description="`mella-bench judge RUN_DIR` (short for `judge run RUN_DIR`) judges every "
                                   "prediction of a run on its tasks' rubrics; `judge pairwise RUN_A RUN_B` compares "
                                   "two runs in both orders; `judge calibrate` checks a judge on known "
                                   "thick/thin/hallucinated/wrong-language variants; `judge agreement` measures "
                                   "the judge against human labels (`mella-bench label`). Judgments are cached in "
                                   "judgments.jsonl: a rerun sends nothing for what is already judged.")
    jsub = j.add_subparsers(dest="judge_command", required=True)
    jr = jsub.add_parser("run", help="judge a run directory (cached; failures recorded with their reason), "
                                     "then rescore it so summary.json has the judge dimensions")
    jr.add_argument("run_dir", help="run directory made by `mella-bench run`")
    jr.add_argument("--rubrics", help="comma list of rubric ids (default: each task's rubrics)")
    jr.add_argument("--quiet", action="store_true", help="no progress bars")
    jr.add_argument("--max-failure-rate", type=_max_failure_rate, default=0.0, metavar="SHARE",
                    help=f"exit {EXIT_FAILURE_RATE} when more than this share of judgments failed (default 0)")
    jr.add_argument("--verbose", action="store_true", help="also print every task and metric with its signature")
    _add_reidentify(jr)
    _add_judge_options(jr, required=True)
    jr.set_defaults(func=_cmd_judge_run)
    jp = jsub.add_parser("pairwise", help="compare two runs item by item, both answer orders")
    jp.add_argument("run_a")
    jp.add_argument("run_b")
    jp.add_argument("--rubric", default="cultural_depth", help="dimension to compare on (default cultural_depth)")
    jp.add_argument("--tasks", help="comma list of tasks (default: all tasks both runs share)")
    jp.add_argument("--output", help="folder for judgments.jsonl and pairwise.json (default RUN_A/pairwise/<RUN_B name>)")
    jp.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    jp.add_argument("--resamples", type=_positive_int, default=1000, help="bootstrap resamples (default 1000)")
    jp.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_judge_options(jp, required=True)
    jp.set_defaults(func=_cmd_judge_pairwise)
    jc = jsub.add_parser("calibrate", help="how often the judge orders thick > thin > ... as expected, per language")
    jc.add_argument("--data", default="demo", help="dataset with know items carrying thin and meta.hallucinated "
                                                   "(default: demo)")
    jc.add_argument("--langs", default="all", help="'all' or a comma list of language codes")
    jc.add_argument("--limit", type=_positive_int, help="at most N know items per language")
    jc.add_argument("--output", help="folder for judgments.jsonl and calibration.json "
                                     "(default results/calibration-<judge>)")
    jc.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_judge_options(jc, required=True)
    jc.set_defaults(func=_cmd_judge_calibrate)
    ja = jsub.add_parser("agreement", help="judge-human and human-human agreement on labels from `mella-bench label`",
                         description="Per language and rubric: quadratic-weighted Cohen's kappa, Krippendorff's alpha "
                                     "(ordinal, interval) and Spearman's rho for 1-5 scales, pairwise accuracy with "
                                     "ties for preferences, each with a 95% bootstrap CI over items, n and a note "
                                     "when n is too small. Labels are matched to the runs' current answers by item "
                                     "identity and answer hash; labels of changed answers are reported, not used. "
                                     "Writes agreement.json (and agreement.png), which `mella-bench report` shows. "
                                     "See docs/labelling.md.")
    ja.add_argument("runs", nargs="+", metavar="RUN", help="judged run directories whose answers were labelled")
    ja.add_argument("--labels", nargs="+", required=True, metavar="FILE",
                    help="label files exported by the page, or labelling round folders (their labels.jsonl)")
    ja.add_argument("--output", "--out", dest="out", help="agreement.json to write (default RUN/agreement.json of the first run); the plot "
                                  "goes beside it")
    ja.add_argument("--min-items", type=_positive_int, default=30,
                    help="below this many items a row is marked 'too few to conclude' (default 30)")
    _add_stats_args(ja, "bootstrap seed (default 0)")
    ja.set_defaults(func=_cmd_judge_agreement)

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

    m = sub.add_parser("merge", help="combine the shard runs of one run into a single run",
                       description="Check that the shard runs (made with --shard I/N) share model, tasks, data and N, "
                                   "that no shard is missing or given twice and every item is predicted exactly "
                                   "once, then write one run directory and score it.")
    m.add_argument("runs", nargs="+", metavar="RUN", help="shard run directories")
    m.add_argument("--output", required=True, help="run directory to write")
    m.add_argument("--no-item-check", action="store_true",
                   help="skip the check that every dataset item is covered (when the data is not on this machine)")
    _add_reidentify(m)
    m.set_defaults(func=_cmd_merge)
    sc = sub.add_parser("score", help="(re)score a run directory: scores.jsonl and summary.json",
                        description="Score the predictions of a run directory with every metric its tasks name "
                                    "(only predictions matching run.json's task and model hashes). Writes "
                                    "scores.jsonl (per item and metric) and summary.json (per task: value, n, "
                                    "failure rate, signature; paper and full profiles).")
    sc.add_argument("run_dir", help="a directory written by `mella-bench run`")
    sc.add_argument("--json", action="store_true", help="print summary.json to stdout (the headline then goes to stderr)")
    sc.add_argument("--quiet", action="store_true", help="no progress bars")
    sc.add_argument("--verbose", action="store_true", help="also print every task and metric with its signature "
                                                           "(always written to RUN/scores.md)")
    sc.add_argument("--no-reuse", action="store_true",
                    help="score every item again (by default items whose prediction, references, keywords and "
                         "metric code are unchanged keep their cached scores: RUN/score-cache.json; the files "
                         "written are the same either way)")
    sc.add_argument("--max-failure-rate", type=_max_failure_rate, default=0.0, metavar="SHARE",
                    help=f"exit {EXIT_FAILURE_RATE} (as `run` does) when more than this share of the predictions "
                         "failed (default 0: any failure); the scores are written either way")
    sc.add_argument("--protocol", choices=["mella-bench", "mella-2024"], default="mella-bench",
                    help="mella-2024: the MELLA authors' 2024 caption scoring (VQA normaliser, PTB tokenizer, COCO "
                         "BLEU-1..4, METEOR -l en -norm, ROUGE-L, mean over items; docs/reproducing-the-paper.md); "
                         "writes summary.mella-2024.json and scores.mella-2024.jsonl instead")
    sc.add_argument("--no-truncate", action="store_true",
                    help="mella-2024: no 1,300-character cuts (the authors' code before 2024-12-06)")
    _add_reidentify(sc)
    sc.add_argument("--skip-multiline-refs", action="store_true",
                    help="mella-2024: the authors' 2024-12-30 setting (multi-line references left out; they are "
                         "left out and listed in every setting, as aac-metrics 0.5.4 rejects them)")
    sc.set_defaults(func=_cmd_score)

    m = sub.add_parser("metrics", help="score plain text files (one hypothesis per line), like sacrebleu",
                       formatter_class=_MetricNamesHelp,
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
    m.add_argument("--metrics", help="comma list (default: {file_metrics} [+ keyword metrics]); known: {metrics}")
    m.add_argument("--allow-empty", action="store_true", help="score empty hypothesis lines as 0 instead of failing")
    m.set_defaults(func=_cmd_metrics)

    t = sub.add_parser("tasks", help="inspect task definitions")
    tsub = t.add_subparsers(dest="tasks_command", required=True)
    tl = tsub.add_parser("list", help="every task with its language, axis, version and content hash")
    _add_include_path(tl)
    tl.set_defaults(func=_cmd_tasks_list)

    d = sub.add_parser("data", help="dataset utilities")
    dsub = d.add_subparsers(dest="data_command", required=True)
    dv = dsub.add_parser("validate", help="check a dataset and list every problem with file, line and field")
    dv.add_argument("path", help="manifest directory, manifest .jsonl, .parquet, saved `datasets` dir, or 'demo'")
    _add_limit_options(dv)
    _add_data_options(dv)
    dv.add_argument("--no-audit", action="store_true", help="skip the language check of the references "
                                                             "(summary of `data audit`)")
    dv.set_defaults(func=_cmd_data_validate)
    da = dsub.add_parser("audit", help="language of references and answers, identical references across runs, "
                                       "1,300-character cuts (see `mella_bench.audit`)",
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
    _add_limit_options(di)
    di.add_argument("--model", help="lmms-eval: model name for run.json (default: the samples file's folder, "
                                    "which lmms-eval names after the model); slvqa: the model that made the "
                                    "predictions, one per run dir (default 'imported')")
    _add_include_path(di)
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
    _add_data_options(ex)
    ex.add_argument("--limit", type=_positive_int, help="at most N items per task")
    _add_include_path(ex)
    ex.set_defaults(func=_cmd_export)

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
    _add_stats_args(cp, "seed of the bootstrap and of the random sign flips (default: RUN_A's seed from run.json)")
    cp.set_defaults(func=_cmd_compare)

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
    _add_stats_args(ap, "bootstrap seed (default: the base run's seed)")
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
    return p


_JUDGE_SUBCOMMANDS = {"run", "pairwise", "calibrate", "agreement", "-h", "--help"}
_LABEL_SUBCOMMANDS = {"page", "import", "-h", "--help"}


def _normalize_argv(argv: list[str]) -> list[str]:
    """`judge RUN_DIR ...` is short for `judge run RUN_DIR ...`; `label RUN ...` for `label page RUN ...`."""
    if len(argv) >= 2 and argv[0] == "judge" and argv[1] not in _JUDGE_SUBCOMMANDS:
        return ["judge", "run", *argv[1:]]
    if len(argv) >= 2 and argv[0] == "label" and argv[1] not in _LABEL_SUBCOMMANDS:
        return ["label", "page", *argv[1:]]
    return argv


def main(argv: list[str] | None = None) -> int:
    try:  # parsing too: building the parser imports the metrics, and Ctrl-C may come at any moment
        args = build_parser().parse_args(_normalize_argv(list(sys.argv[1:] if argv is None else argv)))
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted; finished predictions are saved, rerun the same command to continue", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mella-bench tasks list | head`: the reader left; no traceback, no second error at exit
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        from mella_bench.textsafe import terminal_safe

        if exc.filename is None:  # an OSError about no file (a socket, say): say what it was
            print(terminal_safe(f"error: {exc}"), file=sys.stderr)
        else:  # name the file and what to check, not just the errno text
            import errno

            what = ("free some space, then rerun the same command (what is written is kept)"
                    if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "check the path and its permissions")
            print(terminal_safe(f"error: cannot use {exc.filename}: {exc.strerror or exc}; {what}"), file=sys.stderr)
        return 2
    except (ValueError, RuntimeError) as exc:
        from mella_bench.data import DataError
        from mella_bench.redact import redact_text
        from mella_bench.textsafe import terminal_safe

        print(terminal_safe(f"error: {redact_text(str(exc))}"), file=sys.stderr)
        return 1 if isinstance(exc, DataError) else 2
    except Exception as exc:
        api = sys.modules.get("mella_bench.apiclient")  # imported lazily, only when an endpoint is used
        if api is not None and isinstance(exc, api.ApiError):
            # an endpoint that failed for good (wrong URL, model or key); the message is already scrubbed
            from mella_bench.redact import redact_text
            from mella_bench.textsafe import terminal_safe

            print(terminal_safe(f"error: judge endpoint: {redact_text(str(exc))}"), file=sys.stderr)
            return 3
        raise


if __name__ == "__main__":
    sys.exit(main())
