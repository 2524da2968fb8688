"""The metric registry (mella_bench/metrics/registry.py): one entry per metric, read by everything,
and its vectorised bootstrap checked against the per-resample loop it replaced."""

from __future__ import annotations

import math
import random
import shutil

import numpy as np
import pytest

from mella_bench.langs import AXES
from mella_bench.metrics import aggregate, profiles
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.base import ScoringSession
from mella_bench.metrics.meteor import N_JAR_STATS, SETTINGS, meteor_from_stats
from mella_bench.metrics.ngram import bleu, bleu_from_stats, chrf, chrf_from_stats
from mella_bench.metrics.registry import (METRICS, REGISTRY, get_metric, paper_metrics, primary_metric,
                                          resample_counts, sort_metrics)
from mella_bench.stats import bootstrap_ci, resample_indices

# ------------------------------------------------------------------ the loop the registry replaced
# Kept here verbatim in behaviour (fsum of each resample's rows, then the scalar formula) as the
# reference the vectorised bootstrap must equal to 1e-9.


def _old_is_perfect(row) -> bool:
    stages = [row[4 + 4 * i:8 + 4 * i] for i in range(4)]
    return (sum(st[0] + st[2] for st in stages) == row[0] and sum(st[1] + st[3] for st in stages) == row[1]
            and row[20] == 1)


def old_aggregate(metric: str, rows) -> float:
    rows = [list(r) for r in rows]
    if metric == "meteor":
        summed = [math.fsum(r[i] for r in rows) for i in range(N_JAR_STATS)]
        summed[20] = math.fsum(r[20] for r in rows if not _old_is_perfect(r))
        return meteor_from_stats(summed + rows[0][N_JAR_STATS:])
    if metric in ("bleu", "chrf++"):
        summed = [math.fsum(r[i] for r in rows) for i in range(len(rows[0]))]
        return bleu_from_stats(summed) if metric == "bleu" else chrf_from_stats(summed)
    return math.fsum(r[0] for r in rows) / len(rows)


def old_resampled(metric: str, stats: np.ndarray, indices: np.ndarray) -> np.ndarray:
    return np.array([old_aggregate(metric, stats[idx]) for idx in indices])


# ------------------------------------------------------------------ realistic statistics

WORDS = ("phở bò Hà Nội với hành và rau thơm bát canh thịt nước dùng bánh mì chợ nổi sông "
         "áo dài nón lá đền chùa phố cổ lồng đèn").split()


def vi_corpus(n: int, noise: float, seed: int) -> Corpus:
    rng = random.Random(seed)
    hyps, refs = [], []
    for k in range(n):
        ref = [rng.choice(WORDS) for _ in range(rng.randint(3, 14))]
        hyp = [w if rng.random() > noise else rng.choice(WORDS) for w in ref]
        if k % 7 == 0:
            hyp = hyp[:2]  # short answers: orders with no n-grams, brevity penalty
        if k % 11 == 0:
            hyp = list(ref)  # exact copies
        hyps.append(" ".join(hyp))
        refs.append((" ".join(ref),))
    return Corpus("vi", tuple(hyps), tuple(refs))


