"""Screenshots of the labelling page for the docs (docs/img/label-ar.png, label-th.png): a round made
from two committed example runs, opened in headless Chromium, one answer scored by keyboard.

    python -m tests.browser.label_screenshot [OUT_DIR]     # default docs/img; needs tools/install-browser.sh
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from mella_bench.cli import main as cli
from tests.browser.cdp import Browser
from tests.browser.conftest import EXAMPLES, REPO
from tests.browser.test_label_browser import press

RUNS = ("reference-thick", "reference-half")


def shoot(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    with tempfile.TemporaryDirectory() as tmp, Browser() as browser:
        assert cli(["label", *(str(EXAMPLES / r) for r in RUNS), "--out", tmp, "--langs", "ar,th", "--per-lang", "6"]) == 0
        for lang in ("ar", "th"):
            page = browser.page(1400, 1050)
            page.goto((Path(tmp) / "index.html").resolve().as_uri() + f"#lang={lang}&labeller=native-{lang}")
            page.wait_for("!!document.getElementById('labeller')")
            press(page, "Enter")
            page.wait_for("!!document.querySelector('section.unit')")
            while not page.eval("!!document.querySelector('section.unit .kwchips .chip')"):
                press(page, "n")  # a `know` item: it shows culture keywords too
            press(page, "4")
            shots.append(page.screenshot(out_dir / f"label-{lang}.png"))
            page.close()
    return shots


if __name__ == "__main__":
    for path in shoot(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "img"):
        print(path)
