"""Pairwise mode: two runs, the same items, each pair judged in both orders (A/B and B/A).

Position bias is systematic (peers.md §4.3), so a verdict that flips with the order is a tie, and the
share of such pairs is reported as the position-inconsistency rate. The win rate of run A counts a
tie as half a win; its confidence interval is a seeded percentile bootstrap over items.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mella_bench.judge.engine import JudgeConfig, JudgeInput, run_judge
from mella_bench.judge.rubric import get_rubric
from mella_bench.data.dataset import load
from mella_bench.store import JUDGMENTS, current_predictions, load_header, task_data_source, write_json

Outcome = Literal["a", "b", "tie"]


@dataclass(frozen=True)
class PairOutcome:
    task: str
    item_id: str
    lang: str
    outcome: Outcome | None
    """None when either order failed (excluded from the win rate, counted as failed)."""
    consistent: bool | None
    reason: str | None = None


def combine(first: str | None, second: str | None) -> tuple[Outcome | None, bool | None]:
    """Verdicts of order 1 (A=run A) and order 2 (A=run B) → outcome for run A, and whether they agree."""
    if first is None or second is None:
        return None, None
    v1: Outcome = {"A": "a", "B": "b", "tie": "tie"}[first]  # type: ignore[assignment]
    v2: Outcome = {"A": "b", "B": "a", "tie": "tie"}[second]  # type: ignore[assignment]
    return (v1, True) if v1 == v2 else ("tie", False)


def bootstrap_ci(values: list[float], resamples: int = 1000, seed: int = 0, alpha: float = 0.05) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the mean (seeded, so reruns print the same interval)."""
    if not values:
        return None
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    lo = means[int((alpha / 2) * resamples)]
    hi = means[min(resamples - 1, int((1 - alpha / 2) * resamples))]
    return lo, hi


