"""`mella-bench data import lmms-eval SAMPLES`: lmms-eval `--log_samples` files -> a run directory.

SAMPLES is one samples file or a folder of them (lmms-eval's `{output_path}/{model}/`); the task of
each file comes from lmms-eval's file name unless `--task` names it.

lmms-eval writes one JSON object per doc to `{output}/{model}/{date}_samples_{task}.jsonl`
(`EvaluationTracker.save_results_samples`): `doc_id`, `target` (str() of the target), the answer in
`filtered_resps` (a string for a one-request generate_until doc; `resps` is dropped when equal),
`token_counts`, `doc_hash`, `input` (the prompt), optional `input_media`, and one key per metric
that `process_results` returned. The answers become predictions of an ordinary run directory,
which mella-bench then scores with its own metrics, as if `mella-bench run` had produced them.

Items are matched by the item id mella-bench's exported tasks put in every metric payload, else by
`doc_id` = position among the task's items (lmms-eval numbers the docs of the test split in
order); the logged `target` is checked against the item's references so a misaligned file is
refused, not scored. lmms-eval's failure sentinel (`[LMMS_EVAL_REQUEST_FAILED ...]`) becomes a
failed prediction instead of an answer (the rule the exported utils.py applies too), and so does
an answer over `max_answer_chars` (the limits of `run` apply). The run directory is written through
the store (status `imported`, the header every run has, the log's file and SHA-256 as the task's
provenance).

This is a self-contained importer; the generic "predictions made elsewhere" import being built
for the MELLA authors' files should absorb it (see the report of issue 13).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mella_bench.data.dataset import DataError, Item, Problem, load, task_items_of
from mella_bench.data.identity import data_hash, task_identities
from mella_bench.data.limits import DEFAULT_LIMITS, Limits
from mella_bench.interop.lmms_task_utils import failed_request
from mella_bench.inference.run import prediction_key, task_entry
from mella_bench.store import Prediction, RunDir, fingerprint_hash, merge_header, new_header, run_config
from mella_bench.data.tasks import Registry, Task, load_registry

BACKEND = "import:lmms-eval"
SAMPLES_NAME = re.compile(r"^(?P<date>.+?)_samples_(?P<task>.+)\.jsonl$")
"""lmms-eval's samples file name, `{date_id}_samples_{task}.jsonl` (EvaluationTracker.save_results_samples)."""


@dataclass(frozen=True)
class SamplesFile:
    """One samples file to import and the task it belongs to."""

    path: Path
    task: str


def task_of(path: Path) -> str | None:
    """The task lmms-eval wrote into the samples file's name, or None for another name."""
    m = SAMPLES_NAME.match(path.name)
    return m.group("task") if m else None


def samples_files(source: Path, task: str | None = None) -> list[SamplesFile]:
    """What `data import lmms-eval SOURCE` imports: one samples file, or every samples file of a folder
    (with `task`, only that task's). Raises ValueError, in one line saying what to pass, for lmms-eval's
    `results.json`, a folder without samples files, or a task logged twice in one folder."""
    if source.is_dir():
        return _folder(source, task)
    if not source.exists():
        raise FileNotFoundError(2, "no such file or folder", str(source))
    if source.suffix == ".json":
        raise ValueError(f"{source} is lmms-eval's aggregated results, which hold no answers; pass the samples "
                         f"files written beside it with --log_samples: the folder {source.parent} or one "
                         "{date}_samples_{task}.jsonl")
    name = task or task_of(source)
    if name is None:
        raise ValueError(f"cannot tell the task from the file name {source.name} (lmms-eval names it "
                         "{date}_samples_{task}.jsonl); give --task")
    return [SamplesFile(source, name)]


def _folder(folder: Path, task: str | None) -> list[SamplesFile]:
    found = [SamplesFile(p, t) for p in sorted(folder.glob("*_samples_*.jsonl")) if (t := task_of(p))]
    if task is not None:
        found = [f for f in found if f.task == task]
    if not found:
        inner = sorted({p.parent.name for p in folder.glob("*/*_samples_*.jsonl")})
        what = f"no samples file of task {task}" if task else "no samples files ({date}_samples_{task}.jsonl)"
        hint = (f"; lmms-eval keeps them in one folder per model: pass one of {', '.join(inner)}" if inner else
                "; run lmms-eval with --log_samples")
        raise ValueError(f"{folder} holds {what}{hint}")
    by_task: dict[str, list[str]] = {}
    for f in found:
        by_task.setdefault(f.task, []).append(f.path.name)
    twice = {t: names for t, names in by_task.items() if len(names) > 1}
    if twice:
        t, names = next(iter(sorted(twice.items())))
        raise ValueError(f"{folder} holds {len(names)} samples files of task {t} ({', '.join(names)}), from several "
                         "lmms-eval runs; pass the files of one run, one by one")
    return found


