"""Keyword Accuracy on independent cases (tests/metrics/keyword_sets.py: Debian Hunspell dictionaries,
underthesea's Viet74K), dev and test split, beside the hand-written set (test_keyword_labelled.py).

The table in docs/metrics-keywords.md between the `keyword-sets` markers must be the one computed
here (`python -m tests.metrics.test_keyword_sets` prints it). The sources are Debian packages and a
Python package: `tools/install-hunspell.sh` installs them (`make test` and CI call it); without them
the tests fail, naming what is missing, except outside CI where they skip with that reason.
"""

from __future__ import annotations

import functools
import math
import os
from typing import Callable

import pytest

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.keywords import match_keywords
from tests.metrics import keyword_sets
from tests.metrics.doc_blocks import assert_doc_block, doc_block
from tests.support.wordnet import require_wordnet
from tests.metrics.test_keyword_labelled import counts as hand_counts

GUARDS = {  # lang: (dev recall at least, dev false positives at most), % — 5 points from the values in the doc
    "ar": (87, 7), "cs": (91, 7), "hu": (92, 7), "ko": (87, 6),
    "ru": (93, 10), "sr": (88, 8), "th": (93, 14), "vi": (90, 13),
}
"""Regression guards on the dev split, not the issue's targets (recall >= 95 %, false positives <= 10 %
per language), which these sets do not meet everywhere: the doc reports them as they are. Vietnamese
frame negatives are word-list compounds the segmenter does not join (cà tím, quáng gà, dơi muỗi)."""


@pytest.fixture(autouse=True, scope="module")
def _sources():
    require_wordnet()  # Thai's tolerant rule reads WordNet (tools/install-wordnet.sh)
    missing = keyword_sets.missing_sources()
    if missing:
        message = f"keyword sets need {', '.join(missing)}: run tools/install-hunspell.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@functools.lru_cache(maxsize=None)
def outcomes(lang: str, split: str) -> tuple[tuple[keyword_sets.Case, bool], ...]:
    """Every case of the split with whether the tolerant rule finds its keyword (matched once)."""
    return tuple((case, match_keywords(lang, case.text, [case.keyword])[0].found)
                 for case in keyword_sets.cases(lang, split))


def counts(lang: str, split: str, source: str = "") -> tuple[int, int, int, int]:
    """(positives found, positives, negatives found, negatives), tolerant rule; `source` keeps only the
    cases of one kind of source (Vietnamese: `frame`, `sentence` or `phrase`)."""
    tp = pos = fp = neg = 0
    for case, found in outcomes(lang, split):
        if source and case.source != source:
            continue
        if case.positive:
            pos, tp = pos + 1, tp + found
        else:
            neg, fp = neg + 1, fp + found
    return tp, pos, fp, neg


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k/n: how far a rate measured on n cases can be from the
    rate on unlimited data (a 37-negative split cannot tell 5 % from 10 %)."""
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _interval(c: tuple[int, int, int, int]) -> str:
    lo, hi = wilson(c[2], c[3])
    return f"{100 * lo:.1f}–{100 * hi:.1f}"


def _cell(c: tuple[int, int, int, int]) -> str:
    tp, pos, fp, neg = c
    return f"{100 * tp / pos:.1f} / {100 * fp / neg:.1f} ({pos}+{neg})" if pos and neg else "–"


def table() -> str:
    """Per language: tolerant recall / false-positive rate (positives+negatives) on dev, test and the
    hand-written set; the 95 % interval of the test split's false-positive rate."""
    lines = ["| lang | dev | test | test false positives, 95 % interval | hand-written |",
             "| --- | ---: | ---: | ---: | ---: |"]
    total = {k: [0, 0, 0, 0] for k in ("dev", "test", "hand")}
    for lang in LANG_CODES:
        row = {"dev": counts(lang, "dev"), "test": counts(lang, "test"), "hand": hand_counts(lang, True)}
        for k, c in row.items():
            total[k] = [a + b for a, b in zip(total[k], c)]
        lines.append(f"| {lang} | {_cell(row['dev'])} | {_cell(row['test'])} | {_interval(row['test'])} | "
                     f"{_cell(row['hand'])} |")
    all_test = tuple(total["test"])
    lines.append(f"| all | {_cell(tuple(total['dev']))} | {_cell(all_test)} | {_interval(all_test)} | "
                 f"{_cell(tuple(total['hand']))} |")
    return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def sense_kept_outcomes(split: str) -> tuple[tuple[keyword_sets.Case, bool], ...]:
    """The Vietnamese frame compounds left out because they keep the keyword's sense, with whether the
    tolerant rule finds the keyword in them."""
    return tuple((c, match_keywords("vi", c.text, [c.keyword])[0].found)
                 for c in keyword_sets.build("vi").sense_kept if c.split == split)


def sense_kept_found(split: str) -> tuple[int, int]:
    """(found, cases) for the Vietnamese frame compounds left out because they keep the keyword's sense."""
    kept = sense_kept_outcomes(split)
    return sum(found for _, found in kept), len(kept)


