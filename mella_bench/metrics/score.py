"""`mella-bench score RUN_DIR`: predictions → scores.jsonl (per item, per metric) + summary.json (per task).

Only predictions that belong to the run as recorded in run.json are scored: same task hash (a run
directory can hold stale answers to an older prompt) and same model hash, latest per key. Items
whose prediction failed give `status: "failed"` rows (excluded from values, counted in the failure
rate); an empty answer is a real answer and scores 0. References and keywords come from the dataset
each task used (run.json `tasks[t]["data"]`); when that data no longer has the content identity
recorded at generation, scoring refuses (`mella_bench.store.datacheck`), or with `reidentify`
accepts the data as it is now and records that in run.json.

Row sources are pluggable: the automatic metrics are one `RowSource`; callers pass more (the CLI
passes the judge's `judge:<rubric>` rows, so this layer never imports the judge), and every source's
rows go through the same summary code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence

import numpy as np

from mella_bench.data.dataset import Dataset, Item, load
from mella_bench.data.limits import Limits
from mella_bench.metrics.base import Corpus, MetricResult, ScoringSession
from mella_bench.metrics.meteor import MeteorPool, MeteorUnavailable
from mella_bench.metrics.registry import REGISTRY, get_metric, score_corpus
from mella_bench.metrics.reuse import (CACHE_FILE, Plan, ScoreCache, combine, item_digest, load_cache, plan,
                                       save_cache, task_keys)
from mella_bench.stats import RESAMPLES, bootstrap_ci, entry_with_ci
from mella_bench.store import (FORMAT_VERSION, Prediction, RunDir, accept_or_refuse, current_predictions, load_header,
                               task_change, task_data_source)

RowStatus = Literal["ok", "failed"]


@dataclass(frozen=True)
class ScoreRow:
    """One line of scores.jsonl: one metric's value and sufficient statistics for one item."""

    task: str
    item_id: str
    lang: str
    axis: str
    metric: str
    status: RowStatus
    value: float | None
    """0–100 for automatic metrics; None when failed."""
    stats: tuple[float, ...] | None
    reason: str | None = None
    """Why it failed; for ok fidelity rows, the detector's verdict."""

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "item_id": self.item_id, "lang": self.lang, "axis": self.axis,
                "metric": self.metric, "status": self.status, "value": self.value,
                "stats": list(self.stats) if self.stats is not None else None, "reason": self.reason}


@dataclass(frozen=True)
class MetricRows:
    """All rows of one metric for one task, with what the summary needs to describe them."""

    task: str
    metric: str
    rows: tuple[ScoreRow, ...]
    signature_fields: Mapping[str, Any]
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskData:
    """One task of the run as the scorers see it."""

    name: str
    lang: str
    axis: str
    metrics: tuple[str, ...]
    rubrics: tuple[str, ...]
    items: tuple[Item, ...]
    """Every item of the task in its dataset (CIDEr-D document frequencies use all of them)."""
    predictions: Mapping[str, Prediction]
    """item id → the prediction scored for it (only items this run answered, ok or failed)."""
    dataset: Dataset | None = field(default=None, compare=False, repr=False)
    """The dataset the items come from (to check their content identity)."""


@dataclass(frozen=True)
class ScoringContext:
    run_dir: Path
    header: Mapping[str, Any]
    tasks: tuple[TaskData, ...]


RowSource = Callable[[ScoringContext], Iterable[MetricRows]]
"""Anything that turns the run into rows, e.g. the judge's `judge:<rubric>` dimensions."""


# ---------------------------------------------------------------- reading the run

def load_context(run_dir: Path) -> ScoringContext:
    header = load_header(run_dir)
    preds = current_predictions(run_dir, header)
    limits = Limits.from_json(header.get("config", {}).get("limits"))
    loaded: dict[str, Dataset] = {}
    tasks = []
    for name, info in header["tasks"].items():
        src = task_data_source(run_dir, info)
        if src not in loaded:
            loaded[src] = load(src, limits)
        items = tuple(it for it in loaded[src].items if it.lang == info["lang"] and it.axis == info["axis"])
        tasks.append(TaskData(name=name, lang=info["lang"], axis=info["axis"], metrics=tuple(info["metrics"]),
                              rubrics=tuple(info.get("rubrics", ())), items=items, predictions=preds[name],
                              dataset=loaded[src]))
    return ScoringContext(run_dir, header, tuple(tasks))


# ---------------------------------------------------------------- automatic metrics as a row source

def _failed_rows(task: TaskData, metric: str, preds: Sequence[Prediction], reason: str | None = None) -> list[ScoreRow]:
    return [ScoreRow(task.name, p.item_id, p.lang, p.axis, metric, "failed", None, None,
                     reason or f"prediction failed: {p.error or 'no error message'}") for p in preds]


