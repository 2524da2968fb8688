"""METEOR 1.5 with per-language settings (mella_bench/metrics/meteor.py).

Checked three ways on the same tokens: pycocoevalcap's `Meteor` class driving a JVM with our settings,
the jar run directly on files (its own segment and final scores), and the jar's `EVAL` on our stats.
One JVM pool for the whole module.
"""

from __future__ import annotations

import re
import subprocess
import threading

import pytest
from pycocoevalcap.meteor.meteor import Meteor

from mella_bench.langs import LANG_CODES
from mella_bench.metrics import aggregate
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.base import ScoringSession
from mella_bench.metrics.meteor import (SETTINGS, MeteorPool, function_word_file, command, jar_path, java_path,
                                        meteor)
from tests.metrics.test_ngram import perturbed
from tests.metrics.texts import SENTENCES

DISTINCT = {"cs": SETTINGS["cs"], "hu": SETTINGS["hu"], "ru": SETTINGS["ru"], "vi": SETTINGS["vi"]}
"""One language per distinct setting (ar, ko, sr, th share vi's `-l other` exact setting)."""


@pytest.fixture(scope="module")
def session():
    with ScoringSession() as s:
        yield s


@pytest.fixture(scope="module")
def pool(session):
    return session.get(MeteorPool)


def _corpus(lang: str) -> Corpus:
    a, b = SENTENCES[lang]
    hyps = (perturbed(a, 1), perturbed(b, 2), a, perturbed(b, 4), "")
    refs = ((a, b), (b,), (a,), (perturbed(b, 8), b), (a,))
    return Corpus(lang, hyps, refs)


@pytest.mark.parametrize("lang", LANG_CODES)
def test_identical_hypothesis_scores_100_per_item_and_corpus(session, lang):
    corpus = Corpus(lang, SENTENCES[lang], tuple((s,) for s in SENTENCES[lang]))
    result = meteor(corpus, session)
    assert result.values == (100.0, 100.0)
    assert aggregate("meteor", result.stats) == pytest.approx(100.0)


def test_one_jvm_per_setting_reused(pool):
    assert pool.get("th") is pool.get("vi") is pool.get("ar")
    assert pool.get("cs") is pool.get("cs") and pool.get("cs") is not pool.get("vi")


@pytest.mark.parametrize("lang", sorted(DISTINCT))
def test_settings_are_the_jar_defaults_for_that_language(tmp_path, lang):
    s = SETTINGS[lang]
    empty = tmp_path / "empty.txt"
    empty.write_text("x\n", encoding="utf-8")
    out = subprocess.run([java_path(), "-jar", str(jar_path()), str(empty), str(empty), "-l", s.jar_lang,
                          "-m", " ".join(s.modules)], capture_output=True, text=True, timeout=120).stdout
    params = re.search(r"Parameters:\s+(.*)", out).group(1).split()
    weights = re.search(r"Weights:\s+(.*)", out).group(1).split()
    assert tuple(float(p) for p in params) == s.params
    assert tuple(float(w) for w in weights) == s.weights


