"""Shared records of the metric suite: the corpus being scored and one metric's per-item result.

Every metric returns per-item values (0–100) *and* per-item sufficient statistics; the corpus value
is always `aggregate(metric, stats)`, so bootstrap resamples, merged shards and paired tests never
re-tokenise (sacrebleu's design, style §5.6).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence, TypeVar

from mella_bench import __version__
from mella_bench.metrics.text.tokenize import Tokenizer, get_tokenizer

Aggregate = Callable[[Sequence[Sequence[float]]], float]
"""Per-item stats rows → the corpus value (a registry `Metric` is one)."""


class Resource(Protocol):
    """Something a session starts once and must close (a JVM pool)."""

    def close(self) -> None: ...


R = TypeVar("R", bound=Resource)


class ScoringSession:
    """The long-lived helpers of one scoring pass (the METEOR JVM pool), started on first use and closed
    with the session. A scorer asks for the one it needs (`session.get(MeteorPool)`); the metric record
    holds none, so no generic code knows which metric needs which resource."""

    def __init__(self) -> None:
        self._held: dict[type[Any], Any] = {}

    def get(self, kind: type[R]) -> R:
        """The session's instance of `kind`, made with `kind()` on first use."""
        if kind not in self._held:
            self._held[kind] = kind()
        return self._held[kind]

    def close(self) -> None:
        held, self._held = list(self._held.values()), {}
        for resource in reversed(held):
            resource.close()

    def __enter__(self) -> ScoringSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
    aggregate: Aggregate | None = field(default=None, compare=False, repr=False)
    """How the stats become the corpus value: the registry's `score_corpus` sets it to the metric's entry
    (a scorer module sits below the registry and does not know how its rows are pooled across items)."""

    @property
    def value(self) -> float | None:
        """Corpus value from the summed stats; None for an empty corpus."""
        if not self.stats:
            return None
        if self.aggregate is None:
            raise ValueError(f"this {self.metric} result has no aggregate: score through "
                             "mella_bench.metrics.registry.score_corpus, or call get_metric(name).aggregate(stats)")
        return self.aggregate([list(s) for s in self.stats])

    @property
    def signature(self) -> str:
        return render_signature(self.signature_fields)
