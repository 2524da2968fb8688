"""The headline printed at the end of `run` and `score`: one small table a person reads at a glance.

Languages are columns (plus the macro mean), the paper's metrics of each axis are rows, every value
carries the half-width of its 95% bootstrap CI, and one line says how many items each number rests
on and how many answers failed. It fits in 100 columns and about 15 lines; everything else (every
metric of every task, the signatures) goes to `scores.md` in the run directory (and `--verbose`).
Values and CIs are the leaderboard's (`report.load_run` + `stats.language_estimates`, the run's
seed), so the headline, `mella-bench report` and summary.json agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.registry import get_metric, metric_aggregate, paper_metrics
from mella_bench.reports.render import decimals
from mella_bench.reports.runs import RunData, load_run
from mella_bench.stats import RESAMPLES, Estimate, language_estimates
from mella_bench.store import SCORES_MD, RunDir

WIDTH = 100
CELL = 8
"""Characters per value cell ('62.5±4.1'); each cell has a space before it: 14 + 9 × 9 = 95 columns."""
LABEL = 14
"""Axis (5) + metric label (at most 9)."""



def metric_label(metric: str) -> str:
    """The registry's short name of a metric (judge dimensions included)."""
    return get_metric(metric).label or metric[:9]


def headline_metrics(run: RunData, axis: str) -> list[str]:
    """The paper metrics of the axis, then language fidelity, then judge dimensions (when judged)."""
    have = set(run.metrics(axis))
    judge = sorted(m for m in have if m.startswith("judge:"))
    return [m for m in (*paper_metrics(axis), "fidelity") if m in have] + judge


def fmt_cell(est: Estimate | None, metric: str, width: int = CELL) -> str:
    """'62.5±4.1': value ± half-width of the CI, dropping decimals until it fits `width`."""
    if est is None or est.value is None:
        return "—"
    d = decimals(metric)
    if est.ci is None:
        return f"{est.value:.{d}f}"
    half = (est.ci.high - est.ci.low) / 2
    for dv, dh in ((d, d), (d, max(0, d - 1)), (max(0, d - 1), 0), (0, 0)):
        text = f"{est.value:.{dv}f}±{half:.{dh}f}"
        if len(text) <= width:
            return text
    return text


@dataclass(frozen=True)
class HeadlineRow:
    axis: str
    metric: str
    cells: Mapping[str, Estimate]
    """Language code or 'macro' → estimate."""


def headline_rows(run: RunData, resamples: int = RESAMPLES) -> list[HeadlineRow]:
    rows = []
    for axis in ("know", "ling"):
        for metric in headline_metrics(run, axis):
            per_lang = run.by_lang(axis, metric)
            ests, macro = language_estimates(list(per_lang.values()), metric_aggregate(metric), resamples, run.seed)
            rows.append(HeadlineRow(axis, metric, {**dict(zip(per_lang, ests)), "macro": macro}))
    return rows


def _counts_line(summary: Mapping) -> str:
    """n per language and axis (range when it varies) and the failed answers, from summary.json."""
    per_axis: dict[str, list[int]] = {}
    answers = failed = 0
    judge_failed = judge_total = 0
    for task in summary.get("tasks", {}).values():
        auto = {m: e for m, e in task.get("metrics", {}).items() if not m.startswith("judge:")}
        if auto:
            n = max(e.get("n", 0) for e in auto.values())
            nf = max(e.get("n_failed", 0) for e in auto.values())
            per_axis.setdefault(task["axis"], []).append(n)
            answers, failed = answers + n + nf, failed + nf
        for m, e in task.get("metrics", {}).items():
            if m.startswith("judge:"):
                judge_total += e.get("n", 0) + e.get("n_failed", 0)
                judge_failed += e.get("n_failed", 0)
    parts = []
    for axis, ns in per_axis.items():
        parts.append(f"{axis} {min(ns)}" if min(ns) == max(ns) else f"{axis} {min(ns)}–{max(ns)}")
    line = f"n per language: {', '.join(parts)} · failed answers: {failed} of {answers}"
    line += f" ({100 * failed / answers:.1f}%)" if answers else ""
    if judge_total:
        line += f" · judge failed: {judge_failed} of {judge_total}"
    return line


def render_headline(run: RunData, summary: Mapping, rows: Sequence[HeadlineRow], details: Path | None = None,
                    html: Path | None = None) -> str:
    langs = [lang for lang in LANG_CODES if any(lang in r.cells for r in rows)]
    cols = langs + ["macro"]
    out = [f"{run.label} · {run.path.name} · value ± 95% CI half-width"[:WIDTH]]
    out.append(" " * LABEL + "".join(f" {c:>{CELL}}" for c in cols))
    last_axis = None
    for r in rows:
        axis = r.axis if r.axis != last_axis else ""
        last_axis = r.axis
        label = f"{axis:<5}{metric_label(r.metric)}"
        out.append(f"{label:<{LABEL}}" + "".join(f" {fmt_cell(r.cells.get(c), r.metric):>{CELL}}" for c in cols))
    if not rows:
        out.append("(no paper metric was scored in this run)")
    out.append(_counts_line(summary))
    legend = "KwAcc: Keyword Accuracy · fidelity: % answers in the task's language"
    if any(r.metric.startswith("judge:") for r in rows):
        legend += " · J: judge (1–5)"
    out.append(legend)
    out = [line[:WIDTH] for line in out]  # paths below are never cut
    if details is not None:
        out.append(f"every metric and signature: {details} (or --verbose)")
    if html is not None:
        out.append(f"per-sample viewer: {html}")
    return "\n".join(out)


def headline(run_dir: Path, summary: Mapping, details: Path | None = None, html: Path | None = None,
             resamples: int = RESAMPLES) -> str:
    run = load_run(Path(run_dir))
    return render_headline(run, summary, headline_rows(run, resamples), details, html)


def report_scores(run_dir: Path, summary: Mapping, full_table: str, resamples: int = RESAMPLES) -> str:
    """Write scores.md (headline + every task and metric + signatures) and return the headline for stdout."""
    run = load_run(Path(run_dir))
    rows = headline_rows(run, resamples)
    details = write_scores_md(run_dir, summary, render_headline(run, summary, rows), full_table)
    return render_headline(run, summary, rows, details=details)


def scores_markdown(run_dir: Path, summary: Mapping, headline_text: str, full_table: str) -> str:
    """scores.md: the headline, then every task × metric with n, failure rate and CI, then each signature."""
    name = Path(run_dir).name
    return (f"# Scores of `{name}`\n\nHeadline (value ± half-width of the 95% bootstrap CI; macro = mean over "
            f"languages):\n\n```\n{headline_text}\n```\n\n## Every task and metric\n\n"
            f"value, 95% CI, n (items scored), failure rate, profile; then each distinct signature once.\n\n"
            f"```\n{full_table}\n```\n")


def write_scores_md(run_dir: Path, summary: Mapping, headline_text: str, full_table: str) -> Path:
    RunDir(Path(run_dir)).write_text(SCORES_MD, scores_markdown(run_dir, summary, headline_text, full_table))
    return Path(run_dir) / SCORES_MD
