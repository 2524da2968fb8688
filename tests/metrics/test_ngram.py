"""BLEU-4 and chrF++ (mella_bench/metrics/ngram.py) against sacrebleu on the same inputs."""

from __future__ import annotations

import random

import pytest
from sacrebleu.metrics import BLEU, CHRF

from mella_bench.langs import LANG_CODES
from mella_bench.metrics import aggregate
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.base import MetricResult
from mella_bench.metrics.registry import score_corpus
from mella_bench.metrics.text.orthography import arabic_fold, vietnamese_fold
from tests.metrics.text.test_tokenize import to_latin
from tests.metrics.texts import SENTENCES


def bleu(corpus: Corpus) -> MetricResult:
    """BLEU through the registry, whose result knows its aggregate (`.value`)."""
    return score_corpus(corpus, ["bleu"])["bleu"]


def chrf(corpus: Corpus) -> MetricResult:
    return score_corpus(corpus, ["chrf++"])["chrf++"]


def perturbed(text: str, seed: int) -> str:
    """A plausible imperfect hypothesis: a dropped word and two swapped neighbours (Thai: dictionary words,
    glued back together as Thai is written)."""
    rng = random.Random(seed)
    thai = len(text.split()) < 4
    if thai:
        from pythainlp.tokenize import word_tokenize

        words = word_tokenize(text, engine="newmm")
    else:
        words = text.split()
    del words[rng.randrange(len(words))]
    i = rng.randrange(len(words) - 1)
    words[i], words[i + 1] = words[i + 1], words[i]
    return ("" if thai else " ").join(words)


def corpus_of(lang: str, hyps: list[str], refs: list[tuple[str, ...]]) -> Corpus:
    return Corpus(lang, tuple(hyps), tuple(refs))


@pytest.mark.parametrize("lang", LANG_CODES)
def test_identical_hypothesis_scores_100(lang):
    refs = [(s,) for s in SENTENCES[lang]]
    corpus = corpus_of(lang, list(SENTENCES[lang]), refs)
    for result in (bleu(corpus), chrf(corpus)):
        assert result.value == pytest.approx(100.0, abs=1e-9)
        assert all(v == pytest.approx(100.0, abs=1e-9) for v in result.values)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_bleu_equals_sacrebleu_on_the_same_tokens(lang):
    refs = [(s,) for s in SENTENCES[lang]]
    hyps = [perturbed(s, i) for i, s in enumerate(SENTENCES[lang])]
    corpus = corpus_of(lang, hyps, refs)
    ours = bleu(corpus)
    expected = BLEU(tokenize="none").corpus_score(list(corpus.hyp_tokens), [[r[0] for r in corpus.ref_tokens]])
    assert ours.value == pytest.approx(expected.score, abs=1e-9)
    assert 0 < ours.value < 100
    sentence = BLEU(tokenize="none", effective_order=True)
    for h, r, v in zip(corpus.hyp_tokens, corpus.ref_tokens, ours.values):
        assert v == pytest.approx(sentence.sentence_score(h, list(r)).score, abs=1e-9)


def test_bleu_with_a_variable_number_of_references_equals_sacrebleu():
    a, b = SENTENCES["cs"]
    corpus = corpus_of("cs", [perturbed(a, 1), perturbed(b, 2)], [(a, b), (b,)])
    toks = corpus.ref_tokens
    expected = BLEU(tokenize="none").corpus_score(list(corpus.hyp_tokens), [[toks[0][0], toks[1][0]], [toks[0][1], None]])
    assert bleu(corpus).value == pytest.approx(expected.score, abs=1e-9)
    assert bleu(corpus).signature_fields["nrefs"] == "var"


_SPELLING = {"ar": arabic_fold, "vi": vietnamese_fold}


@pytest.mark.parametrize("lang", ["ar", "cs", "hu", "ko", "ru", "vi"])
def test_chrf_equals_sacrebleu_where_no_segmentation_applies(lang):
    refs = [(s,) for s in SENTENCES[lang]]
    hyps = [perturbed(s, 7 + i) for i, s in enumerate(SENTENCES[lang])]
    ours = chrf(corpus_of(lang, hyps, refs))
    metric = CHRF(word_order=2)
    fold = _SPELLING.get(lang, lambda t: t)  # the documented spelling fold, then plain sacrebleu
    hyps, refs = [fold(h) for h in hyps], [(fold(r[0]),) for r in refs]
    assert ours.value == pytest.approx(metric.corpus_score(hyps, [[r[0] for r in refs]]).score, abs=1e-9)
    for h, r, v in zip(hyps, refs, ours.values):
        assert v == pytest.approx(metric.sentence_score(h, list(r)).score, abs=1e-9)


