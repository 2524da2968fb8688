"""predictions.jsonl records and which of them belong to the run as run.json records it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, Mapping

from mella_bench.store.jsonl import read_jsonl

PredStatus = Literal["ok", "error"]


@dataclass(frozen=True)
class Prediction:
    """One model answer for one item of one task, as stored in predictions.jsonl."""

    key: str
    """Content hash: model fingerprint + task hash + item id + item identity + prompt + generation settings."""
    task: str
    task_hash: str
    model_hash: str
    """Hash of the backend fingerprint that produced it."""
    item_id: str
    lang: str
    axis: str
    status: PredStatus
    text: str
    error: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    identity: str | None = None
    """The item's content identity when it was answered (`mella_bench.data.identity.item_identity`), so a
    reader can name the items whose content changed since; None in records written before it was kept."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(rec: Mapping[str, Any]) -> "Prediction":
        return Prediction(**{k: rec.get(k) for k in Prediction.__dataclass_fields__})


def read_predictions(path: Path) -> dict[str, Prediction]:
    """Latest prediction per key of a predictions.jsonl (a retried failure is superseded by its later success)."""
    out: dict[str, Prediction] = {}
    for rec in read_jsonl(path):
        pred = Prediction.from_json(rec)
        if pred.status == "ok" or pred.key not in out or out[pred.key].status != "ok":
            out[pred.key] = pred
    return out


def current_of(preds: Mapping[str, Prediction], model_hash: str,
               task_hashes: Mapping[str, str]) -> dict[str, dict[str, Prediction]]:
    """task → item id → the prediction that belongs to the run: only the recorded task hashes and model
    hash count (a run directory can hold stale answers to an older prompt or model); among those, the
    latest per key, a later success superseding a failure."""
    out: dict[str, dict[str, Prediction]] = {t: {} for t in task_hashes}
    for pred in preds.values():
        if task_hashes.get(pred.task) == pred.task_hash and pred.model_hash == model_hash:
            out[pred.task][pred.item_id] = pred
    return out
