"""Assertions on a rendered HTML report, each returning a list of problems (empty = pass), so the
same check is run on the real page (must pass) and on a tampered page (must fail)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Sequence

from tests.browser.cdp import Page

VIEWER_READY = "document.querySelectorAll('article.item').length > 0"


def summary_values(run_dirs: Sequence[Path]) -> dict[tuple[int, str, str, str], float | None]:
    """(run index, axis, metric, lang) → value, straight from each run's summary.json."""
    out = {}
    for i, run in enumerate(run_dirs):
        summary = json.loads((Path(run) / "summary.json").read_text(encoding="utf-8"))
        for task in summary["tasks"].values():
            for metric, m in task["metrics"].items():
                out[(i, task["axis"], metric, task["lang"])] = m["value"]
    return out


def leaderboard_problems(page: Page, run_dirs: Sequence[Path]) -> list[str]:
    """Every per-language leaderboard cell as displayed equals summary.json's value at the shown precision."""
    cells = page.eval("""Array.from(document.querySelectorAll('table.lb td.cell')).map(td => ({
        run: +td.dataset.run, axis: td.dataset.axis, metric: td.dataset.metric, lang: td.dataset.lang,
        text: td.querySelector('.v').textContent}))""")
    expected = summary_values(run_dirs)
    problems, checked = [], 0
    for c in cells:
        if c["lang"] == "macro":
            continue
        key = (c["run"], c["axis"], c["metric"], c["lang"])
        if key not in expected:
            problems.append(f"{key}: shown {c['text']!r} but summary.json has no such value")
            continue
        want = expected[key]
        if want is None:
            if c["text"] != "—":
                problems.append(f"{key}: shown {c['text']!r}, summary.json has no value")
            continue
        decimals = len(c["text"].split(".")[1]) if "." in c["text"] else 0
        try:
            shown = float(c["text"])
        except ValueError:
            problems.append(f"{key}: shown {c['text']!r}, summary.json {want}")
            continue
        if abs(shown - want) > 0.5 * 10 ** -decimals + 1e-9:
            problems.append(f"{key}: shown {c['text']}, summary.json {want:.4f}")
        checked += 1
    if checked == 0:
        problems.append("no leaderboard cell was found on the page")
    return problems


def rtl_problems(page: Page, selector: str = "article[data-lang=ar] .answer .text") -> list[str]:
    """The Arabic answer is laid out right to left: computed direction rtl and its first character
    drawn at the right edge of its box."""
    r = page.eval(f"""(() => {{
        const p = document.querySelector({json.dumps(selector)});
        if (!p) return null;
        const text = Array.from(p.childNodes).find(n => n.nodeType === 3 && n.textContent.trim());
        const range = document.createRange();
        range.setStart(text, 0); range.setEnd(text, 1);
        const ch = range.getBoundingClientRect(), box = p.getBoundingClientRect();
        return {{direction: getComputedStyle(p).direction, first_right: ch.right, box_right: box.right,
                 box_left: box.left, lang: p.lang}};
    }})()""")
    if r is None:
        return [f"no element matches {selector}"]
    problems = []
    if r["direction"] != "rtl":
        problems.append(f"Arabic answer has computed direction {r['direction']!r}, not 'rtl'")
    if r["box_right"] - r["first_right"] > 4:
        problems.append(f"Arabic answer's first character is not at the right edge "
                        f"(char right {r['first_right']:.0f}, box {r['box_left']:.0f}–{r['box_right']:.0f})")
    if r["lang"] != "ar":
        problems.append(f"Arabic answer has lang={r['lang']!r}")
    return problems


def fonts_for(lang: str) -> set[str]:
    """Font families fontconfig says cover a language (what Chromium on Linux falls back through)."""
    out = subprocess.run(["fc-list", f":lang={lang}", "family"], capture_output=True, text=True, check=True).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()}


def glyph_problems(page: Page, lang: str) -> list[str]:
    """Text in `lang` is drawn only with fonts that cover the language (a font without its glyphs would
    draw missing-glyph boxes). Checked on the item's keyword chips (text only in that script) and on
    an answer (which must use at least one covering font)."""
    covering = fonts_for(lang)
    if not covering:
        return [f"no installed font covers '{lang}' (fc-list :lang={lang} is empty): install fonts (tools/install-browser.sh)"]
    problems = []
    chip = page.platform_fonts(f"article[data-lang={lang}] .ctx .kwchips .chip")
    for f in chip:
        if f["familyName"] not in covering:
            problems.append(f"{lang} keyword drawn with {f['familyName']} ({f['glyphCount']} glyphs), "
                            f"which does not cover '{lang}'")
    answer = page.platform_fonts(f"article[data-lang={lang}] .ctx .prompt")
    if not any(f["familyName"] in covering for f in answer):
        problems.append(f"{lang} prompt drawn without any font covering '{lang}': {answer}")
    return problems


def open_report(page: Page, index: Path) -> None:
    page.goto(Path(index).resolve().as_uri())
    page.wait_for(VIEWER_READY)


def set_filter(page: Page, control: str, value: Any) -> None:
    page.eval(f"""(() => {{ const c = document.getElementById({json.dumps(control)});
        c.value = {json.dumps(str(value))}; c.dispatchEvent(new Event(c.tagName === 'INPUT' ? 'input' : 'change')); }})()""")


def shown_items(page: Page) -> dict[str, Any]:
    return page.eval("""({count: document.querySelector('.pager .count').textContent,
        items: Array.from(document.querySelectorAll('article.item')).map(a => ({id: a.dataset.id, lang: a.dataset.lang,
               axis: a.dataset.axis}))})""")
