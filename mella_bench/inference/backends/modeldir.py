"""Identity of a local checkpoint directory, for cache keys and run.json (hf, tiny and vllm backends).

Config, processor/tokenizer and weight files are hashed in full (sha256, streamed). Weight hashes
are remembered by (real path, size, mtime) under the cache directory, so a multi-GB checkpoint is
hashed once, not on every run. The path itself is never part of the identity: moving a checkpoint
keeps its cache keys.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from mella_bench.store.atomic import atomic_write

WEIGHT_PATTERNS = ("*.safetensors",)
LEGACY_WEIGHT_PATTERNS = ("*.bin", "*.pt", "*.pth")
"""Hashed only when a checkpoint has no safetensors files."""
CONFIG_FILES = ("config.json", "generation_config.json")
PROCESSOR_PATTERNS = ("tokenizer*.json", "special_tokens_map.json", "added_tokens.json", "vocab.*", "merges.txt",
                      "*.model", "*.tiktoken", "chat_template*", "processor_config.json", "preprocessor_config.json",
                      "video_preprocessor_config.json", "image_processor*.json")
"""Files that change how a prompt becomes tokens or an image becomes pixels."""

def cache_root() -> Path:
    """`$MELLA_BENCH_CACHE`, else `$XDG_CACHE_HOME/mella-bench`, else `~/.cache/mella-bench`."""
    if os.environ.get("MELLA_BENCH_CACHE"):
        return Path(os.environ["MELLA_BENCH_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mella-bench"


# --------------------------------------------------------------------------- fingerprint helpers

def _sha256_stream(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: Path, cache_file: Path | None = None) -> str:
    """sha256 of a file, remembered by (real path, size, mtime) so multi-GB weights are hashed once."""
    cache_file = cache_file or cache_root() / "file-hashes.json"
    st = path.stat()
    key = str(path.resolve())
    stamp = [st.st_size, st.st_mtime_ns]
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    hit = cache.get(key)
    if isinstance(hit, dict) and hit.get("stamp") == stamp and isinstance(hit.get("sha256"), str):
        return hit["sha256"]
    digest = _sha256_stream(path)
    cache[key] = {"stamp": stamp, "sha256": digest}
    try:  # best effort: a lost update only means hashing again next time
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache_file, json.dumps(cache))
    except OSError:
        pass
    return digest


def _files(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    return sorted({p for pat in patterns for p in root.glob(pat) if p.is_file()})


def _hash_files(root: Path, files: list[Path]) -> str:
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def checkpoint_fingerprint(root: Path, remote_code: bool = False) -> dict[str, Any]:
    """Content identity of a checkpoint directory (never its path: moving it keeps the cache valid)."""
    weights = _files(root, WEIGHT_PATTERNS) or _files(root, LEGACY_WEIGHT_PATTERNS)
    fp: dict[str, Any] = {
        "config_sha256": _hash_files(root, [root / f for f in CONFIG_FILES if (root / f).is_file()]),
        "weights_sha256": {p.relative_to(root).as_posix(): file_sha256(p) for p in weights},
        "processor_sha256": _hash_files(root, _files(root, PROCESSOR_PATTERNS)),
    }
    if remote_code:
        fp["remote_code_sha256"] = _hash_files(root, _files(root, ("*.py",)))
    return fp
