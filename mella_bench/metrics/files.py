"""`mella-bench metrics`: score plain text files like sacrebleu does, with mella-bench's metrics.

One hypothesis per line; each `--refs` file holds one reference per line (repeat `--refs` for more
references; an empty line in a reference file means "no reference from this file" for that line);
`--keywords` is JSONL, one JSON array of keywords per hypothesis line. Every input problem is
reported with its file and line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from mella_bench.langs import LANGUAGES
from mella_bench.metrics.base import Corpus, MetricInputError
from mella_bench.metrics.registry import REGISTRY, score_corpus

FILE_METRICS = tuple(m.name for m in REGISTRY.values() if m.needs == "references")
"""Scored by default: every reference-based metric."""
KEYWORD_METRICS = tuple(m.name for m in REGISTRY.values() if m.needs == "keywords")


class InputFileError(MetricInputError):
    """A problem in an input file; the message names the file (and line when there is one)."""


def read_lines(path: str | Path) -> list[str]:
    """Lines of a UTF-8 text file (one trailing newline tolerated)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, expected a text file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputFileError(f"{path}:{line}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln.rstrip("\r") for ln in lines]


def read_keywords(path: str | Path) -> list[tuple[str, ...]]:
    out = []
    for i, line in enumerate(read_lines(path), start=1):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{path}:{i}: not JSON ({exc.msg}); expected an array of keywords such as "
                                 '["phở", "Hà Nội"]') from None
        if not isinstance(value, list) or not value or not all(isinstance(k, str) and k.strip() for k in value):
            raise InputFileError(f"{path}:{i}: expected a non-empty JSON array of non-empty strings, got {line[:80]!r}")
        out.append(tuple(value))
    return out


def load_corpus(lang: str, hyps_path: str | Path, refs_paths: Sequence[str | Path],
                keywords_path: str | Path | None = None, allow_empty: bool = False) -> Corpus:
    """Read and check the files; raise `InputFileError` naming the file and line of the first problem."""
    if lang not in LANGUAGES:
        raise InputFileError(f"unknown language '{lang}'; choose from {', '.join(LANGUAGES)}")
    if not refs_paths:
        raise InputFileError("at least one --refs file is needed")
    hyps = read_lines(hyps_path)
    if not hyps:
        raise InputFileError(f"{hyps_path}: holds no lines")
    if not allow_empty:
        for i, h in enumerate(hyps, start=1):
            if not h.strip():
                raise InputFileError(f"{hyps_path}:{i}: empty hypothesis (pass --allow-empty to score it as 0)")
    columns = []
    for rp in refs_paths:
        lines = read_lines(rp)
        if len(lines) != len(hyps):
            raise InputFileError(f"{rp}: has {len(lines)} lines but {hyps_path} has {len(hyps)}; "
                                 "every file needs one line per hypothesis")
        columns.append(lines)
    refs = []
    for i in range(len(hyps)):
        item = tuple(col[i] for col in columns if col[i].strip())
        if not item:
            files = ", ".join(str(p) for p in refs_paths)
            raise InputFileError(f"{files}: line {i + 1}: no non-empty reference for this hypothesis")
        refs.append(item)
    keywords = None
    if keywords_path is not None:
        keywords = read_keywords(keywords_path)
        if len(keywords) != len(hyps):
            raise InputFileError(f"{keywords_path}: has {len(keywords)} lines but {hyps_path} has {len(hyps)}")
    return Corpus(lang=lang, hyps=tuple(hyps), refs=tuple(refs), keywords=tuple(keywords) if keywords else None)


def score_files(corpus: Corpus, metrics: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON `mella-bench metrics` prints: lang, n, scores (0–100, CIDEr as 100 × COCO), signatures."""
    wanted = list(metrics) if metrics else list(FILE_METRICS) + (list(KEYWORD_METRICS) if corpus.keywords else [])
    if corpus.keywords is None and any(m in KEYWORD_METRICS for m in wanted):
        raise InputFileError("keyword metrics need --keywords FILE.jsonl")
    results = score_corpus(corpus, wanted)
    return {"lang": corpus.lang, "n": len(corpus.hyps),
            "scores": {m: r.value for m, r in results.items()},
            "signatures": {m: r.signature for m, r in results.items()}}
