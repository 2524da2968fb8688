"""`mella-bench run`: tasks × items → backend → predictions.jsonl, resumable, then scoring.

Each finished batch is appended (and fsync'd) to predictions.jsonl under a content key, so a killed
run loses at most the batch in flight and a rerun skips what is done. Changing the prompt, the
generation settings, the task, the model or the item's content (image bytes, references) changes the
key, so stale answers are never reused. The directory is written through the store
(`mella_bench.store.RunDir`): it is locked while a command writes it and belongs to one model and one
dataset; each prediction records the identity of the item it answers, so scoring can refuse answers
whose item changed since.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mella_bench.inference.backends import BackendSpec, Request, Result, make_backend
from mella_bench.data.dataset import Dataset, Item, load, task_items_of
from mella_bench.data.identity import data_hash, task_identities
from mella_bench.data.limits import DEFAULT_LIMITS, Limits
from mella_bench.progress import progress_bar
from mella_bench.redact import redact_text
from mella_bench.inference.shard import shard_index
from mella_bench.store import (Prediction, RunDir, RunHeader, RunStatus, TaskEntry, fingerprint_hash, new_header,
                               run_config)
from mella_bench.data.tasks import Task


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run; written (redacted) to run.json."""

    backend: BackendSpec
    tasks: tuple[str, ...]
    """Resolved task names."""
    output: Path
    data: str | None = None
    """Overrides every task's `data` when set."""
    limit: int | None = None
    """At most this many items per task (first N in dataset order)."""
    batch_size: int = 8
    seed: int = 0
    shard: tuple[int, int] | None = None
    """(index, count): run only the index-th of count deterministic parts."""
    extra: dict[str, Any] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS
    """Input bounds; an item over one fails alone (`mella_bench.data.limits`)."""
    overwrite: bool = False
    """Delete the directory's run files first instead of refusing another model or dataset."""


FAIL_FAST_ITEMS = 3
"""When the first this-many items a command sends all fail with the same error, the run stops with it."""


class RunStopped(RuntimeError):
    """The first items all failed with one identical error: sending the rest would only repeat it."""


