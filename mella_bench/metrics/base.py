"""Shared records of the metric suite: the corpus being scored and one metric's per-item result.

Every metric returns per-item values (0–100) *and* per-item sufficient statistics; the corpus value
is always `aggregate(metric, stats)`, so bootstrap resamples, merged shards and paired tests never
re-tokenise (sacrebleu's design, style §5.6).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from mella_bench import __version__
from mella_bench.metrics.tokenize import Tokenizer, get_tokenizer


_aggregate: Callable[[str, Sequence[Sequence[float]]], float] | None = None
"""metric name, stats → corpus value; installed by the registry, which sits above this module."""


def install_aggregate(fn: Callable[[str, Sequence[Sequence[float]]], float]) -> None:
    """Let `MetricResult.value` use the registry's aggregate without importing it (no import cycle)."""
    global _aggregate
    _aggregate = fn


class MetricInputError(ValueError):
    """Inputs a metric cannot score (mismatched lengths, missing keywords, ...)."""


def render_signature(fields: Mapping[str, Any]) -> str:
    """sacrebleu-style `key:value|key:value|...|version:X` (the version is always last)."""
    items = [(k, v) for k, v in fields.items() if k != "version" and v is not None]
    items.append(("version", fields.get("version", __version__)))
    return "|".join(f"{k}:{v}" for k, v in items)


def nrefs_field(refs: Sequence[Sequence[str]]) -> str:
    """`1`, `2`, ... or `var` when items have different numbers of references (as sacrebleu)."""
    counts = {len(r) for r in refs}
    return str(counts.pop()) if len(counts) == 1 else "var"


@dataclass(frozen=True)
class Corpus:
    """Hypotheses of one language with their references (and keywords, for `know` items).

    Tokenisation happens once per corpus (cached properties) and is shared by every metric.
    """

    lang: str
    hyps: tuple[str, ...]
    refs: tuple[tuple[str, ...], ...]
    keywords: tuple[tuple[str, ...], ...] | None = None
    """One tuple of keywords per hypothesis; None when the corpus has none."""
    df_refs: tuple[tuple[str, ...], ...] | None = None
    """References whose n-gram document frequencies CIDEr-D uses (default: `refs`); score_run passes
    the whole task's references so a sharded or `--limit` run scores each item as the full run does."""

    def __post_init__(self) -> None:
        if len(self.hyps) != len(self.refs):
            raise MetricInputError(f"{len(self.hyps)} hypotheses but {len(self.refs)} reference sets")
        if self.keywords is not None and len(self.keywords) != len(self.hyps):
            raise MetricInputError(f"{len(self.hyps)} hypotheses but {len(self.keywords)} keyword lists")
        for i, refs in enumerate(self.refs):
            if not refs:
                raise MetricInputError(f"item {i + 1} has no reference")

    @property
    def tokenizer(self) -> Tokenizer:
        return get_tokenizer(self.lang)

    @functools.cached_property
    def hyp_tokens(self) -> tuple[str, ...]:
        """Hypotheses as space-joined metric tokens."""
        return tuple(self.tokenizer.tokenize_joined(h) for h in self.hyps)

    @functools.cached_property
    def ref_tokens(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(self.tokenizer.tokenize_joined(r) for r in refs) for refs in self.refs)

    @functools.cached_property
    def df_ref_tokens(self) -> tuple[tuple[str, ...], ...]:
        if self.df_refs is None:
            return self.ref_tokens
        # the scored items' references are among them: reuse their tokens (Thai segmentation is slow)
        known = {r: t for refs, toks in zip(self.refs, self.ref_tokens) for r, t in zip(refs, toks)}
        return tuple(tuple(known[r] if r in known else self.tokenizer.tokenize_joined(r) for r in refs)
                     for refs in self.df_refs)


@dataclass(frozen=True)
class MetricResult:
    """One metric over one corpus: per-item values and stats, the corpus value, the signature."""

    metric: str
    values: tuple[float, ...]
    """Per-item value on the 0–100 scale (sentence-level display value for corpus metrics)."""
    stats: tuple[tuple[float, ...], ...]
    """Per-item sufficient statistics; `aggregate(metric, stats)` gives the corpus value."""
    signature_fields: Mapping[str, Any]
    notes: tuple[str | None, ...] = field(default=())
    """Optional per-item explanation (e.g. the language fidelity detector's verdict)."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Optional corpus-level extras (e.g. Serbian script counts) for summary.json."""

    @property
    def value(self) -> float | None:
        """Corpus value from the summed stats; None for an empty corpus."""
        if not self.stats:
            return None
        if _aggregate is None:
            raise RuntimeError("import mella_bench.metrics.registry before asking a MetricResult for its value")
        return _aggregate(self.metric, [list(s) for s in self.stats])

    @property
    def signature(self) -> str:
        return render_signature(self.signature_fields)
