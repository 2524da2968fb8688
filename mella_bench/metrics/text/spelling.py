"""Spelling dictionaries: does a language's Hunspell dictionary accept this word?

Fidelity's word vote asks it about the words no word list holds: a word only Belarusian's dictionary
spells (Гандурас, Дзяржава) is Belarusian, one Russian's dictionary also spells is not. Which
dictionaries each language reads is data (`mella_bench.langs.SPELLING_DICTIONARIES`).

Source: Debian's Hunspell dictionaries (hunspell-ru, -sr, -uk, -be, -kk, -bg, -sl; GPL/LGPL/MPL and
CC-BY-SA, see /usr/share/doc/hunspell-*/copyright), installed by `tools/install-hunspell.sh`, never
copied into the repository; read by spylls (MPL-2.0, pure Python). They are looked for in
`$MELLA_BENCH_HUNSPELL` (directories separated by `os.pathsep`), else /usr/share/hunspell. A dictionary
that is not installed is left out, and `spelling_name` says which were read, so a number computed
without them carries a different signature.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import unicodedata
from pathlib import Path

from mella_bench.langs import SPELLING_DICTIONARIES, SpellingDictionary

DEFAULT_DIRS = ("/usr/share/hunspell",)
ENV = "MELLA_BENCH_HUNSPELL"


def search_dirs() -> tuple[Path, ...]:
    configured = os.environ.get(ENV, "")
    return tuple(Path(d) for d in (configured.split(os.pathsep) if configured else DEFAULT_DIRS) if d)


@functools.lru_cache(maxsize=None)
def _files(name: str, dirs: tuple[Path, ...]) -> Path | None:
    """The path stem of dictionary `name` (`…/ru_RU`, whose .aff and .dic both exist), else None."""
    for d in dirs:
        stem = d / name
        if stem.with_suffix(".aff").is_file() and stem.with_suffix(".dic").is_file():
            return stem
    return None


def installed(code: str) -> tuple[SpellingDictionary, ...]:
    """The dictionaries of language `code` found on this machine."""
    dirs = search_dirs()
    return tuple(d for d in SPELLING_DICTIONARIES.get(code, ()) if _files(d.name, dirs) is not None)


@functools.lru_cache(maxsize=None)
def _dictionary(stem: Path):  # type: ignore[no-untyped-def]
    from spylls.hunspell import Dictionary

    return Dictionary.from_files(str(stem))


def spells(code: str, word: str) -> bool:
    """Does one of `code`'s installed dictionaries written in the word's script accept `word`? False
    when none is installed."""
    return _spells(code, unicodedata.normalize("NFC", word), search_dirs())


@functools.lru_cache(maxsize=262144)
def _spells(code: str, word: str, dirs: tuple[Path, ...]) -> bool:
    for d in SPELLING_DICTIONARIES.get(code, ()):
        stem = _files(d.name, dirs)
        if stem is not None and _in_script(word, d.script) and _dictionary(stem).lookup(word):
            return True
    return False


def _in_script(word: str, script: str) -> bool:
    prefix = script.upper()
    return all(unicodedata.name(ch, "").startswith(prefix) for ch in word if ch.isalpha())


def spelling_name(codes: tuple[str, ...]) -> str:
    """For signatures: the reader, the dictionaries of `codes` that were found, and a hash of their
    files (`spylls0.1.7:be_BY+ru_RU@1a2b3c4d`), or `none`."""
    dirs = search_dirs()
    found = [(d.name, stem) for c in codes for d in SPELLING_DICTIONARIES.get(c, ())
             if (stem := _files(d.name, dirs)) is not None]
    if not found:
        return "none"
    digest = hashlib.sha256()
    for name, stem in sorted(found):
        digest.update(name.encode())
        for suffix in (".aff", ".dic"):
            digest.update(_file_hash(stem.with_suffix(suffix)).encode())
    names = "+".join(sorted(name for name, _ in found))
    return f"spylls{importlib.metadata.version('spylls')}:{names}@{digest.hexdigest()[:8]}"


@functools.lru_cache(maxsize=None)
def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