@pytest.mark.parametrize("lang", sorted(DISTINCT))
def test_equals_pycocoevalcap_meteor_class_with_the_same_settings(session, tmp_path, lang):
    corpus = _corpus(lang)
    ours = meteor(corpus, session)
    coco = Meteor.__new__(Meteor)  # pycocoevalcap's protocol code, our command line
    coco.meteor_p = subprocess.Popen(command(SETTINGS[lang], function_word_file(SETTINGS[lang], tmp_path)),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    coco.lock = threading.Lock()
    keep = [i for i, h in enumerate(corpus.hyp_tokens) if h]  # the class cannot send an empty hypothesis
    gts = {i: list(corpus.ref_tokens[i]) for i in keep}
    res = {i: [corpus.hyp_tokens[i]] for i in keep}
    score, scores = coco.compute_score(gts, res)
    coco.__del__()
    coco.__del__ = lambda: None
    assert [ours.values[i] / 100 for i in keep] == pytest.approx(scores, abs=1e-12)
    assert aggregate("meteor", [ours.stats[i] for i in keep]) / 100 == pytest.approx(score, abs=1e-12)


@pytest.mark.parametrize("lang", sorted(DISTINCT))
def test_equals_the_jar_run_directly_on_files(session, tmp_path, lang):
    a, b = SENTENCES[lang]
    corpus = Corpus(lang, (perturbed(a, 1), perturbed(b, 2), a), ((a,), (b,), (a,)))
    ours = meteor(corpus, session)
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("\n".join(corpus.hyp_tokens) + "\n", encoding="utf-8")
    ref.write_text("\n".join(r[0] for r in corpus.ref_tokens) + "\n", encoding="utf-8")
    cmd = command(SETTINGS[lang], function_word_file(SETTINGS[lang], tmp_path))
    cmd[cmd.index("-"):cmd.index("-stdio") + 1] = [str(hyp), str(ref)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    segments = [float(x) for x in re.findall(r"Segment \d+ score:\s+(\S+)", out)]
    final = float(re.search(r"Final score:\s+(\S+)", out).group(1))
    assert [v / 100 for v in ours.values] == pytest.approx(segments, abs=1e-12)
    assert aggregate("meteor", ours.stats) / 100 == pytest.approx(final, abs=1e-12)


@pytest.mark.parametrize("lang", sorted(DISTINCT))
def test_python_aggregate_equals_the_jar_eval_on_any_subset(session, pool, lang):
    result = meteor(_corpus(lang), session)
    for pick in ([0, 1, 2, 3, 4], [0, 2], [1, 3, 4], [2]):
        rows = [result.stats[i] for i in pick]
        segments, pooled = pool.get(lang).eval(rows)
        assert [result.values[i] / 100 for i in pick] == pytest.approx(segments, abs=1e-12)
        assert aggregate("meteor", rows) / 100 == pytest.approx(pooled, abs=1e-12)


def test_czech_function_words_are_used_and_english_ones_are_not(pool):
    cs = pool.get("cs").stats(["v na hrad"], [["v na hrad"]])[0]
    other = pool.get("vi").stats(["the of and hrad"], [["the of and hrad"]])[0]
    assert cs[2] == 2  # 'v', 'na' counted as Czech function words
    assert other[2] == 0  # the jar's English list is not applied to other languages


@pytest.mark.parametrize("lang, hyp, ref", [
    ("hu", "A gulyást bográcsban főzik.", "A gulyás bográcsban fő."),
    ("ru", "Чай наливают из самовара.", "Чай наливали из самовар."),
])
def test_stemmer_matches_inflected_forms(session, lang, hyp, ref):
    stats = meteor(Corpus(lang, (hyp,), ((ref,),)), session).stats[0]
    assert stats[8] >= 1  # stage 2 (stem), test content-word matches
    exact_only = meteor(Corpus("vi", (hyp,), ((ref,),)), session).stats[0]
    assert exact_only[8] == 0


def test_empty_hypothesis_scores_zero(session):
    result = meteor(Corpus("th", ("",), ((SENTENCES["th"][0],),)), session)
    assert result.values == (0.0,)
    assert aggregate("meteor", result.stats) == 0.0


def test_rows_of_different_settings_cannot_be_pooled(session):
    cs = meteor(_corpus("cs"), session).stats
    vi = meteor(_corpus("vi"), session).stats
    with pytest.raises(ValueError, match="different settings"):
        aggregate("meteor", [cs[0], vi[0]])


def test_signature_names_settings_and_tokenizer(session):
    sig = meteor(_corpus("ru"), session).signature
    assert "tok:mella-ru-words+yo|lang:ru|mod:exact+stem|w:1_0.5|p:0.75_1.4_0.7_0.5|fw:russian|norm:none" in sig


def _corpora() -> list[Corpus]:
    out = []
    for lang in ("th", "vi", "cs", "ar"):
        a, b = SENTENCES[lang]
        out.append(Corpus(lang, (perturbed(a, 1), perturbed(b, 2), b), ((a,), (b,), (a, b))))
    return out


def test_prefetched_statistics_are_the_ones_computed_in_turn():
    corpora = _corpora()
    with MeteorPool() as plain:
        expected = [plain.corpus_stats(c) for c in corpora]
    with MeteorPool() as pool:
        pool.prefetch(corpora)
        assert [pool.corpus_stats(c) for c in reversed(corpora)] == expected[::-1]
    assert all(len(rows) == 3 for rows in expected)


def test_a_jvm_that_dies_during_prefetch_fails_its_task_only_and_is_replaced(monkeypatch: pytest.MonkeyPatch):
    """th and vi share one JVM: the JVM killed while scoring th fails th; vi gets a fresh JVM and its right stats."""
    from mella_bench.metrics.meteor import MeteorProcess

    corpora = _corpora()
    with MeteorPool() as plain:
        expected = [plain.corpus_stats(c) for c in corpora]
    real, killed = MeteorProcess.stats, []

    def dying(self, hyps, refs):
        if list(hyps) == list(corpora[0].hyp_tokens) and not killed:
            killed.append(self)
            self._proc.kill()
            self._proc.wait()
        return real(self, hyps, refs)

    monkeypatch.setattr(MeteorProcess, "stats", dying)
    with MeteorPool() as pool:
        pool.prefetch(corpora)
        with pytest.raises(RuntimeError, match="METEOR JVM exited unexpectedly"):
            pool.corpus_stats(corpora[0])
        assert [pool.corpus_stats(c) for c in corpora[1:]] == expected[1:]
        assert pool.get("vi") is not killed[0]
