"""Per-language normalisation and word segmentation for every n-gram metric (docs/metrics.md).

One generic `Tokenizer`, parameterised by the `RULES` table: languages are data, not classes.

Pipeline for metric tokens (BLEU, ROUGE-L, METEOR, CIDEr; keyword matching normalises each word with
steps 1–3, see wordmatch.py):
1. NFC, casefold, NFC again (casefold can decompose, e.g. `İ`).
2. Invisible format characters (category Cf: bidi marks, soft hyphen, ZWJ/ZWNJ, BOM) are removed;
   the zero-width space U+200B, a word separator in Thai text, becomes a space.
3. The language's folds (`Language.token_fold`, then `Language.spelling_fold`, named in `mella_bench.langs`): Serbian Cyrillic → Latin
   (lossless: љ→lj, њ→nj, џ→dž, ђ→đ, ћ→ć ...; the Latin digraph ligatures ǉ ǌ ǆ are spelled out),
   Russian ё → е (writers use both), Arabic harakat/tatweel removed and alef/hamza, ى/ي, ة/ه
   unified, Vietnamese tone placement and i/y spelling unified (`orthography.py`: variant spellings
   of one word must not decide a match).
4. Punctuation (Unicode categories P*) is dropped, except `.,:` between digits (`2.5`, `10:30`);
   symbols (S*: `%`, `€`, `°`, emoji) become tokens of their own; whitespace separates tokens.
5. Languages without spaces between words (Thai) segment each remaining chunk with pythainlp
   `newmm` (dictionary bundled with pythainlp; its version is in the signature).

Korean stays at the eojeol (space-separated) level and Vietnamese at the syllable level: both are
whitespace splits, which step 4 already is.

chrF++ gets its own, lighter view (`chrf_text`): NFC, format characters removed, the Serbian
case-correct script fold (ЉУБАВ → LJUBAV) and the Arabic/Vietnamese spelling folds only (case and
punctuation are chrF's business, so plain text scores exactly as sacrebleu's chrF++), plus word
segmentation for Thai, whose words chrF++'s word n-grams could not otherwise see.
"""

from __future__ import annotations

import functools
import importlib.metadata
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Literal, Mapping

import regex

from mella_bench.langs import LANGUAGES
from mella_bench.metrics.text.orthography import CHAR_FOLDS, SPELLING_FOLDS

Segmenter = Literal["whitespace", "thai-newmm"]

# ---------------------------------------------------------------- character folds (data)



@dataclass(frozen=True)
class TextRules:
    """How one language's text becomes metric tokens."""

    segmenter: Segmenter
    label: str
    """Short segmentation name used in the tokenizer name (`words`, `eojeol`, `syllables`, `newmm`)."""
    fold: Mapping[str, str] = field(default_factory=dict)
    """Character → replacement, applied after casefolding (metric tokens and keyword matching)."""
    fold_name: str = ""
    """Names the fold in the tokenizer name (`lat`, `yo`, `dediac`); empty when there is none."""
    script_fold: Callable[[str], str] | None = None
    """Case-preserving script fold applied to chrF++ text as well (Serbian Cyrillic → Latin)."""
    spelling: Callable[[str], str] | None = None
    """Variant-spelling fold (Arabic, Vietnamese), applied to metric tokens and chrF++ text alike."""
    spelling_name: str = ""


_SEGMENTATION_RULES: dict[str, tuple[Segmenter, str]] = {
    # LANGUAGES[...].segmentation → (segmenter, label)
    "unicode-words": ("whitespace", "words"),
    "fold-cyrillic-to-latin": ("whitespace", "words"),
    "whitespace-eojeol": ("whitespace", "eojeol"),
    "whitespace-syllables": ("whitespace", "syllables"),
    "pythainlp-newmm": ("thai-newmm", "newmm"),
}


def _build_rules() -> dict[str, TextRules]:
    rules = {}
    for code, lang in LANGUAGES.items():
        segmenter, label = _SEGMENTATION_RULES[lang.segmentation]
        fold, script_fold = CHAR_FOLDS[lang.token_fold] if lang.token_fold else ({}, None)
        spelling = SPELLING_FOLDS[lang.spelling_fold] if lang.spelling_fold else None
        rules[code] = TextRules(segmenter, label, fold, lang.token_fold or lang.spelling_fold, script_fold, spelling,
                                lang.spelling_fold)
    return rules


RULES: dict[str, TextRules] = _build_rules()

# ---------------------------------------------------------------- the tokenizer

