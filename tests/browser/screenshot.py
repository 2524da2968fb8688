"""Screenshots of the HTML report of the committed example runs, for the docs (docs/img/*.png).

    python -m tests.browser.screenshot [OUT_DIR]      # default docs/img; needs tools/install-browser.sh
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from mella_bench.cli import main as cli
from tests.browser.cdp import Browser
from tests.browser.checks import open_report, set_filter
from tests.browser.conftest import EXAMPLE_RUNS, EXAMPLES, REPO


def shoot(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    with tempfile.TemporaryDirectory() as tmp, Browser() as browser:
        assert cli(["report", *(str(EXAMPLES / r) for r in EXAMPLE_RUNS), "--out", tmp]) == 0
        page = browser.page(1400, 1000)
        open_report(page, Path(tmp) / "index.html")
        shots.append(page.screenshot(out_dir / "leaderboard.png",
                                     clip={"x": 0, "y": page.eval("document.getElementById('leaderboard').offsetTop") - 40,
                                           "width": 1400, "height": 700}))
        for name, lang in (("viewer.png", "ar"), ("viewer-th.png", "th")):
            set_filter(page, "f-lang", lang)
            set_filter(page, "f-axis", "know")
            top = page.eval("document.getElementById('samples').offsetTop")
            shots.append(page.screenshot(out_dir / name, clip={"x": 0, "y": top, "width": 1400, "height": 900}))
    return shots


if __name__ == "__main__":
    for path in shoot(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "img"):
        print(path)
