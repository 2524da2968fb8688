"""The demo set shipped in `mella_bench/demo`: valid, complete, and a fair thick-vs-thin contrast."""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter

import pytest
from PIL import Image

from mella_bench.data.dataset import DEMO_ROOT, Item, validate
from mella_bench.langs import AXES, LANG_CODES

# Serbian Cyrillic -> Latin, so that keywords and texts written in either script compare equal.
_SR_LATIN = dict(zip(
    "абвгдђежзијклљмнњопрстћуфхцчџш",
    ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m", "n", "nj", "o", "p", "r", "s",
     "t", "ć", "u", "f", "h", "c", "č", "dž", "š"],
))
_INFLECTING = {"cs", "hu", "ru", "sr"}
"""Languages whose keywords may appear inflected; others (incl. Thai, Korean, Arabic) match as substrings."""


def _norm(text: str, lang: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    if lang == "sr":
        text = "".join(_SR_LATIN.get(ch, ch) for ch in text)
    return text


def _stem(token: str) -> str:
    return token if len(token) <= 4 else token[: max(4, len(token) - 2)]


def mentions(text: str, keyword: str, lang: str) -> bool:
    """Substring match, or (inflecting languages) every keyword word starts some word of the text."""
    k, t = _norm(keyword, lang), _norm(text, lang)
    if k in t:
        return True
    if lang not in _INFLECTING:
        return False
    words = re.findall(r"[\w-]+", t)
    return all(any(w.startswith(_stem(tok)) for w in words) for tok in re.findall(r"[\w-]+", k))


@pytest.fixture(scope="module")
def items() -> tuple[Item, ...]:
    ds, problems = validate("demo")
    assert problems == [], "\n".join(map(str, problems))
    assert ds is not None
    return ds.items


def test_mentions_rule_is_not_trivial():
    assert mentions("Plátky masa se svíčkovou omáčkou", "svíčková", "cs")
    assert mentions("Ћевапи на лепињи", "ćevapi", "sr")
    assert mentions("ผัดไทยกุ้งสด", "ผัดไทย", "th")
    assert not mentions("Talíř s masem", "svíčková", "cs")
    assert not mentions("อาหารเส้นผัด", "ผัดไทย", "th")


def test_every_language_and_axis_is_covered(items):
    counts = Counter((it.lang, it.axis) for it in items)
    for lang in LANG_CODES:
        for axis in AXES:
            assert counts[(lang, axis)] >= 4, f"{lang}/{axis} has {counts[(lang, axis)]} items"
    assert len(items) == 96


def test_texts_are_nfc(items):
    for it in items:
        texts = [*it.references, *it.keywords, it.thin or "", str(it.meta.get("hallucinated", ""))]
        for text in texts:
            assert unicodedata.is_normalized("NFC", text), it.id


def test_know_items_have_keywords_in_reference_and_not_in_thin(items):
    know = [it for it in items if it.axis == "know"]
    assert know
    for it in know:
        assert it.keywords and it.thin, it.id
        assert it.meta.get("hallucinated"), f"{it.id}: meta.hallucinated missing"
        for kw in it.keywords:
            assert mentions(it.references[0], kw, it.lang), f"{it.id}: keyword {kw!r} not in the first reference"
            assert not mentions(it.thin, kw, it.lang), f"{it.id}: thin text names keyword {kw!r}"


def test_every_item_has_a_thin_text_so_the_thin_baseline_answers_all(items):
    assert all(it.thin for it in items)


def test_serbian_uses_both_scripts_as_declared(items):
    sr = [it for it in items if it.lang == "sr"]
    scripts = Counter(it.meta["script"] for it in sr)
    assert set(scripts) == {"Cyrl", "Latn"}
    for it in sr:
        has_cyrillic = bool(re.search("[\u0400-\u04ff]", re.sub("„[^“]*“", "", it.references[0])))
        assert has_cyrillic == (it.meta["script"] == "Cyrl"), it.id


def test_images_decode_and_are_small(items):
    for it in items:
        data = (DEMO_ROOT / it.image).read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            assert im.size == (256, 256), it.id
    total = sum(p.stat().st_size for p in DEMO_ROOT.rglob("*") if p.is_file())
    assert total < 4 * 1024 * 1024, f"demo folder is {total} bytes"
