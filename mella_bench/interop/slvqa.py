"""Predictions made elsewhere → an ordinary run directory (`mella-bench data import <format> ...`).

A released prediction file (a paper's model outputs with their references) becomes a run directory
that `score`, `report`, `tables`, `compare` and the judge's text-only mode read like any other:

    RUN_DIR/run.json            header: model, one task per imported file, provenance of each file
    RUN_DIR/predictions.jsonl   one ok prediction per item (the released answer, verbatim)
    RUN_DIR/data/manifest.jsonl the references as reference-only items (`"image": null`)

Images are not part of such releases, so the items are reference-only: everything that scores
text accepts them; `mella-bench run` refuses to generate on them (nothing to show the model).

Public API (format-specific readers only build `ImportedTask`s; everything else is shared):

- `ExternalRecord(item_id, prediction, references, prompt=None, meta={})` — one released answer.
  `prediction=None` marks an answer the source says failed (kept as a failed prediction).
- `Provenance(source, sha256, format, repository=None, commit=None, path_in_repository=None,
  license=None, notes=None)` — where a file came from; `Provenance.of_file(path, format, ...)`
  hashes the file.
- `ImportedTask(name, lang, axis, records, provenance, metrics=...)` — one file's worth of items.
- `write_imported_run(out, model, tasks, limits=...) -> ImportResult` — writes or extends RUN_DIR
  through the store (status `imported`, the same header as every run). Importing another file into
  the same directory adds (or replaces) its task; the model name must match. Everything is checked
  before anything is written (a bad reference stops the import with file, record and field; an
  answer over `max_answer_chars` becomes a failed prediction with the reason, as in `run`).
- `read_slvqa(path, lang, ...) -> ImportedTask` — the MELLA authors' result files (below).

Readers for other formats (e.g. lmms-eval sample logs) add one `read_<format>` function that
returns an `ImportedTask` and a subcommand that calls `write_imported_run`.

**The `slvqa` format** (the MELLA authors' working repository, gyfffffff/InternVL,
`internvl_chat/xyz_caption_results/*.json`): a JSON list of
`{question_id, question, answer, annotation}`; `answer` is the model output, `annotation` the
single reference caption. Item ids are `<task>-<image file name of question_id>`, so the baseline
and the fine-tune of one language pair up item by item; a repeated id stops the import.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from mella_bench.data.dataset import Dataset, DataError, Problem, validate_records
from mella_bench.data.identity import data_hash, task_identities
from mella_bench.langs import AXES, LANGUAGES
from mella_bench.data.limits import DEFAULT_LIMITS, Limits
from mella_bench.store import (PREDICTIONS, Prediction, RunDir, TaskEntry, fingerprint_hash, merge_header, new_header,
                               read_jsonl, run_config)

DATA_DIR = "data"
"""Folder of the run directory that holds the imported references (a manifest of reference-only items)."""
DEFAULT_LING_METRICS = ("meteor", "bleu", "rouge_l", "cider", "chrf++", "fidelity")
SLVQA_REPOSITORY = "gyfffffff/InternVL"
SLVQA_COMMIT = "0180305b1c6af94dbdc8fd4905eb1626e470646f"
SLVQA_LICENSE = "MIT (Copyright (c) 2023 OpenGVLab)"


@dataclass(frozen=True)
class ExternalRecord:
    """One answer released by someone else, with the reference(s) it was scored against."""

    item_id: str
    prediction: str | None
    """The model's answer verbatim; None when the source marks it as failed."""
    references: tuple[str, ...]
    prompt: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Provenance:
    """Where an imported file came from; stored per task in run.json."""

    source: str
    """The file as it was named on import."""
    sha256: str
    format: str
    repository: str | None = None
    commit: str | None = None
    path_in_repository: str | None = None
    license: str | None = None
    notes: str | None = None

    @staticmethod
    def of_file(path: Path, format: str, **kw: Any) -> "Provenance":
        return Provenance(source=Path(path).name, sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest(),
                          format=format, **kw)


@dataclass(frozen=True)
class ImportedTask:
    """The items of one imported file: one task of the run directory."""

    name: str
    lang: str
    axis: str
    records: tuple[ExternalRecord, ...]
    provenance: Provenance
    metrics: tuple[str, ...] = DEFAULT_LING_METRICS
    rubrics: tuple[str, ...] = ("linguistic_fluency",)
    """Judge rubrics that need no image (the judge's text-only mode)."""
    skipped: tuple[Mapping[str, Any], ...] = ()
    """Source records that could not become items (`index`, `question_id`, `reason`); kept in run.json."""


@dataclass(frozen=True)
class ImportResult:
    output: Path
    tasks: tuple[str, ...]
    """Every task the run directory now holds."""
    items: int
    """Items written by this import."""
    failed: int
    """Of which the source marks as failed."""


class ImportProblem(ValueError):
    """A file cannot be imported; the message names file, record and field."""


# ------------------------------------------------------------------------------------------------
# shared writer


