"""The file I/O of mella-bench's result caches (score reuse, the mella-2024 protocol's item cache).

A cache file is one JSON object `{"format", "code", ...body}`: `code` is the version of the code that
made the entries (a hash of its sources and libraries). A cache written by other code, in another
format, missing or unreadable is treated as empty, never as an error: a cache only saves time.
Writes are atomic (`store.write_json`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Mapping

CACHE_FORMAT = 1


def read_cache(path: Path, code: str) -> dict[str, Any]:
    """The body of the cache at `path` when it was written by `code` in this format; else {}."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        print(f"warning: {path} cannot be read ({exc}); it is ignored and everything is computed", file=sys.stderr)
        return {}
    if not isinstance(raw, dict) or raw.get("format") != CACHE_FORMAT or raw.get("code") != code:
        return {}
    return {k: v for k, v in raw.items() if k not in ("format", "code")}


def write_cache(path: Path, code: str, body: Mapping[str, Any]) -> None:
    """Replace the cache at `path` (atomically) with `body`, stamped with `code`."""
    from mella_bench.store import write_json

    write_json(Path(path), {"format": CACHE_FORMAT, "code": code, **body})