def synthetic_meteor_stats(n: int, seed: int, lang: str = "hu") -> np.ndarray:
    """Jar-shaped rows (lengths, function words, per-stage matches, chunks) with perfect segments mixed in."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        t_len, r_len = rng.integers(1, 15), rng.integers(1, 15)
        t_fw, r_fw = rng.integers(0, t_len + 1), rng.integers(0, r_len + 1)
        row = np.zeros(N_JAR_STATS)
        row[0:4] = t_len, r_len, t_fw, r_fw
        if k % 5 == 0:  # a perfect segment: everything matched exactly, one chunk
            m = min(t_len, r_len)
            row[0:2] = m, m
            row[4:8] = m - min(t_fw, m), m - min(t_fw, m), min(t_fw, m), min(t_fw, m)
            row[20], row[21], row[22] = 1, m, m
        else:
            matched = rng.integers(0, min(t_len, r_len) + 1)
            exact = rng.integers(0, matched + 1)
            row[4:8] = exact, exact, 0, 0
            row[8:12] = matched - exact, matched - exact, 0, 0
            row[20] = rng.integers(1, matched + 1) if matched else 0
            row[21], row[22] = matched, matched
        rows.append(np.concatenate([row, SETTINGS[lang].constants()]))
    return np.array(rows)


def corpus_stats(metric: str, n: int = 120, seed: int = 0) -> np.ndarray:
    if metric == "meteor":
        return synthetic_meteor_stats(n, seed)
    corpus = vi_corpus(n, 0.5, seed)
    return np.array((bleu if metric == "bleu" else chrf)(corpus).stats, dtype=float)


# ------------------------------------------------------------------ registry contents


def test_one_entry_per_metric_with_an_implementation_in_display_order():
    assert METRICS == tuple(REGISTRY) and len(set(METRICS)) == len(METRICS)
    assert [REGISTRY[m].order for m in METRICS] == list(range(len(METRICS)))
    for m in REGISTRY.values():
        assert m.score is not None and m.kind in ("mean", "corpus") and set(m.axes) <= set(AXES)
        if m.kind == "corpus":
            assert m.from_sums is not None and m.from_sums_batch is not None
    assert {m for m in METRICS if REGISTRY[m].kind == "corpus"} == {"bleu", "chrf++", "meteor"}


def test_paper_profile_and_headline_metrics():
    assert paper_metrics("know") == ("keyword_acc",) and paper_metrics("ling") == ("meteor", "bleu", "rouge_l")
    assert primary_metric("know") == "keyword_acc" and primary_metric("ling") == "meteor"
    assert profiles("bleu", "ling") == ["paper", "full"] and profiles("bleu", "know") == ["full"]
    assert not REGISTRY["keyword_acc"].applies_to("ling") and REGISTRY["meteor"].applies_to("know")


def test_judge_dimensions_are_means_on_the_1_to_5_scale_sorted_after_automatic_metrics():
    judge = get_metric("judge:cultural_depth")
    assert judge.kind == "mean" and judge.scale == (1.0, 5.0) and judge.decimals == 2
    assert judge.profiles("know") == ("full",) and judge.unit == "1–5"
    assert judge([[4.0], [2.0]]) == 3.0
    assert sort_metrics({"judge:b", "bleu", "judge:a", "keyword_acc"}) == ["keyword_acc", "bleu", "judge:a", "judge:b"]
    with pytest.raises(ValueError, match="unknown metric 'bogus'; known: keyword_acc"):
        get_metric("bogus")
    with pytest.raises(ValueError, match="no scored items"):
        aggregate("bleu", [])


def test_signature_adds_n_and_failure_rate_before_the_version():
    m = get_metric("bleu")
    assert m.signature({"tok": "vi", "version": "9"}, 10, 1 / 3) == "tok:vi|n:10|failure_rate:0.3333|version:9"


# ------------------------------------------------------------------ vectorised bootstrap


def test_resample_counts_match_the_indices():
    idx = resample_indices(7, 5, seed=1, task="t")
    counts = resample_counts(idx, 7)
    assert counts.shape == (5, 7) and (counts.sum(axis=1) == 7).all()
    assert all((np.bincount(row, minlength=7) == c).all() for row, c in zip(idx, counts))


@pytest.mark.parametrize("metric", ["bleu", "chrf++", "meteor", "rouge_l"])
def test_vectorised_bootstrap_equals_the_per_resample_loop(metric):
    stats = corpus_stats(metric) if metric != "rouge_l" else np.random.default_rng(3).uniform(0, 100, (90, 1))
    m = get_metric(metric)
    assert m(stats) == pytest.approx(old_aggregate(metric, stats), abs=1e-9)
    for task in ("mella_vi_ling", "mella_hu_ling"):
        idx = resample_indices(len(stats), 300, seed=11, task=task)
        fast, slow = m.resampled(stats, idx), old_resampled(metric, stats, idx)
        assert np.abs(fast - slow).max() <= 1e-9
        assert np.unique(np.round(slow, 6)).size > 50  # the resamples really differ: the check has teeth


@pytest.mark.parametrize("metric", ["bleu", "chrf++", "meteor"])
def test_closed_forms_on_edge_rows(metric):
    """Rows the formulas special-case: nothing matched, no n-grams of some order, everything perfect."""
    m = get_metric(metric)
    stats = corpus_stats(metric, n=40, seed=5)
    rows = [stats[i:i + 1] for i in range(len(stats))] + [stats[:3], stats]  # single items: unmatched orders
    if metric == "meteor":
        perfect = synthetic_meteor_stats(10, 1)[::5]
        zero = stats[:2].copy()
        zero[:, 4:23] = 0
        rows += [perfect, zero]
    else:
        zero = stats[:2].copy()
        zero[:, 2:] = 0
        rows.append(zero)
    for r in rows:
        idx = np.tile(np.arange(len(r)), (3, 1))
        assert m.resampled(r, idx) == pytest.approx([old_aggregate(metric, r)] * 3, abs=1e-9)


def test_meteor_rows_of_different_settings_are_not_pooled():
    mixed = np.vstack([synthetic_meteor_stats(3, 0, "hu"), synthetic_meteor_stats(3, 0, "cs")])
    with pytest.raises(ValueError, match="different settings"):
        get_metric("meteor").resampled(mixed, np.zeros((2, 6), dtype=int))


def test_bootstrap_ci_of_a_registry_metric_equals_the_loop_ci():
    stats = corpus_stats("bleu", n=80, seed=2)
    ci = bootstrap_ci(stats, get_metric("bleu"), resamples=500, seed=4, task="mella_vi_ling")
    slow = old_resampled("bleu", stats, resample_indices(80, 500, 4, "mella_vi_ling"))
    assert (ci.low, ci.high) == pytest.approx(tuple(np.percentile(slow, [2.5, 97.5])), abs=1e-9)


@pytest.mark.skipif(shutil.which("java") is None, reason="METEOR needs Java (CI installs it)")
def test_vectorised_meteor_on_real_jar_statistics():
    corpus = vi_corpus(60, 0.4, 9)
    hu = Corpus("hu", corpus.hyps, corpus.refs)
    with ScoringSession() as session:
        stats = np.array(get_metric("meteor").score(hu, session).stats)
    assert any(_old_is_perfect(r) for r in stats)
    idx = resample_indices(60, 200, 0, "mella_hu_ling")
    assert np.abs(get_metric("meteor").resampled(stats, idx) - old_resampled("meteor", stats, idx)).max() <= 1e-9
