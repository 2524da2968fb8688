"""The fault list as a test-suite section (CI runs it with the rest): crashes and resumes, torn and
full files, locks, changed data, hostile data, hostile servers, secrets, terminal output, exit codes.

Tasks here score with cheap metrics only (chrF++, Keyword Accuracy; no METEOR JVM), so each case
costs a second or two; the data is the shipped demo set or a small dataset written on the fly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

TASK_FILES = {
    "fault_th_ling.yaml": (
        "task: fault_th_ling\nversion: 1\nlang: th\naxis: ling\ndata: demo\n"
        "prompt: \"บรรยายภาพนี้อย่างละเอียด\"\nmetrics: [chrf++]\nrubrics: [linguistic_fluency]\n"),
    "fault_vi_know.yaml": (
        "task: fault_vi_know\nversion: 1\nlang: vi\naxis: know\ndata: demo\n"
        "prompt: \"Mô tả bức ảnh này.\"\nmetrics: [keyword_acc, chrf++]\nrubrics: [cultural_depth]\n"),
}
TASKS = "fault_th_ling,fault_vi_know"


@pytest.fixture
def fault_tasks(tmp_path: Path) -> Path:
    """A task folder (for --include-path) with one Thai ling and one Vietnamese know task."""
    folder = tmp_path / "fault-tasks"
    folder.mkdir()
    for name, text in TASK_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def cli(*args: str, cwd: Path | None = None, timeout: float = 120, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """`mella-bench ARGS` in a child process (exit codes, streams and tracebacks as a user sees them)."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "mella_bench.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env=full_env)
