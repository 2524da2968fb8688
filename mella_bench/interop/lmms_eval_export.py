"""`mella-bench export lmms-eval`: the MELLA tasks as an lmms-eval task folder (`--include_path DIR`).

The folder holds one YAML per task (lmms-eval's `TaskConfig` keys: a local `json` dataset with
relative `data_files`, which lmms-eval anchors at the YAML's folder; `doc_to_visual`/`doc_to_text`/
`doc_to_target`/`process_results` and one `metric_list` aggregation per metric, all from
`utils.py`), a group file, `data/` (the docs, `tasks.json` and the images) and `utils.py`, which is
`mella_bench/interop/lmms_task_utils.py` copied verbatim: lmms-eval then scores with mella-bench's metrics.
The folder is relocatable (no absolute paths inside).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

from mella_bench import __version__
from mella_bench.data.dataset import Dataset, Item, load
from mella_bench.interop.lmms_task_utils import FAILURE_RATE, function_name
from mella_bench.data.dataset import task_items_of
from mella_bench.data.tasks import Task

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
    lines += ["# lmms-eval's default filter (take_first), named after the axis: the group's aggregate then keeps",
              "# the two axes apart (its rows are keyed metric,filter).",
              "filter_list:", f"  - name: {_q(task.axis)}", "    filter:", "      - function: take_first",
              "process_results: !function utils.mella_process_results", "metric_list:"]
    for metric in (*task.metrics, FAILURE_RATE):
        lines += [f"  - metric: {_q(metric)}",
                  f"    aggregation: !function utils.{function_name(metric)}",
                  f"    higher_is_better: {'false' if metric == FAILURE_RATE else 'true'}"]
    lines += ["metadata:", f"  version: {task.version}", f"  mella_bench_task_hash: {_q(task.hash)}",
              f"  mella_bench_version: {_q(__version__)}"]
    return "\n".join(lines) + "\n"


def _group_yaml(tasks: Sequence[Task]) -> str:
    """The `mella` group: its tasks, and per axis the mean over languages of every metric (mella-bench's
    macro) plus the failure rate over all the axis's docs (a size-weighted mean of the tasks' rates)."""
    metrics = list(dict.fromkeys(m for t in tasks for m in t.metrics))
    lines = [f"# The MELLA tasks exported by mella-bench {__version__}. Rows of the group: per axis (the Filter",
             "# column), each metric's unweighted mean over the languages exported (mella-bench's `macro`).",
             f"group: {GROUP}", "task:"] + [f"  - {_q(t.name)}" for t in tasks]
    lines += ["aggregate_metric_list:"]
    for metric in (*metrics, FAILURE_RATE):
        lines += [f"  - metric: {_q(metric)}", "    aggregation: mean",
                  f"    weight_by_size: {'true' if metric == FAILURE_RATE else 'false'}",
                  f"    filter_list: [{', '.join(_q(a) for a in sorted({t.axis for t in tasks}))}]"]
    lines += ["metadata:", f"  version: {max(t.version for t in tasks)}"]
    return "\n".join(lines) + "\n"


def image_name(data: bytes, original: str | None) -> str:
    """`images/<sha256 of the bytes><suffix>`: named by content, never by file name.

    A `datasets` Image column keeps only the file's base name, so rows of one dataset often share a
    name (`flag.png`); naming by name gave every such doc the first image written. Equal bytes share
    one file; the suffix (from the original name, if any) only keeps the file easy to open by hand.
    """
    suffix = PurePosixPath(original or "").suffix.lower()
    if not (1 < len(suffix) <= 6 and suffix[1:].isalnum()):
        suffix = ""
    return f"images/{hashlib.sha256(data).hexdigest()}{suffix}"


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
            data = dataset.image_bytes(item)
            image = image_name(data, item.image)
            dest = data_dir / image
            if not dest.is_file():
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
            lines.append(json.dumps(_doc(i, task, item, image), ensure_ascii=False))
        (data_dir / f"{task.name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (output / f"{task.name}.yaml").write_text(_task_yaml(task), encoding="utf-8")
        info[task.name] = {"lang": task.lang, "axis": task.axis, "metrics": list(task.metrics),
                           "hash": task.hash, "version": task.version, "items": len(items)}
        docs += len(items)
    (data_dir / "tasks.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (output / f"{GROUP}.yaml").write_text(_group_yaml([t for t, _, _ in per_task]), encoding="utf-8")
    return ExportReport(output, tuple(t.name for t, _, _ in per_task), docs)
