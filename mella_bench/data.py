"""Canonical evaluation items: loading (JSONL manifest, Parquet, `datasets` on disk) and validation.

Every loader yields the same frozen `Item`; validation runs before any model does and reports
*every* problem with its file, line and field, so nothing is silently dropped.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

from mella_bench.langs import AXES, LANGUAGES

DEMO_ROOT = Path(__file__).parent / "demo"
"""The demo set shipped inside the package (see README: it is a demo, not a benchmark)."""

_KNOWN_FIELDS = {"id", "lang", "axis", "image", "references", "keywords", "thin", "meta"}


@dataclass(frozen=True)
class Item:
    """One image with its references, as every stage after loading sees it."""

    id: str
    """Unique within a dataset, e.g. `th-know-0001`."""
    lang: str
    """Language code (one of `LANGUAGES`)."""
    axis: str
    """`know` (native alt-text, culture keywords) or `ling` (translated detailed captions)."""
    image: str | None
    """Image path relative to the dataset root (or a name, when the bytes are embedded); None for a
    reference-only item (imported predictions whose images were not released: scorable, not runnable)."""
    references: tuple[str, ...]
    """Reference descriptions in the target language (alt-text or caption); at least one."""
    keywords: tuple[str, ...] = ()
    """Culture keywords the output should name; required on `know` items."""
    thin: str | None = None
    """Optional generic ("thin") description of the same image, for the thin baseline and judge."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Free-form provenance (source, licence, ...); never used by metrics."""
    image_bytes: bytes | None = field(default=None, repr=False, compare=False)
    """Encoded image, when the source embeds it (Parquet, `datasets`)."""

    def to_json(self) -> dict[str, Any]:
        """The manifest form of the item (without embedded bytes)."""
        out: dict[str, Any] = {
            "id": self.id, "lang": self.lang, "axis": self.axis, "image": self.image,
            "references": list(self.references), "keywords": list(self.keywords),
        }
        if self.thin is not None:
            out["thin"] = self.thin
        if self.meta:
            out["meta"] = dict(self.meta)
        return out


@dataclass(frozen=True)
class Problem:
    """One validation failure, located precisely enough to fix by hand."""

    file: str
    line: int | None
    """1-based line (JSONL) or row (Parquet/datasets); None for whole-file problems."""
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        fld = f" field '{self.field}':" if self.field else ""
        return f"{where}:{fld} {self.message}"


class ReferenceOnlyError(ValueError):
    """An image was needed from a reference-only item."""


