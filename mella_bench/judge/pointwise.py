"""Judge a run directory: every ok prediction × each of its task's rubrics → judgments.jsonl, then
per-item score rows (`judge:<rubric>`) and per-task summaries with a signature and failure rate.

Failed predictions are not sent to the judge; they become failed rows ("prediction failed"), like
failed or unparsable judgments: excluded from means, counted in the failure rate.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from mella_bench.data.dataset import Dataset, load
from mella_bench.judge.engine import JudgeConfig, JudgeCounts, JudgeInput, run_judge
from mella_bench.judge.parse import PARSER_VERSION
from mella_bench.judge.rubric import Rubric, get_rubric
from mella_bench.metrics.base import render_signature
from mella_bench.metrics.score import MetricRows, ScoreRow, ScoringContext
from mella_bench.store import (JUDGE_HEADER_KEY, JUDGMENTS, RUN_JSON, Prediction, RunDir, accept_or_refuse,
                               current_predictions, load_header, read_jsonl, task_change, task_data_source)


@dataclass(frozen=True)
class JudgeRunResult:
    counts: JudgeCounts
    summary: dict[str, dict[str, dict[str, Any]]]
    """task → metric → {value, n, n_failed, failure_rate, signature, signature_fields}."""


def predictions_by_task(run_dir: Path, header: dict[str, Any]) -> dict[str, list[Prediction]]:
    """The run's current predictions per task, in item order (stale keys from edited tasks are ignored)."""
    return {task: sorted(preds.values(), key=lambda p: p.item_id)
            for task, preds in current_predictions(run_dir, header).items()}


def _rubrics_for(info: dict[str, Any], wanted: tuple[str, ...] | None) -> list[Rubric]:
    return [get_rubric(r) for r in info.get("rubrics", []) if wanted is None or r in wanted]


def build_jobs(run_dir: Path, header: dict[str, Any], rubrics: tuple[str, ...] | None = None,
               tasks: tuple[str, ...] | None = None, reidentify: bool = False) -> list[tuple[Rubric, JudgeInput]]:
    """Every (rubric, input) the run needs judged; datasets are loaded from what run.json recorded.
    Answers whose items changed since generation are refused (DataChanged) unless `reidentify`,
    which records the data as it is now in run.json."""
    datasets: dict[str, Dataset] = {}
    jobs: list[tuple[Rubric, JudgeInput]] = []
    changes = []
    for task, preds in predictions_by_task(run_dir, header).items():
        if tasks is not None and task not in tasks:
            continue
        info = header["tasks"][task]
        task_rubrics = _rubrics_for(info, rubrics)
        ok = [p for p in preds if p.status == "ok"]
        if not task_rubrics or not ok:
            continue
        src = task_data_source(run_dir, info)
        if src not in datasets:
            datasets[src] = load(src)
        ds = datasets[src]
        change = task_change(task, info.get("data_hash"), ds,
                             [it for it in ds.items if it.lang == info["lang"] and it.axis == info["axis"]],
                             {p.item_id: p for p in preds})
        if change is not None:
            changes.append(change)
        items = {it.id: it for it in ds.items}
        for p in ok:
            it = items.get(p.item_id)
            if it is None:
                raise ValueError(f"{run_dir / RUN_JSON}: task {task} item '{p.item_id}' is not in dataset {src}")
            inp = JudgeInput(task=task, item_id=it.id, lang=it.lang, axis=it.axis, prompt=info["prompt"],
                             candidate=p.text, references=it.references, keywords=it.keywords,
                             image=ds.image_or_none(it), prediction_key=p.key)
            jobs.extend((r, inp) for r in task_rubrics)
    store = RunDir(Path(run_dir))
    accepted = accept_or_refuse(store.header(), changes, reidentify, str(run_dir), "judge")
    if accepted is not None:
        store.write_header(accepted)
    return jobs


def judge_run(run_dir: Path, config: JudgeConfig, rubrics: tuple[str, ...] | None = None,
              tasks: tuple[str, ...] | None = None, progress: bool = True, reidentify: bool = False) -> JudgeRunResult:
    """Judge every ok prediction of a run (cached judgments are reused) and record the judge in run.json."""
    run_dir = Path(run_dir)
    store = RunDir(run_dir)
    with store.judgment_session() as judgments:
        jobs = build_jobs(run_dir, load_header(run_dir), rubrics, tasks, reidentify)
        _, counts = run_judge(config, judgments, jobs, progress_desc="judge" if progress else None)
        used = sorted({r.id for r, _ in jobs} | set(rubrics or ()))
        store.record_judge({**config.describe(),
                            "rubrics": {r: {"hash": get_rubric(r).hash, "version": get_rubric(r).version} for r in used}})
    return JudgeRunResult(counts=counts, summary=judge_summary(run_dir))


# ---------------------------------------------------------------- score rows and summary