def _task_hash(task: ImportedTask) -> str:
    blob = json.dumps([task.name, task.lang, task.axis, task.provenance.sha256], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _fingerprint(name: str) -> dict[str, Any]:
    return {"backend": "imported", "model": name}


def _item_json(task: ImportedTask, rec: ExternalRecord) -> dict[str, Any]:
    meta = {"source": task.provenance.source, **dict(rec.meta)}
    if rec.prompt is not None:
        meta["prompt"] = rec.prompt
    return {"id": rec.item_id, "lang": task.lang, "axis": task.axis, "image": None,
            "references": list(rec.references), "meta": meta}


def _check(task: ImportedTask) -> None:
    if task.lang not in LANGUAGES:
        raise ImportProblem(f"{task.provenance.source}: unknown language '{task.lang}'; expected one of "
                           f"{', '.join(LANGUAGES)}")
    if task.axis not in AXES:
        raise ImportProblem(f"{task.provenance.source}: unknown axis '{task.axis}'")
    seen: set[str] = set()
    for rec in task.records:
        if rec.item_id in seen:
            raise ImportProblem(f"{task.provenance.source}: duplicate item id '{rec.item_id}'")
        seen.add(rec.item_id)


def write_imported_run(out: Path, model: str, tasks: Sequence[ImportedTask], command: Sequence[str] | None = None,
                       limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    """Write (or extend) a run directory from imported tasks; returns what it now holds.

    An existing run directory must have been made by an import of the same model; a task of the
    same name is replaced (its predictions and references), the others are kept. Nothing is written
    unless every item is sound."""
    store = RunDir(Path(out))
    for t in tasks:
        _check(t)
    fingerprint = _fingerprint(model)
    with store.session():
        old = store.header() if store.exists() else None
        if old is not None and old.model_hash != fingerprint_hash(fingerprint):
            raise ImportProblem(f"{store.path} holds a run of another model "
                                f"({old.config.get('backend', {}).get('model')!r}); import '{model}' into a new directory")
        replaced = {t.name for t in tasks}
        items = [it for it in _read_items(store.path) if it.get("meta", {}).get("task") not in replaced]
        preds = [p for p in read_jsonl(store.path / PREDICTIONS) if p.get("task") not in replaced]
        entries = dict(old.tasks) if old is not None else {}
        failed = 0
        new_items: list[dict[str, Any]] = []
        for t in tasks:
            thash = _task_hash(t)
            entries[t.name] = TaskEntry(hash=thash, lang=t.lang, axis=t.axis, data=DATA_DIR, metrics=tuple(t.metrics),
                                        data_relative_to_run=True, prompt=_common_prompt(t), rubrics=tuple(t.rubrics),
                                        provenance=asdict(t.provenance), skipped_records=tuple(dict(x) for x in t.skipped))
            for rec in t.records:
                item = _item_json(t, rec)
                item["meta"]["task"] = t.name
                new_items.append(item)
                why = "marked as failed in the imported file" if rec.prediction is None else \
                    limits.answer_problem(rec.prediction)
                failed += why is not None
                key = hashlib.sha256(json.dumps([fingerprint_hash(fingerprint), thash, rec.item_id]).encode()).hexdigest()[:24]
                preds.append(Prediction(key=key, task=t.name, task_hash=thash, model_hash=fingerprint_hash(fingerprint),
                                        item_id=rec.item_id, lang=t.lang, axis=t.axis,
                                        status="ok" if why is None else "error",
                                        text=rec.prediction if why is None and rec.prediction is not None else "",
                                        error=why).to_json())
        _check_items(new_items, tasks, limits)  # before anything is written: a bad reference writes nothing
        items += new_items
        dataset = _reference_dataset(store.path, items, limits)
        idents = task_identities(dataset, dataset.items)
        entries = {name: replace(e, data_hash=data_hash({it.id: idents[it.id] for it in dataset.items
                                                         if it.lang == e.lang and it.axis == e.axis}))
                   for name, e in entries.items()}
        preds = [{**p, "identity": idents.get(p["item_id"])} for p in preds]
        n_err = sum(p["status"] != "ok" for p in preds)
        header = new_header(status="imported", fingerprint=fingerprint, tasks=entries, command=list(command or []),
                            config=run_config({"name": "imported", "model": model, "options": {}}, sorted(entries),
                                              limits=limits.to_json()),
                            counts={"ok": len(preds) - n_err, "error": n_err, "reused": 0})
        header = merge_header(old, header)
        store.write_jsonl(f"{DATA_DIR}/manifest.jsonl", items)  # references first, header last
        store.replace_predictions(Prediction.from_json(p) for p in preds)
        store.write_header(header)
    return ImportResult(store.path, tuple(sorted(entries)), sum(len(t.records) for t in tasks), failed)


def _check_items(items: list[dict[str, Any]], tasks: Sequence[ImportedTask], limits: Limits) -> None:
    """Every new reference item checked in memory (surrogates, empty references, ...); DataError names
    the source file and record."""
    sources = {t.name: t.provenance.source for t in tasks}
    problems: list[Problem] = []
    for name in sources:
        mine = [(it, int(it["meta"].get("index", i)) + 1) for i, it in enumerate(x for x in items if x["meta"]["task"] == name)]
        _, found = validate_records(mine, sources[name], limits)
        problems += [p for p in found if p.limit is None]
    if problems:
        raise DataError(problems)


def _reference_dataset(run_dir: Path, items: list[dict[str, Any]], limits: Limits) -> Dataset:
    """The run's reference-only items as a dataset (to compute their content identities)."""
    checked, problems = validate_records([(it, i) for i, it in enumerate(items, 1)], str(run_dir / DATA_DIR), limits)
    bad = [p for p in problems if p.limit is None]
    if bad:
        raise DataError(bad)
    return Dataset(root=run_dir / DATA_DIR, source=DATA_DIR, items=tuple(checked))


def _common_prompt(task: ImportedTask) -> str | None:
    prompts = {r.prompt for r in task.records}
    return prompts.pop() if len(prompts) == 1 else None


def _read_items(out: Path) -> list[dict[str, Any]]:
    return list(read_jsonl(out / DATA_DIR / "manifest.jsonl"))


# ------------------------------------------------------------------------------------------------
# format: slvqa (the MELLA authors' result files)


def slvqa_task_name(path: Path, lang: str) -> str:
    """`slvqa_caption_hu_241209201825.json` → `slvqa_caption_hu`; `gpt4o_caption_hu_…` → `gpt4o_caption_hu`."""
    stem = Path(path).stem
    marker = f"_{lang}_"
    return stem[:stem.index(marker) + len(marker) - 1] if marker in stem else f"slvqa_{lang}"


def _short_id(qid: str | int) -> str:
    """The file name of an image-path question id (`/nas/.../HU/images/0.jpg` → `0.jpg`), else the id."""
    return str(qid).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def read_slvqa(path: Path, lang: str, task: str | None = None, repository: str | None = SLVQA_REPOSITORY,
               commit: str | None = SLVQA_COMMIT, path_in_repository: str | None = None,
               license: str | None = SLVQA_LICENSE) -> ImportedTask:
    """One `slvqa` result file → an `ImportedTask` (axis `ling`: these are caption results).

    Every record must be an object with a string `answer` and a string `annotation`; every bad
    record is listed with its index and field and nothing is written. A record whose reference is
    empty cannot be an item (an item needs a reference; the authors' pipeline raises on it and
    leaves it out): it is skipped, listed in `ImportedTask.skipped` and in run.json, and reported
    as left out by `--protocol mella-2024`. Item ids come from the question ids' file names; if
    those repeat within the file, from the record index (`<task>-0007`)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportProblem(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(data, list):
        raise ImportProblem(f"{path}: expected a JSON list of records, got {type(data).__name__}")
    name = task or slvqa_task_name(path, lang)
    problems: list[Problem] = []
    records: list[ExternalRecord] = []
    skipped: list[dict[str, Any]] = []
    for i, rec in enumerate(data):
        where = f"record {i}"
        if not isinstance(rec, dict):
            problems.append(Problem(str(path), i + 1, None, f"{where}: expected an object"))
            continue
        for fld in ("answer", "annotation"):
            if not isinstance(rec.get(fld), str):
                problems.append(Problem(str(path), i + 1, fld, f"{where}: missing or not a string"))
        qid = rec.get("question_id")
        if not isinstance(qid, (str, int)):
            problems.append(Problem(str(path), i + 1, "question_id", f"{where}: missing or not a string/number"))
        if len(problems) and problems[-1].line == i + 1:
            continue
        if not rec["annotation"].strip():
            skipped.append({"index": i, "question_id": qid, "reason": "empty reference: cannot be scored (the "
                            "authors' pipeline raises on it and leaves it out)"})
            continue
        records.append(ExternalRecord(item_id=f"{name}-{_short_id(qid)}", prediction=rec["answer"],
                                      references=(rec["annotation"],),
                                      prompt=rec.get("question") if isinstance(rec.get("question"), str) else None,
                                      meta={"question_id": qid, "index": i}))
    if problems:
        raise DataError(problems)
    if len({r.item_id for r in records}) < len(records):  # repeated question ids: index-based ids instead
        records = [ExternalRecord(f"{name}-{r.meta['index']:04d}", r.prediction, r.references, r.prompt, r.meta)
                   for r in records]
    prov = Provenance.of_file(path, "slvqa", repository=repository, commit=commit,
                              path_in_repository=path_in_repository or
                              (f"internvl_chat/xyz_caption_results/{path.name}" if repository == SLVQA_REPOSITORY
                               else None), license=license)
    return ImportedTask(name, lang, "ling", tuple(records), prov, skipped=tuple(skipped))


__all__ = ["DATA_DIR", "ExternalRecord", "ImportProblem", "ImportResult", "ImportedTask", "Provenance",
           "read_slvqa", "slvqa_task_name", "write_imported_run"]
