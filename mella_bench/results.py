"""The run directory: a versioned header (`run.json`) and append-only JSONL records.

Records are appended one line at a time and flushed to disk at once, so a kill loses at most the
batch in flight; a torn last line (a kill mid-write) is ignored on read and cut off before the next
append.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

FORMAT_VERSION = 1
"""Bump when a file's schema changes incompatibly; readers check it."""

RUN_JSON, PREDICTIONS, SCORES, JUDGMENTS, SUMMARY = (
    "run.json", "predictions.jsonl", "scores.jsonl", "judgments.jsonl", "summary.json")
JUDGE_HEADER_KEY = "judge"
"""run.json key holding the judge settings last used on the run: the judge writes it, scoring and
the sample viewer read it to pick the current judgments."""


def redact(obj: Any) -> Any:
    """Copy of a config safe to store (see `mella_bench.redact`: one redaction for every file and message)."""
    from mella_bench.redact import redact as _redact_config

    return _redact_config(obj)


def command_line(argv: list[str] | None = None) -> list[str]:
    """The command as run.json records it: the program by name, not by the absolute path of the
    executable (which differs per machine and leaks home folders), secrets redacted."""
    import sys

    args = list(sys.argv if argv is None else argv)
    if not args:
        return []
    prog = Path(args[0]).name
    if prog in ("cli.py", "__main__.py", "mella_bench"):  # `python -m mella_bench.cli`
        prog = "mella-bench"
    return redact([prog, *args[1:]])


def write_json(path: Path, data: Any) -> None:
    """Atomic write (temp file + rename): readers never see half a header or summary."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _cut_torn_tail(path: Path) -> None:
    """Drop a partial last line left by a kill mid-write, so the next append starts clean."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return
        fh.seek(0)
        data = fh.read()
        cut = data.rfind(b"\n") + 1
        fh.truncate(cut)


class JsonlWriter:
    """Append-only JSONL file; each `write` is flushed and fsync'd before it returns."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        _cut_torn_tail(path)
        self._fh = path.open("a", encoding="utf-8")

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        for rec in records:
            self._fh.write(json.dumps(rec, ensure_ascii=False, allow_nan=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "JsonlWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file; a torn final line is skipped, a corrupt middle line is an error."""
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").split("\n")
    last = len(lines) - 1
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            if i == last:  # torn tail from a kill: the record was never complete
                return
            raise ValueError(f"{path}:{i + 1}: corrupt record ({exc.msg}); fix or delete that line") from None


PredStatus = Literal["ok", "error"]


RUN_STATUSES = ("started", "generated", "generated_with_errors", "stopped", "interrupted")
"""run.json `status`: started (or still running), finished without / with failed items, stopped because
the first items all failed alike, interrupted (Ctrl-C, a crash). Rerunning the command resumes any
run that is not finished."""
FINISHED_STATUSES = ("generated", "generated_with_errors")

@dataclass(frozen=True)
class Prediction:
    """One model answer for one item of one task, as stored in predictions.jsonl."""

    key: str
    """Content hash: model fingerprint + task hash + item id + prompt + generation settings."""
    task: str
    task_hash: str
    model_hash: str
    """Hash of the backend fingerprint that produced it."""
    item_id: str
    lang: str
    axis: str
    status: PredStatus
    text: str
    error: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(rec: dict[str, Any]) -> "Prediction":
        return Prediction(**{k: rec.get(k) for k in Prediction.__dataclass_fields__})


def load_predictions(run_dir: Path) -> dict[str, Prediction]:
    """Latest prediction per key (a retried failure is superseded by its later success)."""
    out: dict[str, Prediction] = {}
    for rec in read_jsonl(run_dir / PREDICTIONS):
        pred = Prediction.from_json(rec)
        if pred.status == "ok" or pred.key not in out or out[pred.key].status != "ok":
            out[pred.key] = pred
    return out


def current_predictions(run_dir: Path, header: dict[str, Any]) -> dict[str, dict[str, Prediction]]:
    """task → item id → the prediction that belongs to the run as run.json records it.

    Only the recorded task hashes and model hash count (a run directory can hold stale answers to
    an older prompt or model); among those, the latest per key, a later success superseding a failure.
    """
    model_hash = header["model"]["hash"]
    out: dict[str, dict[str, Prediction]] = {t: {} for t in header["tasks"]}
    for pred in load_predictions(run_dir).values():
        info = header["tasks"].get(pred.task)
        if info is not None and pred.task_hash == info["hash"] and pred.model_hash == model_hash:
            out[pred.task][pred.item_id] = pred
    return out


def task_data_source(run_dir: Path, info: dict[str, Any]) -> str:
    """The dataset a task of run.json was scored against: as recorded, or inside the run directory
    when `data_relative_to_run` is set (imported runs carry their references with them)."""
    src = str(info["data"])
    return str(Path(run_dir) / src) if info.get("data_relative_to_run") else src


def load_header(run_dir: Path) -> dict[str, Any]:
    path = run_dir / RUN_JSON
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run directory (no {RUN_JSON}); create one with `mella-bench run`")
    header = read_json(path)
    if header.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: format_version {header.get('format_version')} is not {FORMAT_VERSION}")
    return header
