"""Spelling dictionaries: does a language's Hunspell dictionary accept this word?

Fidelity's word vote asks it about the words no word list holds: a word only Belarusian's dictionary
spells (Гандурас, Дзяржава) is Belarusian, one Russian's dictionary also spells is not. Which
dictionaries each language reads is data (`mella_bench.langs.SPELLING_DICTIONARIES`).

Source: Debian's Hunspell dictionaries (hunspell-ru, -sr, -uk, -be, -kk, -bg, -sl; GPL/LGPL/MPL and
CC-BY-SA, see /usr/share/doc/hunspell-*/copyright), Macedonian's from the npm registry (dictionary-mk
2.0.0, GPL-3.0, from dimztimz/hunspell-mk; its licence is installed beside it) and the `hunspell`
binary, installed by `tools/install-hunspell.sh`, never copied into the repository. Dictionaries are
looked for in `$MELLA_BENCH_HUNSPELL` (directories separated by `os.pathsep`), else in /usr/share/hunspell
and `user_dir()` ($XDG_DATA_HOME/mella-bench/hunspell, where the npm one goes). A dictionary
that is not installed (or everything, without the binary) is left out, and `spelling_name` says which
were read, so a number computed without them carries a different signature.

The binary runs once per dictionary for a batch of words (`prefetch`; `hunspell -G` prints the words
it accepts) and the answers are kept in memory: a dictionary loads in under 0.3 s and 45 MB in its own
process. spylls, a pure-Python reader, agreed word for word but held 1.3 GB after loading all seven
(uk_UA and sr alone 700 MB), so it was not used.

Keyword Accuracy asks a dictionary for stems (`stems`, `hunspell -s`, batched by `prefetch_stems` the
same way): where a language's `KeywordRules.stem_dictionary` names one (Hungarian: Debian's
`hunspell-hu`), a tolerant match between words it stems apart is vetoed (`wordmatch.py`).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Iterable

from mella_bench.langs import SPELLING_DICTIONARIES, SpellingDictionary

SYSTEM_DIR = Path("/usr/share/hunspell")
ENV = "MELLA_BENCH_HUNSPELL"
_ACCEPTED: dict[tuple[str, str], bool] = {}
"""(dictionary path stem, word) → accepted: every answer the binary gave in this process."""
_STEMS: dict[tuple[str, str], frozenset[str]] = {}
"""(dictionary path stem, word) → the stems `hunspell -s` gave it, casefolded (empty: an unknown word)."""


def user_dir() -> Path:
    """Where `tools/install-hunspell.sh` puts the dictionaries Debian does not package."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mella-bench" / "hunspell"


def search_dirs() -> tuple[Path, ...]:
    configured = os.environ.get(ENV, "")
    if configured:
        return tuple(Path(d) for d in configured.split(os.pathsep) if d)
    return SYSTEM_DIR, user_dir()


def _files(name: str, dirs: tuple[Path, ...]) -> Path | None:
    """The path stem of dictionary `name` (`…/ru_RU`, whose .aff and .dic both exist), else None."""
    for d in dirs:
        stem = d / name
        if stem.with_suffix(".aff").is_file() and stem.with_suffix(".dic").is_file():
            return stem
    return None


def located(code: str) -> tuple[tuple[SpellingDictionary, Path], ...]:
    """(dictionary, path stem) of each of `code`'s dictionaries found (none without the binary).
    Resolved once per search directories and PATH: `spells` asks for every word of every answer."""
    return _located(code, search_dirs(), os.environ.get("PATH", ""))


@functools.lru_cache(maxsize=None)
def _located(code: str, dirs: tuple[Path, ...], path: str) -> tuple[tuple[SpellingDictionary, Path], ...]:
    if shutil.which("hunspell", path=path) is None:
        return ()
    return tuple((d, stem) for d in SPELLING_DICTIONARIES.get(code, ()) if (stem := _files(d.name, dirs)) is not None)


def installed(code: str) -> tuple[SpellingDictionary, ...]:
    """The dictionaries of language `code` that can be read on this machine (files and binary found)."""
    return tuple(d for d, _ in located(code))


def _askable(word: str, d: SpellingDictionary, stem: Path) -> bool:
    """Is `word` in the dictionary's script and encoding? Others are never asked: sl_SI, in ISO-8859-2,
    accepts a Cyrillic word it cannot encode (Калемегдан)."""
    prefix = d.script.upper()
    return all(unicodedata.name(ch, "").startswith(prefix) for ch in word if ch.isalpha()) and _encodable(word, stem)


@functools.lru_cache(maxsize=None)
def _encoding(stem: Path) -> str:
    """The `SET` line of the .aff file (Hunspell's default, ISO-8859-1, without one)."""
    head = stem.with_suffix(".aff").read_bytes()[:4096].removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    m = re.search(r"^SET\s+(\S+)", head, re.MULTILINE)
    name = m.group(1) if m else "ISO8859-1"
    try:
        return codecs.lookup(name.replace("microsoft-", "")).name
    except LookupError:
        return "utf-8"


