"""Tokenisation and normalisation per language (mella_bench/metrics/text/tokenize.py)."""

from __future__ import annotations

import importlib.metadata
import unicodedata

import pytest

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.text.orthography import SERBIAN_TO_LATIN
from mella_bench.metrics.text.tokenize import LanguageError, get_tokenizer
from tests.metrics.texts import SENTENCES


def to_latin(text: str) -> str:
    return text.translate({ord(k): v for k, v in SERBIAN_TO_LATIN.items()})


@pytest.mark.parametrize("lang", LANG_CODES)
def test_every_language_yields_several_tokens(lang):
    tokens = get_tokenizer(lang).tokenize(SENTENCES[lang][0])
    assert len(tokens) >= 8
    assert all(t and " " not in t for t in tokens)


def test_thai_is_segmented_into_dictionary_words():
    tokens = get_tokenizer("th").tokenize("ผัดไทยกุ้งสดในตลาดน้ำดำเนินสะดวก")
    assert tokens[:3] == ["ผัดไทย", "กุ้ง", "สด"]
    assert "ตลาดน้ำ" in tokens


def test_thai_tokenizer_name_carries_pythainlp_version():
    tok = get_tokenizer("th")
    version = importlib.metadata.version("pythainlp")
    assert tok.name == f"mella-th-newmm-pythainlp{version}"
    assert version in tok.signature()["library"]


def test_names_are_distinct_per_language():
    names = {get_tokenizer(lang).name for lang in LANG_CODES}
    assert len(names) == len(LANG_CODES)


def test_serbian_cyrillic_and_latin_give_identical_tokens():
    tok = get_tokenizer("sr")
    for sentence in SENTENCES["sr"]:
        assert tok.tokenize(sentence) == tok.tokenize(to_latin(sentence))


@pytest.mark.parametrize("cyr, lat", [("љубав", "ljubav"), ("њива", "njiva"), ("џеп", "džep"), ("ђак", "đak"),
                                      ("ћевап", "ćevap"), ("ЉУБАВ", "ljubav"), ("ǉubav", "ljubav")])
def test_serbian_digraphs_fold_losslessly(cyr, lat):
    assert get_tokenizer("sr").tokenize(cyr) == [lat]


def test_serbian_chrf_text_keeps_case():
    assert get_tokenizer("sr").chrf_text("Љубав у Београду") == "Ljubav u Beogradu"


def test_vietnamese_nfd_and_nfc_tokenize_the_same():
    tok = get_tokenizer("vi")
    nfc = SENTENCES["vi"][0]
    assert tok.tokenize(unicodedata.normalize("NFD", nfc)) == tok.tokenize(nfc)


def test_casefold_and_punctuation_dropped():
    tok = get_tokenizer("cs")
    assert tok.tokenize("Nápis „Kavárna“ – modrý; vedle: židle… (dvě)!") == \
        ["nápis", "kavárna", "modrý", "vedle", "židle", "dvě"]


def test_russian_guillemets_dashes_and_yo():
    assert get_tokenizer("ru").tokenize("Вывеска «Кафе» — синяя; Матрёшка") == ["вывеска", "кафе", "синяя", "матрешка"]


def test_korean_corner_brackets_removed_eojeol_kept():
    assert get_tokenizer("ko").tokenize("「카페」 간판… 경복궁에서!") == ["카페", "간판", "경복궁에서"]


def test_arabic_marks_tatweel_and_bidi_marks_removed():
    tok = get_tokenizer("ar")
    assert tok.tokenize("كوبًا\u200f من القهـــوة،") == tok.tokenize("كوبا من القهوة")


def test_numbers_keep_inner_separators_and_symbols_split():
    assert get_tokenizer("hu").tokenize("2,5 km és 10:30-kor 20€") == ["2,5", "km", "és", "10:30", "kor", "20", "€"]


def test_zero_width_space_separates_words():
    assert get_tokenizer("vi").tokenize("phở\u200bbò") == ["phở", "bò"]


def test_empty_and_punctuation_only_text_give_no_tokens():
    for lang in LANG_CODES:
        assert get_tokenizer(lang).tokenize("") == []
        assert get_tokenizer(lang).tokenize(" … — !?") == []


def test_unknown_language_is_a_clear_error():
    with pytest.raises(LanguageError, match="unknown language 'xx'.*ar, cs"):
        get_tokenizer("xx")
