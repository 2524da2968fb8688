"""Reuse of per-item scores across `score` calls: a cache keyed by everything a score depends on.

`score` re-derives every row from predictions.jsonl; most calls (after `judge`, a resumed run, a
retried failure, a rerun of `score`) change few or no predictions. A row is reused when its key is
unchanged, and the key covers everything the row depends on:

- the **metric's code and libraries**: the source of every module of `mella_bench.metrics` (language
  text in `metrics/text/` included) and of the language profiles in `mella_bench.langs`, the package version, the installed version of each of mella-bench's
  dependencies, the Java binary (METEOR's jar runs on it) and the Hunspell dictionaries fidelity reads
  and Hungarian Keyword Accuracy stems with (`metrics/text/spelling.py`: which were found, and a hash of
  their files), and WordNet, which Thai Keyword Accuracy reads (`metrics/text/kinds.py`: found, and a
  hash of data.noun) — any edit, upgrade or newly installed dictionary makes every key new;
- the **metric**, the task's **language and axis**;
- the **item**: id, references, keywords, and the **prediction** text;
- for metrics whose per-item values depend on the rest of the task (`Metric.corpus_dependent`:
  CIDEr-D's document frequencies, and vectorised sums whose last bits depend on the batch), every
  reference of the task, and such a metric is reused only when *no* item of the task changed.

Corpus-level outputs of a scorer (signature fields, details such as fidelity's script counts) are kept
per (task, metric) under the key of the whole ordered item list. When some items changed, only those
are scored (as a smaller corpus with the same task references); the signature's `nrefs`, the one
field that depends on which items were scored, is recomputed over all of them, and a metric with
corpus-level details is rescored whole. Corpus metrics (BLEU, chrF++, METEOR) store per-item
sufficient statistics, so their task value is always aggregated afresh. Summaries and CIs are never
cached. Results equal a fresh `score` byte for byte (tests/metrics/test_reuse.py).

The cache lives in the run directory (`score-cache.json`, rewritten with only the entries the last
`score` used); its file I/O is `mella_bench.store.cachefile`. A missing, corrupt, older-format or
other-code cache is ignored (everything is scored), never an error.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from mella_bench.store.cachefile import read_cache, write_cache
from mella_bench.metrics.base import Corpus, MetricResult, nrefs_field

CACHE_FILE = "score-cache.json"


# ---------------------------------------------------------------- keys

def _digest(*parts: Any) -> str:
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _dependency_versions() -> list[tuple[str, str]]:
    """(distribution, version) of each dependency of mella-bench; every installed one when the package
    metadata is not there (a source checkout on PYTHONPATH): conservative, never too few."""
    try:
        names = sorted({_requirement_name(r) for r in importlib.metadata.requires("mella-bench") or ()
                        if "extra ==" not in r})
    except importlib.metadata.PackageNotFoundError:
        return sorted((d.metadata["Name"] or "", d.version) for d in importlib.metadata.distributions())
    out = []
    for name in names:
        try:
            out.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            out.append((name, "missing"))
    return out


def _requirement_name(requirement: str) -> str:
    name = requirement.split(";")[0].strip()
    for stop in "<>=!~[ (":
        name = name.split(stop)[0]
    return name.strip().lower()


def _java_identity() -> str:
    java = shutil.which("java")
    if java is None:
        return "none"
    real = os.path.realpath(java)
    st = os.stat(real)
    return f"{real}:{st.st_size}:{st.st_mtime_ns}"


def code_sources() -> list[Path]:
    """Every module a score depends on: the metrics package (its language text included) and the profiles."""
    from mella_bench import langs

    package = Path(__file__).resolve().parent
    return sorted(package.rglob("*.py")) + sorted(Path(langs.__file__).resolve().parent.rglob("*.py"))


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the scoring code and of the libraries it runs on (see the module docstring)."""
    from mella_bench import __version__

    h = hashlib.sha256()
    for path in code_sources():
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return _digest(__version__, h.hexdigest(), _dependency_versions(), _java_identity(), _spelling_identity(),
                   _lexicon_identity(), sys.version_info[:2])


