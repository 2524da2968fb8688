"""Language fidelity (mella_bench/metrics/fidelity.py) on real text in every language."""

from __future__ import annotations

import pytest

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.fidelity import detect, fidelity, script_of
from tests.metrics.text.test_tokenize import to_latin
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


# ---------------------------------------------------------------- labelled sets (tests/metrics/data)

import json  # noqa: E402
from pathlib import Path  # noqa: E402

_DATA = Path(__file__).parent / "data"
REAL = [json.loads(line) for line in (_DATA / "fidelity_sentences.jsonl").read_text(encoding="utf-8").splitlines()]
SHORT_ENGLISH = [line.strip() for line in (_DATA / "fidelity_english_short.txt").read_text(encoding="utf-8").splitlines()
                 if line.strip()]


def test_no_short_english_answer_is_accepted_as_arabic():
    assert run("ar", tuple(SHORT_ENGLISH)).values == (0.0,) * len(SHORT_ENGLISH)


@pytest.mark.parametrize("lang", ["ko", "ru", "th", "sr"])
def test_no_short_english_answer_is_accepted_in_non_latin_tasks(lang):
    accepted = [e for e, v in zip(SHORT_ENGLISH, run(lang, tuple(SHORT_ENGLISH)).values) if v]
    if lang == "sr":  # Serbian is also written in Latin: OK and No are Serbian words too; English words
        # rarer than Zipf 4 that the Serbian list lacks (mosque, spices, bookshop) are taken for names
        assert accepted == ["OK", "No.", "A mosque.", "Spices", "Bookshop"], accepted
    else:
        assert accepted == []


def test_at_least_99_percent_of_real_sentences_are_accepted_in_their_language():
    by_lang: dict[str, list[str]] = {}
    for rec in REAL:
        by_lang.setdefault(rec["lang"], []).append(rec["text"])
    assert set(by_lang) == set(LANG_CODES)
    rejected = []
    for lang, texts in by_lang.items():
        result = run(lang, tuple(texts))
        rejected += [(lang, t, n) for t, v, n in zip(texts, result.values, result.notes) if v == 0.0]
    assert len(rejected) <= 0.01 * len(REAL), rejected


def test_serbian_is_accepted_in_both_scripts_even_when_detected_as_a_neighbour():
    cyr = [r["text"] for r in REAL if r["lang"] == "sr" and script_of(r["text"]) == "Cyrillic"]
    lat = [r["text"] for r in REAL if r["lang"] == "sr" and script_of(r["text"]) == "Latin"]
    assert len(cyr) >= 10 and len(lat) >= 10
    assert run("sr", tuple(cyr + lat)).values == (100.0,) * (len(cyr) + len(lat))


def test_a_neighbour_with_letters_serbian_does_not_use_is_rejected():
    assert run("sr", ("Ова е убава куќа во Скопје.",)).values == (0.0,)  # Macedonian ќ
    assert run("sr", ("Това е хубава къща в София.",)).values == (0.0,)  # Bulgarian ъ
    assert run("sr", ("Это красивый дом в Москве.",)).values == (0.0,)  # Russian


def test_an_answer_mostly_in_a_foreign_script_is_rejected_whatever_the_detector_says():
    result = run("ar", ("OK", "مرحبا OK"))
    assert result.values == (0.0, 100.0)
    assert "script:foreign" in result.notes[0]
    assert run("ko", ("Kimchi 김치",)).values == (0.0,)  # 6 Latin letters vs 2 Hangul


# ---------------------------------------------------------------- issue 19: short answers, neighbours, English

from tests.metrics.fidelity_sets import records  # noqa: E402


def test_short_correct_answers_the_detector_misread_are_accepted():
    assert run("ru", ("Да.", "Собор", "Зимний дворец")).values == (100.0,) * 3
    assert run("hu", ("Igen.", "Lánchíd", "Parlament")).values == (100.0,) * 3
    assert run("cs", ("Ano.",)).values == (100.0,)
    result = run("ko", ("떡",))
    assert result.values == (100.0,) and result.notes[0] == "script:Hangul"


