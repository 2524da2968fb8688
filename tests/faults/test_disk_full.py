"""A full disk in the middle of a run: the command stops with a message naming the file (no traceback),
what is on disk stays readable (run.json whole, at most a torn last prediction), and rerunning the same
command where there is space finishes the run with every item answered once.

The disk is a 40 KiB tmpfs mounted in a private mount namespace (`unshare -m`, or `unshare -rm` for a
user without root), so nothing is mounted on the machine itself. Where neither is allowed (a container
without the capability), the test skips and says why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mella_bench.cli import main
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.faults.conftest import REPO, TASKS

ANSWER = "Bát phở bò tái nạm gầu với hành lá, rau thơm và chanh ớt trên bàn gỗ ở Hà Nội. " * 40
"""About 3.3 KB per answer (UTF-8): twelve of them do not fit on the small disk."""
SCRIPT = """
mount -t tmpfs -o size=40k tmpfs "$MNT" || exit 97
"$PY" -m mella_bench.cli "$@" --output "$MNT/run" > "$OUT/stdout" 2> "$OUT/stderr"
echo $? > "$OUT/rc"
cp -a "$MNT/run" "$OUT/run"
"""


def _in_small_disk(tmp_path: Path, args: list[str]) -> Path:
    """Run `mella-bench ARGS --output <run on a 40 KiB tmpfs>`; returns the folder holding rc, stdout,
    stderr and a copy of the run directory as the full disk left it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("disk-full case not run: `unshare` (util-linux) is not installed")
    mnt, out = tmp_path / "small-disk", tmp_path / "left"
    mnt.mkdir()
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "MNT": str(mnt), "OUT": str(out), "PY": sys.executable}
    flags = ["-m"] if os.geteuid() == 0 else ["-r", "-m"]
    res = subprocess.run([unshare, *flags, "sh", "-c", SCRIPT, "sh", *args], env=env, capture_output=True,
                         text=True, timeout=300)
    if res.returncode == 97 or not (out / "rc").is_file():
        pytest.skip(f"disk-full case not run: this machine does not allow a private tmpfs mount "
                    f"(unshare {' '.join(flags)}: {(res.stderr or res.stdout).strip()[:200]})")
    return out


def test_a_full_disk_mid_run_stops_cleanly_and_the_rerun_finishes_it(tmp_path: Path, fault_tasks: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FAKE_KEY", "k")
    with FakeOpenAI(responder=lambda call: Reply(ANSWER), models=("served",)) as srv:
        args = ["run", "--model", "served", "--backend", "openai", "--base-url", srv.base_url, "--api-key-env",
                "FAKE_KEY", "--include-path", str(fault_tasks), "--tasks", TASKS, "--quiet", "--batch-size", "2"]
        left = _in_small_disk(tmp_path, args)
        rc, err = int((left / "rc").read_text()), (left / "stderr").read_text()
        assert rc == 2 and "No space left on device" in err and "Traceback" not in err, err
        assert "predictions.jsonl" in err or "run.json" in err, err  # which file
        run = left / "run"
        header = json.loads((run / "run.json").read_text(encoding="utf-8"))  # whole: written atomically
        assert header["status"] in ("started", "interrupted")
        kept = (run / "predictions.jsonl").read_bytes()
        whole = kept[:kept.rfind(b"\n") + 1]
        n_whole = len([json.loads(x) for x in whole.decode("utf-8").splitlines()])  # complete records are sound
        assert 0 < n_whole < 12, n_whole
        assert main([*args, "--output", str(run)]) == 0  # the same command, where there is space
    records = [json.loads(x) for x in (run / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == len({r["key"] for r in records}) == 12 and all(r["status"] == "ok" for r in records)
    assert json.loads((run / "run.json").read_text(encoding="utf-8"))["counts"]["reused"] == n_whole
