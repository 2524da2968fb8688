"""Command line: a thin argparse layer over the Python API, one module per command group.
JSON results go to stdout, progress to stderr."""

from __future__ import annotations

import argparse
import sys

from mella_bench import __version__
from mella_bench.cli import data, export, judge, label, reports, run, score, tasks
from mella_bench.langs import LANG_CODES


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mella-bench",
        description="Evaluate vision-language models on the MELLA protocol in eight languages "
                    f"({', '.join(LANG_CODES)}): cultural groundedness (know) and linguistic capability (ling).",
    )
    p.add_argument("--version", action="version", version=f"mella-bench {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    run.add_run_parser(sub)
    judge.add_judge_parser(sub)
    label.add_label_parser(sub)
    run.add_merge_parser(sub)
    score.add_score_parser(sub)
    score.add_metrics_parser(sub)
    tasks.add_tasks_parser(sub)
    data.add_data_parser(sub)
    export.add_export_parser(sub)
    reports.add_report_parser(sub)
    reports.add_show_parser(sub)
    reports.add_compare_parser(sub)
    reports.add_ablate_parser(sub)
    reports.add_tables_parser(sub)
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
        from mella_bench.data.dataset import DataError
        from mella_bench.redact import redact_text
        from mella_bench.textsafe import terminal_safe

        print(terminal_safe(f"error: {redact_text(str(exc))}"), file=sys.stderr)
        return 1 if isinstance(exc, DataError) else 2
    except Exception as exc:
        api = sys.modules.get("mella_bench.endpoint.apiclient")  # imported lazily, only when an endpoint is used
        if api is not None and isinstance(exc, api.ApiError):
            # an endpoint that failed for good (wrong URL, model or key); the message is already scrubbed
            from mella_bench.redact import redact_text
            from mella_bench.textsafe import terminal_safe

            print(terminal_safe(f"error: judge endpoint: {redact_text(str(exc))}"), file=sys.stderr)
            return 3
        raise
