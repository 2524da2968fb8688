"""One option name per concept, and backends that declare their own options (the CLI only parses them)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import mella_bench.cli as cli
from mella_bench.inference.backends import BACKEND_OPTIONS
from mella_bench.inference.backends.options import Option, all_options, options_from_flags

OUTPUT_COMMANDS = [["report", "RUN"], ["compare", "A", "B"], ["ablate"], ["label", "page", "RUN"],
                   ["judge", "agreement", "RUN", "--labels", "L"], ["run", "--model", "tiny"],
                   ["merge", "S1"], ["export", "lmms-eval"]]


@pytest.mark.parametrize("command", OUTPUT_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_that_writes_takes_output_and_out_is_its_alias(command):
    parser = cli.build_parser()
    long = parser.parse_args([*command, "--output", "X"])
    dest = "out" if hasattr(long, "out") else "output"
    assert getattr(long, dest) == "X"
    if dest == "out":  # the older spelling still works
        assert parser.parse_args([*command, "--out", "Y"]).out == "Y"


def test_the_cli_declares_no_backend_flag_itself():
    home = Path(cli.__file__)
    files = sorted(home.parent.glob("*.py")) if home.name == "__init__.py" else [home]
    flags = {opt.flag for options in BACKEND_OPTIONS.values() for opt in options}
    declared = [node.args[0].value for f in files for node in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument"
                and node.args and isinstance(node.args[0], ast.Constant)]
    assert "--model" in declared  # the scan sees the CLI's own flags
    assert not flags & set(declared), "backend flags declared by the CLI: " + ", ".join(sorted(flags & set(declared)))


@pytest.mark.parametrize("command", [["run", "--model", "tiny"], ["ablate"]])
def test_run_and_ablate_take_every_backend_flag(command):
    parser = cli.build_parser()
    args = parser.parse_args([*command, "--device", "cpu", "--trust-remote-code", "--timeout", "3"])
    assert (args.device, args.trust_remote_code, args.timeout) == ("cpu", True, 3.0)


@pytest.mark.parametrize("argv, message", [
    (["--backend", "openai", "--device", "cpu"], "--device applies to --backend hf / tiny, not openai"),
    (["--backend", "reference", "--trust-remote-code"],
     "--trust-remote-code applies to --backend hf / tiny / vllm, not reference"),
    (["--backend", "hf", "--concurrency", "2"], "--concurrency applies to --backend openai, not hf"),
])
def test_a_flag_of_another_backend_is_an_error_naming_its_owners(argv, message):
    args = cli.build_parser().parse_args(["run", "--model", "m", *argv])
    with pytest.raises(ValueError, match=re.escape(message)):
        options_from_flags(args, args.backend, BACKEND_OPTIONS)


def test_options_reach_the_backend_under_their_own_keys():
    args = cli.build_parser().parse_args(["run", "--model", "m", "--backend", "openai", "--timeout", "7",
                                          "--retries", "0"])
    assert options_from_flags(args, "openai", BACKEND_OPTIONS) == {"timeout_s": 7.0, "max_retries": 0}


def test_a_new_backend_option_is_one_declaration(monkeypatch):
    extra = Option("--beam-width", "beam_width", type=int, help="beams")
    monkeypatch.setitem(BACKEND_OPTIONS, "hf", (*BACKEND_OPTIONS["hf"], extra))
    args = cli.build_parser().parse_args(["run", "--model", "m", "--backend", "hf", "--beam-width", "4"])
    assert options_from_flags(args, "hf", BACKEND_OPTIONS) == {"beam_width": 4}


def test_one_flag_declared_two_ways_is_refused():
    with pytest.raises(ValueError, match="declared differently"):
        all_options({"a": (Option("--x", "x", help="one"),), "b": (Option("--x", "x", help="two"),)})
