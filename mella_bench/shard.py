"""Sharding a run over processes or machines, and merging the shards back into one run.

The split is a stable hash of (task name, item id) modulo the shard count: it needs no
coordination, is the same on every machine and Python version, and an item's shard does not move
when other items are added. Each shard is an ordinary, resumable run directory whose run.json
records `config.shard = [I, N]`; `merge` checks that the shards belong together and cover the
data exactly once before it writes the merged run.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mella_bench.data import load, task_items_of
from mella_bench.results import (FINISHED_STATUSES, PREDICTIONS, RUN_JSON, SCORES, SUMMARY, Prediction, load_header,
                                 command_line, load_predictions, write_json)

__all__ = ["MergeError", "MergeReport", "merge", "shard_dir_name", "shard_index"]

_SHOWN = 5
"""How many offending keys/items an error message lists before '... and K more'."""


class MergeError(ValueError):
    """Shards that cannot be merged; the message names the run directories at fault."""


@dataclass(frozen=True)
class MergeReport:
    output: Path
    shards: tuple[Path, ...]
    """Shard run directories, in shard-index order."""
    predictions: int
    ok: int
    error: int


def shard_index(task: str, item_id: str, count: int) -> int:
    """Which of `count` shards owns (task, item)."""
    return int(hashlib.sha256(f"{task}\0{item_id}".encode()).hexdigest()[:8], 16) % count


def shard_dir_name(base: str, shard: tuple[int, int]) -> str:
    return f"{base}-shard-{shard[0]}-of-{shard[1]}"


def _listing(values: list[str]) -> str:
    head = ", ".join(values[:_SHOWN])
    return head + (f" ... and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


@dataclass(frozen=True)
class _Shard:
    path: Path
    header: dict[str, Any]
    index: int
    count: int


def _read_shards(run_dirs: list[Path]) -> list[_Shard]:
    shards = []
    for d in run_dirs:
        header = load_header(d)
        shard = header.get("config", {}).get("shard")
        if not shard:
            raise MergeError(f"{d} is not a shard (its run.json has no config.shard); "
                             "only runs made with --shard I/N can be merged")
        if header.get("status") not in FINISHED_STATUSES:
            raise MergeError(f"{d} did not finish (run.json status '{header.get('status')}'); "
                             "rerun its command, it resumes")
        shards.append(_Shard(d, header, int(shard[0]), int(shard[1])))
    return shards


def _check_same(shards: list[_Shard], what: str, get: Any) -> None:
    groups: dict[str, list[str]] = defaultdict(list)
    for s in shards:
        groups[repr(get(s))].append(str(s.path))
    if len(groups) > 1:
        detail = "; ".join(f"{v} in {', '.join(dirs)}" for v, dirs in groups.items())
        raise MergeError(f"shards differ in {what}: {detail}")


def _check_indices(shards: list[_Shard]) -> list[_Shard]:
    count = shards[0].count
    by_index: dict[int, list[str]] = defaultdict(list)
    for s in shards:
        by_index[s.index].append(str(s.path))
    dup = {i: dirs for i, dirs in by_index.items() if len(dirs) > 1}
    if dup:
        raise MergeError("the same shard given twice: " + "; ".join(
            f"shard {i}/{count} in {', '.join(dirs)}" for i, dirs in sorted(dup.items())))
    missing = [f"{i}/{count}" for i in range(count) if i not in by_index]
    if missing:
        raise MergeError(f"missing shard(s) {', '.join(missing)}: only "
                         f"{', '.join(f'{s.index}/{count} ({s.path})' for s in sorted(shards, key=lambda s: s.index))} "
                         "were given; run the missing ones with --shard I/N and merge again")
    return sorted(shards, key=lambda s: s.index)


def _current(shard: _Shard) -> list[Prediction]:
    """Predictions of this shard's model and task versions (a reused directory may hold stale ones)."""
    model_hash = shard.header["model"]["hash"]
    task_hashes = {name: t["hash"] for name, t in shard.header["tasks"].items()}
    return [p for p in load_predictions(shard.path).values()
            if p.model_hash == model_hash and task_hashes.get(p.task) == p.task_hash]


def _expected_items(header: dict[str, Any]) -> dict[str, list[str]]:
    """Item ids per task of the unsharded run, in dataset order (from the data named in run.json)."""
    cfg = header["config"]
    cache: dict[str, Any] = {}
    out = {}
    for name, t in header["tasks"].items():
        src = cfg.get("data") or t["data"]
        if src not in cache:
            try:
                cache[src] = load(src)
            except FileNotFoundError as exc:
                raise MergeError(f"cannot check item coverage: dataset {src} not found ({exc}); run merge where the "
                                 "data is, or pass --no-item-check") from None
        out[name] = [it.id for it in task_items_of(t["lang"], t["axis"], cache[src], cfg.get("limit"))]
    return out


