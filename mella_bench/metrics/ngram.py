"""BLEU-4 and chrF++ with sacrebleu's per-segment statistics (counted in numpy by `ngramstats`).

BLEU runs over our pre-tokenised, casefolded text with `tokenize='none'`; chrF++ (`CHRF(word_order=2)`)
over `Tokenizer.chrf_text` (NFC, Serbian folded to Latin, Thai word-segmented). The per-item stats
are sacrebleu's segment vectors, so `aggregate` on their sum reproduces sacrebleu's corpus score
exactly; `ngramstats` computes those vectors for the whole corpus at once (equal to sacrebleu's
`_extract_corpus_statistics`, checked in tests). Per-item display values are sacrebleu's
sentence-level scores (BLEU with effective order).
"""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Sequence

import numpy as np

from mella_bench.metrics.base import Corpus, MetricResult, nrefs_field
from mella_bench.metrics.ngramstats import bleu_statistics, chrf_statistics

BLEU_ORDER = 4
CHRF_CHAR_ORDER, CHRF_WORD_ORDER = 6, 2


def _sacrebleu_version() -> str:
    return importlib.metadata.version("sacrebleu")


@functools.lru_cache(maxsize=None)
def _bleu(effective_order: bool):  # type: ignore[no-untyped-def]
    from sacrebleu.metrics import BLEU

    return BLEU(tokenize="none", max_ngram_order=BLEU_ORDER, effective_order=effective_order, force=True)


@functools.lru_cache(maxsize=None)
def _chrf():  # type: ignore[no-untyped-def]
    from sacrebleu.metrics import CHRF

    return CHRF(char_order=CHRF_CHAR_ORDER, word_order=CHRF_WORD_ORDER)


def _as_rows(stats: Sequence[Sequence[int]]) -> list[tuple[float, ...]]:
    return [tuple(float(x) for x in s) for s in stats]


def bleu_from_stats(stats: Sequence[float]) -> float:
    """Corpus BLEU (0–100) from summed sacrebleu BLEU stats."""
    return float(_bleu(False)._compute_score_from_stats([int(round(x)) for x in stats]).score)


def chrf_from_stats(stats: Sequence[float]) -> float:
    """Corpus chrF++ (0–100) from summed sacrebleu chrF++ stats."""
    return float(_chrf()._compute_score_from_stats([int(round(x)) for x in stats]).score)


def bleu_from_sums(sums: np.ndarray) -> np.ndarray:
    """`bleu_from_stats` of every row of a (resamples × 10) matrix of summed stats, in numpy.

    sacrebleu's `compute_bleu` (exp smoothing, no effective order) written over whole columns, so a
    bootstrap computes 1,000 corpus scores in one pass; tests check it against `bleu_from_stats`.
    """
    sums = np.asarray(sums, dtype=float)
    sys_len, ref_len = sums[:, 0], sums[:, 1]
    correct, total = sums[:, 2:2 + BLEU_ORDER], sums[:, 2 + BLEU_ORDER:2 + 2 * BLEU_ORDER]
    with np.errstate(divide="ignore", invalid="ignore"):
        bp = np.where(sys_len < ref_len, np.where(sys_len > 0, np.exp(1 - ref_len / sys_len), 0.0), 1.0)
        smooth = np.ones(len(sums))
        alive = np.ones(len(sums), dtype=bool)  # sacrebleu stops at the first order with no n-grams
        log_sum = np.zeros(len(sums))
        for n in range(BLEU_ORDER):
            alive &= total[:, n] != 0
            zero = alive & (correct[:, n] == 0)
            smooth = np.where(zero, smooth * 2, smooth)
            prec = np.where(zero, 100.0 / (smooth * total[:, n]), 100.0 * correct[:, n] / total[:, n])
            prec = np.where(alive, prec, 0.0)
            log_sum = log_sum + np.where(prec != 0, np.log(np.where(prec != 0, prec, 1.0)), -9999999999.0)
        score = bp * np.exp(log_sum / BLEU_ORDER)
    return np.where(correct.any(axis=1), score, 0.0)


def chrf_from_sums(sums: np.ndarray) -> np.ndarray:
    """`chrf_from_stats` of every row of a (resamples × 24) matrix of summed stats, in numpy
    (sacrebleu's `_compute_f_score`, beta 2, effective-order averaging, over whole columns)."""
    sums = np.asarray(sums, dtype=float)
    eps, factor = 1e-16, 2.0 ** 2
    avg_prec, avg_rec = np.zeros(len(sums)), np.zeros(len(sums))
    order = np.zeros(len(sums))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(CHRF_CHAR_ORDER + CHRF_WORD_ORDER):
            n_hyp, n_ref, n_match = sums[:, 3 * i], sums[:, 3 * i + 1], sums[:, 3 * i + 2]
            prec = np.where(n_hyp > 0, n_match / n_hyp, eps)
            rec = np.where(n_ref > 0, n_match / n_ref, eps)
            both = (n_hyp > 0) & (n_ref > 0)
            avg_prec = avg_prec + np.where(both, prec, 0.0)
            avg_rec = avg_rec + np.where(both, rec, 0.0)
            order = order + both
        avg_prec = np.where(order > 0, avg_prec / order, 0.0)
        avg_rec = np.where(order > 0, avg_rec / order, 0.0)
        score = (1 + factor) * avg_prec * avg_rec
        score = score / ((factor * avg_prec) + avg_rec)
    return np.where(avg_prec + avg_rec != 0, 100 * score, 0.0)


def bleu(corpus: Corpus) -> MetricResult:
    """BLEU-4 per item (sentence BLEU, effective order) with sacrebleu stats for the corpus value."""
    stats = _as_rows(bleu_statistics(corpus.hyp_tokens, corpus.ref_tokens, BLEU_ORDER))
    sentence = _bleu(True)
    values = tuple(float(sentence._compute_score_from_stats([int(x) for x in s]).score) for s in stats)
    fields = {"nrefs": nrefs_field(corpus.refs), "case": "fold", "eff": "no", "tok": corpus.tokenizer.name,
              "smooth": "exp", "sacrebleu": _sacrebleu_version()}
    return MetricResult("bleu", values, tuple(stats), fields)


def chrf(corpus: Corpus) -> MetricResult:
    """chrF++ per item (sentence chrF++) with sacrebleu stats for the corpus value."""
    tok = corpus.tokenizer
    hyps = [tok.chrf_text(h) for h in corpus.hyps]
    refs = [[tok.chrf_text(r) for r in rs] for rs in corpus.refs]
    stats = _as_rows(chrf_statistics(hyps, refs, _chrf()._compute_f_score, CHRF_CHAR_ORDER, CHRF_WORD_ORDER))
    values = tuple(chrf_from_stats(s) for s in stats)
    fields = {"nrefs": nrefs_field(corpus.refs), "case": "mixed", "eff": "yes", "nc": CHRF_CHAR_ORDER,
              "nw": CHRF_WORD_ORDER, "space": "no", "tok": tok.chrf_name, "sacrebleu": _sacrebleu_version()}
    return MetricResult("chrf++", values, tuple(stats), fields)
