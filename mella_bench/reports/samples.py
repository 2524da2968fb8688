"""One item of a run, joined from the run directory's files: for the per-sample viewer and `show`.

A run directory keeps what the model was asked (run.json), what it said (predictions.jsonl), how it
scored (scores.jsonl) and what the judge said (judgments.jsonl) in separate files, and the item
(image, references, keywords) in its dataset. This module joins them per (task, item id), read-only.
A dataset that cannot be loaded any more (moved, deleted) does not stop the join: its samples come
without item data and say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from mella_bench.data.dataset import Dataset, Item, load_or_reason
from mella_bench.reports.keyword_hits import KeywordHit, keyword_hits, prefetch_hits
from mella_bench.store import (JUDGE_HEADER_KEY, JUDGMENTS, SCORES, current_predictions, load_header, read_jsonl,
                                 task_data_source)



@dataclass(frozen=True)
class MetricValue:
    """One scores.jsonl row of an item."""

    metric: str
    status: str
    value: float | None
    reason: str | None = None


@dataclass(frozen=True)
class Judgment:
    """The judge's verdict on one answer under one rubric (the current judge settings of the run)."""

    rubric: str
    status: str
    score: int | None
    raw_score: int | None = None
    cap_reason: str | None = None
    evidence: str | None = None
    """The judge's rationale."""
    fields: Mapping[str, Any] = field(default_factory=dict)
    """The whole parsed answer (entities, unsupported claims, errors, ... depending on the rubric)."""
    reason: str | None = None
    """Why the judgment failed, when it did."""


@dataclass(frozen=True)
class Answer:
    """One run's answer to one item, with everything measured about it."""

    status: str
    """'ok', 'error' (the backend failed) or 'missing' (the run has no prediction for the item)."""
    text: str = ""
    error: str | None = None
    scores: tuple[MetricValue, ...] = ()
    judgments: tuple[Judgment, ...] = ()
    keywords: tuple[KeywordHit, ...] = ()
    prediction_key: str | None = None
    """The prediction's key in predictions.jsonl (None when the run has no prediction)."""

    def score(self, metric: str) -> MetricValue | None:
        return next((s for s in self.scores if s.metric == metric), None)


@dataclass(frozen=True)
class Sample:
    """One item of one task in one run."""

    task: str
    item_id: str
    lang: str
    axis: str
    prompt: str
    answer: Answer
    item: Item | None
    """None when the dataset could not be loaded or no longer holds the item (see `item_problem`)."""
    item_problem: str | None = None
    image: bytes | None = field(default=None, repr=False)
    """The encoded image; None for items without one (or when it cannot be read: `image_problem`)."""
    image_problem: str | None = None


@dataclass(frozen=True)
class RunSamples:
    run_dir: Path
    header: Mapping[str, Any]
    samples: tuple[Sample, ...]

    def find(self, item_id: str) -> list[Sample]:
        return [s for s in self.samples if s.item_id == item_id]


def _scores_by_item(run_dir: Path) -> dict[tuple[str, str], list[MetricValue]]:
    out: dict[tuple[str, str], list[MetricValue]] = {}
    for rec in read_jsonl(run_dir / SCORES):
        out.setdefault((rec["task"], rec["item_id"]), []).append(
            MetricValue(rec["metric"], rec["status"], rec.get("value"), rec.get("reason")))
    return out


def _judgments_by_prediction(run_dir: Path, header: Mapping[str, Any]) -> dict[str, list[Judgment]]:
    """prediction key → its judgments under the run's current judge settings (an ok one wins over failures)."""
    judge = header.get(JUDGE_HEADER_KEY)
    if not judge:
        return {}
    hashes = {r: v.get("hash") for r, v in (judge.get("rubrics") or {}).items()}
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in read_jsonl(run_dir / JUDGMENTS):
        if (rec.get("kind") != "pointwise" or rec.get("judge_model") != judge.get("model")
                or rec.get("rubric_hash") != hashes.get(rec.get("rubric"))
                or rec.get("parser_version") != judge.get("parser_version", rec.get("parser_version"))
                or rec.get("images") != judge.get("images")):
            continue
        k = (rec["prediction_key"], rec["rubric"])
        if rec.get("status") == "ok" or k not in latest or latest[k].get("status") != "ok":
            latest[k] = rec
    out: dict[str, list[Judgment]] = {}
    for (key, rubric), rec in sorted(latest.items()):
        out.setdefault(key, []).append(Judgment(
            rubric, rec.get("status", "?"), rec.get("score"), rec.get("raw_score"), rec.get("cap_reason"),
            rec.get("evidence"), dict(rec.get("fields") or {}), rec.get("reason")))
    return out


