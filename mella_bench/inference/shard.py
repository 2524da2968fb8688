"""Sharding a run over processes or machines, and merging the shards back into one run.

The split is a stable hash of (task name, item id) modulo the shard count: it needs no
coordination, is the same on every machine and Python version, and an item's shard does not move
when other items are added. Each shard is an ordinary, resumable run directory whose run.json
records `config.shard = [I, N]`; `merge` checks that the shards belong together and cover the
data exactly once before it writes the merged run.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mella_bench.data.dataset import Dataset, load, task_items_of
from mella_bench.store import (FINISHED_STATUSES, SCORES, SUMMARY, Prediction, RunDir, RunHeader, accept_or_refuse,
                               new_header, task_change)

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
    header: RunHeader
    index: int
    count: int


def _read_shards(run_dirs: list[Path]) -> list[_Shard]:
    shards = []
    for d in run_dirs:
        header = RunDir(d).header()
        shard = header.config.get("shard")
        if not shard:
            raise MergeError(f"{d} is not a shard (its run.json has no config.shard); "
                             "only runs made with --shard I/N can be merged")
        if header.status not in FINISHED_STATUSES:
            raise MergeError(f"{d} did not finish (run.json status '{header.status}'); "
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
    return [p for preds in RunDir(shard.path).current_predictions(shard.header).values() for p in preds.values()]


def _datasets(header: RunHeader) -> dict[str, Dataset]:
    """task → its dataset as run.json names it (absolute, so merge works from any folder)."""
    cache: dict[str, Dataset] = {}
    out = {}
    for name, t in header.tasks.items():
        if t.data not in cache:
            try:
                cache[t.data] = load(t.data)
            except FileNotFoundError as exc:
                raise MergeError(f"cannot check item coverage: dataset {t.data} not found ({exc}); run merge where "
                                 "the data is, or pass --no-item-check") from None
        out[name] = cache[t.data]
    return out


def _expected_items(header: RunHeader, datasets: dict[str, Dataset]) -> dict[str, list[str]]:
    """Item ids per task of the unsharded run, in dataset order."""
    return {name: [it.id for it in task_items_of(t.lang, t.axis, datasets[name], header.config.get("limit"))]
            for name, t in header.tasks.items()}


def _check_data(shards: list[_Shard], preds: dict[int, list[Prediction]], datasets: dict[str, Dataset],
                reidentify: bool) -> RunHeader:
    """The merged header's tasks as they stand against the data now: refuse (or re-identify) when an
    item any shard answered changed since it was generated."""
    header = shards[0].header
    changes = []
    for name, t in header.tasks.items():
        ds = datasets[name]
        answered = {p.item_id: p for s in shards for p in preds[s.index] if p.task == name}
        recorded = {s.header.tasks[name].data_hash for s in shards} - {None}
        for content in sorted(recorded):
            change = task_change(name, content, ds, task_items_of(t.lang, t.axis, ds, None), answered)
            if change is not None:
                changes.append(change)
                break
    return accept_or_refuse(header, changes, reidentify, "merge", "merge") or header


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


def _prepare_output(output: RunDir, shard_paths: set[Path], model_hash: str) -> None:
    if output.path.resolve() in shard_paths:
        raise MergeError(f"--output {output.path} is one of the shards; choose a new directory")
    if output.exists():
        old = output.header()
        if old.merged_from is None:
            raise MergeError(f"{output.path} already holds a run that is not a merge; choose another --output")
        if old.model_hash != model_hash:
            raise MergeError(f"{output.path} holds a merge of another model (fingerprint {old.model_hash}, "
                             f"these shards: {model_hash}); choose another --output")
    # scores and summary described the previous merge; judgments.jsonl is a content-keyed cache and stays
    output.remove(SCORES, SUMMARY)


def merge(run_dirs: list[Path], output: Path, check_items: bool = True, reidentify: bool = False) -> MergeReport:
    """Combine the N shard runs of one run into `output` (run.json with `merged_from`, predictions.jsonl).

    Refuses, naming the directories, when the shards disagree on model, tasks, data (path or content
    identity) or N, when a shard index is given twice or is missing, when an item was predicted in
    two shards, or (with `check_items`) when a shard lacks items of its part of the data or the data
    changed since the shards were generated (`reidentify` accepts it as it is now instead).
    """
    if not run_dirs:
        raise MergeError("no shard directories given")
    shards = _read_shards([Path(d) for d in run_dirs])
    _check_same(shards, "shard count N", lambda s: s.count)
    _check_same(shards, "model (fingerprint hash)", lambda s: s.header.model_hash)
    _check_same(shards, "tasks (name: hash)", lambda s: {n: t.hash for n, t in sorted(s.header.tasks.items())})
    _check_same(shards, "data / limit", lambda s: ({n: t.data for n, t in sorted(s.header.tasks.items())},
                                                   s.header.config.get("limit")))
    if not (check_items and reidentify):  # re-identifying accepts shards of different data content, checked below
        _check_same(shards, "data content (generated before and after an edit of the data?)",
                    lambda s: {n: t.data_hash for n, t in sorted(s.header.tasks.items())})
    elif reidentify and not check_items:
        raise MergeError("--reidentify needs the data (it records the data as it is now); drop --no-item-check")
    shards = _check_indices(shards)
    preds = {s.index: _current(s) for s in shards}
    _check_duplicates(shards, preds)
    merged = [p for s in shards for p in preds[s.index]]
    base = shards[0].header
    task_order = list(base.tasks)
    if check_items:
        datasets = _datasets(base)
        base = _check_data(shards, preds, datasets, reidentify)
        expected = _expected_items(base, datasets)
        _check_coverage(shards, preds, expected)
        pos = {(t, iid): n for t, ids in expected.items() for n, iid in enumerate(ids)}
        merged.sort(key=lambda p: (task_order.index(p.task), pos[(p.task, p.item_id)]))
    else:
        merged.sort(key=lambda p: (task_order.index(p.task), p.item_id))
    out = RunDir(output)
    with out.session():
        _prepare_output(out, {s.path.resolve() for s in shards}, base.model_hash)
        out.replace_predictions(merged)
        n_err = sum(p.status != "ok" for p in merged)
        out.write_header(_merged_header(base, shards, len(merged), n_err))
    return MergeReport(output, tuple(s.path for s in shards), len(merged), len(merged) - n_err, n_err)


def _merged_header(base: RunHeader, shards: list[_Shard], n: int, n_err: int) -> RunHeader:
    new = new_header(status="generated" if n_err == 0 else "generated_with_errors",
                     config={**base.config, "shard": None}, fingerprint=base.model_fingerprint, tasks=base.tasks,
                     seed=base.seed, counts={"ok": n - n_err, "error": n_err},
                     merged_from=tuple({"dir": str(s.path.resolve()), "shard": [s.index, s.count],
                                        "status": s.header.status, "created": s.header.created, "git": s.header.git,
                                        "versions": dict(s.header.versions), "command": list(s.header.command)}
                                       for s in shards))
    return replace(new, judge=base.judge, reidentified=base.reidentified, batch_fallbacks=_merged_fallbacks(shards))


def _merged_fallbacks(shards: list[_Shard]) -> dict[str, Any] | None:
    """The shards' batch fallbacks added up (first reason: the lowest shard's), so a merged run that fell
    back to one-by-one says so like an unsharded one; None when no shard fell back."""
    found = [s.header.batch_fallbacks for s in sorted(shards, key=lambda s: s.index) if s.header.batch_fallbacks]
    if not found:
        return None
    return {"batches": sum(int(f.get("batches", 0)) for f in found), "items": sum(int(f.get("items", 0)) for f in found),
            "first_reason": next((f["first_reason"] for f in found if f.get("first_reason")), None)}