@pytest.mark.parametrize("lang", LANG_CODES)
def test_at_least_95_percent_of_short_correct_answers_are_accepted(lang):
    texts = tuple(r["text"] for r in records() if r["set"] == "short" and r["lang"] == lang)
    assert len(texts) >= 30
    result = run(lang, texts)
    rejected = [(t, n) for t, v, n in zip(texts, result.values, result.notes) if not v]
    assert len(rejected) <= 0.05 * len(texts), rejected


@pytest.mark.parametrize("neighbour", ["be", "kk", "uk", "mk", "sl", "bg"])
def test_real_neighbour_sentences_are_not_accepted_as_russian_or_serbian(neighbour):
    recs = [r for r in records() if r["set"] == "neighbour-sentence" and r["lang"] == neighbour]
    assert len(recs) == 40
    accepted = [r["text"] for r in recs if run(r["target"], (r["text"],)).values[0]]
    # measured: sl 0 of 40 with the spelling dictionaries, 1 without ("Ime cilja za sklicanje načina": no
    # word only Slovene's list holds, detected as bs; Slovene's dictionary spells sklicanje), the price of
    # keeping real Serbian taken for Slovene ("Mama pravi ajvar od pečenih paprika.")
    assert len(accepted) <= {"sl": 1}.get(neighbour, 0), accepted


def test_a_form_only_the_neighbours_dictionary_knows_counts_for_the_neighbour():
    # dev sentences that passed as Serbian: Macedonian article forms (датотеката "the file"), Slovene funkcij
    assert run("sr", ("Грешка при скратувањето на датотеката:",)).values == (0.0,)
    assert run("sr", ("Ne izvozi funkcij; te je treba deklarirati v GGNUCINTERNAL",)).values == (0.0,)
    # written for the project: Macedonian without ѓ ќ ѕ, with article forms; the same in Serbian passes
    assert run("sr", ("Девојката ја чита книгата во паркот.",)).values == (0.0,)
    assert run("sr", ("Девојка чита књигу у парку.", "Devojka čita knjigu u parku.")).values == (100.0, 100.0)
    from mella_bench.metrics.fidelity import word_vote
    assert word_vote(("датотеката",), "sr", "mk") == (0, 1)
    assert word_vote(("vozič", "klobučník"), "cs", "sk") == (0, 0)  # Czech does not use Slovak's dictionary


def test_belarusian_kazakh_and_macedonian_written_for_the_project_are_rejected():
    assert run("ru", ("На фотаздымку старажытны сабор і плошча ў цэнтры горада.",)).values == (0.0,)
    assert run("ru", ("Суретте қаланың орталығындағы ескі мешіт көрінеді.",)).values == (0.0,)
    assert run("sr", ("На сликата се гледа стара црква во центарот на градот.",)).values == (0.0,)  # no ѓ ќ ѕ
    assert run("sr", ("Na sliki je stara cerkev v središču mesta.",)).values == (0.0,)  # Slovene
    assert run("sr", ("На слици је стара црква у центру града.",)).values == (100.0,)


@pytest.mark.parametrize("lang,text,accepted", [
    # a Kazakh possessive or plural ending on a word Russian does not have
    ("ru", "Италия Республикасы", False),
    ("ru", "Арал аралдары", False),
    ("ru", "Старинные часы", True),
    ("ru", "Трассы и колбасы", True),
    # Macedonian / Bulgarian postfixed articles on a word Serbian does not have
    ("sr", "Островите и планините", False),
    ("sr", "Stari most u Mostaru", True),
    ("sr", "Планинска кућа", True),
])
def test_a_neighbours_ending_on_a_word_the_language_lacks_makes_it_the_neighbours(lang, text, accepted):
    from mella_bench.metrics.fidelity import judge

    assert judge(text, lang)[0] is accepted


