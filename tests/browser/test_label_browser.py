"""The labelling page in headless Chromium: a labeller labels three items with the keyboard only,
exports the file, the harness imports it and computes agreement from it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mella_bench.cli import main
from tests.browser.cdp import Browser, Page
from tests.browser.checks import fonts_for, rtl_problems
from tests.support.label_runs import judge_scores, scripted_runs

KEYS = {"Enter": 13, "Escape": 27, "ArrowRight": 39, "ArrowLeft": 37, "ArrowDown": 40, "ArrowUp": 38, "Backspace": 8}


def press(page: Page, key: str) -> None:
    """One real key press (keyDown with its text, then keyUp), as a keyboard sends it."""
    params: dict = {"key": key}
    if key in KEYS:
        params.update(code=key, windowsVirtualKeyCode=KEYS[key])
    elif key.isalnum():
        params["code"] = f"Key{key.upper()}" if key.isalpha() else f"Digit{key}"
    page.call("Input.dispatchKeyEvent", {"type": "keyDown", **params, **({} if key in KEYS else {"text": key})})
    page.call("Input.dispatchKeyEvent", {"type": "keyUp", **params})


@pytest.fixture(scope="module")
def round_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    tmp = tmp_path_factory.mktemp("label-browser")
    runs = scripted_runs(tmp, langs=("ar", "th"), per_axis=3)
    out = tmp / "round"
    assert main(["label", *map(str, runs), "--out", str(out), "--per-lang", "6"]) == 0
    return runs, out


def _start(page: Page, index: Path, lang: str, labeller: str) -> None:
    page.goto(index.resolve().as_uri() + f"#lang={lang}")
    page.wait_for("!!document.getElementById('labeller')")
    page.eval("document.getElementById('labeller').value = ''")
    page.call("Input.insertText", {"text": labeller})  # typed into the focused name field
    press(page, "Enter")
    page.wait_for("!!document.querySelector('section.unit')")


def _current(page: Page) -> dict:
    return page.eval("""(() => { const q = document.querySelector('.q.current'), u = document.querySelector('section.unit');
        return {unit: u.dataset.unit, index: +u.dataset.index,
                kind: q.dataset.kind, rubric: q.dataset.rubric, q: +q.dataset.q,
                done: document.querySelectorAll('.q.done').length, total: document.querySelectorAll('.q').length}; })()""")


def test_label_three_items_with_the_keyboard_export_import_and_agree(browser: Browser, round_dir, tmp_path: Path) -> None:
    runs, rdir = round_dir
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    page = browser.page(1400, 1000)
    _start(page, rdir / "index.html", "ar", "amira")
    pressed: dict[tuple[str, str, int], str] = {}
    units = []
    for n in range(3):
        cur = _current(page)
        assert cur["index"] == n and cur["done"] == 0 and cur["total"] == 6  # 2 rubrics × (A, B, preference)
        units.append(cur["unit"])
        for k in range(cur["total"]):
            cur = _current(page)
            assert cur["q"] == k  # each answer moves on to the next question
            key = str(1 + (n + k) % 5) if cur["kind"] == "scale" else "atb"[(n + k) % 3]
            pressed[(cur["unit"], cur["rubric"], k)] = key
            press(page, key)
        assert _current(page)["done"] == 6
        press(page, "n")
    assert _current(page)["index"] == 3
    press(page, "p")  # back to the third item: its answers are still there
    assert _current(page)["done"] == 6
    press(page, "?")
    assert page.eval("!!document.getElementById('help')")
    press(page, "Escape")
    assert page.eval("!document.getElementById('help')")
    assert rtl_problems(page, "section.unit .answer .text") == []

    press(page, "e")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not [p for p in downloads.iterdir() if p.suffix == ".jsonl"]:
        time.sleep(0.1)
    files = [p for p in downloads.iterdir() if p.suffix == ".jsonl"]
    assert len(files) == 1 and files[0].name.startswith("labels-") and files[0].name.endswith("-ar-amira.jsonl")
    records = [json.loads(line) for line in files[0].read_text(encoding="utf-8").splitlines()]
    assert len(records) == 18 and {r["unit"] for r in records} == set(units)
    assert {r["labeller"] for r in records} == {"amira"} and {r["lang"] for r in records} == {"ar"}
    plan = json.loads((rdir / "plan.json").read_text(encoding="utf-8"))
    by_unit = {u["unit"]: u for u in plan["units"]}
    for r in records:  # what was pressed is what was exported, keyed by item identity and answer hash
        u = by_unit[r["unit"]]
        assert r["item_identity"] == u["item_identity"]
        if r["question"] == "scale":
            slot = next(a["slot"] for a in u["answers"] if a["hash"] == r["answer"])
            k = u["rubrics"].index(r["rubric"]) * 3 + "AB".index(slot)
            assert str(r["value"]) == pressed[(r["unit"], r["rubric"], k)]
        else:
            assert r["shown"] == [a["hash"] for a in u["answers"]]
            k = u["rubrics"].index(r["rubric"]) * 3 + 2
            assert r["value"] == {"a": "A", "b": "B", "t": "tie"}[pressed[(r["unit"], r["rubric"], k)]]
    assert page.console_errors() == []

    # the labels survive closing the page (localStorage): the same labeller resumes where they were
    page.goto("about:blank")
    _start(page, rdir / "index.html", "ar", "amira")
    assert page.eval("document.getElementById('status').textContent") == "resumed: 18 answers found in this browser"
    assert _current(page)["index"] == 3
    page.close()

    assert main(["label", "import", str(files[0]), "--into", str(rdir)]) == 0
    assert main(["label", "import", str(files[0]), "--into", str(rdir)]) == 0  # idempotent
    assert len((rdir / "labels.jsonl").read_text().splitlines()) == 18
    out = tmp_path / "agreement.json"
    assert main(["judge", "agreement", *map(str, runs), "--labels", str(rdir), "--out", str(out), "--resamples", "100"]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    row = next(r for r in doc["rows"] if (r["lang"], r["rubric"], r["question"], r["comparison"])
               == ("ar", "visual_faithfulness", "scale", "judge-human"))
    assert row["n_items"] == 3 and row["n_pairs"] == 6 and "too few to conclude" in row["note"]
    scores = judge_scores(runs)
    pairs = [(scores[r["answer"]], r["value"]) for r in records
             if r["question"] == "scale" and r["rubric"] == "visual_faithfulness"]
    sk = pytest.importorskip("sklearn.metrics")
    want = sk.cohen_kappa_score(*zip(*pairs), weights="quadratic", labels=[1, 2, 3, 4, 5])
    assert row["metrics"]["kappa_qw"]["value"] == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("lang", ["ar", "th"])
def test_answers_are_drawn_with_fonts_that_cover_their_script(browser: Browser, round_dir, lang: str) -> None:
    _, rdir = round_dir
    page = browser.page(1400, 1000)
    _start(page, rdir / "index.html", lang, "fonts")
    while not page.eval("!!document.querySelector('section.unit .kwchips .chip')"):
        press(page, "n")  # to a `know` item: it has keywords
    covering = fonts_for(lang)
    for selector in ("section.unit .answer .text", "section.unit .prompt", "section.unit .kwchips .chip"):
        used = page.platform_fonts(selector)
        assert any(f["familyName"] in covering for f in used), (selector, used)
    want = "rtl" if lang == "ar" else "ltr"
    assert page.eval("getComputedStyle(document.querySelector('section.unit .refs')).direction") == want
    assert page.console_errors() == []
    page.close()


def test_the_page_fetches_nothing(browser: Browser, round_dir) -> None:
    """Self-contained: with the network domain watched, opening and using the page requests nothing but
    the file itself and its data: URIs."""
    _, rdir = round_dir
    page = browser.page(1200, 900)
    page.call("Network.enable")
    _start(page, rdir / "index.html", "th", "net")
    press(page, "3")
    press(page, "n")
    page.eval("0")
    urls = [e["params"]["request"]["url"] for e in browser.events
            if e.get("sessionId") == page.session and e.get("method") == "Network.requestWillBeSent"]
    assert urls and all(u.startswith(("file://", "data:")) for u in urls), urls
    page.close()
