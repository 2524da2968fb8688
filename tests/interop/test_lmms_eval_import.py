"""`mella-bench data import lmms-eval`: samples files written by lmms-eval itself round-trip into a run
whose scores equal the same answers scored natively, per task and metric."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mella_bench.cli import main
from mella_bench.data.dataset import DataError, load
from mella_bench.interop.lmms_eval_import import import_samples, read_samples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lmms_eval"
TASKS = ("mella_sr_know", "mella_sr_ling", "mella_th_know", "mella_th_ling")


def _samples(task: str) -> Path:
    return FIXTURES / f"20261129_120000_samples_{task}.jsonl"


def _lines(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]


def _values(run: Path) -> dict[tuple[str, str], tuple[float, int]]:
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    return {(t, m): (v["value"], v["n"]) for t, info in summary["tasks"].items() for m, v in info["metrics"].items()}


@pytest.fixture(scope="module")
def native(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("native") / "run"
    assert main(["run", "--model", "reference:shuffled", "--langs", "th,sr", "--output", str(out), "--quiet"]) == 0
    return out


def test_fixture_has_lmms_evals_real_field_set():
    rec = _lines(_samples("mella_th_ling"))[0]
    assert {"doc_id", "target", "filtered_resps", "token_counts", "doc_hash", "input"} <= set(rec)
    assert "resps" not in rec and "doc" not in rec and "arguments" not in rec  # dropped by save_results_samples
    assert isinstance(rec["filtered_resps"], str) and rec["target"].startswith("['")


def test_round_trip_scores_equal_native_scores_per_task(native: Path, tmp_path: Path, capsys):
    imported = tmp_path / "imported"
    for task in TASKS:  # one samples file per task, all into one run directory
        assert main(["data", "import", "lmms-eval", str(_samples(task)), "--task", task,
                     "--output", str(imported)]) == 0
    assert '"ok": 6' in capsys.readouterr().out
    got, want = _values(imported), _values(native)
    assert {t for t, _ in got} == set(TASKS)
    for key, (value, n) in want.items():
        assert got[key][1] == n == 6, key
        assert got[key][0] == pytest.approx(value, abs=1e-9), key
    header = json.loads((imported / "run.json").read_text(encoding="utf-8"))
    assert header["model"]["fingerprint"] == {"backend": "import:lmms-eval", "model": "lmms_eval"}
    assert [header["tasks"][t]["provenance"]["source"] for t in TASKS] == [_samples(t).name for t in TASKS]
    assert header["status"] == "imported"  # the same closed set of statuses as the slvqa importer
    assert header["command"][0] == "mella-bench"  # no absolute path of the executable
    # the imported answers are the native ones, item by item
    native_preds = {(p["task"], p["item_id"]): p["text"] for p in _lines(native / "predictions.jsonl")}
    for p in _lines(imported / "predictions.jsonl"):
        assert native_preds[(p["task"], p["item_id"])] == p["text"]


def test_plain_lmms_eval_logs_match_by_doc_id_and_check_the_target(tmp_path: Path):
    """A log of a task lmms-eval defines (no mella-bench payload): items by doc_id, checked against target."""
    recs = _lines(_samples("mella_th_ling"))
    plain = [{k: v for k, v in r.items() if not isinstance(v, dict)} for r in recs]
    src = tmp_path / "llava" / "20261129_120000_samples_xm3600_th.jsonl"
    src.parent.mkdir()
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in plain), encoding="utf-8")
    rep = import_samples(src, "xm3600_th", tmp_path / "run", lang="th", axis="ling", refs_from="demo")
    assert (rep.ok, rep.failed) == (6, 0)
    header = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert header["model"]["fingerprint"]["model"] == "llava"
    from mella_bench.data.tasks import load_registry

    like = load_registry().tasks["mella_th_ling"]  # a foreign task takes the metrics of its language and axis
    assert header["tasks"]["xm3600_th"]["metrics"] == list(like.metrics) and header["tasks"]["xm3600_th"]["lang"] == "th"
    # a log out of order with the reference data is refused, naming the line
    plain[0], plain[1] = {**plain[0], "doc_id": 1}, {**plain[1], "doc_id": 0}
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in plain), encoding="utf-8")
    with pytest.raises(DataError, match=r":1: field 'target': does not match the references"):
        import_samples(src, "xm3600_th", tmp_path / "run2", lang="th", axis="ling", refs_from="demo")
    with pytest.raises(ValueError, match="give --lang and --axis"):
        import_samples(src, "xm3600_th", tmp_path / "run3")


def test_failed_requests_are_failures_not_answers(tmp_path: Path):
    recs = _lines(_samples("mella_sr_ling"))
    recs[2]["filtered_resps"] = "[LMMS_EVAL_REQUEST_FAILED after 5 retries] 429 Too Many Requests"
    src = tmp_path / "m" / "s.jsonl"
    src.parent.mkdir()
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    rep = import_samples(src, "mella_sr_ling", tmp_path / "run")
    assert (rep.ok, rep.failed) == (5, 1)
    assert main(["score", str(tmp_path / "run"), "--quiet"]) == 4  # 1/6 failed, above the default of 0, as `run`
    assert main(["score", str(tmp_path / "run"), "--quiet", "--max-failure-rate", "0.2"]) == 0
    bleu = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))["tasks"]["mella_sr_ling"]["metrics"]["bleu"]
    assert bleu["n"] == 5 and bleu["failure_rate"] == pytest.approx(1 / 6)


def test_bad_lines_are_all_reported(tmp_path: Path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"doc_id": 0, "target": "x", "filtered_resps": "a"}\nnot json\n{"target": "y"}\n'
                   '{"doc_id": 3, "filtered_resps": [0.5, true]}\n', encoding="utf-8")
    with pytest.raises(DataError) as exc:
        read_samples(src)
    text = str(exc.value)
    assert f"{src}:2: malformed JSON" in text and f"{src}:3: field 'doc_id'" in text
    assert f"{src}:4: field 'filtered_resps'" in text


def test_importing_into_a_run_of_another_model_is_refused(tmp_path: Path, native: Path):
    run = tmp_path / "run"
    shutil.copytree(native, run)
    with pytest.raises(ValueError, match="holds a run of another model"):
        import_samples(_samples("mella_th_know"), "mella_th_know", run)
    assert load("demo")  # nothing else was touched


def test_a_folder_of_samples_files_imports_every_task_from_the_file_names(native: Path, tmp_path: Path, capsys):
    """lmms-eval's OUTPUT/MODEL folder as it is (with its results.json beside the samples): no --task."""
    logs = tmp_path / "lmms_eval"
    logs.mkdir()
    for task in TASKS:
        shutil.copyfile(_samples(task), logs / _samples(task).name)
    (logs / "20261129_120000_results.json").write_text('{"results": {}, "configs": {}}', encoding="utf-8")
    assert main(["data", "import", "lmms-eval", str(logs), "--output", str(tmp_path / "run")]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert sorted(r["task"] for r in printed) == sorted(TASKS) and all(r["ok"] == 6 for r in printed)
    got, want = _values(tmp_path / "run"), _values(native)
    assert got.keys() == want.keys() and all(got[k][0] == pytest.approx(want[k][0], abs=1e-9) for k in want)
    # one file: its task from the name too
    assert main(["data", "import", "lmms-eval", str(_samples(TASKS[0])), "--output", str(tmp_path / "one")]) == 0
    assert set(json.loads((tmp_path / "one" / "summary.json").read_text(encoding="utf-8"))["tasks"]) == {TASKS[0]}
    # --task with a folder: that task only
    assert main(["data", "import", "lmms-eval", str(logs), "--task", TASKS[1], "--output", str(tmp_path / "t")]) == 0
    assert set(json.loads((tmp_path / "t" / "summary.json").read_text(encoding="utf-8"))["tasks"]) == {TASKS[1]}


def test_results_json_and_folders_without_samples_are_refused_in_one_line(tmp_path: Path, capsys):
    results = tmp_path / "llava" / "20261129_120000_results.json"
    results.parent.mkdir()
    results.write_text('{"results": {"mella_th_ling": {"meteor,none": 1.0}}, "configs": {}}', encoding="utf-8")
    assert main(["data", "import", "lmms-eval", str(results), "--output", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "aggregated results" in err and "--log_samples" in err
    assert str(results.parent) in err and not (tmp_path / "run").exists()
    # lmms-eval's --output_path itself (one folder per model): name the model folders
    shutil.copyfile(_samples(TASKS[0]), results.parent / _samples(TASKS[0]).name)
    assert main(["data", "import", "lmms-eval", str(tmp_path), "--output", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pass one of llava" in err
    # a file whose name does not say the task
    odd = tmp_path / "answers.jsonl"
    shutil.copyfile(_samples(TASKS[0]), odd)
    assert main(["data", "import", "lmms-eval", str(odd), "--output", str(tmp_path / "run")]) == 2
    assert "give --task" in capsys.readouterr().err
    # two runs of the same task in one folder: refused, naming both files
    shutil.copyfile(_samples(TASKS[0]), results.parent / _samples(TASKS[0]).name.replace("120000", "130000"))
    assert main(["data", "import", "lmms-eval", str(results.parent), "--output", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "2 samples files of task mella_sr_know" in err and not (tmp_path / "run").exists()
