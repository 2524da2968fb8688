"""The HTML report of the committed example runs, opened in headless Chromium: what a reader sees."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser.cdp import Browser, Page
from tests.browser.checks import (glyph_problems, leaderboard_problems, open_report, rtl_problems, set_filter,
                                  shown_items)


@pytest.fixture(scope="module")
def page(browser: Browser, example_report: Path) -> Page:
    p = browser.page()
    open_report(p, example_report)
    return p


def _reset(page: Page) -> None:
    for control, value in (("f-lang", ""), ("f-axis", ""), ("f-metric", ""), ("f-min", ""), ("f-max", ""),
                           ("f-search", ""), ("f-sort", "order"), ("f-score-run", "0")):
        set_filter(page, control, value)


def test_leaderboard_values_equal_summary_json(page: Page, example_runs: list[Path]) -> None:
    assert leaderboard_problems(page, example_runs) == []
    n = page.eval("document.querySelectorAll('table.lb td.cell').length")
    assert n >= 3 * 9 * 4  # three runs × (8 languages + macro) × at least the four paper metrics


def test_significance_marks_against_the_first_run(page: Page) -> None:
    # reference:thick (run 1) names every keyword, reference:thin (run 0, the baseline) none; 6 items per
    # language are too few to call (no mark), the 48 of the macro are not
    marks = page.eval("""Array.from(document.querySelectorAll(
        'table.lb[data-metric=keyword_acc] td.cell[data-run="1"]')).map(
        td => [td.dataset.lang, Array.from(td.querySelectorAll('.sig')).map(s => s.textContent).join('')])""")
    assert marks == [[lang, ""] for lang in ("ar", "cs", "hu", "ko", "ru", "sr", "th", "vi")] + [["macro", "▲"]]
    title = page.eval("""document.querySelector(
        'table.lb[data-metric=keyword_acc] td.cell[data-run="1"][data-lang="th"]').title""")
    assert "too few items to call: n=6 < 10" in title


def test_filter_by_language_axis_and_score(page: Page, example_runs: list[Path]) -> None:
    _reset(page)
    assert shown_items(page)["count"] == "1–20 of 96 items"
    set_filter(page, "f-lang", "th")
    shown = shown_items(page)
    assert shown["count"] == "1–12 of 12 items" and {i["lang"] for i in shown["items"]} == {"th"}
    set_filter(page, "f-axis", "know")
    shown = shown_items(page)
    assert shown["count"] == "1–6 of 6 items" and {(i["lang"], i["axis"]) for i in shown["items"]} == {("th", "know")}
    # score filter: tiny's fidelity on Thai know items equal to 100, cross-checked with scores.jsonl
    rows = [json.loads(line) for line in (example_runs[2] / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    want = sorted(r["item_id"] for r in rows if r["task"] == "mella_th_know" and r["metric"] == "keyword_acc_strict"
                  and r["value"] is not None and r["value"] >= 50)
    set_filter(page, "f-metric", "keyword_acc_strict")
    set_filter(page, "f-score-run", "2")
    set_filter(page, "f-min", "50")
    assert sorted(i["id"] for i in shown_items(page)["items"]) == want
    set_filter(page, "f-score-run", "1")  # reference:thick finds every keyword
    assert len(shown_items(page)["items"]) == 6
    _reset(page)
    set_filter(page, "f-search", "ko-ling-0002")
    assert [i["id"] for i in shown_items(page)["items"]] == ["ko-ling-0002"]
    _reset(page)


def test_arabic_answer_renders_right_to_left(page: Page) -> None:
    _reset(page)
    set_filter(page, "f-lang", "ar")
    assert rtl_problems(page) == []
    assert page.eval("getComputedStyle(document.querySelector('article[data-lang=ar] .prompt')).direction") == "rtl"


@pytest.mark.parametrize("lang", ["th", "ko", "ar", "ru"])
def test_scripts_are_drawn_with_fonts_that_have_their_glyphs(page: Page, lang: str) -> None:
    _reset(page)
    set_filter(page, "f-lang", lang)
    assert glyph_problems(page, lang) == []


def test_keywords_highlighted_found_and_missed(page: Page) -> None:
    _reset(page)
    set_filter(page, "f-lang", "cs")
    set_filter(page, "f-axis", "know")
    first = page.eval("""(() => { const a = document.querySelector('article.item');
        const col = r => a.querySelector('.answer[data-run="' + r + '"]');
        return {thick_marks: Array.from(col(1).querySelectorAll('mark.kw')).map(m => m.textContent),
                thick_found: col(1).querySelectorAll('.chip.found').length, thin_missed: col(0).querySelectorAll('.chip.missed').length,
                keywords: a.querySelectorAll('.ctx .chip').length}; })()""")
    assert first["keywords"] > 0
    assert first["thick_found"] == first["keywords"] and first["thick_marks"]
    assert first["thin_missed"] == first["keywords"]


def test_no_console_errors(page: Page) -> None:
    page.eval("document.querySelector('.pager .next').click()")
    assert page.console_errors() == []


def test_checks_fail_on_a_tampered_page(browser: Browser, example_report: Path, example_runs: list[Path],
                                        tmp_path: Path) -> None:
    """The checks above can fail: a wrong leaderboard number and Arabic without RTL are caught."""
    text = example_report.read_text(encoding="utf-8")
    found = re.search(r'data-metric="keyword_acc" data-lang="ar" data-value="100\.0" title="[^"]*">'
                      r'<span class="v">100\.0</span>', text)
    assert found, "the example report has an Arabic Keyword Accuracy cell of 100.0"
    marker = found.group(0)
    text = text.replace(marker, marker.replace('<span class="v">100.0', '<span class="v">99.0'), 1)
    assert '"ar":{"name":"Arabic","native":"العربية","rtl":true}' in text
    text = text.replace('"ar":{"name":"Arabic","native":"العربية","rtl":true}',
                        '"ar":{"name":"Arabic","native":"العربية","rtl":false}')
    bad = tmp_path / "index.html"
    bad.write_text(text, encoding="utf-8")
    p = browser.page()
    open_report(p, bad)
    problems = leaderboard_problems(p, example_runs)
    assert len(problems) == 1 and "shown 99.0" in problems[0]
    set_filter(p, "f-lang", "ar")
    assert any("not 'rtl'" in x for x in rtl_problems(p))
    p.close()


def test_screenshot_of_the_viewer(page: Page, tmp_path: Path) -> None:
    _reset(page)
    page.eval("document.getElementById('samples').scrollIntoView()")
    shot = page.screenshot(tmp_path / "viewer.png")
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1400, 1000)
        assert len(im.convert("L").resize((70, 50)).getcolors(4096) or []) > 20  # a page, not a blank


def test_linked_images_load_from_a_relative_path(browser: Browser, example_runs: list[Path], tmp_path: Path) -> None:
    from mella_bench.reports.html_report import html_writer
    from mella_bench.reports.leaderboard import write_report

    files = write_report(example_runs[:1], tmp_path / "report", resamples=0, plots=False, writers=[html_writer("link")])
    p = browser.page()
    open_report(p, files.extra[0])
    img = p.wait_for("""(() => { const i = document.querySelector('article.item figure img');
        return i && i.complete && {src: i.getAttribute('src'), width: i.naturalWidth}; })()""")
    assert not img["src"].startswith(("data:", "/", "file:")) and img["width"] > 0
    assert p.console_errors() == []
    p.close()
