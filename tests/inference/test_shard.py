"""Sharding by hand: N shard runs merged equal one unsharded run, item for item; bad merges are refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mella_bench.cli import main
from mella_bench.store import PREDICTIONS, RUN_JSON, load_header, read_jsonl
from mella_bench.inference.shard import MergeError, merge, shard_dir_name, shard_index
from tests.conftest import write_dataset

LANGS = "cs,th,ko"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("data"), langs=("cs", "th", "ko"), per_axis=4)


def _run(data: Path, out: Path, *extra: str, model: str = "reference:thick") -> None:
    assert main(["run", "--model", model, "--langs", LANGS, "--data", str(data), "--output", str(out),
                 "--quiet", "--max-failure-rate", "1", *extra]) == 0  # reference:thin fails ling items by design


def _records(run: Path) -> list[dict]:
    return list(read_jsonl(run / PREDICTIONS))


@pytest.fixture(scope="module")
def runs(data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    _run(data, root / "full")
    for i in range(3):
        _run(data, root / f"s{i}", "--shard", f"{i}/3")
    return {"root": root, "full": root / "full", **{f"s{i}": root / f"s{i}" for i in range(3)}}


def test_shard_index_is_stable_and_partitions() -> None:
    # pinned: changing the split silently would re-shard existing runs differently
    assert [shard_index("mella_th_know", f"th-know-{i:04d}", 4) for i in range(6)] == \
        [shard_index("mella_th_know", f"th-know-{i:04d}", 4) for i in range(6)]
    assert shard_index("mella_th_know", "th-know-0001", 4) == int(
        __import__("hashlib").sha256(b"mella_th_know\0th-know-0001").hexdigest()[:8], 16) % 4
    owners = [shard_index("t", f"item-{i}", 5) for i in range(500)]
    assert set(owners) == set(range(5))  # every shard gets work
    assert shard_dir_name("results/m", (2, 8)) == "results/m-shard-2-of-8"


def test_shards_are_disjoint_and_cover_the_run(runs: dict[str, Path]) -> None:
    full = {(r["task"], r["item_id"]) for r in _records(runs["full"])}
    parts = [{(r["task"], r["item_id"]) for r in _records(runs[f"s{i}"])} for i in range(3)]
    assert all(parts) and sum(map(len, parts)) == len(full) == 6 * 4
    assert set().union(*parts) == full
    assert load_header(runs["s1"])["config"]["shard"] == [1, 3]


def test_merged_equals_unsharded_item_for_item(runs: dict[str, Path]) -> None:
    out = runs["root"] / "merged"
    assert main(["merge", str(runs["s2"]), str(runs["s0"]), str(runs["s1"]), "--output", str(out)]) == 0
    assert _records(out) == _records(runs["full"])  # same records, same order
    header, full = load_header(out), load_header(runs["full"])
    assert [m["shard"] for m in header["merged_from"]] == [[0, 3], [1, 3], [2, 3]]
    assert header["config"]["shard"] is None and header["counts"] == {"ok": 24, "error": 0}
    assert header["model"] == full["model"] and header["tasks"] == full["tasks"]
    # merging again into the same output replaces it
    assert main(["merge", str(runs["s0"]), str(runs["s1"]), str(runs["s2"]), "--output", str(out)]) == 0
    assert _records(out) == _records(runs["full"])


def test_missing_and_repeated_shards_are_named(runs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(MergeError, match=r"missing shard\(s\) 1/3") as err:
        merge([runs["s0"], runs["s2"]], tmp_path / "m")
    assert str(runs["s0"]) in str(err.value) and str(runs["s2"]) in str(err.value)
    with pytest.raises(MergeError, match="same shard given twice") as err:
        merge([runs["s0"], runs["s0"], runs["s1"], runs["s2"]], tmp_path / "m")
    assert str(runs["s0"]) in str(err.value)
    with pytest.raises(MergeError, match="not a shard"):
        merge([runs["full"]], tmp_path / "m")
    assert not (tmp_path / "m").exists()


def _copy_run(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for name in (RUN_JSON, PREDICTIONS):
        (dst / name).write_bytes((src / name).read_bytes())
    return dst


def test_missing_items_name_the_shard(runs: dict[str, Path], tmp_path: Path) -> None:
    s1 = _copy_run(runs["s1"], tmp_path / "s1")
    lines = (s1 / PREDICTIONS).read_text(encoding="utf-8").splitlines(keepends=True)
    (s1 / PREDICTIONS).write_text("".join(lines[1:]), encoding="utf-8")
    lost = json.loads(lines[0])
    with pytest.raises(MergeError, match="lacks 1 item") as err:
        merge([runs["s0"], s1, runs["s2"]], tmp_path / "m")
    assert str(s1) in str(err.value) and f"{lost['task']}/{lost['item_id']}" in str(err.value)


def test_item_in_two_shards_is_named(runs: dict[str, Path], tmp_path: Path) -> None:
    s1 = _copy_run(runs["s1"], tmp_path / "s1")
    stolen = (runs["s0"] / PREDICTIONS).read_text(encoding="utf-8").splitlines(keepends=True)[0]
    with (s1 / PREDICTIONS).open("a", encoding="utf-8") as fh:
        fh.write(stolen)
    with pytest.raises(MergeError, match="predicted in two shards") as err:
        merge([runs["s0"], s1, runs["s2"]], tmp_path / "m")
    rec = json.loads(stolen)
    assert f"{rec['task']}/{rec['item_id']} in {runs['s0']} and {s1}" in str(err.value)


def test_mismatched_model_or_count_is_refused(runs: dict[str, Path], data: Path, tmp_path: Path) -> None:
    _run(data, tmp_path / "thin1", "--shard", "1/3", model="reference:thin")
    with pytest.raises(MergeError, match="model") as err:
        merge([runs["s0"], tmp_path / "thin1", runs["s2"]], tmp_path / "m")
    assert str(tmp_path / "thin1") in str(err.value)
    _run(data, tmp_path / "two0", "--shard", "0/2")
    with pytest.raises(MergeError, match="shard count N"):
        merge([tmp_path / "two0", runs["s1"], runs["s2"]], tmp_path / "m")


def test_merge_never_overwrites_a_real_run(runs: dict[str, Path]) -> None:
    before = (runs["full"] / PREDICTIONS).read_bytes()
    with pytest.raises(MergeError, match="not a merge"):
        merge([runs["s0"], runs["s1"], runs["s2"]], runs["full"])
    assert (runs["full"] / PREDICTIONS).read_bytes() == before


def test_shard_default_output_name(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--model", "reference:thick", "--langs", "cs", "--data", str(data), "--shard", "1/2",
                 "--quiet"]) == 0
    assert load_header(tmp_path / "results" / "reference-thick-shard-1-of-2")["config"]["shard"] == [1, 2]


def test_cli_merge_error_exit_code(runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["merge", str(runs["s0"]), "--output", str(tmp_path / "m")]) == 2
    assert "missing shard(s) 1/3, 2/3" in capsys.readouterr().err


def test_merge_refuses_an_output_holding_another_model_s_merge(runs: dict[str, Path], data: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "merged"
    merge([runs["s0"], runs["s1"], runs["s2"]], out)
    before = (out / PREDICTIONS).read_bytes()
    for i in range(3):
        _run(data, tmp_path / f"thin{i}", "--shard", f"{i}/3", model="reference:thin")
    with pytest.raises(MergeError, match="merge of another model"):
        merge([tmp_path / f"thin{i}" for i in range(3)], out)
    assert (out / PREDICTIONS).read_bytes() == before
    merge([runs["s0"], runs["s1"], runs["s2"]], out)  # the same model again: refreshed


def test_shards_are_not_scored_unless_asked_and_merge_scores_once(runs: dict[str, Path], data: Path,
                                                                 tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from mella_bench.store import SCORES, SUMMARY

    for i in range(3):  # scoring each shard and then the merge again cost 2.4x the CPU of one run
        assert not (runs[f"s{i}"] / SCORES).exists() and not (runs[f"s{i}"] / SUMMARY).exists()
    out = tmp_path / "merged"
    assert main(["merge", *(str(runs[f"s{i}"]) for i in range(3)), "--output", str(out)]) == 0
    assert list(read_jsonl(out / SCORES)) == list(read_jsonl(runs["full"] / SCORES))
    capsys.readouterr()
    _run(data, tmp_path / "scored", "--shard", "0/3", "--score")
    assert (tmp_path / "scored" / SUMMARY).is_file()
    assert main(["run", "--model", "reference:thick", "--langs", "cs", "--data", str(data), "--output",
                 str(tmp_path / "x"), "--score", "--quiet"]) == 2
    assert "--score applies to a --shard" in capsys.readouterr().err


def test_merge_adds_up_the_shards_batch_fallbacks(runs: dict[str, Path], tmp_path: Path) -> None:
    """A shard whose batches fell back to one-by-one (hf, out of memory) must not become a silent merged run."""
    from dataclasses import replace

    from mella_bench.store import RunDir

    shards = [_copy_run(runs[f"s{i}"], tmp_path / f"s{i}") for i in range(3)]
    for i, fb in ((0, {"batches": 2, "items": 16, "first_reason": "CUDA out of memory"}),
                  (2, {"batches": 1, "items": 5, "first_reason": "RuntimeError: shape"})):
        store = RunDir(shards[i])
        store.write_header(replace(store.header(), batch_fallbacks=fb))
    merge(shards, tmp_path / "merged")
    assert load_header(tmp_path / "merged")["batch_fallbacks"] == {
        "batches": 3, "items": 21, "first_reason": "CUDA out of memory"}
    merge([runs[f"s{i}"] for i in range(3)], tmp_path / "clean")
    assert load_header(tmp_path / "clean").get("batch_fallbacks") is None  # no shard fell back: nothing recorded
