"""`mella-bench run`: tasks × items → backend → predictions.jsonl, resumable, then scoring.

Each finished batch is appended (and fsync'd) to predictions.jsonl under a content key, so a killed
run loses at most the batch in flight and a rerun skips what is done. Changing the prompt, the
generation settings, the task or the model changes the key, so stale answers are never reused.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mella_bench import __version__
from mella_bench.backends import BackendSpec, Request, make_backend
from mella_bench.data import Dataset, Item, load
from mella_bench.results import (FORMAT_VERSION, PREDICTIONS, RUN_JSON, JsonlWriter, Prediction,
                                 load_predictions, redact, write_json)
from mella_bench.shard import shard_index
from mella_bench.tasks import Task


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


def prediction_key(model_hash: str, task: Task, item: Item) -> str:
    """Cache key of one prediction (SPEC §5): model + task hash + item + prompt + generation."""
    blob = json.dumps([model_hash, task.hash, item.id, task.prompt, asdict(task.generation)],
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def fingerprint_hash(fingerprint: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]


def in_shard(task: Task, item: Item, shard: tuple[int, int] | None) -> bool:
    """Deterministic split (`mella_bench.shard.shard_index`): a stable hash of (task, item id) modulo N."""
    if shard is None:
        return True
    index, count = shard
    return shard_index(task.name, item.id, count) == index


def git_revision() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).parent)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version(), "mella-bench": __version__}
    for pkg in ("torch", "transformers", "sacrebleu", "pycocoevalcap", "pythainlp", "openai", "vllm"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def task_items_of(lang: str, axis: str, dataset: Dataset, limit: int | None) -> list[Item]:
    """Items a task with this language and axis runs on (the first `limit` in dataset order)."""
    items = [it for it in dataset.items if it.lang == lang and it.axis == axis]
    return items[:limit] if limit is not None else items


def task_items(task: Task, dataset: Dataset, limit: int | None) -> list[Item]:
    return task_items_of(task.lang, task.axis, dataset, limit)


def _replay_fields(item: Item, neighbour: Item) -> dict[str, str]:
    """Texts the `reference` backend can replay; `shuffled` is the next item's reference (fluent, wrong image)."""
    fields = {"references[0]": item.references[0], "shuffled": neighbour.references[0]}
    if item.thin:
        fields["thin"] = item.thin
    return fields


def _requests(task: Task, items: list[Item], all_items: list[Item], dataset: Dataset,
              model_hash: str) -> list[Request]:
    position = {it.id: i for i, it in enumerate(all_items)}
    return [
        Request(key=prediction_key(model_hash, task, it), item_id=it.id, task=task.name, axis=task.axis,
                prompt=task.prompt, image=dataset.image_bytes(it), generation=task.generation,
                reference_fields=_replay_fields(it, all_items[(position[it.id] + 1) % len(all_items)]))
        for it in items
    ]


def header(config: RunConfig, tasks: list[Task], fingerprint: dict[str, Any], datasets: dict[str, Dataset]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "status": "started",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "config": redact({
            "backend": asdict(config.backend), "tasks": list(config.tasks), "data": config.data,
            "limit": config.limit, "batch_size": config.batch_size, "seed": config.seed,
            "shard": list(config.shard) if config.shard else None, **config.extra,
        }),
        "command": redact(sys.argv),
        "versions": _versions(),
        "git": git_revision(),
        "seeds": {"run": config.seed},
        "model": {"fingerprint": fingerprint, "hash": fingerprint_hash(fingerprint)},
        "tasks": {t.name: {"hash": t.hash, "version": t.version, "lang": t.lang, "axis": t.axis,
                           "data": datasets[t.name].source, "prompt": t.prompt,
                           "generation": asdict(t.generation), "metrics": list(t.metrics),
                           "rubrics": list(t.rubrics)} for t in tasks},
    }


