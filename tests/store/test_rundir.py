"""A run directory belongs to one model and one dataset, keeps tasks a later command does not name,
and has one writer at a time; a prediction's key carries the item's content (image bytes included)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mella_bench.inference.backends import resolve_spec
from mella_bench.cli import main
from mella_bench.data.dataset import load
from mella_bench.data.identity import item_identity
from mella_bench.langs import LANG_CODES
from mella_bench.store import PREDICTIONS, RUN_JSON, SUMMARY, load_header, load_predictions, read_json
from mella_bench.inference.run import RunConfig, generate, prediction_key
from mella_bench.store import RunDirBusy, RunDirConflict
from mella_bench.store.lock import run_lock
from mella_bench.data.tasks import select_tasks
from tests.conftest import png_bytes, write_dataset

REPO = Path(__file__).resolve().parents[2]


def _config(out: Path, data: Path, model: str = "reference:thick", **kw) -> RunConfig:
    tasks = select_tasks(LANG_CODES)
    return RunConfig(backend=resolve_spec(model), tasks=tuple(t.name for t in tasks), output=out, data=str(data), **kw)


def _run(out: Path, data: Path, model: str = "reference:thick", **kw) -> dict[str, int]:
    return generate(_config(out, data, model, **kw), select_tasks(LANG_CODES), progress=False)


def _other_dataset(root: Path, base: Path) -> Path:
    """Same item ids as `base`, other references and other image bytes (another dataset)."""
    other = write_dataset(root)
    lines = []
    for line in (other / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rec["references"] = [f"B-{rec['id']}: {rec['references'][0]}"]
        (other / rec["image"]).write_bytes(png_bytes((1, 2, 3), size=40))
        lines.append(json.dumps(rec, ensure_ascii=False))
    (other / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert {it.id for it in load(other).items} == {it.id for it in load(base).items}
    return other


def _snapshot(run: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in run.iterdir() if p.is_file() and p.name != ".lock"}


def test_another_dataset_with_the_same_ids_is_refused_not_answered_from_cache(tmp_path: Path, dataset_dir: Path):
    """The reproduction of the issue: dataset B's items got dataset A's answers."""
    out = tmp_path / "run"
    _run(out, dataset_dir)
    before = _snapshot(out)
    other = _other_dataset(tmp_path / "B", dataset_dir)
    with pytest.raises(RunDirConflict, match="other data.*--overwrite"):
        _run(out, other)
    assert _snapshot(out) == before  # nothing changed
    counts = _run(out, other, overwrite=True)
    assert counts["reused"] == 0 and counts["ok"] == 32
    refs = {it.id: it.references[0] for it in load(other).items}
    assert all(p.text == refs[p.item_id] for p in load_predictions(out).values())


def test_prediction_key_covers_image_bytes_and_references_not_metrics(tmp_path: Path, dataset_dir: Path):
    ds = load(dataset_dir)
    task = select_tasks(("th",), ["mella_th_know"])[0]
    item = next(it for it in ds.items if it.lang == "th" and it.axis == "know")
    key = prediction_key("m", task, item, item_identity(ds, item))
    (dataset_dir / item.image).write_bytes(png_bytes((9, 9, 9)))  # same id and path, other picture
    assert prediction_key("m", task, item, item_identity(ds, item)) != key
    ds2 = dataclasses.replace(ds)
    edited = dataclasses.replace(item, references=("other text",))
    assert item_identity(ds2, edited) != item_identity(ds2, item)
    scoring_only = dataclasses.replace(task, metrics=("bleu",), rubrics=())
    assert scoring_only.hash == task.hash
    assert prediction_key("m", scoring_only, item, "x") == prediction_key("m", task, item, "x")


def test_another_model_into_the_same_output_is_refused(tmp_path: Path, dataset_dir: Path,
                                                        capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "run"
    argv = ["run", "--langs", "th", "--data", str(dataset_dir), "--output", str(out), "--quiet"]
    assert main([*argv, "--model", "reference:thick"]) == 0
    before = _snapshot(out)
    assert main([*argv, "--model", "reference:thin", "--max-failure-rate", "1"]) == 2
    err = capsys.readouterr().err
    assert "another model" in err and "--overwrite" in err and "--output" in err
    assert _snapshot(out) == before
    assert main([*argv, "--model", "reference:thin", "--max-failure-rate", "1", "--overwrite"]) == 0
    assert load_header(out)["config"]["backend"]["model"] == "thin"
    assert {p.model_hash for p in load_predictions(out).values()} == {load_header(out)["model"]["hash"]}


def test_a_run_on_fewer_tasks_keeps_the_other_tasks(tmp_path: Path, dataset_dir: Path):
    out = tmp_path / "run"
    base = ["run", "--model", "reference:thick", "--data", str(dataset_dir), "--output", str(out), "--quiet"]
    assert main([*base, "--langs", "all"]) == 0
    tasks_before = set(read_json(out / SUMMARY)["tasks"])
    assert len(tasks_before) == 16
    assert main([*base, "--langs", "th", "--tasks", "mella_th_know"]) == 0
    summary = read_json(out / SUMMARY)
    assert set(summary["tasks"]) == tasks_before
    assert set(load_header(out)["tasks"]) == tasks_before
    assert all(t["metrics"] and all(m["n"] == 2 for m in t["metrics"].values() if not m.get("signature_fields", {}).get("unavailable"))
               for t in summary["tasks"].values())


def test_a_second_writer_is_refused_at_once(tmp_path: Path, dataset_dir: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from mella_bench.store.lock import run_lock
            with run_lock(Path({str(out)!r})):
                print("locked", flush=True)
                sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunDirBusy, match=f"process {holder.pid}"):
            _run(out, dataset_dir)
        assert main(["run", "--model", "reference:thick", "--langs", "th", "--data", str(dataset_dir),
                     "--output", str(out), "--quiet"]) == 2
        assert "being written by another mella-bench command" in capsys.readouterr().err
        assert not (out / PREDICTIONS).exists() and not (out / RUN_JSON).exists()
    finally:
        holder.communicate("", timeout=30)
    assert _run(out, dataset_dir)["ok"] == 32  # the lock goes with its holder


def test_lock_is_reentrant_in_one_process_and_leaves_no_empty_dir(tmp_path: Path):
    out = tmp_path / "fresh"
    with run_lock(out):
        with run_lock(out):
            assert (out / ".lock").exists()
    assert not out.exists()  # created here and still empty: removed again


def test_predictions_without_run_json_are_not_adopted(tmp_path: Path, dataset_dir: Path):
    out = tmp_path / "run"
    out.mkdir()
    (out / PREDICTIONS).write_text('{"key": "x"}\n', encoding="utf-8")
    with pytest.raises(RunDirConflict, match="no run.json"):
        _run(out, dataset_dir)


def test_a_run_json_from_before_data_hashes_is_continued(tmp_path: Path, dataset_dir: Path):
    """Directories written by an older version have no data_hash: they are joined, not refused."""
    out = tmp_path / "run"
    _run(out, dataset_dir)
    head = load_header(out)
    for info in head["tasks"].values():
        info.pop("data_hash")
    (out / RUN_JSON).write_text(json.dumps(head), encoding="utf-8")
    assert _run(out, dataset_dir)["reused"] == 32
    assert all(info["data_hash"] for info in load_header(out)["tasks"].values())


def test_batch_fallbacks_is_a_checked_field_of_the_header_kept_by_end_run(tmp_path: Path, dataset_dir: Path):
    """run.json's `batch_fallbacks` (hf backend) is part of the one header definition and its schema:
    read back typed, kept when a later end of run has none to report, and a bad value named by field."""
    import jsonschema

    from mella_bench.store import HeaderError, RunDir, RunHeader

    out = tmp_path / "run"
    _run(out, dataset_dir)
    run_dir = RunDir(out)
    assert run_dir.header().batch_fallbacks is None and "batch_fallbacks" not in load_header(out)
    fallbacks = {"batches": 2, "items": 4, "first_reason": "RuntimeError: simulated"}
    run_dir.end_run("generated", {"ok": 4, "error": 0, "reused": 0}, batch_fallbacks=fallbacks)
    assert run_dir.header().batch_fallbacks == fallbacks
    run_dir.end_run("generated", {"ok": 0, "error": 0, "reused": 4})  # a backend with nothing to report
    assert load_header(out)["batch_fallbacks"] == fallbacks
    schema = json.loads((REPO / "mella_bench" / "store" / "schemas" / "run.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(load_header(out))
    raw = {**load_header(out), "batch_fallbacks": {"batches": "2", "items": 4, "first_reason": None}}
    with pytest.raises(HeaderError, match=r"batch_fallbacks: field 'batches' must be a whole number"):
        RunHeader.from_json(raw, "run.json")
