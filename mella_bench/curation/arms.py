"""Training arms for the culture-vs-linguistics ablation: `mella-bench data arms`.

From a culture dataset (D_know: native alt-text naming culture keywords) and a linguistic dataset
(D_ling: detailed captions), write three fine-tuning sets — `culture` (D_know only), `linguistic`
(D_ling only) and `full` (both) — in the formats common trainers read (LLaVA conversation JSON,
ShareGPT for LLaMA-Factory, InternVL jsonl). The fourth arm, `base`, is "no MELLA data": the
untouched starting checkpoint.

Why matched budgets: if `full` simply had both datasets it would also have twice the data, and its
gain over either single arm would mix "both kinds of data" with "more data". By default every arm
gets the same budget N (items, or metric tokens of the answers), and `full` is half D_know, half
D_ling; `full_budget="union"` makes `full` the union of the two single arms (2N) when that is the
question. Sampling is per language, round-robin, so each arm keeps the language mix.

Before anything is written, every selected training item is checked against the test sets: an item
whose image bytes or any reference text (normalised) equals a test item's is a leak and the whole
build is refused (or, when asked, leaked items are dropped from the pools and listed).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

from mella_bench.data.dataset import Dataset, Item
from mella_bench.langs import LANG_CODES

ARM_NAMES = ("culture", "linguistic", "full")
"""The arms written to disk; `base` (no MELLA data) is the starting checkpoint itself."""
FORMATS = ("llava", "sharegpt", "internvl")
BudgetUnit = Literal["items", "tokens"]
FullBudget = Literal["matched", "union"]
MANIFEST = "manifest.json"
ARMS_VERSION = 1
"""Bump when what goes into an arm (sampling, answer, prompt) changes."""


class LeakError(ValueError):
    """A training item equals a test item (same image bytes or same reference text)."""

    def __init__(self, leaks: Sequence["Leak"]):
        self.leaks = tuple(leaks)
        head = "\n".join(f"  {lk}" for lk in leaks[:20])
        more = f"\n  ... and {len(leaks) - 20} more" if len(leaks) > 20 else ""
        super().__init__(f"{len(leaks)} training item(s) leak a test item; nothing was written:\n{head}{more}\n"
                         "Remove them from the training data, or pass --drop-leaks to leave them out (they are "
                         "listed in the manifest).")


@dataclass(frozen=True)
class Leak:
    train_id: str
    source: str
    """`know` or `ling`: which training dataset the item came from."""
    test_id: str
    test_source: str
    how: str
    """`image` (same bytes) or `reference` (same normalised text)."""

    def __str__(self) -> str:
        return f"{self.source} item {self.train_id} = test item {self.test_id} ({self.test_source}) by {self.how}"


@dataclass(frozen=True)
class Example:
    """One training conversation: the item's image, the task prompt, its first reference as the answer."""

    item: Item
    source: str
    """`know` (from D_know) or `ling` (from D_ling)."""
    prompt: str
    answer: str
    image_sha256: str
    image_ext: str
    tokens: int
    """Metric tokens of the answer (the language's tokenizer), the unit of `--budget tokens`."""

    @property
    def image_name(self) -> str:
        return f"images/{self.image_sha256[:20]}{self.image_ext}"


@dataclass(frozen=True)
class ArmPlan:
    """What goes into every arm; nothing written yet."""

    arms: dict[str, tuple[Example, ...]]
    budget_unit: BudgetUnit
    budget: int
    full_budget: FullBudget
    seed: int
    sources: dict[str, dict[str, Any]]
    tests: tuple[dict[str, Any], ...]
    dropped: tuple[Leak, ...] = ()
    prompts: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- building blocks

def normalize_text(text: str) -> str:
    """The form reference texts are compared in for the leak check: NFC, casefolded, spaces collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).casefold()).strip()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def task_prompts() -> dict[tuple[str, str], str]:
    """(lang, axis) → the evaluation task's prompt: the arms train with the instruction they are tested with."""
    from mella_bench.data.tasks import select_tasks

    return {(t.lang, t.axis): t.prompt for t in select_tasks(LANG_CODES)}


def answer_tokens(lang: str, text: str) -> int:
    from mella_bench.metrics.text.tokenize import get_tokenizer

    return len(get_tokenizer(lang).tokenize(text))


