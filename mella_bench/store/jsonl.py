"""Append-only JSON Lines and JSON files as the run directory reads and writes them.

Records are appended one line at a time and fsync'd before `write` returns, so a kill loses at most
the batch in flight. A kill (or a full disk) in the middle of an append leaves a torn last line: it
is ignored on read and cut off before the next append. The cut is made on bytes, at the last
newline, *before* anything is decoded: a tear can end inside a multi-byte UTF-8 character (Thai,
Korean), which a decode-then-split reader would refuse as a whole file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator


class StoreError(ValueError):
    """A run-directory file that cannot be used; the message names the file (and line) and what to do."""


def _complete_part(data: bytes) -> bytes:
    """The bytes up to and including the last newline."""
    return data[:data.rfind(b"\n") + 1]


def _tail_record(tail: bytes) -> dict[str, Any] | None:
    """The bytes after the last newline as a record when they are one whole JSON object (only its
    newline is missing, e.g. a hand-edited file); None when they are a torn, unfinished record."""
    if not tail.strip():
        return None
    try:
        rec = json.loads(tail.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return rec if isinstance(rec, dict) else None


def cut_torn_tail(path: Path) -> int:
    """Drop a partial last line left by a kill or a full disk mid-write; returns the bytes removed."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with path.open("rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return 0
        fh.seek(0)
        data = fh.read()
        keep = len(_complete_part(data))
        if _tail_record(data[keep:]) is not None:  # a whole record without its newline: keep it, end it
            fh.seek(0, os.SEEK_END)
            fh.write(b"\n")
            keep = len(data)
        else:
            fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
        return len(data) - keep


class JsonlWriter:
    """Append-only JSONL file; each `write` is written whole and fsync'd before it returns.

    Unbuffered (a file descriptor, no Python buffer): a failed write (a full disk) raises at once,
    naming the file, and closing never retries what failed. Opened through the store (`RunDir`),
    which holds the directory's lock while it is open.
    """

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        cut_torn_tail(path)
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        """Append records as one write (a record that is not storable JSON raises before anything is written)."""
        blob = memoryview(b"".join(json.dumps(rec, ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n"
                                   for rec in records))
        assert self._fd is not None, "writer is closed"
        try:
            while blob:
                blob = blob[os.write(self._fd, blob):]
            os.fsync(self._fd)
        except OSError as exc:  # a full disk: say which file (the next append cuts what was torn)
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "JsonlWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file; a torn final line is skipped, a corrupt line before it is an error
    naming file and line."""
    if not path.exists():
        return
    data = path.read_bytes()
    whole = _complete_part(data)
    torn = data[len(whole):]
    lines = whole.split(b"\n")
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise StoreError(f"{path}:{i + 1}: not UTF-8 (byte {exc.start + 1} of the line); fix or delete that "
                             "line") from None
        except json.JSONDecodeError as exc:
            raise StoreError(f"{path}:{i + 1}: corrupt record ({exc.msg}); fix or delete that line") from None
        if not isinstance(rec, dict):
            raise StoreError(f"{path}:{i + 1}: expected a JSON object, got {type(rec).__name__}; fix or delete "
                             "that line")
        yield rec
    last = _tail_record(torn)  # None for an unfinished record (a kill or a full disk mid-append): never read
    if last is not None:
        yield last


def read_json(path: Path, what: str = "JSON file") -> Any:
    """A JSON file, or a StoreError that names it and says what is wrong (empty, not UTF-8, malformed)."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise StoreError(f"{path}: empty {what}; it was cut short (a kill or a full disk while writing?) — "
                         "restore it or start the directory afresh")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise StoreError(f"{path}: {what} is not UTF-8 (byte {exc.start + 1})") from None
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path}: malformed {what} (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
