"""The headline printed after `run` and `score`, and scores.md."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mella_bench.cli import main
from mella_bench.reports.headline import fmt_cell, headline_rows
from mella_bench.langs import LANG_CODES
from mella_bench.reports.leaderboard import load_run
from mella_bench.stats import CI, Estimate

EXAMPLES = Path(__file__).resolve().parents[2] / "results" / "examples"


@pytest.fixture
def run_copy(tmp_path: Path) -> Path:
    run = tmp_path / "reference-thin"
    shutil.copytree(EXAMPLES / "reference-thin", run)
    return run


def test_fmt_cell_fits_eight_characters() -> None:
    ci = lambda lo, hi: CI(lo, hi, 1000, 0)  # noqa: E731
    assert fmt_cell(Estimate(62.5, ci(58.4, 66.6), 6, 0), "meteor") == "62.5±4.1"
    assert fmt_cell(Estimate(33.3, ci(0.0, 66.7), 6, 0), "fidelity") == "33.3±33"
    assert fmt_cell(Estimate(100.0, ci(60.0, 100.0), 6, 0), "keyword_acc") == "100.0±20"
    assert fmt_cell(Estimate(3.25, ci(3.0, 3.5), 6, 0), "judge:cultural_depth") == "3.25±0.2"
    assert fmt_cell(Estimate(None, None, 0, 6), "meteor") == "—"
    assert fmt_cell(None, "meteor") == "—"


def test_score_prints_the_headline_on_stdout(run_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(run_copy), "--quiet"]) == 0
    out, err = capsys.readouterr()
    lines = out.rstrip("\n").splitlines()
    assert len(lines) <= 15
    assert max(len(line) for line in lines if not line.startswith("every metric")) <= 100  # a path may be longer
    assert lines[1].split() == [*LANG_CODES, "macro"]
    labels = [line[:14].strip() for line in lines[2:8]]
    assert labels == ["know KwAcc", "fidelity", "ling METEOR", "BLEU-4", "ROUGE-L", "fidelity"]
    assert "n per language: know 6, ling 6 · failed answers: 0 of 96 (0.0%)" in out
    assert f"{run_copy / 'scores.md'}" in out
    assert "signatures:" not in out and "signatures:" not in err  # the long table is behind --verbose
    # every per-language value is summary.json's, rounded
    summary = json.loads((run_copy / "summary.json").read_text(encoding="utf-8"))
    meteor = lines[4].split()[2:]
    for lang, cell in zip(LANG_CODES, meteor):
        want = summary["tasks"][f"mella_{lang}_ling"]["metrics"]["meteor"]["value"]
        assert float(cell.split("±")[0]) == pytest.approx(want, abs=0.05)
    md = (run_copy / "scores.md").read_text(encoding="utf-8")
    assert "signatures:" in md and "mella_th_ling" in md and "KwAcc" in md


def test_verbose_prints_every_metric_to_stderr_and_json_keeps_stdout_clean(run_copy: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(run_copy), "--quiet", "--verbose"]) == 0
    out, err = capsys.readouterr()
    assert "signatures:" in err and "mella_th_ling" in err and "KwAcc" in out
    assert main(["score", str(run_copy), "--quiet", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["tasks"] and "KwAcc" in err


def test_macro_is_the_mean_of_languages_and_matches_the_leaderboard() -> None:
    from mella_bench.reports.leaderboard import run_cells

    run = load_run(EXAMPLES / "tiny")
    rows = {(r.axis, r.metric): r for r in headline_rows(run, resamples=200)}
    cells = {(c.axis, c.metric, c.lang): c.est for c in run_cells(run, resamples=200)}
    for (axis, metric), row in rows.items():
        langs = [l for l in row.cells if l != "macro"]
        assert row.cells["macro"].value == pytest.approx(sum(row.cells[l].value for l in langs) / len(langs))
        assert row.cells["macro"].ci == cells[(axis, metric, "macro")].ci
    assert ("know", "keyword_acc") in rows and ("ling", "rouge_l") in rows


def test_judge_dimensions_join_the_headline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.judged_run import judged_run

    run = judged_run(tmp_path, langs=("ar", "th"))
    assert main(["score", str(run), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["ar", "th", "macro"]
    rows = [(line[:14].strip(), line[14:].split()) for line in lines[2:12]]
    assert [label for label, _ in rows] == ["know KwAcc", "fidelity", "J:depth", "J:visual", "ling METEOR", "BLEU-4",
                                            "ROUGE-L", "fidelity", "J:fluency", "J:visual"]
    assert all(line[14] == " " for line in lines[1:12])  # a label never runs into the first value
    assert rows[2][1] == ["2.00±0.0", "2.00±0.0", "2.00±0.0"]  # capped at 2 by the unsupported claim
    assert rows[3][1][0] == "4.00±0.0"
    assert any("judge failed: 0 of " in line for line in lines) and any("J: judge (1–5)" in line for line in lines)
