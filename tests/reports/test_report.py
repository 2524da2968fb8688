"""Leaderboards, comparisons and plots (mella_bench/reports/leaderboard.py) on synthetic run directories."""

from __future__ import annotations

import csv
import io
import warnings

import numpy as np
import pytest
from tests.support.runs import test_aggregates, thick_thin, write_run

from mella_bench.reports import leaderboard as R
from mella_bench.reports.figures import bar_figure, new_figure
from mella_bench.langs import LANG_CODES
from mella_bench.stats import bootstrap_ci


def test_cells_match_direct_bootstrap_and_include_macro(tmp_path):
    thick, _ = thick_thin(tmp_path)
    run = R.load_run(thick)
    assert run.label == "reference:thick"
    cells = R.run_cells(run, test_aggregates, resamples=200)
    th = next(c for c in cells if c.lang == "th" and c.metric == "bleu")
    ms = run.scores[("mella_th_ling", "bleu")]
    ci = bootstrap_ci(ms.stats, test_aggregates("bleu"), 200, seed=0, task="mella_th_ling")
    assert (th.est.ci.low, th.est.ci.high) == (ci.low, ci.high)
    assert th.signature == "bleu|tok:newmm|v1"
    macro = next(c for c in cells if c.lang == "macro" and c.metric == "keyword_acc")
    per = [c.est.value for c in cells if c.metric == "keyword_acc" and c.lang != "macro"]
    assert macro.est.value == pytest.approx(np.mean(per)) and macro.est.n == 8 * 12
    assert macro.profiles == ("paper", "full")


def test_report_writes_every_format_and_says_thick_beats_thin(tmp_path):
    thick, thin = thick_thin(tmp_path)
    files = R.write_report([thin, thick], tmp_path / "out", resamples=300, aggregates=test_aggregates)
    md = files.markdown.read_text()
    for lang in LANG_CODES:
        assert f"- {lang}: reference:thick > reference:thin on keyword_acc, Δ=+" in md
    assert "p_holm<0.003" in md or "p_holm=" in md
    assert "## Paper profile" in md and "## Full profile" in md
    assert "`bleu` [ar,cs,hu,ko,ru,sr,vi]: `bleu|tok:words|v1`" in md and "`bleu` [th]: `bleu|tok:newmm|v1`" in md
    assert "| n: reference:thin | 12 |" in md
    rows = list(csv.DictReader(io.StringIO(files.csv.read_text())))
    assert {r["lang"] for r in rows} == set(LANG_CODES) | {"macro"}
    assert all(float(r["ci_low"]) <= float(r["value"]) <= float(r["ci_high"]) for r in rows)
    tex = files.latex.read_text()
    assert "\\toprule" in tex and "\\bottomrule" in tex and "keyword\\_acc" in tex
    assert tex.count("\\begin{tabular}") == tex.count("\\end{tabular}") >= 4
    assert sorted(p.name for p in files.plots) == ["bars_know_keyword_acc.png", "bars_ling_bleu.png",
                                                   "bars_ling_meteor.png", "bars_ling_rouge_l.png", "scatter_know_ling.png"]
    for p in files.plots:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000


def test_failures_are_counted_and_shown(tmp_path):
    run = write_run(tmp_path, "flaky", "tiny", lambda l, i: None if i < 3 else 40.0, lambda l, i: 0.3,
                    backend="tiny", langs=("th", "ko"))
    cells = R.run_cells(R.load_run(run), test_aggregates, resamples=50)
    th = next(c for c in cells if c.lang == "th" and c.metric == "keyword_acc")
    assert (th.est.n, th.est.n_failed) == (9, 3) and th.est.failure_rate == pytest.approx(0.25)
    assert R.fmt_n(th.est) == "9 (25% failed)"


def test_compare_identical_runs_not_significant(tmp_path):
    a, b = (write_run(tmp_path / d, "same", "thick", lambda l, i: 100.0 * (i % 2), lambda l, i: 0.3, langs=("th", "vi"))
            for d in ("x", "y"))
    text = R.compare(a, b, resamples=200, aggregates=test_aggregates)
    assert "not significant" in text and " > " not in text.split("###", 1)[1].replace("p_holm", "")
    comps = R.compare_runs(R.load_run(a), R.load_run(b), aggregates=test_aggregates, resamples=200)
    assert all(c.delta == 0 and c.p == 1.0 for comp in comps for c in comp.per_lang)


def test_compare_writes_files_and_counts_excluded_items(tmp_path):
    a = write_run(tmp_path, "a", "thin", lambda l, i: 0.0, lambda l, i: 0.6, langs=("hu",))
    b = write_run(tmp_path, "b", "thick", lambda l, i: None if i == 0 else 100.0, lambda l, i: 0.05, langs=("hu",))
    text = R.compare(a, b, tmp_path / "cmp", resamples=200, aggregates=test_aggregates)
    assert "hu: reference:thick > reference:thin on keyword_acc, Δ=+100.0 [+100.0, +100.0]" in text
    assert "1 item(s) excluded" in text
    rows = list(csv.DictReader((tmp_path / "cmp" / "compare.csv").open()))
    assert rows[0]["n"] == "11" and rows[0]["n_excluded"] == "1" and rows[0]["significant"] == "1"


def test_plots_emit_no_missing_glyph_warning_and_the_check_can_fail(tmp_path):
    thick, thin = thick_thin(tmp_path, n=6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        R.write_report([thin, thick], tmp_path / "out", resamples=50, aggregates=test_aggregates)
    assert not [w for w in caught if "Glyph" in str(w.message)]
    # negative control: a Thai label in the default font does warn, so the assertion above can fail
    fig = new_figure(2, 2)
    fig.add_subplot().set_title("ไทย 한국어")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "x.png")
    assert any("Glyph" in str(w.message) for w in caught)


def test_duplicate_model_labels_get_the_directory_name(tmp_path):
    a = write_run(tmp_path, "r1", "thick", lambda l, i: 1.0, lambda l, i: 0.1, langs=("th",))
    b = write_run(tmp_path, "r2", "thick", lambda l, i: 1.0, lambda l, i: 0.1, langs=("th",))
    assert [r.label for r in R.load_runs([a, b])] == ["reference:thick (r1)", "reference:thick (r2)"]


@pytest.mark.parametrize("runs", [("reference:thick",), ("reference:thin", "reference:thick")])
def test_bar_plot_title_fits_the_figure_with_one_language(runs):
    """A run on one language makes the narrowest figure; its title must not be cut off at the edges."""
    from mella_bench.stats import Estimate

    cells = [R.Cell(run, "/x", "know", "keyword_acc", lang, Estimate(50.0, None, 6, 0), "sig", ("paper", "full"))
             for run in runs for lang in ("th", "macro")]
    fig = bar_figure(cells, "know", "keyword_acc", runs)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    title = fig.axes[0].title.get_window_extent(renderer)
    box = fig.bbox
    assert box.x0 <= title.x0 and title.x1 <= box.x1, (title, box)
