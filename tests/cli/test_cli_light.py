"""`--help`, a command's `--help` and `tasks list` stay light: they import no numerical library and no
metric implementation (measured: `--help` at 24x the CPU of `python -c pass` when it imported the
metric registry and numpy). The test checks which modules a fresh interpreter imported, not time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "mella_bench.metrics", "mella_bench.metrics.registry", "regex", "yaml", "torch",
         "transformers", "matplotlib", "PIL", "pyarrow", "sacrebleu", "tqdm", "kiwipiepy", "pythainlp",
         "simplemma", "pymorphy3", "py3langid")
"""Nothing on the way to a help text needs any of these."""
TASKS_LIST_ALLOWED = {"yaml"}
"""`tasks list` reads the task files (YAML) and nothing else."""

_PROBE = """
import contextlib, io, json, sys
from mella_bench.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules), "chars": len(out.getvalue())}))
"""


def _imported(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, timeout=120,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [("--help",), ("score", "--help"), ("metrics", "--help"), ("run", "--help"),
                                  ("tasks", "list")])
def test_help_and_tasks_list_import_nothing_heavy(argv):
    got = _imported(*argv)
    assert got["code"] in (0, None) and got["chars"] > 200, got["code"]
    allowed = TASKS_LIST_ALLOWED if argv == ("tasks", "list") else set()
    heavy = [m for m in HEAVY if m in got["modules"] and m not in allowed]
    if argv == ("metrics", "--help"):  # its help names the registry's metrics: the one help that loads them
        heavy = [m for m in heavy if m not in ("numpy", "mella_bench.metrics", "mella_bench.metrics.registry",
                                               "regex")]
    assert not heavy, f"{' '.join(argv)} imported {heavy}"


def test_metrics_help_still_names_every_registered_metric():
    from mella_bench.metrics import METRICS

    proc = subprocess.run([sys.executable, "-m", "mella_bench.cli", "metrics", "--help"], capture_output=True,
                          text=True, timeout=120, check=True)
    flat = "".join(proc.stdout.split())  # argparse wraps inside long names
    assert "known:" + ",".join(METRICS) in flat
    assert "{metrics}" not in proc.stdout
