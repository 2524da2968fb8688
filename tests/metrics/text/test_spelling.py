"""Spelling dictionaries (mella_bench/metrics/text/spelling.py): batched `hunspell -G` calls against
hunspell's ispell pipe (`-a`), one word at a time, on real words."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import regex

from mella_bench.langs import SPELLING_DICTIONARIES
from mella_bench.metrics.text import spelling
from tests.metrics.texts import SENTENCES
from tests.support.spelling import require_dictionaries, require_stem_dictionary

REAL = Path(__file__).parents[1] / "data" / "fidelity_real.jsonl"


@pytest.fixture
def dictionaries():
    require_dictionaries()


def real_words(code: str) -> list[str]:
    """Words of real text in `code` (the fidelity sets' gettext messages, the Russian and Serbian
    sentences written for the project) and each reversed, which is mostly not a word."""
    recs = [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines()]
    texts = [r["text"] for r in recs if r["lang"] == code] + list(SENTENCES.get(code, ()))
    words = sorted({w for t in texts for w in regex.findall(r"[\p{L}\p{M}]{2,}", t)})[:100]
    return words + [w[::-1] for w in words if len(w) > 3]


def in_script(word: str, script: str) -> bool:
    return all(unicodedata.name(ch).startswith(script.upper()) for ch in word)


def pipe_verdicts(stem: Path, words: list[str]) -> dict[str, bool]:
    """hunspell's ispell pipe: one answer line per word (`*`, `+`, `-`: correct; `&`, `#`: not)."""
    out = subprocess.run(["hunspell", "-a", "-d", str(stem), "-i", "utf-8"],
                         input="".join(f"^{w}\n" for w in words), capture_output=True, text=True, check=True)
    answers = [line for line in out.stdout.splitlines()[1:] if line]
    assert len(answers) == len(words)
    return {w: a[0] in "*+-" for w, a in zip(words, answers)}


@pytest.mark.parametrize("code", sorted(SPELLING_DICTIONARIES))
def test_batched_answers_agree_with_the_pipe_word_by_word(dictionaries, code):
    for d, stem in spelling.located(code):
        words = [w for w in real_words(code) if in_script(w, d.script)]
        spelling.prefetch(code, words)
        expected = pipe_verdicts(stem, words)
        assert 0.2 * len(words) < sum(expected.values()) < 0.8 * len(words)
        assert [w for w in words if expected[w] != spelling.spells(code, w)] == []


def test_each_dictionary_knows_its_language_and_not_its_neighbours_spelling(dictionaries):
    assert spelling.spells("be", "Дзяржава") and not spelling.spells("ru", "Дзяржава")
    assert spelling.spells("ru", "Государство") and not spelling.spells("be", "Государство")
    assert spelling.spells("uk", "Вишиванка") and not spelling.spells("ru", "Вишиванка")
    assert spelling.spells("kk", "Қазақстан") and spelling.spells("bg", "църква")
    assert spelling.spells("sl", "Ekvatorialna") and not spelling.spells("sr", "Ekvatorialna")
    assert spelling.spells("sr", "Калемегдан") and spelling.spells("sr", "Kalemegdan")  # both scripts
    assert spelling.spells("mk", "Маурициус") and not spelling.spells("sr", "Маурициус")  # sr: Маурицијус


def test_a_dictionary_is_not_asked_about_words_outside_its_script_and_encoding(dictionaries):
    # sl_SI is in ISO-8859-2: the binary accepts a Cyrillic word it cannot encode
    assert pipe_verdicts(spelling.SYSTEM_DIR / "sl_SI", ["Калемегдан"]) == {"Калемегдан": True}
    assert not spelling.spells("sl", "Калемегдан")
    assert not spelling.spells("sl", "Phở") and not spelling.spells("uk", "Ekvatorialna")


def test_without_dictionaries_nothing_is_spelled_and_the_signature_says_none(monkeypatch, tmp_path):
    monkeypatch.setenv(spelling.ENV, str(tmp_path))
    assert spelling.installed("be") == ()
    assert not spelling.spells("be", "Дзяржава")
    assert spelling.spelling_name(("ru", "be")) == "none"
    monkeypatch.setenv(spelling.ENV, str(spelling.SYSTEM_DIR))
    monkeypatch.setenv("PATH", str(tmp_path))  # no hunspell binary
    assert spelling.installed("be") == () and spelling.spelling_name(("be",)) == "none"


