"""The run store owns every run directory: one lock (taken inside the store, so no writer bypasses it),
one atomic write that fsyncs file and folder, one run.json definition checked on every read (format
version, closed status set), resolved data sources that work from any folder, and the committed JSON
Schemas of run.json and summary.json holding for real run directories."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mella_bench.cli import main
from tests.conftest import write_dataset
from tests.support.fake_openai import FakeOpenAI, judge_responder
from tests.faults.conftest import REPO, TASKS, cli

PACKAGE = REPO / "mella_bench"
LMMS_FIXTURE = REPO / "tests" / "fixtures" / "lmms_eval" / "20261129_120000_samples_mella_th_ling.jsonl"
SLVQA = [{"question_id": "x/0.jpg", "question": "q", "answer": "Bát phở bò.", "annotation": "Một bát phở bò."},
         {"question_id": "x/1.jpg", "question": "q", "answer": "Bún chả.", "annotation": "Bún chả Hà Nội."}]


def _run(out: Path, tasks: Path, *extra: str) -> int:
    return main(["run", "--model", "reference:thick", "--include-path", str(tasks), "--tasks", TASKS,
                 "--output", str(out), "--quiet", *extra])


def _slvqa_file(folder: Path) -> Path:
    path = folder / "slvqa_caption_vi_241201.json"
    path.write_text(json.dumps(SLVQA, ensure_ascii=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------- one lock, taken inside the store

def test_every_writer_is_refused_while_another_process_holds_the_directory(tmp_path: Path, finished_run: Path,
                                                                           capsys: pytest.CaptureFixture[str]):
    import fcntl

    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != ".lock"}
    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT)  # another holder: flock conflicts per descriptor
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        for args in (["score", str(out), "--quiet"],
                     ["score", str(out), "--protocol", "mella-2024"],
                     ["data", "import", "slvqa", str(_slvqa_file(tmp_path)), "--lang", "vi", "--output", str(out)],
                     ["data", "import", "lmms-eval", str(LMMS_FIXTURE), "--task", "mella_th_ling", "--output",
                      str(out)]):
            assert main(args) == 2, args
            assert "being written by another mella-bench command" in capsys.readouterr().err, args
    finally:
        os.close(fd)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != ".lock"}
    assert after == before  # nothing written by any of them


def test_one_atomic_write_one_header_builder_and_no_lock_outside_the_store():
    """What the store promises, checked in the source: outside mella_bench/store no file is renamed into
    place or fsync'd by hand, no lock is taken, no run.json is built or written."""
    outside = [p for p in PACKAGE.rglob("*.py") if "store" not in p.relative_to(PACKAGE).parts]
    forbidden = {
        # (a folder published whole by a rename, the tiny model's build, is not a file write)
        "an atomic write of its own": re.compile(r"os\.replace\(|\.replace\(\s*(tmp|path|target)|os\.fsync\(|mkstemp\("),
        "a lock of its own": re.compile(r"\bflock\(|\brun_lock\b|\bfcntl\b|store\.lock\b"),
        "a run.json of its own": re.compile(r"RunHeader\(|write_json\([^)]*RUN_JSON|\"imports\":"),
    }
    found = [f"{p.relative_to(REPO)}: {what}" for p in outside for what, rx in forbidden.items()
             if rx.search(p.read_text(encoding="utf-8"))]
    assert found == []
    store = PACKAGE / "store"
    assert len(re.findall(r"os\.replace\(", "".join(p.read_text() for p in store.glob("*.py")))) == 1
    assert len(re.findall(r"^def new_header\(", (store / "header.py").read_text(), re.M)) == 1


def test_the_atomic_write_fsyncs_file_and_folder_and_keeps_the_old_file_on_failure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from mella_bench.store import atomic

    synced: list[bool] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(stat.S_ISDIR(os.fstat(fd).st_mode)), real_fsync(fd)))
    target = tmp_path / "summary.json"
    atomic.write_json(target, {"a": 1})
    assert synced == [False, True]  # the file, then the folder holding the rename
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(OSError):
        atomic.write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 1} and [p.name for p in tmp_path.iterdir()] == ["summary.json"]


