"""score_run (mella_bench/metrics/score.py): run directory → scores.jsonl + summary.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mella_bench.inference.backends import resolve_spec
from mella_bench.metrics import aggregate
from mella_bench.metrics.score import MetricRows, ScoreRow, format_table, score_run
from mella_bench.store import PREDICTIONS, SCORES, SUMMARY, read_jsonl
from mella_bench.inference.run import RunConfig, generate
from mella_bench.data.tasks import select_tasks
from tests.conftest import write_dataset

LANGS = ("th", "sr")  # one METEOR setting: a single JVM per score_run
ROW_KEYS = {"task", "item_id", "lang", "axis", "metric", "status", "value", "stats", "reason"}
ENTRY_KEYS = {"value", "ci", "n", "n_failed", "failure_rate", "signature", "signature_fields", "profiles"}


def make_run(tmp_path: Path, model: str = "reference:thick", per_axis: int = 3) -> Path:
    data = write_dataset(tmp_path / "data", LANGS, per_axis=per_axis)
    tasks = select_tasks(LANGS)
    out = tmp_path / "run"
    generate(RunConfig(backend=resolve_spec(model, None, {}), tasks=tuple(t.name for t in tasks), output=out,
                       data=str(data)), tasks, progress=False)
    return out


def rows_of(run: Path) -> list[dict]:
    return list(read_jsonl(run / SCORES))


def append_prediction(run: Path, **changes) -> dict:
    """Copy the first prediction of a task with some fields changed, appended as a later record."""
    recs = list(read_jsonl(run / PREDICTIONS))
    rec = dict(next(r for r in recs if r["task"] == changes.get("task", "mella_th_ling")), **changes)
    with (run / PREDICTIONS).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return rec


@pytest.fixture(scope="module")
def oracle_run(tmp_path_factory):
    run = make_run(tmp_path_factory.mktemp("oracle"))
    summary = score_run(run)
    return run, summary


def test_rows_follow_the_scores_format(oracle_run):
    run, _ = oracle_run
    rows = rows_of(run)
    assert rows and all(set(r) == ROW_KEYS for r in rows)
    assert {r["status"] for r in rows} == {"ok"}
    n_metrics = {"know": 8, "ling": 6}
    assert len(rows) == sum(3 * n_metrics[axis] for axis in ("know", "ling") for _ in LANGS)


def test_identical_answers_score_100_on_every_overlap_metric(oracle_run):
    _, summary = oracle_run
    for name, task in summary["tasks"].items():
        for metric in ("bleu", "chrf++", "rouge_l", "meteor", "fidelity") + (("keyword_acc",) if task["axis"] == "know" else ()):
            assert task["metrics"][metric]["value"] == pytest.approx(100.0), (name, metric)


def test_summary_format_profiles_and_signatures(oracle_run):
    run, summary = oracle_run
    assert summary == json.loads((run / SUMMARY).read_text(encoding="utf-8"))
    assert summary["format_version"] == 1 and summary["run"] == "run" and "hash" in summary["model"]
    know = summary["tasks"]["mella_th_know"]
    ling = summary["tasks"]["mella_sr_ling"]
    assert know["n_items"] == 3 and know["lang"] == "th" and know["axis"] == "know"
    for entry in list(know["metrics"].values()) + list(ling["metrics"].values()):
        assert ENTRY_KEYS <= set(entry)
        low, high = entry["ci"]  # bootstrap CI from the per-item stats, recorded in the signature
        assert low <= entry["value"] <= high and "ci:bs1000" in entry["signature"]
        assert entry["n"] == 3 and entry["failure_rate"] == 0.0
        assert entry["signature"].endswith("|version:0.1.0") and entry["signature_fields"]
    assert know["metrics"]["keyword_acc"]["profiles"] == ["paper", "full"]
    assert know["metrics"]["meteor"]["profiles"] == ["full"]
    assert [m for m, e in ling["metrics"].items() if "paper" in e["profiles"]] == ["meteor", "bleu", "rouge_l"]
    assert ling["metrics"]["chrf++"]["profiles"] == ["full"]
    assert know["metrics"]["bleu"]["signature_fields"]["tok"].startswith("mella-th-newmm-pythainlp")
    assert ling["metrics"]["fidelity"]["details"] == {"script": {"Cyrillic": 3}}


def test_summary_values_are_recomputed_from_row_stats(oracle_run):
    run, summary = oracle_run
    rows = [r for r in rows_of(run) if r["task"] == "mella_sr_ling"]
    for metric, entry in summary["tasks"]["mella_sr_ling"]["metrics"].items():
        stats = [r["stats"] for r in rows if r["metric"] == metric]
        assert aggregate(metric, stats) == pytest.approx(entry["value"])


def test_failed_predictions_give_failed_rows_and_a_failure_rate(tmp_path):
    run = make_run(tmp_path, model="reference:thin", per_axis=2)  # ling items have no `thin`: all fail
    summary = score_run(run)
    ling = summary["tasks"]["mella_th_ling"]["metrics"]["bleu"]
    assert (ling["value"], ling["n"], ling["n_failed"], ling["failure_rate"]) == (None, 0, 2, 1.0)
    failed = [r for r in rows_of(run) if r["task"] == "mella_th_ling"]
    assert all(r["status"] == "failed" and r["value"] is None and r["stats"] is None for r in failed)
    assert all("prediction failed" in r["reason"] for r in failed)
    know = summary["tasks"]["mella_th_know"]["metrics"]["keyword_acc"]
    assert know["n"] == 2 and know["failure_rate"] == 0.0 and know["value"] == 0.0  # the thin text names no keyword
    assert "n/a" in format_table(summary)


def test_stale_and_foreign_predictions_are_ignored_and_latest_wins(tmp_path):
    run = make_run(tmp_path, per_axis=2)
    append_prediction(run, key="stale", task_hash="000000000000", text="ผิด")  # an older prompt
    append_prediction(run, key="other-model", model_hash="ffff", text="ผิด")
    rec = append_prediction(run, text="")  # the same key answered again, empty this time
    summary = score_run(run)
    rows = [r for r in rows_of(run) if r["task"] == "mella_th_ling" and r["metric"] == "bleu"]
    assert len(rows) == 2
    assert {r["item_id"]: r["value"] for r in rows}[rec["item_id"]] == 0.0  # empty scores 0, no crash
    assert summary["tasks"]["mella_th_ling"]["metrics"]["bleu"]["n"] == 2


def test_extra_row_sources_are_appended_and_summarised(tmp_path):
    run = make_run(tmp_path, per_axis=2)

    def judge(ctx):
        for task in ctx.tasks:
            rows = tuple(ScoreRow(task.name, p.item_id, p.lang, p.axis, "judge:cultural_depth", "ok", 4.0, (4.0,))
                         for p in task.predictions.values())
            yield MetricRows(task.name, "judge:cultural_depth", rows, {"judge": "fake", "rubric": "abc"})

    summary = score_run(run, extra_sources=[judge])
    entry = summary["tasks"]["mella_sr_know"]["metrics"]["judge:cultural_depth"]
    assert entry["value"] == 4.0 and entry["n"] == 2 and entry["signature"] == "judge:fake|rubric:abc|n:2|failure_rate:0.0|ci:bs1000-percentile-seed0|version:0.1.0"
    assert any(r["metric"] == "judge:cultural_depth" for r in rows_of(run))


def test_rescoring_replaces_scores_instead_of_appending(oracle_run):
    run, _ = oracle_run
    before = rows_of(run)
    score_run(run)
    assert rows_of(run) == before


def test_a_directory_without_run_json_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        score_run(tmp_path)


def test_without_java_meteor_rows_fail_with_the_reason_and_the_rest_is_scored(tmp_path, monkeypatch):
    import mella_bench.metrics.meteor as meteor_module

    run = make_run(tmp_path, per_axis=2)
    monkeypatch.setattr(meteor_module.shutil, "which", lambda name: None)
    summary = score_run(run)
    entry = summary["tasks"]["mella_th_ling"]["metrics"]["meteor"]
    assert entry["value"] is None and entry["failure_rate"] == 1.0
    reasons = {r["reason"] for r in rows_of(run) if r["metric"] == "meteor"}
    assert len(reasons) == 1 and "METEOR needs Java" in reasons.pop()
    assert summary["tasks"]["mella_th_ling"]["metrics"]["bleu"]["value"] == pytest.approx(100.0)