def prediction_key(model_hash: str, task: Task, item: Item, identity: str | None = None) -> str:
    """Cache key of one prediction: model + task hash + item content identity (image bytes,
    references; `mella_bench.data.identity`) + prompt + generation. Metrics and rubrics are not in it."""
    blob = json.dumps([model_hash, task.hash, item.id, identity, task.prompt, asdict(task.generation)],
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def in_shard(task: Task, item: Item, shard: tuple[int, int] | None) -> bool:
    """Deterministic split (`mella_bench.inference.shard.shard_index`): a stable hash of (task, item id) modulo N."""
    if shard is None:
        return True
    index, count = shard
    return shard_index(task.name, item.id, count) == index


def task_items(task: Task, dataset: Dataset, limit: int | None) -> list[Item]:
    return task_items_of(task.lang, task.axis, dataset, limit)


def _replay_fields(item: Item, neighbour: Item) -> dict[str, str]:
    """Texts the `reference` backend can replay; `shuffled` is the next item's reference (fluent, wrong image)."""
    fields = {"references[0]": item.references[0], "shuffled": neighbour.references[0],
              "half": first_half(item.references[0])}
    if item.thin:
        fields["thin"] = item.thin
    return fields


def first_half(text: str) -> str:
    """The first half of a text: of its words, or of its characters when it has a single word (Thai)."""
    words = text.split()
    if len(words) > 1:
        return " ".join(words[:(len(words) + 1) // 2])
    return text[:(len(text) + 1) // 2]


def replay_table(tasks: list[Task], datasets: dict[str, Dataset], limit: int | None) -> dict[tuple[str, str], dict[str, str]]:
    """(task, item id) → replayable texts, handed to the replay backend when it is built (and to no
    other backend: gold answers never travel in a Request)."""
    table: dict[tuple[str, str], dict[str, str]] = {}
    for task in tasks:
        items = task_items(task, datasets[task.name], limit)
        for i, it in enumerate(items):
            table[(task.name, it.id)] = _replay_fields(it, items[(i + 1) % len(items)])
    return table


def _requests(task: Task, items: list[Item], dataset: Dataset, keys: dict[str, str]) -> list[Request]:
    return [Request(key=keys[it.id], item_id=it.id, task=task.name, axis=task.axis, prompt=task.prompt,
                    image=dataset.image_bytes(it), generation=task.generation) for it in items]


def task_entry(task: Task, dataset: Dataset, content: str | None = None) -> TaskEntry:
    """run.json's record of one task run on `dataset` (resolved, absolute source; content identity)."""
    return TaskEntry(hash=task.hash, version=task.version, lang=task.lang, axis=task.axis, data=dataset.source,
                     data_hash=content, source=dataset.origin.to_json() if dataset.origin else None,
                     prompt=task.prompt, generation=asdict(task.generation), metrics=tuple(task.metrics),
                     rubrics=tuple(task.rubrics))


def header(config: RunConfig, tasks: list[Task], fingerprint: dict[str, Any], datasets: dict[str, Dataset],
           data_hashes: dict[str, str] | None = None) -> RunHeader:
    data = datasets[tasks[0].name].source if config.data and tasks else config.data  # as loaded: absolute
    cfg = run_config(asdict(config.backend), list(config.tasks), data=data, limit=config.limit,
                     batch_size=config.batch_size, seed=config.seed,
                     shard=list(config.shard) if config.shard else None, limits=config.limits.to_json(),
                     **config.extra)
    return new_header(status="started", config=cfg, fingerprint=fingerprint, seed=config.seed,
                      tasks={t.name: task_entry(t, datasets[t.name], (data_hashes or {}).get(t.name)) for t in tasks})


def _storable(res: Result, limits: Limits) -> Result:
    """An answer over a limit or not storable as text becomes a failure (never scored), with the reason."""
    why = limits.answer_problem(res.text) if res.status == "ok" else None
    return Result.failed(res.key, why) if why else res


class _FailFast:
    """Watches the first `n` items sent: all failed with one identical error → that error, else None."""

    def __init__(self, n: int = FAIL_FAST_ITEMS):
        self.n, self.errors, self.decided = n, [], False

    def observe(self, results: list[Result]) -> str | None:
        for res in results:
            if self.decided:
                return None
            if res.status == "ok":
                self.decided = True
                return None
            self.errors.append(res.error or "")
            if len(self.errors) >= self.n:
                self.decided = True
                return self.errors[0] if len(set(self.errors)) == 1 else None
        return None


def _refuse_reference_only(tasks: list[Task], datasets: dict[str, Dataset], limit: int | None) -> None:
    """A model cannot answer an item without its image: stop before any backend is built."""
    for t in tasks:
        blind = [it.id for it in task_items(t, datasets[t.name], limit) if it.image is None and it.image_bytes is None]
        if blind:
            raise ValueError(f"task {t.name}: {len(blind)} item(s) of {datasets[t.name].source} are reference-only "
                             f"(no image), e.g. '{blind[0]}': nothing to show the model. Reference-only items come "
                             "from imported predictions; score them with `mella-bench score RUN_DIR` instead")


def _load_datasets(config: RunConfig, tasks: list[Task]) -> dict[str, Dataset]:
    datasets: dict[str, Dataset] = {}
    loaded: dict[str, Dataset] = {}
    for t in tasks:  # load and validate all data before any model is built
        src = config.data or t.data
        if src not in loaded:
            loaded[src] = load(src, config.limits)
        datasets[t.name] = loaded[src]
    return datasets


def _identities(tasks: list[Task], datasets: dict[str, Dataset]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """task → item id → item identity (every item of the task's language and axis), and task → data hash."""
    per_task: dict[str, dict[str, str]] = {}
    cache: dict[tuple[int, str], dict[str, str]] = {}
    for t in tasks:
        ds = datasets[t.name]
        k = (id(ds), f"{t.lang}/{t.axis}")
        if k not in cache:
            cache[k] = task_identities(ds, task_items(t, ds, None))
        per_task[t.name] = cache[k]
    return per_task, {t: data_hash(v) for t, v in per_task.items()}


def generate(config: RunConfig, tasks: list[Task], progress: bool = True) -> dict[str, int]:
    """Fill predictions.jsonl for every (task, item); return counts of ok / failed / reused.

    Raises RunDirBusy (another command writes the directory), RunDirConflict (it holds another
    model's or dataset's run; nothing is changed) or RunStopped (the first items all failed alike).
    """
    run_dir = RunDir(config.output)
    datasets = _load_datasets(config, tasks)
    _refuse_reference_only(tasks, datasets, config.limit)
    idents, data_hashes = _identities(tasks, datasets)
    counts = {"ok": 0, "error": 0, "reused": 0}
    with run_dir.session():
        replay = replay_table(tasks, datasets, config.limit) if config.backend.name == "reference" else None
        backend = make_backend(config.backend, replay=replay)
        try:
            fp = backend.fingerprint()
            model_hash = fingerprint_hash(fp)
            new = header(config, tasks, fp, datasets, data_hashes)
            if config.overwrite:
                run_dir.clear()
            run_dir.start_run(new)
            try:
                _generate_tasks(config, run_dir, tasks, datasets, idents, backend, model_hash, counts, progress)
            except BaseException as exc:  # run.json says how the run ended, then the error goes on
                _record_end(run_dir, "stopped" if isinstance(exc, RunStopped) else "interrupted", counts, exc,
                            _fallbacks(backend))
                raise
            fallbacks = _fallbacks(backend)
        finally:
            backend.close()
        _record_end(run_dir, "generated" if counts["error"] == 0 else "generated_with_errors", counts,
                    fallbacks=fallbacks)
    return counts


def fallback_note(out_dir: Path) -> str | None:
    """One line for the end of `run` when batches fell back to one-by-one (from run.json), else None."""
    try:
        fb = RunDir(out_dir).header().batch_fallbacks or {}
    except (OSError, ValueError):
        return None
    if not fb.get("batches"):
        return None
    return (f"note: {fb['batches']} batch(es) ({fb.get('items')} items) failed as a whole and were generated one "
            f"by one (slower); first reason: {fb.get('first_reason')} (run.json: batch_fallbacks)")


def _fallbacks(backend: Any) -> dict[str, Any] | None:
    """The hf backend's count of batches retried one item at a time (None for backends that do not batch so)."""
    fallbacks = getattr(backend, "fallbacks", None)
    return fallbacks.to_json() if fallbacks is not None else None


def _record_end(run_dir: RunDir, status: RunStatus, counts: dict[str, int], exc: BaseException | None = None,
                fallbacks: dict[str, Any] | None = None) -> None:
    """Write how the run ended into run.json (`store.RUN_STATUSES`), with the counts, the batches that
    fell back to one-by-one (`batch_fallbacks`, hf backend) and, after an error, why."""
    why = None
    if exc is not None:
        first = str(exc).splitlines()[0] if str(exc) else ""
        why = redact_text(f"{type(exc).__name__}: {first}"[:500])
    try:
        run_dir.end_run(status, counts, why, fallbacks)
    except (OSError, ValueError):
        if exc is None:
            raise
        # recording how a failed run ended (a full disk, say) must not hide why it failed


def _generate_tasks(config: RunConfig, run_dir: RunDir, tasks: list[Task], datasets: dict[str, Dataset],
                    idents: dict[str, dict[str, str]], backend: Any, model_hash: str, counts: dict[str, int],
                    progress: bool) -> None:
    done = {k for k, p in run_dir.predictions().items() if p.status == "ok"}
    fail_fast = _FailFast()
    with run_dir.prediction_writer() as writer:
        for task in tasks:
            items = [it for it in task_items(task, datasets[task.name], config.limit)
                     if in_shard(task, it, config.shard)]
            keys = {it.id: prediction_key(model_hash, task, it, idents[task.name][it.id]) for it in items}
            by_key = {keys[it.id]: it for it in items}
            todo = [it for it in items if keys[it.id] not in done]
            counts["reused"] += len(items) - len(todo)
            bar = progress_bar(len(items), task.name, "item", progress, initial=len(items) - len(todo))
            for start in range(0, len(todo), config.batch_size):
                batch = todo[start:start + config.batch_size]
                oversized = [Result.failed(keys[it.id], f"item over an input limit: {it.over_limit}")
                             for it in batch if it.over_limit]
                sendable = [it for it in batch if not it.over_limit]
                results = backend.generate(_requests(task, sendable, datasets[task.name], keys)) if sendable else []
                if len(results) != len(sendable):
                    raise RuntimeError(f"backend {backend.name} returned {len(results)} results for {len(sendable)} requests")
                results = [_storable(r, config.limits) for r in results]
                records = []
                for res in oversized + results:
                    it = by_key[res.key]
                    records.append(Prediction(
                        key=res.key, task=task.name, task_hash=task.hash, model_hash=model_hash, item_id=it.id,
                        lang=it.lang, axis=it.axis, status=res.status, text=res.text if res.status == "ok" else "",
                        error=res.error, prompt_tokens=_count(res.prompt_tokens),
                        completion_tokens=_count(res.completion_tokens),
                        identity=idents[task.name][it.id]).to_json())
                    counts["ok" if res.status == "ok" else "error"] += 1
                writer.write(records)
                bar.update(len(batch))
                same = fail_fast.observe(results)
                if same is not None:
                    bar.close()
                    raise RunStopped(
                        f"stopped: the first {fail_fast.n} items sent all failed with the same error: {same}\n"
                        "Nothing more was sent (it would fail the same way). Fix the cause (model, server, flags), "
                        "then rerun the same command: finished items are kept, failed ones are retried.")
            bar.close()


def _count(value: Any) -> int | None:
    """A token count as stored: a whole number, or absent (a server's NaN or nonsense never stops a run)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