@dataclass(frozen=True)
class ImportReport:
    output: Path
    task: str
    ok: int
    failed: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Sample:
    line: int
    doc_id: int
    text: str | None
    """The answer, or None when lmms-eval recorded a failed request."""
    error: str | None
    item_id: str | None
    """Item id from a mella-bench payload (exported tasks), when present."""
    target: Any
    prompt: str | None


def _answer(rec: dict[str, Any]) -> Any:
    value = rec.get("filtered_resps", rec.get("resps"))
    while isinstance(value, list) and len(value) == 1:  # [[text]] / [text] shapes of unflattened logs
        value = value[0]
    return value


def _parse_target(text: Any) -> Any:
    """`target` is str() of what doc_to_target returned: a list prints as a Python literal."""
    if isinstance(text, str) and text.startswith("[") and text.endswith("]"):
        try:
            return ast.literal_eval(text)  # literals only; never evaluates code
        except (ValueError, SyntaxError):
            return text
    return text


def read_samples(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[_Sample]:
    """Every record of a samples file; raises DataError listing every bad line (file, line, field).
    An answer over a limit (or not storable as text) becomes a failed sample with the reason."""
    problems: list[Problem] = []
    out: list[_Sample] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError([Problem(str(path), None, None, f"is not UTF-8 ({exc})")]) from None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), lineno, None, f"malformed JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("doc_id"), int):
            problems.append(Problem(str(path), lineno, "doc_id", "missing or not an integer; is this an lmms-eval "
                                                                  "--log_samples file ({date}_samples_{task}.jsonl)?"))
            continue
        answer = _answer(rec)
        if "filtered_resps" not in rec and "resps" not in rec:
            problems.append(Problem(str(path), lineno, "filtered_resps", "missing (and no resps)"))
            continue
        if answer is not None and not isinstance(answer, str):
            problems.append(Problem(str(path), lineno, "filtered_resps",
                                    f"expected the generated text, got {type(answer).__name__}; only generate_until "
                                    "tasks can be imported"))
            continue
        failed = failed_request(answer)
        why = (answer or "no response recorded")[:500] if failed else limits.answer_problem(answer)
        payload_ids = {v.get("id") for v in rec.values() if isinstance(v, dict) and "id" in v and "task" in v}
        out.append(_Sample(line=lineno, doc_id=rec["doc_id"], text=None if why else answer, error=why,
                           item_id=payload_ids.pop() if len(payload_ids) == 1 else None,
                           target=_parse_target(rec.get("target")), prompt=rec.get("input")))
    if problems:
        raise DataError(problems)
    if not out:
        raise DataError([Problem(str(path), None, None, "holds no samples")])
    return out


def _task_for(name: str, lang: str | None, axis: str | None, registry: Registry) -> Task:
    """The mella-bench task of that name, or a new one for a task only lmms-eval knows (needs --lang/--axis)."""
    if name in registry.tasks:
        task = registry.tasks[name]
        if (lang and lang != task.lang) or (axis and axis != task.axis):
            raise ValueError(f"task {name} is {task.lang}/{task.axis}; drop --lang/--axis or name another task")
        return task
    if not lang or not axis:
        raise ValueError(f"'{name}' is not a mella-bench task; give --lang and --axis for it (and --refs-from DATA)")
    like = registry.tasks.get(f"mella_{lang}_{axis}")
    if like is None:
        raise ValueError(f"no mella-bench task for {lang}/{axis} to take the metrics from")
    return dataclasses.replace(like, name=name, description=f"imported from lmms-eval task {name}", source="")


