"""Comparisons pair items by content (id, references, keywords, prompt), never by id alone; languages whose
items are not the same are reported as not comparable, in `compare`, the report (Markdown, CSV, LaTeX) and
the HTML report; a report of runs that share no item still writes every leaderboard."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from mella_bench.reports.html_report import html_writer
from mella_bench.reports.pairing import pair_runs
from mella_bench.reports.leaderboard import compare, compare_runs, load_run, write_report
from tests.support.runs import test_aggregates, write_run

REPO = Path(__file__).resolve().parents[2]
AUTHORS = REPO / "results" / "mella-author-2024"
BASELINE, FINETUNED = AUTHORS / "internvl2-8b-baseline", AUTHORS / "internvl2-8b-finetuned"
EXAMPLES = REPO / "results" / "examples"


def test_compare_authors_baseline_vs_finetune_says_hungarian_is_not_comparable():
    text = compare(BASELINE, FINETUNED, resamples=50)
    for metric in ("meteor", "bleu", "rouge_l"):
        assert (f"- hu: not comparable on {metric}: 0 of 100 common items are the same item "
                "(references differ on 100)") in text
        assert f"- macro: not computed on {metric}: hu not comparable" in text
    assert not re.search(r"^- hu: .* [<>≈] ", text, re.M)  # no difference, significant or not, for hu
    assert re.search(r"^- ar: .* > InternVL2-8B \(pretrained.* on meteor, .* \(n=100\)$", text, re.M)
    assert "| hu | — | — | not comparable | — | — | 0 | — | — |" in text


def test_report_of_the_authors_runs_marks_hungarian_not_comparable_everywhere(tmp_path):
    files = write_report([BASELINE, FINETUNED], tmp_path, resamples=50, plots=False, writers=[html_writer("none")])
    page = files.extra[0].read_text(encoding="utf-8")
    cells = re.findall(r'<td class="cell"[^>]*data-run="1" data-axis="ling" data-metric="(\w+)" data-lang="(\w+)"[^>]*>'
                       r'(.*?)</td>', page)
    marks = {(m, l): re.findall(r'class="sig (\w+)"[^>]*>([^<]*)<', body) for m, l, body in cells}
    for metric in ("meteor", "bleu", "rouge_l"):
        assert marks[(metric, "hu")] == [("nc", "≠")] and marks[(metric, "macro")] == [("nc", "≠")]
        assert marks[(metric, "ar")] == [("up", "▲")]
    md = files.markdown.read_text(encoding="utf-8")
    meteor = md.split("### Linguistic capability (ling): meteor", 1)[1]
    row = next(line for line in meteor.splitlines() if line.startswith("| InternVL2-8B + MELLA")).split(" | ")
    assert row[1].endswith(" ▲") and row[3].startswith("24.4 [") and row[3].endswith("] ≠")  # ar, hu
    rows = list(csv.DictReader(io.StringIO(files.csv.read_text(encoding="utf-8"))))
    hu = [r for r in rows if r["lang"] == "hu" and r["metric"] == "meteor"]
    assert [r["vs_first_run"] for r in hu] == ["", "not comparable"]
    assert "$^{\\neq}$" in files.latex.read_text(encoding="utf-8")
    cmp_rows = list(csv.DictReader(io.StringIO((tmp_path / "compare.csv").read_text(encoding="utf-8"))))
    assert {(r["lang"], r["status"]) for r in cmp_rows if r["metric"] == "meteor" and r["lang"] in ("hu", "ar")} == {
        ("hu", "not comparable"), ("ar", "compared")}


def test_report_of_runs_sharing_no_item_writes_every_leaderboard_and_says_why(tmp_path):
    # the tiny model's demo run beside the authors' imported run: same languages, no common item
    files = write_report([EXAMPLES / "tiny", BASELINE], tmp_path, resamples=20, plots=False)
    md = files.markdown.read_text(encoding="utf-8")
    assert "### Cultural groundedness (know): keyword_acc" in md and "### Linguistic capability (ling): meteor" in md
    assert "| tiny | 0.0 [0.0, 0.0] |" in md
    assert re.search(r"^\| InternVL2-8B \(pretrained; MELLA authors' outputs\) \| 2\.4 \[[\d.]+, [\d.]+\] ≠ \|", md, re.M)
    assert "- macro: not computed on meteor: ar, cs, hu, ko, ru, sr, th, vi not comparable" in md
    assert "Nothing could be compared: every language is listed below with the reason." in md
    assert "- ar: not comparable on meteor: no item id in common" in md
    assert files.csv.is_file() and files.latex.is_file()


def _runs(tmp_path: Path, **b_kw) -> tuple[Path, Path]:
    a = write_run(tmp_path, "a", "a", lambda l, i: 0.0, lambda l, i: 0.6, langs=("hu", "cs"), n=12)
    b = write_run(tmp_path, "b", "b", lambda l, i: 100.0, lambda l, i: 0.1, langs=("hu", "cs"), n=12, **b_kw)
    return a, b


def test_other_references_make_a_language_not_comparable(tmp_path):
    a, b = _runs(tmp_path, ref_seed=lambda lang: "other" if lang == "hu" else lang)
    comps = compare_runs(load_run(a), load_run(b), aggregates=test_aggregates, resamples=50)
    know = next(c for c in comps if c.metric == "keyword_acc")
    assert [c.label for c in know.per_lang] == ["cs"] and know.macro is None
    hu = know.skipped_at("hu")
    assert hu.not_comparable and "0 of 12 common items are the same item" in hu.reason
    assert "references differ on 12" in hu.reason and "keywords differ on 12" in hu.reason


def test_items_whose_content_differs_are_left_out_and_counted(tmp_path):
    a, b = _runs(tmp_path)
    manifest = b / "data" / "manifest.jsonl"
    items = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    for it in items:
        if it["id"] in ("cs-know-0000", "cs-know-0003"):
            it["references"] = ["a different reference"]
    manifest.write_text("".join(json.dumps(it) + "\n" for it in items), encoding="utf-8")
    comps = compare_runs(load_run(a), load_run(b), aggregates=test_aggregates, resamples=50)
    cs = next(c for c in next(c for c in comps if c.metric == "keyword_acc").per_lang if c.label == "cs")
    assert cs.n == 10 and cs.n_not_comparable == 2 and cs.significant


def test_another_prompt_is_not_the_same_question(tmp_path):
    a, b = _runs(tmp_path, prompt="Name what you recognise.")
    pairing = pair_runs(a, b)[("cs", "know")]
    assert not pairing.comparable and "the prompts differ" in pairing.reason


def test_items_that_cannot_be_checked_are_not_compared(tmp_path):
    a, b = _runs(tmp_path)
    (b / "data" / "manifest.jsonl").unlink()
    pairing = pair_runs(a, b)[("cs", "know")]
    assert not pairing.comparable and "items cannot be checked" in pairing.reason and str(b) in pairing.reason


def test_equal_data_hashes_pair_without_loading_the_dataset():
    pairings = pair_runs(EXAMPLES / "reference-thin", EXAMPLES / "reference-thick")
    assert len(pairings) == 16 and all(p.comparable and p.checked_by == "data_hash" for p in pairings.values())


@pytest.mark.parametrize("n", [3])
def test_two_three_item_runs_are_never_significant_in_compare(tmp_path, n):
    a = write_run(tmp_path, "a", "a", lambda l, i: 0.0, lambda l, i: 0.9, n=n)
    b = write_run(tmp_path, "b", "b", lambda l, i: 100.0, lambda l, i: 0.0, n=n)
    comps = compare_runs(load_run(a), load_run(b), aggregates=test_aggregates, resamples=50)
    tested = [c for comp in comps for c in comp.per_lang]
    assert len(tested) == 8 * 4 and all(c.p >= 0.25 and not c.significant for c in tested)
    assert all(comp.macro.significant for comp in comps)  # 24 items per metric across languages: called