@pytest.mark.parametrize("lang,text,accepted", [
    # written for the project: every word is in both lists; Slovene že, v, ki and Ukrainian ось are far
    # more common in the neighbour's list (these were accepted before the shared-word vote)
    ("sr", "Program je že v teku.", False),
    ("sr", "Muzej je v centru mesta.", False),
    ("sr", "Festival je v mestu.", False),
    ("sr", "Vlak je že na postaji.", False),
    ("sr", "Kip stoji v parku, ki je blizu reke.", False),
    ("ru", "Ось дорога до моря.", False),
    # the same in Serbian and Russian: u, već, kao are far more common in Serbian than in Slovene
    ("sr", "Program je već počeo.", True),
    ("sr", "Muzej je u centru grada.", True),
    ("sr", "Festival je u gradu.", True),
    ("sr", "Voz je već na stanici.", True),
    ("sr", "Kip stoji u parku, kao i fontana.", True),
    ("sr", "Воз је већ на станици.", True),
    ("ru", "Вот дорога к морю.", True),
    # no word is far more common on either side: still a tie, given to the language (a documented limit)
    ("sr", "Ples je del tradicije.", True),
])
def test_a_word_both_lists_hold_votes_where_it_is_far_more_common(lang, text, accepted):
    from mella_bench.metrics.fidelity import judge

    assert judge(text, lang)[0] is accepted


def test_the_shared_word_vote_is_symmetric_and_named_in_the_signature():
    from mella_bench.metrics.fidelity import word_vote

    assert word_vote(("že", "v"), "sr", "sl") == (0, 2)
    assert word_vote(("već", "u", "kao"), "sr", "sl") == (3, 0)  # već only Serbian's; u, kao shared
    assert word_vote(("je", "na", "iz"), "sr", "sl") == (0, 0)  # about as common in both
    assert word_vote(("ось", "що", "до"), "ru", "uk") == (0, 2)  # до: Zipf 6.4 in Russian, 7.0 in Ukrainian
    assert "vote:only>=10x+both>=100x" in run("sr", (SENTENCES["sr"][0],)).signature
    assert "vote:" not in run("ko", (SENTENCES["ko"][0],)).signature  # no neighbours, no vote


@pytest.mark.parametrize("lang,text,accepted", [
    ("sr", "Da, to je most.", True),  # most "bridge": Zipf 6.0 in English, 4.8 in Serbian; da, je Serbian's
    ("cs", "Ano, je to most.", True),
    ("sr", "Ne, to nije most.", True),
    ("sr", "This is the most famous bridge in Belgrade.", False),
    ("cs", "Yes, it is a bridge.", False),
    ("sr", "It is a park.", False),
])
def test_a_word_far_more_common_in_the_language_than_in_english_is_the_languages(lang, text, accepted):
    assert bool(run(lang, (text,)).values[0]) is accepted


def test_the_english_margin_is_named_in_the_signature_of_latin_script_languages():
    assert "english:10x-both-ways" in run("cs", ("Ano.",)).signature
    assert "english:" not in run("ru", ("Да.",)).signature


def test_half_english_answers_get_the_same_verdict_in_every_language():
    recs = [r for r in records() if r["set"] == "half-english"]
    assert {r["lang"] for r in recs} == set(LANG_CODES)
    wrong = [(r["lang"], r["text"]) for r in recs
             if bool(run(r["lang"], (r["text"],)).values[0]) != (r["expect"] == "accept")]
    assert wrong == [("cs", "A plate of roast pork with dumplings and sauerkraut, vepřo knedlo zelo.")]  # rare
    # English nouns (Zipf < 4) the Czech list lacks count as names: the documented limit


def test_word_lists_agree_with_wordfreqs_own_lookup():
    from wordfreq import zipf_frequency

    from mella_bench.metrics.text.lexicon import zipf
    for lang, word in [("ru", "собор"), ("hu", "igen"), ("cs", "ano"), ("en", "bridge"), ("mk", "ова")]:
        assert abs(zipf(lang, word) - zipf_frequency(word, lang, "small")) < 0.011
    assert abs(zipf("sr", "Београд") - zipf_frequency("beograd", "sh", "small")) < 0.011  # Cyrillic looked up in Latin


@pytest.fixture
def dictionaries():
    from tests.support.spelling import require_dictionaries

    require_dictionaries()


