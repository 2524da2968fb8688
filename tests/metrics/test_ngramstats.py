"""ngramstats: the per-item BLEU and chrF++ statistics vectors equal sacrebleu's own, integer for integer."""

from __future__ import annotations

import random

import pytest
from sacrebleu.metrics import BLEU, CHRF

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.ngramstats import bleu_statistics, chrf_statistics, chrf_words
from tests.metrics.test_ngram import bleu, chrf, perturbed
from tests.metrics.texts import INFLECTED, SENTENCES


def _streams(refs):
    width = max(len(r) for r in refs)
    return [[r[i] if i < len(r) else None for r in refs] for i in range(width)]


def sacrebleu_chrf(hyps, refs):
    return [list(s) for s in CHRF(word_order=2)._extract_corpus_statistics(list(hyps), _streams(refs))]


def sacrebleu_bleu(hyps, refs):
    metric = BLEU(tokenize="none", max_ngram_order=4, force=True)
    return [list(s) for s in metric._extract_corpus_statistics(list(hyps), _streams(refs))]


def texts(lang: str) -> list[str]:
    """The language's real sentences, their inflected-keyword sentences, and perturbed copies of each."""
    base = list(SENTENCES[lang]) + [s for _, s in INFLECTED.get(lang, [])]
    return base + [perturbed(s, i) for i, s in enumerate(base) if len(s.split()) > 2 or lang == "th"]


def corpus(lang: str, seed: int) -> tuple[list[str], list[list[str]]]:
    """Hypotheses and 1–3 references per item (including repeated words, an empty reference, a shared one)."""
    rng = random.Random(f"{lang}-{seed}")
    pool = texts(lang)
    hyps, refs = [], []
    for i, text in enumerate(pool):
        hyps.append(perturbed(text, seed + i) if len(text.split()) > 2 or lang == "th" else text)
        others = rng.sample(pool, k=rng.randint(0, 2))
        refs.append([text] + others + ([""] if i % 5 == 0 else []))
    hyps.append(pool[0] + " " + pool[0])  # repeated n-grams: clipping
    refs.append([pool[0]])
    hyps.append("")  # an empty answer
    refs.append([pool[1], pool[0]])
    return hyps, refs


@pytest.mark.parametrize("lang", LANG_CODES)
@pytest.mark.parametrize("seed", [0, 1])
def test_chrf_statistics_equal_sacrebleu(lang, seed):
    hyps, refs = corpus(lang, seed)
    ours = chrf_statistics(hyps, refs, CHRF(word_order=2)._compute_f_score)
    assert ours == sacrebleu_chrf(hyps, refs)
    single = [[r[0]] for r in refs]
    assert chrf_statistics(hyps, single, CHRF(word_order=2)._compute_f_score) == sacrebleu_chrf(hyps, single)


@pytest.mark.parametrize("lang", LANG_CODES)
@pytest.mark.parametrize("seed", [0, 1])
def test_bleu_statistics_equal_sacrebleu_on_metric_tokens(lang, seed):
    hyps, refs = corpus(lang, seed)
    c = Corpus(lang, tuple(hyps), tuple(tuple(r) for r in refs))
    tok_hyps, tok_refs = list(c.hyp_tokens), [list(r) for r in c.ref_tokens]
    assert bleu_statistics(tok_hyps, tok_refs) == sacrebleu_bleu(tok_hyps, tok_refs)
    single = [[r[0]] for r in tok_refs]
    assert bleu_statistics(tok_hyps, single) == sacrebleu_bleu(tok_hyps, single)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_metric_values_equal_sacrebleu_corpus_and_sentence_scores(lang):
    hyps, refs = corpus(lang, 3)
    refs = [[r for r in rs if r] for rs in refs]
    c = Corpus(lang, tuple(hyps), tuple(tuple(r) for r in refs))
    tok = c.tokenizer
    ch, ch_refs = [tok.chrf_text(h) for h in hyps], [[tok.chrf_text(r) for r in rs] for rs in refs]
    result = chrf(c)
    assert result.value == pytest.approx(CHRF(word_order=2).corpus_score(ch, _streams(ch_refs)).score, abs=1e-9)
    for h, rs, v in zip(ch, ch_refs, result.values):
        assert v == pytest.approx(CHRF(word_order=2).sentence_score(h, rs).score, abs=1e-9)
    result = bleu(c)
    th, tr = list(c.hyp_tokens), [list(r) for r in c.ref_tokens]
    assert result.value == pytest.approx(BLEU(tokenize="none").corpus_score(th, _streams(tr)).score, abs=1e-9)
    sentence = BLEU(tokenize="none", effective_order=True)
    for h, rs, v in zip(th, tr, result.values):
        assert v == pytest.approx(sentence.sentence_score(h, rs).score, abs=1e-9)


def test_large_alphabet_renumbers_codes_and_stays_exact():
    """Over ~1,450 distinct characters 6-gram codes would overflow int64 and are renumbered first."""
    rng = random.Random(7)
    alphabet = [chr(0xAC00 + i) for i in range(3000)]  # Hangul syllables
    refs = [["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 60))) + " 끝."] for _ in range(40)]
    hyps = [r[0][: len(r[0]) // 2] + r[0] for r in refs]
    assert chrf_statistics(hyps, refs, CHRF(word_order=2)._compute_f_score) == sacrebleu_chrf(hyps, refs)


def test_chrf_words_split_one_edge_punctuation_mark_as_sacrebleu():
    sent = "(hi) a, «b» c. .d -- x"
    assert chrf_words(sent) == CHRF(word_order=2)._remove_punctuation(sent)


def test_empty_corpus():
    assert chrf_statistics([], [], CHRF()._compute_f_score) == []
    assert bleu_statistics([], []) == []
