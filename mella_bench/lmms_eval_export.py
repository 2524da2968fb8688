"""`mella-bench export lmms-eval`: the MELLA tasks as an lmms-eval task folder (`--include_path DIR`).

The folder holds one YAML per task (lmms-eval's `TaskConfig` keys: a local `json` dataset with
relative `data_files`, which lmms-eval anchors at the YAML's folder; `doc_to_visual`/`doc_to_text`/
`doc_to_target`/`process_results` and one `metric_list` aggregation per metric, all from
`utils.py`), a group file, `data/` (the docs, `tasks.json` and the images) and `utils.py`, which is
`mella_bench/lmms_task_utils.py` copied verbatim: lmms-eval then scores with mella-bench's metrics.
The folder is relocatable (no absolute paths inside).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from mella_bench import __version__
from mella_bench.data import Dataset, Item, load
from mella_bench.lmms_task_utils import function_name
from mella_bench.data import task_items_of
from mella_bench.tasks import Task

GROUP = "mella"
"""Name of the group file that lists every exported task (`lmms-eval --tasks mella`)."""


@dataclass(frozen=True)
class ExportReport:
    output: Path
    tasks: tuple[str, ...]
    docs: int
    """Docs written over all tasks."""


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML; non-ASCII kept readable)."""
    return json.dumps(text, ensure_ascii=False)


def _task_yaml(task: Task) -> str:
    gen = task.generation
    lines = [
        f"# MELLA task {task.name} exported by mella-bench {__version__} (task hash {task.hash}).",
        "# Scored by mella-bench's metrics through utils.py; regenerate with `mella-bench export lmms-eval`.",
        f"task: {_q(task.name)}",
        "dataset_path: json",
        "dataset_kwargs:",
        "  data_files:",
        f"    test: {_q(f'data/{task.name}.jsonl')}",
        "test_split: test",
        "output_type: generate_until",
        "doc_to_visual: !function utils.mella_doc_to_visual",
        "doc_to_text: !function utils.mella_doc_to_text",
        "doc_to_target: !function utils.mella_doc_to_target",
        "generation_kwargs:",
        f"  max_new_tokens: {gen.max_new_tokens}",
        f"  temperature: {gen.temperature}",
        "  top_p: 1.0",
        "  num_beams: 1",
        f"  do_sample: {'true' if gen.temperature > 0 else 'false'}",
    ]
    if gen.stop:
        lines.append(f"  until: [{', '.join(_q(s) for s in gen.stop)}]")
    lines += ["process_results: !function utils.mella_process_results", "metric_list:"]
    for metric in task.metrics:
        lines += [f"  - metric: {_q(metric)}",
                  f"    aggregation: !function utils.{function_name(metric)}",
                  "    higher_is_better: true"]
    lines += ["metadata:", f"  version: {task.version}", f"  mella_bench_task_hash: {_q(task.hash)}",
              f"  mella_bench_version: {_q(__version__)}"]
    return "\n".join(lines) + "\n"


def _image_name(dataset: Dataset, item: Item) -> str:
    """`images/<source hash>/<item image path>`: one folder per source dataset, so two never collide."""
    tag = hashlib.sha256(dataset.source.encode()).hexdigest()[:8]
    return f"images/{tag}/{item.image}"


def _doc(index: int, task: Task, item: Item, image: str) -> dict[str, Any]:
    return {"index": index, "task": task.name, "id": item.id, "lang": item.lang, "axis": item.axis,
            "image": image, "references": list(item.references), "keywords": list(item.keywords),
            "prompt": task.prompt}


def export_lmms_eval(output: Path, tasks: Sequence[Task], data: str | None = None,
                     limit: int | None = None) -> ExportReport:
    """Write the task folder; `data` overrides each task's dataset as `run --data` does."""
    loaded: dict[str, Dataset] = {}
    per_task: list[tuple[Task, Dataset, list[Item]]] = []
    for task in tasks:  # load and validate everything before writing anything
        src = data or task.data
        if src not in loaded:
            loaded[src] = load(src)
        items = task_items_of(task.lang, task.axis, loaded[src], limit)
        if not items:
            raise ValueError(f"task {task.name}: its dataset {loaded[src].source} has no {task.lang}/{task.axis} items")
        per_task.append((task, loaded[src], items))
    data_dir = output / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("lmms_task_utils.py"), output / "utils.py")
    info: dict[str, Any] = {}
    docs = 0
    for task, dataset, items in per_task:
        lines = []
        for i, item in enumerate(items):
            image = _image_name(dataset, item)
            dest = data_dir / image
            if not dest.is_file():
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(dataset.image_bytes(item))
            lines.append(json.dumps(_doc(i, task, item, image), ensure_ascii=False))
        (data_dir / f"{task.name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (output / f"{task.name}.yaml").write_text(_task_yaml(task), encoding="utf-8")
        info[task.name] = {"lang": task.lang, "axis": task.axis, "metrics": list(task.metrics),
                           "hash": task.hash, "version": task.version, "items": len(items)}
        docs += len(items)
    (data_dir / "tasks.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    group = [f"group: {GROUP}", "task:"] + [f"  - {_q(t.name)}" for t, _, _ in per_task]
    (output / f"{GROUP}.yaml").write_text("\n".join(group) + "\n", encoding="utf-8")
    return ExportReport(output, tuple(t.name for t, _, _ in per_task), docs)
