"""run.json's `command` names the program, not the absolute path of the executable on this machine."""

from __future__ import annotations

import json
from pathlib import Path

from mella_bench.store import command_line


def test_command_line_drops_the_executables_folder():
    assert command_line(["/home/alice/proj/.venv/bin/mella-bench", "run", "--model", "tiny"]) == \
        ["mella-bench", "run", "--model", "tiny"]
    assert command_line(["/home/alice/proj/mella_bench/cli.py", "score", "r"]) == ["mella-bench", "score", "r"]
    assert command_line([]) == []


def test_run_json_command_has_no_absolute_program_path(tmp_path: Path, monkeypatch):
    from mella_bench.cli import main

    monkeypatch.setattr("sys.argv", [str(Path("/opt/somewhere/.venv/bin/mella-bench")), "run", "--model",
                                     "reference:thick", "--langs", "vi", "--tasks", "mella_vi_ling"])
    out = tmp_path / "run"
    assert main(["run", "--model", "reference:thick", "--langs", "vi", "--tasks", "mella_vi_ling",
                 "--output", str(out), "--quiet"]) == 0
    command = json.loads((out / "run.json").read_text(encoding="utf-8"))["command"]
    assert command[0] == "mella-bench" and "/opt/somewhere" not in json.dumps(command)