def compound_outcomes(split: str) -> dict[tuple[str, str], bool]:
    """Every labelled Vietnamese frame compound of the split (kept or lost) → found by the tolerant rule."""
    both = [*((c, f) for c, f in outcomes("vi", split) if c.kind == "neg-compound"), *sense_kept_outcomes(split)]
    return {(c.keyword, c.entry): found for c, found in both}


def labeller_kappas() -> dict[tuple[str, str], float]:
    """Cohen's κ of each pair of Vietnamese labellers (the project's own κ, `judge.agreement`; two
    categories, so the quadratic weights are plain κ)."""
    from mella_bench.judge.agreement import weighted_kappa

    labels = {name: keyword_sets.vi_compound_senses(name) for name in keyword_sets.VI_LABELLERS}
    keys = sorted(labels["sense"])
    return {(a, b): weighted_kappa([labels[a][k] == "kept" for k in keys], [labels[b][k] == "kept" for k in keys], (0, 1))
            for i, a in enumerate(keyword_sets.VI_LABELLERS) for b in keyword_sets.VI_LABELLERS[i + 1:]}


def vietnamese_by_labeller() -> str:
    """How much the Vietnamese figure depends on who labels the frame compounds: each labeller's counts,
    their pairwise κ, and the Vietnamese test false positives under each labeller, the majority (the
    table), the strictest reading (a compound any labeller calls lost is a negative) and the most lenient
    (only those all call lost); the whole test split under the first labeller's labels (round 5's table)."""
    names = keyword_sets.VI_LABELLERS
    labels = {name: keyword_sets.vi_compound_senses(name) for name in (*names, "majority")}
    keys = sorted(labels["sense"])
    kept = {name: sum(labels[name][k] == "kept" for k in keys) for name in labels}
    unanimous = sum(len({labels[name][k] for name in names}) == 1 for k in keys)
    kappa = labeller_kappas()
    found = compound_outcomes("test")
    sentence, phrase = counts("vi", "test", "sentence"), counts("vi", "test", "phrase")
    s_fp, s_neg = sentence[2] + phrase[2], sentence[3] + phrase[3]

    def rate(negative: Callable[[tuple[str, str]], bool]) -> tuple[int, int]:
        neg = [k for k in found if negative(k)]
        return s_fp + sum(found[k] for k in neg), s_neg + len(neg)

    def pct(c: tuple[int, int]) -> str:
        return f"{100 * c[0] / c[1]:.1f} % ({c[0]}/{c[1]})"

    by = {name: rate(lambda k, name=name: labels[name][k] == "lost") for name in labels}
    by_any = rate(lambda k: any(labels[name][k] == "lost" for name in names))
    by_all = rate(lambda k: all(labels[name][k] == "lost" for name in names))
    others = [counts(lang, "test") for lang in LANG_CODES if lang != "vi"]
    all_first = (sum(c[2] for c in others) + by["sense"][0], sum(c[3] for c in others) + by["sense"][1])
    return (f"Three labellers of the {len(keys)} Vietnamese frame compounds: kept by the first {kept['sense']}, "
            f"the second {kept['second']}, the third {kept['third']}, the majority {kept['majority']}; all three "
            f"agree on {unanimous} ({100 * unanimous / len(keys):.1f} %); Cohen's κ first–second "
            f"{kappa[('sense', 'second')]:.2f}, first–third {kappa[('sense', 'third')]:.2f}, second–third "
            f"{kappa[('second', 'third')]:.2f}. Vietnamese test false positives (frame and VLSP negatives) with "
            f"the majority's labels {pct(by['majority'])} (the table), the first labeller's {pct(by['sense'])}, "
            f"the second's {pct(by['second'])}, the third's {pct(by['third'])}; the compounds any labeller calls "
            f"lost {pct(by_any)}, only those all three call lost {pct(by_all)}; the whole test split with the "
            f"first labeller's labels {pct(all_first)}.")


def vietnamese_by_source() -> str:
    """The Vietnamese row split by source: word-list frames and the VLSP gold-segmented sentences; for
    the frames also the compounds left out as keeping the keyword's sense, and the rate with them
    counted as negatives (as before the hand labels)."""
    def pct(k: int, n: int) -> str:
        return f"{k}/{n} ({100 * k / n:.1f} %)"

    parts = []
    for split in ("dev", "test"):
        tp, pos, fp, neg = counts("vi", split, "frame")
        kept_found, kept = sense_kept_found(split)
        parts.append(f"frame cases {split} {tp}/{pos} positives found, {pct(fp, neg)} negatives found; "
                     f"{pct(kept_found, kept)} of the compounds that keep the keyword's sense (left out); "
                     f"all compounds as negatives {pct(fp + kept_found, neg + kept)}")
    for source, name in (("sentence", "VLSP sentences"), ("phrase", "VLSP two-syllable phrases")):
        for split in ("dev", "test"):
            tp, pos, fp, neg = counts("vi", split, source)
            parts.append(f"{name} {split} {tp}/{pos} positives found, {pct(fp, neg)} negatives found")
    return "Vietnamese by source: " + "; ".join(parts) + "."


