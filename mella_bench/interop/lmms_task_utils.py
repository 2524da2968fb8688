"""Task functions for the MELLA tasks inside lmms-eval (copied as `utils.py` by `mella-bench export lmms-eval`).

lmms-eval calls these through the `!function utils.<name>` entries of the exported task YAMLs.
Scores come from mella-bench's own metrics (per-language tokenisation, language-aware METEOR,
tolerant keyword matching), so lmms-eval reports the same numbers `mella-bench score` would for
the same answers, instead of its English-only COCO caption scorers. This file needs mella-bench
installed in the lmms-eval environment (see docs/interop.md: from a checkout, a wheel or the
repository; the name is not on PyPI); it imports nothing from lmms-eval.

Failed requests count as failures, as in `mella-bench run`: lmms-eval's API models answer a request
that failed after all retries with a text starting `[LMMS_EVAL_REQUEST_FAILED` (0.7.x:
`[LMMS_EVAL_REQUEST_FAILED after N retries] <error>`). Such a doc is left out of every metric and
counted in the task's `failure_rate` row, so both tools give the same numbers.

The samples log holds each doc's payload once: under the task's first metric (`CARRIER`); the other
metrics hold a pointer (task, index) that the aggregations resolve through the carrier's payloads.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from pathlib import Path
from typing import Any, Sequence

DATA_DIR = Path(__file__).resolve().parent / "data"
"""The exported docs (`<task>.jsonl`), images and `tasks.json`, beside this file."""

FAILED_PREFIX = "[LMMS_EVAL_REQUEST_FAILED"
"""How lmms-eval 0.7.x marks a request that failed after all retries (its openai, async_openai and
gemini models return this text in place of an answer)."""

FAILURE_RATE = "failure_rate"
"""The extra metric row of every task: share of its docs whose request failed (0-1, as summary.json)."""

log = logging.getLogger("mella_bench.lmms_eval")

PAYLOADS: dict[tuple[str, int], dict[str, Any]] = {}
"""(task, index) -> the doc's payload, for the pointer entries (filled by process_results and by the
carrier's aggregation, which lmms-eval runs first: it aggregates in the order process_results returned).
Only the installed module's dict is used (`_shared`)."""
LOCK = threading.Lock()


def _shared() -> tuple[dict[tuple[str, int], dict[str, Any]], Any]:
    """The payload registry of the installed `mella_bench.interop.lmms_task_utils`. lmms-eval executes utils.py
    anew for every `!function` it resolves, so this copy's own globals are not shared between
    process_results and the aggregations; the installed package is imported once."""
    from mella_bench.interop import lmms_task_utils as installed

    return installed.PAYLOADS, installed.LOCK


@functools.lru_cache(maxsize=None)
def _tasks() -> dict[str, Any]:
    return json.loads((DATA_DIR / "tasks.json").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _docs(task: str) -> tuple[dict[str, Any], ...]:
    """The task's exported docs in order (references, keywords, language, axis of each index)."""
    lines = (DATA_DIR / f"{task}.jsonl").read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


def _all_references(task: str) -> tuple[tuple[str, ...], ...]:
    """Every reference set of the task, for CIDEr-D's document frequencies (as `mella-bench score`)."""
    return tuple(tuple(d["references"]) for d in _docs(task))


def mella_doc_to_visual(doc: dict[str, Any]) -> list[Any]:
    from mella_bench.data.images import decode_rgb

    path = (DATA_DIR / doc["image"]).resolve()
    if not path.is_relative_to(DATA_DIR):
        raise ValueError(f"image path {doc['image']!r} leaves the exported data folder")
    return [decode_rgb(path.read_bytes())]  # as `mella-bench run` decodes it (16-bit PNGs rescaled, not clipped)


def mella_doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: dict[str, Any] | None = None) -> str:
    """The task's frozen prompt; model-specific pre/post prompts are deliberately not applied."""
    return doc["prompt"]


def mella_doc_to_target(doc: dict[str, Any]) -> list[str]:
    return list(doc["references"])


