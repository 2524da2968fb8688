"""kinds.py: the WordNet hypernym reader against Debian's own `wn` browser, and the Thai kind-of rule on
sentences written for the project (captions of the kind MELLA's models write, not taken from any set).

WordNet 3.0 comes from Debian (tools/install-wordnet.sh): without it these tests skip with the reason,
except in CI, which installs it and where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from mella_bench.metrics.text import kinds
from mella_bench.metrics.text.wordmatch import match_keywords, morphology_signature
from tests.support.keyword_rules import with_keyword_rules
from tests.support.wordnet import require_wordnet

LEX = "thai-wordnet"


@pytest.fixture(autouse=True)
def _wordnet():
    require_wordnet()


def _wn_hypernyms(lemma: str, synset: str) -> set[str]:
    """Every synset above `synset` as Debian's `wn LEMMA -hypen -o` prints it (hypernyms and instances)."""
    out = subprocess.run(["wn", lemma, "-hypen", "-o"], capture_output=True, text=True, check=False).stdout
    for block in out.split("\nSense ")[1:]:
        offsets = re.findall(r"\{(\d{8})\}", block)
        if offsets and offsets[0] + "-n" == synset:
            return {o + "-n" for o in offsets[1:]}
    raise AssertionError(f"wn printed no sense {synset} of {lemma!r}")


@pytest.mark.parametrize("word", ["ปลาทู", "ส้มเขียวหวาน", "หมูสามชั้น", "รถบรรทุก", "ธงชาติ", "กล้วยไม้", "ม้านั่ง",
                                  "ข้าวของ", "นกเงือก", "ชาเย็น", "อาคารสำนักงาน", "ไก่ชน"])
def test_hypernyms_are_those_wn_prints(word):
    if shutil.which("wn") is None:
        message = "the `wn` browser (Debian's wordnet) is missing: run tools/install-wordnet.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    senses = kinds.senses(LEX, word)
    assert senses
    for synset in senses:
        assert set(kinds.above(synset)) == _wn_hypernyms(kinds.lemmas(synset)[0], synset)


@pytest.mark.parametrize(("word", "keyword", "kind"), [
    ("ปลาทู", "ปลา", kinds.Kind.KIND),            # below the fish
    ("ส้มเขียวหวาน", "ส้ม", kinds.Kind.KIND),      # mandarin_orange, beside the orange in PWN
    ("รถบรรทุก", "รถ", kinds.Kind.KIND),
    ("ข้าวของ", "ข้าว", kinds.Kind.OTHER),        # belongings
    ("กล้วยไม้", "กล้วย", kinds.Kind.OTHER),      # orchid
    ("ม้านั่ง", "ม้า", kinds.Kind.OTHER),         # bench
    ("ข้าวเหนียว", "ข้าว", kinds.Kind.UNKNOWN),   # not in Thai WordNet
])
def test_kind_of(word, keyword, kind):
    assert kinds.kind_of(LEX, word, keyword) is kind


@pytest.mark.parametrize(("text", "keyword", "found"), [
    # the wordnet files the compound under the keyword
    ("แม่ค้ากำลังจัดปลาทูใส่เข่งเรียงกันบนแผงในตลาดเช้า", "ปลา", True),
    ("รถบรรทุกสีแดงจอดอยู่หน้าโกดังข้างถนน", "รถ", True),
    # the wordnet knows the compound and it is another thing
    ("หลังน้ำลด ชาวบ้านช่วยกันขนข้าวของออกมาตากแดดหน้าบ้าน", "ข้าว", False),
    ("กล้วยไม้สีม่วงแขวนเรียงอยู่ใต้ชายคาบ้านไม้", "กล้วย", False),
    ("นักท่องเที่ยวนั่งพักบนม้านั่งหินอ่อนในสวน", "ม้า", False),
    # unknown to the wordnet, headed by a noun keyword, the rest common words: a kind of it
    ("ข้าวเหนียวนึ่งใส่กระติ๊บวางคู่กับไก่ย่างบนโต๊ะ", "ข้าว", True),
    ("เรือหางยาวหลายลำลอยลำอยู่ริมหาดทราย", "เรือ", True),
    # the bare keyword, as before
    ("ชาวนากำลังหว่านข้าวในแปลงนาหลังบ้าน", "ข้าว", True),
    # a verb the wordnet knows only as a verb, then the keyword as its object, in one newmm unit
    ("นักท่องเที่ยวขี่ม้าเลียบชายหาดตอนพระอาทิตย์ตก", "ม้า", True),
    ("ชาวประมงยืนเหวี่ยงแหอยู่ริมฝั่งแม่น้ำ", "แห", True),
    # a word that is also a noun before the keyword is not a verb phrase (สี "colour"; สีซอ "bow a fiddle")
    ("ชายชรานั่งสีซออยู่หน้าบ้าน", "ซอ", False),
])
def test_thai_compounds_headed_by_the_keyword(text, keyword, found):
    assert match_keywords("th", text, [keyword])[0].found is found


def test_only_a_verb():
    assert kinds.only_a_verb(LEX, "ขี่") and kinds.only_a_verb(LEX, "เหวี่ยง")
    assert not kinds.only_a_verb(LEX, "สี") and not kinds.only_a_verb(LEX, "ไม่มีคำนี้")


def test_strict_keeps_units_whole():
    text = "แม่ค้ากำลังจัดปลาทูใส่เข่งเรียงกันบนแผงในตลาดเช้า"
    assert match_keywords("th", text, ["ปลา"], tolerant=False)[0].found is False


def test_the_span_is_the_keyword_letters():
    text = "รถบรรทุกสีแดงจอดอยู่หน้าโกดัง"
    assert match_keywords("th", text, ["รถ"])[0].spans == ((0, 2),)
    text = "เด็กขี่ม้า"
    assert match_keywords("th", text, ["ม้า"])[0].spans == ((len("เด็กขี่"), len(text)),)


def test_without_wordnet_the_rule_is_off_and_the_signature_says_so(monkeypatch, tmp_path):
    assert kinds.kind_of(LEX, "ปลาทู", "ปลา") is kinds.Kind.KIND  # asked once with WordNet: no stale answer after
    monkeypatch.setenv(kinds.ENV, str(tmp_path))
    assert not kinds.available()
    assert kinds.kind_of(LEX, "ปลาทู", "ปลา") is kinds.Kind.UNKNOWN
    text = "ข้าวเหนียวนึ่งใส่กระติ๊บวางคู่กับไก่ย่าง"
    # the project's table of Thai compounds does not need WordNet: it lists ข้าวเหนียว as a kind of ข้าว
    assert match_keywords("th", text, ["ข้าว"])[0].found is True
    with_keyword_rules(monkeypatch, "th", compound_kinds="")
    assert match_keywords("th", text, ["ข้าว"])[0].found is False
    assert morphology_signature("th")["kinds"] == "none"
    monkeypatch.delenv(kinds.ENV)
    assert kinds.kind_of(LEX, "ปลาทู", "ปลา") is kinds.Kind.KIND
    assert morphology_signature("th")["kinds"].startswith("thai-wordnet@pythainlp")