def examples_of(ds: Dataset, source: str, prompts: dict[tuple[str, str], str]) -> list[Example]:
    """Every `source`-axis item of the dataset as a training example (items of the other axis are not used)."""
    items = [it for it in ds.items if it.axis == source]
    if not items:
        raise ValueError(f"{ds.source} has no '{source}' items; give D_{source} a dataset of {source} items")
    out = []
    for it in items:
        data = ds.image_bytes(it)
        ext = Path(it.image).suffix.lower() or ".png"
        out.append(Example(it, source, prompts[(it.lang, it.axis)], it.references[0], sha256(data), ext,
                           answer_tokens(it.lang, it.references[0])))
    return out


def find_leaks(examples: Iterable[Example], tests: Sequence[Dataset]) -> list[Leak]:
    """Training examples whose image bytes or any reference text equals a test item's."""
    by_image: dict[str, tuple[str, str]] = {}
    by_text: dict[str, tuple[str, str]] = {}
    for ds in tests:
        for it in ds.items:
            by_image.setdefault(sha256(ds.image_bytes(it)), (it.id, ds.source))
            for ref in it.references:
                by_text.setdefault(normalize_text(ref), (it.id, ds.source))
    leaks = []
    for ex in examples:
        hit = by_image.get(ex.image_sha256)
        if hit:
            leaks.append(Leak(ex.item.id, ex.source, hit[0], hit[1], "image"))
            continue
        for ref in ex.item.references:
            hit = by_text.get(normalize_text(ref))
            if hit:
                leaks.append(Leak(ex.item.id, ex.source, hit[0], hit[1], "reference"))
                break
    return leaks


def interleave(examples: Sequence[Example], seed: int) -> list[Example]:
    """Shuffle within each language (seeded), then take one item per language in turn: any prefix of the
    result has the languages as evenly mixed as the data allows."""
    rng = random.Random(seed)
    per = {lang: [e for e in examples if e.item.lang == lang] for lang in LANG_CODES}
    for lang in LANG_CODES:
        rng.shuffle(per[lang])
    out: list[Example] = []
    while any(per.values()):
        for lang in LANG_CODES:
            if per[lang]:
                out.append(per[lang].pop(0))
    return out


def cost(ex: Example, unit: BudgetUnit) -> int:
    return 1 if unit == "items" else ex.tokens


def take(ordered: Sequence[Example], budget: int, unit: BudgetUnit) -> tuple[Example, ...]:
    """The longest prefix whose cost fits the budget."""
    out, used = [], 0
    for ex in ordered:
        if used + cost(ex, unit) > budget:
            break
        out.append(ex)
        used += cost(ex, unit)
    return tuple(out)


def total(examples: Iterable[Example], unit: BudgetUnit) -> int:
    return sum(cost(e, unit) for e in examples)