def _check_coverage(shards: list[_Shard], preds: dict[int, list[Prediction]], expected: dict[str, list[str]]) -> None:
    count = shards[0].count
    problems = []
    for s in shards:
        want = {(task, iid) for task, ids in expected.items() for iid in ids if shard_index(task, iid, count) == s.index}
        have = {(p.task, p.item_id) for p in preds[s.index]}
        missing = sorted(want - have)
        extra = sorted(have - want)
        if missing:
            problems.append(f"{s.path} (shard {s.index}/{count}) lacks {len(missing)} item(s): "
                            f"{_listing([f'{t}/{i}' for t, i in missing])}; rerun that shard, it resumes")
        if extra:
            problems.append(f"{s.path} (shard {s.index}/{count}) holds {len(extra)} item(s) that are not its part of "
                            f"the data: {_listing([f'{t}/{i}' for t, i in extra])}")
    if problems:
        raise MergeError("\n".join(problems))


def _check_duplicates(shards: list[_Shard], preds: dict[int, list[Prediction]]) -> None:
    seen: dict[tuple[str, str], Path] = {}
    dups = []
    for s in shards:
        for p in preds[s.index]:
            k = (p.task, p.item_id)
            if k in seen:
                dups.append(f"{p.task}/{p.item_id} in {seen[k]} and {s.path}")
            seen[k] = s.path
    if dups:
        raise MergeError(f"{len(dups)} item(s) predicted in two shards: {_listing(dups)}")


def _prepare_output(output: Path, shard_paths: set[Path], model_hash: str | None = None) -> None:
    if output.resolve() in shard_paths:
        raise MergeError(f"--output {output} is one of the shards; choose a new directory")
    if (output / RUN_JSON).exists():
        old = load_header(output)
        if "merged_from" not in old:
            raise MergeError(f"{output} already holds a run that is not a merge; choose another --output")
        if model_hash is not None and old.get("model", {}).get("hash") != model_hash:
            raise MergeError(f"{output} holds a merge of another model (fingerprint {old.get('model', {}).get('hash')}, "
                             f"these shards: {model_hash}); choose another --output")
    output.mkdir(parents=True, exist_ok=True)
    # scores and summary described the previous merge; judgments.jsonl is a content-keyed cache and stays
    for derived in (SCORES, SUMMARY):
        (output / derived).unlink(missing_ok=True)


def _write_predictions(path: Path, preds: list[Prediction]) -> None:
    import json

    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for p in preds:
            fh.write(json.dumps(p.to_json(), ensure_ascii=False, allow_nan=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def merge(run_dirs: list[Path], output: Path, check_items: bool = True) -> MergeReport:
    """Combine the N shard runs of one run into `output` (run.json with `merged_from`, predictions.jsonl).

    Refuses, naming the directories, when the shards disagree on model, tasks, data or N, when a shard
    index is given twice or is missing, when an item was predicted in two shards, or (with
    `check_items`) when a shard lacks items of its part of the data.
    """
    if not run_dirs:
        raise MergeError("no shard directories given")
    shards = _read_shards([Path(d) for d in run_dirs])
    _check_same(shards, "shard count N", lambda s: s.count)
    _check_same(shards, "model (fingerprint hash)", lambda s: s.header["model"]["hash"])
    _check_same(shards, "tasks (name: hash)", lambda s: {n: t["hash"] for n, t in sorted(s.header["tasks"].items())})
    _check_same(shards, "data / limit", lambda s: (s.header["config"].get("data"), s.header["config"].get("limit")))
    shards = _check_indices(shards)
    preds = {s.index: _current(s) for s in shards}
    _check_duplicates(shards, preds)
    merged = [p for s in shards for p in preds[s.index]]
    task_order = list(shards[0].header["tasks"])
    if check_items:
        expected = _expected_items(shards[0].header)
        _check_coverage(shards, preds, expected)
        pos = {(t, iid): n for t, ids in expected.items() for n, iid in enumerate(ids)}
        merged.sort(key=lambda p: (task_order.index(p.task), pos[(p.task, p.item_id)]))
    else:
        merged.sort(key=lambda p: (task_order.index(p.task), p.item_id))
    _prepare_output(output, {s.path.resolve() for s in shards}, shards[0].header["model"]["hash"])
    _write_predictions(output / PREDICTIONS, merged)
    n_err = sum(p.status != "ok" for p in merged)
    header = dict(shards[0].header)
    header.update({
        "status": "generated" if n_err == 0 else "generated_with_errors",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "config": {**header["config"], "shard": None},
        "command": command_line(),
        "counts": {"ok": len(merged) - n_err, "error": n_err},
        "merged_from": [{"dir": str(s.path), "shard": [s.index, s.count], "status": s.header.get("status"),
                         "created": s.header.get("created"), "git": s.header.get("git"),
                         "versions": s.header.get("versions"), "command": s.header.get("command")} for s in shards],
    })
    write_json(output / RUN_JSON, header)
    return MergeReport(output, tuple(s.path for s in shards), len(merged), len(merged) - n_err, n_err)
