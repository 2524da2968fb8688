"""Canonical evaluation items: loading (JSONL manifest, Parquet, `datasets` on disk) and validation.

Every loader yields the same frozen `Item`; validation runs before any model does and reports
*every* problem with its file, line and field, so nothing is silently dropped.

Hugging Face datasets are taken as they are: a `save_to_disk` folder (one `Dataset` or a
`DatasetDict`, read with pyarrow, so the `datasets` package is not needed), Parquet files with
split-named shards, a `--split` to pick one split, and a column mapping (`--columns` or a
`mella-bench.yaml` beside the data) from the dataset's own column names to the item fields. The
whole choice travels as one string, `PATH#split=test&columns=id=question_id,references=caption`,
so run.json records it and scoring reloads exactly the same items.
"""

from __future__ import annotations

import io
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

from mella_bench.langs import AXES, LANGUAGES
from mella_bench.data.limits import DEFAULT_LIMITS, Limits
from mella_bench.textsafe import unpaired_surrogate

DEMO_ROOT = Path(__file__).resolve().parents[1] / "demo"
"""The demo set shipped inside the package (see README: it is a demo, not a benchmark)."""

_KNOWN_FIELDS = {"id", "lang", "axis", "image", "references", "keywords", "thin", "meta"}

SIDECAR = "mella-bench.yaml"
"""Optional file beside the data (in its folder) holding `columns:` and `split:` for it."""


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
    over_limit: str | None = field(default=None, compare=False)
    """Why this item exceeds an input limit (`mella_bench.data.limits`); such an item fails alone in a run."""

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
    limit: str | None = None
    """Name of the input limit exceeded; such an item is kept and fails alone in a run."""

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
    warnings: tuple[Problem, ...] = ()
    """Things worth a look that do not stop loading (e.g. a keyword found in none of its references)."""
    origin: "ResolvedSource | None" = None
    """What was actually read (absolute path, format, split, columns, settings file), for run.json."""

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


