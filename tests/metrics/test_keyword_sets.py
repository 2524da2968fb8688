"""Keyword Accuracy on independent cases (tests/metrics/keyword_sets.py: Debian Hunspell dictionaries,
underthesea's Viet74K), dev and test split, beside the hand-written set (test_keyword_labelled.py).

The table in docs/metrics-keywords.md between the `keyword-sets` markers must be the one computed
here (`python -m tests.metrics.test_keyword_sets` prints it). The sources are Debian packages and a
Python package: `tools/install-hunspell.sh` installs them (`make test` and CI call it); without them
the tests fail, naming what is missing, except outside CI where they skip with that reason.
"""

from __future__ import annotations

import functools
import os

import pytest

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.keywords import match_keywords
from tests.metrics import keyword_sets
from tests.metrics.doc_blocks import doc_block
from tests.metrics.test_keyword_labelled import counts as hand_counts

GUARDS = {  # lang: (dev recall at least, dev false positives at most), % — 5 points from the values in the doc
    "ar": (90, 18), "cs": (92, 9), "hu": (95, 5), "ko": (90, 13),
    "ru": (93, 11), "sr": (87, 9), "th": (94, 5), "vi": (95, 34),
}
"""Regression guards on the dev split, not the issue's targets (recall >= 95 %, false positives <= 10 %
per language), which these sets do not meet everywhere: the doc reports them as they are. Vietnamese
negatives are lexicalised compounds the segmenter does not join (cà tím, phấn hoa, gần đây)."""


@pytest.fixture(autouse=True, scope="module")
def _sources():
    missing = keyword_sets.missing_sources()
    if missing:
        message = f"keyword sets need {', '.join(missing)}: run tools/install-hunspell.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@functools.lru_cache(maxsize=None)
def counts(lang: str, split: str) -> tuple[int, int, int, int]:
    """(positives found, positives, negatives found, negatives), tolerant rule."""
    tp = pos = fp = neg = 0
    for case in keyword_sets.cases(lang, split):
        found = match_keywords(lang, case.text, [case.keyword])[0].found
        if case.positive:
            pos, tp = pos + 1, tp + found
        else:
            neg, fp = neg + 1, fp + found
    return tp, pos, fp, neg


def _cell(c: tuple[int, int, int, int]) -> str:
    tp, pos, fp, neg = c
    return f"{100 * tp / pos:.1f} / {100 * fp / neg:.1f} ({pos}+{neg})" if pos and neg else "–"


def table() -> str:
    """Per language: tolerant recall / false-positive rate (positives+negatives) on dev, test and the
    hand-written set."""
    lines = ["| lang | dev | test | hand-written |", "| --- | ---: | ---: | ---: |"]
    total = {k: [0, 0, 0, 0] for k in ("dev", "test", "hand")}
    for lang in LANG_CODES:
        row = {"dev": counts(lang, "dev"), "test": counts(lang, "test"), "hand": hand_counts(lang, True)}
        for k, c in row.items():
            total[k] = [a + b for a, b in zip(total[k], c)]
        lines.append(f"| {lang} | {_cell(row['dev'])} | {_cell(row['test'])} | {_cell(row['hand'])} |")
    lines.append(f"| all | {_cell(tuple(total['dev']))} | {_cell(tuple(total['test']))} | {_cell(tuple(total['hand']))} |")
    return "\n".join(lines)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_each_language_has_dev_and_test_cases_from_its_sources(lang):
    for split in ("dev", "test"):
        cases = keyword_sets.cases(lang, split)
        assert sum(c.positive for c in cases) >= 80, (lang, split)
        assert sum(not c.positive for c in cases) >= 10, (lang, split)
    dev_keywords = {c.keyword for c in keyword_sets.cases(lang, "dev")}
    assert not dev_keywords & {c.keyword for c in keyword_sets.cases(lang, "test")}


def test_the_sets_are_deterministic():
    keyword_sets.build.cache_clear()
    first = keyword_sets.build("cs")
    keyword_sets.build.cache_clear()
    assert keyword_sets.build("cs") == first


def test_entries_left_out_as_related_are_only_those_that_keep_the_keywords_referent():
    """Left out of the negatives (and listed): a Korean light verb on the keyword, a head-final compound
    with another entry before the keyword, a Vietnamese reduplicative. Derived words that make another
    word (Czech -ová surnames, -ský adjectives, Korean -적) stay negatives."""
    related = keyword_sets.related_entry
    assert related("ko", "점령", "점령되다", frozenset())
    assert related("ko", "자식", "아들자식", frozenset({"아들"}))
    assert related("hu", "fa", "fügefa", frozenset({"füge"}))
    assert not related("ko", "경제", "경제적", frozenset())
    assert not related("cs", "Pasternak", "Pasternaková", frozenset())
    assert not related("cs", "Humpolec", "humpolecký", frozenset())
    assert not related("hu", "adat", "adatbázis", frozenset({"bázis"}))
    assert keyword_sets.vi_reduplicative("tím", "tim tím")
    assert not keyword_sets.vi_reduplicative("cầu", "cầu thủ")
    assert not keyword_sets.vi_reduplicative("tím", "cà tím")


@pytest.mark.parametrize("lang", LANG_CODES)
def test_dev_split_stays_within_the_regression_guards(lang):
    tp, pos, fp, neg = counts(lang, "dev")
    min_recall, max_fp = GUARDS[lang]
    assert 100 * tp / pos >= min_recall, f"{lang}: dev recall {100 * tp / pos:.1f}%"
    assert 100 * fp / neg <= max_fp, f"{lang}: dev false positives {100 * fp / neg:.1f}%"


def test_doc_table_is_the_computed_one():
    block = doc_block("keyword-sets")
    assert block is not None, "docs/metrics-keywords.md lacks the keyword-sets markers"
    assert block == table(), "update docs/metrics-keywords.md (python -m tests.metrics.test_keyword_sets):\n" + table()


if __name__ == "__main__":
    print(table())