def plan_arms(know: Dataset, ling: Dataset, tests: Sequence[Dataset], budget_unit: BudgetUnit = "items",
              budget: int | None = None, seed: int = 0, full_budget: FullBudget = "matched",
              drop_leaks: bool = False, prompts: dict[tuple[str, str], str] | None = None) -> ArmPlan:
    """Choose the items of every arm. Raises `LeakError` when a chosen item equals a test item.

    Budget N (default: the smaller dataset's whole size, so both single arms get the same amount):
    culture = the first N of D_know's interleaved order, linguistic = the first N of D_ling's,
    full = the first N/2 of each (matched) or culture ∪ linguistic (union)."""
    prompts = prompts or task_prompts()
    pools = {"know": examples_of(know, "know", prompts), "ling": examples_of(ling, "ling", prompts)}
    dropped: list[Leak] = []
    if drop_leaks:
        for src in pools:
            leaks = find_leaks(pools[src], tests)
            bad = {lk.train_id for lk in leaks}
            dropped += leaks
            pools[src] = [e for e in pools[src] if e.item.id not in bad]
    order = {src: interleave(pool, seed) for src, pool in pools.items()}
    available = {src: total(o, budget_unit) for src, o in order.items()}
    n = min(available.values()) if budget is None else budget
    if n < 1:
        raise ValueError(f"the budget must be at least 1 {budget_unit}; got {n}")
    for src, have in available.items():
        if n > have:
            raise ValueError(f"budget {n} {budget_unit} is more than D_{src} holds ({have} {budget_unit}); "
                             f"lower --budget (at most {min(available.values())}) so that the arms stay matched")
    culture = take(order["know"], n, budget_unit)
    linguistic = take(order["ling"], n, budget_unit)
    if full_budget == "union":
        full = culture + linguistic
    else:
        half_know = take(order["know"], n // 2, budget_unit)
        full = half_know + take(order["ling"], n - total(half_know, budget_unit), budget_unit)
    arms = {"culture": culture, "linguistic": linguistic, "full": full}
    leaks = find_leaks([e for arm in arms.values() for e in arm], tests)
    if leaks:
        raise LeakError(sorted(set(leaks), key=str))
    sources = {"know": _source_info(know, "know"), "ling": _source_info(ling, "ling")}
    return ArmPlan(arms, budget_unit, n, full_budget, seed, sources, tuple(_source_info(t) for t in tests),
                   tuple(dropped), {f"{lang}/{axis}": p for (lang, axis), p in sorted(prompts.items())})


def _source_info(ds: Dataset, axis: str | None = None) -> dict[str, Any]:
    ids = sorted(it.id for it in ds.items if axis is None or it.axis == axis)
    return {"source": ds.source, "items": len(ids), "ids_sha256": sha256("\n".join(ids).encode())}


# ---------------------------------------------------------------- formats

def llava_record(ex: Example) -> dict[str, Any]:
    """LLaVA's conversation JSON (also what many forks read): image path relative to the output folder."""
    return {"id": ex.item.id, "image": ex.image_name,
            "conversations": [{"from": "human", "value": f"<image>\n{ex.prompt}"},
                              {"from": "gpt", "value": ex.answer}]}


def sharegpt_record(ex: Example) -> dict[str, Any]:
    """LLaMA-Factory's ShareGPT-with-messages layout (see dataset_info.json, written alongside)."""
    return {"messages": [{"role": "user", "content": f"<image>{ex.prompt}"},
                         {"role": "assistant", "content": ex.answer}],
            "images": [ex.image_name]}


def internvl_record(ex: Example, index: int, size: tuple[int, int]) -> dict[str, Any]:
    """InternVL's fine-tuning jsonl (one record per line, integer id, image width and height)."""
    return {"id": index, "image": ex.image_name, "width": size[0], "height": size[1],
            "conversations": [{"from": "human", "value": f"<image>\n{ex.prompt}"},
                              {"from": "gpt", "value": ex.answer}]}


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def render_files(plan: ArmPlan, formats: Sequence[str], sizes: dict[str, tuple[int, int]]) -> dict[str, str]:
    """Relative path → text of every training file (images excluded)."""
    files: dict[str, str] = {}
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format '{fmt}'; choose from {', '.join(FORMATS)}")
    for arm, examples in plan.arms.items():
        if "llava" in formats:
            files[f"llava/{arm}.json"] = _dump([llava_record(e) for e in examples])
        if "sharegpt" in formats:
            files[f"sharegpt/{arm}.json"] = _dump([sharegpt_record(e) for e in examples])
        if "internvl" in formats:
            files[f"internvl/{arm}.jsonl"] = "".join(
                json.dumps(internvl_record(e, i, sizes[e.image_sha256]), ensure_ascii=False) + "\n"
                for i, e in enumerate(examples))
    if "sharegpt" in formats:
        files["dataset_info.json"] = _dump({f"mella_{arm}": {
            "file_name": f"sharegpt/{arm}.json", "formatting": "sharegpt",
            "columns": {"messages": "messages", "images": "images"},
            "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"},
        } for arm in plan.arms})
    if "internvl" in formats:
        files["internvl/meta.json"] = _dump({f"mella_{arm}": {
            "root": "./", "annotation": f"internvl/{arm}.jsonl", "data_augment": False, "repeat_time": 1,
            "length": len(examples)} for arm, examples in plan.arms.items()})
    return files