@pytest.mark.parametrize("lang,text,accepted", [
    # written for the project: Belarusian and Bulgarian short answers with no letter, ending, listed word
    # or form of theirs; only their Hunspell dictionary spells a word (all accepted as ru / sr before)
    ("ru", "Купалле", False),
    ("ru", "Гуканне вясны", False),
    ("ru", "Калядная зорка", False),
    ("ru", "Белавежская пушча", False),
    ("ru", "Мядзведзь", False),
    ("ru", "Царква", False),
    ("sr", "Кукерски маски", False),
    ("sr", "Нестинари", False),
    # Russian and Serbian short answers with words no word list holds, which their own dictionaries know
    ("ru", "Хохлома", True),
    ("ru", "Жостово", True),
    ("ru", "Оймякон", True),
    ("ru", "Дымковская игрушка", True),
    ("ru", "Байкальский омуль", True),
    ("sr", "Голубачка тврђава", True),
    ("sr", "Скадарлија", True),
    ("sr", "Пихтије", True),
    ("sr", "Drvengrad", True),
    ("sr", "Zlatiborski kajmak", True),
    ("sr", "Pirotski ćilim", True),
])
def test_a_word_only_a_neighbours_spelling_dictionary_knows_is_the_neighbours(dictionaries, lang, text, accepted):
    from mella_bench.metrics.fidelity import judge

    assert judge(text, lang)[0] is accepted


def test_the_spelling_dictionaries_in_the_word_vote(dictionaries):
    from mella_bench.metrics.fidelity import word_vote

    assert word_vote(("Гандурас",), "ru", "be") == (0, 1)  # Russian Гондурас
    # Кувейт is in the Russian list and Belarusian's dictionary: neither's in a short answer, where no
    # detector weighs the rest; the language's in a longer one
    assert word_vote(("Кувейт",), "ru", "be", short=True) == (0, 0)
    assert word_vote(("Кувейт",), "ru", "be") == (1, 0)
    assert word_vote(("датотеката",), "sr", "mk") == (0, 1)
    assert word_vote(("расипано",), "sr", "mk") == (0, 0)  # a Macedonian form Serbian's dictionary spells too


def test_the_signature_names_the_spelling_dictionaries(dictionaries):
    ru = run("ru", (SENTENCES["ru"][0],)).signature
    assert "own:pymorphy3" in ru and "spell:hunspell1.7.1:be_BY+bg_BG+kk_KZ+ru_RU+uk_UA@" in ru
    assert "spell:hunspell1.7.1:bg_BG+mk_MK+sl_SI+sr_Latn_RS+sr_RS@" in run("sr", (SENTENCES["sr"][0],)).signature
    for lang in ("ko", "cs", "ar"):  # no dictionary among the language and its neighbours
        assert "spell:" not in run(lang, (SENTENCES[lang][0],)).signature


def test_without_the_dictionaries_the_vote_uses_lists_alone_and_the_signature_says_so(monkeypatch, tmp_path):
    from mella_bench.metrics.text.spelling import ENV

    monkeypatch.setenv(ENV, str(tmp_path))
    result = run("ru", ("Купалле", "Хохлома"))
    assert result.values == (100.0, 100.0)  # nothing else tells Купалле from Russian
    assert "spell:none" in result.signature


def test_the_signature_changes_with_the_neighbour_letters_and_endings(monkeypatch):
    import dataclasses

    from mella_bench import langs

    before = run("sr", (SENTENCES["sr"][0],)).signature_fields["alien"]
    assert before.startswith("letters+endings@")
    assert run("cs", (SENTENCES["cs"][0],)).signature_fields["alien"].startswith("letters@")  # no endings
    serbian = langs.LANGUAGES["sr"]
    edited = dataclasses.replace(serbian, neighbour_letters=serbian.neighbour_letters + "ӂ")
    monkeypatch.setitem(langs.LANGUAGES, "sr", edited)
    after = run("sr", (SENTENCES["sr"][0],)).signature_fields["alien"]
    assert after.startswith("letters+endings@") and after != before