@pytest.mark.parametrize("lang", LANG_CODES)
def test_each_language_has_dev_and_test_cases_from_its_sources(lang):
    for split in ("dev", "test"):
        cases = keyword_sets.cases(lang, split)
        assert sum(c.positive for c in cases) >= 150, (lang, split)
        assert sum(not c.positive for c in cases) >= 60, (lang, split)
    dev_keywords = {c.keyword for c in keyword_sets.cases(lang, "dev")}
    assert not dev_keywords & {c.keyword for c in keyword_sets.cases(lang, "test")}


def test_wilson_interval_agrees_with_scipy():
    from scipy.stats import binomtest

    for k, n in ((0, 31), (4, 37), (30, 570), (12, 12)):
        ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        lo, hi = wilson(k, n)
        assert abs(lo - ref.low) < 1e-6 and abs(hi - ref.high) < 1e-6, (k, n)


def test_a_larger_set_keeps_every_keyword_of_a_smaller_one():
    """Sizes can grow without losing earlier cases: picks are the first k in the order of a hash."""
    words = [f"w{i}" for i in range(50)]
    assert keyword_sets._pick(words, "x", k=30)[:10] == keyword_sets._pick(words, "x", k=10)
    small = keyword_sets.thai_cases(100)
    assert set(small) <= set(keyword_sets.thai_cases(200))


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


def test_every_vietnamese_frame_compound_has_a_sense_label():
    """The hand labels cover exactly the compounds the sets pick: a new underthesea list or a larger set
    shows up here instead of silently counting an unlabelled compound as a negative."""
    picked = {(c.keyword, c.entry) for c in keyword_sets.build("vi").cases if c.kind == "neg-compound"}
    picked |= {(c.keyword, c.entry) for c in keyword_sets.build("vi").sense_kept}
    labelled = set(keyword_sets.vi_compound_senses())
    assert picked - labelled == set(), f"label these in {keyword_sets.VI_SENSES}: {sorted(picked - labelled)}"
    assert labelled - picked == set(), f"no longer picked, remove from {keyword_sets.VI_SENSES}: {sorted(labelled - picked)}"
    left_out = {(c.keyword, c.entry) for c in keyword_sets.build("vi").sense_kept}
    assert ("buổi", "buổi sáng") in left_out and ("tím", "cà tím") not in left_out


def test_a_bad_sense_label_names_its_file_and_line_and_the_majority_decides(tmp_path, monkeypatch):
    bad = tmp_path / "senses.jsonl"
    bad.write_text('{"keyword": "cầu", "compound": "cầu thủ", "sense": "lost", "second": "kept", "third": "lost"}\n'
                   '{"keyword": "tím", "compound": "cà tím", "sense": "maybe", "second": "lost", "third": "kept"}\n'
                   '{"keyword": "buổi", "compound": "buổi sáng", "sense": "lost", "second": "kept", "third": "kept"}\n',
                   encoding="utf-8")
    monkeypatch.setattr(keyword_sets, "VI_SENSES", bad)
    keyword_sets.vi_compound_senses.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"senses\.jsonl:2: sense must be kept or lost, not 'maybe'"):
            keyword_sets.vi_compound_senses()
        bad.write_text(bad.read_text(encoding="utf-8").replace('"maybe"', '"lost"'), encoding="utf-8")
        keyword_sets.vi_compound_senses.cache_clear()
        assert keyword_sets.vi_compound_senses() == {("cầu", "cầu thủ"): "lost", ("tím", "cà tím"): "lost",
                                                     ("buổi", "buổi sáng"): "kept"}
        assert keyword_sets.vi_compound_senses("second")[("cầu", "cầu thủ")] == "kept"
    finally:
        keyword_sets.vi_compound_senses.cache_clear()


def test_the_labellers_kappas_agree_with_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    labels = {name: keyword_sets.vi_compound_senses(name) for name in keyword_sets.VI_LABELLERS}
    keys = sorted(labels["sense"])
    assert all(set(labels[name]) == set(keys) for name in labels)
    kappas = labeller_kappas()
    assert len(kappas) == 3
    for (a, b), kappa in kappas.items():
        expected = cohen_kappa_score([labels[a][k] for k in keys], [labels[b][k] for k in keys])
        assert math.isclose(kappa, expected, abs_tol=1e-12), (a, b)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_dev_split_stays_within_the_regression_guards(lang):
    tp, pos, fp, neg = counts(lang, "dev")
    min_recall, max_fp = GUARDS[lang]
    assert 100 * tp / pos >= min_recall, f"{lang}: dev recall {100 * tp / pos:.1f}%"
    assert 100 * fp / neg <= max_fp, f"{lang}: dev false positives {100 * fp / neg:.1f}%"


def test_doc_table_is_the_computed_one():
    assert_doc_block("keyword-sets", table(), "python -m tests.metrics.test_keyword_sets")
    assert doc_block("keyword-sets-vi") == vietnamese_by_source(), vietnamese_by_source()
    assert doc_block("keyword-sets-labellers") == vietnamese_by_labeller(), vietnamese_by_labeller()


if __name__ == "__main__":
    print(table())
    print()
    print(vietnamese_by_source())
    print()
    print(vietnamese_by_labeller())
