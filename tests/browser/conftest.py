"""Fixtures for the real-browser tests: Debian's headless Chromium, driven over the DevTools pipe.

Chromium and the fonts come from tools/install-browser.sh (run by `make test` and .ci/run). Where
Chromium is missing the tests skip with the reason, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from tests.browser.cdp import CHROMIUM, Browser

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "results" / "examples"
EXAMPLE_RUNS = ("reference-thin", "reference-thick", "tiny")
"""The committed example runs the browser opens (first = the baseline of the significance marks)."""


def _need_chromium() -> None:
    if os.path.exists(CHROMIUM) and shutil.which("fc-list"):
        return
    why = (f"{CHROMIUM} (or fc-list) not found: install them with tools/install-browser.sh "
           "(Debian packages chromium, fonts-noto-core, fonts-noto-cjk; needs root)")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests must run in CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    _need_chromium()
    with Browser() as b:
        yield b


@pytest.fixture(scope="session")
def example_runs() -> list[Path]:
    return [EXAMPLES / name for name in EXAMPLE_RUNS]


@pytest.fixture(scope="session")
def example_report(tmp_path_factory: pytest.TempPathFactory, example_runs: list[Path]) -> Path:
    """index.html of the committed example runs, written by `mella-bench report`."""
    from mella_bench.cli import main

    out = tmp_path_factory.mktemp("report")
    assert main(["report", *map(str, example_runs), "--out", str(out), "--resamples", "200"]) == 0
    return out / "index.html"