def _check_image(data: bytes, max_pixels: int = DEFAULT_LIMITS.max_image_pixels) -> tuple[str | None, str | None]:
    """(why the bytes are not an image, why the image is over the pixel limit); both None when fine.

    The size is read from the header before any decoding, with Pillow's own bomb check off (it would
    raise, or print a raw warning, for sizes our limit already reports).
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
            try:
                with Image.open(io.BytesIO(data)) as im:
                    width, height = im.size
                    if width * height > max_pixels:
                        return None, (f"is {width}x{height} = {width * height:,} pixels, over the limit of "
                                      f"{max_pixels:,} (max_image_pixels)")
                    im.verify()
            finally:
                Image.MAX_IMAGE_PIXELS = saved
        return None, None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return f"does not decode as an image ({type(exc).__name__}: {exc})", None


def _text_limits(rec: dict[str, Any], limits: Limits) -> list[tuple[str, str]]:
    """(field, why) for every text of the record longer than max_reference_chars."""
    out = []
    cap = limits.max_reference_chars
    for name in ("references", "keywords"):
        values = rec.get(name)
        if isinstance(values, list):
            for i, v in enumerate(values):
                if isinstance(v, str) and len(v) > cap:
                    out.append((f"{name}[{i}]", f"is {len(v):,} characters, over the limit of {cap:,} "
                                                "(max_reference_chars)"))
    thin = rec.get("thin")
    if isinstance(thin, str) and len(thin) > cap:
        out.append(("thin", f"is {len(thin):,} characters, over the limit of {cap:,} (max_reference_chars)"))
    return out


def _surrogate_fields(value: Any, name: str) -> list[tuple[str, str]]:
    """(field, why) for every string in `value` (lists and objects walked) that holds a lone surrogate."""
    if isinstance(value, str):
        why = unpaired_surrogate(value)
        return [(name, f"{why}; fix the escape in the source")] if why else []
    if isinstance(value, (list, tuple)):
        return [x for i, v in enumerate(value) for x in _surrogate_fields(v, f"{name}[{i}]")]
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _surrogate_fields(k, f"{name} key") + _surrogate_fields(v, f"{name}.{k}")]
    return []


PATH_ONLY_FIX = ("the image column holds this path but no image bytes (a `datasets` Image column written with "
                 "paths only; `to_parquet` does not embed files). Fix: embed the bytes before writing — "
                 "`from datasets.table import embed_table_storage; ds = ds.with_format('arrow').map("
                 "embed_table_storage, batched=True).with_format(None); ds.to_parquet(...)` (`push_to_hub` embeds "
                 "them itself) — or copy the images into the dataset's folder and store paths relative to it")
"""The fix-it for a Parquet/`datasets` row whose image is an absolute path without bytes."""


def _record_to_item(rec: Any, file: str, line: int, root: Path | None,
                    problems: list[Problem], limits: Limits = DEFAULT_LIMITS, tabular: bool = False) -> Item | None:
    """Check one raw record; append every problem found; return the Item when it is sound (an item
    over an input limit is returned too, marked `over_limit`, and its problem carries the limit).
    `tabular`: the record is a Parquet/`datasets` row (an absolute image path there gets PATH_ONLY_FIX)."""
    start = len(problems)
    over: list[Problem] = []

    def bad(fld: str | None, msg: str) -> None:
        problems.append(Problem(file, line, fld, msg))

    def too_big(fld: str, msg: str) -> None:
        over.append(Problem(file, line, fld, msg, limit=msg.rsplit("(", 1)[-1].rstrip(")")))

    if not isinstance(rec, dict):
        bad(None, f"expected a JSON object, got {type(rec).__name__}")
        return None
    for key in sorted(set(rec) - _KNOWN_FIELDS - {"image_bytes"}):
        bad(key, f"unknown field; allowed: {', '.join(sorted(_KNOWN_FIELDS))}")
    for key in sorted(set(rec) & _KNOWN_FIELDS):
        for fld, why in _surrogate_fields(rec[key], key):
            bad(fld, why)
    if len(problems) > start:
        return None
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
        if why and tabular and why.endswith("relative to the dataset root"):
            bad("image", f"'{image}' is absolute: {PATH_ONLY_FIX}")
        elif why:
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
                why, big = _check_image(path.read_bytes(), limits.max_image_pixels)
                if why:
                    bad("image", f"'{image}' {why}")
                if big:
                    too_big("image", f"'{image}' {big}")
    else:
        why, big = _check_image(image_bytes, limits.max_image_pixels)
        if why:
            bad("image", f"embedded image {why}")
        if big:
            too_big("image", f"embedded image {big}")
    for fld, why in _text_limits(rec, limits):
        too_big(fld, why)
    if len(problems) > start:
        return None
    problems.extend(over)
    return Item(id=item_id, lang=lang, axis=axis, image=image, references=refs, keywords=kws or (),
                thin=thin, meta=meta, image_bytes=image_bytes,
                over_limit="; ".join(f"{p.field}: {p.message}" for p in over) or None)


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
    for lineno, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(path), lineno, None, f"is not UTF-8 (byte {exc.start + 1} of the line: "
                                                             f"{exc.reason}); save the file as UTF-8"))
            continue
        if not line.strip():
            continue
        try:
            records.append((json.loads(line), lineno))
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), lineno, None, f"malformed JSON: {exc.msg} at column {exc.colno}"))
    return records


@dataclass(frozen=True)
class DataSource:
    """Where the items come from: a path, an optional split, and a mapping of fields to columns.

    `spec` is the one-string form stored in run.json (`PATH#split=S&columns=F=C,F=C`); `parse`
    reads it back, so a run is rescored from exactly the items it was generated on.
    """

    path: str
    split: str | None = None
    columns: tuple[tuple[str, str], ...] = ()
    """(item field, dataset column) pairs, e.g. (("id", "question_id"), ("references", "caption"))."""

    @property
    def spec(self) -> str:
        query = []
        if self.split:
            query.append(("split", self.split))
        if self.columns:
            query.append(("columns", ",".join(f"{f}={c}" for f, c in self.columns)))
        # `+` joins columns (references=caption+alt_text) and stays readable; a space is %20, never `+`
        return self.path + ("#" + urllib.parse.urlencode(query, safe="=,/+", quote_via=urllib.parse.quote)
                            if query else "")

    @staticmethod
    def parse(text: str | Path) -> "DataSource":
        text = str(text)
        path, sep, fragment = text.rpartition("#")
        if not sep or not fragment or not re.fullmatch(r"(split|columns)=.*", fragment.split("&")[0]):
            return DataSource(text)
        opts: dict[str, str] = {}
        for key, value in urllib.parse.parse_qsl(fragment.replace("+", "%2B"), keep_blank_values=True):
            if key not in ("split", "columns"):
                raise DataError([Problem(text, None, None, f"unknown option '{key}' after '#'; "
                                                           "use split=NAME and columns=FIELD=COLUMN,...")])
            opts[key] = value
        return DataSource(path, opts.get("split") or None, parse_columns(opts.get("columns", ""), where=text))


LIST_FIELDS = ("references", "keywords")
"""Item fields that may take several columns (`references=caption+alt_text`): their cells are joined in order."""


@dataclass(frozen=True)
class ResolvedSource:
    """A data source as it was read: what run.json records so that `score`, `judge` and `report`
    reload the same items from any folder, whatever the working directory or a later edit of the
    settings file adds."""

    path: str
    """Absolute path ('demo' for the shipped demo set)."""
    format: str
    """manifest, jsonl, parquet, arrow, parquet-splits, hf-saved, hf-saved-dict."""
    split: str | None = None
    columns: tuple[tuple[str, str], ...] = ()
    """Every (item field, column) mapping applied, from `--columns` and the settings file."""
    settings_file: str | None = None
    """The mella-bench.yaml beside the data that supplied split or columns, when there was one."""

    @property
    def tabular(self) -> bool:
        """Parquet, Arrow or a saved `datasets` dataset (rows of columns), not a JSONL manifest."""
        return self.format not in ("manifest", "jsonl", "unknown")

    @property
    def spec(self) -> str:
        """The one-string form `load` reads back (absolute, split and columns explicit)."""
        return DataSource(self.path, self.split, self.columns).spec

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "split": self.split, "columns": dict(self.columns),
                "settings_file": self.settings_file}


def parse_columns(text: str, where: str = "--columns") -> tuple[tuple[str, str], ...]:
    """`id=question_id,references=caption+alt_text` → (("id", "question_id"), ("references", "caption+alt_text"))."""
    pairs: list[tuple[str, str]] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        field_, eq, column = part.partition("=")
        field_, column = field_.strip(), column.strip()
        if not eq or not field_ or not column:
            raise DataError([Problem(where, None, None, f"column mapping '{part}' is not FIELD=COLUMN "
                                                        "(e.g. id=question_id,references=caption)")])
        if field_ not in _KNOWN_FIELDS:
            raise DataError([Problem(where, None, None, f"'{field_}' is not an item field; map one of "
                                                        f"{', '.join(sorted(_KNOWN_FIELDS))} to a column")])
        if field_ in dict(pairs):
            raise DataError([Problem(where, None, None, f"field '{field_}' is mapped twice")])
        names = [c.strip() for c in column.split("+")]
        if len(names) > 1 and (field_ not in LIST_FIELDS or not all(names)):
            raise DataError([Problem(where, None, None, f"'{part}': only {' and '.join(LIST_FIELDS)} take several "
                                                        "columns, joined with + (e.g. references=caption+alt_text)")])
        pairs.append((field_, "+".join(names)))
    return tuple(pairs)


def _column_names(field_: str, column: str) -> tuple[str, ...]:
    """The dataset columns one mapping entry reads (several for a list field mapped as `a+b`)."""
    return tuple(column.split("+")) if field_ in LIST_FIELDS else (column,)


def _joined(values: Iterable[Any]) -> Any:
    """Cells of several columns → one list: strings and lists of strings in column order; an empty or
    missing cell is no reference (a row without alt text), anything else is kept for validation to name."""
    out: list[Any] = []
    for v in values:
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        out.extend(v if isinstance(v, (list, tuple)) else [v])
    return out


def data_spec(path: str, split: str | None = None, columns: str | None = None) -> str:
    """The source string for `--data PATH --split S --columns ...` (what run.json records)."""
    base = DataSource.parse(path)
    merged = dict(base.columns)
    merged.update(parse_columns(columns or ""))
    return DataSource(base.path, split or base.split, tuple(merged.items())).spec


def _sidecar_file(path: Path) -> Path | None:
    side = (path if path.is_dir() else path.parent) / SIDECAR
    return side if side.is_file() else None


def _sidecar(path: Path, problems: list[Problem]) -> tuple[dict[str, str], str | None]:
    """`columns:` and `split:` from a mella-bench.yaml in the data's folder (safe YAML, known keys only)."""
    from mella_bench.data.yamlio import ConfigError, load_yaml

    side = _sidecar_file(path)
    if side is None:
        return {}, None
    try:
        raw = load_yaml(side)
    except ConfigError as exc:
        problems.append(Problem(str(side), None, None, str(exc)))
        return {}, None
    unknown = set(raw) - {"columns", "split"}
    if unknown:
        problems.append(Problem(str(side), None, None, f"unknown key(s) {sorted(unknown)}; allowed: columns, split"))
    cols = raw.get("columns") or {}
    if not isinstance(cols, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in cols.items()):
        problems.append(Problem(str(side), None, "columns", "must map item fields to column names, "
                                                            "e.g. {id: question_id, references: caption}"))
        cols = {}
    for key in sorted(set(cols) - _KNOWN_FIELDS):
        problems.append(Problem(str(side), None, "columns", f"'{key}' is not an item field; map one of "
                                                            f"{', '.join(sorted(_KNOWN_FIELDS))}"))
    split = raw.get("split")
    if split is not None and not isinstance(split, str):
        problems.append(Problem(str(side), None, "split", "must be a split name"))
        split = None
    return {k: v for k, v in cols.items() if k in _KNOWN_FIELDS}, split


