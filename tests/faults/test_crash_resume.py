"""Crash and resume: a run against a slow server, killed with SIGKILL at random moments and rerun until
it finishes, loses no answer and repeats none, and scores exactly like a run that was never killed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from mella_bench.cli import main
from tests.fake_openai import FakeOpenAI, echo_responder
from tests.faults.conftest import REPO, TASKS

KILLS = 3
SEED = 20


def _command(url: str, tasks: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "mella_bench.cli", "run", "--model", "served", "--backend", "openai",
            "--base-url", url, "--api-key-env", "FAKE_KEY", "--include-path", str(tasks), "--tasks", TASKS,
            "--output", str(out), "--quiet", "--batch-size", "2", "--concurrency", "2"]


def _values(out: Path) -> dict[tuple[str, str], float]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {(t, m): e["value"] for t, task in summary["tasks"].items() for m, e in task["metrics"].items()}


def test_random_sigkills_lose_nothing_repeat_nothing_and_score_the_same(tmp_path: Path, fault_tasks: Path,
                                                                         monkeypatch):
    env = {**os.environ, "PYTHONPATH": str(REPO), "FAKE_KEY": "k"}
    rng = random.Random(SEED)
    killed_at = []
    with FakeOpenAI(responder=echo_responder, models=("served",), latency_s=0.15) as srv:
        clean = tmp_path / "clean"
        monkeypatch.setenv("FAKE_KEY", "k")
        assert main(_command(srv.base_url, fault_tasks, clean)[3:]) == 0  # in this process: the same run, unkilled
        out = tmp_path / "killed"
        for _ in range(KILLS):
            proc = subprocess.Popen(_command(srv.base_url, fault_tasks, out), env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rng.uniform(0.5, 1.8)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
            killed_at.append(round(delay, 2))
        done = subprocess.run(_command(srv.base_url, fault_tasks, out), env=env, capture_output=True, text=True,
                              timeout=300)
    assert done.returncode == 0, (killed_at, done.stderr)
    records = [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys)) == 12, killed_at  # every item answered exactly once
    assert all(r["status"] == "ok" for r in records)
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["status"] == "generated"
    assert _values(out) == _values(clean)
    reused = json.loads((out / "run.json").read_text(encoding="utf-8"))["counts"]["reused"]
    assert reused > 0, f"no kill landed after the first batch (kills at {killed_at} s): nothing was resumed"
