"""CIDEr-D exactly as the COCO caption toolkit computes it (`pycocoevalcap.cider`), over our tokens.

Definition kept, quirks included so numbers stay comparable with published CIDEr: 1–4-gram TF-IDF
vectors; IDF = log(#documents) − log(max(1, df)), where a document is one item's reference set;
clipped cosine `min(h, r) · r`; Gaussian length penalty with sigma 6 on the difference of the
*bigram* counts (the toolkit's `length`); mean over n, mean over references, × 10. We report
100 × that value. Document frequencies come from the task's own references (`Corpus.df_refs`),
never pooled across languages. Corpus value = mean of the per-item values.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Callable, Sequence

import numpy as np

from mella_bench.metrics.base import Corpus, MetricResult, nrefs_field
from mella_bench.metrics.ngramstats import counts, lookup, word_units

N, SIGMA = 4, 6.0
Ngram = tuple[str, ...]


def ngram_counts(tokens: Sequence[str], n: int = N) -> Counter[Ngram]:
    counts: Counter[Ngram] = Counter()
    for k in range(1, n + 1):
        for i in range(len(tokens) - k + 1):
            counts[tuple(tokens[i:i + k])] += 1
    return counts


def document_frequency(ref_sets: Sequence[Sequence[Sequence[str]]],
                       counts: Callable[[Sequence[str]], Counter[Ngram]] = ngram_counts) -> Counter[Ngram]:
    """In how many reference sets (items) each n-gram occurs."""
    df: Counter[Ngram] = Counter()
    for refs in ref_sets:
        df.update({g for ref in refs for g in counts(ref)})
    return df


class _Vector:
    """TF-IDF vectors per n-gram order, their norms, and the toolkit's bigram `length`."""

    __slots__ = ("vec", "norm", "length")

    def __init__(self, counts: Counter[Ngram], df: Counter[Ngram], log_docs: float):
        self.vec: list[dict[Ngram, float]] = [{} for _ in range(N)]
        sq = [0.0] * N
        self.length = 0
        for gram, tf in counts.items():
            n = len(gram) - 1
            w = float(tf) * (log_docs - math.log(max(1.0, float(df.get(gram, 0)))))
            self.vec[n][gram] = w
            sq[n] += w * w
            if n == 1:
                self.length += tf
        self.norm = [math.sqrt(s) for s in sq]


def _sim(h: _Vector, r: _Vector) -> float:
    """Sum over n of the clipped, length-penalised cosine (the toolkit's `sim`, summed)."""
    delta = float(h.length - r.length)
    penalty = math.exp(-(delta ** 2) / (2 * SIGMA ** 2))
    total = 0.0
    for n in range(N):
        rv = r.vec[n]
        val = 0.0
        for gram, w in h.vec[n].items():
            rw = rv.get(gram, 0.0)
            val += min(w, rw) * rw
        if h.norm[n] != 0 and r.norm[n] != 0:
            val /= h.norm[n] * r.norm[n]
        total += val * penalty
    return total