def prefetch(code: str, words: Iterable[str]) -> None:
    """Ask each of `code`'s dictionaries about every word of `words` not asked yet, in one call of the
    binary per dictionary, so that `spells` then answers from memory."""
    words = {unicodedata.normalize("NFC", w) for w in words}
    for d, stem in located(code):
        todo = sorted(w for w in words if (str(stem), w) not in _ACCEPTED and _askable(w, d, stem))
        if todo:
            accepted = _run_hunspell(stem, todo)
            _ACCEPTED.update(((str(stem), w), w in accepted) for w in todo)


def _run_hunspell(stem: Path, words: list[str]) -> set[str]:
    out = subprocess.run(["hunspell", "-d", str(stem), "-G", "-i", "utf-8"], input="\n".join(words) + "\n",
                         capture_output=True, text=True, encoding="utf-8", check=True).stdout
    return set(out.splitlines())


def spells(code: str, word: str) -> bool:
    """Does one of `code`'s dictionaries (in the word's script) accept `word`? False when none is
    installed. A word not prefetched costs one call of the binary per dictionary."""
    word = unicodedata.normalize("NFC", word)
    for d, stem in located(code):
        if not _askable(word, d, stem):
            continue
        if (str(stem), word) not in _ACCEPTED:
            prefetch(code, (word,))
        if _ACCEPTED[(str(stem), word)]:
            return True
    return False


def dictionary(name: str) -> Path | None:
    """The path stem of the Hunspell dictionary `name` (`hu_HU`) when it and the binary are installed."""
    return _dictionary(name, search_dirs(), os.environ.get("PATH", ""))


@functools.lru_cache(maxsize=None)
def _dictionary(name: str, dirs: tuple[Path, ...], path: str) -> Path | None:
    return None if shutil.which("hunspell", path=path) is None else _files(name, dirs)


def _encodable(word: str, stem: Path) -> bool:
    """Can `word` be written in the dictionary's encoding (its .aff `SET`)?"""
    try:
        word.encode(_encoding(stem))
    except UnicodeEncodeError:
        return False
    return True


def prefetch_stems(name: str, words: Iterable[str]) -> None:
    """Ask dictionary `name` for the stems of every word of `words` not asked yet, in one call of the
    binary, so that `stems` then answers from memory. Nothing happens when it is not installed."""
    stem = dictionary(name)
    if stem is None:
        return
    words = {unicodedata.normalize("NFC", w) for w in words}
    todo = sorted(w for w in words if w and (str(stem), w) not in _STEMS and _encodable(w, stem) and w.isalpha())
    if todo:
        found = _run_stems(stem, todo)
        _STEMS.update(((str(stem), w), frozenset(found.get(w, ()))) for w in todo)


def _run_stems(stem: Path, words: list[str]) -> dict[str, set[str]]:
    """`hunspell -s` prints "word stem" once per stem of a known word, the word alone for an unknown one."""
    out = subprocess.run(["hunspell", "-d", str(stem), "-s", "-i", "utf-8"], input="\n".join(words) + "\n",
                         capture_output=True, text=True, encoding="utf-8", errors="replace", check=True).stdout
    found: dict[str, set[str]] = {}
    for line in out.splitlines():
        word, _, root = line.partition(" ")
        if root.strip():
            found.setdefault(word, set()).add(root.strip().casefold())
    return found


def stems(name: str, word: str) -> frozenset[str]:
    """The stems dictionary `name` gives `word`, casefolded; empty when it does not know the word (or a
    letter of it) or is not installed. A word not prefetched costs one call of the binary."""
    stem = dictionary(name)
    if stem is None:
        return frozenset()
    word = unicodedata.normalize("NFC", word)
    if (str(stem), word) not in _STEMS:
        prefetch_stems(name, (word,))
    return _STEMS.get((str(stem), word), frozenset())


def stems_name(name: str) -> str:
    """For signatures: `hunspell1.7.1:hu_HU@1a2b3c4d` (binary version, dictionary, hash of its files), or
    `none` when dictionary `name` is not installed."""
    stem = dictionary(name)
    return "none" if stem is None else _name(((name, stem),))


def spelling_name(codes: tuple[str, ...]) -> str:
    """For signatures: the binary's version, the dictionaries of `codes` that were found, and a hash of
    their files (`hunspell1.7.1:be_BY+ru_RU@1a2b3c4d`), or `none`."""
    found = sorted({(d.name, stem) for c in codes for d, stem in located(c)})
    if not found:
        return "none"
    return _name(tuple(found))


def _name(found: tuple[tuple[str, Path], ...]) -> str:
    digest = hashlib.sha256()
    for name, stem in found:
        digest.update(name.encode())
        for suffix in (".aff", ".dic"):
            digest.update(_file_hash(stem.with_suffix(suffix)).encode())
    return f"hunspell{_binary_version()}:{'+'.join(name for name, _ in found)}@{digest.hexdigest()[:8]}"


@functools.lru_cache(maxsize=None)
def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def _binary_version() -> str:
    out = subprocess.run(["hunspell", "-v"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"Hunspell (\S+?)\)?$", out.splitlines()[0] if out else "")
    return m.group(1) if m else "unknown"
