"""ROUGE-L as in the COCO caption toolkit: LCS F-measure with beta 1.2, best precision and best recall
over the references taken separately (as `pycocoevalcap.rouge.Rouge` does), corpus value = mean.

Our own implementation over the shared metric tokens (the `rouge_score` package drops every
non-ASCII character); the LCS length uses a bit-parallel algorithm (Hyyrö 2004), so long captions
cost one pass of big-integer operations instead of a Python double loop.
"""

from __future__ import annotations

from typing import Sequence

from mella_bench.metrics.base import Corpus, MetricResult, nrefs_field

BETA = 1.2


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    masks: dict[str, int] = {}
    for i, tok in enumerate(b):
        masks[tok] = masks.get(tok, 0) | (1 << i)
    full = (1 << len(b)) - 1
    v = full
    for tok in a:
        u = v & masks.get(tok, 0)
        v = ((v + u) | (v - u)) & full
    return len(b) - v.bit_count()


def rouge_l_item(hyp: Sequence[str], refs: Sequence[Sequence[str]], beta: float = BETA) -> float:
    """COCO ROUGE-L of one hypothesis (tokens) against its references, on the 0–1 scale."""
    if not hyp:
        return 0.0
    prec, rec = [], []
    for ref in refs:
        lcs = lcs_length(ref, hyp)
        prec.append(lcs / len(hyp))
        rec.append(lcs / len(ref) if ref else 0.0)
    p, r = max(prec), max(rec)
    if p == 0 or r == 0:
        return 0.0
    return ((1 + beta ** 2) * p * r) / (r + beta ** 2 * p)


def rouge_l(corpus: Corpus) -> MetricResult:
    """Per-item ROUGE-L × 100; stats row `[value]` (a mean-type metric)."""
    values = tuple(100.0 * rouge_l_item(h.split(), [r.split() for r in refs])
                   for h, refs in zip(corpus.hyp_tokens, corpus.ref_tokens))
    fields = {"nrefs": nrefs_field(corpus.refs), "tok": corpus.tokenizer.name, "beta": BETA, "lcs": "coco-maxp-maxr"}
    return MetricResult("rouge_l", values, tuple((v,) for v in values), fields)
