"""Importers: map other published layouts onto the canonical manifest (docs/data.md).

Each importer writes `<out>/manifest.jsonl` + `<out>/images/...` (images are copied, never
linked, so the dataset root stays self-contained) and then validates the result, so an import
either yields a dataset `mella-bench run --data OUT` accepts or a list of located problems.
"""

from __future__ import annotations

import filecmp
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from mella_bench.data.dataset import DataError, Problem, validate
from mella_bench.langs import LANGUAGES


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote."""

    output: Path
    items: int
    skipped: tuple[str, ...]
    """Human-readable reasons for source records that could not become items (never silent)."""


def _jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError([Problem(str(path), lineno, None, f"malformed JSON: {exc.msg}")]) from None


def _copy_image(src_root: Path, name: str, out: Path) -> str | None:
    """Copy one image under out/images; return its manifest path or None when missing/unsafe."""
    src = (src_root / name)
    root = src_root.resolve()
    if not src.resolve().is_relative_to(root) or not src.is_file():
        return None
    # keep the source's sub-folders: flattening to the file name made th/0001.jpg and ko/0001.jpg one image
    rel = f"images/{src.resolve().relative_to(root).as_posix()}"
    dst = out / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists() or not filecmp.cmp(src, dst, shallow=False):  # never keep a stale image of an earlier import
        shutil.copyfile(src, dst)
    return rel


def _finish(out: Path, records: list[dict[str, Any]], skipped: list[str]) -> ImportReport:
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    ds, problems = validate(out, keyword_checks=False)
    if ds is None:
        raise DataError(problems)
    return ImportReport(out, len(ds.items), tuple(skipped))


def import_xm3600(captions: Path, images: Path, langs: tuple[str, ...], out: Path) -> ImportReport:
    """Crossmodal-3600 style captions (one JSON per image: `image/key` + per-language `caption` lists) → `ling` items.

    XM3600 captions were written natively per language, so they serve as `ling` references.
    Images are looked up as `<images>/<image/key>.jpg`.
    """
    unknown = [l for l in langs if l not in LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language(s) {unknown}")
    records, skipped = [], []
    for lineno, rec in _jsonl(captions):
        key = rec.get("image/key")
        if not isinstance(key, str):
            skipped.append(f"{captions}:{lineno}: no 'image/key'")
            continue
        rel = _copy_image(images, f"{key}.jpg", out)
        if rel is None:
            skipped.append(f"{captions}:{lineno}: image {key}.jpg not found under {images}")
            continue
        for lang in langs:
            caps = (rec.get(lang) or {}).get("caption") or []
            caps = [c for c in caps if isinstance(c, str) and c.strip()]
            if not caps:
                skipped.append(f"{captions}:{lineno}: no '{lang}' caption for {key}")
                continue
            records.append({"id": f"{lang}-xm3600-{key}", "lang": lang, "axis": "ling", "image": rel,
                            "references": caps, "meta": {"source": "xm3600", "image_key": key}})
    return _finish(out, records, skipped)


def import_conversations(source: Path, images: Path, lang: str, axis: str, out: Path,
                         keywords: Path | None = None) -> ImportReport:
    """LLaVA-style SFT records (the layout MELLA's training files use) → items.

    Each record: `{"id", "image", "conversations": [{"from": "human", ...}, {"from": "gpt", "value": REF}]}`;
    the first model turn becomes the reference. `know` items need keywords: pass a JSONL file of
    `{"id": ..., "keywords": [...]}` lines; ids without keywords are reported, not dropped silently.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'")
    data = json.loads(source.read_text(encoding="utf-8")) if source.suffix == ".json" else [r for _, r in _jsonl(source)]
    kw: dict[str, list[str]] = {}
    if keywords is not None:
        kw = {r["id"]: r["keywords"] for _, r in _jsonl(keywords)}
    records, skipped = [], []
    for i, rec in enumerate(data, start=1):
        rid = str(rec.get("id", i))
        turns = [t for t in rec.get("conversations", []) if t.get("from") in {"gpt", "assistant"}]
        if not turns or not str(turns[0].get("value", "")).strip():
            skipped.append(f"{source}: record {i} ({rid}): no model turn to use as reference")
            continue
        rel = _copy_image(images, str(rec.get("image", "")), out)
        if rel is None:
            skipped.append(f"{source}: record {i} ({rid}): image '{rec.get('image')}' not found under {images}")
            continue
        item = {"id": f"{lang}-{axis}-{rid}", "lang": lang, "axis": axis, "image": rel,
                "references": [turns[0]["value"].strip()], "meta": {"source": source.name, "source_id": rid}}
        if axis == "know":
            if rid not in kw:
                skipped.append(f"{source}: record {i} ({rid}): know item without keywords in {keywords}")
                continue
            item["keywords"] = kw[rid]
        records.append(item)
    return _finish(out, records, skipped)