# ---------------------------------------------------------------- run.json read through one definition

@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One finished run of the fault tasks, for tests that only read it (copy it before changing it)."""
    from tests.faults.conftest import TASK_FILES

    root = tmp_path_factory.mktemp("finished")
    (root / "tasks").mkdir()
    for name, text in TASK_FILES.items():
        (root / "tasks" / name).write_text(text, encoding="utf-8")
    assert _run(root / "run", root / "tasks") == 0
    return root / "run"


@pytest.mark.parametrize("content", ["", "{", "[]", "{}", '{"format_version": 9, "status": "generated"}',
                                     "RUN_JSON_WITH_AN_UNKNOWN_STATUS"])
def test_an_empty_or_malformed_run_json_is_a_clear_error_not_a_traceback(tmp_path: Path, finished_run: Path,
                                                                         content: str, capsys):
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    commands = [["score", str(out)], ["show", str(out), "th-ling-0001"]]
    if content == "RUN_JSON_WITH_AN_UNKNOWN_STATUS":
        header = json.loads((out / "run.json").read_text(encoding="utf-8"))
        content = json.dumps({**header, "status": "half-done"})
    else:  # the report reads only what it shows (the format version checked first), so a status does not stop it
        commands.append(["report", str(out), "--out", str(tmp_path / "rep"), "--no-plots"])
    (out / "run.json").write_text(content, encoding="utf-8")
    for args in commands:  # in this process: an exception escaping main() would be the traceback
        assert main(args) == 2, args
        assert "run.json" in capsys.readouterr().err, args
    if content == "":  # and once as a user sees it
        res = cli("score", str(out))
        assert res.returncode == 2 and "Traceback" not in res.stderr and "empty run.json" in res.stderr


def test_both_importers_write_the_one_header_shape(tmp_path: Path, fault_tasks: Path):
    assert main(["data", "import", "slvqa", str(_slvqa_file(tmp_path)), "--lang", "vi",
                 "--output", str(tmp_path / "slvqa")]) == 0
    assert main(["data", "import", "lmms-eval", str(LMMS_FIXTURE), "--task", "fault_th_ling", "--include-path",
                 str(fault_tasks), "--refs-from", "demo", "--output", str(tmp_path / "lmms")]) == 0
    headers = [json.loads((tmp_path / d / "run.json").read_text(encoding="utf-8")) for d in ("slvqa", "lmms")]
    assert [h["status"] for h in headers] == ["imported", "imported"]
    assert [set(h) for h in headers][0] == [set(h) for h in headers][1]  # the same keys, from the one builder
    for h in headers:
        (task,) = h["tasks"].values()
        assert {"source", "sha256", "format"} <= set(task["provenance"]) and task["data_hash"]
        assert h["counts"]["ok"] > 0 and h["versions"]["mella-bench"] and h["command"][0] == "mella-bench"


# ---------------------------------------------------------------- resolved data sources (any folder)

def test_score_and_report_work_from_another_folder_with_the_settings_file_resolved(
        tmp_path: Path, fault_tasks: Path, monkeypatch: pytest.MonkeyPatch):
    project = tmp_path / "project"
    data = write_dataset(project / "data", langs=("th", "vi"))
    lines = [json.loads(x) for x in (data / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    (data / "manifest.jsonl").write_text("".join(json.dumps({**{k: v for k, v in r.items() if k != "references"},
                                                             "caption": r["references"][0]}, ensure_ascii=False) + "\n"
                                                 for r in lines), encoding="utf-8")
    (data / "mella-bench.yaml").write_text("columns:\n  references: caption\n", encoding="utf-8")
    monkeypatch.chdir(project)
    assert _run(Path("run"), fault_tasks, "--data", "data") == 0  # both paths relative to this folder
    header = json.loads((project / "run" / "run.json").read_text(encoding="utf-8"))
    source = header["tasks"]["fault_th_ling"]["source"]
    assert source == {"path": str(data), "format": "manifest", "split": None,
                      "columns": {"references": "caption"}, "settings_file": str(data / "mella-bench.yaml")}
    assert header["config"]["data"].startswith(str(data)) and os.path.isabs(header["tasks"]["fault_th_ling"]["data"])
    (data / "mella-bench.yaml").unlink()  # recorded: the run no longer depends on it
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["score", "../project/run", "--quiet"]) == 0
    assert main(["report", "../project/run", "--out", "rep", "--no-plots", "--images", "embed"]) == 0
    page = (elsewhere / "rep" / "index.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 2 and "samples not shown" not in page  # 2 distinct images


# ---------------------------------------------------------------- the committed JSON Schemas

def test_run_and_summary_json_schemas_hold_for_committed_and_fresh_run_directories(tmp_path: Path,
                                                                                    fault_tasks: Path,
                                                                                    monkeypatch):
    import jsonschema  # the test extra installs it
    schemas = {name: json.loads((PACKAGE / "store" / "schemas" / f"{name}.schema.json").read_text())
               for name in ("run", "summary")}
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    shards = [tmp_path / f"s{i}" for i in range(2)]
    for i, s in enumerate(shards):
        assert _run(s, fault_tasks, "--shard", f"{i}/2") == 0
    assert main(["merge", *map(str, shards), "--output", str(tmp_path / "merged")]) == 0
    monkeypatch.setenv("FAKE_KEY", "k")
    with FakeOpenAI(responder=judge_responder(4), models=("judge-m",)) as srv:
        assert main(["judge", str(tmp_path / "merged"), "--judge", "judge-m", "--judge-base-url", srv.base_url,
                     "--api-key-env", "FAKE_KEY", "--quiet"]) == 0
    assert main(["data", "import", "slvqa", str(_slvqa_file(tmp_path)), "--lang", "vi",
                 "--output", str(tmp_path / "slvqa")]) == 0
    fresh = [*shards, tmp_path / "merged", tmp_path / "slvqa"]
    committed = [p.parent for p in (REPO / "results").rglob("run.json")]
    checked = 0
    for run in fresh + committed:
        for path, schema in [(run / "run.json", "run"), *((p, "summary") for p in run.glob("summary*.json"))]:
            errors = list(jsonschema.Draft202012Validator(schemas[schema]).iter_errors(json.loads(path.read_text())))
            assert not errors, f"{path}: {errors[0].message} at {list(errors[0].path)}"
            checked += 1
    assert checked >= 2 * len(fresh) + len(committed)


# ---------------------------------------------------------------- exit codes and signals

def test_a_negative_or_zero_timeout_is_refused(capsys: pytest.CaptureFixture[str]):
    for flag, value in (("--timeout", "-1"), ("--timeout", "0"), ("--judge-timeout", "-1"), ("--timeout", "nan")):
        with pytest.raises(SystemExit) as exc:
            main(["run", "--model", "m", "--backend", "openai", flag, value])
        assert exc.value.code == 2 and "positive number of seconds" in capsys.readouterr().err


def test_ctrl_c_while_the_parser_is_built_is_the_interrupted_exit_not_a_traceback(monkeypatch, capsys):
    """Building the parser imports the metrics (most of the first second): Ctrl-C there is exit 130 too.
    Deterministic (the interrupt is raised where it would land); the timed test below covers the rest."""
    import mella_bench.cli as cli_module

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "build_parser", interrupted)
    assert main(["run", "--model", "reference:thick"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_ctrl_c_in_the_first_second_gives_no_traceback(tmp_path: Path, fault_tasks: Path):
    for delay in (0.3, 0.5, 0.7, 0.9, 1.2):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-m", "mella_bench.cli", "run", "--model", "reference:thick",
                                 "--include-path", str(fault_tasks), "--tasks", TASKS, "--output",
                                 str(tmp_path / f"run{delay}"), "--quiet"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err, (delay, err)
        # 130: main() returned after the message; -2: Python ended by the signal after it; 0: finished first
        assert proc.returncode in (0, 130, -signal.SIGINT), (delay, proc.returncode, err)