def _metric_rows(task: TaskData, result: MetricResult, ok: Sequence[Prediction],
                 failed: Sequence[Prediction]) -> MetricRows:
    notes = result.notes or (None,) * len(ok)
    rows = [ScoreRow(task.name, p.item_id, p.lang, p.axis, result.metric, "ok", v, s, note)
            for p, v, s, note in zip(ok, result.values, result.stats, notes)]
    rows += _failed_rows(task, result.metric, failed)
    return MetricRows(task.name, result.metric, tuple(rows), dict(result.signature_fields), dict(result.details))


@dataclass(frozen=True)
class _TaskParts:
    """A task's scorable answers in dataset order and the corpus built from them."""

    by_id: Mapping[str, Item]
    ok: tuple[Prediction, ...]
    failed: tuple[Prediction, ...]
    corpus: Corpus


def _task_parts(task: TaskData) -> _TaskParts:
    by_id = {it.id: it for it in task.items}
    known = [p for p in task.predictions.values() if p.item_id in by_id and not by_id[p.item_id].over_limit]
    order = {it.id: i for i, it in enumerate(task.items)}
    ok = tuple(sorted((p for p in known if p.status == "ok"), key=lambda p: order[p.item_id]))
    failed = tuple(sorted((p for p in known if p.status != "ok"), key=lambda p: order[p.item_id]))
    corpus = Corpus(
        lang=task.lang, hyps=tuple(p.text or "" for p in ok),
        refs=tuple(by_id[p.item_id].references for p in ok),
        keywords=tuple(by_id[p.item_id].keywords for p in ok) if task.axis == "know" else None,
        df_refs=tuple(it.references for it in task.items))
    return _TaskParts(by_id, ok, failed, corpus)


class AutomaticMetrics:
    """The reference-based metrics (every name in `METRICS`) as a `RowSource`, one METEOR JVM per language.

    With a `cache` (`mella_bench.metrics.reuse`), answers whose inputs are unchanged are not scored
    again; the rows are the same as without it."""

    def __init__(self, progress: bool = False, cache: ScoreCache | None = None, desc: str = "scoring"):
        self.progress, self.cache, self.desc = progress, cache, desc

    def __call__(self, ctx: ScoringContext) -> Iterable[MetricRows]:
        from mella_bench.progress import track

        with ScoringSession() as session:
            parts = [_task_parts(task) for task in ctx.tasks]
            plans = [self._plans(task, parts[i]) for i, task in enumerate(ctx.tasks)]
            session.get(MeteorPool).prefetch([c for i, task in enumerate(ctx.tasks) if "meteor" in task.metrics
                           for c in [_to_score(parts[i].corpus, plans[i].get("meteor"))] if c is not None])
            for i in track(range(len(ctx.tasks)), len(ctx.tasks), self.desc, "task", self.progress):
                yield from self._task(ctx.tasks[i], parts[i], plans[i], session)

    def _plans(self, task: TaskData, parts: _TaskParts) -> dict[str, Plan]:
        """Per metric, what must be scored (nothing is reused without a cache)."""
        if self.cache is None:
            return {}
        corpus = parts.corpus
        digests = [item_digest(p.item_id, refs, corpus.keywords[i] if corpus.keywords is not None else None, hyp)
                   for i, (p, refs, hyp) in enumerate(zip(parts.ok, corpus.refs, corpus.hyps))]
        ids = [p.item_id for p in parts.ok]
        out: dict[str, Plan] = {}
        smaller: dict[tuple[int, ...], Corpus] = {}
        for metric in (m for m in task.metrics if m in REGISTRY):
            dependent = REGISTRY[metric].corpus_dependent
            out[metric] = plan(self.cache, task_keys(metric, dependent, corpus, ids, digests), corpus, dependent,
                               smaller)
        return out

    def _result(self, metric: str, corpus: Corpus, p: Plan | None, session: ScoringSession) -> MetricResult:
        if p is None or self.cache is None:
            return score_corpus(corpus, [metric], session)[metric]
        result = score_corpus(p.corpus, [metric], session)[metric] if p.corpus is not None else None
        if result is not None and p.corpus is not corpus and result.details:  # details describe the whole task
            p = Plan(p.keys, tuple(range(len(corpus.hyps))), corpus)
            result = score_corpus(corpus, [metric], session)[metric]
        return combine(self.cache, p, corpus, metric, result)

    def _task(self, task: TaskData, parts: _TaskParts, plans: Mapping[str, Plan],
              session: ScoringSession) -> Iterable[MetricRows]:
        by_id, corpus, ok, failed = parts.by_id, parts.corpus, parts.ok, parts.failed
        unknown = [p for p in task.predictions.values() if p.item_id not in by_id]
        oversized = [p for p in task.predictions.values() if p.item_id in by_id and by_id[p.item_id].over_limit]
        metrics = [m for m in task.metrics if m in REGISTRY]
        for metric in metrics:
            try:
                result = self._result(metric, corpus, plans.get(metric), session)
            except MeteorUnavailable as exc:
                yield MetricRows(task.name, metric, tuple(_failed_rows(task, metric, ok + failed, f"not computed: {exc}")),
                                 {"unavailable": "java"})
                continue
            except Exception as exc:  # noqa: BLE001 - one task's metric failure (a JVM out of memory) stays in that task
                why = f"{metric} failed on task {task.name}: {type(exc).__name__}: {str(exc)[:300]}"
                print(f"warning: {why}; its rows are marked failed, the other tasks and metrics are scored",
                      file=sys.stderr)
                yield MetricRows(task.name, metric, tuple(_failed_rows(task, metric, ok + failed, why)),
                                 {"error": type(exc).__name__})
                continue
            rows = _metric_rows(task, result, ok, failed)
            extra = _failed_rows(task, metric, unknown, "item id not in the task's dataset") + [
                row for p in oversized
                for row in _failed_rows(task, metric, [p], f"item over an input limit: {by_id[p.item_id].over_limit}")]
            if extra:
                rows = MetricRows(rows.task, rows.metric, rows.rows + tuple(extra), rows.signature_fields, rows.details)
            yield rows