class DataError(ValueError):
    """Raised when a dataset has problems; carries all of them, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} data problem(s):\n{head}{more}")


@dataclass(frozen=True)
class Dataset:
    """Validated items plus where their images live."""

    root: Path
    """Directory against which relative image paths resolve."""
    source: str
    """What was loaded (path or `demo`), for run.json."""
    items: tuple[Item, ...]

    def image_bytes(self, item: Item) -> bytes:
        """The encoded image of an item (validated to lie inside `root`); a reference-only item has none."""
        if item.image_bytes is not None:
            return item.image_bytes
        if item.image is None:
            raise ReferenceOnlyError(f"{self.source}: item '{item.id}' is reference-only (no image); it can be "
                                     "scored and judged text-only, but no model can be run on it")
        return (self.root / item.image).read_bytes()

    def image_or_none(self, item: Item) -> bytes | None:
        """The image, or None for a reference-only item (for consumers that can work without one)."""
        return None if item.image is None and item.image_bytes is None else self.image_bytes(item)

    def select(self, langs: Iterable[str] | None = None, axis: str | None = None) -> list[Item]:
        wanted = set(langs) if langs is not None else None
        return [
            it for it in self.items
            if (wanted is None or it.lang in wanted) and (axis is None or it.axis == axis)
        ]


# ---------------------------------------------------------------- record checks

def _str_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _image_path_problem(path: str) -> str | None:
    """Why an image path is unsafe, or None. Paths are POSIX, relative, and never climb out."""
    if not path:
        return "is empty"
    if "\\" in path:
        return f"'{path}' uses backslashes; use forward slashes"
    p = PurePosixPath(path)
    if p.is_absolute() or (len(path) > 1 and path[1] == ":"):
        return f"'{path}' is absolute; image paths must be relative to the dataset root"
    if ".." in p.parts:
        return f"'{path}' escapes the dataset root ('..' is not allowed)"
    return None


def _check_image(data: bytes) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
        return None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"does not decode as an image ({type(exc).__name__}: {exc})"


def _record_to_item(rec: Any, file: str, line: int, root: Path | None,
                    problems: list[Problem]) -> Item | None:
    """Check one raw record; append every problem found; return the Item when it is sound."""
    start = len(problems)

    def bad(fld: str | None, msg: str) -> None:
        problems.append(Problem(file, line, fld, msg))

    if not isinstance(rec, dict):
        bad(None, f"expected a JSON object, got {type(rec).__name__}")
        return None
    for key in sorted(set(rec) - _KNOWN_FIELDS - {"image_bytes"}):
        bad(key, f"unknown field; allowed: {', '.join(sorted(_KNOWN_FIELDS))}")
    item_id = rec.get("id")
    if not isinstance(item_id, str) or not item_id.strip():
        bad("id", "missing or not a non-empty string")
    lang = rec.get("lang")
    if lang not in LANGUAGES:
        bad("lang", f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    axis = rec.get("axis")
    if axis not in AXES:
        bad("axis", f"unknown axis {axis!r}; expected 'know' or 'ling'")
    refs = _str_list(rec.get("references"))
    if refs is None:
        bad("references", "missing or not a list of strings")
    elif not refs or not all(r.strip() for r in refs):
        bad("references", "must hold at least one non-empty reference (empty strings are not allowed)")
    kws_raw = rec.get("keywords", [])
    kws = _str_list(kws_raw)
    if kws is None:
        bad("keywords", "not a list of strings")
    elif axis == "know" and not any(k.strip() for k in kws):
        bad("keywords", "a 'know' item needs at least one culture keyword")
    thin = rec.get("thin")
    if thin is not None and (not isinstance(thin, str) or not thin.strip()):
        bad("thin", "must be a non-empty string when given")
    meta = rec.get("meta", {})
    if not isinstance(meta, dict):
        bad("meta", "must be a JSON object when given")
    image = rec.get("image")
    image_bytes = rec.get("image_bytes")
    if image is None and "image" in rec and image_bytes is None:
        pass  # `"image": null`: a reference-only item (explicitly; a missing field is still an error)
    elif not isinstance(image, str):
        bad("image", "missing or not a string path (null for a reference-only item)")
    elif image_bytes is None:
        why = _image_path_problem(image)
        if why:
            bad("image", why)
        elif root is not None:
            path = root / image
            try:
                inside = path.resolve().is_relative_to(root.resolve())
            except OSError:
                inside = False
            if not inside:
                bad("image", f"'{image}' resolves outside the dataset root (symlink?)")
            elif not path.is_file():
                bad("image", f"file not found: {path}")
            else:
                why = _check_image(path.read_bytes())
                if why:
                    bad("image", f"'{image}' {why}")
    else:
        why = _check_image(image_bytes)
        if why:
            bad("image", f"embedded image {why}")
    if len(problems) > start:
        return None
    return Item(id=item_id, lang=lang, axis=axis, image=image, references=refs, keywords=kws or (),
                thin=thin, meta=meta, image_bytes=image_bytes)


def _check_unique(items: list[tuple[Item, int]], file: str, problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for item, line in items:
        if item.id in seen:
            problems.append(Problem(file, line, "id", f"duplicate id '{item.id}' (first seen on line {seen[item.id]})"))
        else:
            seen[item.id] = line


# ---------------------------------------------------------------- loaders

def _read_jsonl(path: Path, problems: list[Problem]) -> list[tuple[Any, int]]:
    records: list[tuple[Any, int]] = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), None, None, f"is not UTF-8 ({exc})"))
        return records
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((json.loads(line), lineno))
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), lineno, None, f"malformed JSON: {exc.msg} at column {exc.colno}"))
    return records


def _rows_from_table(table: Any) -> list[dict[str, Any]]:
    """Arrow table rows with image structs/bytes flattened to `image` + `image_bytes`."""
    rows = []
    for row in table.to_pylist():
        img = row.get("image")
        if isinstance(img, dict):  # datasets Image feature / HF parquet: {"bytes": ..., "path": ...}
            row["image_bytes"] = img.get("bytes")
            row["image"] = img.get("path") or f"{row.get('id', 'item')}.img"
        elif isinstance(img, (bytes, bytearray)):
            row["image_bytes"] = bytes(img)
            row["image"] = f"{row.get('id', 'item')}.img"
        if isinstance(row.get("meta"), str):
            try:
                row["meta"] = json.loads(row["meta"])
            except json.JSONDecodeError:
                pass
        if row.get("keywords") is None:
            row.pop("keywords", None)
        if row.get("thin") is None:
            row.pop("thin", None)
        rows.append(row)
    return rows


def _load_records(path: Path, problems: list[Problem]) -> tuple[Path, str, list[tuple[Any, int]]]:
    """(root, file label, [(record, line)]) for whichever format `path` is."""
    if path.is_dir():
        manifest = path / "manifest.jsonl"
        if manifest.is_file():
            return path, str(manifest), _read_jsonl(manifest, problems)
        if (path / "dataset_info.json").is_file() or (path / "state.json").is_file() or (path / "dataset_dict.json").is_file():
            return path, str(path), _load_hf_dataset(path, problems)
        parquet = sorted(path.glob("*.parquet"))
        if parquet:
            recs: list[tuple[Any, int]] = []
            for pq in parquet:
                recs.extend(_load_parquet(pq, problems))
            return path, str(path), recs
        problems.append(Problem(str(path), None, None,
                                "no manifest.jsonl, *.parquet or saved `datasets` dataset found in this directory"))
        return path, str(path), []
    if not path.exists():
        problems.append(Problem(str(path), None, None, "does not exist"))
        return path.parent, str(path), []
    if path.suffix == ".jsonl":
        return path.parent, str(path), _read_jsonl(path, problems)
    if path.suffix in {".parquet", ".arrow"}:
        return path.parent, str(path), _load_parquet(path, problems)
    problems.append(Problem(str(path), None, None, "unknown format; expected .jsonl, .parquet or a directory"))
    return path.parent, str(path), []


def _load_parquet(path: Path, problems: list[Problem]) -> list[tuple[Any, int]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if path.suffix == ".arrow":
            with pa.memory_map(str(path)) as src:
                table = pa.ipc.open_file(src).read_all()
        else:
            table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        problems.append(Problem(str(path), None, None, f"cannot be read as {path.suffix[1:]} ({exc})"))
        return []
    return [(row, i) for i, row in enumerate(_rows_from_table(table), start=1)]


def _load_hf_dataset(path: Path, problems: list[Problem]) -> list[tuple[Any, int]]:
    try:
        import datasets
    except ImportError:
        problems.append(Problem(str(path), None, None,
                                "is a saved `datasets` dataset; install the extra: pip install 'mella-bench[datasets]'"))
        return []
    ds = datasets.load_from_disk(str(path))
    if isinstance(ds, datasets.DatasetDict):
        ds = datasets.concatenate_datasets(list(ds.values()))
    if "image" in ds.features and isinstance(ds.features["image"], datasets.Image):
        ds = ds.cast_column("image", datasets.Image(decode=False))
    return [(row, i) for i, row in enumerate(_rows_from_table(ds.data.table), start=1)]


def validate(path: str | Path) -> tuple[Dataset | None, list[Problem]]:
    """Load and check a dataset; return it (when sound) and every problem found."""
    path = DEMO_ROOT if str(path) == "demo" else Path(path)
    problems: list[Problem] = []
    root, label, records = _load_records(path, problems)
    located: list[tuple[Item, int]] = []
    for rec, line in records:
        item = _record_to_item(rec, label, line, root, problems)
        if item is not None:
            located.append((item, line))
    _check_unique(located, label, problems)
    if not records and not problems:
        problems.append(Problem(label, None, None, "holds no items"))
    if problems:
        return None, problems
    return Dataset(root=root, source="demo" if path == DEMO_ROOT else str(path),
                   items=tuple(it for it, _ in located)), problems


def load(path: str | Path) -> Dataset:
    """Load a dataset or raise `DataError` listing every problem."""
    ds, problems = validate(path)
    if ds is None:
        raise DataError(problems)
    return ds