def failed_request(answer: Any) -> bool:
    """True when lmms-eval recorded a failed request instead of an answer (or no answer at all)."""
    return not isinstance(answer, str) or answer.lstrip().startswith(FAILED_PREFIX)


def mella_process_results(doc: dict[str, Any], results: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """The doc's payload under the carrier metric, a pointer to it under every other metric."""
    answer = results[0] if results else None
    failed = failed_request(answer)
    payload = {"task": doc["task"], "index": doc["index"], "id": doc["id"], "lang": doc["lang"],
               "axis": doc["axis"], "status": "error" if failed else "ok", "pred": "" if failed else answer}
    if failed:
        payload["error"] = answer if isinstance(answer, str) else "no response recorded"
    payloads, lock = _shared()
    with lock:
        payloads[(doc["task"], doc["index"])] = payload
    metrics = [*_tasks()[doc["task"]]["metrics"], FAILURE_RATE]
    pointer = {"task": doc["task"], "index": doc["index"]}
    return {metric: payload if i == 0 else pointer for i, metric in enumerate(metrics)}


def _resolve(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The payloads of one metric's entries (pointers resolved), in dataset order."""
    payloads, lock = _shared()
    with lock:
        for e in entries:
            if "status" in e:  # the carrier's own list: the authoritative payloads (also those of other ranks)
                payloads[(e["task"], e["index"])] = e
        try:
            rows = [e if "status" in e else payloads[(e["task"], e["index"])] for e in entries]
        except KeyError as exc:
            raise RuntimeError(f"mella-bench: no payload for doc {exc.args[0]}; the task's first metric carries "
                               "the payloads and must be aggregated first (regenerate the task folder with "
                               "`mella-bench export lmms-eval`)") from None
    return sorted(rows, key=lambda p: p["index"])  # dataset order, as mella-bench scores


def aggregate(metric: str, entries: Sequence[dict[str, Any]]) -> float:
    """Corpus value of one metric over the docs whose request succeeded (0-100, as `mella-bench score`);
    NaN when none did. Failed docs are excluded and counted, never scored as text."""
    from mella_bench.metrics.base import Corpus
    from mella_bench.metrics.registry import score_corpus

    rows = _resolve(entries)
    if not rows:
        return float("nan")
    task = rows[0]["task"]
    ok = [p for p in rows if p["status"] == "ok"]
    failed = len(rows) - len(ok)
    if not ok:
        return float("nan")
    docs = _docs(task)
    corpus = Corpus(lang=rows[0]["lang"], hyps=tuple(p["pred"] for p in ok),
                    refs=tuple(tuple(docs[p["index"]]["references"]) for p in ok),
                    keywords=(tuple(tuple(docs[p["index"]]["keywords"]) for p in ok)
                              if rows[0]["axis"] == "know" else None),
                    df_refs=_all_references(task))
    result = score_corpus(corpus, [metric])[metric]
    log.info("%s %s = %.4f over %d docs, %d failed (%s)", task, metric, result.value, len(ok), failed, result.signature)
    return result.value


def mella_agg_failure_rate(entries: Sequence[dict[str, Any]]) -> float:
    """Share of the task's docs whose request failed (0-1; mella-bench's summary.json `failure_rate`)."""
    rows = _resolve(entries)
    if not rows:
        return float("nan")
    failed = sum(p["status"] != "ok" for p in rows)
    if failed:
        log.warning("%s: %d of %d requests failed (%.1f%%); they are left out of every metric, as mella-bench "
                    "does (first error: %s)", rows[0]["task"], failed, len(rows), 100 * failed / len(rows),
                    next(p["error"] for p in rows if p["status"] != "ok")[:200])
    return failed / len(rows)


def function_name(metric: str) -> str:
    """`mella_agg_<metric>` with characters Python names cannot hold spelled out (chrf++ -> chrf_pp)."""
    return "mella_agg_" + metric.replace("++", "_pp").replace("-", "_")


def _define_aggregations() -> None:
    from mella_bench.metrics import METRICS

    for metric in METRICS:
        fn = functools.partial(aggregate, metric)
        globals()[function_name(metric)] = functools.update_wrapper(fn, aggregate)


_define_aggregations()
