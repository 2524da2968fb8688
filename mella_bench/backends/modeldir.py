"""Identity of a local checkpoint directory, for cache keys and run.json.

Config and tokenizer files are hashed in full. Weight files are fingerprinted by name, size, the
safetensors header (tensor names, dtypes, shapes, offsets) and the first and last MiB: that changes
with any retraining or re-quantisation, yet costs milliseconds instead of minutes on a 16 GB
checkpoint. (A full weight hash would be the stricter choice; this is the documented trade-off.)
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path
from typing import Any

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")
_CHUNK = 1 << 20


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _weight_sha(path: Path) -> str:
    h = hashlib.sha256()
    size = path.stat().st_size
    h.update(f"{path.name}\0{size}".encode())
    with path.open("rb") as fh:
        if path.suffix == ".safetensors" and size >= 8:
            (n,) = struct.unpack("<Q", fh.read(8))
            if n <= min(size - 8, 100 * _CHUNK):
                h.update(fh.read(n))
        fh.seek(0)
        h.update(fh.read(_CHUNK))
        if size > 2 * _CHUNK:
            fh.seek(size - _CHUNK)
            h.update(fh.read(_CHUNK))
    return h.hexdigest()


def model_dir_fingerprint(path: str | Path) -> dict[str, Any]:
    """`{"config_hash", "weights_hash", "files"}` of a checkpoint directory."""
    root = Path(path)
    cfg, weights = hashlib.sha256(), hashlib.sha256()
    n_files = 0
    for f in sorted(p for p in root.rglob("*") if p.is_file() and ".cache" not in p.parts):
        rel = f.relative_to(root).as_posix()
        if f.name.endswith(_WEIGHT_SUFFIXES):
            weights.update(f"{rel}\0{_weight_sha(f)}\n".encode())
        elif f.suffix in {".json", ".jinja", ".model", ".txt", ".tiktoken", ".py"}:
            cfg.update(f"{rel}\0{_file_sha(f)}\n".encode())
        else:
            continue
        n_files += 1
    if n_files == 0:
        raise ValueError(f"{root} holds no config or weight files; is it a checkpoint directory?")
    config = root / "config.json"
    arch = None
    if config.is_file():
        try:
            arch = (json.loads(config.read_text(encoding="utf-8")).get("architectures") or [None])[0]
        except (json.JSONDecodeError, AttributeError):
            arch = None
    return {"path_name": root.name, "architecture": arch, "config_hash": cfg.hexdigest()[:16],
            "weights_hash": weights.hexdigest()[:16], "files": n_files}
