"""Failing early and loudly: judge probed before generation, exit codes on failures, backend
timeout/retry flags, a run stopped by identical first errors, gold answers only for the replay backend."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from mella_bench.inference import backends
from mella_bench.inference.backends import BackendSpec, Request, Result
from mella_bench.cli import main
from mella_bench.data.dataset import load
from mella_bench.langs import LANG_CODES
from mella_bench.store import PREDICTIONS, load_header, load_predictions, read_jsonl
from mella_bench.inference.run import RunConfig, generate
from mella_bench.inference.shard import MergeError, merge
from mella_bench.data.tasks import select_tasks
from tests.conftest import write_dataset
from tests.support.fake_openai import FakeOpenAI, Fault

EXIT_FAILURE_RATE = 4
"""The documented exit code (docs/running.md) when too many items failed."""
SEEN: list[Request] = []


class CaptureBackend:
    """Records every request; answers `fixed` or fails with `error`."""

    name = "capture"

    def __init__(self, model: str, error: str | None = None, **kw: Any):
        self.error, self.kwargs = error, kw

    def fingerprint(self) -> dict[str, Any]:
        return {"backend": "capture", "error": self.error}

    def generate(self, requests: list[Request]) -> list[Result]:
        SEEN.extend(requests)
        if self.error:
            return [Result.failed(r.key, self.error) for r in requests]
        return [Result(key=r.key, status="ok", text="ein Text") for r in requests]

    def close(self) -> None:
        pass


@pytest.fixture
def capture(monkeypatch: pytest.MonkeyPatch) -> list[Request]:
    monkeypatch.setitem(backends.BACKENDS, "capture", (f"{__name__}:CaptureBackend", ""))
    SEEN.clear()
    return SEEN


def _generate(out: Path, data: Path, spec: BackendSpec, **kw) -> dict[str, int]:
    tasks = select_tasks(LANG_CODES)
    cfg = RunConfig(backend=spec, tasks=tuple(t.name for t in tasks), output=out, data=str(data), **kw)
    return generate(cfg, tasks, progress=False)


def test_gold_answers_never_travel_in_a_request(tmp_path: Path, dataset_dir: Path, capture: list[Request]):
    _generate(tmp_path / "run", dataset_dir, BackendSpec("capture", "m"))
    assert len(capture) == 32
    assert "reference_fields" not in {f.name for f in dataclasses.fields(Request)}
    golds = {t for it in load(dataset_dir).items for t in (*it.references, *(it.keywords or ()), it.thin) if t}
    for req in capture:
        values = [v for f in dataclasses.fields(req) if isinstance(v := getattr(req, f.name), str)]
        assert not any(g in v for g in golds for v in values)


def test_identical_errors_on_the_first_items_stop_the_run(tmp_path: Path, dataset_dir: Path,
                                                         capture: list[Request]):
    out = tmp_path / "run"
    why = "ValueError: this model does not support image inputs"
    with pytest.raises(RuntimeError, match="first 3 items sent all failed with the same error: ValueError"):
        _generate(out, dataset_dir, BackendSpec("capture", "m", {"error": why}), batch_size=2)
    assert len(capture) == 4  # two batches of 2, then stopped: not 32 requests
    assert [r["status"] for r in read_jsonl(out / PREDICTIONS)] == ["error"] * 4
    header = load_header(out)  # run.json says the run stopped and why, not "started"
    assert header["status"] == "stopped" and header["counts"]["error"] == 4
    assert header["stopped_because"].startswith("RunStopped: stopped: the first 3 items")

    shard = tmp_path / "shard-0"  # a stopped shard is not merged as if it had finished
    with pytest.raises(RuntimeError, match="same error"):
        _generate(shard, dataset_dir, BackendSpec("capture", "m", {"error": why}), batch_size=2, shard=(0, 2))
    with pytest.raises(MergeError, match="did not finish .run.json status 'stopped'"):
        merge([shard], tmp_path / "merged")


def test_an_interrupted_run_says_so_and_a_rerun_finishes_it(tmp_path: Path, dataset_dir: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "run"
    calls = []

    class Interrupting(CaptureBackend):
        def generate(self, requests: list[Request]) -> list[Result]:
            calls.append(len(requests))
            if len(calls) == 3:
                raise KeyboardInterrupt
            return super().generate(requests)

    monkeypatch.setitem(backends.BACKENDS, "interrupting", (f"{__name__}:Interrupting", ""))
    monkeypatch.setitem(globals(), "Interrupting", Interrupting)
    with pytest.raises(KeyboardInterrupt):
        _generate(out, dataset_dir, BackendSpec("interrupting", "m"), batch_size=4)
    header = load_header(out)
    done = sum(calls[:2])  # the two batches answered before the interrupt
    assert header["status"] == "interrupted" and header["counts"] == {"ok": done, "error": 0, "reused": 0}
    assert header["stopped_because"] == "KeyboardInterrupt: "
    counts = _generate(out, dataset_dir, BackendSpec("interrupting", "m"), batch_size=4)
    assert counts["reused"] == done and load_header(out)["status"] == "generated"
    assert "stopped_because" not in load_header(out)


def test_different_errors_do_not_stop_the_run(tmp_path: Path, dataset_dir: Path):
    """reference:thin fails every ling item, each with its own item id in the message: a per-item failure."""
    counts = _generate(tmp_path / "run", dataset_dir, BackendSpec("reference", "thin"))
    assert counts == {"ok": 16, "error": 16, "reused": 0}


def test_exit_code_when_items_fail_and_how_to_resume(tmp_path: Path, dataset_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]):
    argv = ["run", "--model", "reference:thin", "--langs", "th,vi", "--data", str(dataset_dir), "--quiet"]
    assert main([*argv, "--output", str(tmp_path / "a")]) == EXIT_FAILURE_RATE
    err = capsys.readouterr().err
    assert "4 of 8 predictions failed (50.0%), above --max-failure-rate 0" in err and "Rerun the same command" in err
    assert main([*argv, "--output", str(tmp_path / "b"), "--max-failure-rate", "0.5"]) == 0
    assert main([*argv, "--output", str(tmp_path / "c"), "--max-failure-rate", "0.49"]) == 4
    assert main(["run", "--model", "reference:thick", "--langs", "th", "--data", str(dataset_dir), "--quiet",
                 "--output", str(tmp_path / "d")]) == 0


def test_run_judge_probes_the_judge_before_generating(tmp_path: Path, dataset_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "run"
    code = main(["run", "--model", "reference:thick", "--langs", "th", "--data", str(dataset_dir), "--output",
                 str(out), "--quiet", "--judge", "judge-m", "--judge-base-url", "http://127.0.0.1:9/v1",
                 "--judge-retries", "0", "--judge-timeout", "2"])
    assert code == 3
    assert "cannot reach http://127.0.0.1:9/v1" in capsys.readouterr().err
    assert not out.exists()  # nothing was generated


def test_judge_exit_code_when_judgments_fail(tmp_path: Path, dataset_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-judge-test-key-123456")
    out = tmp_path / "run"
    assert main(["run", "--model", "reference:thick", "--langs", "th", "--tasks", "mella_th_know", "--data",
                 str(dataset_dir), "--output", str(out), "--quiet"]) == 0
    with FakeOpenAI(models=("j",), responder=lambda call: Fault("400", message="bad request")) as srv:
        argv = ["judge", str(out), "--judge", "j", "--judge-base-url", srv.base_url, "--quiet",
                "--structured-output", "off"]
        assert main(argv) == EXIT_FAILURE_RATE
        assert "judgments failed" in capsys.readouterr().err
        assert main([*argv, "--max-failure-rate", "1"]) == 0


def test_timeout_and_retries_reach_the_api_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data = write_dataset(tmp_path / "data", langs=("vi",), per_axis=2)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-run-test-key-123456")
    with FakeOpenAI(models=("m",), responder=lambda call: Fault("500", message="boom")) as srv:
        code = main(["run", "--model", "m", "--backend", "openai", "--base-url", srv.base_url, "--langs", "vi",
                     "--data", str(data), "--output", str(tmp_path / "r"), "--quiet", "--retries", "1",
                     "--timeout", "5"])
        assert code == 2  # four identical 500s: stopped with that error
        assert srv.n_chat == 4 * 2  # each item tried once and retried once (not the default 5 retries)
    with FakeOpenAI(models=("m",), responder=lambda call: Fault("slow", delay_s=2.0)) as srv:
        main(["run", "--model", "m", "--backend", "openai", "--base-url", srv.base_url, "--langs", "vi",
              "--data", str(data), "--output", str(tmp_path / "s"), "--quiet", "--retries", "0", "--timeout", "0.3",
              "--max-failure-rate", "1"])
        errors = {p.error for p in load_predictions(tmp_path / "s").values()}
    assert errors and all("timeout" in e for e in errors)


def test_a_mistyped_model_path_says_no_such_directory(tmp_path: Path, dataset_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]):
    (tmp_path / "models" / "qwen2-vl-7b").mkdir(parents=True)
    code = main(["run", "--model", str(tmp_path / "models" / "qwen2-vl-7"),
                 "--langs", "th", "--data", str(dataset_dir), "--output", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "no such directory" in err and "qwen2-vl-7b" in err  # suggests the near name
    assert "pass --backend" not in err.lower()
