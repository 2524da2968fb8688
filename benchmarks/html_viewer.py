"""How the HTML report's sample viewer copes with a full-size run set, in headless Chromium.

    PYTHONPATH=. python benchmarks/html_viewer.py [--copies 170] [--runs 3]

Writes the report of the committed example runs, then inflates its sample data to
96 × COPIES items (170 → 16,320 ≈ 16 tasks × 1,000 items) with RUNS runs' answers each (the example
answers, cycled), and opens the page in Chromium (tests/browser/cdp.py; needs tools/install-browser.sh).
Prints the file size, the time from navigation to the first rendered page, the JavaScript time of a
filter change, a score filter + sort, and a page turn, and the number of DOM elements (only one page of
items is ever rendered). Nothing is asserted: it is a measurement, and it varies with machine load.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mella_bench.cli import main as cli  # noqa: E402
from tests.browser.cdp import Browser  # noqa: E402
from tests.browser.checks import VIEWER_READY  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "results" / "examples"
BLOCK = re.compile(r'(<script type="application/json" id="mella-data">)(.*?)(</script>)', re.S)


def inflate(index: Path, copies: int, runs: int) -> Path:
    text = index.read_text(encoding="utf-8")
    m = BLOCK.search(text)
    data = json.loads(m.group(2))
    base_runs = data["runs"]
    data["runs"] = [{**base_runs[i % len(base_runs)], "label": f"run{i}:{base_runs[i % len(base_runs)]['label']}"}
                    for i in range(runs)]
    items = []
    for c in range(copies):
        for it in data["items"]:
            items.append({**it, "id": f"{it['id']}-{c:04d}", "a": [it["a"][i % len(base_runs)] for i in range(runs)]})
    data["items"] = items
    blob = (json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c"))
    big = index.with_name("big.html")
    big.write_text(text[:m.start(2)] + blob + text[m.end(2):], encoding="utf-8")
    return big


def js_ms(page, action: str) -> float:
    return page.eval(f"(() => {{ const t = performance.now(); {action}; return performance.now() - t; }})()")


def set_js(control: str, value: str) -> str:
    return (f"(c => {{ c.value = {json.dumps(value)}; c.dispatchEvent(new Event(c.tagName === 'INPUT' ? 'input' : "
            f"'change')); }})(document.getElementById({json.dumps(control)}))")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=170)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        assert cli(["report", *(str(EXAMPLES / r) for r in ("reference-thin", "reference-thick", "tiny")),
                    "--out", tmp, "--resamples", "100", "--no-plots"]) == 0
        big = inflate(Path(tmp) / "index.html", args.copies, args.runs)
        with Browser(timeout=300) as browser:
            page = browser.page()
            t0 = time.perf_counter()
            page.goto(big.as_uri())
            page.wait_for(VIEWER_READY, timeout=300)
            first = time.perf_counter() - t0
            n_items = page.eval("JSON.parse(document.getElementById('mella-data').textContent).items.length")
            print(f"items: {n_items} × {args.runs} runs · file {big.stat().st_size / 2**20:.1f} MiB")
            print(f"navigation → first page rendered: {first:.2f} s (wall, includes JSON.parse of the data block)")
            print(f"filter language=th: {js_ms(page, set_js('f-lang', 'th')):.0f} ms")
            print(f"score filter (keyword_acc of run 1 ≥ 50) + sort by score: "
                  f"{js_ms(page, set_js('f-metric', 'keyword_acc') + ';' + set_js('f-score-run', '1') + ';' + set_js('f-min', '50') + ';' + set_js('f-sort', 'desc')):.0f} ms")
            next_page = "document.querySelector('.pager .next').click()"
            ms = js_ms(page, next_page)
            count = page.eval("document.querySelector('.pager .count').textContent")
            dom = page.eval("document.getElementsByTagName('*').length")
            print(f"next page: {ms:.1f} ms (now showing {count}; {dom} DOM elements in the page)")
            print(f"search 'ko-ling-0002-0100': {js_ms(page, set_js('f-lang', '') + ';' + set_js('f-metric', '') + ';' + set_js('f-search', 'ko-ling-0002-0100')):.0f} ms")
            dom = page.eval("document.getElementsByTagName('*').length")
            shown = page.eval("document.querySelectorAll('article.item').length")
            print(f"DOM elements: {dom}, items rendered: {shown}")
            print(f"console errors: {page.console_errors()}")


if __name__ == "__main__":
    main()
