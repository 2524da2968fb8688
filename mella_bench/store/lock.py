"""The run directory's lock: one writing process at a time (used only inside the store).

An exclusive, non-blocking `flock` on RUN_DIR/.lock: a second writer is refused at once with the
holder's process id, never queued (two writers of one directory would interleave appends). The
lock is re-entrant within a process, because a command holds it across several store operations
(generate, judge, score) and `flock` conflicts between two descriptors of one process too. The
kernel drops it when the process dies, so a crash never leaves a directory locked.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

LOCK_FILE = ".lock"

_held: dict[Path, tuple[int, int]] = {}
"""Locks this process holds: resolved directory → (file descriptor, depth)."""


class RunDirBusy(RuntimeError):
    """Another process is writing the run directory."""


@contextlib.contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold `run_dir` (created if needed; removed again if it was created here and is still empty
    when the lock is released)."""
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
    with contextlib.suppress(OSError):  # the holder's pid is a courtesy for the refusal message
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


def holds(run_dir: Path) -> bool:
    """Whether this process holds the lock of `run_dir`."""
    return Path(run_dir).resolve() in _held


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
