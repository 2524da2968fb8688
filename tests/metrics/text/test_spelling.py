"""Spelling dictionaries (mella_bench/metrics/text/spelling.py): spylls against the hunspell binary."""

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
from tests.support.spelling import require_dictionaries

REAL = Path(__file__).parents[1] / "data" / "fidelity_real.jsonl"


@pytest.fixture
def dictionaries():
    require_dictionaries()
    if not shutil.which("hunspell"):
        pytest.skip("needs the hunspell binary (Debian package hunspell): run tools/install-hunspell.sh")


def real_words(code: str) -> list[str]:
    """Words of real text in `code` (the fidelity sets' gettext messages, the Russian and Serbian
    sentences written for the project) and each reversed, which is mostly not a word."""
    texts = [json.loads(line)["text"] for line in REAL.read_text(encoding="utf-8").splitlines()
             if json.loads(line)["lang"] == code]
    texts += SENTENCES.get(code, ())
    words = sorted({w for t in texts for w in regex.findall(r"[\p{L}\p{M}]{2,}", t)})
    return words + [w[::-1] for w in words if len(w) > 3]


def in_script(word: str, script: str) -> bool:
    return all(unicodedata.name(ch).startswith(script.upper()) for ch in word)


def binary_accepts(name: str, words: list[str]) -> set[str]:
    """The words the hunspell binary (the independent reference) accepts with dictionary `name`."""
    out = subprocess.run(["hunspell", "-d", f"/usr/share/hunspell/{name}", "-G", "-i", "utf-8"],
                         input="\n".join(words), capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("code", sorted(SPELLING_DICTIONARIES))
def test_spylls_agrees_with_the_hunspell_binary_on_real_words(dictionaries, code):
    for d in SPELLING_DICTIONARIES[code]:
        words = [w for w in real_words(code) if in_script(w, d.script)]
        accepted = binary_accepts(d.name, words)
        assert len(words) > 60 and 0.2 * len(words) < len(accepted) < 0.8 * len(words)
        assert [w for w in words if (w in accepted) != spelling.spells(code, w)] == []


def test_a_dictionary_is_not_asked_about_words_in_another_script(dictionaries):
    # sl_SI is in ISO-8859-2: the binary accepts a Cyrillic word it cannot encode
    assert binary_accepts("sl_SI", ["Калемегдан"]) == {"Калемегдан"}
    assert not spelling.spells("sl", "Калемегдан")
    assert spelling.spells("sl", "Ekvatorialna") and not spelling.spells("uk", "Ekvatorialna")
    assert spelling.spells("sr", "Калемегдан") and spelling.spells("sr", "Kalemegdan")  # both scripts


def test_without_dictionaries_nothing_is_spelled_and_the_signature_says_none(monkeypatch, tmp_path):
    monkeypatch.setenv(spelling.ENV, str(tmp_path))
    assert spelling.installed("be") == ()
    assert not spelling.spells("be", "Дзяржава")
    assert spelling.spelling_name(("ru", "be")) == "none"


def test_the_signature_names_the_dictionaries_found_and_hashes_their_files(dictionaries, monkeypatch, tmp_path):
    for suffix in (".aff", ".dic"):
        shutil.copy(f"/usr/share/hunspell/be_BY{suffix}", tmp_path / f"be_BY{suffix}")
    monkeypatch.setenv(spelling.ENV, str(tmp_path))
    assert [d.name for d in spelling.installed("be")] == ["be_BY"] and spelling.installed("ru") == ()
    before = spelling.spelling_name(("ru", "be"))
    assert regex.fullmatch(r"spylls[0-9.]+:be_BY@[0-9a-f]{8}", before)
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