def _match(samples: list[_Sample], items: list[Item], file: str) -> list[tuple[_Sample, Item]]:
    by_id = {it.id: it for it in items}
    problems: list[Problem] = []
    pairs: list[tuple[_Sample, Item]] = []
    seen: dict[str, int] = {}
    for s in samples:
        if s.item_id is not None:
            item = by_id.get(s.item_id)
            if item is None:
                problems.append(Problem(file, s.line, "id", f"item '{s.item_id}' is not in the reference data"))
                continue
        elif 0 <= s.doc_id < len(items):
            item = items[s.doc_id]
        else:
            problems.append(Problem(file, s.line, "doc_id", f"{s.doc_id} is outside the {len(items)} items of the "
                                                            "reference data"))
            continue
        target = s.target if isinstance(s.target, list) else [s.target]
        if s.target not in (None, "") and not set(map(str, target)) & set(item.references):
            problems.append(Problem(file, s.line, "target", f"does not match the references of item '{item.id}'; "
                                                            "the log and the reference data are not aligned "
                                                            "(same dataset, split and order?)"))
            continue
        if item.id in seen:
            problems.append(Problem(file, s.line, "doc_id", f"item '{item.id}' already answered on line {seen[item.id]}"))
            continue
        seen[item.id] = s.line
        pairs.append((s, item))
    if problems:
        raise DataError(problems)
    return pairs


def _provenance(source: Path) -> dict[str, Any]:
    """The log the answers came from (the same fields an slvqa import records)."""
    return {"source": source.name, "sha256": hashlib.sha256(source.read_bytes()).hexdigest(), "format": "lmms-eval"}


def import_samples(samples_path: Path, task_name: str, output: Path, lang: str | None = None,
                   axis: str | None = None, refs_from: str | None = None, model: str | None = None,
                   include_paths: tuple[str, ...] = (), limits: Limits = DEFAULT_LIMITS) -> ImportReport:
    """Add one lmms-eval task's answers to the run directory `output` (created, or extended when it
    holds imports of the same model), as predictions keyed like `mella-bench run` keys them."""
    samples = read_samples(samples_path, limits)
    registry = load_registry(include_paths=include_paths)
    task = _task_for(task_name, lang, axis, registry)
    prompts = {s.prompt for s in samples if s.prompt}
    notes: list[str] = []
    if len(prompts) == 1 and prompts != {task.prompt}:
        task = dataclasses.replace(task, prompt=prompts.pop())  # the hash must say what the model was asked
        notes.append("the log's prompt differs from the task's; the run records the log's prompt")
    src = refs_from or (task.data if task_name in registry.tasks else None)
    if src is None:
        raise ValueError(f"give --refs-from DATA: the dataset lmms-eval task {task_name} ran on, with its "
                         "references (and keywords for know tasks)")
    refs = load(src, limits)  # like `run --data`, the reference data does not change the task (nor its hash)
    items = task_items_of(task.lang, task.axis, refs, None)
    pairs = _match(samples, items, str(samples_path))
    identities = task_identities(refs, items)
    model_name = model or samples_path.parent.name or "lmms-eval"
    fingerprint = {"backend": BACKEND, "model": model_name}
    model_hash = fingerprint_hash(fingerprint)
    store = RunDir(output)
    ok = failed = 0
    with store.session():
        old = store.header() if store.exists() else None
        if old is not None and old.model_hash != model_hash:
            raise ValueError(f"{output} holds a run of another model ({dict(old.model_fingerprint)}); "
                             "import into a new --output or pass the same --model name")
        records = []
        for s, item in pairs:
            status = "ok" if s.text is not None else "error"
            ok += status == "ok"
            failed += status == "error"
            ident = identities[item.id]
            records.append(Prediction(key=prediction_key(model_hash, task, item, ident), task=task.name,
                                      task_hash=task.hash, model_hash=model_hash, item_id=item.id, lang=item.lang,
                                      axis=item.axis, status=status, text=s.text or "", error=s.error,
                                      identity=ident).to_json())
        entry = replace(task_entry(task, refs, data_hash(identities)), provenance=_provenance(samples_path))
        tasks = {**(old.tasks if old is not None else {}), task.name: entry}
        header = new_header(status="imported", fingerprint=fingerprint, tasks=tasks,
                            config=run_config({"name": BACKEND, "model": model_name, "options": {}}, list(tasks),
                                              limits=limits.to_json()))
        header = merge_header(old, header)
        with store.prediction_writer() as writer:
            writer.write(records)
        current = store.current_predictions(header)
        n_err = sum(p.status != "ok" for preds in current.values() for p in preds.values())
        n_all = sum(len(preds) for preds in current.values())
        store.write_header(replace(header, counts={"ok": n_all - n_err, "error": n_err, "reused": 0}))
    if len(pairs) < len(items):
        notes.append(f"{len(items) - len(pairs)} of the task's {len(items)} items have no answer in the log "
                     "(--limit in lmms-eval?); they are not scored")
    return ImportReport(output, task.name, ok, failed, tuple(notes))