def _apply_columns(rows: list[dict[str, Any]], columns: Mapping[str, str], file: str,
                   problems: list[Problem]) -> list[dict[str, Any]]:
    """Rename the dataset's columns to item fields; columns left unmapped are kept in `meta`.

    With a mapping the user has said which columns matter, so the rest (image_id, source, ...) are
    provenance, not typos; without one, every column must be an item field (strict check later).
    """
    if not columns or not rows:
        return rows
    present = set().union(*(r.keys() for r in rows))
    sources = {f: _column_names(f, c) for f, c in columns.items()}
    missing = [c for names in sources.values() for c in names if c not in present]
    if missing:
        problems.append(Problem(file, None, None, f"column(s) {', '.join(missing)} named in the column mapping "
                                                  f"are not in the data; it has: {', '.join(sorted(present))}"))
        return []
    used = {c for names in sources.values() for c in names}
    out = []
    for row in rows:
        new: dict[str, Any] = {f: row.get(names[0]) if len(names) == 1 else _joined(row.get(c) for c in names)
                               for f, names in sources.items()}
        meta: Any = new.get("meta") if "meta" in columns else row.get("meta")
        if isinstance(meta, str):
            try:
                meta = json.loads(meta)
            except json.JSONDecodeError:
                pass
        meta = {} if meta is None else (dict(meta) if isinstance(meta, dict) else meta)
        for key, value in row.items():
            if key in used or key == "meta":
                continue
            if key in _KNOWN_FIELDS and key not in columns:
                new[key] = value  # an unmapped column that already has a field's name keeps its meaning
            elif isinstance(meta, dict) and isinstance(value, (str, int, float, bool, type(None))):
                meta[key] = value
        if meta:
            new["meta"] = meta
        if isinstance(new.get("id"), int) and not isinstance(new.get("id"), bool):
            new["id"] = str(new["id"])  # question ids are often integers
        if isinstance(new.get("references"), str):
            new["references"] = [new["references"]]  # one caption per row
        out.append(new)
    return out


