"""Which items of two runs are the same item: comparisons pair by content, never by id alone.

An item id names an item only inside one dataset. Two runs can hold `hu-0001` with different
references (the MELLA authors' Hungarian baseline was scored against Czech references), other
keywords, or answers to another prompt; a paired difference over such "pairs" measures nothing.
Two items are paired only when their id, language, axis, references and keywords and the task's
prompt agree (`mella_bench.data.identity.pairing_key`).

Where the keys come from:
- both runs record the same `data_hash` for the task in run.json (the content identity of every item
  of the task, images included, taken when the run was made) and the same prompt: every common id is
  the same item, and no dataset is loaded;
- otherwise each run's dataset (`store.task_data_source`: imported runs carry theirs) is loaded and
  the keys compared item by item. A dataset that cannot be loaded leaves the pair "not comparable",
  with the reason: nothing can be claimed about items that cannot be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from mella_bench.data.dataset import Dataset, load_or_reason, task_items_of
from mella_bench.data.identity import pairing_key
from mella_bench.store import RUN_JSON, read_versioned, task_data_source


@dataclass(frozen=True)
class TaskRecord:
    """One task of a run as run.json records it (what pairing needs)."""

    run_dir: Path
    task: str
    lang: str
    axis: str
    prompt: str | None
    data: str | None
    """The dataset the task was scored against (`store.task_data_source`)."""
    data_hash: str | None


@dataclass(frozen=True)
class Pairing:
    """The items two runs share on one language and axis."""

    lang: str
    axis: str
    comparable: bool
    """At least one common id is the same item in both runs."""
    differ: frozenset[str] = frozenset()
    """Ids present in both runs whose content differs: not the same item, left out of comparisons."""
    reason: str | None = None
    """Why items are not comparable (None when every common id is the same item)."""
    checked_by: str = "items"
    """'data_hash' (run.json) or 'items' (keys of the loaded datasets)."""


def task_records(run_dir: Path) -> dict[tuple[str, str], TaskRecord]:
    """(lang, axis) → the run's task of that language and axis, from run.json (empty when it lists none)."""
    run_dir = Path(run_dir)
    path = run_dir / RUN_JSON
    header = read_versioned(path, RUN_JSON) if path.is_file() else {}
    out = {}
    for task, info in (header.get("tasks") or {}).items():
        if not isinstance(info, dict) or "lang" not in info or "axis" not in info:
            continue
        out[(info["lang"], info["axis"])] = TaskRecord(
            run_dir, task, info["lang"], info["axis"], info.get("prompt"),
            task_data_source(run_dir, info) if info.get("data") else None, info.get("data_hash"))
    return out


DatasetCache = dict[str, "Dataset | str"]


def _items(rec: TaskRecord, cache: DatasetCache) -> dict[str, Any] | str:
    """id → item of the task, or why they cannot be read."""
    if rec.data is None:
        return f"{rec.run_dir}: run.json names no dataset for {rec.task}"
    ds = load_or_reason(rec.data, cache)
    if isinstance(ds, str):
        return f"{rec.run_dir}: {ds}"
    return {it.id: it for it in task_items_of(rec.lang, rec.axis, ds, None)}


def _why(a: TaskRecord, b: TaskRecord, items_a: Mapping[str, Any], items_b: Mapping[str, Any],
         differ: set[str], common: int) -> str:
    """What differs between the common items, counted per field."""
    parts = []
    if (a.prompt or "") != (b.prompt or ""):
        parts.append("the prompts differ")
    refs = sum(items_a[i].references != items_b[i].references for i in differ)
    kws = sum(items_a[i].keywords != items_b[i].keywords for i in differ)
    if refs:
        parts.append(f"references differ on {refs}")
    if kws:
        parts.append(f"keywords differ on {kws}")
    return f"{common - len(differ)} of {common} common items are the same item ({'; '.join(parts)})"


def pair_tasks(a: TaskRecord, b: TaskRecord, cache: DatasetCache | None = None) -> Pairing:
    """Which common ids of two runs' tasks (same language and axis) are the same item."""
    cache = {} if cache is None else cache
    if a.data_hash and a.data_hash == b.data_hash and (a.prompt or "") == (b.prompt or ""):
        return Pairing(a.lang, a.axis, True, checked_by="data_hash")
    items_a, items_b = _items(a, cache), _items(b, cache)
    for items in (items_a, items_b):
        if isinstance(items, str):
            return Pairing(a.lang, a.axis, False, reason=f"items cannot be checked: {items}")
    assert isinstance(items_a, dict) and isinstance(items_b, dict)
    common = [i for i in items_a if i in items_b]
    if not common:
        return Pairing(a.lang, a.axis, False, reason="no item id in common")
    differ = {i for i in common
              if pairing_key(items_a[i], a.prompt or "") != pairing_key(items_b[i], b.prompt or "")}
    reason = _why(a, b, items_a, items_b, differ, len(common)) if differ else None
    return Pairing(a.lang, a.axis, len(differ) < len(common), frozenset(differ), reason)


def pair_runs(run_a: Path, run_b: Path, cache: DatasetCache | None = None) -> dict[tuple[str, str], Pairing]:
    """(lang, axis) → the pairing of every language and axis both runs have. A language and axis only one
    run's run.json lists is absent; one neither run.json describes (no task list) says so."""
    cache = {} if cache is None else cache
    ta, tb = task_records(Path(run_a)), task_records(Path(run_b))
    return {key: pair_tasks(ta[key], tb[key], cache) for key in ta if key in tb}


def unknown(lang: str, axis: str, run_a: Path, run_b: Path) -> Pairing:
    """The pairing of a language and axis that a run.json does not describe: nothing can be checked."""
    return Pairing(lang, axis, False,
                   reason=f"items cannot be checked: the run.json of {run_a} or {run_b} does not list this task")


__all__ = ["Pairing", "TaskRecord", "pair_runs", "pair_tasks", "task_records", "unknown"]
