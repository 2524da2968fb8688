"""scores.jsonl → stats matrices and CIs written into summary.json (mella_bench/store/scoreio.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mella_bench.store import scoreio as IO
from mella_bench import stats as S


def write_rows(path: Path, rows) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def row(task, item, metric, value, stats=None, status="ok", lang="th", axis="know"):
    return {"task": task, "item_id": item, "lang": lang, "axis": axis, "metric": metric, "status": status,
            "value": value if status == "ok" else None,
            "stats": (stats or [value]) if status == "ok" else None, "reason": None if status == "ok" else "x"}


def test_load_scores_groups_rows_and_later_rows_replace_earlier(tmp_path):
    write_rows(tmp_path / "scores.jsonl", [row("t", "a", "keyword_acc", 10), row("t", "b", "keyword_acc", 0, status="failed"),
                                           row("t", "a", "keyword_acc", 50), row("t", "c", "keyword_acc", 100)])
    m = IO.load_scores(tmp_path)[("t", "keyword_acc")]
    assert m.item_ids == ("a", "c") and m.stats[:, 0].tolist() == [50, 100]
    assert m.failed == ("b",) and m.failure_rate == pytest.approx(1 / 3)


def test_bad_scores_row_names_file_line_and_field(tmp_path):
    bad = row("t", "a", "bleu", 1.0)
    bad["stats"] = ["x"]
    write_rows(tmp_path / "scores.jsonl", [row("t", "z", "bleu", 2.0), bad])
    with pytest.raises(IO.ScoresError, match=r"scores.jsonl:2: field 'stats'"):
        IO.load_scores(tmp_path)


def test_add_cis_to_summary_fills_ci_and_records_seed(tmp_path):
    rng = np.random.default_rng(0)
    vals = rng.uniform(0, 100, 30).tolist()
    write_rows(tmp_path / "scores.jsonl", [row("mella_th_know", f"i{i}", "keyword_acc", v) for i, v in enumerate(vals)])
    (tmp_path / "run.json").write_text(json.dumps({"format_version": 1, "seeds": {"run": 7}}))
    summary = {"format_version": 1, "tasks": {"mella_th_know": {"lang": "th", "axis": "know", "n_items": 30, "metrics": {
        "keyword_acc": {"value": float(np.mean(vals)), "ci": None, "n": 30, "n_failed": 0, "failure_rate": 0.0,
                        "signature": "kw:v1|nfc", "signature_fields": {"version": 1}, "profiles": ["paper", "full"]}}}}}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    IO.add_cis_to_summary(tmp_path, resamples=500, aggregates=lambda m: S.mean_aggregate)
    IO.add_cis_to_summary(tmp_path, resamples=500, aggregates=lambda m: S.mean_aggregate)  # idempotent
    m = json.loads((tmp_path / "summary.json").read_text())["tasks"]["mella_th_know"]["metrics"]["keyword_acc"]
    expect = S.bootstrap_ci(np.array(vals)[:, None], S.mean_aggregate, 500, seed=7, task="mella_th_know")
    assert m["ci"] == pytest.approx([expect.low, expect.high])
    assert m["signature"] == "kw:v1|nfc|ci:bs500-percentile-seed7"
    assert m["signature_fields"]["ci_seed"] == 7 and m["signature_fields"]["ci_resamples"] == 500
    assert m["signature_fields"]["version"] == 1


def test_run_seed_is_zero_without_run_json_and_an_error_for_a_bad_one(tmp_path):
    """A missing run.json means no recorded seed (0); a bad one is named, never silently read as seed 0."""
    assert IO.run_seed(tmp_path) == 0
    (tmp_path / "run.json").write_text(json.dumps({"format_version": 1, "seeds": {"run": 11}}))
    assert IO.run_seed(tmp_path) == 11
    (tmp_path / "run.json").write_text(json.dumps({"format_version": 1, "seeds": {"run": "7"}}))
    with pytest.raises(ValueError, match=r"run\.json.*seeds\.run"):
        IO.run_seed(tmp_path)
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(Exception, match=r"run\.json"):
        IO.run_seed(tmp_path)
