"""The language-fidelity evaluation sets (tests/metrics/fidelity_sets.py): the table in docs/metrics.md
between the `fidelity-sets` markers is the one the rule gives on them (`python -m
tests.metrics.fidelity_sets doc` prints it), and the names left out as another accepted language's are
exactly those, listed.

The verdicts read the Hunspell dictionaries (tools/install-hunspell.sh): without them these tests skip
with that reason, except in CI, where they fail.
"""

from __future__ import annotations

import json

from mella_bench.langs import LANGUAGES
from tests.metrics import fidelity_sets
from tests.metrics.doc_blocks import METRICS_DOC, assert_doc_block
from tests.support.spelling import require_dictionaries


def _real() -> list[dict[str, str]]:
    lines = (fidelity_sets.DATA / "fidelity_real.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_doc_table_is_the_computed_one():
    require_dictionaries()
    assert_doc_block("fidelity-sets", fidelity_sets.doc_table(), "python -m tests.metrics.fidelity_sets doc", METRICS_DOC)


def test_names_of_a_language_the_target_accepts_are_listed_not_counted():
    flagged = [r for r in _real() if "also_in" in r]
    assert flagged, "the Slovene names that are also Bosnian or Croatian (Sierra Leone) carry also_in"
    for rec in flagged:
        assert rec["set"] == "neighbour-short"
        assert set(rec["also_in"].split(",")) <= set(LANGUAGES[rec["target"]].accepted_as), rec
    counted = {(r["set"], r["lang"], r["text"]) for r in fidelity_sets.records()}
    listed = {(r["set"], r["lang"], r["text"]) for r in fidelity_sets.records(homograph=True)}
    assert listed == {(r["set"], r["lang"], r["text"]) for r in flagged}
    assert not counted & listed
    lines = sum(len((fidelity_sets.DATA / f).read_text(encoding="utf-8").splitlines())
                for f in ("fidelity_short.jsonl", "fidelity_real.jsonl"))
    assert len(fidelity_sets.records("all")) + len(fidelity_sets.records("all", homograph=True)) == lines
    shown = fidelity_sets.homographs("test")
    assert "sl 'Sierra Leone' (also bs)" in shown and all("(also " in line for line in shown)


def test_the_sets_keep_their_size_and_split():
    real = _real()
    for kind in ("neighbour-sentence", "neighbour-short"):
        for lang in ("be", "kk", "uk", "mk", "sl", "bg"):
            recs = [r for r in real if r["set"] == kind and r["lang"] == lang]
            assert len(recs) == 40, (kind, lang)
            assert sum(r["split"] == "dev" for r in recs) == 20, (kind, lang)