def _spelling_identity() -> str:
    """The Hunspell dictionaries fidelity reads and those Keyword Accuracy stems with (Hungarian's)."""
    from mella_bench.langs import LANGUAGES, SPELLING_DICTIONARIES
    from mella_bench.metrics.text.spelling import spelling_name, stems_name

    stem_dictionaries = sorted({lang.keywords.stem_dictionary for lang in LANGUAGES.values()} - {""})
    return "|".join([spelling_name(tuple(SPELLING_DICTIONARIES)), *map(stems_name, stem_dictionaries)])


def _lexicon_identity() -> str:
    """The wordnets Keyword Accuracy reads for kinds (Thai's; `metrics/text/kinds.py`): found, and a hash."""
    from mella_bench.langs import LANGUAGES
    from mella_bench.metrics.text.kinds import signature

    return "|".join(signature(lex) for lex in sorted({lang.keywords.kinds for lang in LANGUAGES.values()} - {""}))


@dataclass(frozen=True)
class TaskKeys:
    """The cache keys of one task's scorable answers under one metric."""

    items: tuple[str, ...]
    """One key per answer, in corpus order."""
    corpus: str
    """Key of the whole ordered answer list (signature fields and details are kept under it)."""


def item_digest(item_id: str, references: Sequence[str], keywords: Sequence[str] | None, prediction: str) -> str:
    """What an answer's score depends on besides the metric, language and axis."""
    return _digest(item_id, list(references), list(keywords) if keywords is not None else None, prediction)


def task_keys(metric: str, corpus_dependent: bool, corpus: Corpus, item_ids: Sequence[str],
              digests: Sequence[str]) -> TaskKeys:
    """Keys of a task's answers (`digests` from `item_digest`) under `metric`."""
    task_refs = _digest([list(r) for r in corpus.df_refs]) if corpus_dependent and corpus.df_refs else None
    metric_key = _digest(code_version(), metric, corpus.lang, task_refs)
    items = tuple(f"{metric_key}:{d}" for d in digests)
    return TaskKeys(items, _digest(metric_key, list(item_ids), list(digests)))


# ---------------------------------------------------------------- the cache


@dataclass(frozen=True)
class CorpusEntry:
    """A scorer's corpus-level outputs for one task and metric."""

    fields: Mapping[str, Any]
    details: Mapping[str, Any]


@dataclass
class ScoreCache:
    """Entries read from the run directory, and those used (reused or computed) by this `score`."""

    items: dict[str, str] = field(default_factory=dict)
    """item key → JSON `[value, stats, note]` (kept as text: the types round-trip exactly)."""
    corpora: dict[str, CorpusEntry] = field(default_factory=dict)
    used_items: dict[str, str] = field(default_factory=dict)
    used_corpora: dict[str, CorpusEntry] = field(default_factory=dict)
    reused: int = 0
    computed: int = 0

    def item(self, key: str) -> tuple[float, tuple[float, ...], str | None] | None:
        text = self.items.get(key)
        if text is None:
            return None
        value, stats, note = json.loads(text)
        return value, tuple(stats), note

    def put_item(self, key: str, value: float, stats: Sequence[float], note: str | None) -> None:
        self.used_items[key] = json.dumps([value, list(stats), note], ensure_ascii=False, allow_nan=False)

    def keep_item(self, key: str) -> None:
        self.used_items[key] = self.items[key]

    def corpus(self, key: str) -> CorpusEntry | None:
        return self.corpora.get(key)

    def put_corpus(self, key: str, entry: CorpusEntry) -> None:
        self.used_corpora[key] = entry


def load_cache(run_dir: Path) -> ScoreCache:
    """The run directory's cache; empty when there is none or it cannot be used."""
    body = read_cache(Path(run_dir) / CACHE_FILE, code_version())
    corpora = {k: CorpusEntry(v.get("fields", {}), v.get("details", {})) for k, v in body.get("corpora", {}).items()}
    return ScoreCache(dict(body.get("items", {})), corpora)