def _latest_judgments(run_dir: Path, judge: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(prediction key, rubric) → the judgment under the run's current judge settings (ok wins)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    hashes = {r: v["hash"] for r, v in judge.get("rubrics", {}).items()}
    for rec in read_jsonl(run_dir / JUDGMENTS):
        if rec.get("kind") != "pointwise" or rec.get("judge_model") != judge["model"] \
                or rec.get("rubric_hash") != hashes.get(rec.get("rubric")) \
                or rec.get("parser_version") != judge.get("parser_version", PARSER_VERSION) \
                or rec.get("images") != judge.get("images"):
            continue
        k = (rec["prediction_key"], rec["rubric"])
        if rec["status"] == "ok" or k not in out or out[k]["status"] != "ok":
            out[k] = rec
    return out


def judge_score_rows(run_dir: Path) -> list[dict[str, Any]]:
    """scores.jsonl rows for every judge dimension of every task; [] when the run was never judged."""
    run_dir = Path(run_dir)
    header = load_header(run_dir)
    judge = header.get(JUDGE_HEADER_KEY)
    if not judge:
        return []
    latest = _latest_judgments(run_dir, judge)
    rows: list[dict[str, Any]] = []
    for task, preds in predictions_by_task(run_dir, header).items():
        for rubric in header["tasks"][task].get("rubrics", []):
            if rubric not in judge.get("rubrics", {}):
                continue
            for p in preds:
                row = {"task": task, "item_id": p.item_id, "lang": p.lang, "axis": p.axis,
                       "metric": f"judge:{rubric}", "status": "failed", "value": None, "stats": None, "reason": None}
                rec = latest.get((p.key, rubric))
                if p.status != "ok":
                    row["reason"] = "prediction failed"
                elif rec is None:
                    row["reason"] = "not judged (run `mella-bench judge` on this run directory)"
                elif rec["status"] != "ok":
                    row["reason"] = f"judge {rec['status']}: {rec.get('reason')}"
                else:
                    row.update(status="ok", value=float(rec["score"]), stats=[float(rec["score"])])
                rows.append(row)
    return rows


def signature_fields(judge: dict[str, Any], rubric: str, n: int, failure_rate: float) -> dict[str, Any]:
    r = judge.get("rubrics", {}).get(rubric, {})
    return {"metric": f"judge:{rubric}", "judge_model": judge["model"], "rubric": rubric,
            "rubric_version": r.get("version"), "rubric_hash": r.get("hash"),
            "parser_version": judge.get("parser_version"), "images": "on" if judge.get("images") else "off",
            "temperature": judge.get("temperature", 0.0), "n": n, "failure_rate": round(failure_rate, 4)}


def judge_rows(ctx: ScoringContext) -> Iterable[MetricRows]:
    """The run's `judge:<rubric>` dimensions as a scoring row source (the CLI passes it to `score_run`)."""
    judge = ctx.header.get(JUDGE_HEADER_KEY)
    if not judge:
        return
    groups: dict[tuple[str, str], list[ScoreRow]] = {}
    for rec in judge_score_rows(ctx.run_dir):
        row = ScoreRow(rec["task"], rec["item_id"], rec["lang"], rec["axis"], rec["metric"], rec["status"],
                       rec["value"], tuple(rec["stats"]) if rec["stats"] is not None else None, rec["reason"])
        groups.setdefault((row.task, row.metric), []).append(row)
    for (task, metric), rows in groups.items():
        n_ok = sum(r.status == "ok" for r in rows)
        fields = signature_fields(judge, metric.split(":", 1)[1], n_ok, 1 - n_ok / len(rows))
        yield MetricRows(task, metric, tuple(rows), fields)


def judge_summary(run_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """task → `judge:<rubric>` → mean of ok scores, n, n_failed, failure rate and signature."""
    run_dir = Path(run_dir)
    judge = load_header(run_dir).get(JUDGE_HEADER_KEY)
    if not judge:
        return {}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in judge_score_rows(run_dir):
        groups.setdefault((row["task"], row["metric"]), []).append(row)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (task, metric), rows in groups.items():
        vals = [r["value"] for r in rows if r["status"] == "ok"]
        n_failed = len(rows) - len(vals)
        rate = n_failed / len(rows) if rows else 0.0
        fields = signature_fields(judge, metric.split(":", 1)[1], len(vals), rate)
        out.setdefault(task, {})[metric] = {
            "value": statistics.fmean(vals) if vals else None, "n": len(vals), "n_failed": n_failed,
            "failure_rate": rate, "signature": render_signature(fields), "signature_fields": fields}
    return out


def format_summary(summary: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Human table: one line per task and judge dimension, signature included."""
    lines = [f"{'task':<18} {'metric':<26} {'mean':>5} {'n':>5} {'failed':>7}  signature"]
    for task in sorted(summary):
        for metric, m in sorted(summary[task].items()):
            mean = f"{m['value']:.2f}" if m["value"] is not None else "  -  "
            lines.append(f"{task:<18} {metric:<26} {mean:>5} {m['n']:>5} {100 * m['failure_rate']:>6.1f}%  {m['signature']}")
    return "\n".join(lines)
