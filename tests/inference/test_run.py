"""End-to-end `run` with the deterministic replay backend: files written, resume, cache keys."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from mella_bench.inference.backends import resolve_spec
from mella_bench.data.dataset import load
from mella_bench.langs import LANG_CODES
from mella_bench.store import load_header, load_predictions, read_jsonl
from mella_bench.inference.run import RunConfig, generate
from mella_bench.data.tasks import select_tasks


def _config(out: Path, data: Path, model: str = "reference:thick", **kw) -> RunConfig:
    tasks = select_tasks(LANG_CODES)
    return RunConfig(backend=resolve_spec(model), tasks=tuple(t.name for t in tasks), output=out, data=str(data), **kw)


def _run(out: Path, data: Path, model: str = "reference:thick", tasks=None, **kw):
    tasks = tasks or select_tasks(LANG_CODES)
    return generate(_config(out, data, model, **kw), tasks, progress=False)


def test_reference_thick_answers_every_item_with_its_reference(tmp_path: Path, dataset_dir: Path):
    counts = _run(tmp_path / "run", dataset_dir)
    assert counts == {"ok": 32, "error": 0, "reused": 0}
    items = {it.id: it for it in load(dataset_dir).items}
    preds = load_predictions(tmp_path / "run")
    assert len(preds) == 32
    for p in preds.values():
        assert p.status == "ok" and p.text == items[p.item_id].references[0]


def test_run_json_records_config_versions_and_hashes(tmp_path: Path, dataset_dir: Path):
    _run(tmp_path / "run", dataset_dir, seed=7)
    header = load_header(tmp_path / "run")
    assert header["format_version"] == 1 and header["status"] == "generated"
    assert header["seeds"] == {"run": 7}
    assert header["config"]["backend"] == {"name": "reference", "model": "thick", "options": {}}
    assert header["model"]["hash"] and header["model"]["fingerprint"]["fields"]["know"] == "references[0]"
    assert set(header["tasks"]) == {f"mella_{l}_{a}" for l in LANG_CODES for a in ("know", "ling")}
    th = header["tasks"]["mella_th_know"]
    assert th["hash"] == select_tasks(("th",), ["mella_th_know"])[0].hash and th["prompt"]
    assert "python" in header["versions"] and "mella-bench" in header["versions"]


def test_rerun_reuses_everything_and_appends_nothing(tmp_path: Path, dataset_dir: Path):
    _run(tmp_path / "run", dataset_dir)
    size = (tmp_path / "run" / "predictions.jsonl").stat().st_size
    assert _run(tmp_path / "run", dataset_dir) == {"ok": 0, "error": 0, "reused": 32}
    assert (tmp_path / "run" / "predictions.jsonl").stat().st_size == size


def test_changed_prompt_never_reuses_old_predictions(tmp_path: Path, dataset_dir: Path):
    tasks = select_tasks(("th",))
    _run(tmp_path / "run", dataset_dir, tasks=tasks)
    changed = [dataclasses.replace(t, prompt=t.prompt + " กรุณา") for t in tasks]
    counts = _run(tmp_path / "run", dataset_dir, tasks=changed)
    assert counts == {"ok": 4, "error": 0, "reused": 0}
    keys = [r["key"] for r in read_jsonl(tmp_path / "run" / "predictions.jsonl")]
    assert len(keys) == 8 and len(set(keys)) == 8


def test_failures_are_recorded_with_reason_and_retried(tmp_path: Path, dataset_dir: Path):
    # `thin` exists only on know items: ling items fail, with the reason, and are retried next time.
    counts = _run(tmp_path / "run", dataset_dir, model="reference:thin")
    assert counts == {"ok": 16, "error": 16, "reused": 0}
    failed = [p for p in load_predictions(tmp_path / "run").values() if p.status == "error"]
    assert len(failed) == 16 and all(p.text == "" and "no 'thin' field" in p.error for p in failed)
    assert load_header(tmp_path / "run")["status"] == "generated_with_errors"
    assert _run(tmp_path / "run", dataset_dir, model="reference:thin") == {"ok": 0, "error": 16, "reused": 16}


def test_limit_and_torn_tail(tmp_path: Path, dataset_dir: Path):
    _run(tmp_path / "run", dataset_dir, limit=1)
    pred_file = tmp_path / "run" / "predictions.jsonl"
    lines = pred_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 16
    pred_file.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20], encoding="utf-8")  # kill mid-write
    assert _run(tmp_path / "run", dataset_dir, limit=1) == {"ok": 1, "error": 0, "reused": 15}
    recs = list(read_jsonl(pred_file))
    assert len(recs) == 16 and len({r["key"] for r in recs}) == 16


def test_cli_run_writes_run_directory(tmp_path: Path, dataset_dir: Path, capsys):
    from mella_bench.cli import main

    rc = main(["run", "--model", "reference:thick", "--langs", "th,vi", "--data", str(dataset_dir),
               "--output", str(tmp_path / "cli"), "--quiet"])
    assert rc == 0
    assert len(load_predictions(tmp_path / "cli")) == 8
    assert json.loads((tmp_path / "cli" / "run.json").read_text())["config"]["tasks"] == [
        "mella_th_know", "mella_vi_know", "mella_th_ling", "mella_vi_ling"]


def test_cli_unknown_model_explains_what_to_do(tmp_path: Path, capsys):
    from mella_bench.cli import main

    assert main(["run", "--model", "Qwen/Qwen2-VL-7B", "--output", str(tmp_path / "x")]) == 2
    assert "nothing is downloaded from a hub" in capsys.readouterr().err


def test_bad_data_or_model_leaves_no_empty_run_directory(tmp_path: Path, dataset_dir: Path, capsys):
    from mella_bench.cli import main

    assert main(["run", "--model", "reference:thick", "--data", str(tmp_path / "missing"),
                 "--output", str(tmp_path / "a"), "--quiet"]) == 1
    assert main(["run", "--model", str(tmp_path), "--backend", "hf", "--langs", "th", "--data", str(dataset_dir),
                 "--output", str(tmp_path / "b"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize("flag,value", [("--limit", "0"), ("--batch-size", "0"), ("--batch-size", "x"),
                                        ("--judge-retries", "-1")])
def test_cli_counts_are_checked_by_the_parser(tmp_path: Path, capsys, flag: str, value: str):
    from mella_bench.cli import main

    with pytest.raises(SystemExit) as ei:
        main(["run", "--model", "reference:thick", "--output", str(tmp_path / "x"), flag, value])
    assert ei.value.code == 2 and f"argument {flag}:" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_shuffled_and_per_axis_mix(tmp_path: Path, dataset_dir: Path):
    manifest = dataset_dir / "manifest.jsonl"
    recs = [json.loads(l) for l in manifest.read_text(encoding="utf-8").splitlines()]
    for r in recs:  # make every reference distinct so "the other item's text" is observable
        r["references"] = [f"{r['references'][0]} {r['id']}"]
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    items = {it.id: it for it in load(dataset_dir).items}
    _run(tmp_path / "mix", dataset_dir, model="reference:know=thick,ling=shuffled")
    preds = load_predictions(tmp_path / "mix")
    for p in preds.values():
        it = items[p.item_id]
        if p.axis == "know":
            assert p.text == it.references[0]
        else:  # the next item of the same task, cyclically (2 items per task in the fixture)
            other = next(o for o in items.values() if o.lang == it.lang and o.axis == "ling" and o.id != it.id)
            assert p.text == other.references[0] != it.references[0]


def test_bad_reference_mix_is_explained():
    from mella_bench.inference.backends import make_backend

    with pytest.raises(ValueError, match="does not say what to replay on"):
        make_backend(resolve_spec("reference:know=thick"))
    with pytest.raises(ValueError, match="replays one of"):
        make_backend(resolve_spec("reference:thik"))


def test_rerun_keeps_creation_time_and_judge_settings(tmp_path: Path, dataset_dir: Path):
    out = tmp_path / "run"
    _run(out, dataset_dir)
    head = load_header(out)
    head["judge"] = {"model": "m", "rubrics": {}}  # as `mella-bench judge` records it
    (out / "run.json").write_text(json.dumps(head), encoding="utf-8")
    _run(out, dataset_dir)
    again = load_header(out)
    assert again["judge"] == {"model": "m", "rubrics": {}} and again["created"] == head["created"]
    _run(out, dataset_dir, model="reference:thin", overwrite=True)  # another model, explicitly: nothing carried over
    assert "judge" not in load_header(out)
