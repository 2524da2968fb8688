"""Run directories as the reports, tables and ablation read them (run.json, scores.jsonl, summary.json).

Values come from the per-item statistics (scores.jsonl, or rows re-derived from predictions);
signatures from summary.json, or from the registry's metric at rescoring time when given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.registry import sort_metrics
from mella_bench.store.scoreio import load_scores, scores_from_rows
from mella_bench.stats import MetricScores
from mella_bench.store import RUN_JSON, SUMMARY, read_versioned


@dataclass(frozen=True, eq=False)
class RunData:
    """One run directory as the reports need it."""

    path: Path
    label: str
    """Model label shown in tables ('reference:thick', 'tiny', a checkpoint's directory name)."""
    scores: dict[tuple[str, str], MetricScores]
    signatures: dict[tuple[str, str], str] = field(default_factory=dict)
    """(task, metric) → signature string from summary.json (CI part stripped)."""
    seed: int = 0

    def by_lang(self, axis: str, metric: str) -> dict[str, MetricScores]:
        """Language → scores of this metric on this axis's task, in the canonical language order."""
        found = {ms.lang: ms for ms in self.scores.values() if ms.axis == axis and ms.metric == metric}
        return {lang: found[lang] for lang in LANG_CODES if lang in found}

    def metrics(self, axis: str) -> list[str]:
        return sort_metrics({ms.metric for ms in self.scores.values() if ms.axis == axis})


def model_label(header: dict) -> str:
    backend = (header.get("config") or {}).get("backend") or {}
    name, model = backend.get("name"), str(backend.get("model") or "")
    if name == "reference":
        return f"reference:{model}"
    if name == "tiny" or not model:
        return name or "?"
    return Path(model).name if name in ("hf", "vllm") else model


def load_run(run_dir: Path, rows: Iterable[dict] | None = None,
             signatures: Mapping[tuple[str, str], str] | None = None) -> RunData:
    """Read a run directory; `rows` (scores.jsonl-style records) replaces scores.jsonl when given,
    e.g. rows just re-derived from predictions.jsonl, and `signatures` ((task, metric) → signature,
    as the registry's metric made it for those rows) replaces summary.json's."""
    run_dir = Path(run_dir)
    header = read_versioned(run_dir / RUN_JSON, RUN_JSON) if (run_dir / RUN_JSON).is_file() else {}
    scores = scores_from_rows(rows, f"{run_dir}/<rescored>") if rows is not None else load_scores(run_dir)
    sigs: dict[tuple[str, str], str] = dict(signatures or {})
    if signatures is None and (run_dir / SUMMARY).is_file():
        for task, entry in read_versioned(run_dir / SUMMARY, SUMMARY).get("tasks", {}).items():
            for metric, m in entry.get("metrics", {}).items():
                sig = "|".join(p for p in str(m.get("signature") or "").split("|") if p and not p.startswith("ci:"))
                if sig:
                    sigs[(task, metric)] = sig
    label = model_label(header) if header else run_dir.name
    return RunData(run_dir, label, scores, sigs, int((header.get("seeds") or {}).get("run", 0)))


def load_runs(run_dirs: Sequence[Path]) -> list[RunData]:
    runs = [load_run(Path(d)) for d in run_dirs]
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.label] = counts.get(r.label, 0) + 1
    # two runs of the same model (e.g. two checkpoints of one backend) are told apart by directory
    return [RunData(r.path, f"{r.label} ({r.path.name})", r.scores, r.signatures, r.seed) if counts[r.label] > 1 else r
            for r in runs]
