"""The ablation table (mella_bench/curation/ablation.py) on four synthetic arms with known structure."""

from __future__ import annotations

import csv
import io

import pytest
from tests.support.runs import test_aggregates, write_run

from mella_bench.curation import ablation as A
from mella_bench.reports.leaderboard import load_runs

LANGS = ("ar", "hu", "th")


def arms(root, synergy: float = 0.0):
    """base: thin on both axes; culture: + keywords; linguistic: + fluent captions; full: both (+ synergy on know)."""
    lo_kw = lambda l, i: 50.0 if i % 4 == 0 else 0.0  # noqa: E731
    hi_kw = lambda l, i: 100.0 if i % 6 else 50.0  # noqa: E731
    full_kw = (lambda l, i: min(100.0, hi_kw(l, i) + synergy)) if synergy else hi_kw
    return [write_run(root, name, name, kw, (lambda l, i, nz=noise: nz), langs=LANGS, n=16,
                      hyp_seed="same" if noise == 0.6 else "fluent")
            for name, kw, noise in (("base", lo_kw, 0.6), ("culture", hi_kw, 0.6), ("linguistic", lo_kw, 0.1),
                                    ("full", full_kw, 0.1))]


def test_additive_arms_deltas_and_zero_interaction(tmp_path):
    runs = dict(zip(A.ARMS, load_runs(arms(tmp_path))))
    know = A.ablation_rows(runs, "know", "keyword_acc", test_aggregates, resamples=300)
    assert [r.lang for r in know] == list(LANGS) + ["macro"]
    for r in know:
        d_cult, d_ling, d_full = r.deltas
        assert d_cult.delta > 40 and d_cult.significant
        assert d_ling.delta == 0 and d_ling.p == 1.0 and not d_ling.significant
        assert d_full.delta == pytest.approx(d_cult.delta)
        assert r.interaction.delta == pytest.approx(0, abs=1e-9) and not r.interaction.significant
        assert r.arms[0].value < r.arms[1].value
    ling = A.ablation_rows(runs, "ling", "meteor", test_aggregates, resamples=300)
    for r in ling:
        assert r.deltas[0].delta == 0 and r.deltas[1].significant and r.deltas[1].delta > 30


def test_interaction_detected_and_equals_formula(tmp_path):
    runs = dict(zip(A.ARMS, load_runs(arms(tmp_path, synergy=-50.0))))  # full loses much of culture's gain
    rows = A.ablation_rows(runs, "know", "keyword_acc", test_aggregates, resamples=300)
    for r in rows:
        v = [e.value for e in r.arms]
        assert r.interaction.delta == pytest.approx(v[3] - v[1] - v[2] + v[0])
        assert r.interaction.delta < 0 and r.interaction.significant


def test_write_ablation_outputs(tmp_path):
    paths = arms(tmp_path / "runs")
    files = A.write_ablation(*paths, tmp_path / "out", resamples=200, aggregates=test_aggregates)
    md = files.markdown.read_text()
    assert "## Paper metrics" in md and "## Full profile" in md and "interaction" in md
    assert "\\*" in md  # significance marks are escaped for Markdown
    rows = list(csv.DictReader(io.StringIO(files.csv.read_text())))
    kinds = {(r["metric"], r["kind"]) for r in rows}
    assert {("keyword_acc", "arm"), ("keyword_acc", "delta"), ("keyword_acc", "interaction"), ("bleu", "interaction")} <= kinds
    tex = files.latex.read_text()
    assert "\\toprule" in tex and "$^{*}$" in tex
    assert files.plot and files.plot.read_bytes()[:4] == b"\x89PNG"