def _carry_over(path: Path, new: dict[str, Any]) -> dict[str, Any]:
    """A rerun of the same model keeps what earlier commands recorded: the first creation time and
    the judge settings (so cached judgments stay part of the run's scores)."""
    if not path.is_file():
        return new
    old = json.loads(path.read_text(encoding="utf-8"))
    if old.get("model", {}).get("hash") != new["model"]["hash"]:
        return new
    kept = {k: old[k] for k in ("judge",) if k in old}
    return {**new, "created": old.get("created", new["created"]), **kept}


def _refuse_reference_only(tasks: list[Task], datasets: dict[str, Dataset], limit: int | None) -> None:
    """A model cannot answer an item without its image: stop before any backend is built."""
    for t in tasks:
        blind = [it.id for it in task_items(t, datasets[t.name], limit) if it.image is None and it.image_bytes is None]
        if blind:
            raise ValueError(f"task {t.name}: {len(blind)} item(s) of {datasets[t.name].source} are reference-only "
                             f"(no image), e.g. '{blind[0]}': nothing to show the model. Reference-only items come "
                             "from imported predictions; score them with `mella-bench score RUN_DIR` instead")


def generate(config: RunConfig, tasks: list[Task], progress: bool = True) -> dict[str, int]:
    """Fill predictions.jsonl for every (task, item); return counts of ok / failed / reused."""
    out_dir = config.output
    datasets: dict[str, Dataset] = {}
    loaded: dict[str, Dataset] = {}
    for t in tasks:  # load and validate all data before any model is built
        src = config.data or t.data
        if src not in loaded:
            loaded[src] = load(src)
        datasets[t.name] = loaded[src]
    _refuse_reference_only(tasks, datasets, config.limit)
    backend = make_backend(config.backend)
    counts = {"ok": 0, "error": 0, "reused": 0}
    try:
        fp = backend.fingerprint()
        model_hash = fingerprint_hash(fp)
        out_dir.mkdir(parents=True, exist_ok=True)  # only now: bad data or a bad model leaves no empty run dir
        write_json(out_dir / RUN_JSON, _carry_over(out_dir / RUN_JSON, header(config, tasks, fp, datasets)))
        done = {k for k, p in load_predictions(out_dir).items() if p.status == "ok"}
        with JsonlWriter(out_dir / PREDICTIONS) as writer:
            for task in tasks:
                all_items = task_items(task, datasets[task.name], config.limit)
                items = [it for it in all_items if in_shard(task, it, config.shard)]
                by_key = {prediction_key(model_hash, task, it): it for it in items}
                todo = [it for k, it in by_key.items() if k not in done]
                counts["reused"] += len(items) - len(todo)
                bar = tqdm(total=len(items), initial=len(items) - len(todo), desc=task.name, unit="item",
                           disable=not progress, file=sys.stderr, leave=True)
                for start in range(0, len(todo), config.batch_size):
                    batch = todo[start:start + config.batch_size]
                    results = backend.generate(_requests(task, batch, all_items, datasets[task.name], model_hash))
                    if len(results) != len(batch):
                        raise RuntimeError(f"backend {backend.name} returned {len(results)} results for {len(batch)} requests")
                    records = []
                    for res in results:
                        it = by_key[res.key]
                        records.append(Prediction(
                            key=res.key, task=task.name, task_hash=task.hash, model_hash=model_hash, item_id=it.id, lang=it.lang,
                            axis=it.axis, status=res.status, text=res.text if res.status == "ok" else "",
                            error=res.error, prompt_tokens=res.prompt_tokens,
                            completion_tokens=res.completion_tokens).to_json())
                        counts["ok" if res.status == "ok" else "error"] += 1
                    writer.write(records)
                    bar.update(len(batch))
                bar.close()
    finally:
        backend.close()
    hdr = json.loads((out_dir / RUN_JSON).read_text(encoding="utf-8"))
    hdr["status"] = "generated" if counts["error"] == 0 else "generated_with_errors"
    hdr["counts"] = counts
    write_json(out_dir / RUN_JSON, hdr)
    return counts
