"""Progress on stderr: a tqdm bar on a terminal, plain periodic lines anywhere else.

A bar redrawn with carriage returns turns a Slurm or CI log into one enormous line; when stderr
is not a terminal, progress is a line every `MELLA_PROGRESS_INTERVAL` seconds (default 30) and one
when the work is done, each readable on its own: `[10:31:02] scoring: 5/16 task (31%), 1.2 task/s, ~9s left`.
"""

from __future__ import annotations

import os
import sys
import time
from typing import IO, Iterable, Iterator, Protocol, TypeVar

T = TypeVar("T")

DEFAULT_INTERVAL_S = 30.0


class Progress(Protocol):
    def update(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class PlainProgress:
    """Progress as whole lines, at most one per `interval` seconds plus a last one on close."""

    def __init__(self, total: int | None, desc: str, unit: str, initial: int = 0, interval: float = DEFAULT_INTERVAL_S,
                 file: IO[str] | None = None, clock=time.monotonic):
        self.total, self.desc, self.unit, self.n = total, desc, unit, initial
        self._initial, self._interval, self._file, self._clock = initial, interval, file or sys.stderr, clock
        self._start = self._last = clock()
        self._closed = False

    def _line(self, done: bool) -> str:
        elapsed = self._clock() - self._start
        of = f"/{self.total}" if self.total is not None else ""
        pct = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        rate = (self.n - self._initial) / elapsed if elapsed > 0 else 0.0
        tail = f", done in {elapsed:.0f}s" if done else f", {rate:.2g} {self.unit}/s"
        if not done and rate > 0 and self.total is not None:
            tail += f", ~{(self.total - self.n) / rate:.0f}s left"
        return f"[{time.strftime('%H:%M:%S')}] {self.desc}: {self.n}{of} {self.unit}{pct}{tail}"

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.total is not None and self.n >= self.total:
            return  # the last line is close()'s ("done in"): a periodic one here would say 100% twice
        now = self._clock()
        if now - self._last >= self._interval:
            self._last = now
            print(self._line(False), file=self._file, flush=True)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            print(self._line(True), file=self._file, flush=True)


def interval_s() -> float:
    try:
        return max(0.0, float(os.environ.get("MELLA_PROGRESS_INTERVAL", DEFAULT_INTERVAL_S)))
    except ValueError:
        return DEFAULT_INTERVAL_S


def progress_bar(total: int | None, desc: str, unit: str, enabled: bool = True, initial: int = 0,
                 file: IO[str] | None = None) -> Progress:
    """A tqdm bar when `file` (stderr) is a terminal, else `PlainProgress`; nothing when disabled."""
    stream = file or sys.stderr
    if not enabled:
        return _Silent()
    if stream.isatty():
        from tqdm import tqdm

        return tqdm(total=total, initial=initial, desc=desc, unit=unit, file=stream)
    return PlainProgress(total, desc, unit, initial, interval_s(), stream)


def track(items: Iterable[T], total: int | None, desc: str, unit: str, enabled: bool = True) -> Iterator[T]:
    """Iterate with progress (the iterable's items are passed through unchanged)."""
    bar = progress_bar(total, desc, unit, enabled)
    try:
        for x in items:
            yield x
            bar.update(1)
    finally:
        bar.close()
