"""Keyword hits for the viewer: the verdict is the metric's, the place is on the answer's characters."""

from __future__ import annotations

import pytest

from mella_bench.keyword_hits import keyword_hits
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.keywords import keyword_acc


def marked(answer: str, lang: str, keywords: list[str]) -> list[tuple[str, bool, list[str]]]:
    return [(h.keyword, h.found, [answer[a:b] for a, b in h.spans]) for h in keyword_hits(lang, keywords, answer)]


@pytest.mark.parametrize("lang,answer,keywords,want", [
    ("cs", "Na fotografii je orloj na Staroměstském náměstí v Praze.", ["orloj", "Praha", "Karlův most"],
     [("orloj", True, ["orloj"]), ("Praha", True, ["Praze"]), ("Karlův most", False, [])]),
    ("ru", "На прилавке стоят расписные Матрёшки и самовар.", ["матрешка", "самовар"],
     [("матрешка", True, ["Матрёшки"]), ("самовар", True, ["самовар"])]),
    ("hu", "Bográcsban főtt gulyás a tűz felett.", ["gulyás", "bogrács"],
     [("gulyás", True, ["gulyás"]), ("bogrács", True, ["Bogrács"])]),
    ("hu", "Piros almát árulnak a piacon.", ["alma", "lángos"],  # stem match only: the whole word is marked
     [("alma", True, ["almát"]), ("lángos", False, [])]),
    ("th", "ร้านขายผัด ไทยริมคลองในตลาดน้ำ", ["ผัดไทย", "ตลาดน้ำ", "ส้มตำ"],
     [("ผัดไทย", True, ["ผัด ไทย"]), ("ตลาดน้ำ", True, ["ตลาดน้ำ"]), ("ส้มตำ", False, [])]),
    ("sr", "Na tanjiru su ćevapi sa kajmakom.", ["ћевапи", "кајмак"],
     [("ћевапи", True, ["ćevapi"]), ("кајмак", True, ["kajmak"])]),
    ("ar", "طبق كسكس مغربي، وإلى جانبه طاجين فخاري.", ["كسكس", "طاجين", "حريرة"],
     [("كسكس", True, ["كسكس"]), ("طاجين", True, ["طاجين"]), ("حريرة", False, [])]),
    ("ko", "경복궁 앞에서 한복을 입은 사람들", ["경복궁", "한복", "김치"],
     [("경복궁", True, ["경복궁"]), ("한복", True, ["한복"]), ("김치", False, [])]),
])
def test_found_and_where(lang: str, answer: str, keywords: list[str], want) -> None:
    assert marked(answer, lang, keywords) == want


@pytest.mark.parametrize("lang,answer,keywords", [
    ("cs", "Pražský hrad a Karlův most za soumraku.", ["Praha", "Karlův most", "orloj"]),
    ("ru", "Блины с икрой на Масленицу.", ["блин", "масленица", "самовар"]),
    ("vi", "Một bát phở bò Hà Nội nóng hổi.", ["phở", "Hà Nội", "bánh mì"]),
])
def test_share_found_equals_keyword_accuracy(lang: str, answer: str, keywords: list[str]) -> None:
    hits = keyword_hits(lang, keywords, answer)
    value = keyword_acc(Corpus(lang=lang, hyps=(answer,), refs=((answer,),), keywords=(tuple(keywords),))).values[0]
    assert 100.0 * sum(h.found for h in hits) / len(hits) == pytest.approx(value)


def test_punctuation_only_keywords_are_ignored_like_the_metric() -> None:
    assert [h.keyword for h in keyword_hits("cs", ["—", "orloj"], "orloj")] == ["orloj"]
