"""Is one word a kind of another? A wordnet's noun hierarchy, for Thai compounds headed by a keyword.

Thai puts the head of a compound first and newmm keeps dictionary compounds whole: ปลาทู (a fish),
ส้มเขียวหวาน (a citrus) and รถบรรทุก (a truck) are one word each, and so are ข้าวของ ("belongings", not
rice), กล้วยไม้ ("orchid", not a banana) and ม้านั่ง ("bench", not a horse). Letters alone cannot tell
them apart; a wordnet can. A word is a kind of a keyword (`Kind.KIND`) when one of its noun senses is
one of the keyword's or lies below one (PWN hypernyms and instance hypernyms, followed to the top), or
when an English lemma of its sense is a compound whose last word is a lemma of the keyword's senses
(ส้มเขียวหวาน is *mandarin_orange*, ส้ม is *orange*; PWN files the mandarin beside the orange, not
under it). It is another word (`Kind.OTHER`) when the wordnet knows both and neither holds, and
`Kind.UNKNOWN` when it lacks either (most culture-specific compounds: ข้าวเหนียว, เรือหางยาว, ซอด้วง).

Sources, both read offline and loaded once:
- Thai WordNet (NICT, 2011; its licence is in pythainlp's `corpus_license.md`), the `wordnet_th.db`
  that pythainlp installs: Thai words → Princeton WordNet 3.0 synset offsets (`02512053-n`).
- Princeton WordNet 3.0's noun data (`data.noun`, WordNet 3.0 licence), from Debian's `wordnet-base`
  (`tools/install-wordnet.sh`), looked for in `$MELLA_BENCH_WORDNET`, else /usr/share/wordnet. Without
  it every answer is `Kind.UNKNOWN`, the Thai rules that read this module are off (`available`) and
  `signature` says `none`, so a number computed without it carries a different signature.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import importlib.metadata
import os
import sqlite3
from collections import defaultdict
from pathlib import Path

from mella_bench.langs.profile import KindsLexicon

ENV = "MELLA_BENCH_WORDNET"
SYSTEM_DIR = Path("/usr/share/wordnet")


class Kind(enum.Enum):
    """What a wordnet says of a word against a keyword: a kind of it, another thing, or it cannot say."""

    KIND = "kind"
    OTHER = "other"
    UNKNOWN = "unknown"


def wordnet_dir() -> Path:
    return Path(os.environ.get(ENV) or SYSTEM_DIR)


def available() -> bool:
    """Is WordNet's data.noun installed? Without it the rules that read this module are off."""
    return _noun_file() is not None


def _noun_file() -> Path | None:
    """data.noun in `wordnet_dir()`; looked for once per directory (the matcher asks for every Thai
    keyword of every answer), so a WordNet installed later is seen by the next process, as with the
    Hunspell dictionaries."""
    return _noun_file_in(wordnet_dir())


@functools.lru_cache(maxsize=None)
def _noun_file_in(directory: Path) -> Path | None:
    path = directory / "data.noun"
    return path if path.is_file() else None


