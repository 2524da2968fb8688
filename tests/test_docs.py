"""Docs that quote the program are checked against it: the headline example, the suite's size, the comparison
example and the committed report it comes from, and every number docs/reproducing-the-paper.md takes from the
committed paper tables and runs."""

from __future__ import annotations

import ast
import csv
import dataclasses
import io
import json
import re
from pathlib import Path

import pytest

from mella_bench.curation.audit import truncations
from mella_bench.reports.headline import headline_rows, render_headline
from mella_bench.reports.leaderboard import compare
from mella_bench.reports.runs import load_run

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
RESULTS = REPO / "results"
TABLES = RESULTS / "tables"
AUTHORS = RESULTS / "mella-author-2024"
BACKBONE = "InternVL2-8B, MELLA authors' outputs (first-hand)"


def _blocks(md: str) -> list[str]:
    """The contents of the fenced blocks without a language tag (program output)."""
    out, current, plain = [], None, False
    for line in md.splitlines():
        if line.startswith("```"):
            if current is None:
                current, plain = [], line == "```"
            else:
                if plain:
                    out.append("\n".join(current) + "\n")
                current = None
        elif current is not None:
            current.append(line)
    return out


def test_headline_example_is_what_make_demo_prints():
    """`make demo` runs the tiny model on the demo set into results/demo-tiny; results/examples/tiny is the same
    run (same model, data and seed: identical answers), committed."""
    run = load_run(RESULTS / "examples" / "tiny")
    summary = json.loads((RESULTS / "examples" / "tiny" / "summary.json").read_text(encoding="utf-8"))
    shown = render_headline(dataclasses.replace(run, path=Path("results/demo-tiny")), summary, headline_rows(run),
                            details=Path("results/demo-tiny/scores.md"))
    doc = (DOCS / "reports.md").read_text(encoding="utf-8")
    block = next(b for b in _blocks(doc) if b.startswith("tiny · demo-tiny"))
    assert block.rstrip("\n") == shown


def _test_functions() -> int:
    n = 0
    for path in (REPO / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            n += isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
    return n


def test_development_md_gives_the_size_of_the_suite():
    doc = (DOCS / "development.md").read_text(encoding="utf-8")
    quoted = int(re.search(r"about ([\d,]+) test functions", doc).group(1).replace(",", ""))
    actual = _test_functions()
    assert abs(actual - quoted) <= 0.15 * actual, f"docs/development.md says about {quoted}; the tests have {actual}"


def test_architecture_is_linked():
    assert "(docs/architecture.md)" in (REPO / "README.md").read_text(encoding="utf-8")
    assert "(architecture.md)" in (DOCS / "development.md").read_text(encoding="utf-8")


def test_committed_comparison_is_what_compare_prints_and_the_docs_quote_it(tmp_path):
    ex = RESULTS / "examples"
    text = compare(ex / "reference-thin", ex / "reference-thick", tmp_path)
    committed = (RESULTS / "report" / "compare.md").read_text(encoding="utf-8")
    assert text == committed, "results/report/compare.md is stale: regenerate it (results/README.md)"
    assert (tmp_path / "compare.csv").read_text(encoding="utf-8") == (RESULTS / "report" / "compare.csv").read_text(
        encoding="utf-8")
    doc = (DOCS / "analysis.md").read_text(encoding="utf-8")
    quoted = [line for b in _blocks(doc) for line in b.splitlines() if line.startswith("- ")]
    assert quoted and all(line in committed.splitlines() for line in quoted)


# --------------------------------------------------------------------------------------------
# docs/reproducing-the-paper.md against results/tables/*.csv


def _cells(table: str) -> dict[tuple[str, str], str]:
    text = (TABLES / f"{table}.csv").read_text(encoding="utf-8")
    return {(r["row"], r["column"]): r["text"] for r in csv.DictReader(io.StringIO(text))}


MARKS = ("‡", "§")


def _value_and_marks(text: str) -> tuple[str, list[str]]:
    return text.split(" ")[0], [m for m in MARKS if text.endswith(m) or f" {m} " in text]


def _pair(cells: dict, setting_a: str, setting_b: str, metric: str, lang: str) -> str:
    """'5.75 → 35.35', with the marks either cell carries ('0.11 → 16.16 ‡')."""
    a, ma = _value_and_marks(cells[(f"{BACKBONE} / {setting_a} / {metric}", lang)])
    b, mb = _value_and_marks(cells[(f"{BACKBONE} / {setting_b} / {metric}", lang)])
    marks = [m for m in MARKS if m in ma + mb]
    return f"{a} → {b}" + "".join(f" {m}" for m in marks)


def _doc_tables(md: str) -> dict[str, list[list[str]]]:
    """First words of the paragraph above each Markdown table → its rows (cells stripped)."""
    out, lines = {}, md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            while j > 0 and lines[j - 1].strip():  # back to the first line of that paragraph
                j -= 1
            rows = []
            for row in lines[i:]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip("|").split("|")])
            out[lines[j][:40]] = [rows[0]] + rows[2:]
    return out


@pytest.fixture(scope="module")
def reproducing() -> dict[str, list[list[str]]]:
    return _doc_tables((DOCS / "reproducing-the-paper.md").read_text(encoding="utf-8"))


