"""Hugging Face datasets as users keep them: DatasetDict splits, renamed columns, Parquet shards,
image columns as bytes or relative paths, and a mella-bench.yaml beside the data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, png_bytes
from mella_bench.data.dataset import DataSource, data_spec, load, validate

datasets = pytest.importorskip("datasets", reason="the test extra installs `datasets` (used only to write fixtures)")

COLUMNS = "id=question_id,references=caption,lang=language,axis=track"


def _rows(split: str, langs=("th", "vi", "cs")) -> list[dict]:
    """Rows as a Hub dataset would hold them: integer question ids, one caption string, own column names."""
    rows = []
    for n, lang in enumerate(langs):
        ref, kws, _ = SAMPLE[lang]
        for axis in ("know", "ling"):
            qid = {"train": 1000, "validation": 2000, "test": 3000}[split] + 10 * n + (axis == "ling")
            rows.append({"question_id": qid, "language": lang, "track": axis, "caption": ref,
                         "keywords": kws if axis == "know" else [], "source": f"{split}-src",
                         "image": {"bytes": png_bytes((qid % 255, 10, 10)), "path": f"{qid}.png"}})
    return rows


def _features():
    return datasets.Features({
        "question_id": datasets.Value("int64"), "language": datasets.Value("string"),
        "track": datasets.Value("string"), "caption": datasets.Value("string"),
        "keywords": datasets.Sequence(datasets.Value("string")), "source": datasets.Value("string"),
        "image": datasets.Image()})


@pytest.fixture
def dataset_dict(tmp_path: Path) -> Path:
    dd = datasets.DatasetDict({s: datasets.Dataset.from_list(_rows(s), features=_features())
                               for s in ("train", "validation", "test")})
    dd.save_to_disk(str(tmp_path / "dd"))
    return tmp_path / "dd"


def test_datasetdict_without_split_is_refused_naming_the_splits(dataset_dict: Path):
    ds, problems = validate(data_spec(str(dataset_dict), None, COLUMNS))
    assert ds is None and len(problems) == 1
    msg = str(problems[0])
    assert "3 splits" in msg and "test, train, validation" in msg and "--split" in msg


def test_datasetdict_split_and_columns_load_only_that_split(dataset_dict: Path):
    ds = load(data_spec(str(dataset_dict), "test", COLUMNS))
    assert sorted(it.id for it in ds.items) == ["3000", "3001", "3010", "3011", "3020", "3021"]
    th_know = next(it for it in ds.items if it.id == "3000")
    assert (th_know.lang, th_know.axis, th_know.references) == ("th", "know", (SAMPLE["th"][0],))
    assert th_know.keywords == tuple(SAMPLE["th"][1])
    assert th_know.meta == {"source": "test-src"}  # unmapped columns are kept as provenance
    assert ds.image_bytes(th_know) == png_bytes((3000 % 255, 10, 10))
    # the one-string source survives a round trip through run.json
    assert load(ds.source).items == ds.items
    assert DataSource.parse(ds.source).split == "test"


def test_unknown_split_and_missing_column_are_named(dataset_dict: Path):
    _, problems = validate(data_spec(str(dataset_dict), "dev", COLUMNS))
    assert "no split 'dev'" in str(problems[0]) and "test, train, validation" in str(problems[0])
    _, problems = validate(data_spec(str(dataset_dict), "test", "id=qid,references=caption"))
    assert "qid" in str(problems[0]) and "question_id" in str(problems[0])  # lists what the data has


def test_without_mapping_foreign_columns_are_still_reported(dataset_dict: Path):
    _, problems = validate(data_spec(str(dataset_dict), "test"))
    fields = {p.field for p in problems}
    assert {"question_id", "caption", "language"} <= fields


def test_sidecar_yaml_gives_columns_and_split(dataset_dict: Path):
    (dataset_dict / "mella-bench.yaml").write_text(
        "columns:\n  id: question_id\n  references: caption\n  lang: language\n  axis: track\nsplit: validation\n",
        encoding="utf-8")
    ds = load(dataset_dict)
    assert {it.id for it in ds.items} == {"2000", "2001", "2010", "2011", "2020", "2021"}
    # the command line wins over the file
    assert {it.id[0] for it in load(data_spec(str(dataset_dict), "train")).items} == {"1"}


def test_sidecar_yaml_is_strict(dataset_dict: Path):
    (dataset_dict / "mella-bench.yaml").write_text("columns:\n  ident: question_id\nsplits: test\n", encoding="utf-8")
    _, problems = validate(dataset_dict)
    text = "\n".join(map(str, problems))
    assert "'ident' is not an item field" in text and "unknown key(s) ['splits']" in text
    (dataset_dict / "mella-bench.yaml").write_text("columns: !!python/object:os.system {}\n", encoding="utf-8")
    _, problems = validate(dataset_dict)
    assert "mella-bench.yaml" in str(problems[0])  # unsafe tags are refused, not executed


def test_parquet_shards_with_relative_image_paths(tmp_path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "hub"
    (root / "data").mkdir(parents=True)
    (root / "images").mkdir()
    for split in ("train", "test"):
        rows = _rows(split, langs=("ko",))
        for r in rows:
            (root / "images" / r["image"]["path"]).write_bytes(r["image"]["bytes"])
            r["image"] = f"images/{r['image']['path']}"  # a path column relative to the dataset
        pq.write_table(pa.Table.from_pylist(rows), root / "data" / f"{split}-00000-of-00001.parquet")
    _, problems = validate(data_spec(str(root), None, COLUMNS))
    assert "2 splits (test, train)" in str(problems[0])
    ds = load(data_spec(str(root), "test", COLUMNS))
    assert [it.image for it in ds.items] == ["images/3000.png", "images/3001.png"]
    assert ds.image_bytes(ds.items[0]) == png_bytes((3000 % 255, 10, 10))


def test_image_column_as_raw_bytes(tmp_path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _rows("test", langs=("ru",))
    for r in rows:
        r["picture"] = r.pop("image")["bytes"]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "one.parquet")
    ds = load(data_spec(str(tmp_path / "one.parquet"), None, COLUMNS + ",image=picture"))
    assert ds.image_bytes(ds.items[1]) == png_bytes((3001 % 255, 10, 10))


def test_several_columns_make_one_references_list(tmp_path: Path):
    """The MELLA know layout: a caption and an alt text per image, both references of the item."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    langs = tuple(SAMPLE)[3:5]
    rows = _rows("test", langs=langs)
    for k, r in enumerate(rows):
        r["alt_text"] = [SAMPLE[r["language"]][2], "", None][k % 3]  # alt text, an empty cell, a missing cell
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "test.parquet")
    spec = data_spec(str(tmp_path / "test.parquet"), None, COLUMNS.replace("=caption", "=caption+alt_text"))
    assert spec.endswith("references=caption+alt_text,lang=language,axis=track")  # readable in run.json
    assert DataSource.parse(spec) == DataSource(str(tmp_path / "test.parquet"), None,
                                                (("id", "question_id"), ("references", "caption+alt_text"),
                                                 ("lang", "language"), ("axis", "track")))
    ds = load(spec)
    refs = {it.id: it.references for it in ds.items}
    for k, r in enumerate(rows):
        want = (r["caption"], r["alt_text"]) if k % 3 == 0 else (r["caption"],)
        assert refs[str(r["question_id"])] == want
    assert "alt_text" not in ds.items[0].meta  # a mapped column is not provenance
    # the same in mella-bench.yaml
    (tmp_path / "mella-bench.yaml").write_text("columns: {id: question_id, references: caption+alt_text, "
                                                "lang: language, axis: track}\n", encoding="utf-8")
    assert {it.id: it.references for it in load(str(tmp_path / "test.parquet")).items} == refs


