"""Task functions for the MELLA tasks inside lmms-eval (copied as `utils.py` by `mella-bench export lmms-eval`).

lmms-eval calls these through the `!function utils.<name>` entries of the exported task YAMLs.
Scores come from mella-bench's own metrics (per-language tokenisation, language-aware METEOR,
tolerant keyword matching), so lmms-eval reports the same numbers `mella-bench score` would for
the same answers, instead of its English-only COCO caption scorers. This file needs mella-bench
installed in the lmms-eval environment (`pip install mella-bench`); it imports nothing from
lmms-eval.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any, Sequence

DATA_DIR = Path(__file__).resolve().parent / "data"
"""The exported docs (`<task>.jsonl`), images and `tasks.json`, beside this file."""

log = logging.getLogger("mella_bench.lmms_eval")


@functools.lru_cache(maxsize=None)
def _tasks() -> dict[str, Any]:
    return json.loads((DATA_DIR / "tasks.json").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _all_references(task: str) -> tuple[tuple[str, ...], ...]:
    """Every reference set of the task, for CIDEr-D's document frequencies (as `mella-bench score`)."""
    lines = (DATA_DIR / f"{task}.jsonl").read_text(encoding="utf-8").splitlines()
    return tuple(tuple(json.loads(line)["references"]) for line in lines if line.strip())


def mella_doc_to_visual(doc: dict[str, Any]) -> list[Any]:
    from PIL import Image

    path = (DATA_DIR / doc["image"]).resolve()
    if not path.is_relative_to(DATA_DIR):
        raise ValueError(f"image path {doc['image']!r} leaves the exported data folder")
    with Image.open(path) as im:
        return [im.convert("RGB")]


def mella_doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: dict[str, Any] | None = None) -> str:
    """The task's frozen prompt; model-specific pre/post prompts are deliberately not applied."""
    return doc["prompt"]


def mella_doc_to_target(doc: dict[str, Any]) -> list[str]:
    return list(doc["references"])


def mella_process_results(doc: dict[str, Any], results: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The same per-item payload under every metric of the task; the aggregations score the corpus."""
    payload = {"task": doc["task"], "index": doc["index"], "id": doc["id"], "lang": doc["lang"],
               "axis": doc["axis"], "pred": results[0] if results else "",
               "references": list(doc["references"]), "keywords": list(doc.get("keywords") or [])}
    return {metric: payload for metric in _tasks()[doc["task"]]["metrics"]}


def aggregate(metric: str, payloads: Sequence[dict[str, Any]]) -> float:
    """Corpus value of one metric over the items lmms-eval ran (0-100, as `mella-bench score`)."""
    from mella_bench.metrics.base import Corpus
    from mella_bench.metrics.registry import score_corpus

    rows = sorted(payloads, key=lambda p: p["index"])  # dataset order, as mella-bench scores
    if not rows:
        return float("nan")
    task = rows[0]["task"]
    corpus = Corpus(lang=rows[0]["lang"], hyps=tuple(p["pred"] for p in rows),
                    refs=tuple(tuple(p["references"]) for p in rows),
                    keywords=tuple(tuple(p["keywords"]) for p in rows) if rows[0]["axis"] == "know" else None,
                    df_refs=_all_references(task))
    result = score_corpus(corpus, [metric])[metric]
    log.info("%s %s = %.4f (%s)", task, metric, result.value, result.signature)
    return result.value


def function_name(metric: str) -> str:
    """`mella_agg_<metric>` with characters Python names cannot hold spelled out (chrf++ -> chrf_pp)."""
    return "mella_agg_" + metric.replace("++", "_pp").replace("-", "_")


def _define_aggregations() -> None:
    from mella_bench.metrics import METRICS

    for metric in METRICS:
        fn = functools.partial(aggregate, metric)
        globals()[function_name(metric)] = functools.update_wrapper(fn, aggregate)


_define_aggregations()
