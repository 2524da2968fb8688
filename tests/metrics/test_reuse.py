"""`score` reuses the scores of unchanged answers (mella_bench/metrics/reuse.py): the files it writes are
byte-identical to a fresh `score`, and only what changed is scored again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mella_bench.metrics import reuse, score as score_module
from mella_bench.metrics.score import score_run
from mella_bench.store import PREDICTIONS, SCORES, SUMMARY, read_jsonl

EXAMPLE = Path(__file__).resolve().parents[2] / "results" / "examples" / "reference-half"
"""Realistic answers in all eight languages (the first half of each reference), every metric."""
FILES = (SCORES, SUMMARY)


@pytest.fixture
def run(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(EXAMPLE, out, ignore=shutil.ignore_patterns(*FILES, "scores.md", reuse.CACHE_FILE))
    return out


@pytest.fixture
def scored(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    """(language, metric, answers) of every scorer call."""
    calls: list[tuple[str, str, int]] = []
    real = score_module.score_corpus

    def spy(corpus, metrics, pool=None):  # type: ignore[no-untyped-def]
        calls.extend((corpus.lang, m, len(corpus.hyps)) for m in metrics)
        return real(corpus, metrics, pool)

    monkeypatch.setattr(score_module, "score_corpus", spy)
    return calls


def _files(run: Path) -> dict[str, bytes]:
    return {name: (run / name).read_bytes() for name in FILES}


def _edit(run: Path, task: str, n: int, text: str) -> None:
    """Give the first `n` answers of `task` a new text (a later record of the same key wins)."""
    recs = [r for r in read_jsonl(run / PREDICTIONS) if r["task"] == task][:n]
    with (run / PREDICTIONS).open("a", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps({**r, "text": text}, ensure_ascii=False) + "\n")


def _drop(run: Path, task: str) -> None:
    """Remove the last answer of `task` (the answer set changes)."""
    lines = (run / PREDICTIONS).read_text(encoding="utf-8").splitlines()
    last = max(i for i, line in enumerate(lines) if json.loads(line)["task"] == task)
    (run / PREDICTIONS).write_text("\n".join(lines[:last] + lines[last + 1:]) + "\n", encoding="utf-8")


def test_reused_scores_equal_a_fresh_score_byte_for_byte(run: Path, scored: list) -> None:
    score_run(run, resamples=200)
    first = _files(run)
    scored.clear()
    score_run(run, resamples=200)  # nothing changed: nothing is scored, the same files come out
    assert scored == [] and _files(run) == first

    _edit(run, "mella_sr_ling", 2, "Ћевапи са кајмаком у Београду.")  # fidelity's script counts (details)
    _edit(run, "mella_ko_know", 1, "경복궁 앞에서 한복을 입은 사람들이 사진을 찍고 있다.")
    _edit(run, "mella_th_ling", 3, "ผัดไทยกุ้งสดในตลาดน้ำ")
    _drop(run, "mella_vi_ling")
    scored.clear()
    score_run(run, resamples=200)
    reused = _files(run)
    calls = list(scored)
    (run / reuse.CACHE_FILE).unlink()
    score_run(run, resamples=200, reuse=False)
    assert reused == _files(run)  # byte-identical to scoring everything

    langs = {lang for lang, _, _ in calls}
    assert langs == {"sr", "ko", "th", "vi"}  # the twelve unchanged tasks were not scored
    by = {(lang, metric): n for lang, metric, n in calls}
    assert by[("ko", "keyword_acc")] == 1 and by[("ko", "meteor")] == 1  # only the changed answer
    assert by[("th", "bleu")] == 3 and by[("th", "chrf++")] == 3
    assert by[("th", "cider")] == 6  # CIDEr-D depends on the whole task: rescored whole
    assert by[("vi", "bleu")] == 1  # unchanged answers, new answer set: one item gives the signature
    assert [n for lang, metric, n in calls if (lang, metric) == ("sr", "fidelity")] == [2, 6]  # details: whole


def test_a_change_of_the_metric_code_or_libraries_scores_everything_again(run: Path, scored: list,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    score_run(run, resamples=0)
    scored.clear()
    monkeypatch.setattr(reuse, "code_version", lambda: "another version of the metrics")
    score_run(run, resamples=0)
    assert sum(n for _, _, n in scored) == sum(1 for r in read_jsonl(run / SCORES) if r["status"] == "ok")


def test_a_corrupt_cache_is_ignored_with_a_warning(run: Path, scored: list,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    score_run(run, resamples=0)
    first = _files(run)
    (run / reuse.CACHE_FILE).write_text('{"format": 1, "items": {', encoding="utf-8")
    scored.clear()
    score_run(run, resamples=0)
    assert "cannot be read" in capsys.readouterr().err
    assert scored and _files(run) == first


def test_item_keys_cover_prediction_references_keywords_and_id() -> None:
    base = ("cs-know-0001", ["Pražský orloj."], ["orloj"], "Orloj v Praze.")
    key = reuse.item_digest(*base)
    assert key == reuse.item_digest(*base)
    for i, changed in enumerate((("cs-know-0002",), (["Karlův most."],), (["most"],), ("Most v Praze.",))):
        other = list(base)
        other[i] = changed[0]
        assert reuse.item_digest(*other) != key


def test_the_code_version_covers_language_text_and_every_language_profile():
    """After the move into packages, tokenisation lives in metrics/text/ and each language in langs/<code>.py:
    an edit to either must void the cache (a flat glob of metrics/*.py and langs/__init__.py missed them)."""
    rel = {"/".join(p.parts[-2:]) for p in reuse.code_sources()}
    assert {"text/tokenize.py", "text/wordmatch.py", "langs/ru.py", "langs/profile.py", "metrics/meteor.py"} <= rel


@pytest.mark.parametrize("name, word", [("be_BY", "Мелабенч"), ("hu_HU", "mellabencs")])
def test_the_code_version_covers_the_hunspell_dictionaries_found(monkeypatch, tmp_path, name, word):
    """Fidelity's word vote reads Debian's Hunspell dictionaries (be_BY among them) and Hungarian Keyword
    Accuracy vetoes matches by hu_HU's stems: installing or removing one must void the cache, as a
    library upgrade does."""
    from mella_bench.metrics.text.spelling import ENV

    empty, with_one = tmp_path / "empty", tmp_path / "with-one"
    empty.mkdir()
    with_one.mkdir()
    (with_one / f"{name}.aff").write_text("SET UTF-8\n", encoding="utf-8")
    (with_one / f"{name}.dic").write_text(f"1\n{word}\n", encoding="utf-8")
    monkeypatch.setenv(ENV, str(empty))  # a directory without dictionaries
    reuse.code_version.cache_clear()
    without = reuse.code_version()
    monkeypatch.setenv(ENV, str(with_one))
    reuse.code_version.cache_clear()
    try:
        assert reuse.code_version() != without
    finally:
        reuse.code_version.cache_clear()


def test_the_code_version_covers_wordnet(monkeypatch, tmp_path):
    """Thai Keyword Accuracy reads WordNet's data.noun for kinds (metrics/text/kinds.py): installing or
    changing it must void the cache, as a dictionary does."""
    from mella_bench.metrics.text.kinds import ENV

    empty, with_one = tmp_path / "empty", tmp_path / "with-one"
    empty.mkdir()
    with_one.mkdir()
    (with_one / "data.noun").write_text("00001740 03 n 01 entity 0 000 | that which exists\n", encoding="latin-1")
    versions = []
    for directory in (empty, with_one):
        monkeypatch.setenv(ENV, str(directory))
        reuse.code_version.cache_clear()
        versions.append(reuse.code_version())
    reuse.code_version.cache_clear()
    assert versions[0] != versions[1]