def _table(tables: dict, start: str) -> list[list[str]]:
    return next(rows for key, rows in tables.items() if key.startswith(start))


def test_reproduced_values_are_the_committed_tables(reproducing):
    for start, table in (("Authors' scoring", "authors_protocol"), ("mella-bench's protocol", "authors_outputs_mella_bench")):
        cells = _cells(table)
        header, *rows = _table(reproducing, start)
        langs = [h.lower() for h in header[1:]]
        assert len(rows) >= 4
        for row in rows:
            label = row[0]
            if label.endswith(" (Δ baseline)"):  # the baseline as the Δ scores it: +MELLA's settings
                metric, setting_a = label.split(" ")[0], "baseline, +MELLA's settings"
            else:
                metric, setting_a = label, "baseline"
            for lang, doc_cell in zip(langs, row[1:]):
                assert doc_cell == _pair(cells, setting_a, "+MELLA", metric, lang), (table, label, lang)


def test_paired_differences_are_the_committed_tables(reproducing):
    header, *rows = _table(reproducing, "Paired difference")
    langs = [h.lower() for h in header[1:]]
    tables = {"mella-2024": _cells("authors_protocol"), "mella-bench": _cells("authors_outputs_mella_bench")}
    assert {row[0] for row in rows} == set(tables)
    for row in rows:
        cells = tables[row[0]]
        for lang, doc_cell in zip(langs, row[1:]):
            assert doc_cell == cells[(f"{BACKBONE} / Δ +MELLA − baseline (paired) / meteor", lang)], (row[0], lang)


def _v(table: str, setting: str, metric: str, lang: str) -> str:
    return _cells(table)[(f"{BACKBONE} / {setting} / {metric}", lang)].split(" ")[0]


def test_numbers_in_the_prose_are_the_committed_tables():
    doc = " ".join((DOCS / "reproducing-the-paper.md").read_text(encoding="utf-8").split())
    P, O = "authors_protocol", "authors_outputs_mella_bench"
    quoted = [
        f"baseline METEOR printed there (0.0011, i.e. {_v(P, 'baseline', 'meteor', 'hu')} on a 0–100 scale)",
        f"the Hungarian fine-tune file released there scores {_v(P, '+MELLA', 'meteor', 'hu')}",
        f"(fine-tuned Thai BLEU-4 {_v(P, '+MELLA', 'bleu_4', 'th')} on the 0–100 scale, ROUGE-L "
        f"{_v(P, '+MELLA', 'rouge_l', 'th')})",
        f"matches characters: {_v(P, '+MELLA', 'meteor', 'th')}, higher than any other language",
        f"the Thai fine-tune gets BLEU {_v(O, '+MELLA', 'bleu', 'th')} and ROUGE-L {_v(O, '+MELLA', 'rouge_l', 'th')} "
        f"(pythainlp segmentation) and METEOR {_v(O, '+MELLA', 'meteor', 'th')} instead of "
        f"{_v(P, '+MELLA', 'meteor', 'th')}",
        f"the Arabic fine-tune's METEOR is {_v(P, '+MELLA', 'meteor', 'ar')} under the authors' scoring and "
        f"{_v(O, '+MELLA', 'meteor', 'ar')} under mella-bench's",
        f"Serbian baseline {float(_v(O, 'baseline', 'fidelity', 'sr')):.0f}%, Czech baseline "
        f"{float(_v(O, 'baseline', 'fidelity', 'cs')):.0f}%",
        f"re-scoring the Russian baseline with the cuts moves its METEOR from {_v(P, 'baseline', 'meteor', 'ru')} to "
        f"{_v(P, T_AS_MELLA, 'meteor', 'ru')}, so its Δ is "
        f"{_v(P, 'Δ +MELLA − baseline (paired)', 'meteor', 'ru').lstrip('+')}, not the "
        f"{float(_v(P, '+MELLA', 'meteor', 'ru')) - float(_v(P, 'baseline', 'meteor', 'ru')):.2f} between the printed rows",
    ]
    missing = [q for q in quoted if q not in doc]
    assert not missing, "docs/reproducing-the-paper.md no longer quotes the committed tables:\n" + "\n".join(missing)
    # every fine-tune speaks its language (one Hungarian answer repeats an English poster until most of it is English)
    fine = {lang: _v(O, "+MELLA", "fidelity", lang) for lang in ("ar", "cs", "hu", "ko", "ru", "sr", "th", "vi")}
    assert {v for lang, v in fine.items() if lang != "hu"} == {"100.00"} and fine["hu"] == "99.00"
    assert "every fine-tune 100% (Hungarian 99%" in doc


T_AS_MELLA = "baseline, +MELLA's settings"


def test_truncation_figures_are_the_audits():
    doc = " ".join((DOCS / "reproducing-the-paper.md").read_text(encoding="utf-8").split())
    for run, who in (("internvl2-8b-baseline", "baseline"), ("internvl2-8b-finetuned", "fine-tune")):
        hu = next(t for t in truncations(AUTHORS / run) if t.task == "slvqa_caption_hu")
        phrase = (f"Hungarian {who}: {hu.refs_over} references and {hu.answers_over} normalised answers cut, "
                  f"{hu.chars_removed:,} characters removed")
        assert phrase in doc, phrase
