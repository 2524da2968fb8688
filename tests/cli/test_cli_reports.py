"""The report / compare / ablate / tables commands (mella_bench/cli.py) end to end on synthetic runs."""

from __future__ import annotations

import json

import types
from pathlib import Path

import pytest
from tests.support.runs import test_aggregates, thick_thin, write_run

from mella_bench.cli import main


@pytest.fixture
def metrics_module(monkeypatch):
    """The real registry with METEOR and chrF++ as means (the synthetic runs store `[value]` rows for
    them), and the tables' re-scoring replaced by the stored rows (with summary.json's signatures)."""
    import dataclasses

    from mella_bench.reports import tables
    from mella_bench.metrics.registry import REGISTRY
    from mella_bench.metrics.score import Rescored

    rescored: list = []
    shown: list = []

    def fake_rescored(run_dir, metrics=None, progress=False):  # stands in for re-deriving: the stored rows
        rows = [json.loads(l) for l in (Path(run_dir) / "scores.jsonl").read_text().splitlines()]
        rescored.append((Path(run_dir).name, tuple(metrics or ())))
        shown.append(progress)
        summary = json.loads((Path(run_dir) / "summary.json").read_text())
        sigs = {(t, m): e["signature"] for t, task in summary["tasks"].items() for m, e in task["metrics"].items()}
        return Rescored(tuple(r for r in rows if metrics is None or r["metric"] in metrics), sigs)

    for name in ("meteor", "chrf++"):
        monkeypatch.setitem(REGISTRY, name, dataclasses.replace(REGISTRY[name], kind="mean"))
    monkeypatch.setattr(tables, "rescored", fake_rescored)
    return types.SimpleNamespace(rescored=rescored, progress=shown)


def test_report_and_compare_commands(tmp_path, metrics_module, capsys):
    thick, thin = thick_thin(tmp_path, n=8)
    assert main(["report", str(thin), str(thick), "--out", str(tmp_path / "rep"), "--resamples", "200"]) == 0
    assert (tmp_path / "rep" / "leaderboard.md").is_file() and (tmp_path / "rep" / "scatter_know_ling.png").is_file()
    capsys.readouterr()
    assert main(["compare", str(thin), str(thick), "--resamples", "200", "--out", str(tmp_path / "cmp")]) == 0
    out = capsys.readouterr().out
    # 8 items per language: never called per language (fewer than MIN_PAIRED_N); the 64-item macro is
    assert "th: reference:thick ≈ reference:thin (too few items to call: n=8 < 10) on keyword_acc" in out
    assert "macro: reference:thick > reference:thin on keyword_acc" in out
    assert (tmp_path / "cmp" / "compare.csv").is_file()
    thick12, thin12 = thick_thin(tmp_path / "n12", n=12)
    assert main(["compare", str(thin12), str(thick12), "--resamples", "200"]) == 0
    assert "th: reference:thick > reference:thin on keyword_acc" in capsys.readouterr().out


def test_ablate_command(tmp_path, metrics_module):
    runs = [write_run(tmp_path, n_, n_, lambda l, i: float(10 * k), lambda l, i: 0.5, langs=("th", "ko"), n=6)
            for k, n_ in enumerate(("b", "c", "l", "f"))]
    args = ["ablate", "--base", str(runs[0]), "--culture", str(runs[1]), "--linguistic", str(runs[2]),
            "--full", str(runs[3]), "--out", str(tmp_path / "abl"), "--resamples", "100"]
    assert main(args) == 0
    assert (tmp_path / "abl" / "ablation.png").is_file() and (tmp_path / "abl" / "ablation.tex").is_file()


def test_tables_command_write_check_and_fail(tmp_path, metrics_module, capsys):
    from tests.reports.test_tables import setup

    cfg = setup(tmp_path)
    assert main(["tables", "--config", str(cfg)]) == 0
    assert main(["tables", "--config", str(cfg), "--check"]) == 0
    assert ("thick", ("bleu", "keyword_acc", "meteor", "rouge_l")) in metrics_module.rescored  # the default source
    assert metrics_module.progress and all(metrics_module.progress)  # the check says what it is doing
    metrics_module.progress.clear()
    assert main(["tables", "--config", str(cfg), "--check", "--quiet"]) == 0
    assert metrics_module.progress and not any(metrics_module.progress)
    md = tmp_path / "tables" / "keyword_accuracy.md"
    md.write_text(md.read_text().replace("100.00", "99.00", 1))
    capsys.readouterr()
    assert main(["tables", "--config", str(cfg), "--check"]) == 1
    assert "keyword_accuracy.md (regenerated from the runs)" in capsys.readouterr().err


def test_missing_run_dir_is_a_clear_error(tmp_path, metrics_module, capsys):
    assert main(["report", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "nope does not exist" in capsys.readouterr().err
    (tmp_path / "unscored").mkdir()
    assert main(["report", str(tmp_path / "unscored"), "--out", str(tmp_path / "o")]) == 2
    assert f"has no scores.jsonl; score the run first: `mella-bench score {tmp_path / 'unscored'}`" in \
        capsys.readouterr().err
