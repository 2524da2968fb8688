"""Helpers shared by the command modules: option types, shared flags, scoring output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mella_bench.inference.backends.options import (non_negative_int as _non_negative_int, positive_int as
                                                    _positive_int, positive_seconds as _positive_seconds)


def data_arg(path: str | None, args: argparse.Namespace) -> str | None:
    """`--data` with `--split`/`--columns` folded into the one source string run.json records."""
    if path is None:
        if args.split or args.columns:
            raise ValueError("--split and --columns describe the dataset given with --data; add --data PATH")
        return None
    if path == "demo" and not (args.split or args.columns):
        return path
    from mella_bench.data.dataset import data_spec

    return data_spec(path, args.split, args.columns)


def add_include_path(p: argparse.ArgumentParser) -> None:
    p.add_argument("--include-path", action="append", metavar="DIR",
                   help="also read task and group YAML files from DIR (repeatable; see docs/tasks.md)")


def add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", help="split of a saved DatasetDict or of split-named Parquet files (e.g. test); "
                                   "required when the data holds several")
    p.add_argument("--columns", metavar="FIELD=COLUMN,...",
                   help="map item fields to the dataset's columns, e.g. id=question_id,references=caption,"
                        "lang=language (also settable in a mella-bench.yaml beside the data; see docs/data.md)")


EXIT_FAILURE_RATE = 4
"""Exit code of `run` / `judge` when the share of failed items is above --max-failure-rate (docs/running.md)."""


def limits_from_args(args: argparse.Namespace):  # -> Limits
    from mella_bench.data.limits import DEFAULT_LIMITS, Limits

    return Limits(**{name: getattr(args, name, None) or getattr(DEFAULT_LIMITS, name)
                     for name in Limits.__dataclass_fields__})


def add_limit_options(p: argparse.ArgumentParser) -> None:
    from mella_bench.data.limits import DEFAULT_LIMITS

    g = p.add_argument_group("input limits (an item over one fails alone; docs/running.md)")
    g.add_argument("--max-image-pixels", type=_positive_int, metavar="N",
                   help=f"width x height of one image (default {DEFAULT_LIMITS.max_image_pixels:,})")
    g.add_argument("--max-reference-chars", type=_positive_int, metavar="N",
                   help=f"characters of one reference, keyword or thin text (default {DEFAULT_LIMITS.max_reference_chars:,})")
    g.add_argument("--max-answer-chars", type=_positive_int, metavar="N",
                   help=f"characters of one model answer; longer ones are stored as failures "
                        f"(default {DEFAULT_LIMITS.max_answer_chars:,})")


def failure_rate(args: argparse.Namespace, failed: int, total: int, what: str, resume: str) -> int:
    """0, or EXIT_FAILURE_RATE with a message saying how to resume, when failed/total > --max-failure-rate."""
    rate = failed / total if total else 0.0
    if rate <= args.max_failure_rate:
        return 0
    print(f"error: {failed} of {total} {what} failed ({rate:.1%}), above --max-failure-rate {args.max_failure_rate:g}. "
          f"The reasons are recorded with each failure. {resume}", file=sys.stderr)
    return EXIT_FAILURE_RATE


def max_failure_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got '{text}'") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (e.g. 0.05 for 5%), got {value}")
    return value


def score_and_print(run_dir: Path, quiet: bool, verbose: bool = False, stdout: bool = True,
                     reuse: bool = True, reidentify: bool = False) -> dict:
    """Score a run (metrics + any judgments + bootstrap CIs), write scores.md and print the headline
    (to stdout unless `stdout` is False); the full per-task table goes to stderr with `verbose`."""
    from mella_bench.reports.headline import report_scores
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


def judge_config(args: argparse.Namespace):  # -> JudgeConfig (lazy import keeps `--help` fast)
    from mella_bench.endpoint.apiclient import EndpointConfig, default_base_url
    from mella_bench.judge import JudgeConfig

    endpoint = EndpointConfig(base_url=args.judge_base_url or default_base_url(), model=args.judge,
                              api_key_env=args.judge_api_key_env, api_key_header=args.judge_api_key_header,
                              timeout_s=args.judge_timeout, max_retries=args.judge_retries,
                              concurrency=args.judge_concurrency)
    return JudgeConfig(endpoint=endpoint, images=args.judge_images, structured=args.structured_output)


def judge_and_print(run_dir: Path, args: argparse.Namespace) -> int:
    """Judge a run; 0, or EXIT_FAILURE_RATE when too many judgments failed."""
    from mella_bench.judge import format_summary, judge_run

    rubrics = tuple(args.rubrics.split(",")) if getattr(args, "rubrics", None) else None
    result = judge_run(run_dir, judge_config(args), rubrics=rubrics, progress=not args.quiet,
                       reidentify=getattr(args, "reidentify", False))
    c = result.counts
    print(f"judgments: {c.ok} new ok, {c.failed} failed, {c.reused} reused from cache ({c.sent} sent) "
          f"→ {run_dir / 'judgments.jsonl'}", file=sys.stderr)
    print(format_summary(result.summary))
    return failure_rate(args, c.failed, c.ok + c.failed + c.reused, "judgments",
                         "Rerun the same judge command to retry only the failed judgments (cached ones are kept).")


def add_judge_options(p: argparse.ArgumentParser, required: bool, short_names: bool = True) -> None:
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


def add_reidentify(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reidentify", action="store_true",
                   help="accept the data as it is now when items changed since the answers were generated (edited "
                        "references, a replaced image), recording that in run.json; without it such answers are "
                        "refused (docs/running.md)")


def add_stats_args(p: argparse.ArgumentParser, seed_help: str) -> None:
    p.add_argument("--resamples", type=_positive_int, default=1000, help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=None, help=seed_help)