def test_arabic_vowel_marks_and_tatweel_do_not_lower_chrf():
    plain = "ذهب الولد إلى المدرسة في الصباح الباكر"
    voweled = "ذَهَبَ الوَلَدُ إِلى المَدْرَسَةِ في الصَّبـاحِ الباكِرِ"
    assert chrf(corpus_of("ar", [voweled], [(plain,)])).value == pytest.approx(100.0)
    assert chrf(corpus_of("ar", ["مستشفى القاهرة"], [("مستشفي القاهره",)])).value == pytest.approx(100.0)


def test_vietnamese_tone_placement_does_not_lower_chrf():
    assert chrf(corpus_of("vi", ["Hoà bình và thuỷ điện"], [("Hòa bình và thủy điện",)])).value == pytest.approx(100.0)


def test_serbian_all_caps_cyrillic_folds_to_all_caps_latin():
    ours = chrf(corpus_of("sr", ["ЉУБАВ И ЊЕГОШ"], [("LJUBAV I NJEGOŠ",)]))
    assert ours.value == pytest.approx(100.0)


def test_chrf_multi_reference_equals_sacrebleu():
    a, b = SENTENCES["ru"]
    hyps = [perturbed(a, 3), perturbed(b, 4)]
    ours = chrf(corpus_of("ru", hyps, [(b, a), (a, b)]))
    expected = CHRF(word_order=2).corpus_score(hyps, [[b, a], [a, b]]).score
    assert ours.value == pytest.approx(expected, abs=1e-9)


def test_thai_chrf_uses_segmented_words():
    ref = SENTENCES["th"][0]
    ours = chrf(corpus_of("th", [ref[:-6]], [(ref,)]))
    unsegmented = CHRF(word_order=2).corpus_score([ref[:-6]], [[ref]]).score
    assert ours.value > unsegmented  # word bigrams now exist and mostly match
    assert "newmm" in ours.signature_fields["tok"]


def test_serbian_cyrillic_against_latin_scores_at_least_99():
    for sentence in SENTENCES["sr"]:
        corpus = corpus_of("sr", [sentence], [(to_latin(sentence),)])
        assert chrf(corpus).value >= 99
        assert bleu(corpus).value == pytest.approx(100.0)
        reverse = corpus_of("sr", [to_latin(sentence)], [(sentence,)])
        assert chrf(reverse).value >= 99


def test_aggregate_of_any_subset_equals_sacrebleu_on_that_subset():
    lang = "hu"
    sents = list(SENTENCES[lang]) * 3
    hyps = [perturbed(s, i) for i, s in enumerate(sents)]
    corpus = corpus_of(lang, hyps, [(s,) for s in sents])
    b, c = bleu(corpus), chrf(corpus)
    pick = [0, 2, 3, 5]
    sub_b = BLEU(tokenize="none").corpus_score([corpus.hyp_tokens[i] for i in pick],
                                               [[corpus.ref_tokens[i][0] for i in pick]]).score
    sub_c = CHRF(word_order=2).corpus_score([hyps[i] for i in pick], [[sents[i] for i in pick]]).score
    assert aggregate("bleu", [b.stats[i] for i in pick]) == pytest.approx(sub_b, abs=1e-9)
    assert aggregate("chrf++", [c.stats[i] for i in pick]) == pytest.approx(sub_c, abs=1e-9)


def test_empty_hypothesis_scores_zero_without_error():
    corpus = corpus_of("vi", ["", SENTENCES["vi"][1]], [(SENTENCES["vi"][0],), (SENTENCES["vi"][1],)])
    for result in (bleu(corpus), chrf(corpus)):
        assert result.values[0] == 0.0
        assert result.values[1] == pytest.approx(100.0)
        assert 0 < result.value < 100


def test_signatures_name_tokenizer_and_sacrebleu_version():
    import sacrebleu

    corpus = corpus_of("th", [SENTENCES["th"][0]], [(SENTENCES["th"][0],)])
    sig = bleu(corpus).signature
    assert sig.startswith("nrefs:1|case:fold|eff:no|tok:mella-th-newmm-pythainlp")
    assert f"sacrebleu:{sacrebleu.__version__}" in sig and sig.split("|")[-1].startswith("version:")
    assert "nc:6|nw:2" in chrf(corpus).signature