def test_only_list_fields_take_several_columns():
    from mella_bench.data.dataset import DataError, parse_columns

    with pytest.raises(DataError, match="only references and keywords take several columns"):
        parse_columns("id=question_id+image_id")
    with pytest.raises(DataError, match="only references and keywords"):
        parse_columns("references=caption+")
    assert parse_columns("keywords=kw_a + kw_b") == (("keywords", "kw_a+kw_b"),)


def test_absolute_image_paths_without_bytes_say_how_to_fix_them(tmp_path: Path):
    """`datasets` writes an Image column of local files to Parquet as paths only; the fix-it must work."""
    images = tmp_path / "pictures"
    images.mkdir()
    rows = _rows("test", langs=tuple(SAMPLE)[5:6])
    for r in rows:
        (images / r["image"]["path"]).write_bytes(r["image"]["bytes"])
        r["image"] = str(images / r["image"]["path"])
    ds = datasets.Dataset.from_list(rows).cast_column("image", datasets.Image())
    ds.to_parquet(str(tmp_path / "paths.parquet"))
    spec = data_spec(str(tmp_path / "paths.parquet"), None, COLUMNS)
    _, problems = validate(spec)
    assert len(problems) == len(rows)
    msg = str(problems[0])
    assert f"paths.parquet:1: field 'image': '{images}/" in msg and "no image bytes" in msg
    assert "embed_table_storage" in msg and "relative to it" in msg
    # the fix the message gives, as written there
    from datasets.table import embed_table_storage

    ds = ds.with_format("arrow").map(embed_table_storage, batched=True).with_format(None)
    ds.to_parquet(str(tmp_path / "paths.parquet"))
    fixed = load(spec)
    assert [fixed.image_bytes(it) for it in fixed.items] == [(images / Path(r["image"]).name).read_bytes() for r in rows]


def test_split_on_a_manifest_is_refused(dataset_dir: Path):
    _, problems = validate(data_spec(str(dataset_dir), "test"))
    assert "has no splits" in str(problems[0])


def test_bad_column_mapping_text():
    from mella_bench.data.dataset import DataError, parse_columns

    with pytest.raises(DataError, match="not FIELD=COLUMN"):
        parse_columns("id")
    with pytest.raises(DataError, match="'caption' is not an item field"):
        parse_columns("caption=references")


def test_cli_run_on_a_datasetdict_with_split_and_columns(dataset_dict: Path, tmp_path: Path, capsys):
    from mella_bench.cli import main

    out = tmp_path / "run"
    assert main(["data", "validate", str(dataset_dict), "--split", "test", "--columns", COLUMNS]) == 0
    assert '"items": 6' in capsys.readouterr().out
    assert main(["run", "--model", "reference:thick", "--data", str(dataset_dict), "--split", "test",
                 "--columns", COLUMNS, "--tasks", "mella_th_know,mella_vi_ling", "--output", str(out),
                 "--quiet"]) == 0
    header = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert header["config"]["data"].endswith("#split=test&columns=" + COLUMNS)
    preds = [json.loads(l) for l in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(p["item_id"] for p in preds) == ["3000", "3011"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # the reference backend replays the caption: keyword accuracy is perfect on the test split's th item
    kw = summary["tasks"]["mella_th_know"]["metrics"]["keyword_acc"]
    assert kw["value"] == 100.0 and kw["n"] == 1
    assert main(["run", "--model", "reference:thick", "--data", str(dataset_dict), "--columns", COLUMNS,
                 "--tasks", "mella_th_know", "--output", str(tmp_path / "run2"), "--quiet"]) == 1
    assert "3 splits" in capsys.readouterr().err