def cider_d_items(hyps: Sequence[Sequence[str]], refs: Sequence[Sequence[Sequence[str]]],
                  df_refs: Sequence[Sequence[Sequence[str]]] | None = None) -> list[float]:
    """Per-item CIDEr-D on the toolkit's scale (0–10 per item), for the whole corpus at once in numpy.

    Same quantities as `cider_d_reference` (the toolkit's loop, kept for tests): n-gram codes from
    `ngramstats.Units`, term and document frequencies by sorting, cosines by key lookup. Only the
    order of floating-point sums differs (values agree to ~1e-15).
    """
    if not hyps:
        return []
    df_sets = refs if df_refs is None else df_refs
    n_hyp = len(hyps)
    owner = np.array([i for i, rs in enumerate(refs) for _ in rs], dtype=np.int64)
    set_of = np.array([i for i, rs in enumerate(df_sets) for _ in rs], dtype=np.int64)
    n_ref, n_sets = len(owner), max(1, len(df_sets))
    segments = [*hyps, *(r for rs in refs for r in rs), *(r for rs in df_sets for r in rs)]
    units = word_units(segments)
    nseg = len(segments)
    log_docs = math.log(float(len(df_sets))) if df_sets else 0.0
    bigrams = np.maximum(units.lengths - 1, 0).astype(float)  # the toolkit's `length`
    delta = bigrams[:n_hyp][owner] - bigrams[n_hyp:n_hyp + n_ref]
    penalty = np.exp(-(delta ** 2) / (2 * SIGMA ** 2))
    total = np.zeros(n_ref)
    for _, seg, code, _ in units.orders(N):
        in_df = seg >= n_hyp + n_ref
        df_keys = np.unique(code[in_df] * n_sets + set_of[seg[in_df] - n_hyp - n_ref])
        df_codes, df = np.unique(df_keys // n_sets, return_counts=True)
        is_hyp, is_ref = seg < n_hyp, (seg >= n_hyp) & ~in_df
        hkeys, htf = counts(seg[is_hyp], code[is_hyp], nseg)
        rkeys, rtf = counts(seg[is_ref], code[is_ref], nseg)

        def weights(keys: np.ndarray, tf: np.ndarray) -> np.ndarray:
            doc = np.maximum(1.0, lookup(df_codes, df, keys // nseg).astype(float))
            return tf.astype(float) * (log_docs - np.log(doc))

        hw, rw = weights(hkeys, htf), weights(rkeys, rtf)
        h_norm = np.sqrt(np.bincount(hkeys % nseg, weights=hw * hw, minlength=n_hyp))
        r_seg = rkeys % nseg - n_hyp
        r_norm = np.sqrt(np.bincount(r_seg, weights=rw * rw, minlength=n_ref))
        hyp_w = lookup(hkeys, hw, (rkeys // nseg) * nseg + owner[r_seg])
        val = np.bincount(r_seg, weights=np.minimum(hyp_w, rw) * rw, minlength=n_ref)
        norm = h_norm[owner] * r_norm
        val = np.where(norm != 0, val / np.where(norm != 0, norm, 1.0), val)
        total = total + val * penalty
    per_item = np.bincount(owner, weights=total, minlength=n_hyp)
    n_refs = np.array([len(rs) for rs in refs], dtype=float)
    return (per_item / N / n_refs * 10.0).tolist()


def cider_d_reference(hyps: Sequence[Sequence[str]], refs: Sequence[Sequence[Sequence[str]]],
                      df_refs: Sequence[Sequence[Sequence[str]]] | None = None) -> list[float]:
    """Per-item CIDEr-D as the toolkit's Python loop computes it (dicts per n-gram order)."""
    df_sets = refs if df_refs is None else df_refs
    memo: dict[tuple[str, ...], Counter[Ngram]] = {}

    def counts(tokens: Sequence[str]) -> Counter[Ngram]:  # a reference's n-grams, counted once for df and tf
        key = tuple(tokens)
        if key not in memo:
            memo[key] = ngram_counts(tokens)
        return memo[key]

    df = document_frequency(df_sets, counts)
    log_docs = math.log(float(len(df_sets))) if df_sets else 0.0
    scores = []
    for hyp, item_refs in zip(hyps, refs):
        hv = _Vector(ngram_counts(hyp), df, log_docs)
        total = sum(_sim(hv, _Vector(counts(r), df, log_docs)) for r in item_refs)
        scores.append(total / N / len(item_refs) * 10.0)
    return scores


def cider(corpus: Corpus) -> MetricResult:
    """Per-item CIDEr-D × 100; stats row `[value]` (mean-type)."""
    df_sets = [[r.split() for r in refs] for refs in corpus.df_ref_tokens]
    values = tuple(100.0 * v for v in cider_d_items(
        [h.split() for h in corpus.hyp_tokens], [[r.split() for r in refs] for refs in corpus.ref_tokens], df_sets))
    fields = {"nrefs": nrefs_field(corpus.refs), "tok": corpus.tokenizer.name, "n": N, "sigma": int(SIGMA),
              "df": f"task-refs({len(df_sets)})", "scale": "100xcoco"}
    return MetricResult("cider", values, tuple((v,) for v in values), fields)