def item_image(ds: Dataset, item: Item) -> tuple[bytes | None, str | None]:
    """(bytes, None), or (None, why): items may come without an image (reference-only imports)."""
    if item.image_bytes is None and not getattr(item, "image", None):
        return None, "the item has no image"
    try:
        return ds.image_bytes(item), None
    except OSError as exc:
        return None, f"image not readable: {exc}"


def iter_samples(run_dir: Path, datasets: dict[str, Dataset | str] | None = None,
                 with_images: bool = True, item_id: str | None = None, task: str | None = None) -> Iterator[Sample]:
    """Every item of every task of the run, in dataset order, answered or not; only those with
    `item_id` (and in `task`) when given, so `show` computes the keyword hits of one item, not all."""
    run_dir = Path(run_dir)
    header = load_header(run_dir)
    preds = current_predictions(run_dir, header)
    scores = _scores_by_item(run_dir)
    judged = _judgments_by_prediction(run_dir, header)
    cache = datasets if datasets is not None else {}
    for name, info in header["tasks"].items():
        if task is not None and name != task:
            continue
        yield from _task_samples(header, name, info, load_or_reason(task_data_source(run_dir, info), cache),
                                 preds.get(name, {}), scores, judged, with_images, item_id)


def _task_samples(header: Mapping[str, Any], task: str, info: Mapping[str, Any], ds: Dataset | str,
                  preds: Mapping[str, Any], scores: Mapping[tuple[str, str], list[MetricValue]],
                  judged: Mapping[str, list[Judgment]], with_images: bool, only: str | None) -> Iterator[Sample]:
    """The samples of one task (imported runs carry their data: `ds` comes from `task_data_source`)."""
    items = ([it for it in ds.items if it.lang == info["lang"] and it.axis == info["axis"]]
             if isinstance(ds, Dataset) else [])
    by_id = {it.id: it for it in items}
    ids = list(by_id) + sorted(i for i in preds if i not in by_id)
    keywords = [k for it in items for k in (it.keywords or ())]
    if keywords:  # only `know` items have keywords: the other tasks' answers need no hits
        prefetch_hits(info["lang"], [p.text for p in preds.values() if p.text and p.status == "ok"], keywords)
    for item_id in ids if only is None else [i for i in ids if i == only]:
        it = by_id.get(item_id)
        p = preds.get(item_id)
        if p is None:
            if header.get("config", {}).get("limit") is not None:
                continue  # a --limit run answered only some items: the rest are not part of it
            answer = Answer("missing")
        else:
            hits = keyword_hits(info["lang"], it.keywords, p.text or "") if it and it.keywords and p.status == "ok" else ()
            answer = Answer(p.status, p.text or "", p.error, tuple(scores.get((task, item_id), ())),
                            tuple(judged.get(p.key, ())), hits, p.key)
        problem = None if it else (ds if isinstance(ds, str) else f"item {item_id} is not in dataset {info['data']}")
        image, image_problem = (item_image(ds, it) if with_images and it and isinstance(ds, Dataset)
                                else (None, None))
        yield Sample(task, item_id, info["lang"], info["axis"], str(info.get("prompt", "")), answer, it,
                     problem, image, image_problem)


def load_samples(run_dir: Path, with_images: bool = True) -> RunSamples:
    run_dir = Path(run_dir)
    return RunSamples(run_dir, load_header(run_dir), tuple(iter_samples(run_dir, with_images=with_images)))
