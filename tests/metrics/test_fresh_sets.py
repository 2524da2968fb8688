"""The blind fresh sets (tests/metrics/fresh_sets.py): well-formed, and the tables in docs/ between the
`keyword-fresh*` and `fidelity-fresh*` markers (rounds 9 to 19; rounds 12 to 19 have keyword cases only) are what the code
gives on them.

The fidelity verdicts read the Hunspell dictionaries (tools/install-hunspell.sh): without them that
test skips with the reason, except in CI, where it fails.
"""

from __future__ import annotations

from collections import Counter

import pytest

from mella_bench.langs import LANG_CODES
from tests.metrics import fresh_sets
from tests.metrics.doc_blocks import METRICS_DOC, assert_doc_block
from tests.support.spelling import require_dictionaries
from tests.support.wordnet import require_wordnet


def _balanced(langs: tuple[str, ...], positives: int, negatives: int) -> dict[tuple[str, bool], int]:
    return {(lang, found): n for lang in langs for found, n in ((True, positives), (False, negatives))}


@pytest.mark.parametrize(("round_", "expected", "per_keyword"), [
    ("9", _balanced(LANG_CODES, 22, 18), 2),
    ("10", _balanced(LANG_CODES, 25, 25), 2),
    ("11", _balanced(LANG_CODES, 25, 25), 5),
    ("12", {**_balanced(("th",), 25, 25), **_balanced(("vi",), 50, 50)}, 10),  # two Vietnamese writers, 5 each
    ("13", _balanced(("th",), 50, 50), 6),  # two Thai writers, 3 each
    ("14", _balanced(("th",), 50, 50), 4),  # two Thai writers, 2 each
    ("15", _balanced(("th",), 50, 50), 5),  # two Thai writers, 3 and 2
    ("16", _balanced(("vi",), 50, 50), 5),  # two Vietnamese writers, 3 and 2
    ("17", _balanced(("vi",), 50, 50), 5),  # two Vietnamese writers, 3 and 2
    ("18", _balanced(("vi",), 50, 50), 4),  # two Vietnamese writers, 2 each
    ("19", _balanced(("th",), 50, 50), 4),  # two Thai writers, 2 each
])
def test_the_keyword_cases_are_well_formed_and_balanced(round_, expected, per_keyword):
    cases = fresh_sets.load(fresh_sets.ROUNDS[round_][0])
    assert all(set(c) == {"lang", "keyword", "text", "found", "why"} for c in cases)
    assert Counter((c["lang"], c["found"]) for c in cases) == expected
    assert max(Counter((c["lang"], c["keyword"]) for c in cases).values()) <= per_keyword


def test_every_negative_has_one_category_and_no_positive_has_one():
    negatives = {f"{r}:{i}" for r in fresh_sets.ROUNDS
                 for i, case in enumerate(fresh_sets.load(fresh_sets.ROUNDS[r][0])) if not case["found"]}
    records = fresh_sets.load(fresh_sets.NEGATIVE_KINDS)
    assert [rec["id"] for rec in records] == sorted(negatives, key=lambda i: (int(i.split(":")[0]), int(i.split(":")[1])))
    assert all(set(rec) == {"id", "category", "note"} and rec["category"] in fresh_sets.CATEGORIES for rec in records)


@pytest.mark.parametrize(("keyword", "category", "left_out"), [
    ("วัด", "homograph", True), ("polka", "homograph", True), ("ช้าง", "name", False),
    ("Staré Město", "homograph", False),  # its words apart in their own senses: counted
])
def test_only_one_word_homographs_are_left_out(keyword, category, left_out):
    assert fresh_sets.true_homograph({"keyword": keyword}, category) is left_out


def test_the_all_rounds_doc_table_is_the_computed_one():
    require_wordnet()
    assert_doc_block("keyword-fresh-all", fresh_sets.keyword_table_all(), "python -m tests.metrics.fresh_sets all")


@pytest.mark.parametrize(("round_", "short"), [("9", 20), ("10", 25), ("11", 25)])
def test_the_fidelity_cases_are_well_formed(round_, short):
    cases = fresh_sets.load(fresh_sets.ROUNDS[round_][1])
    assert all(set(c) == {"set", "lang", "target", "text", "expect"} for c in cases)
    assert all(c["expect"] == "reject" for c in cases if c["set"].startswith("neighbour"))
    assert all(c["lang"] == c["target"] for c in cases if not c["set"].startswith("neighbour"))
    assert Counter(c["lang"] for c in cases if c["set"] == "short") == {lang: short for lang in LANG_CODES}


@pytest.mark.parametrize(("round_", "block"), [("9", "keyword-fresh"), ("10", "keyword-fresh10"), ("11", "keyword-fresh11"),
                                               ("12", "keyword-fresh12"), ("13", "keyword-fresh13"),
                                               ("14", "keyword-fresh14"), ("15", "keyword-fresh15"),
                                               ("16", "keyword-fresh16"), ("17", "keyword-fresh17"),
                                               ("18", "keyword-fresh18"), ("19", "keyword-fresh19")])
def test_keyword_doc_table_is_the_computed_one(round_, block):
    require_wordnet()
    assert_doc_block(block, fresh_sets.keyword_table(round_), f"python -m tests.metrics.fresh_sets {round_}")


@pytest.mark.parametrize(("round_", "block"), [("9", "fidelity-fresh"), ("10", "fidelity-fresh10"),
                                               ("11", "fidelity-fresh11")])
def test_fidelity_doc_table_is_the_computed_one(round_, block):
    require_dictionaries()
    assert_doc_block(block, fresh_sets.fidelity_table(round_), f"python -m tests.metrics.fresh_sets {round_}",
                     METRICS_DOC)
