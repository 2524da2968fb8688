"""The one atomic write: a file is replaced whole or not at all, and survives a power cut once written.

Temp file in the same folder → write → fsync the file → rename over the target → fsync the folder
(the rename itself lives in the folder's entry; without that fsync a crash can bring back the old
file, or none). A failure (disk full, a kill) leaves the old file as it was and removes the temp
file. Every run-directory file that is replaced rather than appended goes through here, and so do
the other artefacts mella-bench writes whole (reports, manifests, caches).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows: folders cannot be opened; renames are durable there anyway
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (network mounts) refuse fsync on a folder
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Replace `path` with `data` (text is written as UTF-8) atomically and durably."""
    path = Path(path)
    blob = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):  # a full disk: name the file being replaced, not the temp file
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    fsync_dir(path.parent)


def json_text(data: Any) -> str:
    """How mella-bench writes a JSON file: UTF-8, 2-space indent, no NaN (not JSON), final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_json(path: Path, data: Any) -> None:
    """Atomic JSON file (a header, a summary, a report's data)."""
    atomic_write(path, json_text(data))


def jsonl_text(records: Iterable[Mapping[str, Any]]) -> str:
    """JSON Lines: one compact record per line; NaN is refused (not JSON)."""
    return "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records)


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    """Atomic JSONL file written whole (scores, a merged or imported predictions file, a manifest)."""
    atomic_write(path, jsonl_text(records))