def summarize(outcomes: list[PairOutcome], resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    scored = [o for o in outcomes if o.outcome is not None]
    values = [1.0 if o.outcome == "a" else 0.5 if o.outcome == "tie" else 0.0 for o in scored]
    n = len(scored)
    return {
        "n_pairs": len(outcomes), "n": n, "n_failed": len(outcomes) - n,
        "failure_rate": (len(outcomes) - n) / len(outcomes) if outcomes else 0.0,
        "wins_a": sum(o.outcome == "a" for o in scored), "wins_b": sum(o.outcome == "b" for o in scored),
        "ties": sum(o.outcome == "tie" for o in scored),
        "win_rate_a": sum(values) / n if n else None,
        "ci": list(bootstrap_ci(values, resamples, seed) or ()) or None,
        "position_inconsistency_rate": sum(o.consistent is False for o in scored) / n if n else None,
        "bootstrap": {"resamples": resamples, "seed": seed, "method": "percentile", "tie": 0.5},
    }


def judge_pairwise(run_a: Path, run_b: Path, config: JudgeConfig, rubric_id: str = "cultural_depth",
                   output: Path | None = None, tasks: tuple[str, ...] | None = None, seed: int = 0,
                   resamples: int = 1000, progress: bool = True) -> dict[str, Any]:
    """Compare two runs item by item; write judgments.jsonl + pairwise.json under `output`; return the report."""
    run_a, run_b = Path(run_a), Path(run_b)
    output = Path(output) if output else run_a / "pairwise" / run_b.name
    ha, hb = load_header(run_a), load_header(run_b)
    rubric = get_rubric(rubric_id)
    pa, pb = current_predictions(run_a, ha), current_predictions(run_b, hb)
    common = [t for t in ha["tasks"] if t in hb["tasks"] and (tasks is None or t in tasks)]
    if not common:
        raise ValueError(f"{run_a} and {run_b} share no task; pairwise needs the same tasks and items")
    jobs, slots, outcomes = [], [], []
    datasets: dict[str, Any] = {}
    for task in common:
        info = ha["tasks"][task]
        if info["hash"] != hb["tasks"][task]["hash"]:
            raise ValueError(f"task {task} differs between the runs (hash {info['hash']} vs "
                             f"{hb['tasks'][task]['hash']}); compare runs of the same task version")
        src = task_data_source(run_a, info)
        datasets.setdefault(src, load(src))
        ds = datasets[src]
        items = {it.id: it for it in ds.items}
        b_by_item = pb[task]
        for p in sorted(pa[task].values(), key=lambda p: p.item_id):
            q = b_by_item.get(p.item_id)
            it = items.get(p.item_id)
            if q is None or it is None:
                continue
            if p.status != "ok" or q.status != "ok":
                outcomes.append(PairOutcome(task, p.item_id, p.lang, None, None, "prediction failed in a run"))
                continue
            base = dict(task=task, item_id=it.id, lang=it.lang, axis=it.axis, prompt=info["prompt"],
                        references=it.references, keywords=it.keywords, image=ds.image_or_none(it))
            jobs.append((rubric, JudgeInput(candidate=p.text, candidate_b=q.text, prediction_key=p.key,
                                            meta={"order": "AB", "run_a": run_a.name, "run_b": run_b.name}, **base)))
            jobs.append((rubric, JudgeInput(candidate=q.text, candidate_b=p.text, prediction_key=p.key,
                                            meta={"order": "BA", "run_a": run_a.name, "run_b": run_b.name}, **base)))
            slots.append((task, it.id, it.lang))
    if not jobs and not outcomes:
        raise ValueError(f"{run_a} and {run_b} have no item in common")
    records, counts = run_judge(config, output / JUDGMENTS, jobs, progress_desc="pairwise" if progress else None)
    for k, (task, item_id, lang) in enumerate(slots):
        r1, r2 = records[2 * k], records[2 * k + 1]
        failed = [r for r in (r1, r2) if r["status"] != "ok"]
        outcome, consistent = combine(r1.get("winner") if not failed else None, r2.get("winner") if not failed else None)
        reason = None if not failed else f"judge {failed[0]['status']}: {failed[0].get('reason')}"
        outcomes.append(PairOutcome(task, item_id, lang, outcome, consistent, reason))
    by_lang: dict[str, list[PairOutcome]] = {}
    for o in outcomes:
        by_lang.setdefault(o.lang, []).append(o)
    output.mkdir(parents=True, exist_ok=True)  # only now: a failed probe leaves no empty folder
    report = {
        "format_version": 1, "run_a": str(run_a), "run_b": str(run_b), "rubric": rubric.id,
        "rubric_hash": rubric.hash, "judge": config.describe(),
        "overall": summarize(outcomes, resamples, seed),
        "by_lang": {lang: summarize(v, resamples, seed) for lang, v in sorted(by_lang.items())},
        "requests": {"sent": counts.sent, "reused": counts.reused},
        "pairs": [o.__dict__ for o in outcomes],
    }
    write_json(output / "pairwise.json", report)
    return report


def format_pairwise(report: dict[str, Any]) -> str:
    def line(name: str, s: dict[str, Any]) -> str:
        if s["win_rate_a"] is None:
            return f"{name:<8} {'-':>6} {'':>15} {s['n']:>5} {s['n_failed']:>6}"
        lo, hi = s["ci"]
        return (f"{name:<8} {s['win_rate_a']:>6.3f} [{lo:.3f}, {hi:.3f}] {s['n']:>5} {s['n_failed']:>6} "
                f"{s['wins_a']:>4}/{s['ties']:>3}/{s['wins_b']:<4} {100 * s['position_inconsistency_rate']:>6.1f}%")
    head = (f"pairwise {report['rubric']}#{report['rubric_hash']} judge {report['judge']['model']}: "
            f"win rate of A={report['run_a']} over B={report['run_b']} (tie = 1/2; 95% bootstrap CI, "
            f"{report['overall']['bootstrap']['resamples']} resamples, seed {report['overall']['bootstrap']['seed']})")
    rows = [head, f"{'lang':<8} {'win A':>6} {'95% CI':>15} {'n':>5} {'failed':>6} {'A/tie/B':>12} {'pos.incons.':>8}"]
    rows += [line(lang, s) for lang, s in report["by_lang"].items()]
    rows.append(line("all", report["overall"]))
    return "\n".join(rows)
