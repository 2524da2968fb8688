"""`aggregate(metric, stats)` and profiles (mella_bench/metrics/__init__.py)."""

from __future__ import annotations

import pytest

from mella_bench.metrics import METRICS, aggregate, profiles


def test_mean_metrics_and_judge_dimensions_average_their_values():
    for metric in ("rouge_l", "cider", "keyword_acc", "keyword_acc_strict", "fidelity", "judge:cultural_depth"):
        assert aggregate(metric, [[100.0], [0.0], [50.0]]) == pytest.approx(50.0)


def test_unknown_metric_and_empty_stats_are_errors():
    with pytest.raises(ValueError, match="unknown metric 'spice'"):
        aggregate("spice", [[1.0]])
    with pytest.raises(ValueError, match="no scored items"):
        aggregate("bleu", [])


def test_corpus_metric_rows_must_have_one_width():
    with pytest.raises(ValueError, match="different lengths"):
        aggregate("bleu", [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1]])


def test_profiles_follow_the_paper():
    assert profiles("keyword_acc", "know") == ["paper", "full"]
    assert profiles("meteor", "know") == ["full"]
    assert {m for m in METRICS if "paper" in profiles(m, "ling")} == {"meteor", "bleu", "rouge_l"}
