"""The report / compare / ablate / tables commands (mella_bench/cli.py) end to end, with a stand-in
`mella_bench.metrics` module that honours the contract (aggregate, rescore)."""

from __future__ import annotations

import json

import types
from pathlib import Path

import pytest
from tests._runs import test_aggregates, thick_thin, write_run

from mella_bench.cli import main


@pytest.fixture
def metrics_module(monkeypatch):
    """The real metrics package with `aggregate` and `rescore` replaced for synthetic runs."""
    import mella_bench.metrics as metrics

    rescored: list = []

    def rescore(run_dir, metrics=None):  # stands in for re-deriving from predictions: the stored rows
        rows = [json.loads(l) for l in (Path(run_dir) / "scores.jsonl").read_text().splitlines()]
        rescored.append((Path(run_dir).name, tuple(metrics or ())))
        return [r for r in rows if metrics is None or r["metric"] in metrics]

    monkeypatch.setattr(metrics, "aggregate", lambda metric, stats: test_aggregates(metric)(stats), raising=False)
    monkeypatch.setattr(metrics, "rescore", rescore, raising=False)
    monkeypatch.setattr(metrics, "rescore_with_signatures", lambda run_dir, metrics=None: (rescore(run_dir, metrics), {}),
                        raising=False)
    return types.SimpleNamespace(rescored=rescored)


def test_report_and_compare_commands(tmp_path, metrics_module, capsys):
    thick, thin = thick_thin(tmp_path, n=8)
    assert main(["report", str(thin), str(thick), "--out", str(tmp_path / "rep"), "--resamples", "200"]) == 0
    assert (tmp_path / "rep" / "leaderboard.md").is_file() and (tmp_path / "rep" / "scatter_know_ling.png").is_file()
    capsys.readouterr()
    assert main(["compare", str(thin), str(thick), "--resamples", "200", "--out", str(tmp_path / "cmp")]) == 0
    out = capsys.readouterr().out
    assert "th: reference:thick > reference:thin on keyword_acc" in out
    assert (tmp_path / "cmp" / "compare.csv").is_file()


def test_ablate_command(tmp_path, metrics_module):
    runs = [write_run(tmp_path, n_, n_, lambda l, i: float(10 * k), lambda l, i: 0.5, langs=("th", "ko"), n=6)
            for k, n_ in enumerate(("b", "c", "l", "f"))]
    args = ["ablate", "--base", str(runs[0]), "--culture", str(runs[1]), "--linguistic", str(runs[2]),
            "--full", str(runs[3]), "--out", str(tmp_path / "abl"), "--resamples", "100"]
    assert main(args) == 0
    assert (tmp_path / "abl" / "ablation.png").is_file() and (tmp_path / "abl" / "ablation.tex").is_file()


def test_tables_command_write_check_and_fail(tmp_path, metrics_module, capsys):
    from tests.test_tables import setup

    cfg = setup(tmp_path)
    assert main(["tables", "--config", str(cfg)]) == 0
    assert main(["tables", "--config", str(cfg), "--check"]) == 0
    assert ("thick", ("bleu", "keyword_acc", "meteor", "rouge_l")) in metrics_module.rescored  # the default source
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
