"""sacrebleu's per-segment BLEU and chrF++ statistics, computed for a whole corpus at once in numpy.

sacrebleu counts n-grams segment by segment in Python `Counter`s, which made chrF++ and BLEU the
largest part of `score`. Here every segment's units (characters or words) are integer ids in one
array; an n-gram is the id of its (n−1)-gram prefix combined with its last unit, and per-segment
counts and clipped matches come from sorting those ids. The statistics vectors are *the same
integers* sacrebleu produces (tests compare them on realistic text in every language, and the
scores from them), so `aggregate`, bootstrap CIs and committed results do not change:

- BLEU (`BLEU(tokenize='none', max_ngram_order=4)`): `[hyp_len, closest ref_len, correct_1..4,
  total_1..4]`, references' n-gram counts merged by maximum, the closest reference length (ties: the
  shorter), tokens are `str.split()` of the (right-stripped) text.
- chrF++ (`CHRF(word_order=2)`): `[hyp, ref, match]` for character 1–6-grams (whitespace removed)
  then word 1–2-grams (sacrebleu's punctuation splitting), hypothesis count zeroed where the
  reference has no n-gram of that order; with several references, the one with the best chrF
  (sacrebleu's own `_compute_f_score`, first one on ties).
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from typing import Callable, Sequence

import numpy as np

_PUNCTS = frozenset('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')  # sacrebleu CHRF._PUNCTS


class Units:
    """Segments as one flat array of unit ids (segment k is units[starts[k]:starts[k] + lengths[k]])."""

    def __init__(self, units: np.ndarray, lengths: np.ndarray):
        self.units = units.astype(np.int64, copy=False)
        self.lengths = lengths.astype(np.int64, copy=False)
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)
        self.seg = np.repeat(np.arange(len(self.lengths), dtype=np.int64), self.lengths)
        offset = np.arange(len(self.units), dtype=np.int64) - self.starts[self.seg]
        self.remaining = self.lengths[self.seg] - offset
        """Units from each position to the end of its segment (an n-gram starting there needs n)."""

    def orders(self, max_order: int):  # type: ignore[no-untyped-def]
        """Yield (n, segment of each n-gram, n-gram code, bound) for n = 1..max_order.

        Codes identify n-grams (equal codes, equal n-grams) and are below `bound`, with
        bound × segments < 2**62, so `code × segments + segment` is a safe int64 counting key. The code
        of the n-gram at i is code(n−1-gram at i) × alphabet + unit at i + n − 1: no sort per order,
        except to renumber the codes densely when the next product would not fit.
        """
        total = len(self.units)
        limit = 2 ** 62 // max(1, len(self.lengths))
        uniq, unit = np.unique(self.units, return_inverse=True)
        unit = unit.astype(np.int64).ravel()
        base = max(1, len(uniq))
        code, bound = unit, base
        for n in range(1, max_order + 1):
            if n > 1:  # n-gram starting at i = (n−1)-gram at i, then the unit at i + n − 1
                width = max(0, total - n + 1)
                if bound * base >= limit:
                    _, code = np.unique(code, return_inverse=True)
                    code = code.astype(np.int64).ravel()
                    bound = int(code.max()) + 1 if len(code) else 1
                code = code[:width] * base + unit[n - 1:n - 1 + width]
                bound *= base
            valid = self.remaining[:len(code)] >= n
            yield n, self.seg[:len(code)][valid], code[valid], bound


def counts(seg: np.ndarray, gram: np.ndarray, segments: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique (n-gram, segment) keys (code × segments + segment) and how often each occurs."""
    keys, n = np.unique(gram * segments + seg, return_counts=True)
    return keys, n.astype(np.int64)


def lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """values[keys == wanted] for each wanted key, 0 where absent (keys sorted)."""
    if len(keys) == 0:
        return np.zeros(len(wanted), values.dtype)
    pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[pos] == wanted, values[pos], 0)


def _layout(hyps: Sequence[str], refs: Sequence[Sequence[str]]):  # type: ignore[no-untyped-def]
    """Segments (hypotheses first, then every reference) and the item of each reference."""
    owner = np.array([i for i, rs in enumerate(refs) for _ in rs], dtype=np.int64)
    segments = list(hyps) + [r for rs in refs for r in rs]
    return segments, owner


def _char_units(segments: Sequence[str]) -> Units:
    joined = ["".join(s.split()) for s in segments]
    lengths = np.array([len(s) for s in joined], dtype=np.int64)
    data = "".join(joined).encode("utf-32-le", "surrogatepass")
    return Units(np.frombuffer(data, dtype=np.uint32), lengths)


def word_units(segments: Sequence[Sequence[str]]) -> Units:
    ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)  # a new word gets the next id
    flat = np.fromiter(map(ids.__getitem__, itertools.chain.from_iterable(segments)), dtype=np.int64)
    return Units(flat, np.fromiter(map(len, segments), dtype=np.int64, count=len(segments)))


@functools.lru_cache(maxsize=200_000)
def _chrf_word(w: str) -> tuple[str, ...]:
    """One word's split, cached: a corpus repeats its words many times."""
    if len(w) == 1:
        return (w,)
    if w[-1] in _PUNCTS:
        return (w[:-1], w[-1])
    if w[0] in _PUNCTS:
        return (w[0], w[1:])
    return (w,)


def chrf_words(sent: str) -> list[str]:
    """sacrebleu's `CHRF._remove_punctuation`: one leading or trailing ASCII punctuation mark split off."""
    return list(itertools.chain.from_iterable(map(_chrf_word, sent.split())))


