"""Crash and resume: a run against a slow server, killed with SIGKILL at random moments of its
generation (after a random number of requests, plus a random fraction of a request's latency) and
rerun until it finishes, loses no answer and repeats none, and scores exactly like a run that was
never killed."""

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
from tests.support.fake_openai import FakeOpenAI, echo_responder
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
            # a random moment inside generation, whatever the machine's load: after 1-4 more requests
            # reached the server, plus up to 0.2 s (a batch written, or one in flight, or mid-write)
            target = srv.n_chat + rng.randint(1, 4)
            proc = subprocess.Popen(_command(srv.base_url, fault_tasks, out), env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 240
            while srv.n_chat < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.2))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
            killed_at.append(srv.n_chat)
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
    assert reused > 0, f"no kill landed after the first batch (kills after request {killed_at}): nothing was resumed"