def _normalise_images(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Image structs/bytes flattened to `image` (a name or relative path) + `image_bytes`."""
    for row in rows:
        img = row.get("image")
        if isinstance(img, dict):  # datasets Image feature / HF parquet: {"bytes": ..., "path": ...}
            row["image_bytes"] = img.get("bytes")
            row["image"] = img.get("path") or f"{row.get('id', 'item')}.img"
            if row["image_bytes"] is None:
                row.pop("image_bytes")  # a path-only Image feature: the file lies beside the dataset
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
        if row.get("meta") is None:
            row.pop("meta", None)
    return rows


_SHARD = re.compile(r"^(?P<split>[A-Za-z0-9_.]+?)(-\d{5}-of-\d{5})?\.parquet$")


def _parquet_splits(folder: Path) -> dict[str, list[Path]]:
    """split → files, for Hub-style `data/test-00000-of-00001.parquet` or `test.parquet` layouts."""
    files = sorted(folder.glob("*.parquet")) or sorted((folder / "data").glob("*.parquet"))
    splits: dict[str, list[Path]] = {}
    for f in files:
        m = _SHARD.match(f.name)
        splits.setdefault(m.group("split") if m else f.stem, []).append(f)
    return splits


def _pick_split(label: str, splits: Mapping[str, Any], split: str | None, problems: list[Problem]) -> str | None:
    """The split to load; several splits and no choice is refused (silently merging them mixed test and train)."""
    names = sorted(splits)
    if split is not None:
        if split not in splits:
            problems.append(Problem(label, None, None, f"has no split '{split}'; its splits: {', '.join(names)}"))
            return None
        return split
    if len(names) > 1:
        problems.append(Problem(label, None, None, f"holds {len(names)} splits ({', '.join(names)}); choose one with "
                                                   f"--split (e.g. --split {names[0]})"))
        return None
    return names[0] if names else None


def _read_arrow(path: Path) -> Any:
    import pyarrow as pa

    with pa.memory_map(str(path)) as src:
        try:
            return pa.ipc.open_stream(src).read_all()  # `datasets` writes the stream format
        except pa.ArrowInvalid:
            src.seek(0)
            return pa.ipc.open_file(src).read_all()


def _saved_dataset_table(folder: Path) -> Any:
    """The table of one `Dataset.save_to_disk` folder (its state.json lists the Arrow shards)."""
    import pyarrow as pa

    state = folder / "state.json"
    names = []
    if state.is_file():
        names = [d["filename"] for d in json.loads(state.read_text(encoding="utf-8")).get("_data_files", [])]
    files = [folder / n for n in names] or sorted(folder.glob("*.arrow"))
    if not files:
        raise ValueError("no .arrow data files")
    return pa.concat_tables([_read_arrow(f) for f in files])


def _load_hf_saved(path: Path, split: str | None,
                   problems: list[Problem]) -> tuple[list[tuple[Any, int]] | None, str | None]:
    """(rows of a `save_to_disk` folder (a Dataset, or one split of a DatasetDict), the split chosen);
    rows are None on a problem."""
    label = str(path)
    chosen = None
    if (path / "dataset_dict.json").is_file():
        try:
            names = json.loads((path / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(Problem(str(path / "dataset_dict.json"), None, None, f"cannot be read ({exc})"))
            return None, None
        chosen = _pick_split(label, {n: None for n in names}, split, problems)
        if chosen is None:
            return None, None
        path = path / chosen
    try:
        table = _saved_dataset_table(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        problems.append(Problem(str(path), None, None, f"cannot be read as a saved `datasets` dataset ({exc})"))
        return None, chosen
    return [(row, i) for i, row in enumerate(table.to_pylist(), start=1)], chosen


def _load_records(source: DataSource, problems: list[Problem]
                  ) -> tuple[Path, str, list[tuple[Any, int]], ResolvedSource]:
    """(root, file label, [(record, line)], what was read) for whichever format the source is, columns mapped."""
    path = Path(source.path)
    resolved = ResolvedSource(_absolute(path), "unknown", source.split, source.columns)
    if not path.exists():
        problems.append(Problem(str(path), None, None, "does not exist"))
        return path.parent, str(path), [], resolved
    side_columns, side_split = _sidecar(path, problems)
    columns = {**side_columns, **dict(source.columns)}
    split = source.split or side_split
    root, label, rows, fmt = _load_rows(path, split, problems)
    tabular = fmt not in ("manifest", "jsonl")
    side = _sidecar_file(path) if side_columns or (side_split and not source.split) else None
    resolved = ResolvedSource(_absolute(path), fmt.split(":")[0], fmt.split(":")[1] if ":" in fmt else split,
                              tuple(columns.items()), _absolute(side) if side else None)
    if not rows or not (columns or tabular):
        return root, label, rows, resolved
    if any(not isinstance(r, dict) for r, _ in rows):  # JSONL lines that are not objects: reported later
        return root, label, rows, resolved
    mapped = _apply_columns([r for r, _ in rows], columns, label, problems)
    if len(mapped) != len(rows):
        return root, label, [], resolved
    if tabular:
        mapped = _normalise_images(mapped)
    return root, label, [(r, line) for r, (_, line) in zip(mapped, rows)], resolved


def _absolute(path: Path) -> str:
    """The path made absolute without resolving symlinks (the folder the user named stays visible)."""
    import os

    return os.path.normpath(os.path.abspath(path))


def _load_rows(path: Path, split: str | None,
               problems: list[Problem]) -> tuple[Path, str, list[tuple[Any, int]], str]:
    """(root, label, raw rows, format) of one path, choosing `split` where the data has splits; the
    format is `name` or `name:split` when a split was chosen."""
    def no_splits(label: str) -> tuple[Path, str, list[tuple[Any, int]], str]:
        problems.append(Problem(label, None, None, f"has no splits, so --split {split} does not apply"))
        return (path if path.is_dir() else path.parent), label, [], "unknown"

    if path.is_dir():
        manifest = path / "manifest.jsonl"
        if manifest.is_file():
            if split:
                return no_splits(str(manifest))
            return path, str(manifest), _read_jsonl(manifest, problems), "manifest"
        if any((path / f).is_file() for f in ("dataset_info.json", "state.json", "dataset_dict.json")):
            rows, chosen = _load_hf_saved(path, split, problems)
            fmt = "hf-saved-dict" if (path / "dataset_dict.json").is_file() else "hf-saved"
            return path, str(path), rows or [], f"{fmt}:{chosen}" if chosen else fmt
        splits = _parquet_splits(path)
        if splits:
            chosen = _pick_split(str(path), splits, split, problems)
            recs: list[tuple[Any, int]] = []
            for pq in splits.get(chosen, []) if chosen else []:
                recs.extend(_load_parquet(pq, problems))
            return path, str(path), recs, f"parquet-splits:{chosen}" if chosen else "parquet-splits"
        problems.append(Problem(str(path), None, None,
                                "no manifest.jsonl, *.parquet or saved `datasets` dataset found in this directory"))
        return path, str(path), [], "unknown"
    if split:
        return no_splits(str(path))
    if path.suffix == ".jsonl":
        return path.parent, str(path), _read_jsonl(path, problems), "jsonl"
    if path.suffix in {".parquet", ".arrow"}:
        return path.parent, str(path), _load_parquet(path, problems), path.suffix[1:]
    problems.append(Problem(str(path), None, None, "unknown format; expected .jsonl, .parquet or a directory"))
    return path.parent, str(path), [], "unknown"


def _load_parquet(path: Path, problems: list[Problem]) -> list[tuple[Any, int]]:
    import pyarrow.parquet as pq

    try:
        table = _read_arrow(path) if path.suffix == ".arrow" else pq.read_table(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        problems.append(Problem(str(path), None, None, f"cannot be read as {path.suffix[1:]} ({exc})"))
        return []
    return [(row, i) for i, row in enumerate(table.to_pylist(), start=1)]


def validate(path: str | Path, limits: Limits = DEFAULT_LIMITS, *,
             keyword_checks: bool = True) -> tuple[Dataset | None, list[Problem]]:
    """Load and check a dataset (a path, 'demo', or a `PATH#split=...&columns=...` spec); return it
    and every problem found. The dataset is None when any problem is not a limit problem; items over
    a limit are kept, marked `over_limit`.

    `keyword_checks` adds `Dataset.warnings` about `know` keywords (keyword_audit.py); they load the
    morphology libraries of every language present, so `load` (used by run/score) skips them.
    """
    problems: list[Problem] = []
    try:
        source = DataSource.parse(path)
    except DataError as exc:
        return None, exc.problems
    demo = source.path == "demo"
    root, label, records, resolved = _load_records(
        DataSource(str(DEMO_ROOT), source.split, source.columns) if demo else source, problems)
    located: list[tuple[Item, int]] = []
    for rec, line in records:
        item = _record_to_item(rec, label, line, root, problems, limits, resolved.tabular)
        if item is not None:
            located.append((item, line))
    _check_unique(located, label, problems)
    if not records and not problems:
        problems.append(Problem(label, None, None, "holds no items"))
    if any(p.limit is None for p in problems):
        return None, problems
    if demo:  # the shipped demo set is found by name from anywhere
        resolved = ResolvedSource("demo", resolved.format, source.split, source.columns)
    return Dataset(root=root, source=source.spec if demo else resolved.spec, origin=resolved,
                   items=tuple(it for it, _ in located),
                   warnings=_keyword_warnings(located, label) if keyword_checks else ()), problems


def validate_records(records: list[tuple[Any, int]], label: str, limits: Limits = DEFAULT_LIMITS
                     ) -> tuple[list[Item], list[Problem]]:
    """Check records held in memory (an importer's items, before anything is written): the items,
    and every problem with `label` and line; items over a limit are kept, marked `over_limit`."""
    problems: list[Problem] = []
    located = [(item, line) for rec, line in records
               if (item := _record_to_item(rec, label, line, None, problems, limits)) is not None]
    _check_unique(located, label, problems)
    return [it for it, _ in located], problems


def _keyword_warnings(located: list[tuple[Item, int]], label: str) -> tuple[Problem, ...]:
    from mella_bench.data.keyword_audit import keyword_warnings, prefetch  # lazy: pulls in the morphology libraries

    know = [(item, line) for item, line in located if item.axis == "know" and item.keywords]
    for lang in sorted({item.lang for item, _ in know}):
        prefetch(lang, [r for item, _ in know if item.lang == lang for r in item.references],
                 [k for item, _ in know if item.lang == lang for k in item.keywords])
    return tuple(Problem(label, line, "keywords", msg)
                 for item, line in know for _, msg in keyword_warnings(item.lang, item.keywords, item.references))


def load(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Dataset:
    """Load a dataset or raise `DataError` listing every problem (items over a limit are kept, marked)."""
    ds, problems = validate(path, limits, keyword_checks=False)
    if ds is None:
        raise DataError(problems)
    return ds


def load_or_reason(src: str, cache: dict[str, "Dataset | str"]) -> "Dataset | str":
    """The dataset, or why it cannot be loaded (a string), remembered in `cache`: for readers of old runs
    whose dataset may have moved (they report the reason instead of failing)."""
    if src not in cache:
        try:
            cache[src] = load(src)
        except (OSError, ValueError) as exc:
            cache[src] = f"dataset {src} cannot be loaded: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return cache[src]


def task_items_of(lang: str, axis: str, dataset: Dataset, limit: int | None) -> list[Item]:
    """Items a task with this language and axis runs on (the first `limit` in dataset order).

    Here, not in run.py: the run and the shard planner both need it, and neither may import the other.
    """
    items = [it for it in dataset.items if it.lang == lang and it.axis == axis]
    return items[:limit] if limit is not None else items