def save_cache(run_dir: Path, cache: ScoreCache) -> None:
    """Write the entries this `score` used (stale ones are dropped)."""
    write_cache(Path(run_dir) / CACHE_FILE, code_version(), {
        "items": cache.used_items,
        "corpora": {k: {"fields": dict(e.fields), "details": dict(e.details)} for k, e in cache.used_corpora.items()}})


# ---------------------------------------------------------------- reusing a task's rows


@dataclass(frozen=True)
class Plan:
    """What one (task, metric) needs scored: `todo` (corpus positions) as `corpus`, or nothing."""

    keys: TaskKeys
    todo: tuple[int, ...]
    corpus: Corpus | None
    """The corpus the scorer must see (the changed answers, or all of them); None: all reused."""


def plan(cache: ScoreCache, keys: TaskKeys, full: Corpus, corpus_dependent: bool,
         parts: dict[tuple[int, ...], Corpus] | None = None) -> Plan:
    """Reuse what is unchanged: nothing to score when every answer and the corpus entry are cached.

    `parts` shares the smaller corpora between the metrics of a task (their tokens are computed once)."""
    everything = Plan(keys, tuple(range(len(full.hyps))), full)
    missing = tuple(i for i, k in enumerate(keys.items) if k not in cache.items)
    entry = cache.corpus(keys.corpus)
    if not missing and entry is not None:
        return Plan(keys, (), None)
    if corpus_dependent or not full.hyps or (entry is not None and entry.details) or len(missing) == len(full.hyps):
        return everything
    todo = missing or (0,)  # nothing changed but the answer set: one item gives the signature fields
    memo = parts if parts is not None else {}
    if todo not in memo:
        memo[todo] = Corpus(full.lang, tuple(full.hyps[i] for i in todo), tuple(full.refs[i] for i in todo),
                            tuple(full.keywords[i] for i in todo) if full.keywords is not None else None,
                            full.df_refs if full.df_refs is not None else full.refs)
    return Plan(keys, todo, memo[todo])


def combine(cache: ScoreCache, p: Plan, full: Corpus, metric: str, result: MetricResult | None) -> MetricResult:
    """The task's result from the cached answers and `result` (the scorer's output on `p.corpus`)."""
    n = len(p.keys.items)
    if result is not None and len(p.todo) == n:
        _store(cache, p.keys, range(n), result)
        return result
    fresh = dict(zip(p.todo, range(len(p.todo)))) if result is not None else {}
    values, stats, notes = [], [], []
    for i, key in enumerate(p.keys.items):
        if i in fresh:
            j = fresh[i]
            values.append(result.values[j])  # type: ignore[union-attr]
            stats.append(result.stats[j])  # type: ignore[union-attr]
            notes.append(result.notes[j] if result.notes else None)  # type: ignore[union-attr]
            continue
        value, row, note = cache.item(key)  # type: ignore[misc]
        cache.keep_item(key)
        cache.reused += 1
        values.append(value)
        stats.append(row)
        notes.append(note)
    if result is not None:
        _store_items(cache, p.keys, p.todo, result)
        fields = dict(result.signature_fields)
        if "nrefs" in fields:  # the one field that depends on which items were scored
            fields["nrefs"] = nrefs_field(full.refs)
        entry = CorpusEntry(fields, dict(result.details))
    else:
        entry = cache.corpus(p.keys.corpus)  # type: ignore[assignment]
    cache.put_corpus(p.keys.corpus, entry)
    return MetricResult(metric, tuple(values), tuple(stats), entry.fields,
                        tuple(notes) if any(x is not None for x in notes) else (), entry.details)


def _store(cache: ScoreCache, keys: TaskKeys, positions: Sequence[int], result: MetricResult) -> None:
    _store_items(cache, keys, positions, result)
    cache.put_corpus(keys.corpus, CorpusEntry(dict(result.signature_fields), dict(result.details)))


def _store_items(cache: ScoreCache, keys: TaskKeys, positions: Sequence[int], result: MetricResult) -> None:
    for j, i in enumerate(positions):
        cache.put_item(keys.items[i], result.values[j], result.stats[j], result.notes[j] if result.notes else None)
        cache.computed += 1
