"""Data loading and validation: every bad-input case names file, line and field; nothing is dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import png_bytes
from mella_bench.data.dataset import DataError, load, validate


def _rewrite(root: Path, edit) -> Path:
    """Apply `edit(records)` to the manifest and return the manifest path."""
    manifest = root / "manifest.jsonl"
    recs = [json.loads(l) for l in manifest.read_text(encoding="utf-8").splitlines()]
    recs = edit(recs) or recs
    manifest.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n", encoding="utf-8")
    return manifest


def _only_problem(root: Path):
    ds, problems = validate(root)
    assert ds is None
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_valid_dataset_loads_every_item(dataset_dir: Path):
    ds = load(dataset_dir)
    assert len(ds.items) == 8 * 2 * 2
    item = ds.items[0]
    assert ds.image_bytes(item).startswith(b"\x89PNG")
    assert {it.lang for it in ds.items} == {"ar", "cs", "hu", "ko", "ru", "sr", "th", "vi"}


def test_malformed_json_names_file_and_line(dataset_dir: Path):
    manifest = dataset_dir / "manifest.jsonl"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4][:-5]  # truncate line 5
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = _only_problem(dataset_dir)
    assert p.file == str(manifest) and p.line == 5
    assert "malformed JSON" in str(p) and f"{manifest}:5" in str(p)


def test_duplicate_id_names_both_lines(dataset_dir: Path):
    def dup(recs):
        recs[3]["id"] = recs[1]["id"]
    manifest = _rewrite(dataset_dir, dup)
    p = _only_problem(dataset_dir)
    assert (p.file, p.line, p.field) == (str(manifest), 4, "id")
    assert "duplicate id" in p.message and "line 2" in p.message


def test_unknown_language(dataset_dir: Path):
    def bad(recs):
        recs[2]["lang"] = "xx"
    manifest = _rewrite(dataset_dir, bad)
    p = _only_problem(dataset_dir)
    assert (p.file, p.line, p.field) == (str(manifest), 3, "lang")
    assert "'xx'" in p.message


def test_missing_image_file(dataset_dir: Path):
    (dataset_dir / "images" / "cs-know-0001.png").unlink()
    p = _only_problem(dataset_dir)
    assert p.field == "image" and "not found" in p.message and p.line is not None


def test_undecodable_image(dataset_dir: Path):
    (dataset_dir / "images" / "hu-ling-0000.png").write_bytes(b"not an image at all")
    p = _only_problem(dataset_dir)
    assert p.field == "image" and "does not decode" in p.message
    assert p.line == 11  # hu is the 3rd language: lines 9-12, ling-0000 is the 3rd


@pytest.mark.parametrize("path", ["../outside.png", "/etc/passwd", "images/../../x.png", "C:/x.png", "images\\a.png"])
def test_image_path_escaping_root_is_refused(dataset_dir: Path, path: str):
    (dataset_dir.parent / "outside.png").write_bytes(png_bytes())

    def bad(recs):
        recs[0]["image"] = path
    _rewrite(dataset_dir, bad)
    p = _only_problem(dataset_dir)
    assert (p.line, p.field) == (1, "image")


def test_symlink_escaping_root_is_refused(dataset_dir: Path):
    outside = dataset_dir.parent / "secret.png"
    outside.write_bytes(png_bytes())
    link = dataset_dir / "images" / "link.png"
    link.symlink_to(outside)

    def bad(recs):
        recs[0]["image"] = "images/link.png"
    _rewrite(dataset_dir, bad)
    p = _only_problem(dataset_dir)
    assert p.field == "image" and "outside the dataset root" in p.message


@pytest.mark.parametrize("refs", [[], [""], ["  "], None, "a string"])
def test_empty_or_malformed_references(dataset_dir: Path, refs):
    def bad(recs):
        if refs is None:
            del recs[5]["references"]
        else:
            recs[5]["references"] = refs
    _rewrite(dataset_dir, bad)
    p = _only_problem(dataset_dir)
    assert (p.line, p.field) == (6, "references")


def test_know_item_without_keywords(dataset_dir: Path):
    def bad(recs):
        recs[0]["keywords"] = []
    _rewrite(dataset_dir, bad)
    p = _only_problem(dataset_dir)
    assert (p.line, p.field) == (1, "keywords") and "know" in p.message


def test_unknown_field_is_reported_not_ignored(dataset_dir: Path):
    def bad(recs):
        recs[0]["referneces"] = ["typo"]
    _rewrite(dataset_dir, bad)
    p = _only_problem(dataset_dir)
    assert p.field == "referneces" and "unknown field" in p.message


def test_every_problem_is_listed_not_just_the_first(dataset_dir: Path):
    def bad(recs):
        recs[0]["lang"] = "xx"
        recs[1]["references"] = []
        recs[2]["axis"] = "culture"
    _rewrite(dataset_dir, bad)
    with pytest.raises(DataError) as exc:
        load(dataset_dir)
    assert [(p.line, p.field) for p in exc.value.problems] == [(1, "lang"), (2, "references"), (3, "axis")]
    assert "3 data problem(s)" in str(exc.value)


def test_parquet_with_embedded_image_bytes(tmp_path: Path, dataset_dir: Path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    ds = load(dataset_dir)
    rows = [{**it.to_json(), "image": {"bytes": ds.image_bytes(it), "path": it.image},
             "meta": json.dumps(dict(it.meta))} for it in ds.items]
    for r in rows:
        r.setdefault("thin", None)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "items.parquet")
    loaded = load(tmp_path / "items.parquet")
    assert [it.id for it in loaded.items] == [it.id for it in ds.items]
    assert loaded.image_bytes(loaded.items[0]) == ds.image_bytes(ds.items[0])
    assert loaded.items[0].keywords == ds.items[0].keywords


def test_parquet_bad_row_names_row_and_field(tmp_path: Path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [{"id": "a", "lang": "th", "axis": "ling", "image": {"bytes": png_bytes(), "path": "a.png"}, "references": ["x"]},
            {"id": "b", "lang": "th", "axis": "ling", "image": {"bytes": b"junk", "path": "b.png"}, "references": ["y"]}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "items.parquet")
    ds, problems = validate(tmp_path / "items.parquet")
    assert ds is None and [(p.line, p.field) for p in problems] == [(2, "image")]


def test_datasets_saved_to_disk(tmp_path: Path, dataset_dir: Path):
    datasets = pytest.importorskip("datasets")
    ds = load(dataset_dir)
    records = [{**it.to_json(), "image": {"bytes": ds.image_bytes(it), "path": it.image},
                "thin": it.thin, "meta": json.dumps(dict(it.meta))} for it in ds.items]
    features = datasets.Features({
        "id": datasets.Value("string"), "lang": datasets.Value("string"), "axis": datasets.Value("string"),
        "image": datasets.Image(), "references": datasets.Sequence(datasets.Value("string")),
        "keywords": datasets.Sequence(datasets.Value("string")), "thin": datasets.Value("string"),
        "meta": datasets.Value("string")})
    datasets.Dataset.from_list(records, features=features).save_to_disk(str(tmp_path / "hf"))
    loaded = load(tmp_path / "hf")
    assert len(loaded.items) == len(ds.items)
    assert loaded.image_bytes(loaded.items[3]) == ds.image_bytes(ds.items[3])


def test_missing_path_and_empty_manifest(tmp_path: Path):
    _, problems = validate(tmp_path / "nope")
    assert "does not exist" in str(problems[0])
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "manifest.jsonl").write_text("", encoding="utf-8")
    _, problems = validate(tmp_path / "empty")
    assert "no items" in str(problems[0])


def test_cli_validate_exits_nonzero_and_lists_problems(dataset_dir: Path, capsys):
    from mella_bench.cli import main

    assert main(["data", "validate", str(dataset_dir)]) == 0
    assert '"items": 32' in capsys.readouterr().out

    def bad(recs):
        recs[1]["lang"] = "xx"
    manifest = _rewrite(dataset_dir, bad)
    assert main(["data", "validate", str(dataset_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{manifest}:2: field 'lang'" in err and "1 problem(s)" in err