@functools.lru_cache(maxsize=2)
def _nouns(path: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(synset → its hypernyms, synset → its names, lower case) from a WordNet `data.noun` file.

    A data line is `offset lex_filenum n w_cnt(hex) [lemma lex_id]… p_cnt [symbol offset pos st]… | gloss`;
    licence lines start with spaces."""
    hypernyms: dict[str, tuple[str, ...]] = {}
    names: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            fields = line.split(" | ", 1)[0].split()
            synset = fields[0] + "-n"
            n_words = int(fields[3], 16)
            names[synset] = tuple(fields[4 + 2 * k].lower() for k in range(n_words))
            i = 4 + 2 * n_words
            n_pointers = int(fields[i])
            ups = []
            for k in range(n_pointers):
                symbol, offset, pos = fields[i + 1 + 4 * k:i + 4 + 4 * k]
                if symbol in ("@", "@i") and pos == "n":
                    ups.append(offset + "-n")
            hypernyms[synset] = tuple(ups)
    return hypernyms, names


def _thai_db() -> Path:
    import pythainlp

    return Path(pythainlp.__file__).parent / "corpus" / "wordnet_th.db"


@functools.lru_cache(maxsize=1)
def _thai_synsets() -> dict[str, frozenset[str]]:
    """Thai word → its synsets in Thai WordNet (every part of speech: `02512053-n`, `01955984-v`)."""
    found: dict[str, set[str]] = defaultdict(set)
    with sqlite3.connect(f"file:{_thai_db()}?mode=ro", uri=True) as con:
        for synset, word in con.execute("SELECT synsetid, li FROM word_synset"):
            found[word].add(synset)
    return {w: frozenset(s) for w, s in found.items()}


@functools.lru_cache(maxsize=100_000)
def _thai_senses(word: str) -> frozenset[str]:
    return frozenset(s for s in _thai_synsets().get(word, ()) if s.endswith("-n"))


def senses(lexicon: KindsLexicon, word: str) -> frozenset[str]:
    """The noun synsets (`02512053-n`) the lexicon gives `word`; empty for a word it does not know."""
    return _thai_senses(word) if lexicon == "thai-wordnet" else frozenset()


def only_a_verb(lexicon: KindsLexicon, word: str) -> bool:
    """Does the lexicon know `word`, and only as a verb (ขี่ "ride", เหวี่ยง "swing, cast")?"""
    found = _thai_synsets().get(word, frozenset()) if lexicon == "thai-wordnet" else frozenset()
    return bool(found) and all(s.endswith("-v") for s in found)


def above(synset: str) -> frozenset[str]:
    """Every synset above `synset` (hypernyms and instance hypernyms, to the top); empty without data.noun."""
    path = _noun_file()
    return frozenset() if path is None else _above(path, synset)


def lemmas(synset: str) -> tuple[str, ...]:
    """The English lemmas of a noun synset, lower case (`mandarin_orange`); empty without data.noun."""
    path = _noun_file()
    return () if path is None else _nouns(path)[1].get(synset, ())


def is_noun(lexicon: KindsLexicon, word: str) -> bool:
    """Does the lexicon know `word` as a noun (its own Thai senses, whether or not data.noun is installed)?"""
    return bool(senses(lexicon, word))


@functools.lru_cache(maxsize=100_000)
def _above(path: Path, synset: str) -> frozenset[str]:
    hypernyms = _nouns(path)[0]
    seen: set[str] = set()
    todo = list(hypernyms.get(synset, ()))
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo.extend(hypernyms.get(s, ()))
    return frozenset(seen)


def kind_of(lexicon: KindsLexicon, word: str, keyword: str) -> Kind:
    """Is `word` a kind of `keyword` (both in the lexicon's language, normalised as the matcher does)?"""
    return _kind_of(_noun_file(), lexicon, word, keyword)


@functools.lru_cache(maxsize=100_000)
def _kind_of(path: Path | None, lexicon: KindsLexicon, word: str, keyword: str) -> Kind:
    """`kind_of`, cached per data.noun found, so that the answer follows `$MELLA_BENCH_WORDNET`."""
    word_senses, keyword_senses = senses(lexicon, word), senses(lexicon, keyword)
    if path is None or not word_senses or not keyword_senses:
        return Kind.UNKNOWN
    if any(s in keyword_senses or _above(path, s) & keyword_senses for s in word_senses):
        return Kind.KIND
    names = _nouns(path)[1]
    keyword_lemmas = {lemma for s in keyword_senses for lemma in names.get(s, ())}
    for s in word_senses:
        for lemma in names.get(s, ()):
            parts = lemma.split("_")
            if len(parts) > 1 and parts[-1] in keyword_lemmas:
                return Kind.KIND
    return Kind.OTHER


def signature(lexicon: KindsLexicon) -> str:
    """For signatures: `thai-wordnet@pythainlp5.4.0+wn3.0@1a2b3c4d` (the hash of data.noun), `none` without
    data.noun, '' for a language that uses no lexicon."""
    if not lexicon:
        return ""
    path = _noun_file()
    if path is None:
        return "none"
    return f"{lexicon}@pythainlp{importlib.metadata.version('pythainlp')}+wn3.0@{_file_hash(path)}"


@functools.lru_cache(maxsize=4)
def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]
