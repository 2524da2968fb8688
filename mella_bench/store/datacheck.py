"""Reading checks the data identity: answers are only scored, judged or merged against the items
they were generated for.

`run` records per task the content identity of its data (`data_hash`, over every item's id,
language, axis, image bytes, references, keywords and thin text) and per prediction the identity of
the item it answers. `score`, `judge` and `merge` recompute the identity of the data as it is now;
when a task's differs they refuse, naming the items whose content changed, because scoring old
answers against edited references (or a changed image) gives numbers that belong to neither. With
`--reidentify` they accept the data as it is now instead and record that in run.json
(`reidentified`: task, identity before and after, when, the items that changed), so the run says
its scores rest on edited data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping, Sequence

from mella_bench.store.header import RunHeader, now_utc
from mella_bench.store.jsonl import StoreError
from mella_bench.store.records import Prediction

if TYPE_CHECKING:
    from mella_bench.data.dataset import Dataset, Item

REIDENTIFY_FLAG = "--reidentify"
"""The one flag name (score, judge, merge) that accepts changed data instead of refusing it."""
_SHOWN = 5


@dataclass(frozen=True)
class DataChange:
    """One task whose data no longer has the identity recorded at generation."""

    task: str
    recorded: str
    current: str
    changed: tuple[str, ...]
    """Answered items whose content (image bytes, references, keywords, thin text) differs."""
    gone: tuple[str, ...]
    """Answered items no longer in the data."""
    unknown: int
    """Answered items recorded without a per-item identity (older runs): whether they changed is unknown."""

    def describe(self) -> str:
        parts = []
        if self.changed:
            parts.append(f"{len(self.changed)} answered item(s) changed: {_listing(self.changed)}")
        if self.gone:
            parts.append(f"{len(self.gone)} answered item(s) are no longer in the data: {_listing(self.gone)}")
        if not parts:
            parts.append("items were added or changed" + (f" ({self.unknown} answers predate per-item identities, "
                                                          "so which ones is not known)" if self.unknown else
                                                          " that this run did not answer"))
        return f"task {self.task}: content {self.recorded} → {self.current}; " + "; ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {"task": self.task, "from": self.recorded, "to": self.current, "when": now_utc(),
                "changed": list(self.changed), "gone": list(self.gone)}


class DataChanged(StoreError):
    """Items changed since generation; the message names them and both ways out."""

    def __init__(self, where: str, changes: Sequence[DataChange], command: str):
        self.changes = tuple(changes)
        lines = "\n".join(f"  {c.describe()}" for c in changes)
        super().__init__(
            f"{where}: the data changed since these answers were generated; {command} would score old answers "
            f"against new items:\n{lines}\nRegenerate them (`mella-bench run` with the same settings into another "
            f"--output), or pass {REIDENTIFY_FLAG} to accept the data as it is now (recorded in run.json).")


def _listing(ids: Sequence[str]) -> str:
    return ", ".join(ids[:_SHOWN]) + (f" ... and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


def task_change(task: str, recorded: str | None, dataset: "Dataset", items: Sequence["Item"],
                preds: Mapping[str, Prediction]) -> DataChange | None:
    """How the task's data differs from what was recorded at generation; None when it does not (or
    when nothing was recorded: headers from before data hashes cannot be checked)."""
    from mella_bench.data.identity import data_hash, task_identities

    if not recorded:
        return None
    identities = task_identities(dataset, items)
    current = data_hash(identities)
    if current == recorded:
        return None
    changed = tuple(sorted(p.item_id for p in preds.values()
                           if p.identity and p.item_id in identities and identities[p.item_id] != p.identity))
    gone = tuple(sorted(p.item_id for p in preds.values() if p.item_id not in identities))
    unknown = sum(1 for p in preds.values() if not p.identity)
    return DataChange(task, recorded, current, changed, gone, unknown)


def accept_or_refuse(header: RunHeader, changes: Sequence[DataChange], reidentify: bool, where: str,
                     command: str) -> RunHeader | None:
    """None when nothing changed; the re-identified header (to be written) with `reidentify`;
    else DataChanged."""
    if not changes:
        return None
    if not reidentify:
        raise DataChanged(where, changes, command)
    tasks = dict(header.tasks)
    for c in changes:
        tasks[c.task] = replace(tasks[c.task], data_hash=c.current)
    return replace(header, tasks=tasks, reidentified=(*(header.reidentified or ()), *(c.to_json() for c in changes)))
