"""Language fidelity (mella_bench/metrics/fidelity.py) on real text in every language."""

from __future__ import annotations

import pytest

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.fidelity import detect, fidelity, script_of
from tests.metrics.test_tokenize import to_latin
from tests.metrics.texts import ENGLISH, SENTENCES


def run(lang: str, outputs: tuple[str, ...]):
    return fidelity(Corpus(lang, outputs, (("ref",),) * len(outputs)))


@pytest.mark.parametrize("lang", LANG_CODES)
def test_answers_in_the_target_language_score_100(lang):
    assert run(lang, SENTENCES[lang]).values == (100.0, 100.0)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_an_english_answer_scores_0(lang):
    result = run(lang, (ENGLISH,))
    assert result.values == (0.0,)
    assert result.notes[0].startswith("detected:en")


def test_neighbouring_language_is_not_accepted():
    assert run("cs", (SENTENCES["ru"][0],)).values == (0.0,)
    assert run("ru", (SENTENCES["sr"][0],)).values == (0.0,)


def test_serbian_latin_is_accepted_and_its_script_reported():
    result = run("sr", (SENTENCES["sr"][0], to_latin(SENTENCES["sr"][1])))
    assert result.values == (100.0, 100.0)
    assert [n.split()[-1] for n in result.notes] == ["script:Cyrillic", "script:Latin"]
    assert result.details == {"script": {"Cyrillic": 1, "Latin": 1}}


def test_script_detection():
    assert script_of("Ћевапи") == "Cyrillic"
    assert script_of("Ćevapi") == "Latin"
    assert script_of("Ћевапи и ćevapi") == "mixed"
    assert script_of("123 !") == "none"


def test_empty_or_letterless_output_scores_0():
    assert detect("") is None
    assert run("th", ("", "12345 !!")).values == (0.0, 0.0)


def test_signature_names_detector_and_version():
    import importlib.metadata

    sig = run("sr", (SENTENCES["sr"][0],)).signature
    assert f"detector:py3langid{importlib.metadata.version('py3langid')}" in sig
    assert "accept:bs+hr+sh+sr" in sig