def _to_score(corpus: Corpus, p: Plan | None) -> Corpus | None:
    """The corpus a metric's scorer will see (METEOR's JVMs start on it early: `MeteorPool.prefetch`)."""
    return corpus if p is None else p.corpus


# ---------------------------------------------------------------- summary

def summarize_metric(mr: MetricRows, axis: str) -> dict[str, Any]:
    metric = get_metric(mr.metric)
    ok = [r for r in mr.rows if r.status == "ok"]
    n_failed = len(mr.rows) - len(ok)
    value = metric.aggregate([list(r.stats or (r.value or 0.0,)) for r in ok]) if ok else None
    rate = n_failed / len(mr.rows) if mr.rows else 0.0
    fields = metric.signature_fields(mr.signature_fields, len(ok), rate)  # a number says what it rests on
    entry: dict[str, Any] = {
        "value": value, "ci": None, "n": len(ok), "n_failed": n_failed, "failure_rate": rate,
        "signature": metric.signature(mr.signature_fields, len(ok), rate), "signature_fields": fields,
        "profiles": list(metric.profiles(axis)),
    }
    if mr.details:
        entry["details"] = dict(mr.details)
    return entry


def build_summary(ctx: ScoringContext, batches: Sequence[MetricRows]) -> dict[str, Any]:
    tasks: dict[str, Any] = {}
    for task in ctx.tasks:
        tasks[task.name] = {"lang": task.lang, "axis": task.axis, "n_items": len(task.predictions), "metrics": {}}
    axis_of = {t.name: t.axis for t in ctx.tasks}
    for mr in batches:
        tasks[mr.task]["metrics"][mr.metric] = summarize_metric(mr, axis_of[mr.task])
    return {"format_version": FORMAT_VERSION, "run": ctx.run_dir.resolve().name,
            "model": dict(ctx.header.get("model", {})), "tasks": tasks}


def score_run(run_dir: str | Path, extra_sources: Sequence[RowSource] = (), progress: bool = False,
              resamples: int = 1000, reuse: bool = True, reidentify: bool = False) -> dict[str, Any]:
    """Score a run directory: write scores.jsonl and summary.json (with bootstrap CIs), return the summary.

    Rows come from the automatic metrics plus `extra_sources` (the CLI passes the judge's dimensions,
    `mella_bench.judge.judge_rows`); CIs use the seed recorded in run.json. Answers whose items changed
    since generation are refused (DataChanged) unless `reidentify`. Answers whose inputs are unchanged
    since the last `score` are not scored again (`mella_bench.metrics.reuse`; `reuse=False` scores
    everything); the files are the same either way.
    """
    store = RunDir(Path(run_dir))
    with store.session():
        ctx = check_data(load_context(store.path), reidentify, "score")
        cache = load_cache(store.path) if reuse else ScoreCache()
        batches: list[MetricRows] = list(AutomaticMetrics(progress, cache)(ctx))
        for source in extra_sources:
            batches.extend(source(ctx))
        save_cache(store.path, cache)
        if progress and cache.reused:
            print(f"reused {cache.reused} unchanged item score(s), computed {cache.computed} "
                  f"({store.path / CACHE_FILE}; --no-reuse scores everything)", file=sys.stderr)
        store.write_scores(row.to_json() for mr in batches for row in mr.rows)
        summary = build_summary(ctx, batches)
        add_cis(summary, batches, _seed(ctx.header), resamples)
        store.write_summary(summary)
    return summary


