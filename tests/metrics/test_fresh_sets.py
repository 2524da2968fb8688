"""The blind fresh sets (tests/metrics/fresh_sets.py): well-formed, and the tables in docs/ between the
`keyword-fresh` and `fidelity-fresh` markers are what the code gives on them.

The fidelity verdicts read the Hunspell dictionaries (tools/install-hunspell.sh): without them that
test skips with the reason, except in CI, where it fails.
"""

from __future__ import annotations

from collections import Counter

from mella_bench.langs import LANG_CODES
from tests.metrics import fresh_sets
from tests.metrics.doc_blocks import METRICS_DOC, assert_doc_block
from tests.support.spelling import require_dictionaries


def test_the_keyword_cases_are_well_formed_and_balanced():
    cases = fresh_sets.load("keywords_fresh.jsonl")
    assert all(set(c) == {"lang", "keyword", "text", "found", "why"} for c in cases)
    counts = Counter((c["lang"], c["found"]) for c in cases)
    assert counts == {(lang, found): n for lang in LANG_CODES for found, n in ((True, 22), (False, 18))}
    assert max(Counter((c["lang"], c["keyword"]) for c in cases).values()) <= 2


def test_the_fidelity_cases_are_well_formed():
    cases = fresh_sets.load("fidelity_fresh.jsonl")
    assert all(set(c) == {"set", "lang", "target", "text", "expect"} for c in cases)
    assert all(c["expect"] == "reject" for c in cases if c["set"].startswith("neighbour"))
    assert all(c["lang"] == c["target"] for c in cases if not c["set"].startswith("neighbour"))
    short = Counter(c["lang"] for c in cases if c["set"] == "short")
    assert short == {lang: 20 for lang in LANG_CODES}


def test_keyword_doc_table_is_the_computed_one():
    assert_doc_block("keyword-fresh", fresh_sets.keyword_table(), "python -m tests.metrics.fresh_sets")


def test_fidelity_doc_table_is_the_computed_one():
    require_dictionaries()
    assert_doc_block("fidelity-fresh", fresh_sets.fidelity_table(), "python -m tests.metrics.fresh_sets", METRICS_DOC)