def test_the_signature_names_the_dictionaries_found_and_hashes_their_files(dictionaries, monkeypatch, tmp_path):
    for suffix in (".aff", ".dic"):
        shutil.copy(spelling.SYSTEM_DIR / f"be_BY{suffix}", tmp_path / f"be_BY{suffix}")
    monkeypatch.setenv(spelling.ENV, str(tmp_path))
    assert [d.name for d in spelling.installed("be")] == ["be_BY"] and spelling.installed("ru") == ()
    before = spelling.spelling_name(("ru", "be"))
    assert regex.fullmatch(r"hunspell[0-9.]+:be_BY@[0-9a-f]{8}", before)
    assert not spelling.spells("be", "Мелабенч")
    edited = tmp_path / "edited"
    edited.mkdir()
    shutil.copy(tmp_path / "be_BY.aff", edited / "be_BY.aff")
    (edited / "be_BY.dic").write_text((tmp_path / "be_BY.dic").read_text(encoding="utf-8") + "Мелабенч\n",
                                      encoding="utf-8")
    monkeypatch.setenv(spelling.ENV, str(edited))
    assert spelling.spells("be", "Мелабенч")
    after = spelling.spelling_name(("ru", "be"))
    assert after.split("@")[0] == before.split("@")[0] and after != before


def test_by_default_the_system_and_the_user_directories_are_searched(monkeypatch, tmp_path):
    monkeypatch.delenv(spelling.ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert spelling.search_dirs() == (spelling.SYSTEM_DIR, tmp_path / "mella-bench" / "hunspell")


def stems_one_by_one(stem: Path, word: str) -> frozenset[str]:
    """`hunspell -s` asked about one word alone: the reference the batched call must agree with."""
    out = subprocess.run(["hunspell", "-d", str(stem), "-s", "-i", "utf-8"], input=word + "\n",
                         capture_output=True, text=True, check=True).stdout
    return frozenset(line.split(" ", 1)[1].casefold() for line in out.splitlines() if " " in line)


HUNGARIAN = ("Egy macska két egeret figyel a pajta sarkában.", "Egerben, a vár alatt sétálnak a turisták.",
             "A halászok térdig állnak a vízben.", "A Hősök terén zászlók lengenek.",
             "Szegeden a Tisza partján halászlét főznek.", "A zászló színei élénkek a napfényben.")


def test_batched_stems_agree_with_one_word_calls_on_hungarian_sentences():
    require_stem_dictionary()
    words = sorted({w for t in HUNGARIAN for w in regex.findall(r"\p{L}+", t)}) + ["Xqzvöpp"]
    spelling.prefetch_stems("hu_HU", words)
    stem = spelling.dictionary("hu_HU")
    assert stem is not None
    for w in words:
        assert spelling.stems("hu_HU", w) == stems_one_by_one(stem, w), w
    assert spelling.stems("hu_HU", "egeret") == {"egér"} and spelling.stems("hu_HU", "térdig") == {"térd"}
    assert {"szeged", "szeg"} <= spelling.stems("hu_HU", "Szegeden")
    assert spelling.stems("hu_HU", "Xqzvöpp") == frozenset()  # unknown: no stem, so no veto


def test_without_the_stem_dictionary_there_are_no_stems_and_the_signature_says_none(monkeypatch, tmp_path):
    monkeypatch.setenv(spelling.ENV, str(tmp_path))
    assert spelling.dictionary("hu_HU") is None
    assert spelling.stems("hu_HU", "egeret") == frozenset() and spelling.stems_name("hu_HU") == "none"


def test_the_stem_signature_names_the_dictionary_and_hashes_its_files():
    require_stem_dictionary()
    assert regex.fullmatch(r"hunspell[0-9.]+:hu_HU@[0-9a-f]{8}", spelling.stems_name("hu_HU"))
