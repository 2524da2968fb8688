"""The run store: the one owner of run directories (files, header, lock, atomic writes, data identity).

- `atomic`: the one atomic, fsync'd write (file and folder) every whole-file write goes through.
- `jsonl`: the appending JSONL writer and the readers (torn tails cut by bytes, clear errors).
- `header`: run.json, typed and versioned (`RunHeader`, `new_header`, `FORMAT_VERSION`, statuses).
- `records`: predictions.jsonl records and which belong to the run.
- `rundir`: `RunDir`, through which every command writes (the lock is taken inside).
- `datacheck`: score, judge and merge refuse answers whose items changed (or re-identify them).
- `lock`: the directory lock (used only by `rundir`).
"""

from mella_bench.store.atomic import atomic_write, write_json, write_jsonl
from mella_bench.store.datacheck import REIDENTIFY_FLAG, DataChange, DataChanged, accept_or_refuse, task_change
from mella_bench.store.header import (FINISHED_STATUSES, FORMAT_VERSION, JUDGE_HEADER_KEY, RUN_STATUSES, HeaderError,
                                      RunHeader, RunStatus, TaskEntry, check_format_version, command_line,
                                      fingerprint_hash, git_revision, new_header, package_versions, redact, run_config)
from mella_bench.store.jsonl import JsonlWriter, StoreError, read_json, read_jsonl
from mella_bench.store.lock import RunDirBusy
from mella_bench.store.records import Prediction, PredStatus
from mella_bench.store.rundir import (JUDGMENTS, PREDICTIONS, RUN_FILES, RUN_JSON, SCORES, SCORES_MD, SUMMARY,
                                      RunDir, RunDirConflict, current_predictions, load_header, load_predictions, merge_header,
                                      read_versioned, task_data_source)

__all__ = ["FINISHED_STATUSES", "FORMAT_VERSION", "JUDGE_HEADER_KEY", "JUDGMENTS", "PREDICTIONS", "REIDENTIFY_FLAG",
           "RUN_FILES", "RUN_JSON", "RUN_STATUSES", "SCORES", "SCORES_MD", "SUMMARY", "DataChange", "DataChanged",
           "HeaderError", "JsonlWriter", "PredStatus", "Prediction", "RunDir", "RunDirBusy", "RunDirConflict",
           "RunHeader", "RunStatus", "StoreError", "TaskEntry", "accept_or_refuse", "atomic_write",
           "check_format_version", "command_line", "current_predictions", "fingerprint_hash", "git_revision",
           "load_header", "load_predictions", "merge_header", "new_header", "package_versions", "read_json", "read_jsonl",
           "read_versioned", "redact", "run_config", "task_change", "task_data_source", "write_json", "write_jsonl"]
