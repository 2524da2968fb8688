"""Keyword hits for the viewer: the verdict is the metric's, the place is on the answer's characters.

Written to hold for any Keyword Accuracy matcher (substring or word-based): found/missed must equal
the metric's per-item value, and a highlight must cover the keyword's word in the answer.
"""

from __future__ import annotations

import unicodedata

import pytest

from mella_bench.reports.keyword_hits import keyword_hits
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.keywords import keyword_acc, keyword_acc_strict
from mella_bench.metrics.text.tokenize import get_tokenizer

CASES = [  # lang, answer, {keyword: the answer word its highlight must start in, or None when missed}
    ("cs", "Na fotografii je orloj na Staroměstském náměstí v Praze.", {"orloj": "orloj", "Praha": "Praze",
                                                                       "Karlův most": None}),
    ("ru", "На прилавке стоят расписные Матрёшки и самовар.", {"матрешка": "Матрёшки", "самовар": "самовар"}),
    ("hu", "A gulyás a tűz felett fő, mellette piros almát árulnak.", {"gulyás": "gulyás", "alma": "almát",
                                                                       "lángos": None}),
    ("th", "ร้านขายผัดไทยริมคลองในตลาดน้ำ", {"ผัดไทย": "ผัด", "ตลาดน้ำ": "ตลาด", "ส้มตำ": None}),
    ("sr", "Na tanjiru su ćevapi sa kajmakom.", {"ћевапи": "ćevapi", "кајмак": "kajmakom"}),
    ("ar", "طبق كسكس مغربي، وإلى جانبه طاجين فخاري.", {"كسكس": "كسكس", "طاجين": "طاجين", "حريرة": None}),
    ("ko", "경복궁 앞에서 한복을 입은 사람들", {"경복궁": "경복궁", "한복": "한복을", "김치": None}),
    ("vi", "Một bát phở bò Hà Nội nóng hổi.", {"phở": "phở", "Hà Nội": "Hà", "bánh mì": None}),
]


def _metric(lang: str, answer: str, keywords: list[str], metric) -> list[float]:
    """The metric's value for the answer with each keyword alone: 100 = found, 0 = missed."""
    return [metric(Corpus(lang=lang, hyps=(answer,), refs=((answer,),), keywords=((k,),))).values[0] for k in keywords]


@pytest.mark.parametrize("lang,answer,want", CASES, ids=[c[0] for c in CASES])
def test_found_equals_the_metric_and_highlights_the_word(lang: str, answer: str, want: dict[str, str | None]) -> None:
    kws = list(want)
    hits = keyword_hits(lang, kws, answer)
    assert [h.keyword for h in hits] == kws
    assert [100.0 if h.found else 0.0 for h in hits] == _metric(lang, answer, kws, keyword_acc)
    assert [100.0 if h.found_strict else 0.0 for h in hits] == _metric(lang, answer, kws, keyword_acc_strict)
    text = unicodedata.normalize("NFC", answer)
    words = text.split()
    for h in hits:
        if want[h.keyword] is None:
            assert not h.found and h.spans == ()
            continue
        assert h.found and h.spans, h
        start, end = h.spans[0]
        word = next(w for w in words if w.strip(".,،") and want[h.keyword] in w)
        at = text.index(word)
        assert at <= start < at + len(word) and end > start, (h, word)
        norm = get_tokenizer(lang).normalize
        assert norm(text[start:end])[:2] == norm(want[h.keyword])[:2]


def test_share_found_equals_keyword_accuracy() -> None:
    for lang, answer, want in CASES:
        hits = keyword_hits(lang, list(want), answer)
        value = keyword_acc(Corpus(lang=lang, hyps=(answer,), refs=((answer,),), keywords=(tuple(want),))).values[0]
        assert 100.0 * sum(h.found for h in hits) / len(hits) == pytest.approx(value)


def test_punctuation_only_keywords_are_ignored_like_the_metric() -> None:
    assert [h.keyword for h in keyword_hits("cs", ["—", "orloj"], "orloj")] == ["orloj"]


def test_a_metric_found_where_function_is_used_when_the_metrics_package_has_one(monkeypatch) -> None:
    from mella_bench.metrics import keywords as keyword_metric

    class Match:
        def __init__(self, keyword: str, found: bool, spans):
            self.keyword, self.found, self.spans = keyword, found, spans

    def match_keywords(lang, answer, keywords, *, tolerant=True):
        return tuple(Match(k, tolerant or k == "orloj", ((0, 5),) if k == "orloj" else ((10, 15),)) for k in keywords)

    monkeypatch.setattr(keyword_metric, "match_keywords", match_keywords, raising=False)
    hits = keyword_hits("cs", ["orloj", "Praha"], "Orloj a v Praze")
    assert [(h.keyword, h.found, h.found_strict, h.spans) for h in hits] == [
        ("orloj", True, True, ((0, 5),)), ("Praha", True, False, ((10, 15),))]