def check_data(ctx: ScoringContext, reidentify: bool, command: str) -> ScoringContext:
    """The context when every task's data still has the identity recorded at generation; else refuse
    (DataChanged naming the items), or with `reidentify` record the data as it is now in run.json."""
    store = RunDir(ctx.run_dir)
    header = store.header()
    changes = [c for t in ctx.tasks if t.dataset is not None
               and (c := task_change(t.name, header.tasks[t.name].data_hash, t.dataset, t.items, t.predictions))]
    accepted = accept_or_refuse(header, changes, reidentify, str(ctx.run_dir), command)
    if accepted is None:
        return ctx
    store.write_header(accepted)
    return ScoringContext(ctx.run_dir, accepted.to_json(), ctx.tasks)


def _seed(header: Mapping[str, Any]) -> int:
    try:
        return int((header.get("seeds") or {}).get("run", 0))
    except (TypeError, ValueError):
        return 0


def add_cis(summary: dict[str, Any], batches: Sequence[MetricRows], seed: int, resamples: int = RESAMPLES) -> None:
    """Bootstrap CI of every (task, metric) value, from the rows in memory (each task's own stream)."""
    for mr in batches:
        entry = summary["tasks"][mr.task]["metrics"][mr.metric]
        ok = [r.stats for r in mr.rows if r.status == "ok" and r.stats is not None]
        if not ok or resamples <= 0:
            entry["ci"] = None
            continue
        stats = np.array(ok, dtype=float)
        entry_with_ci(entry, bootstrap_ci(stats, get_metric(mr.metric), resamples, seed, task=mr.task))


@dataclass(frozen=True)
class Rescored:
    """A run's automatic-metric rows re-derived from predictions.jsonl, with each value's signature."""

    rows: tuple[dict[str, Any], ...]
    """scores.jsonl records."""
    signatures: Mapping[tuple[str, str], str]
    """(task, metric) → signature, made by the registry's metric that computed the rows."""


def rescored(run_dir: str | Path, metrics: Sequence[str] | None = None, progress: bool = False) -> Rescored:
    """Rows and signatures re-derived from predictions.jsonl, writing nothing (for `tables --check`)."""
    ctx = load_context(Path(run_dir))
    if metrics is not None:
        wanted = set(metrics)
        ctx = ScoringContext(ctx.run_dir, ctx.header, tuple(
            TaskData(t.name, t.lang, t.axis, tuple(m for m in t.metrics if m in wanted), t.rubrics, t.items,
                     t.predictions) for t in ctx.tasks))
    axis_of = {t.name: t.axis for t in ctx.tasks}
    batches = list(AutomaticMetrics(progress, desc=f"scoring {Path(run_dir).name}")(ctx))
    return Rescored(tuple(row.to_json() for mr in batches for row in mr.rows),
                    {(mr.task, mr.metric): summarize_metric(mr, axis_of[mr.task])["signature"] for mr in batches})


def rescore(run_dir: str | Path, metrics: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """scores.jsonl rows re-derived from predictions.jsonl, writing nothing."""
    return list(rescored(run_dir, metrics).rows)


def rescore_with_signatures(run_dir: str | Path, metrics: Sequence[str] | None = None
                            ) -> tuple[list[dict[str, Any]], dict[tuple[str, str], str]]:
    """(score rows, (task, metric) → signature) re-derived from predictions.jsonl, writing nothing."""
    fresh = rescored(run_dir, metrics)
    return list(fresh.rows), dict(fresh.signatures)


# ---------------------------------------------------------------- display

def format_table(summary: Mapping[str, Any]) -> str:
    """Per-task table (value, n, failure rate) followed by each distinct signature once."""
    lines = [f"{'task':<18} {'metric':<24} {'value':>8} {'95% CI':>15} {'n':>5} {'failed':>7}  profile"]
    sigs: dict[str, list[str]] = {}
    for name, task in summary["tasks"].items():
        for metric, e in task["metrics"].items():
            value = "n/a" if e["value"] is None else f"{e['value']:.2f}"
            ci = f"[{e['ci'][0]:.1f}, {e['ci'][1]:.1f}]" if e.get("ci") else ""
            prof = "paper" if "paper" in e["profiles"] else "full"
            lines.append(f"{name:<18} {metric:<24} {value:>8} {ci:>15} {e['n']:>5} {e['failure_rate']:>6.1%}  {prof}")
            sigs.setdefault(e["signature"], []).append(f"{name}/{metric}")
    lines.append("")
    lines.append("signatures:")
    for sig, users in sigs.items():
        shown = ", ".join(users[:3]) + (f" (+{len(users) - 3})" if len(users) > 3 else "")
        lines.append(f"  {sig}    [{shown}]")
    return "\n".join(lines)