def _arm_summary(examples: Sequence[Example], unit: BudgetUnit) -> dict[str, Any]:
    by: dict[str, int] = {}
    for e in examples:
        key = f"{e.source}/{e.item.lang}"
        by[key] = by.get(key, 0) + 1
    return {"items": len(examples), "tokens": total(examples, "tokens"), "budget_used": total(examples, unit),
            "by_source_lang": dict(sorted(by.items())),
            "entries": [{"id": e.item.id, "source": e.source, "lang": e.item.lang, "image": e.image_name,
                         "image_sha256": e.image_sha256, "answer_sha256": sha256(e.answer.encode()),
                         "tokens": e.tokens} for e in examples]}


@dataclass(frozen=True)
class ArmFiles:
    output: Path
    manifest: Path
    files: tuple[Path, ...]
    images: int


def write_arms(plan: ArmPlan, know: Dataset, ling: Dataset, output: Path,
               formats: Sequence[str] = FORMATS) -> ArmFiles:
    """Write images (by content hash, once), the training files and manifest.json into `output`."""
    from PIL import Image

    output = Path(output)
    if output.exists() and any(output.iterdir()) and not (output / MANIFEST).is_file():
        raise FileExistsError(f"{output} exists and is not an arms folder (no {MANIFEST}); choose an empty folder")
    datasets = {"know": know, "ling": ling}
    sizes: dict[str, tuple[int, int]] = {}
    images: dict[str, bytes] = {}
    for examples in plan.arms.values():
        for e in examples:
            if e.image_sha256 not in images:
                data = datasets[e.source].image_bytes(e.item)
                images[e.image_sha256] = data
                with Image.open(io.BytesIO(data)) as im:
                    sizes[e.image_sha256] = im.size
    files = render_files(plan, formats, sizes)
    tmp = output.with_name(output.name + ".tmp-arms")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "images").mkdir(parents=True)
    names = {e.image_sha256: e.image_name for ex in plan.arms.values() for e in ex}
    for digest, data in images.items():
        (tmp / names[digest]).write_bytes(data)
    for rel, text in files.items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_text(text, encoding="utf-8")
    manifest = {
        "arms_version": ARMS_VERSION,
        "arms": {"base": "no MELLA data: the starting checkpoint itself (nothing to write)",
                 **{arm: _arm_summary(ex, plan.budget_unit) for arm, ex in plan.arms.items()}},
        "budget": {"unit": plan.budget_unit, "n": plan.budget, "full": plan.full_budget,
                   "rule": ("culture = first N of D_know, linguistic = first N of D_ling, "
                            + ("full = culture + linguistic (2N)" if plan.full_budget == "union"
                               else "full = first N/2 of D_know + the rest of N from D_ling")
                            + "; order = per-language seeded shuffle, languages taken in turn"),
                   "tokens": "metric tokens of the answer (mella_bench.metrics.text.tokenize, per language)"},
        "seed": plan.seed,
        "sources": plan.sources,
        "leak_check": {"tests": list(plan.tests), "by": ["image sha256", "normalised reference text"],
                       "dropped": [str(lk) for lk in plan.dropped]},
        "answer": "the item's first reference",
        "prompts": plan.prompts,
        "files": {rel: sha256(text.encode()) for rel, text in sorted(files.items())},
        "images": len(images),
    }
    (tmp / MANIFEST).write_text(_dump(manifest), encoding="utf-8")
    if output.exists():
        shutil.rmtree(output)
    tmp.rename(output)
    return ArmFiles(output, output / MANIFEST, tuple(output / rel for rel in sorted(files)), len(images))


def build_arms(know: str | Path, ling: str | Path, output: str | Path, tests: Sequence[str | Path] = ("demo",),
               budget_unit: BudgetUnit = "items", budget: int | None = None, seed: int = 0,
               full_budget: FullBudget = "matched", formats: Sequence[str] = FORMATS,
               drop_leaks: bool = False) -> tuple[ArmPlan, ArmFiles]:
    """`mella-bench data arms`: load, plan (with the leak check), write."""
    from mella_bench.data.dataset import load

    know_ds, ling_ds = load(know), load(ling)
    test_ds = [load(t) for t in tests]
    plan = plan_arms(know_ds, ling_ds, test_ds, budget_unit, budget, seed, full_budget, drop_leaks)
    return plan, write_arms(plan, know_ds, ling_ds, Path(output), formats)


__all__ = ["ARM_NAMES", "FORMATS", "ArmFiles", "ArmPlan", "Example", "Leak", "LeakError", "build_arms",
           "find_leaks", "plan_arms", "write_arms"]
