"""Who may write a run directory: one process at a time (a lock), one model and one dataset per directory.

A run directory accumulates answers across commands (resume, more tasks, a larger --limit), so it
must never silently mix two models' or two datasets' answers: a run with another model fingerprint,
or with other item contents for a task already in the directory, is refused with what to do
(another `--output`, or `--overwrite` to start the directory afresh). Tasks the new command does not
name keep their predictions and their place in run.json, so a run on a subset of tasks does not
shrink the run.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Iterator

from mella_bench.results import JUDGMENTS, PREDICTIONS, RUN_JSON, SCORES, SUMMARY

LOCK_FILE = ".lock"
RUN_FILES = (RUN_JSON, PREDICTIONS, SCORES, SUMMARY, JUDGMENTS)
"""What `--overwrite` removes (nothing else in the directory is touched)."""

_held: dict[Path, tuple[int, int]] = {}
"""Locks this process holds: resolved directory → (file descriptor, depth). Re-entrant per process,
because flock conflicts between two descriptors of one process too."""


class RunDirBusy(RuntimeError):
    """Another process is writing the run directory."""


class RunDirConflict(RuntimeError):
    """The run directory belongs to another model or dataset."""


@contextlib.contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Exclusive, non-blocking lock on `run_dir` (created if needed; removed again if it was created
    here and is still empty when the lock is released). A second writer is refused at once."""
    run_dir = Path(run_dir)
    created = not run_dir.exists()
    run_dir.mkdir(parents=True, exist_ok=True)
    key = run_dir.resolve()
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[key]
            _held[key] = (fd, depth - 1)
        return
    fd = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _try_lock(fd, run_dir)
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _held[key] = (fd, 1)
    try:
        yield
    finally:
        del _held[key]
        os.close(fd)  # releases the lock
        if created and {p.name for p in run_dir.iterdir()} <= {LOCK_FILE}:
            (run_dir / LOCK_FILE).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                run_dir.rmdir()


def _try_lock(fd: int, run_dir: Path) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (documented in docs/running.md)
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = ""
        with contextlib.suppress(OSError, ValueError):
            pid = (run_dir / LOCK_FILE).read_text().strip()
        who = f" (process {pid})" if pid else ""
        raise RunDirBusy(f"{run_dir} is being written by another mella-bench command{who}; wait for it to "
                         "finish or choose another --output") from None


def overwrite(run_dir: Path) -> list[str]:
    """Remove the run files of `run_dir` (for `--overwrite`); returns the names removed."""
    removed = []
    for name in RUN_FILES:
        path = Path(run_dir) / name
        if path.exists():
            path.unlink()
            removed.append(name)
    return removed


def check_owner(run_dir: Path, new: dict[str, Any]) -> dict[str, Any] | None:
    """The existing run.json when `new` (a run.json header about to be written) may join this
    directory; None when there is none. Raises RunDirConflict on another model or dataset."""
    path = Path(run_dir) / RUN_JSON
    if not path.is_file():
        if (Path(run_dir) / PREDICTIONS).is_file():
            raise RunDirConflict(f"{run_dir} holds {PREDICTIONS} but no {RUN_JSON}, so whose answers they are is "
                                 "unknown; choose another --output, or pass --overwrite to start it afresh")
        return None
    old = json.loads(path.read_text(encoding="utf-8"))
    what = _what_to_do(run_dir)
    old_model, new_model = old.get("model", {}), new["model"]
    if old_model.get("hash") != new_model["hash"]:
        raise RunDirConflict(f"{run_dir} holds a run of another model ({_model_label(old_model)}, fingerprint "
                             f"{old_model.get('hash')}); this command runs {_model_label(new_model)} (fingerprint "
                             f"{new_model['hash']}). {what}")
    for name, info in new["tasks"].items():
        before = old.get("tasks", {}).get(name)
        if before is None or not info.get("data_hash") or not before.get("data_hash"):
            continue  # a run.json written before data hashes existed: its keys cannot match new items anyway
        if before.get("data_hash") != info["data_hash"]:
            raise RunDirConflict(f"{run_dir}: task {name} was run on other data ({before.get('data')}, content "
                                 f"{before.get('data_hash')}) than this command's ({info.get('data')}, content "
                                 f"{info['data_hash']}). {what}")
    return old


def merge_header(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """run.json for a command joining a directory: the first creation time, the judge settings and the
    tasks this command does not name are kept (their answers and scores stay part of the run)."""
    if old is None:
        return new
    tasks = {**old.get("tasks", {}), **new["tasks"]}
    kept = {k: old[k] for k in ("judge",) if k in old}
    return {**new, "created": old.get("created", new["created"]), "tasks": tasks, **kept}


def _model_label(model: dict[str, Any]) -> str:
    fp = model.get("fingerprint") or {}
    return f"{fp.get('backend', '?')} {fp.get('model') or fp.get('fields') or ''}".strip()


def _what_to_do(run_dir: Path) -> str:
    return (f"Nothing was changed. Choose another --output, or pass --overwrite to delete this directory's "
            f"run files ({', '.join(RUN_FILES)}) and start afresh.")
