"""Keyword Accuracy on a labelled set written for this project (tests/metrics/data/keywords_<lang>.jsonl).

Each language has at least 25 positives (the keyword occurs inflected, with clitics or particles,
or in a variant spelling; Serbian in both scripts) and 15 negatives (a sentence that shares letters
with the keyword but does not contain it: hu tó/autó, ar مكة/سمكة, ko 절/계절, th วัด/วัดผล ...).
The first batch was written before the matcher was built; a second batch ("why": "second batch ...")
after it, and was not tuned on. Recall = share of positives found;
false-positive rate = share of negatives found. The per-language table in docs/metrics-keywords.md
must be the one computed here (`python -m tests.metrics.test_keyword_labelled` prints it).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.keywords import match_keywords
from tests.support.wordnet import require_wordnet

DATA = Path(__file__).parent / "data"
DOC = Path(__file__).parents[2] / "docs" / "metrics-keywords.md"
TARGETS = {"recall_all": 95.0, "recall_lang": 90.0, "fp_all": 10.0, "fp_lang": 20.0}
RECALL_LANG_EXCEPTIONS = {"th": 80.0}
"""Thai lost its tolerant compound split (it accepted 47 % of the independent dev negatives, ส้มตำ for
ส้ม): five compounds of this set (ที่วัด, ชาร้อน, ร้านขายดอกไม้, ข้าวมันไก่, ขนมหวาน) are now missed."""


def load(lang: str) -> list[dict]:
    path = DATA / f"keywords_{lang}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@functools.lru_cache(maxsize=None)
def counts(lang: str, tolerant: bool) -> tuple[int, int, int, int]:
    """(positives found, positives, negatives found, negatives)."""
    tp = pos = fp = neg = 0
    for rec in load(lang):
        found = match_keywords(lang, rec["text"], [rec["keyword"]], tolerant=tolerant)[0].found
        if rec["found"]:
            pos, tp = pos + 1, tp + found
        else:
            neg, fp = neg + 1, fp + found
    return tp, pos, fp, neg


def pct(a: int, b: int) -> float:
    return 100.0 * a / b


def table() -> str:
    """Markdown table: per language and overall, tolerant and strict recall / false-positive rate."""
    lines = ["| lang | positives | negatives | recall (tolerant) | false pos. (tolerant) | recall (strict) | false pos. (strict) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    tot = {True: [0, 0, 0, 0], False: [0, 0, 0, 0]}
    for lang in LANG_CODES:
        row = {}
        for tol in (True, False):
            c = counts(lang, tol)
            tot[tol] = [a + b for a, b in zip(tot[tol], c)]
            row[tol] = c
        t, s = row[True], row[False]
        lines.append(f"| {lang} | {t[1]} | {t[3]} | {pct(t[0], t[1]):.1f} | {pct(t[2], t[3]):.1f} | "
                     f"{pct(s[0], s[1]):.1f} | {pct(s[2], s[3]):.1f} |")
    t, s = tot[True], tot[False]
    lines.append(f"| all | {t[1]} | {t[3]} | {pct(t[0], t[1]):.1f} | {pct(t[2], t[3]):.1f} | "
                 f"{pct(s[0], s[1]):.1f} | {pct(s[2], s[3]):.1f} |")
    return "\n".join(lines)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_the_set_is_big_enough_and_labelled(lang):
    recs = load(lang)
    assert sum(r["found"] for r in recs) >= 25
    assert sum(not r["found"] for r in recs) >= 15
    assert all(set(r) >= {"keyword", "text", "found"} for r in recs)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_tolerant_recall_and_false_positives_per_language(lang):
    tp, pos, fp, neg = counts(lang, True)
    assert pct(tp, pos) >= RECALL_LANG_EXCEPTIONS.get(lang, TARGETS["recall_lang"]), f"{lang}: tolerant recall {pct(tp, pos):.1f}%"
    assert pct(fp, neg) <= TARGETS["fp_lang"], f"{lang}: false positives {pct(fp, neg):.1f}%"


def test_tolerant_recall_and_false_positives_overall():
    c = [sum(x) for x in zip(*(counts(lang, True) for lang in LANG_CODES))]
    assert pct(c[0], c[1]) >= TARGETS["recall_all"]
    assert pct(c[2], c[3]) <= TARGETS["fp_all"]


@pytest.mark.parametrize("lang", LANG_CODES)
def test_strict_is_never_more_lenient_than_tolerant(lang):
    for rec in load(lang):
        strict = match_keywords(lang, rec["text"], [rec["keyword"]], tolerant=False)[0].found
        tolerant = match_keywords(lang, rec["text"], [rec["keyword"]], tolerant=True)[0].found
        assert tolerant or not strict, rec


def test_documented_table_is_the_computed_one():
    require_wordnet()
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- keyword-table:start -->\n(.*?)\n<!-- keyword-table:end -->", text, flags=re.S)
    assert m, f"{DOC} has no keyword-table block"
    assert m.group(1).strip() == table(), "docs/metrics-keywords.md is stale: python -m tests.metrics.test_keyword_labelled"


if __name__ == "__main__":
    print(table())
