"""Resume after SIGKILL with the real CLI and the tiny model; changed prompts never reuse old answers;
failed items are retried."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from mella_bench.inference.backends import BackendSpec
from mella_bench.langs import LANG_CODES
from mella_bench.store import PREDICTIONS, load_predictions, read_jsonl
from mella_bench.inference.run import RunConfig, generate
from mella_bench.data.tasks import select_tasks
from tests.conftest import png_bytes, write_dataset

pytest.importorskip("torch")
pytest.importorskip("transformers")

REPO = Path(__file__).resolve().parents[2]
PER_AXIS = 3
N_ITEMS = len(LANG_CODES) * 2 * PER_AXIS


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model, built once for this module (same place tests/inference/backends/conftest.py uses)."""
    from mella_bench.inference.backends.tiny import ensure_tiny_model

    root = tmp_path_factory.getbasetemp() / "mella-bench-cache"
    ensure_tiny_model(root=root)
    return root


@pytest.fixture
def env(cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("MELLA_BENCH_CACHE", str(cache_root))  # for the in-process runs below
    return {**os.environ, "MELLA_BENCH_CACHE": str(cache_root), "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1",
            "HF_HUB_OFFLINE": "1"}


def ok_records(run_dir: Path) -> list[dict]:
    return [r for r in read_jsonl(run_dir / PREDICTIONS) if r["status"] == "ok"]


def wait_for_lines(path: Path, proc: subprocess.Popen, minimum: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return
        if path.exists() and path.read_bytes().count(b"\n") >= minimum:
            return
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"no predictions appeared in {timeout} s")


def test_sigkill_then_rerun_loses_nothing_and_duplicates_nothing(tmp_path: Path, env: dict[str, str]) -> None:
    data = write_dataset(tmp_path / "data", per_axis=PER_AXIS)
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "mella_bench.cli", "run", "--model", "tiny", "--data", str(data),
           "--batch-size", "2", "--output", str(out), "--quiet"]

    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_lines(out / PREDICTIONS, proc, minimum=4)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    before = {r["key"] for r in ok_records(out)}
    assert 0 < len(before) < N_ITEMS

    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    m = re.search(r"predictions: (\d+) new ok, (\d+) failed, (\d+) reused", done.stderr)
    assert m, done.stderr[-2000:]
    new_ok, failed, reused = map(int, m.groups())
    assert (new_ok, failed, reused) == (N_ITEMS - len(before), 0, len(before))  # killed work is not redone

    records = ok_records(out)
    keys = Counter(r["key"] for r in records)
    assert max(keys.values()) == 1  # no duplicate keys among ok predictions
    assert before <= set(keys)  # nothing finished before the kill was lost
    per_item = Counter((r["task"], r["item_id"]) for r in records)
    expected = {(f"mella_{lang}_{axis}", f"{lang}-{axis}-{i:04d}")
                for lang in LANG_CODES for axis in ("know", "ling") for i in range(PER_AXIS)}
    assert set(per_item) == expected and set(per_item.values()) == {1}

    # The same run in-process reuses everything: keys agree between the CLI and the API.
    tasks = select_tasks(LANG_CODES)
    config = RunConfig(backend=BackendSpec("tiny", "tiny", {}), tasks=tuple(t.name for t in tasks), output=out,
                       data=str(data), batch_size=2)
    assert generate(config, tasks, progress=False) == {"ok": 0, "error": 0, "reused": N_ITEMS}


def test_changed_prompt_gets_fresh_predictions_and_failures_are_retried(
        tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import mella_bench.inference.backends.hf as hf

    data = write_dataset(tmp_path / "data", langs=("vi",), per_axis=PER_AXIS)
    out = tmp_path / "run"
    [task] = select_tasks(("vi",), ["mella_vi_ling"])
    task = dataclasses.replace(task, generation=dataclasses.replace(task.generation, max_new_tokens=8))

    def run(t) -> dict[str, int]:
        cfg = RunConfig(backend=BackendSpec("tiny", "tiny", {}), tasks=(t.name,), output=out, data=str(data),
                        batch_size=2)
        return generate(cfg, [t], progress=False)

    assert run(task) == {"ok": PER_AXIS, "error": 0, "reused": 0}
    old = {r["key"]: r for r in ok_records(out)}

    changed = dataclasses.replace(task, prompt=task.prompt + " Trả lời ngắn gọn.")
    poison = png_bytes((40, 80, 120))  # the image of item 0001 (see write_dataset)
    real_decode = hf._decode_image
    with monkeypatch.context() as mp:
        mp.setattr(hf, "_decode_image", lambda b: (_ for _ in ()).throw(OSError("broken")) if b == poison
                   else real_decode(b))
        assert run(changed) == {"ok": PER_AXIS - 1, "error": 1, "reused": 0}  # nothing old was reused
    fresh = [r for r in ok_records(out) if r["key"] not in old]
    assert len(fresh) == PER_AXIS - 1
    assert all(r["task_hash"] == changed.hash != task.hash for r in fresh)

    # next run: only the failed item is generated again; the rest is reused
    assert run(changed) == {"ok": 1, "error": 0, "reused": PER_AXIS - 1}
    preds = {k: p for k, p in load_predictions(out).items() if p.task_hash == changed.hash}
    assert len(preds) == PER_AXIS and all(p.status == "ok" for p in preds.values())
    assert not set(preds) & set(old)
    # and the original prompt still finds its own answers
    assert run(task) == {"ok": 0, "error": 0, "reused": PER_AXIS}