def _pair_stats(units: Units, max_order: int, n_hyp: int, owner: np.ndarray) -> np.ndarray:
    """(references × 3·max_order) chrF-style [hyp, ref, match] counts of each reference against its item's hypothesis."""
    n_ref = len(owner)
    nseg = len(units.lengths)
    out = np.zeros((n_ref, 3 * max_order), dtype=np.int64)
    for n, seg, gram, _ in units.orders(max_order):
        is_hyp = seg < n_hyp
        hyp_total = np.bincount(seg[is_hyp], minlength=n_hyp)
        ref_total = np.bincount(seg[~is_hyp] - n_hyp, minlength=n_ref)
        hkeys, hcounts = counts(seg[is_hyp], gram[is_hyp], nseg)
        rkeys, rcounts = counts(seg[~is_hyp], gram[~is_hyp], nseg)
        r_seg, r_gram = rkeys % nseg - n_hyp, rkeys // nseg
        matched = np.minimum(rcounts, lookup(hkeys, hcounts, r_gram * nseg + owner[r_seg]))
        match = np.bincount(r_seg, weights=matched, minlength=n_ref).astype(np.int64)
        i = 3 * (n - 1)
        out[:, i] = np.where(ref_total > 0, hyp_total[owner], 0)
        out[:, i + 1] = ref_total
        out[:, i + 2] = match
    return out


def chrf_statistics(hyps: Sequence[str], refs: Sequence[Sequence[str]], f_score: Callable[[list[int]], float],
                    char_order: int = 6, word_order: int = 2) -> list[list[int]]:
    """sacrebleu `CHRF(char_order, word_order)._extract_corpus_statistics(hyps, ref streams)`, per item.

    `refs[i]` are item i's references (at least one); `f_score` is sacrebleu's `_compute_f_score`,
    used only to pick the best of several references exactly as sacrebleu does.
    """
    if not hyps:
        return []
    segments, owner = _layout(hyps, refs)
    chars = _pair_stats(_char_units(segments), char_order, len(hyps), owner)
    if word_order:
        words = _pair_stats(word_units([chrf_words(s) for s in segments]), word_order, len(hyps), owner)
        chars = np.hstack([chars, words])
    rows = chars.tolist()
    if len(owner) == len(hyps):  # one reference per item: row i is item i's
        return rows
    best: list[list[int]] = [[] for _ in hyps]
    best_f = [-1.0] * len(hyps)
    for item, row in zip(owner.tolist(), rows):
        f = f_score(row)
        if f > best_f[item]:
            best_f[item], best[item] = f, row
    return best


def bleu_statistics(hyps: Sequence[str], refs: Sequence[Sequence[str]], max_order: int = 4) -> list[list[int]]:
    """sacrebleu `BLEU(tokenize='none', max_ngram_order)._extract_corpus_statistics(hyps, ref streams)`, per item."""
    if not hyps:
        return []
    segments, owner = _layout(hyps, refs)
    units = word_units([s.rstrip().split() for s in segments])
    n_hyp = len(hyps)
    hyp_len = units.lengths[:n_hyp]
    ref_len = _closest_ref_lens(hyp_len.tolist(), units.lengths[n_hyp:].tolist(), owner.tolist())
    correct = np.zeros((n_hyp, max_order), dtype=np.int64)
    total = np.zeros((n_hyp, max_order), dtype=np.int64)
    nseg = len(units.lengths)
    for n, seg, gram, _ in units.orders(max_order):
        is_hyp = seg < n_hyp
        total[:, n - 1] = np.bincount(seg[is_hyp], minlength=n_hyp)
        hkeys, hcounts = counts(seg[is_hyp], gram[is_hyp], nseg)
        # references of one item merged by maximum count per n-gram
        rkeys, rcounts = counts(seg[~is_hyp], gram[~is_hyp], nseg)
        r_item_keys = (rkeys // nseg) * nseg + owner[rkeys % nseg - n_hyp]
        if len(owner) != n_hyp:  # several references: bring each item's together
            order = np.argsort(r_item_keys, kind="stable")
            r_item_keys, rcounts = r_item_keys[order], rcounts[order]
        if len(r_item_keys):
            first = np.concatenate([[True], r_item_keys[1:] != r_item_keys[:-1]])
            starts = np.flatnonzero(first)
            mkeys, mcounts = r_item_keys[starts], np.maximum.reduceat(rcounts, starts)
        else:
            mkeys, mcounts = r_item_keys, rcounts
        matched = np.minimum(hcounts, lookup(mkeys, mcounts.astype(np.int64), hkeys))
        correct[:, n - 1] = np.bincount(hkeys % nseg, weights=matched, minlength=n_hyp).astype(np.int64)
    out = np.hstack([hyp_len[:, None], np.array(ref_len, dtype=np.int64)[:, None], correct, total])
    return out.tolist()


def _closest_ref_lens(hyp_lens: list[int], ref_lens: list[int], owner: list[int]) -> list[int]:
    """sacrebleu's `_get_closest_ref_len` per item (smallest difference; ties: the shorter reference)."""
    best: list[tuple[int, int] | None] = [None] * len(hyp_lens)
    for item, r in zip(owner, ref_lens):
        cand = (abs(hyp_lens[item] - r), r)
        if best[item] is None or cand < best[item]:  # type: ignore[operator]
            best[item] = cand
    return [b[1] if b is not None else -1 for b in best]