_FORMAT_CHARS = regex.compile(r"[\p{Cf}--[\u200b]]", flags=regex.V1)
_TOKEN = regex.compile(
    r"\p{N}+(?:[.,:]\p{N}+)+"  # numbers keep their inner separators: 2.5, 1,000, 10:30
    r"|\p{S}"  # each symbol is a token
    r"|[^\s\p{P}\p{S}\u200b]+",  # anything else up to whitespace, punctuation or a symbol
    flags=regex.V1,
)


def _translate_table(fold: Mapping[str, str]) -> dict[int, str]:
    return {ord(k): v for k, v in fold.items()}


def _pythainlp_version() -> str:
    return importlib.metadata.version("pythainlp")


@functools.lru_cache(maxsize=65536)
def newmm_words(text: str) -> tuple[str, ...]:
    """pythainlp `newmm` words of `text`, cached per string: the metric tokens, the chrF++ view and
    keyword matching segment the same answers and references again, and newmm is the slow part."""
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(text, engine="newmm", keep_whitespace=False))


class LanguageError(ValueError):
    """An unknown language code (message lists the known ones)."""


class Tokenizer:
    """Normalises and segments text of one language; `name` and `signature()` identify the rules."""

    def __init__(self, lang: str):
        if lang not in RULES:
            raise LanguageError(f"unknown language '{lang}'; choose from {', '.join(RULES)}")
        self.lang = lang
        self.rules = RULES[lang]
        self._fold = _translate_table(self.rules.fold)
        self._segment_thai: Callable[[str], tuple[str, ...]] | None = None
        if self.rules.segmenter == "thai-newmm":
            self._segment_thai = newmm_words
        fold = f"+{self.rules.fold_name}" if self.rules.fold_name else ""
        lib = f"-pythainlp{_pythainlp_version()}" if self._segment_thai else ""
        self.name = f"mella-{lang}-{self.rules.label}{fold}{lib}"
        """Short id used as `tok:` in metric signatures, e.g. `mella-th-newmm-pythainlp5.4.0`."""

    @property
    def chrf_name(self) -> str:
        """Short id of the chrF++ text view (`tok:` in the chrF++ signature)."""
        fold = f"+{self.rules.fold_name}" if self.rules.script_fold else ""
        fold += f"+{self.rules.spelling_name}" if self.rules.spelling_name else ""
        lib = f"+newmm-pythainlp{_pythainlp_version()}" if self._segment_thai else ""
        return f"mella-{self.lang}-nfc{fold}{lib}"

    def signature(self) -> dict[str, str]:
        """Structured description of the rules (the `name` is its short form)."""
        sig = {"name": self.name, "normalization": "nfc+casefold", "punctuation": "dropped",
               "symbols": "split", "segmentation": self.rules.segmenter}
        if self.rules.fold_name:
            sig["fold"] = self.rules.fold_name
        if self._segment_thai:
            sig["library"] = f"pythainlp {_pythainlp_version()} (newmm)"
        return sig

    def normalize(self, text: str) -> str:
        """NFC, casefold, format characters removed, the language's fold: what keywords match against."""
        text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
        text = _FORMAT_CHARS.sub("", text)
        text = text.translate(self._fold) if self._fold else text
        return self.rules.spelling(text) if self.rules.spelling else text

    def tokenize(self, text: str) -> list[str]:
        """Metric tokens of `text` (see the module docstring for the rules)."""
        chunks = _TOKEN.findall(self.normalize(text))
        if self._segment_thai is None:
            return chunks
        out: list[str] = []
        for chunk in chunks:
            out.extend(w for w in self._segment_thai(chunk) if w.strip())
        return out

    def tokenize_joined(self, text: str) -> str:
        """Tokens joined by single spaces: the pre-tokenised form fed to sacrebleu, METEOR and CIDEr."""
        return " ".join(self.tokenize(text))

    def chrf_text(self, text: str) -> str:
        """Text for chrF++: NFC + script fold; Thai word-segmented (case and punctuation kept)."""
        text = _FORMAT_CHARS.sub("", unicodedata.normalize("NFC", text)).replace("\u200b", " ")
        if self.rules.script_fold is not None:
            text = self.rules.script_fold(text)
        if self.rules.spelling:
            text = self.rules.spelling(text)
        if self._segment_thai is not None:
            text = " ".join(w for w in self._segment_thai(text) if w.strip())
        return text

    def surface(self, text: str) -> str:
        """Normalised text with punctuation turned into spaces and spaces collapsed."""
        return " ".join(_TOKEN.findall(self.normalize(text)))


@functools.lru_cache(maxsize=None)
def get_tokenizer(lang: str) -> Tokenizer:
    """The (cached) tokenizer of a language; raises `LanguageError` for an unknown code."""
    return Tokenizer(lang)

